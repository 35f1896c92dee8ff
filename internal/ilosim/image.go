package ilosim

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ImageInfo is what the simulator learns from a firmware image.
type ImageInfo struct {
	Kind        string // ilo, firmware, bios, signedbin, cpld, hex, fwpkg, smartcomponent
	Name        string
	Version     string
	DeviceClass string
	Targets     []string
	UpdatableBy []string
	Activates   string
	Size        int64 // declared total size (0: unknown)
}

// errUnknownFormat means the file is not an image the simulator knows.
var errUnknownFormat = errors.New("image in unknown format")

// imageKind derives the kind from the file name (as on HPE media).
func imageKind(filename string) string {
	n := strings.ToLower(path.Base(filename))
	switch {
	case strings.HasSuffix(n, ".fwpkg"):
		return "fwpkg"
	case strings.HasSuffix(n, ".signed.flash"), strings.HasSuffix(n, ".signed.full"):
		return "bios"
	case strings.HasSuffix(n, ".signed.bin"):
		return "signedbin"
	case strings.HasSuffix(n, ".bin") && strings.HasPrefix(n, "ilo"):
		return "ilo"
	case strings.HasSuffix(n, ".bin"):
		return "firmware"
	case strings.HasSuffix(n, ".vme"):
		return "cpld"
	case strings.HasSuffix(n, ".hex"):
		return "hex"
	case strings.HasSuffix(n, ".exe"), strings.HasSuffix(n, ".rpm"), strings.HasSuffix(n, ".zip"), strings.HasSuffix(n, ".scexe"):
		return "smartcomponent"
	}
	return ""
}

// needsCompsig reports whether a file needs a detached .compsig
// (Smart Components, reference §5.6).
func needsCompsig(filename string) bool { return imageKind(filename) == "smartcomponent" }

// simpleUpdateFlashable reports whether SimpleUpdate accepts the file: only
// iLO binaries (.bin) and UEFI/BIOS binaries (.signed.flash), reference §3.2.
func simpleUpdateFlashable(filename string) bool {
	n := strings.ToLower(filename)
	return strings.HasSuffix(n, ".bin") || strings.HasSuffix(n, ".signed.flash")
}

// inspectImage reads an image from disk. It is the one place that knows the
// test image formats (internal/testimage documents them: the "FLEETFW1"
// header for every kind but fwpkg, payload.json in a zip for fwpkg).
func inspectImage(file, filename string) (ImageInfo, error) {
	kind := imageKind(filename)
	if kind == "fwpkg" {
		return inspectFwpkg(file)
	}
	f, err := os.Open(file)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("open image: %w", err)
	}
	defer f.Close()
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:8]) != "FLEETFW1" {
		return ImageInfo{Kind: kind}, errUnknownFormat
	}
	n := binary.BigEndian.Uint32(hdr[8:])
	if n > 64<<10 {
		return ImageInfo{Kind: kind}, errUnknownFormat
	}
	meta := make([]byte, n)
	if _, err := io.ReadFull(f, meta); err != nil {
		return ImageInfo{Kind: kind}, errUnknownFormat
	}
	var h struct {
		Kind, Name, Version, DeviceClass, Activates string
		Targets, UpdatableBy                        []string
		Size                                        int64
	}
	if err := json.Unmarshal(meta, &h); err != nil {
		return ImageInfo{Kind: kind}, errUnknownFormat
	}
	info := ImageInfo{Kind: kind, Name: h.Name, Version: h.Version, DeviceClass: h.DeviceClass,
		Targets: h.Targets, UpdatableBy: h.UpdatableBy, Activates: h.Activates, Size: h.Size}
	if h.Kind != "" {
		info.Kind = h.Kind
	}
	if st, err := f.Stat(); err == nil && h.Size > 0 && st.Size() != h.Size {
		return info, fmt.Errorf("image is %d bytes, header says %d: %w", st.Size(), h.Size, errUnknownFormat)
	}
	return info, nil
}

// inspectFwpkg reads payload.json from a .fwpkg zip.
func inspectFwpkg(file string) (ImageInfo, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return ImageInfo{Kind: "fwpkg"}, errUnknownFormat
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !strings.EqualFold(path.Base(f.Name), "payload.json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return ImageInfo{Kind: "fwpkg"}, errUnknownFormat
		}
		var p struct {
			Name, Description, DeviceClass string
			UpdatableBy                    []string
			Devices                        struct {
				Device []struct {
					DeviceName, Target, Version string
					FirmwareImages              []struct {
						ServerPowerOff, ResetRequired bool
					}
				}
			}
		}
		err = json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&p)
		rc.Close()
		if err != nil {
			return ImageInfo{Kind: "fwpkg"}, errUnknownFormat
		}
		info := ImageInfo{Kind: "fwpkg", Name: p.Name, DeviceClass: p.DeviceClass, UpdatableBy: p.UpdatableBy, Activates: "Immediately"}
		for _, d := range p.Devices.Device {
			if info.Version == "" {
				info.Version = d.Version
			}
			if d.Target != "" {
				info.Targets = append(info.Targets, d.Target)
			}
			for _, im := range d.FirmwareImages {
				switch {
				case im.ServerPowerOff:
					info.Activates = "AfterHardPowerCycle"
				case im.ResetRequired:
					info.Activates = "AfterReboot"
				}
			}
		}
		return info, nil
	}
	return ImageInfo{Kind: "fwpkg"}, errUnknownFormat
}

// defaultActivates is the Activates value a kind shows in the repository
// when the image does not say (captures, reference §5.3).
func defaultActivates(kind string) string {
	switch kind {
	case "ilo":
		return "AfterDeviceReset"
	case "cpld":
		return "AfterHardPowerCycle"
	case "fwpkg":
		return "Immediately"
	}
	return "AfterReboot"
}
