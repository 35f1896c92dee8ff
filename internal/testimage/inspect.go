package testimage

import (
	"bytes"
	"fmt"
	"io"
	"path"
)

// Inspect reads the image of size bytes in r, stored as filename, and
// returns what it is. The content decides: a zip is read as a fwpkg (also
// when named .zip, as iLOrest uploads a type C package), anything else must
// be a header-format image. The file name only decides SimpleUpdate (a BIOS
// image flashes through SimpleUpdate as .signed.flash, not .signed.full) and
// is reported as Filename for a fwpkg. Errors wrap ErrUnknownFormat or
// ErrCorrupt.
func Inspect(r io.ReaderAt, size int64, filename string) (Info, error) {
	filename = path.Base(filename)
	magic := make([]byte, 4)
	if size < int64(len(magic)) {
		return Info{}, fmt.Errorf("inspect %s (%d bytes): %w", filename, size, ErrUnknownFormat)
	}
	if _, err := r.ReadAt(magic, 0); err != nil {
		return Info{}, fmt.Errorf("inspect %s: %w", filename, err)
	}
	if bytes.Equal(magic, []byte("PK\x03\x04")) {
		return inspectFwpkg(r, size, filename)
	}
	h, err := readHeader(r, size)
	if err != nil {
		return Info{}, fmt.Errorf("inspect %s: %w", filename, err)
	}
	i := info(Spec{
		Kind: h.Kind, Filename: h.Filename, Name: h.Name, Version: h.Version, DeviceClass: h.DeviceClass,
		Targets: h.Targets, UpdatableBy: h.UpdatableBy, Activates: h.Activates,
		InstallDurationSec: h.InstallDurationSec, Size: h.Size,
	})
	// A BIOS image stored under another name: its flashability through
	// SimpleUpdate follows the name it is offered under.
	if h.Kind == KindBIOS {
		i.SimpleUpdate = info(Spec{Kind: KindBIOS, Filename: filename}).SimpleUpdate
	}
	return i, nil
}
