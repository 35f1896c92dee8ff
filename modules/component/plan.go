package component

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fleetfw/ilo/internal/ilo"
)

// File types the iLO Repository takes (reference §5.6): Smart Components
// need a detached .compsig; binaries and packages carry their signature.
var (
	needSig      = []string{".exe", ".rpm", ".zip", ".scexe"}
	signedInFile = []string{".fwpkg", ".signed.flash", ".signed.full", ".signed.bin", ".bin", ".full", ".vme", ".hex", ".lpk"}
	// Third-party packages, flashed only with Oem.Hpe.Accept3rdPartyFirmware.
	thirdParty = []string{".pup", ".fup", ".hpb"}
)

// fileType returns the suffix of filename that decides how the iLO treats
// it, and "" when the repository does not take such files.
func fileType(filename string) string {
	n := strings.ToLower(filename)
	for _, list := range [][]string{needSig, signedInFile, thirdParty} {
		for _, s := range list {
			if strings.HasSuffix(n, s) {
				return s
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Versions a file name carries by HPE's naming (what a client may infer
// without opening the file; internal/testimage documents the same rules).
var (
	reILOName   = regexp.MustCompile(`(?i)^ilo\d_(\d{3}|\d{5})\.(bin|fwpkg)$`)
	reBIOSName  = regexp.MustCompile(`(?i)^[A-Z]\d{2}_(\d+\.\d+)_(\d{2})_(\d{2})_(\d{4})\.signed\.(flash|full)$`)
	reFwpkgName = regexp.MustCompile(`(?i)-(\d[0-9A-Za-z._]*)-\d+\.fwpkg$`)
	reCPLDName  = regexp.MustCompile(`(?i)_v([0-9A-F]{2})[0-9A-F]*[_.]`)
)

// nameVersion returns the version in a component file name, or "".
func nameVersion(filename string) string {
	n := path.Base(filename)
	if m := reILOName.FindStringSubmatch(n); m != nil {
		d := m[1]
		if len(d) == 3 {
			return d[:1] + "." + d[1:]
		}
		return d[:1] + "." + d[1:3] + "." + d[3:]
	}
	if m := reBIOSName.FindStringSubmatch(n); m != nil {
		return fmt.Sprintf("v%s (%s/%s/%s)", m[1], m[2], m[3], m[4])
	}
	if m := reFwpkgName.FindStringSubmatch(n); m != nil {
		return m[1]
	}
	if strings.HasSuffix(strings.ToLower(n), ".vme") {
		if m := reCPLDName.FindStringSubmatch(n); m != nil {
			return strings.ToUpper(m[1])
		}
	}
	return ""
}

// maxPayload bounds payload.json read from a .fwpkg.
const maxPayload = 1 << 20

// fwpkgVersion reads the version from payload.json inside a .fwpkg (a zip:
// only its central directory and that entry are read), "" when it has none.
func fwpkgVersion(p string) (string, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return "", fmt.Errorf("read %s as a zip: %w", p, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !strings.EqualFold(path.Base(f.Name), "payload.json") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return "", fmt.Errorf("read payload.json in %s: %w", p, err)
		}
		defer r.Close()
		var payload struct {
			Devices struct {
				Device []struct{ Version string }
			}
		}
		if err := json.NewDecoder(io.LimitReader(r, maxPayload)).Decode(&payload); err != nil {
			return "", fmt.Errorf("parse payload.json in %s: %w", p, err)
		}
		for _, d := range payload.Devices.Device {
			if d.Version != "" {
				return d.Version, nil
			}
		}
		return "", nil
	}
	return "", nil
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
	f.kind = fileType(base)
	if f.kind == "" {
		return f, nil, fmt.Errorf("%s cannot go to the iLO Repository: it takes Smart Components (%s, with a .compsig), signed images (%s) and third-party packages (%s)",
			base, strings.Join(needSig, " "), strings.Join(signedInFile, " "), strings.Join(thirdParty, " "))
	}
	if fileType(f.filename) != f.kind {
		return f, nil, fmt.Errorf("filename %q: keep the type of %s (%s), the iLO decides what a component is by its name", f.filename, base, f.kind)
	}
	if f.size == 0 {
		return f, nil, fmt.Errorf("read component: %s is empty", a.Path)
	}
	f.version = nameVersion(base)
	if f.kind == ".fwpkg" {
		v, err := fwpkgVersion(a.Path)
		if err != nil {
			return f, nil, err
		}
		if v != "" {
			f.version = v
		}
	}
	f.sections = ilo.SectionCount(f.size)
	f.compsigs, f.perPart, warnings, err = findCompsigs(a, f)
	if err != nil {
		return f, nil, err
	}
	if contains(needSig, f.kind) && len(f.compsigs) == 0 {
		return f, nil, fmt.Errorf("%s is a Smart Component: the iLO takes it only with its signature, and there is no %s beside it (give compsig)", base, sigName(base, 0))
	}
	return f, warnings, nil
}

// sigName is <base>.compsig (part 0) or <base>_part<N>.compsig, where
// <base> is the file name without its last extension (iLOrest's naming).
func sigName(file string, part int) string {
	b := strings.TrimSuffix(file, filepath.Ext(file))
	if part == 0 {
		return b + ".compsig"
	}
	return fmt.Sprintf("%s_part%d.compsig", b, part)
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
	} else if p := filepath.Join(dir, sigName(base, 0)); exists(p) {
		whole = p
	}
	if f.sections > 1 {
		var parts, missing []string
		for n := 1; n <= f.sections; n++ {
			p := filepath.Join(dir, sigName(base, n))
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
			return []string{whole}, false, []string{fmt.Sprintf("%s goes in %d sections but has no per-part signatures (%s …): its signature goes with the first section only", base, f.sections, sigName(base, 1))}, nil
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
	if want == "" || have == "" {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(want), strings.TrimSpace(have))
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
	return map[string]any{"component": e.comp, "locked_by": e.lockers}
}

// errLocked builds the lockedError, reading the queue and install sets.
func errLocked(err error, verb string, comp ilo.Component, lockers []ilo.Locker) error {
	if err != nil {
		return fmt.Errorf("cannot %s %s: it is Locked, and %w", verb, comp.Filename, err)
	}
	return &lockedError{verb: verb, comp: comp, lockers: lockers}
}

var errNoRoom = errors.New("the iLO Repository lacks room")

// roomError says how much room an upload needs and how much there is.
func roomError(filename string, need int64, repo ilo.Repository) error {
	return fmt.Errorf("%w for %s: it needs %d bytes, %d are free (of %d); delete components first (state=absent, all_unlocked=true)",
		errNoRoom, filename, need, repo.FreeBytes, repo.TotalBytes)
}

// busyError refuses to start while the update service works on something.
func busyError(us ilo.UpdateService) error {
	return fmt.Errorf("the update service is busy (State %s, UploadCurrentEtag %q): another upload or flash is running; run again when it is Idle, Complete or Error", us.State, us.UploadCurrentEtag)
}
