package component

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/testimage"
)

// TestUploadSmall uploads a component under 32 MiB in one request, then
// proves the sequence check mode → apply → apply again (no writes).
func TestUploadSmall(t *testing.T) {
	e := newEnv(t)
	img := image(t, testimage.Spec{Filename: "ilo5_305.bin", Size: 10 * mib})
	args := map[string]any{"path": img.Image}

	o := e.mustRun(args, true)
	if !o.changed() {
		t.Errorf("check mode: changed false, want true")
	}
	if n := e.writes(); n != 0 {
		t.Errorf("check mode wrote %d times, want 0", n)
	}
	if !strings.Contains(o.msg(), "would upload ilo5_305.bin (10485760 bytes in 1 sections)") {
		t.Errorf("check mode msg %q does not say what would be uploaded with its size", o.msg())
	}

	o = e.mustRun(args, false)
	if !o.changed() {
		t.Errorf("apply: changed false, want true")
	}
	if got := o.num("sections_sent"); got != 1 {
		t.Errorf("sections_sent %d, want 1", got)
	}
	if got := o.num("bytes_sent"); got != 10*mib {
		t.Errorf("bytes_sent %d, want %d", got, 10*mib)
	}
	if got := o.component("size_bytes"); got != strconv.Itoa(10*mib) {
		t.Errorf("component size_bytes %s, want %d", got, 10*mib)
	}
	if got := o.component("version"); got != "3.05" {
		t.Errorf("component version %q, want 3.05", got)
	}
	if e.writes() != 1 {
		t.Errorf("apply: want exactly one write (the upload POST)")
	}
	if c, _, ok := e.sim.ComponentByFilename("ilo5_305.bin"); !ok || c.Size != 10*mib {
		t.Errorf("simulator repository: %v %v, want ilo5_305.bin of %d bytes", c, ok, 10*mib)
	}

	o = e.mustRun(args, false)
	if o.changed() {
		t.Errorf("second run: changed true, want false (%s)", o.msg())
	}
	if n := e.writes(); n != 0 {
		t.Errorf("second run wrote %d times, want 0", n)
	}
	if o.num("bytes_sent") != 0 || o.num("sections_sent") != 0 {
		t.Errorf("second run sent %d bytes in %d sections, want none", o.num("bytes_sent"), o.num("sections_sent"))
	}
}

// TestUploadSections sends 100 MiB in four 32 MiB Sections, each with its
// own signature, and checks the reassembled repository entry.
func TestUploadSections(t *testing.T) {
	e := newEnv(t)
	img := image(t, testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3", Size: 100 * mib})
	if len(img.Parts) != 4 {
		t.Fatalf("test image has %d part signatures, want 4", len(img.Parts))
	}
	o := e.mustRun(map[string]any{"path": img.Image}, false)
	if got := o.num("sections_sent"); got != 4 {
		t.Errorf("sections_sent %d, want 4", got)
	}
	if got := o.num("bytes_sent"); got != 100*mib {
		t.Errorf("bytes_sent %d, want %d", got, 100*mib)
	}
	if got := o.component("size_bytes"); got != strconv.Itoa(100*mib) {
		t.Errorf("repository entry size %s, want %d", got, 100*mib)
	}
	if got := o.component("version"); got != "1.2.3" {
		t.Errorf("repository entry version %q, want 1.2.3", got)
	}
	c := e.sim.Counters()
	if c.Requests["POST"] < 4 || c.BytesReceived < 100*mib {
		t.Errorf("simulator saw %d POSTs and %d bytes, want ≥ 4 and ≥ %d", c.Requests["POST"], c.BytesReceived, 100*mib)
	}
	if states, ok := o["states"].([]any); !ok || len(states) == 0 {
		t.Errorf("no states returned after waiting: %v", o["states"])
	}
}

// TestUploadBadPartSignature proves that each Section carries its own
// signature: a wrong second part signature makes the iLO refuse the upload.
func TestUploadBadPartSignature(t *testing.T) {
	e := newEnv(t)
	img := image(t, testimage.Spec{Filename: "cp045679.exe", Version: "1.0.0", Size: 40 * mib})
	b, err := os.ReadFile(img.Parts[1])
	if err != nil {
		t.Fatal(err)
	}
	sig, err := testimage.ParseCompsig(b)
	if err != nil {
		t.Fatal(err)
	}
	sig.SHA256 = strings.Repeat("0", 64) // the signature of other bytes
	if err := os.WriteFile(img.Parts[1], sig.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	o := e.run(map[string]any{"path": img.Image}, false)
	if !o.failed() || !strings.Contains(o.msg(), "in Error") {
		t.Fatalf("got failed=%v %q, want the iLO's Error for section 2", o.failed(), o.msg())
	}
	if !strings.Contains(o.msg(), "section 2 of 2") {
		t.Errorf("msg %q does not name the section", o.msg())
	}
	if _, _, ok := e.sim.ComponentByFilename("cp045679.exe"); ok {
		t.Errorf("the component is in the repository despite its bad signature")
	}
}

// TestResetMidPart breaks the connection in the middle of a Section. One
// break is recovered in the same run (the iLO did not take the Section, so
// it is sent again); two breaks fail the run, and a rerun converges.
func TestResetMidPart(t *testing.T) {
	for _, tc := range []struct {
		name       string
		resets     int
		wantFailed bool
	}{
		{"one reset, sent again", 1, false},
		{"two resets, rerun", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			img := image(t, testimage.Spec{Filename: "cp045680.exe", Version: "2.0.0", Size: 40 * mib})
			args := map[string]any{"path": img.Image}
			e.sim.SetFaults(ilosim.Faults{ResetMidBody: tc.resets})
			o := e.run(args, false)
			if o.failed() != tc.wantFailed {
				t.Fatalf("failed=%v (%s), want %v", o.failed(), o.msg(), tc.wantFailed)
			}
			if tc.wantFailed {
				if !strings.Contains(o.msg(), "did not take it") || !strings.Contains(o.msg(), "run the task again") {
					t.Errorf("msg %q does not say the iLO did not take the section and a rerun sends it", o.msg())
				}
				o = e.mustRun(args, false)
				if !o.changed() || o.num("sections_sent") != 2 {
					t.Errorf("rerun: changed=%v sections_sent=%d, want true and 2", o.changed(), o.num("sections_sent"))
				}
			} else if w, _ := o["warnings"].([]any); len(w) == 0 {
				t.Errorf("no warning about the section sent again")
			}
			if got := o.component("size_bytes"); got != strconv.Itoa(40*mib) {
				t.Errorf("repository entry size %s, want %d", got, 40*mib)
			}
			e.writes()
			o = e.mustRun(args, false)
			if o.changed() {
				t.Errorf("run after convergence: changed true, want false")
			}
			if n := e.writes(); n != 0 {
				t.Errorf("run after convergence wrote %d times, want 0", n)
			}
		})
	}
}

// TestLocked refuses to replace or delete a component that an install set
// or a queued task references, naming it, and writes nothing.
func TestLocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		lock func(t *testing.T, c *ilo.Client)
		want string
	}{
		{"install set", func(t *testing.T, c *ilo.Client) {
			_, err := c.CreateInstallSet(context.Background(), ilo.NewInstallSet{Name: "Baseline 2026", Sequence: []ilo.InstallStep{
				{Name: "cp045681", Command: "ApplyUpdate", Filename: "cp045681.exe", UpdatableBy: []string{"Uefi"}}}})
			if err != nil {
				t.Fatalf("create install set: %v", err)
			}
		}, `install set "Baseline 2026"`},
		{"queue task", func(t *testing.T, c *ilo.Client) {
			_, err := c.CreateUpdateTask(context.Background(), ilo.NewUpdateTask{Name: "Update-cp045681", Command: "ApplyUpdate",
				Filename: "cp045681.exe", UpdatableBy: []string{"Uefi"}})
			if err != nil {
				t.Fatalf("create task: %v", err)
			}
		}, `task "Update-cp045681" (Pending)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			img := image(t, testimage.Spec{Filename: "cp045681.exe", Version: "1.0.0", Size: 2 * mib})
			e.mustRun(map[string]any{"path": img.Image}, false)
			tc.lock(t, e.client())
			e.writes()

			other := image(t, testimage.Spec{Filename: "cp045681.exe", Version: "1.0.1", Size: 3 * mib})
			for _, args := range []map[string]any{
				{"path": other.Image},
				{"state": "absent", "filename": "cp045681.exe"},
				{"state": "absent", "filename": "cp045681.exe", "_ansible_check_mode": true},
			} {
				o := e.run(args, false)
				if !o.failed() || !strings.Contains(o.msg(), "Locked by "+tc.want) {
					t.Errorf("%v: failed=%v %q, want a refusal naming %s", args, o.failed(), o.msg(), tc.want)
				}
			}
			if n := e.writes(); n != 0 {
				t.Errorf("refusals wrote %d times, want 0", n)
			}
			if c, _, ok := e.sim.ComponentByFilename("cp045681.exe"); !ok || c.Size != 2*mib {
				t.Errorf("locked component changed: %v %v", c, ok)
			}
			// all_unlocked leaves it too.
			o := e.mustRun(map[string]any{"state": "absent", "all_unlocked": true}, false)
			if o.changed() {
				t.Errorf("all_unlocked with only a locked component: changed true")
			}
			if _, _, ok := e.sim.ComponentByFilename("cp045681.exe"); !ok {
				t.Errorf("all_unlocked deleted a locked component")
			}
		})
	}
}

// TestPreflight refuses before any byte is sent: no room, busy service, a
// type the repository does not take, a Smart Component without signature.
func TestPreflight(t *testing.T) {
	full := true
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, e *env)
		spec  testimage.Spec
		file  string // instead of spec: raw bytes under this name
		want  string
	}{
		{"repository full", func(t *testing.T, e *env) { e.sim.SetFaults(ilosim.Faults{RepositoryFull: &full}) },
			testimage.Spec{Filename: "ilo5_306.bin", Size: 5 * mib},
			"", "lacks room for ilo5_306.bin: it needs 5242880 bytes, 0 are free (of 1073168384)"},
		{"busy service", func(t *testing.T, e *env) {
			img := image(t, testimage.Spec{Filename: "ilo5_307.bin", Size: mib})
			if _, err := e.client().Upload(context.Background(), ilo.UploadRequest{Path: img.Image, Params: ilo.UploadParams{UpdateRepository: true, ETag: "someone-else"}}); err != nil {
				t.Fatalf("busy the service: %v", err)
			}
		}, testimage.Spec{Filename: "ilo5_306.bin", Size: mib}, "", `the update service is busy (State Verifying, UploadCurrentEtag "someone-else")`},
		{"file type", nil, testimage.Spec{}, "notes.txt", "notes.txt cannot go to the iLO Repository"},
		{"smart component without compsig", nil, testimage.Spec{}, "cp099999.exe", "there is no cp099999.compsig beside it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []ilosim.Option{}
			if tc.name == "busy service" {
				opts = append(opts, ilosim.WithPhases(ilosim.Phases{Verifying: time.Hour, Writing: time.Hour}))
			}
			e := newEnv(t, opts...)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			var p string
			if tc.file != "" {
				p = filepath.Join(t.TempDir(), tc.file)
				if err := os.WriteFile(p, []byte("not firmware"), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				p = image(t, tc.spec).Image
			}
			e.writes()
			for _, check := range []bool{true, false} {
				o := e.run(map[string]any{"path": p}, check)
				if !o.failed() || !strings.Contains(o.msg(), tc.want) {
					t.Errorf("check=%v: failed=%v %q, want %q", check, o.failed(), o.msg(), tc.want)
				}
			}
			c := e.sim.Counters()
			if c.Writes != 0 || c.BytesReceived > 4096 {
				t.Errorf("pre-flight refusal wrote %d times and sent %d bytes, want no write and no component bytes", c.Writes, c.BytesReceived)
			}
		})
	}
}

// TestAbsent deletes by file name and by id, with check mode, diff and a
// second run that changes nothing; all_unlocked lists what goes.
func TestAbsent(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"ilo5_310.bin", "ilo5_311.bin", "ilo5_312.bin"} {
		e.mustRun(map[string]any{"path": image(t, testimage.Spec{Filename: n, Size: mib}).Image}, false)
	}
	c, _, _ := e.sim.ComponentByFilename("ilo5_311.bin")
	e.writes()

	o := e.mustRun(map[string]any{"state": "absent", "filename": "ilo5_310.bin"}, true)
	if !o.changed() || e.writes() != 0 {
		t.Errorf("check mode: changed=%v, want true and no writes", o.changed())
	}
	if !strings.Contains(o.msg(), "would delete ilo5_310.bin (1048576 bytes)") {
		t.Errorf("check mode msg %q", o.msg())
	}
	for _, args := range []map[string]any{{"state": "absent", "filename": "ilo5_310.bin"}, {"state": "absent", "id": c.ID}} {
		o = e.mustRun(args, false)
		d, _ := o["diff"].(map[string]any)
		if !o.changed() || d == nil || d["before"] == nil || d["after"] != nil {
			t.Errorf("%v: changed=%v diff=%v, want a deletion with the entry before and nothing after", args, o.changed(), d)
		}
		o = e.mustRun(args, false)
		if o.changed() {
			t.Errorf("%v again: changed true, want false", args)
		}
	}
	e.writes()
	o = e.mustRun(map[string]any{"state": "absent", "all_unlocked": true}, true)
	if del, _ := o["deleted"].([]any); len(del) != 1 || del[0] != "ilo5_312.bin" || e.writes() != 0 {
		t.Errorf("all_unlocked check mode: deleted %v, want [ilo5_312.bin] and no writes", o["deleted"])
	}
	o = e.mustRun(map[string]any{"state": "absent", "all_unlocked": true}, false)
	if del, _ := o["deleted"].([]any); len(del) != 1 || !o.changed() {
		t.Errorf("all_unlocked: deleted %v changed=%v", o["deleted"], o.changed())
	}
	// Ansible's diff printer takes strings or dicts only (a list crashed it).
	d, _ := o["diff"].(map[string]any)
	before, bok := d["before"].(string)
	after, aok := d["after"].(string)
	if !bok || !aok || !strings.Contains(before, "ilo5_312.bin\n") || strings.Contains(after, "ilo5_312.bin") {
		t.Errorf("all_unlocked diff %#v, want before and after as strings, one file per line", d)
	}
	if _, _, ok := e.sim.ComponentByFilename("ilo5_312.bin"); ok {
		t.Errorf("all_unlocked left ilo5_312.bin")
	}
}

// TestAddFromURI has the iLO download from a loopback HTTP server, whole
// and in two Sections; a second run compares sizes by HEAD and sends nothing.
func TestAddFromURI(t *testing.T) {
	dir := t.TempDir()
	whole := image(t, testimage.Spec{Filename: "ilo5_320.bin", Size: 3 * mib})
	split := image(t, testimage.Spec{Filename: "cp045690.exe", Version: "4.5.6", Size: 40 * mib})
	splitParts(t, split.Image, dir, "cp045690")
	for _, p := range split.Parts {
		copyFile(t, p, filepath.Join(dir, filepath.Base(p)))
	}
	copyFile(t, whole.Image, filepath.Join(dir, "ilo5_320.bin"))
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(files.Close)

	for _, tc := range []struct {
		name     string
		profile  string
		args     map[string]any
		filename string
		size     int64
		sections int64
	}{
		{"whole", "ilo5", map[string]any{"image_uri": files.URL + "/ilo5_320.bin"}, "ilo5_320.bin", 3 * mib, 1},
		// iLO 5 before 2.30 answers 200 without a task: Oem.Hpe.State alone says when it is done.
		{"whole without task monitor", "ilo5-legacy", map[string]any{"image_uri": files.URL + "/ilo5_320.bin"}, "ilo5_320.bin", 3 * mib, 1},
		{"split", "ilo5", map[string]any{
			"image_uri":   []string{files.URL + "/cp045690.part1", files.URL + "/cp045690.part2"},
			"compsig_uri": []string{files.URL + "/cp045690_part1.compsig", files.URL + "/cp045690_part2.compsig"},
			"filename":    "cp045690.exe"}, "cp045690.exe", 40 * mib, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, ilosim.WithProfileName(tc.profile))
			o := e.mustRun(tc.args, true)
			if !o.changed() || e.writes() != 0 {
				t.Errorf("check mode: changed=%v, want true with no writes", o.changed())
			}
			o = e.mustRun(tc.args, false)
			if !o.changed() || o.num("sections_sent") != tc.sections || o.num("bytes_sent") != 0 {
				t.Errorf("changed=%v sections_sent=%d bytes_sent=%d, want true, %d, 0", o.changed(), o.num("sections_sent"), o.num("bytes_sent"), tc.sections)
			}
			if got := o.component("size_bytes"); got != strconv.FormatInt(tc.size, 10) {
				t.Errorf("repository entry size %s, want %d", got, tc.size)
			}
			if got := o.component("filename"); got != tc.filename {
				t.Errorf("repository entry %q, want %q", got, tc.filename)
			}
			e.writes()
			o = e.mustRun(tc.args, false)
			if o.changed() || e.writes() != 0 {
				t.Errorf("second run: changed=%v, want false with no writes", o.changed())
			}
		})
	}
}

// TestArgs checks the option rules the argument spec cannot express.
func TestArgs(t *testing.T) {
	e := newEnv(t)
	file := image(t, testimage.Spec{Filename: "ilo5_310.bin", Size: 1024}).Image // an existing file: path passes its own check
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"state": "absent"}, "state=absent needs filename, id or all_unlocked=true"},
		{map[string]any{"state": "present"}, "path, image_uri"},
		{map[string]any{"path": "/x.bin", "image_uri": "http://127.0.0.1/x.bin"}, "mutually exclusive"},
		{map[string]any{"image_uri": []string{"http://127.0.0.1/a", "http://127.0.0.1/b"}}, "give filename"},
		{map[string]any{"path": file, "update_repository": false}, "for nothing"},
		{map[string]any{"path": file, "update_recovery_set": true}, "needs update_target=true"},
		{map[string]any{"path": "/dev/null"}, "must be a regular file"},
		{map[string]any{"path": file, "filename": "a\r\nb.bin"}, "filename"},
		{map[string]any{"state": "absent", "all_unlocked": true, "filename": "x.bin"}, "mutually exclusive"},
		{map[string]any{"path": "/does/not/exist.bin"}, "no such file"},
	} {
		o := e.run(tc.args, false)
		if !o.failed() || !strings.Contains(o.msg(), tc.want) {
			t.Errorf("%v: failed=%v %q, want %q", tc.args, o.failed(), o.msg(), tc.want)
		}
	}
	if n := e.writes(); n != 0 {
		t.Errorf("bad arguments wrote %d times", n)
	}
}

// splitParts writes src in 32 MiB pieces DIR/<base>.part<N>, as the HPE
// blog splits a large component with dd.
func splitParts(t *testing.T, src, dir, base string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for n := 1; ; n++ {
		out, err := os.Create(filepath.Join(dir, base+".part"+strconv.Itoa(n)))
		if err != nil {
			t.Fatal(err)
		}
		k, err := io.CopyN(out, f, testimage.PartSize)
		out.Close()
		if err == io.EOF || k < testimage.PartSize {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAllowHeader respects the Allow header of a repository entry: when it
// does not list DELETE, the module refuses without sending one.
func TestAllowHeader(t *testing.T) {
	e := newWrappedEnv(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(strings.ToLower(r.URL.Path), "/componentrepository/") {
				w = allowOnly{w}
			}
			h.ServeHTTP(w, r)
		})
	})
	e.mustRun(map[string]any{"path": image(t, testimage.Spec{Filename: "ilo5_330.bin", Size: mib}).Image}, false)
	e.writes()
	o := e.run(map[string]any{"state": "absent", "filename": "ilo5_330.bin"}, false)
	if !o.failed() || !strings.Contains(o.msg(), "does not allow DELETE") {
		t.Errorf("got failed=%v %q, want a refusal citing the Allow header", o.failed(), o.msg())
	}
	if n := e.writes(); n != 0 {
		t.Errorf("wrote %d times, want 0", n)
	}
}

// allowOnly answers with Allow: GET, HEAD (an entry the iLO will not delete).
type allowOnly struct{ http.ResponseWriter }

func (a allowOnly) WriteHeader(status int) {
	a.Header().Set("Allow", "GET, HEAD")
	a.ResponseWriter.WriteHeader(status)
}

func (a allowOnly) Write(b []byte) (int, error) {
	a.Header().Set("Allow", "GET, HEAD")
	return a.ResponseWriter.Write(b)
}

// TestUpdateTarget flashes iLO firmware right after the upload: the iLO
// resets at the end of the flash (sessions dropped, connections refused
// for a while), and the module logs in again and reports the entry.
func TestUpdateTarget(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run("update_repository="+strconv.FormatBool(keep), func(t *testing.T) {
			e := newEnv(t, ilosim.WithDarkTime(2*time.Second), ilosim.WithILOResetDelay(time.Second))
			img := image(t, testimage.Spec{Filename: "ilo5_305.bin", Size: 2 * mib})
			o := e.mustRun(map[string]any{"path": img.Image, "update_target": true, "update_repository": keep}, false)
			if !o.changed() || o.num("sections_sent") != 1 {
				t.Errorf("changed=%v sections_sent=%d, want an upload", o.changed(), o.num("sections_sent"))
			}
			if v := e.sim.FirmwareVersion(); v != "3.05" {
				t.Errorf("iLO firmware %s after the flash, want 3.05", v)
			}
			if nv, _ := o["new_version"].(string); !modkit.SameVersion(nv, "3.05") || o["ilo_reset"] != true {
				t.Errorf("new_version %q ilo_reset %v, want the iLO's 3.05 after its reset (%s)", nv, o["ilo_reset"], o.msg())
			}
			_, _, stored := e.sim.ComponentByFilename("ilo5_305.bin")
			if stored != keep || (keep && o.component("version") != "3.05") {
				t.Errorf("in the repository: %v (returned version %q), want %v", stored, o.component("version"), keep)
			}
		})
	}
}

// TestAddFromURIError reports the iLO's Result when its download fails:
// the task monitor's final answer and Oem.Hpe.Result name the MessageId.
func TestAddFromURIError(t *testing.T) {
	files := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(files.Close)
	e := newEnv(t)
	o := e.run(map[string]any{"image_uri": files.URL + "/ilo5_399.bin"}, false)
	if !o.failed() || !strings.Contains(o.msg(), "in Error") || !strings.Contains(o.msg(), "ResourceMissingAtURI") {
		t.Errorf("got failed=%v %q, want the iLO's Error with its MessageId", o.failed(), o.msg())
	}
	if w, _ := o["warnings"].([]any); len(w) == 0 {
		t.Errorf("no warning that the size could not be read")
	}
	if _, _, ok := e.sim.ComponentByFilename("ilo5_399.bin"); ok {
		t.Errorf("a failed download left an entry")
	}
}

// TestResponseLost loses the iLO's answer to an upload it did take: the
// module must not send the file again, but read the update service, find
// its tag there and wait for it.
func TestResponseLost(t *testing.T) {
	var lost atomic.Int32
	e := newWrappedEnv(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/cgi-bin/") || lost.Add(1) > 1 {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(swallow{header: http.Header{}}, r) // the iLO takes it …
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // … and the answer never arrives
			}
		})
	})
	img := image(t, testimage.Spec{Filename: "ilo5_340.bin", Size: 5 * mib})
	o := e.mustRun(map[string]any{"path": img.Image}, false)
	if !o.changed() || o.num("sections_sent") != 1 || o.component("size_bytes") != strconv.Itoa(5*mib) {
		t.Errorf("changed=%v sections_sent=%d size=%s, want one section stored", o.changed(), o.num("sections_sent"), o.component("size_bytes"))
	}
	if n := lost.Load(); n != 1 {
		t.Errorf("%d upload POSTs, want 1 (the upload must not be sent again)", n)
	}
}

// swallow is a ResponseWriter that drops the response.
type swallow struct{ header http.Header }

func (s swallow) Header() http.Header         { return s.header }
func (s swallow) Write(b []byte) (int, error) { return len(b), nil }
func (s swallow) WriteHeader(int)             {}

// TestUploadFileChanged: a local file rewritten between two Sections stops
// the upload; the module fails with changed and outcome unknown (the iLO
// took a Section) and never reports the upload done. A file changed before
// anything was sent fails with changed false.
func TestUploadFileChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("a two-Section file")
	}
	img := image(t, testimage.Spec{Filename: "ilo5_310.bin", Size: ilo.SectionSize + mib})
	var posts atomic.Int32
	e := newWrappedEnv(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/cgi-bin/") && posts.Add(1) == 1 {
				f, err := os.OpenFile(img.Image, os.O_WRONLY|os.O_APPEND, 0)
				if err == nil {
					_, _ = f.Write([]byte("appended"))
					f.Close()
				}
			}
		})
	})
	o := e.run(map[string]any{"path": img.Image}, false)
	if !o.failed() || !o.changed() || o["outcome"] != "unknown" || !strings.Contains(o.msg(), "changed while it was being sent") {
		t.Fatalf("failed=%v changed=%v outcome=%v msg %q, want a failure with an unknown outcome", o.failed(), o.changed(), o["outcome"], o.msg())
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d POSTs, want 1: nothing is sent after the file changed", n)
	}
	if _, _, ok := e.sim.ComponentByFilename("ilo5_310.bin"); ok {
		t.Errorf("the repository lists ilo5_310.bin from a mixed upload")
	}
}

// TestUpdateTargetResetModes: with update_target, iLO firmware is waited
// for after Complete until the iLO reset and came back, or reports the new
// version without a reset; new_version is the iLO's.
func TestUpdateTargetResetModes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []ilosim.Option
		wantReset bool
	}{
		{"reset a minute after Complete", []ilosim.Option{ilosim.WithSpeed(60), ilosim.WithILOResetDelay(time.Minute), ilosim.WithDarkTime(time.Minute)}, true},
		{"no reset", []ilosim.Option{ilosim.WithSpeed(60), ilosim.WithILOReset(false)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts...)
			img := image(t, testimage.Spec{Filename: "ilo5_305.bin", Size: mib})
			o := e.mustRun(map[string]any{"path": img.Image, "update_target": true, "wait_timeout": 120}, false)
			nv, _ := o["new_version"].(string)
			if reset, _ := o["ilo_reset"].(bool); reset != tc.wantReset || !modkit.SameVersion(nv, "3.05") || e.sim.FirmwareVersion() != "3.05" {
				t.Errorf("ilo_reset %v new_version %q (iLO runs %s), want %v 3.05 (%s)", o["ilo_reset"], nv, e.sim.FirmwareVersion(), tc.wantReset, o.msg())
			}
			if n := e.sim.Counters().OpenSessions; n != 0 {
				t.Errorf("%d sessions left open", n)
			}
		})
	}
}

// TestUpdateTargetDowngrade: with update_target, a file older than what
// its device runs is refused before any write, naming allow_downgrade;
// allowed, it is flashed with a warning. Kept in the repository only
// (no update_target), the same file needs no opt-in.
func TestUpdateTargetDowngrade(t *testing.T) {
	e := newEnv(t, ilosim.WithILOResetDelay(time.Second), ilosim.WithDarkTime(time.Second))
	for _, name := range []string{"ilo5_266.bin", "A47_2.52_10_29_2021.signed.flash"} {
		img := image(t, testimage.Spec{Filename: name, Size: mib})
		e.writes()
		o := e.run(map[string]any{"path": img.Image, "update_target": true}, false)
		if !o.failed() || o.changed() || e.writes() != 0 || !strings.Contains(o.msg(), "allow_downgrade=true") {
			t.Errorf("%s: failed=%v changed=%v msg %q, want a refusal without a write naming allow_downgrade", name, o.failed(), o.changed(), o.msg())
		}
	}
	img := image(t, testimage.Spec{Filename: "ilo5_266.bin", Size: mib})
	if o := e.mustRun(map[string]any{"path": img.Image}, false); !o.changed() {
		t.Errorf("kept only: changed=%v, want it uploaded", o.changed())
	}
	o := e.mustRun(map[string]any{"path": img.Image, "update_target": true, "allow_downgrade": true, "force": true}, false)
	if !o.changed() || e.sim.FirmwareVersion() != "2.66" || !strings.Contains(fmt.Sprint(o["warnings"]), "downgrade") {
		t.Errorf("allowed: changed=%v iLO %s warnings %v (%s)", o.changed(), e.sim.FirmwareVersion(), o["warnings"], o.msg())
	}
}
