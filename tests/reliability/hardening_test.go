//go:build integration

package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// Issue 14's local-file, argument and status classes (3, 4 and 8), each a category of cases
// run with the module binary as Ansible runs it, real files and a simulated iLO: every case
// must end with one JSON result, its msg naming the option and the problem, no secret in the
// output and no session left; a refusal "before login" must leave the iLO without a login,
// and every failure before a write must say changed: false.

// hardCase is one case of the hardening categories.
type hardCase struct {
	class  string // the class, the category in the report
	name   string
	module string
	// prepare makes the case's files (in dir) and returns the module's extra arguments.
	prepare func(t *testing.T, s *sim, dir string) map[string]any
	// run replaces the plain module run (args files, proxies, files replaced mid-upload).
	run        func(t *testing.T, s *sim, dir string, args map[string]any) result
	wantFailed bool
	// eitherOutcome: failed or not, both are right (checks decide).
	eitherOutcome bool
	want          []string // all of them, case-insensitive, in msg
	// noLogin: the case must fail before any login (so before any write).
	noLogin bool
	// writes: the writes the simulator may count, -1 for any.
	writes int
	// changed: the changed flag the result must carry, when not nil.
	changed *bool
	// maxSeconds bounds the run, when not 0 (a FIFO must not hang the module).
	maxSeconds float64
	// check makes the case's own assertions.
	check func(t *testing.T, s *sim, r result)
}

var (
	yes = boolp(true)
	no  = boolp(false)
)

const (
	sectionBytes = 32 << 20 // uploadFile takes one 32 MiB Section per POST
	bigROM       = "U46_2.90_01_01_2025.signed.flash"
)

func fifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sizedFile writes a regular file of n bytes.
func sizedFile(t *testing.T, path string, n int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(n); err != nil {
		t.Fatal(err)
	}
	return path
}

// mkimage writes an image of size (mkimage units, "40MiB") into dir and returns its path.
func mkimage(t *testing.T, dir, name, size string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := command(ctx, suite.root, suite.mkimage, "-o", dir, "-name", name, "-size", size); err != nil {
		t.Fatalf("mkimage: %v", err)
	}
	return filepath.Join(dir, name)
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fwrepo reads a component's bytes back from the iLO's repository (nil when it holds none).
func fwrepo(t *testing.T, s *sim, name string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.baseURI+"/fwrepo/"+name, nil)
	req.SetBasicAuth(testUsername, testPassword)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /fwrepo/%s: %v", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

// runArgsFile runs the module binary with path as its arguments file, as Ansible would.
func runArgsFile(t *testing.T, path string) result {
	t.Helper()
	p := &process{cmd: moduleCmd("", path), label: t.Name() + " args file", module: "?"}
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8"}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	return p.wait(t, 30*time.Second)
}

// uploadChanging uploads a 40 MiB image with component through a proxy that calls change
// once the iLO has answered the first Section, before the module may send the second.
func uploadChanging(change func(t *testing.T, path string)) func(t *testing.T, s *sim, dir string, args map[string]any) result {
	return func(t *testing.T, s *sim, dir string, args map[string]any) result {
		p := newProxy(t, s)
		path := args["path"].(string)
		p.afterUpload = func(n int) {
			if n == 1 {
				change(t, path)
			}
		}
		return startModule(t, "component", p.args(args)).wait(t, 3*time.Minute)
	}
}

// checkNoMix: the repository holds the file as it was or as it became, never a mix; a run
// that reports success must have uploaded the file as it was when the run began.
func checkNoMix(before []byte, after func(t *testing.T) []byte) func(t *testing.T, s *sim, r result) {
	return func(t *testing.T, s *sim, r result) {
		s.waitIdle(t)
		stored := fwrepo(t, s, bigROM)
		now := after(t)
		switch {
		case stored == nil && !r.Failed:
			t.Errorf("success reported, but the repository holds no %s", bigROM)
		case stored == nil:
		case sha(stored) == sha(before):
		case sha(stored) == sha(now) && r.Failed:
		default:
			t.Errorf("the repository holds %d bytes of %s that are neither the file as it was (%d bytes) nor as it became (%d bytes), failed=%v: %q",
				len(stored), bigROM, len(before), len(now), r.Failed, short(r.Msg))
		}
		if !r.Failed && (stored == nil || sha(stored) != sha(before)) {
			t.Errorf("the run reports success for content that is not the file it started with")
		}
	}
}

// withoutPaths is msg with dirs and every absolute path among args' values replaced by
// <path>: a wanted word ("FIFO", "compsig") must be said by the module, not found in a file
// name or in the test's temporary directory (which carries the test's name).
func withoutPaths(msg string, args map[string]any, dirs ...string) string {
	var paths []string
	for _, v := range args {
		if p, ok := v.(string); ok && strings.HasPrefix(p, "/") {
			paths = append(paths, p)
		}
	}
	paths = append(paths, dirs...)
	slices.SortFunc(paths, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, p := range paths {
		msg = strings.ReplaceAll(msg, p, "<path>")
	}
	return msg
}

// saysUnknown: a return value other than msg says the outcome is unknown (its key or value).
func saysUnknown(t *testing.T, _ *sim, r result) {
	t.Helper()
	for k, v := range r.Out {
		if k != "msg" && (strings.Contains(strings.ToLower(k), "unknown") || strings.Contains(strings.ToLower(fmt.Sprint(v)), "unknown")) {
			return
		}
	}
	t.Errorf("no return value says the outcome is unknown: %s", short(r.Stdout))
}

func hardCases() []hardCase {
	connOnly := func(extra map[string]any) func(*testing.T, *sim, string) map[string]any {
		return func(*testing.T, *sim, string) map[string]any { return extra }
	}
	rom := func(t *testing.T, _ *sim, dir string) map[string]any {
		return map[string]any{"path": mkimage(t, dir, bigROM, "40MiB")}
	}
	// A replace case's closures share before and path with no other case.
	replaceCase := func(name string, change func(t *testing.T, path string), want []string, mustFail bool) hardCase {
		// Renamed over: streaming the Sections from the descriptor opened first uploads the
		// old file whole (success is right), a check of the path fails the run (right too).
		var before []byte
		var path string
		return hardCase{class: "3 local files", name: name, module: "component", writes: -1,
			prepare: func(t *testing.T, s *sim, dir string) map[string]any {
				a := rom(t, s, dir)
				path = a["path"].(string)
				before = readAll(t, path)
				return a
			},
			run: uploadChanging(change), wantFailed: mustFail, eitherOutcome: !mustFail, want: want,
			check: func(t *testing.T, s *sim, r result) {
				checkNoMix(before, func(t *testing.T) []byte { return readAll(t, path) })(t, s, r)
			}}
	}
	mw := func(name string) map[string]any {
		return map[string]any{"name": name, "start_after": "+1d", "expire": "+2d"}
	}
	return []hardCase{
		// Class 3: local files.
		{class: "3 local files", name: "component path a FIFO refused before login", module: "component", noLogin: true, wantFailed: true,
			want: []string{"path", "FIFO"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"path": fifo(t, filepath.Join(dir, "cp045678.exe"))}
			}},
		{class: "3 local files", name: "component path a directory refused before login", module: "component", noLogin: true, wantFailed: true,
			want: []string{"path", "directory"},
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				d := filepath.Join(dir, "cp045678.exe")
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
				return map[string]any{"path": d}
			}},
		{class: "3 local files", name: "component path /dev/zero refused before login", module: "component", noLogin: true, wantFailed: true,
			want: []string{"path", "device"}, maxSeconds: 15, prepare: connOnly(map[string]any{"path": "/dev/zero"})},
		{class: "3 local files", name: "compsig a FIFO refused before login", module: "component", noLogin: true, wantFailed: true,
			want: []string{"compsig", "FIFO"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"path": image("cp045678.exe"), "compsig": fifo(t, filepath.Join(dir, "cp045678.compsig"))}
			}},
		{class: "3 local files", name: "firmware_update path a FIFO refused before login", module: "firmware_update", noLogin: true, wantFailed: true,
			want: []string{"path", "FIFO"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"path": fifo(t, filepath.Join(dir, "ilo5_305.bin"))}
			}},
		{class: "3 local files", name: "ca_path a directory refused before login", module: "update_info", noLogin: true, wantFailed: true,
			want:    []string{"ca_path", "directory"},
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any { return map[string]any{"ca_path": dir} }},
		{class: "3 local files", name: "ca_path of 2 MiB refused before login (cap)", module: "update_info", noLogin: true, wantFailed: true,
			want: []string{"ca_path", "1048576"},
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"ca_path": sizedFile(t, filepath.Join(dir, "ca.pem"), 2<<20)}
			}},
		{class: "3 local files", name: "compsig of 64 MiB refused before login (cap)", module: "component", noLogin: true, wantFailed: true,
			want: []string{"compsig"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"path": image("cp045678.exe"), "compsig": sizedFile(t, filepath.Join(dir, "cp045678.compsig"), 64<<20)}
			}},
		{class: "3 local files", name: "firmware_plan catalog a FIFO refused before login", module: "firmware_plan", noLogin: true, wantFailed: true,
			want: []string{"catalog", "FIFO"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"catalog": fifo(t, filepath.Join(dir, "fwrepo.json"))}
			}},
		{class: "3 local files", name: "firmware_plan catalog /dev/zero refused before login", module: "firmware_plan", noLogin: true, wantFailed: true,
			want: []string{"catalog", "device"}, maxSeconds: 15, prepare: connOnly(map[string]any{"catalog": "/dev/zero"})},
		{class: "3 local files", name: "firmware_plan catalog of 1 GiB refused before login (cap)", module: "firmware_plan", noLogin: true, wantFailed: true,
			want: []string{"catalog"}, maxSeconds: 15,
			prepare: func(t *testing.T, _ *sim, dir string) map[string]any {
				return map[string]any{"catalog": sizedFile(t, filepath.Join(dir, "fwrepo.json"), 1<<30)}
			}},
		replaceCase("file renamed over between two Sections: no mix", func(t *testing.T, path string) {
			other := mkimage(t, t.TempDir(), bigROM, "41MiB")
			if err := os.Rename(other, path); err != nil {
				t.Errorf("replace: %v", err)
			}
		}, nil, false),
		replaceCase("file rewritten in place between two Sections: fails, says so", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Errorf("rewrite: %v", err)
				return
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 4096), sectionBytes+4096); err != nil {
				t.Errorf("rewrite: %v", err)
			}
			later := time.Now().Add(2 * time.Second) // a later write, even on a coarse clock
			_ = os.Chtimes(path, later, later)
		}, []string{"changed"}, true),
		replaceCase("file truncated between two Sections: fails, says so", func(t *testing.T, path string) {
			if err := os.Truncate(path, sectionBytes+1024); err != nil {
				t.Errorf("truncate: %v", err)
			}
		}, []string{"changed"}, true),

		// Class 4: arguments.
		{class: "4 arguments", name: "wait_timeout 9223372037 refused (overflow)", module: "component", noLogin: true, wantFailed: true,
			want: []string{"wait_timeout"}, prepare: connOnly(map[string]any{"path": image("cp045678.exe"), "wait_timeout": 9223372037})},
		{class: "4 arguments", name: "wait_timeout 2^63-1 refused (overflow)", module: "firmware_update", noLogin: true, wantFailed: true,
			want: []string{"wait_timeout"}, prepare: connOnly(map[string]any{"path": image("ilo5_305.bin"), "wait_timeout": int64(9223372036854775807)})},
		{class: "4 arguments", name: "baseuri with user info refused, password not echoed (component)", module: "component", noLogin: true, wantFailed: true,
			want: []string{"baseuri", "user info"},
			prepare: func(_ *testing.T, s *sim, _ string) map[string]any {
				return map[string]any{"path": image("cp045678.exe"),
					"baseuri": strings.Replace(s.baseURI, "https://", "https://"+testUsername+":"+testPassword+"@", 1)}
			}},
		{class: "4 arguments", name: "baseuri with a URL-encoded password refused, not echoed", module: "maintenance_window", noLogin: true, wantFailed: true,
			want: []string{"baseuri", "user info"},
			prepare: func(_ *testing.T, s *sim, _ string) map[string]any {
				a := mw("rel-userinfo")
				a["baseuri"] = strings.Replace(s.baseURI, "https://", "https://admin:"+strings.ReplaceAll(testPassword, "-", "%2D")+"@", 1)
				return a
			}},
		{class: "4 arguments", name: "CR/LF in a window name refused before any write", module: "maintenance_window", noLogin: true, wantFailed: true,
			want: []string{"name", "control"}, prepare: connOnly(mw("rel\r\nwindow")),
			check: func(t *testing.T, s *sim, _ result) {
				if names := s.Members(t, "/redfish/v1/UpdateService/MaintenanceWindows"); len(names) != 0 {
					t.Errorf("the iLO holds windows %q", names)
				}
			}},
		{class: "4 arguments", name: "tab in a task name refused before any write", module: "update_task", noLogin: true, wantFailed: true,
			want:    []string{"name", "control"},
			prepare: connOnly(map[string]any{"name": "rel\ttask", "command": "Wait", "wait_time_seconds": 10, "start_after": "+1d"})},
		{class: "4 arguments", name: "NUL in an install set name refused before any write", module: "install_set", noLogin: true, wantFailed: true,
			want:    []string{"name", "control"},
			prepare: connOnly(map[string]any{"name": "rel\x00set", "sequence": []map[string]any{{"name": "pause", "command": "Wait", "wait_time_seconds": 5}}})},
		{class: "4 arguments", name: "LF in a window description refused before any write", module: "maintenance_window", noLogin: true, wantFailed: true,
			want: []string{"description", "control"},
			prepare: func(*testing.T, *sim, string) map[string]any {
				a := mw("rel-desc")
				a["description"] = "line one\nline two"
				return a
			}},
		{class: "4 arguments", name: "64 two-byte characters are within the 64-character limit (check mode)", module: "maintenance_window",
			changed: yes, prepare: connOnly(merge(mw(strings.Repeat("é", 64)), map[string]any{"_ansible_check_mode": true}))},
		{class: "4 arguments", name: "65 two-byte characters refused, counted in characters", module: "maintenance_window", noLogin: true, wantFailed: true,
			want: []string{"name", "65 characters", "64"}, prepare: connOnly(mw(strings.Repeat("é", 65)))},
		{class: "4 arguments", name: "arguments file /dev/zero refused", wantFailed: true, maxSeconds: 15, want: []string{"arguments file", "device"},
			run: func(t *testing.T, _ *sim, _ string, _ map[string]any) result { return runArgsFile(t, "/dev/zero") }},
		{class: "4 arguments", name: "arguments file a FIFO refused, no hang", wantFailed: true, maxSeconds: 15, want: []string{"arguments file", "FIFO"},
			run: func(t *testing.T, _ *sim, dir string, _ map[string]any) result {
				return runArgsFile(t, fifo(t, filepath.Join(dir, "args")))
			}},
		{class: "4 arguments", name: "arguments file of 17 MiB refused (cap)", wantFailed: true, maxSeconds: 15, want: []string{"arguments file", "16777216"},
			run: func(t *testing.T, _ *sim, dir string, _ map[string]any) result {
				return runArgsFile(t, sizedFile(t, filepath.Join(dir, "args"), 17<<20))
			}},

		// Class 8: status.
		{class: "8 status", name: "repository full: refused before the upload, changed false", module: "component", wantFailed: true,
			want: []string{"repository"}, writes: 0, changed: no,
			prepare: func(t *testing.T, s *sim, _ string) map[string]any {
				s.SetFaults(t, simharness.Faults{RepositoryFull: yes})
				return map[string]any{"path": image("cp045678.exe")}
			}},
		{class: "8 status", name: "write answered 503 (not done): failed, changed false", module: "maintenance_window", wantFailed: true,
			writes: -1, changed: no, want: []string{"503"},
			run: func(t *testing.T, s *sim, _ string, _ map[string]any) result {
				p := newProxy(t, s)
				p.loseWriteReply = true // the iLO did write it; the module is told 503, which means not done
				return startModule(t, "maintenance_window", p.args(mw("rel-503"))).wait(t, 3*time.Minute)
			}},
		{class: "8 status", name: "wait_timeout runs out on an accepted flash: outcome unknown", module: "firmware_update", wantFailed: true,
			writes: -1, changed: yes, want: []string{"unknown"}, check: saysUnknown,
			prepare: connOnly(map[string]any{"path": image("ilo5_305.bin"), "wait_timeout": 1})},
		{class: "8 status", name: "wrong password: changed false", module: "maintenance_window", wantFailed: true, writes: 0, changed: no,
			want: []string{"log in"}, prepare: connOnly(merge(mw("rel-pw"), map[string]any{"password": "Wrong-pw-0123456"}))},
		{class: "8 status", name: "write refused by the iLO (window limit): changed false", module: "maintenance_window", wantFailed: true,
			writes: 0, changed: no, want: []string{"8"},
			prepare: func(t *testing.T, s *sim, _ string) map[string]any {
				for n := range 8 {
					if r := run(t, "maintenance_window", s.moduleArgs(mw(fmt.Sprintf("fill-%d", n)))); r.Failed {
						t.Fatalf("fill window %d: %s", n, r.Msg)
					}
				}
				s.ResetCounters(t)
				return mw("rel-ninth")
			}},
		{class: "8 status", name: "flash ends in Error: failed; changed true when the repository took the image", module: "firmware_update", wantFailed: true,
			writes: -1, want: []string{"UpdateFailed"},
			prepare: func(t *testing.T, s *sim, _ string) map[string]any {
				f := simharness.FlashErrorFault("*")
				s.SetFaults(t, simharness.Faults{FlashError: &f})
				return map[string]any{"path": image("ilo5_305.bin")}
			},
			check: func(t *testing.T, s *sim, r result) {
				if stored := fwrepo(t, s, "ilo5_305.bin"); stored != nil && !r.changed() {
					t.Errorf("the repository took ilo5_305.bin (a write that took effect), but changed=false")
				}
			}},
		{class: "8 status", name: "connection closed after the write: outcome unknown, said in msg and a return value", module: "maintenance_window", wantFailed: true,
			writes: -1, changed: yes, want: []string{"unknown"},
			run: func(t *testing.T, s *sim, _ string, args map[string]any) result {
				p := newProxy(t, s)
				p.dropWriteReply = true
				return startModule(t, "maintenance_window", p.args(mw("rel-lost"))).wait(t, 3*time.Minute)
			},
			check: saysUnknown},
		{class: "8 status", name: "connection closed after the upload: verified in the repository, or outcome unknown", module: "component", eitherOutcome: true,
			writes: -1, changed: yes,
			run: func(t *testing.T, s *sim, _ string, args map[string]any) result {
				p := newProxy(t, s)
				p.dropWriteReply = true
				return startModule(t, "component", p.args(map[string]any{"path": image("cp045678.exe")})).wait(t, 3*time.Minute)
			},
			check: func(t *testing.T, s *sim, r result) {
				if r.Failed { // it could not find out: it must say so
					if !mentions(r.Msg, "unknown") {
						t.Errorf("failed without saying the outcome is unknown: %q", short(r.Msg))
					}
					saysUnknown(t, s, r)
					return
				}
				s.waitIdle(t) // success: the iLO must hold what the module says it uploaded
				if n := count(s.Members(t, "/redfish/v1/UpdateService/ComponentRepository"), "cp045678.exe"); n != 1 {
					t.Errorf("success reported, the repository holds cp045678.exe %d times", n)
				}
			}},
	}
}

// TestHardening runs issue 14's local-file, argument and status categories.
func TestHardening(t *testing.T) {
	for _, hc := range hardCases() {
		t.Run(strings.ReplaceAll(hc.class, " ", "_")+"/"+hc.name, func(t *testing.T) {
			t.Parallel()
			module := hc.module
			if module == "" {
				module = "(arguments file)"
			}
			c := &caseResult{Section: "hardening", Module: module, Class: hc.class, Case: hc.name}
			suite.report.add(t, c)
			s := startSim(t, simConfig{})
			dir := t.TempDir()
			var extra map[string]any
			if hc.prepare != nil {
				extra = hc.prepare(t, s, dir)
			}
			s.ResetCounters(t)
			var r result
			if hc.run != nil {
				r = hc.run(t, s, dir, extra)
			} else {
				limit := 3 * time.Minute
				if hc.maxSeconds != 0 {
					limit = time.Duration(hc.maxSeconds)*time.Second + 15*time.Second // a hang fails fast
				}
				r = startModule(t, hc.module, s.moduleArgs(extra)).wait(t, limit)
			}
			cn := s.Counters(t)
			c.Outcome, c.Writes, c.Logins, c.Seconds, c.Detail = r.outcome(), cn.Writes, cn.Logins, r.Elapsed.Seconds(), short(r.Msg)
			checkSane(t, r)
			if r.Failed != hc.wantFailed && !hc.eitherOutcome {
				t.Errorf("failed=%v, want %v (msg %q)", r.Failed, hc.wantFailed, short(r.Msg))
			}
			said := withoutPaths(r.Msg, extra, dir)
			for _, w := range hc.want {
				if !mentions(said, w) {
					t.Errorf("msg does not say %q (paths aside): %q", w, short(said))
				}
			}
			if strings.Contains(r.Stdout+r.Stderr, testPassword) || strings.Contains(r.Stdout+r.Stderr, strings.ReplaceAll(testPassword, "-", "%2D")) {
				t.Errorf("the password is in the output")
			}
			if hc.noLogin && cn.Logins != 0 {
				t.Errorf("%d logins, want none (refused before login)", cn.Logins)
			}
			if hc.noLogin || hc.writes == 0 {
				if cn.Writes != 0 {
					t.Errorf("%d writes, want none", cn.Writes)
				}
			}
			changed := hc.changed
			if changed == nil && hc.wantFailed && (hc.noLogin || hc.writes == 0) {
				changed = no // a failure before any write
			}
			if changed != nil && r.Out != nil && r.changed() != *changed {
				t.Errorf("changed=%v, want %v (msg %q)", r.changed(), *changed, short(r.Msg))
			}
			if hc.maxSeconds != 0 && c.Seconds > hc.maxSeconds {
				t.Errorf("ended after %.1f s, want within %.0f s", c.Seconds, hc.maxSeconds)
			}
			if hc.check != nil {
				hc.check(t, s, r)
			}
			deadline := time.Now().Add(5 * time.Second)
			for s.Counters(t).OpenSessions > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if c.SessionsLeft = s.Counters(t).OpenSessions; c.SessionsLeft != 0 {
				t.Errorf("%d sessions left open", c.SessionsLeft)
			}
		})
	}
}
