// Package catalog reads the firmware catalogs HPE ships into one list of
// entries: a file to install, the version it carries, the devices it is for
// (device class and target GUIDs), the version that must already run
// (minimum_active_version) and what activating it takes.
//
// Catalog kinds (Load):
//
//   - fwrepo.json, the firmware pack repository index: an object keyed by
//     file name; each value has version, deviceclass, target (a GUID string
//     or a list), minimum_active_version (the string "null" when none),
//     reboot_required, server_power_off, date, description;
//   - an SPP's manifest/manifest.json: {"manifest": [...]} (or the bare
//     list) of entries shaped like a component's payload.json (DeviceClass,
//     UpdatableBy, Devices.Device[].Target/Version/FirmwareImages[]), each
//     naming its file in package.Files[0].Name (with its Bytes) as real
//     SPP manifests and decoupled <name>.json files do, or in FileName;
//   - a folder: its fwrepo.json when it has one, else its
//     manifest/manifest.json (or manifest.json), else the components in it:
//     .fwpkg (the decoupled <name>.json beside it when there is one, as newer
//     packs ship, else the payload.json inside), .bin / .signed.flash /
//     .signed.full / .vme (version and family from HPE's file naming,
//     internal/fwimage), and Smart Components (cp*.exe, .rpm, .scexe, .zip)
//     with a <name>.json beside them. A file whose metadata is only its
//     name gives a warning.
//
// Files are looked for beside the index and in its packages/ folder (where
// an SPP keeps them); a file that is in neither keeps the size the catalog
// declares and no path. Entries for no device (drivers and software: an
// empty Devices.Device list or target) are skipped and counted.
//
// Keys are read case-tolerantly and ignoring "_" and "-" ("DeviceClass",
// "deviceclass", "device_class" are one key); two spellings of one key in
// an object are a duplicate. Every problem (truncated or mistyped JSON,
// duplicate keys, missing fields, a wrong type, an index larger than
// MaxIndexBytes, an unreadable package) is an error naming the file and the
// entry, returned before anything else happens.
//
// Unconfirmed choices (no public description of these formats was found;
// the shapes follow the issue text and the payload.json facts of reference
// §3.2/§5.6):
//   - reboot_required and server_power_off may be booleans or the strings
//     "yes"/"no"/"true"/"false";
//   - a manifest entry names its file in a top-level FileName (also read:
//     Filename, PackageName, File) or package.Files[0].Name (seen in public
//     SPP manifests and packages/<name>.json); without either, its first
//     FirmwareImages[].FileName;
//   - a folder's index is its fwrepo.json, packages/fwrepo.json,
//     manifest/manifest.json or manifest.json, the first found;
//   - when a folder holds both fwrepo.json and a manifest, fwrepo.json is
//     the index and the manifest only adds UpdatableBy to the entries of
//     the same file name (fwrepo.json has no such field), whether the
//     folder or its fwrepo.json is given;
//   - an entry whose UpdatableBy is unknown is for the OS agent only when
//     it is an .rpm or a .zip (reference §5.6: only a RuntimeAgent installs
//     them), else for the iLO;
//   - file names known only by name: an iLO image (ilo<gen>_<v>.bin) is for
//     the iLO device class of the captures, a System ROM image
//     (<ROM>_<v>_….signed.flash) for the BIOS device class and its ROM
//     family target, a .vme for the CPLD device class; other names cannot
//     be matched to a device and are listed with a warning.
package catalog

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/fleetfw/ilo/internal/fwimage"
)

// MaxIndexBytes bounds a catalog index (fwrepo.json, manifest.json, a
// decoupled <name>.json); a full SPP's fwrepo.json is well below 4 MiB.
const MaxIndexBytes = 32 << 20

// Device classes of the captures (FirmwareInventory and ComponentRepository
// of the iLO 5 2.70 XL675d set).
const (
	ILODeviceClass  = "2f317b9d-c9e3-4d76-bff6-b9d0d085a952"
	BIOSDeviceClass = "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4"
	CPLDDeviceClass = "b1ad439a-9dd1-41c1-a496-2da9313f1f07"
)

// Kinds of catalog.
const (
	KindFwrepo   = "fwrepo.json"
	KindManifest = "manifest.json"
	KindFolder   = "folder"
)

// Entry is one file of a catalog.
type Entry struct {
	// File is the file name ("ilo5_305.bin").
	File string
	// Path is the absolute local path of the file, "" when the catalog
	// only names it (the file is not beside the index).
	Path string
	// Bytes is the size of the file at Path (0 when Path is "").
	Bytes       int64
	Name        string
	Description string
	Date        string
	Version     string
	DeviceClass string
	// Targets are the target GUIDs (lower case); a System ROM family is a
	// target too (FamilyTarget).
	Targets []string
	// MinimumActiveVersion is the version that must run before this one
	// installs ("" when none).
	MinimumActiveVersion string
	RebootRequired       bool
	PowerOff             bool
	// UpdatableBy lists Bmc, Uefi, RuntimeAgent (nil when unknown).
	UpdatableBy []string
	// Source names the entry in messages: `fwrepo.json entry "x"`.
	Source string
	// NameOnly: everything known comes from the file name.
	NameOnly bool
}

// OSAgentOnly reports whether only an agent in the host OS can install the
// entry (UpdatableBy is RuntimeAgent alone): not out of band.
func (e Entry) OSAgentOnly() bool {
	if len(e.UpdatableBy) == 0 {
		return false
	}
	for _, u := range e.UpdatableBy {
		if !strings.EqualFold(u, "RuntimeAgent") {
			return false
		}
	}
	return true
}

// ResetsILO reports whether the file flashes the iLO itself.
func (e Entry) ResetsILO() bool {
	return strings.EqualFold(e.DeviceClass, ILODeviceClass) || fwimage.ILOGeneration(e.File) != 0
}

// ILOGeneration is the iLO generation the file name is for (0: none).
func (e Entry) ILOGeneration() int { return fwimage.ILOGeneration(e.File) }

// ROMFamily is the System ROM family the entry is for: from a family
// target, else from the file name ("" when neither says).
func (e Entry) ROMFamily() string {
	for _, t := range e.Targets {
		if f := TargetFamily(t); f != "" {
			return f
		}
	}
	return fwimage.ROMFamily(e.File)
}

// familyPrefix starts the target GUID of a ROM family: the family's three
// ASCII characters in hex follow ("…0001413433" is "A43").
const familyPrefix = "00000000-0000-0000-0000-000001"

// FamilyTarget is the target GUID of a System ROM family ("A43" →
// "00000000-0000-0000-0000-000001413433").
func FamilyTarget(family string) string {
	if len(family) != 3 {
		return ""
	}
	return fmt.Sprintf("%s%x", familyPrefix, strings.ToUpper(family))
}

// TargetFamily is the ROM family a target GUID names, or "".
func TargetFamily(guid string) string {
	g := strings.ToLower(guid)
	if !strings.HasPrefix(g, familyPrefix) || len(g) != len(familyPrefix)+6 {
		return ""
	}
	b, err := hex.DecodeString(g[len(familyPrefix):])
	if err != nil {
		return ""
	}
	f := string(b)
	if f[0] < 'A' || f[0] > 'Z' || f[1] < '0' || f[1] > '9' || f[2] < '0' || f[2] > '9' {
		return ""
	}
	return f
}

// Catalog is a loaded catalog.
type Catalog struct {
	// Kind is KindFwrepo, KindManifest or KindFolder (a folder of components).
	Kind string
	// Index is the index file read ("" for a folder of components).
	Index   string
	Entries []Entry
	// Warnings are things the user should know (files known only by name).
	Warnings []string
	// Skipped counts the entries for no device (drivers and software with
	// an empty Devices list or target): nothing to plan out of band.
	Skipped int
}

// errNoDevice marks an entry that names no device: skipped, not an error.
var errNoDevice = errors.New("the entry names no device")

// Load reads the catalog at p: a fwrepo.json, a manifest.json or a folder.
func Load(p string) (*Catalog, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", p, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w (want a fwrepo.json, a manifest.json or a folder of components)", p, err)
	}
	if !st.IsDir() && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("catalog %s: not a regular file or a folder (%s); give a fwrepo.json, a manifest.json or a folder of components", p, st.Mode().Type())
	}
	if !st.IsDir() {
		var extra *Catalog
		if strings.EqualFold(filepath.Base(abs), "fwrepo.json") {
			if extra, err = manifestOf(filepath.Dir(abs)); err != nil {
				return nil, err
			}
		}
		return loadIndex(abs, filepath.Dir(abs), extra)
	}
	for _, idx := range []string{"fwrepo.json", filepath.Join("packages", "fwrepo.json"), filepath.Join("manifest", "manifest.json"), "manifest.json"} {
		f := filepath.Join(abs, idx)
		if _, err := os.Stat(f); err == nil {
			var extra *Catalog
			if filepath.Base(idx) == "fwrepo.json" {
				extra, err = manifestOf(abs)
				if err != nil {
					return nil, err
				}
			}
			return loadIndex(f, abs, extra)
		}
	}
	return loadFolder(abs)
}

// manifestOf loads the folder's manifest, if it has one (nil otherwise).
func manifestOf(dir string) (*Catalog, error) {
	for _, idx := range []string{filepath.Join("manifest", "manifest.json"), "manifest.json"} {
		f := filepath.Join(dir, idx)
		if _, err := os.Stat(f); err == nil {
			return loadIndex(f, dir, nil)
		}
	}
	return nil, nil
}

// readIndex reads a JSON index file of at most MaxIndexBytes. The file is
// opened without blocking (a FIFO would hang the module) and must be a
// regular file; the read itself is capped, whatever its size claimed.
func readIndex(f string) (any, error) {
	fd, err := os.OpenFile(f, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", f, err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", f, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("catalog %s: not a regular file (%s); give a fwrepo.json, a manifest.json or a folder of components", f, st.Mode().Type())
	}
	if st.Size() > MaxIndexBytes {
		return nil, fmt.Errorf("catalog %s: %d bytes, more than the %d MiB a catalog index may have (is it the index, or a firmware image?)", f, st.Size(), MaxIndexBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(fd, MaxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", f, err)
	}
	if len(data) > MaxIndexBytes {
		return nil, fmt.Errorf("catalog %s: more than the %d MiB a catalog index may have", f, MaxIndexBytes>>20)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: not valid JSON: %w", f, err)
	}
	return v, nil
}

// loadIndex reads fwrepo.json (an object) or a manifest (a list); files
// are looked for in dir. extra (a manifest) adds UpdatableBy by file name.
func loadIndex(f, dir string, extra *Catalog) (*Catalog, error) {
	v, err := readIndex(f)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Index: f}
	base := filepath.Base(f)
	// A real SPP manifest.json wraps its list: {"manifest": [...]}.
	if o, ok := v.(*object); ok && len(o.keys) == 1 && fold(o.keys[0]) == "manifest" {
		if list, ok := o.vals["manifest"].([]any); ok {
			v = list
		}
	}
	switch t := v.(type) {
	case *object:
		c.Kind = KindFwrepo
		for _, k := range t.keys {
			src := fmt.Sprintf("%s entry %q", base, k)
			o, ok := t.vals[fold(k)].(*object)
			if !ok {
				return nil, fmt.Errorf("catalog %s: entry %q: want an object, got %s", f, k, kind(t.vals[fold(k)]))
			}
			e, err := fwrepoEntry(k, o)
			if errors.Is(err, errNoDevice) {
				c.Skipped++
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("catalog %s: entry %q: %w", f, k, err)
			}
			e.Source = src
			c.Entries = append(c.Entries, e)
		}
	case []any:
		c.Kind = KindManifest
		for i, x := range t {
			o, ok := x.(*object)
			if !ok {
				return nil, fmt.Errorf("catalog %s: entry [%d]: want an object, got %s", f, i, kind(x))
			}
			e, err := payloadEntry(o, "")
			if errors.Is(err, errNoDevice) {
				c.Skipped++
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("catalog %s: entry [%d]%s: %w", f, i, named(o), err)
			}
			e.Source = fmt.Sprintf("%s entry [%d] %q", base, i, e.File)
			c.Entries = append(c.Entries, e)
		}
	default:
		return nil, fmt.Errorf("catalog %s: want an object keyed by file name (fwrepo.json) or a list of entries (manifest.json), got %s", f, kind(v))
	}
	seen := map[string]string{}
	for k := range c.Entries {
		e := &c.Entries[k]
		key := strings.ToLower(e.File)
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("catalog %s: %s names the file %q again (first in %s)", f, e.Source, e.File, prev)
		}
		seen[key] = e.Source
		if err := locate(e, dir); err != nil {
			return nil, fmt.Errorf("catalog %s: %s: %w", f, e.Source, err)
		}
		if extra != nil && e.UpdatableBy == nil {
			for _, x := range extra.Entries {
				if strings.EqualFold(x.File, e.File) {
					e.UpdatableBy = x.UpdatableBy
				}
			}
		}
		if t := fwimage.Type(e.File); e.UpdatableBy == nil && (t == ".rpm" || t == ".zip") {
			// Reference §5.6: only an agent in the OS installs these.
			e.UpdatableBy = []string{"RuntimeAgent"}
		}
	}
	return c, nil
}

// named is ` "file"` for a manifest entry that names its file, else "".
func named(o *object) string {
	if s, _, err := packageFile(o); err == nil && s != "" {
		return fmt.Sprintf(" %q", s)
	}
	return ""
}

// packageFile is the file a payload-shaped entry describes and the size
// the catalog gives it: FileName (or Filename, PackageName, File) at the
// top, else package.Files[0].Name and .Bytes (a string or a number), as
// SPP manifests and decoupled <name>.json files write them.
func packageFile(o *object) (string, int64, error) {
	name, err := str(o, false, "FileName", "Filename", "PackageName", "File")
	if err != nil || name != "" {
		return name, 0, err
	}
	pv, ok := o.get("package")
	pkg, isObj := pv.(*object)
	if !ok || !isObj {
		return "", 0, nil
	}
	fv, _ := pkg.get("Files")
	files, _ := fv.([]any)
	if len(files) == 0 {
		return "", 0, nil
	}
	first, ok := files[0].(*object)
	if !ok {
		return "", 0, &fieldError{"package.Files[0]", "want an object, got " + kind(files[0])}
	}
	if name, err = str(first, false, "Name"); err != nil {
		return "", 0, fmt.Errorf("package.Files[0]: %w", err)
	}
	var size int64
	bytes, _ := first.get("Bytes")
	switch b := bytes.(type) {
	case string:
		size, _ = strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	case json.Number:
		size, _ = b.Int64()
	}
	return name, max(size, 0), nil
}

// locate sets Path and Bytes when the entry's file is in dir or in its
// packages folder (an SPP keeps its components there); else Bytes stays
// what the catalog declared.
func locate(e *Entry, dir string) error {
	if e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." {
		return fmt.Errorf("file name %q: want a base name, not a path", e.File)
	}
	for _, d := range []string{dir, filepath.Join(dir, "packages")} {
		p := filepath.Join(d, e.File)
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return err
		case st.IsDir():
			return fmt.Errorf("%s is a folder, not a file", p)
		}
		e.Path, e.Bytes = p, st.Size()
		return nil
	}
	return nil
}

// fwrepoEntry reads one value of fwrepo.json.
func fwrepoEntry(file string, o *object) (Entry, error) {
	e := Entry{File: strings.TrimSpace(file)}
	if e.File == "" {
		return e, errors.New("empty file name")
	}
	var err error
	if e.Version, err = str(o, true, "version"); err != nil {
		return e, err
	}
	if _, ok := o.get("deviceclass"); !ok {
		return e, &fieldError{"deviceclass", "missing"}
	}
	if e.DeviceClass, err = str(o, false, "deviceclass"); err != nil {
		return e, err
	}
	if _, ok := o.get("target", "targets"); !ok {
		return e, &fieldError{"target", "missing"}
	}
	if e.Targets, err = strList(o, false, "target", "targets"); err != nil {
		return e, err
	}
	if len(e.Targets) == 0 {
		return e, errNoDevice
	}
	if e.MinimumActiveVersion, err = minActive(o); err != nil {
		return e, err
	}
	if e.RebootRequired, err = flag(o, "reboot_required"); err != nil {
		return e, err
	}
	if e.PowerOff, err = flag(o, "server_power_off"); err != nil {
		return e, err
	}
	if e.Date, err = str(o, false, "date"); err != nil {
		return e, err
	}
	if e.Description, err = str(o, false, "description"); err != nil {
		return e, err
	}
	if e.UpdatableBy, err = strList(o, false, "UpdatableBy"); err != nil {
		return e, err
	}
	e.Name = e.Description
	normalise(&e)
	return e, nil
}

// minActive reads minimum_active_version: the string "null", "" or null
// mean none.
func minActive(o *object) (string, error) {
	s, err := str(o, false, "minimum_active_version")
	if err != nil {
		return "", err
	}
	if s = strings.TrimSpace(s); strings.EqualFold(s, "null") || strings.EqualFold(s, "none") {
		s = ""
	}
	return s, nil
}

// normalise lower-cases GUIDs and drops duplicate targets.
func normalise(e *Entry) {
	e.DeviceClass = strings.ToLower(strings.TrimSpace(e.DeviceClass))
	var ts []string
	for _, t := range e.Targets {
		t = strings.ToLower(t)
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	e.Targets = ts
}

// payloadEntry reads a payload.json-shaped object (a manifest entry or a
// decoupled <name>.json); file is the package's name when known.
func payloadEntry(o *object, file string) (Entry, error) {
	var e Entry
	var err error
	name, declared, err := packageFile(o)
	if err != nil {
		return e, err
	}
	if file == "" {
		file = name
	}
	e.Bytes = declared
	if e.Name, err = str(o, false, "Name"); err != nil {
		return e, err
	}
	if e.Description, err = str(o, false, "Description"); err != nil {
		return e, err
	}
	if _, ok := o.get("DeviceClass"); !ok {
		return e, &fieldError{"DeviceClass", "missing"}
	}
	if e.DeviceClass, err = str(o, false, "DeviceClass"); err != nil {
		return e, err
	}
	if e.UpdatableBy, err = strList(o, false, "UpdatableBy"); err != nil {
		return e, err
	}
	if e.MinimumActiveVersion, err = minActive(o); err != nil {
		return e, err
	}
	if e.Date, err = str(o, false, "ReleaseDate", "Date"); err != nil {
		return e, err
	}
	devs, ok := o.get("Devices")
	dobj, isObj := devs.(*object)
	if !ok || !isObj {
		return e, &fieldError{"Devices", "want an object with a Device list, got " + kind(devs)}
	}
	list, ok := dobj.get("Device")
	items, isList := list.([]any)
	if !ok || !isList {
		return e, &fieldError{"Devices.Device", "want a list of devices, got " + kind(list)}
	}
	if len(items) == 0 {
		return e, errNoDevice
	}
	for i, x := range items {
		d, ok := x.(*object)
		if !ok {
			return e, &fieldError{fmt.Sprintf("Devices.Device[%d]", i), "want an object, got " + kind(x)}
		}
		if err := device(&e, d, &file); err != nil {
			return e, fmt.Errorf("Devices.Device[%d]: %w", i, err)
		}
	}
	if file == "" {
		return e, &fieldError{"FileName", "missing (and no FirmwareImages[].FileName either)"}
	}
	e.File = file
	normalise(&e)
	return e, nil
}

// device adds one Devices.Device entry to e.
func device(e *Entry, d *object, file *string) error {
	t, err := str(d, true, "Target")
	if err != nil {
		return err
	}
	v, err := str(d, true, "Version")
	if err != nil {
		return err
	}
	if e.Version == "" {
		e.Version = v
	} else if v != e.Version {
		return &fieldError{"Version", fmt.Sprintf("%q differs from the first device's %q; one entry carries one version", v, e.Version)}
	}
	e.Targets = append(e.Targets, t)
	if m, err := minActive(d); err != nil {
		return err
	} else if m != "" {
		e.MinimumActiveVersion = m
	}
	imgs, ok := d.get("FirmwareImages")
	if !ok || imgs == nil {
		return nil
	}
	list, ok := imgs.([]any)
	if !ok {
		return &fieldError{"FirmwareImages", "want a list, got " + kind(imgs)}
	}
	for i, x := range list {
		img, ok := x.(*object)
		if !ok {
			return &fieldError{fmt.Sprintf("FirmwareImages[%d]", i), "want an object, got " + kind(x)}
		}
		name, err := str(img, false, "FileName")
		if err != nil {
			return err
		}
		if *file == "" {
			*file = name
		}
		reset, err := flag(img, "ResetRequired")
		if err != nil {
			return err
		}
		off, err := flag(img, "ServerPowerOff")
		if err != nil {
			return err
		}
		e.RebootRequired = e.RebootRequired || reset || off
		e.PowerOff = e.PowerOff || off
	}
	return nil
}
