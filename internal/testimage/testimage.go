package testimage

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Kind is the kind of firmware image, decided by the file name.
type Kind string

// The kinds of image this package writes (see the package documentation).
const (
	KindILO            Kind = "ilo"
	KindFirmware       Kind = "firmware"
	KindBIOS           Kind = "bios"
	KindSignedBin      Kind = "signedbin"
	KindCPLD           Kind = "cpld"
	KindHex            Kind = "hex"
	KindFwpkg          Kind = "fwpkg"
	KindSmartComponent Kind = "smartcomponent"
)

// AllKinds returns every Kind, for flag help and tests.
func AllKinds() []Kind {
	return []Kind{KindILO, KindFirmware, KindBIOS, KindSignedBin, KindCPLD, KindHex, KindFwpkg, KindSmartComponent}
}

// The values of Activates, as in HpeComponent.Activates.
const (
	Immediately         = "Immediately"
	AfterReboot         = "AfterReboot"
	AfterDeviceReset    = "AfterDeviceReset"
	AfterHardPowerCycle = "AfterHardPowerCycle"
)

// The update agents of UpdatableBy.
const (
	Bmc          = "Bmc"
	Uefi         = "Uefi"
	RuntimeAgent = "RuntimeAgent"
)

// Device classes and targets taken from the iLO 5 2.70 captures
// (FirmwareInventory and ComponentRepository of the XL675d A100 set).
const (
	ILODeviceClass  = "2f317b9d-c9e3-4d76-bff6-b9d0d085a952"
	ILOTarget       = "c0bcf2b9-1141-49af-aab8-c73791f0349c"
	BIOSDeviceClass = "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4"
	CPLDDeviceClass = "b1ad439a-9dd1-41c1-a496-2da9313f1f07"
	// SystemBoardTarget is the target the captured BIOS and CPLD components
	// name; the System ROM, IPAD and CPLD inventory items all list it.
	SystemBoardTarget = "00000000-0000-0000-0000-00000000022d"
)

// PartSize is iLO's limit per upload POST (32 MiB); compsig parts cover
// this many bytes each.
const PartSize = 32 << 20

// Errors Inspect and Verify wrap, for errors.Is.
var (
	// ErrUnknownFormat: the bytes are not an image of this package (nor a fwpkg).
	ErrUnknownFormat = errors.New("image in an unknown format")
	// ErrCorrupt: the image is of this package but damaged (truncated, bad metadata).
	ErrCorrupt = errors.New("corrupt image")
	// ErrSignatureInvalid: a compsig does not match the bytes it covers.
	ErrSignatureInvalid = errors.New("the file signature is invalid")
)

// Spec describes an image to write. Only Filename is required; every other
// field has a default for the kind (see Resolve).
type Spec struct {
	Filename    string   // file name; decides Kind when Kind is empty and may carry the version
	Kind        Kind     // default: KindOf(Filename)
	Name        string   // component name, e.g. "iLO 5"
	Version     string   // default: InferVersion(Filename); required when the name carries none
	Size        int64    // total bytes of the image file; 0 writes the smallest valid image
	DeviceClass string   // GUID
	Targets     []string // target GUIDs
	UpdatableBy []string // Bmc, Uefi, RuntimeAgent
	Activates   string   // Immediately, AfterReboot, AfterDeviceReset, AfterHardPowerCycle
	// InstallDurationSec is how long the install takes on real hardware
	// (payload.json InstallDurationSec); the simulator may scale its flash by it.
	InstallDurationSec int
	// Compsig asks WriteFiles for a .compsig even when the kind carries its
	// own signature; Smart Components always get one.
	Compsig bool
	// Parts asks WriteFiles for per-part compsigs even for a file of one
	// part; files larger than PartSize that get a compsig always get them.
	Parts bool
}

// Info is what Inspect learns from an image.
type Info struct {
	Kind               Kind
	Filename           string // as recorded in the image (fwpkg: the name inspected)
	Name               string
	Version            string
	DeviceClass        string
	Targets            []string
	UpdatableBy        []string
	Activates          string
	InstallDurationSec int
	Size               int64
	// PayloadFiles are the image files a fwpkg's payload.json names.
	PayloadFiles []string
	// NeedsCompsig: iLO accepts the image only with a .compsig (Smart Components).
	NeedsCompsig bool
	// DirectFlash: iLO itself can flash it (UpdatableBy contains Bmc), through
	// an upload with UpdateTarget, AddFromUri or a Bmc task.
	DirectFlash bool
	// SimpleUpdate: a file type SimpleUpdate flashes (iLO .bin, BIOS
	// .signed.flash); anything else ends in State Error,
	// ResourceAtUriInUnknownFormat (reference §3.2, §3.4).
	SimpleUpdate bool
}

// IsILO reports whether the image is iLO firmware, whose flash resets iLO.
func (i Info) IsILO() bool { return i.DeviceClass == ILODeviceClass }

var (
	reILO   = regexp.MustCompile(`(?i)^ilo(\d)_(\d{3}|\d{5}|\d+\.\d+\.\d+)\.(bin|fwpkg)$`)
	reBIOS  = regexp.MustCompile(`(?i)^([A-Z]\d{2})_(\d+\.\d+)_(\d{2})_(\d{2})_(\d{4})\.signed\.(flash|full)$`)
	reFwpkg = regexp.MustCompile(`(?i)-(\d[0-9A-Za-z._]*)-\d+\.fwpkg$`)
	reCPLD  = regexp.MustCompile(`(?i)_v([0-9A-F]{2})[0-9A-F]*[_.]`)
)

// KindOf returns the kind a file name implies, or "" when it implies none.
func KindOf(filename string) Kind {
	n := strings.ToLower(path.Base(filename))
	switch {
	case strings.HasSuffix(n, ".fwpkg"):
		return KindFwpkg
	case strings.HasSuffix(n, ".signed.flash"), strings.HasSuffix(n, ".signed.full"):
		return KindBIOS
	case strings.HasSuffix(n, ".signed.bin"):
		return KindSignedBin
	case reILO.MatchString(n):
		return KindILO
	case strings.HasSuffix(n, ".bin"):
		return KindFirmware
	case strings.HasSuffix(n, ".vme"):
		return KindCPLD
	case strings.HasSuffix(n, ".hex"):
		return KindHex
	case strings.HasSuffix(n, ".exe"), strings.HasSuffix(n, ".rpm"),
		strings.HasSuffix(n, ".zip"), strings.HasSuffix(n, ".scexe"):
		return KindSmartComponent
	}
	return ""
}

// InferVersion returns the version a file name carries by HPE's naming
// conventions (see the package documentation), and false when it carries none.
func InferVersion(filename string) (string, bool) {
	n := path.Base(filename)
	if m := reILO.FindStringSubmatch(n); m != nil {
		d := m[2]
		switch {
		case strings.Contains(d, "."):
			return d, true
		case len(d) == 3:
			return d[:1] + "." + d[1:], true
		}
		return d[:1] + "." + d[1:3] + "." + d[3:], true
	}
	if m := reBIOS.FindStringSubmatch(n); m != nil {
		return fmt.Sprintf("v%s (%s/%s/%s)", m[2], m[3], m[4], m[5]), true
	}
	if m := reFwpkg.FindStringSubmatch(n); m != nil {
		return m[1], true
	}
	if strings.HasSuffix(strings.ToLower(n), ".vme") {
		if m := reCPLD.FindStringSubmatch(n); m != nil {
			return strings.ToUpper(m[1]), true
		}
	}
	return "", false
}

// Resolve fills in the defaults of s for its kind and checks it. Write and
// WriteFiles call it; it is exported so a caller can see what will be written.
func Resolve(s Spec) (Spec, error) {
	if s.Filename == "" || path.Base(s.Filename) != s.Filename {
		return s, fmt.Errorf("image file name %q: want a base name", s.Filename)
	}
	if s.Kind == "" {
		s.Kind = KindOf(s.Filename)
		if s.Kind == "" {
			return s, fmt.Errorf("image file name %q: unknown extension, give a kind", s.Filename)
		}
	}
	if !slices.Contains(AllKinds(), s.Kind) {
		return s, fmt.Errorf("image kind %q: want one of %v", s.Kind, AllKinds())
	}
	if s.Version == "" {
		v, ok := InferVersion(s.Filename)
		if !ok {
			return s, fmt.Errorf("image %s: the name carries no version, give one", s.Filename)
		}
		s.Version = v
	}
	if s.Size < 0 {
		return s, fmt.Errorf("image %s: negative size %d", s.Filename, s.Size)
	}
	d := defaults(s.Kind, s.Filename)
	if s.Name == "" {
		s.Name = d.Name
	}
	if s.DeviceClass == "" {
		s.DeviceClass = d.DeviceClass
	}
	if s.Targets == nil {
		s.Targets = d.Targets
	}
	if s.UpdatableBy == nil {
		s.UpdatableBy = d.UpdatableBy
	}
	if s.Activates == "" {
		s.Activates = d.Activates
	}
	if s.InstallDurationSec == 0 {
		s.InstallDurationSec = d.InstallDurationSec
	}
	switch s.Activates {
	case Immediately, AfterReboot, AfterDeviceReset, AfterHardPowerCycle:
	default:
		return s, fmt.Errorf("image %s: Activates %q: want Immediately, AfterReboot, AfterDeviceReset or AfterHardPowerCycle", s.Filename, s.Activates)
	}
	for _, u := range s.UpdatableBy {
		if u != Bmc && u != Uefi && u != RuntimeAgent {
			return s, fmt.Errorf("image %s: UpdatableBy %q: want Bmc, Uefi or RuntimeAgent", s.Filename, u)
		}
	}
	return s, nil
}

// defaults returns the per-kind values of a Spec. GUIDs not seen in a
// capture are derived from the component name (testGUID).
func defaults(k Kind, filename string) Spec {
	base := strings.TrimSuffix(filename, path.Ext(filename))
	switch k {
	case KindILO:
		return Spec{Name: "iLO " + iloGen(filename), DeviceClass: ILODeviceClass, Targets: []string{ILOTarget},
			UpdatableBy: []string{Bmc}, Activates: AfterDeviceReset, InstallDurationSec: 300}
	case KindFwpkg:
		if reILO.MatchString(filename) {
			return Spec{Name: "Online ROM Flash Firmware Package - HPE Integrated Lights-Out " + iloGen(filename),
				DeviceClass: ILODeviceClass, Targets: []string{ILOTarget},
				UpdatableBy: []string{Bmc}, Activates: Immediately, InstallDurationSec: 300}
		}
		name := base
		if m := reFwpkg.FindStringSubmatchIndex(filename); m != nil {
			name = filename[:m[0]]
		}
		return Spec{Name: name + " Firmware Package", DeviceClass: testGUID("class", name), Targets: []string{testGUID("target", name)},
			UpdatableBy: []string{Bmc}, Activates: AfterReboot, InstallDurationSec: 180}
	case KindBIOS:
		rom := "U00"
		if m := reBIOS.FindStringSubmatch(filename); m != nil {
			rom = strings.ToUpper(m[1])
		}
		return Spec{Name: "System BIOS - " + rom, DeviceClass: BIOSDeviceClass, Targets: []string{SystemBoardTarget},
			UpdatableBy: []string{Bmc}, Activates: AfterReboot, InstallDurationSec: 420}
	case KindCPLD:
		return Spec{Name: "System Programmable Logic Device", DeviceClass: CPLDDeviceClass, Targets: []string{SystemBoardTarget},
			UpdatableBy: []string{Bmc}, Activates: AfterHardPowerCycle, InstallDurationSec: 240}
	case KindSignedBin:
		return Spec{Name: "Server Platform Services (SPS) Firmware", DeviceClass: testGUID("class", "sps"), Targets: []string{testGUID("target", "sps")},
			UpdatableBy: []string{Bmc}, Activates: AfterReboot, InstallDurationSec: 120}
	case KindHex:
		return Spec{Name: "Power Management Controller Firmware", DeviceClass: testGUID("class", "pmc"), Targets: []string{testGUID("target", "pmc")},
			UpdatableBy: []string{Bmc}, Activates: AfterHardPowerCycle, InstallDurationSec: 120}
	case KindSmartComponent:
		by := []string{RuntimeAgent}
		if strings.HasSuffix(strings.ToLower(filename), ".exe") {
			by = []string{Uefi, RuntimeAgent}
		}
		return Spec{Name: "Smart Component " + base, DeviceClass: testGUID("class", base), Targets: []string{testGUID("target", base)},
			UpdatableBy: by, Activates: AfterReboot, InstallDurationSec: 600}
	default: // KindFirmware
		return Spec{Name: base + " Firmware", DeviceClass: testGUID("class", base), Targets: []string{testGUID("target", base)},
			UpdatableBy: []string{Bmc}, Activates: AfterReboot, InstallDurationSec: 120}
	}
}

// iloGen returns the generation digit of an ilo<gen>_… name ("5" by default).
func iloGen(filename string) string {
	if m := reILO.FindStringSubmatch(filename); m != nil {
		return m[1]
	}
	return "5"
}

// testGUID derives a stable version-4-shaped GUID from a purpose and a name,
// for device classes and targets that no capture shows.
func testGUID(purpose, name string) string {
	h := sha256.Sum256([]byte("fleetfw-testimage/" + purpose + "/" + strings.ToLower(name)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// info returns the Info of a resolved spec; Inspect returns the same.
func info(s Spec) Info {
	i := Info{
		Kind: s.Kind, Filename: s.Filename, Name: s.Name, Version: s.Version, DeviceClass: s.DeviceClass,
		Targets: s.Targets, UpdatableBy: s.UpdatableBy, Activates: s.Activates,
		InstallDurationSec: s.InstallDurationSec, Size: s.Size,
	}
	i.NeedsCompsig = s.Kind == KindSmartComponent
	i.DirectFlash = slices.Contains(s.UpdatableBy, Bmc)
	lower := strings.ToLower(s.Filename)
	i.SimpleUpdate = s.Kind == KindILO || (s.Kind == KindBIOS && strings.HasSuffix(lower, ".signed.flash"))
	return i
}

// Write streams the image s describes to w: the header-format image, or for
// a fwpkg the zip. It holds at most a few 64 KiB buffers whatever the size.
func Write(w io.Writer, s Spec) error {
	s, err := Resolve(s)
	if err != nil {
		return err
	}
	if s.Kind == KindFwpkg {
		return writeFwpkg(w, s)
	}
	return writeHeaderImage(w, s)
}
