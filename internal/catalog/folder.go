package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetfw/ilo/internal/fwimage"
)

// loadFolder reads a folder of components (no index in it).
func loadFolder(dir string) (*Catalog, error) {
	list, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", dir, err)
	}
	c := &Catalog{Kind: KindFolder}
	var problems []string
	for _, de := range list {
		name := de.Name()
		typ := fwimage.Type(name)
		if de.IsDir() || typ == "" {
			continue
		}
		e, warn, err := component(dir, name, typ)
		if errors.Is(err, errNoDevice) {
			c.Skipped++
			continue
		}
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if warn != "" {
			c.Warnings = append(c.Warnings, warn)
		}
		if err := locate(&e, dir); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		e.Source = "file " + name
		c.Entries = append(c.Entries, e)
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 5 {
			more = fmt.Sprintf(" (and %d more)", len(problems)-5)
			problems = problems[:5]
		}
		return nil, fmt.Errorf("catalog %s: cannot read %s%s", dir, strings.Join(problems, "; "), more)
	}
	if len(c.Entries) == 0 {
		return nil, fmt.Errorf("catalog %s: no fwrepo.json, no manifest/manifest.json and no firmware file (.fwpkg, .bin, .signed.flash, .vme, cp*.exe …) in the folder", dir)
	}
	return c, nil
}

// sidecar is the decoupled metadata file of a component: <base>.json.
func sidecar(dir, name, typ string) string {
	return filepath.Join(dir, strings.TrimSuffix(name, name[len(name)-len(typ):])+".json")
}

// component reads what is known of one component file: its <base>.json
// beside it, the payload.json inside a .fwpkg, or its name.
func component(dir, name, typ string) (Entry, string, error) {
	if side := sidecar(dir, name, typ); fileExists(side) {
		v, err := readIndex(side)
		if err != nil {
			return Entry{}, "", fmt.Errorf("%s: %w", name, err)
		}
		o, ok := v.(*object)
		if !ok {
			return Entry{}, "", fmt.Errorf("%s: %s: want a payload.json object, got %s", name, filepath.Base(side), kind(v))
		}
		e, err := payloadEntry(o, name)
		if err != nil {
			return Entry{}, "", fmt.Errorf("%s: %s: %w", name, filepath.Base(side), err)
		}
		return e, "", nil
	}
	if typ == ".fwpkg" {
		e, err := fwpkgEntry(filepath.Join(dir, name))
		if err != nil {
			return Entry{}, "", fmt.Errorf("%s: %w", name, err)
		}
		return e, "", nil
	}
	return nameEntry(name, typ)
}

// fwpkgEntry reads the payload.json inside a .fwpkg.
func fwpkgEntry(p string) (Entry, error) {
	payload, err := fwimage.ReadPayload(p)
	if err != nil {
		return Entry{}, err
	}
	if payload == nil {
		return Entry{}, fmt.Errorf("no payload.json inside and no %s beside it", filepath.Base(sidecar(filepath.Dir(p), filepath.Base(p), ".fwpkg")))
	}
	// One reading of payload-shaped data: through the same checks as a
	// manifest entry.
	b, err := json.Marshal(payload)
	if err != nil {
		return Entry{}, err
	}
	v, err := decodeJSON(b)
	if err != nil {
		return Entry{}, err
	}
	e, err := payloadEntry(v.(*object), filepath.Base(p))
	if err != nil {
		return Entry{}, fmt.Errorf("payload.json: %w", err)
	}
	return e, nil
}

// nameEntry is what HPE's file naming tells of a component (see the
// package documentation) and the warning that goes with it.
func nameEntry(name, typ string) (Entry, string, error) {
	e := Entry{File: name, Version: fwimage.NameVersion(name), NameOnly: true}
	switch {
	case fwimage.IsSmartComponent(typ):
		return e, fmt.Sprintf("%s: a Smart Component with no %s beside it; only its name is known, so it cannot be matched to a device", name, filepath.Base(sidecar("", name, typ))), nil
	case fwimage.ILOGeneration(name) != 0:
		e.DeviceClass = ILODeviceClass
		e.Name = fmt.Sprintf("iLO %d", fwimage.ILOGeneration(name))
	case fwimage.ROMFamily(name) != "":
		e.DeviceClass = BIOSDeviceClass
		e.Targets = []string{FamilyTarget(fwimage.ROMFamily(name))}
		e.Name = "System ROM " + fwimage.ROMFamily(name)
		e.RebootRequired = true
	case typ == ".vme" && e.Version != "":
		e.DeviceClass = CPLDDeviceClass
		e.Name = "System Programmable Logic Device"
		e.RebootRequired, e.PowerOff = true, true
	default:
		return e, fmt.Sprintf("%s: only its name is known and the name does not say which device it is for; give it a %s or use a fwrepo.json", name, filepath.Base(sidecar("", name, typ))), nil
	}
	if e.Version == "" {
		return e, fmt.Sprintf("%s: its name carries no version, so it is left out of the plan", name), nil
	}
	return e, fmt.Sprintf("%s: only its name is known (version %s); a fwrepo.json or a %s gives its targets", name, e.Version, filepath.Base(sidecar("", name, typ))), nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
