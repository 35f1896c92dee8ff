// Package fwimage tells what a client may know of a firmware image before
// sending it to an iLO: its type from the file name, the version HPE's file
// names carry, and the payload.json of a .fwpkg (reference §3.2, §5.6). It
// reads names and, for a .fwpkg, the zip's central directory and one small
// entry; it never reads a whole image.
//
// The simulator's image formats live in internal/testimage, which client
// code must not import: this package learns versions only the way it would
// from real HPE media, so the two can disagree and the tests notice.
package fwimage

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// File types the iLO Repository takes (reference §5.6). Smart Components
// need a detached .compsig; binaries and packages carry their signature;
// third-party packages are flashed only with Accept3rdPartyFirmware.
func SmartComponentTypes() []string { return []string{".exe", ".rpm", ".zip", ".scexe"} }

// SignedTypes are the types that carry their own signature.
func SignedTypes() []string {
	return []string{".fwpkg", ".signed.flash", ".signed.full", ".signed.bin", ".bin", ".full", ".vme", ".hex", ".lpk"}
}

// ThirdPartyTypes are third-party packages (reference §1.5, Accept3rdPartyFirmware).
func ThirdPartyTypes() []string { return []string{".pup", ".fup", ".hpb"} }

// Type returns the suffix of filename that decides how the iLO treats it
// (".exe", ".signed.flash", ".bin" …), or "" when the iLO takes no such file.
// Longer suffixes win: "x.signed.bin" is ".signed.bin", not ".bin".
func Type(filename string) string {
	n := strings.ToLower(path.Base(filename))
	for _, list := range [][]string{SmartComponentTypes(), SignedTypes(), ThirdPartyTypes()} {
		for _, s := range list {
			if strings.HasSuffix(n, s) {
				return s
			}
		}
	}
	return ""
}

// IsSmartComponent reports whether a type needs a .compsig (type C/D
// components: UEFI or an agent in the OS installs them, not the iLO).
func IsSmartComponent(typ string) bool { return slices.Contains(SmartComponentTypes(), typ) }

// IsThirdParty reports whether a type is a third-party package.
func IsThirdParty(typ string) bool { return slices.Contains(ThirdPartyTypes(), typ) }

// names are the patterns of HPE's file names that carry a version,
// compiled on first use (not at package init, which every module pays).
var names = sync.OnceValue(func() *namePatterns {
	return &namePatterns{
		ILO:   regexp.MustCompile(`(?i)^ilo(\d)_(\d{3}|\d{5}|\d+\.\d+\.\d+)\.(bin|fwpkg)$`),
		BIOS:  regexp.MustCompile(`(?i)^([A-Z]\d{2})_(\d+\.\d+)_(\d{2})_(\d{2})_(\d{4})\.signed\.(flash|full)$`),
		Fwpkg: regexp.MustCompile(`(?i)-(\d[0-9A-Za-z._]*)-\d+\.fwpkg$`),
		CPLD:  regexp.MustCompile(`(?i)_v([0-9A-F]{2})[0-9A-F]*[_.]`),
	}
})

type namePatterns struct {
	ILO   *regexp.Regexp
	BIOS  *regexp.Regexp
	Fwpkg *regexp.Regexp
	CPLD  *regexp.Regexp
}

// NameVersion returns the version a component file name carries, or "":
//
//	ilo<gen>_<ddd>.bin / .fwpkg    ilo5_305.bin → "3.05", ilo7_11600.bin → "1.16.00",
//	                               ilo7_1.16.00.fwpkg → "1.16.00"
//	<ROM>_<v>_<MM>_<DD>_<YYYY>.signed.flash / .signed.full
//	                               A47_2.90_01_01_2025.signed.flash → "v2.90 (01/01/2025)"
//	<name>-<version>-<build>.fwpkg  NVIDIA_FPGA-3.03-1.fwpkg → "3.03"
//	*_v<HH>….vme                   CPLD_…_v0F0F_full_signed.vme → "0F"
//
// Smart Components (cp045678.exe) carry no version in their name.
func NameVersion(filename string) string {
	n := path.Base(filename)
	if m := names().ILO.FindStringSubmatch(n); m != nil {
		d := m[2]
		switch {
		case strings.Contains(d, "."):
			return d
		case len(d) == 3:
			return d[:1] + "." + d[1:]
		}
		return d[:1] + "." + d[1:3] + "." + d[3:]
	}
	if m := names().BIOS.FindStringSubmatch(n); m != nil {
		return fmt.Sprintf("v%s (%s/%s/%s)", m[2], m[3], m[4], m[5])
	}
	if m := names().Fwpkg.FindStringSubmatch(n); m != nil {
		return m[1]
	}
	if strings.HasSuffix(strings.ToLower(n), ".vme") {
		if m := names().CPLD.FindStringSubmatch(n); m != nil {
			return strings.ToUpper(m[1])
		}
	}
	return ""
}

// ILOGeneration returns the generation an iLO firmware name is for
// (ilo6_180.bin → 6), or 0 when the name is not one.
func ILOGeneration(filename string) int {
	m := names().ILO.FindStringSubmatch(path.Base(filename))
	if m == nil {
		return 0
	}
	return int(m[1][0] - '0')
}

// ROMFamily returns the System ROM family a BIOS image name is for
// (A47_2.90_01_01_2025.signed.flash → "A47"), or "".
func ROMFamily(filename string) string {
	m := names().BIOS.FindStringSubmatch(path.Base(filename))
	if m == nil {
		return ""
	}
	return strings.ToUpper(m[1])
}

// maxPayload bounds payload.json read from a .fwpkg.
const maxPayload = 1 << 20

// Payload is the part of a .fwpkg's payload.json (FWPKG 2.0, the fields
// iLOrest's flashfwpkg reads) a client needs.
type Payload struct {
	Name        string   `json:"Name"`
	DeviceClass string   `json:"DeviceClass"`
	UpdatableBy []string `json:"UpdatableBy"`
	Devices     struct {
		Device []Device `json:"Device"`
	} `json:"Devices"`
}

// Device is one device of a payload.json.
type Device struct {
	DeviceName     string  `json:"DeviceName"`
	Target         string  `json:"Target"`
	Version        string  `json:"Version"`
	FirmwareImages []Image `json:"FirmwareImages"`
}

// Image is one image of a Device.
type Image struct {
	FileName       string `json:"FileName"`
	DirectFlashOk  bool   `json:"DirectFlashOk"`
	UefiFlashable  bool   `json:"UefiFlashable"`
	ResetRequired  bool   `json:"ResetRequired"`
	ServerPowerOff bool   `json:"ServerPowerOff"`
}

// Version returns the first Device's Version ("" when none has one).
func (p Payload) Version() string {
	for _, d := range p.Devices.Device {
		if d.Version != "" {
			return d.Version
		}
	}
	return ""
}

// Targets returns the target GUIDs of every Device.
func (p Payload) Targets() []string {
	var out []string
	for _, d := range p.Devices.Device {
		if d.Target != "" {
			out = append(out, d.Target)
		}
	}
	return out
}

// DirectFlash reports whether the iLO itself can flash the package:
// UpdatableBy lists Bmc, or an image says DirectFlashOk.
func (p Payload) DirectFlash() bool {
	if slices.ContainsFunc(p.UpdatableBy, func(s string) bool { return strings.EqualFold(s, "Bmc") }) {
		return true
	}
	for _, d := range p.Devices.Device {
		for _, img := range d.FirmwareImages {
			if img.DirectFlashOk {
				return true
			}
		}
	}
	return false
}

// ResetRequired reports whether an image activates only after a server
// reboot or power cycle (ResetRequired or ServerPowerOff).
func (p Payload) ResetRequired() bool {
	for _, d := range p.Devices.Device {
		for _, img := range d.FirmwareImages {
			if img.ResetRequired || img.ServerPowerOff {
				return true
			}
		}
	}
	return false
}

// ReadPayload reads payload.json inside the .fwpkg at p (a zip: only its
// central directory and that entry are read). It returns nil, nil when the
// package has no payload.json. p must be a regular file (a FIFO or device
// is refused without blocking), and payload.json at most maxPayload bytes.
func ReadPayload(p string) (*Payload, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", p)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s as a zip: %w", p, err)
	}
	for _, zf := range zr.File {
		if !strings.EqualFold(path.Base(zf.Name), "payload.json") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("read payload.json in %s: %w", p, err)
		}
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
		if err != nil {
			return nil, fmt.Errorf("read payload.json in %s: %w", p, err)
		}
		if len(b) > maxPayload {
			return nil, fmt.Errorf("payload.json in %s is larger than %d bytes: not a package this module reads", p, maxPayload)
		}
		var payload Payload
		if err := json.Unmarshal(b, &payload); err != nil {
			return nil, fmt.Errorf("parse payload.json in %s: %w", p, err)
		}
		return &payload, nil
	}
	return nil, nil
}

// FileKind names in words what a file that is not a regular file is ("a
// FIFO", "a device", …), for messages that refuse it.
func FileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// CompsigName is the name of a component's signature file, as iLOrest names
// them: <base>.compsig for the whole file (part 0), <base>_part<N>.compsig for
// Section N of a file sent in several, where <base> is the file name without
// its last extension.
func CompsigName(file string, part int) string {
	b := strings.TrimSuffix(file, filepath.Ext(file))
	if part == 0 {
		return b + ".compsig"
	}
	return fmt.Sprintf("%s_part%d.compsig", b, part)
}
