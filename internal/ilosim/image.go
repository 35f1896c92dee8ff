package ilosim

import (
	"errors"
	"fmt"
	"os"

	"github.com/fleetfw/ilo/internal/testimage"
)

// ImageInfo is what the simulator learns from a firmware image
// (internal/testimage documents the formats).
type ImageInfo = testimage.Info

// inspectImage reads the image stored in file under the name filename.
func inspectImage(file, filename string) (ImageInfo, error) {
	f, err := os.Open(file)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ImageInfo{}, fmt.Errorf("stat image: %w", err)
	}
	info, err := testimage.Inspect(f, st.Size(), filename)
	if err != nil {
		return info, err
	}
	if info.Size == 0 {
		info.Size = st.Size()
	}
	return info, nil
}

// verifyCompsig checks a detached signature against the bytes it covers in
// file (part 0: the whole file; part N: that 32 MiB part).
func verifyCompsig(sig []byte, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open component: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat component: %w", err)
	}
	_, err = testimage.VerifyAt(sig, f, st.Size())
	return err
}

// simpleUpdateFlashable reports whether SimpleUpdate flashes a file of this
// name: only iLO binaries (.bin) and UEFI/BIOS binaries (.signed.flash),
// reference §3.2.
func simpleUpdateFlashable(filename string) bool {
	switch testimage.KindOf(filename) {
	case testimage.KindILO, testimage.KindFirmware:
		return true
	case testimage.KindBIOS:
		return len(filename) > 13 && filename[len(filename)-13:] == ".signed.flash"
	}
	return false
}

// isUnknownFormat reports whether err means the bytes are no known image.
func isUnknownFormat(err error) bool {
	return errors.Is(err, testimage.ErrUnknownFormat) || errors.Is(err, testimage.ErrCorrupt)
}

// defaultActivates is the Activates value a kind shows in the repository
// when the image does not say (captures, reference §5.3).
func defaultActivates(kind testimage.Kind) string {
	switch kind {
	case testimage.KindILO:
		return testimage.AfterDeviceReset
	case testimage.KindCPLD:
		return testimage.AfterHardPowerCycle
	case testimage.KindFwpkg:
		return testimage.Immediately
	}
	return testimage.AfterReboot
}
