package component

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// typesText lists the file types the repository takes, for errors.
func typesText() string {
	return fmt.Sprintf("Smart Components (%s, with a .compsig), signed images (%s) and third-party packages (%s)",
		strings.Join(fwimage.SmartComponentTypes(), " "), strings.Join(fwimage.SignedTypes(), " "), strings.Join(fwimage.ThirdPartyTypes(), " "))
}

// localFile is a component on disk and what the module knows of it.
type localFile struct {
	path     string
	filename string // the name in the repository
	kind     string // the suffix that decides its type
	size     int64
	version  string // "" when the file carries none
	sections int
	// compsigs: one per section, one for the whole file, or none.
	compsigs []string
	// perPart is true when compsigs holds one signature per section.
	perPart bool
	// deviceClass and targets come from a .fwpkg's payload.json: the
	// devices it updates.
	deviceClass string
	targets     []string
}

// inspect reads what the module needs to know of a.Path, without reading
// the file's content (except payload.json of a .fwpkg).
func inspect(a *Args) (localFile, []string, error) {
	var warnings []string
	st, err := os.Stat(a.Path)
	if err != nil {
		return localFile{}, nil, fmt.Errorf("read component: %w", err)
	}
	if !st.Mode().IsRegular() {
		return localFile{}, nil, fmt.Errorf("read component: %s is not a regular file", a.Path)
	}
	f := localFile{path: a.Path, filename: a.Filename, size: st.Size()}
	base := filepath.Base(a.Path)
	if f.filename == "" {
		f.filename = base
	}
	if strings.ContainsAny(f.filename, `/\`) {
		return f, nil, fmt.Errorf("filename %q: give a file name, not a path", f.filename)
	}
	f.kind = fwimage.Type(base)
	if f.kind == "" {
		return f, nil, fmt.Errorf("%s cannot go to the iLO Repository: it takes %s", base, typesText())
	}
	if fwimage.Type(f.filename) != f.kind {
		return f, nil, fmt.Errorf("filename %q: keep the type of %s (%s), the iLO decides what a component is by its name", f.filename, base, f.kind)
	}
	if f.size == 0 {
		return f, nil, fmt.Errorf("read component: %s is empty", a.Path)
	}
	f.version = fwimage.NameVersion(base)
	if f.kind == ".fwpkg" {
		p, err := fwimage.ReadPayload(a.Path)
		if err != nil {
			return f, nil, err
		}
		if p != nil && p.Version() != "" {
			f.version = p.Version() // payload.json wins over the name
		}
		if p != nil {
			f.deviceClass, f.targets = p.DeviceClass, p.Targets()
		}
	}
	f.sections = ilo.SectionCount(f.size)
	f.compsigs, f.perPart, warnings, err = findCompsigs(a, f)
	if err != nil {
		return f, nil, err
	}
	if fwimage.IsSmartComponent(f.kind) && len(f.compsigs) == 0 {
		return f, nil, fmt.Errorf("%s is a Smart Component: the iLO takes it only with its signature, and there is no %s beside it (give compsig)", base, fwimage.CompsigName(base, 0))
	}
	return f, warnings, nil
}

// findCompsigs finds the signatures of f: the given compsig or the one
// beside the file, and for a file of several sections the per-part
// signatures <base>_part<N>.compsig in the same directory.
func findCompsigs(a *Args, f localFile) ([]string, bool, []string, error) {
	base := filepath.Base(a.Path)
	dir := filepath.Dir(a.Path)
	whole := ""
	if a.Compsig != "" {
		if _, err := os.Stat(a.Compsig); err != nil {
			return nil, false, nil, fmt.Errorf("read compsig: %w", err)
		}
		whole, dir = a.Compsig, filepath.Dir(a.Compsig)
	} else if p := filepath.Join(dir, fwimage.CompsigName(base, 0)); exists(p) {
		whole = p
	}
	if f.sections > 1 {
		var parts, missing []string
		for n := 1; n <= f.sections; n++ {
			p := filepath.Join(dir, fwimage.CompsigName(base, n))
			if exists(p) {
				parts = append(parts, p)
			} else {
				missing = append(missing, filepath.Base(p))
			}
		}
		switch {
		case len(missing) == 0:
			return parts, true, nil, nil
		case len(parts) > 0:
			return nil, false, nil, fmt.Errorf("%s goes in %d sections and has per-part signatures, but not %s", base, f.sections, strings.Join(missing, ", "))
		case whole != "":
			return []string{whole}, false, []string{fmt.Sprintf("%s goes in %d sections but has no per-part signatures (%s …): its signature goes with the first section only", base, f.sections, fwimage.CompsigName(base, 1))}, nil
		}
	}
	if whole == "" {
		return nil, false, nil, nil
	}
	return []string{whole}, false, nil, nil
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// sameVersion compares versions when both sides have one.
func sameVersion(want, have string) bool {
	return want == "" || have == "" || modkit.SameVersion(want, have)
}

// lockedError is a refusal to replace or delete a Locked component; it
// names what locks it.
type lockedError struct {
	verb    string
	comp    ilo.Component
	lockers []ilo.Locker
}

func (e *lockedError) Error() string {
	what := "an install set or a queued task (none found by name: it may have just changed)"
	if len(e.lockers) > 0 {
		names := make([]string, len(e.lockers))
		for i, l := range e.lockers {
			names[i] = l.String()
		}
		what = strings.Join(names, ", ")
	}
	return fmt.Sprintf("cannot %s %s: it is Locked by %s; remove it from there first", e.verb, e.comp.Filename, what)
}

// ErrorInfo lists the lockers in error_info.
func (e *lockedError) ErrorInfo() map[string]any {
	return map[string]any{"component": modkit.ComponentOf(e.comp), "locked_by": e.lockers}
}

// errLocked builds the lockedError, reading the queue and install sets.
func errLocked(err error, verb string, comp ilo.Component, lockers []ilo.Locker) error {
	if err != nil {
		return fmt.Errorf("cannot %s %s: it is Locked, and %w", verb, comp.Filename, err)
	}
	return &lockedError{verb: verb, comp: comp, lockers: lockers}
}

// checkDowngrade refuses, with update_target, a file older than what the
// device it flashes runs, unless allow_downgrade (then it warns): iLO
// firmware against the manager, a BIOS image against the System ROM, a
// .fwpkg against the devices its payload.json names. Other files, and
// versions that do not compare, are not checked.
func checkDowngrade(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, filename, version, deviceClass string, targets []string) error {
	if !a.UpdateTarget || version == "" {
		return nil
	}
	var ds []ilo.Downgrade
	if fwimage.ILOGeneration(filename) != 0 {
		mgr, err := c.Manager(ctx)
		if err != nil {
			return err
		}
		if ilo.Older(version, mgr.FirmwareVersion) {
			ds = append(ds, ilo.Downgrade{File: filename, Version: version, Device: "the iLO", Running: mgr.FirmwareVersion})
		}
		return modkit.CheckDowngrades(ds, a.AllowDowngrade, m.Warn)
	}
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		return err
	}
	if fwimage.ROMFamily(filename) != "" {
		for _, it := range inv {
			if it.Name == "System ROM" && ilo.Older(version, it.Version) {
				ds = append(ds, ilo.Downgrade{File: filename, Version: version, Device: it.Name, Running: it.Version})
			}
		}
	} else {
		ds = ilo.Component{Filename: filename, Version: version, DeviceClass: deviceClass, Targets: targets}.Downgrades(inv)
	}
	return modkit.CheckDowngrades(ds, a.AllowDowngrade, m.Warn)
}
