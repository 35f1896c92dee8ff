//go:build integration

package reliability

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// simConfig chooses the simulator's options for one test.
type simConfig struct {
	profile     string
	sessionCap  int
	speed       float64       // clock speed (default 10: a 30 s dark reset takes 3 s)
	dark        time.Duration // simulated dark time after an iLO flash (default the simulator's)
	idle        time.Duration // session idle timeout (default the simulator's)
	mismatchSAN bool
	plainHTTP   bool
}

// tokenPoll is how often a running simulator's sessions are read for the secrets scan: a
// module's session lives for as long as the module runs.
const tokenPoll = 5 * time.Millisecond

// sim is one simulated iLO served in-process on 127.0.0.1 by internal/simharness, the
// harness tests/integration shares: counters, faults (the simulator's own Faults), clock,
// state, collections and stop come from there.
type sim struct {
	*simharness.Fleet
	baseURI string
	caPath  string
}

// startSim starts one iLO and stops it when the test ends. While it runs, a poller reads
// its state and registers every session token as a secret for the final scan.
func startSim(t *testing.T, cfg simConfig) *sim {
	t.Helper()
	if cfg.profile == "" {
		cfg.profile = "ilo5"
	}
	if cfg.speed == 0 {
		cfg.speed = 10
	}
	f := simharness.Start(t, simharness.Config{Profiles: []string{cfg.profile}, Username: testUsername, Password: testPassword,
		Speed: cfg.speed, SessionCap: cfg.sessionCap, Dark: cfg.dark, Idle: cfg.idle, MismatchSAN: cfg.mismatchSAN, PlainHTTP: cfg.plainHTTP})
	f.OnStop(f.WatchTokens(suite.secrets, tokenPoll))
	return &sim{Fleet: f, baseURI: f.BaseURI, caPath: f.CAPath}
}

// waitIdle waits until the update service is no longer busy with an upload or a flash
// (a rerun refuses to start while it is) and the iLO is not dark after a reset.
func (s *sim) waitIdle(t *testing.T) {
	t.Helper()
	s.WaitIdle(t, 60*time.Second)
}

// result is one module run: what it printed and how it ended.
type result struct {
	Code    int
	Stdout  string
	Stderr  string
	Out     map[string]any // the JSON document; nil when stdout was not one
	Failed  bool
	Msg     string
	Elapsed time.Duration
	// PeakRSSKiB is the module's own peak memory when the run was measured (startMeasured
	// with GNU time), 0 otherwise.
	PeakRSSKiB int64
}

// changed reports the result's changed flag.
func (r result) changed() bool { c, _ := r.Out["changed"].(bool); return c }

// outcome is ok, changed or failed.
func (r result) outcome() string {
	switch {
	case r.Failed:
		return "failed"
	case r.changed():
		return "changed"
	}
	return "ok"
}

// moduleArgs returns the connection arguments for s with extra merged in; nil values in
// extra remove an argument.
func (s *sim) moduleArgs(extra map[string]any) map[string]any {
	return overlay(map[string]any{"baseuri": s.baseURI, "username": testUsername, "password": testPassword, "ca_path": s.caPath}, extra)
}

// overlay sets extra's arguments in a (a nil value removes the argument) and returns a.
func overlay(a, extra map[string]any) map[string]any {
	for k, v := range extra {
		if v == nil {
			delete(a, k)
			continue
		}
		a[k] = v
	}
	return a
}

// process is a started module run.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	start          time.Time
	label          string
	module         string
	rssFile        string // GNU time's report of the module's peak memory, when measured
}

// startModule writes the args file and starts the module binary as Ansible does; env adds
// "KEY=value" entries to the module's environment.
func startModule(t *testing.T, module string, args map[string]any, env ...string) *process {
	t.Helper()
	return launch(t, module, args, false, env...)
}

// startMeasured is startModule measuring the module's own peak memory. The rusage Go's
// os/exec returns is no measure of it: the child starts as a vfork of the test process, and
// Linux carries the test process's peak RSS over exec into the child's ru_maxrss (a 300 MiB
// test binary reports 300 MiB for /bin/true). GNU time forks the module from its own small
// process and reports that child's ru_maxrss.
func startMeasured(t *testing.T, module string, args map[string]any, env ...string) *process {
	t.Helper()
	if suite.timeBin == "" {
		t.Skip("GNU time (/usr/bin/time) is not installed: the module's peak memory cannot be measured")
	}
	return launch(t, module, args, true, env...)
}

func launch(t *testing.T, module string, args map[string]any, measure bool, env ...string) *process {
	t.Helper()
	a := map[string]any{"_ansible_module_name": "fleetfw.ilo." + module}
	for k, v := range args {
		a[k] = v
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("encode args: %v", err)
	}
	f, err := os.CreateTemp(t.TempDir(), "args-")
	if err != nil {
		t.Fatalf("write args: %v", err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatalf("write args: %v", err)
	}
	f.Close()
	p := &process{label: t.Name() + " " + module, module: module}
	if measure {
		p.rssFile = f.Name() + ".rss"
	}
	p.cmd = moduleCmd(p.rssFile, f.Name())
	p.cmd.Dir = filepath.Dir(f.Name())
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8"}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", module, err)
	}
	return p
}

// memoryCap bounds a module run's address space (prlimit --as): a module that reads a device
// without end must fail alone, not take the shared machine into its OOM killer (a FIFO-less
// /dev/zero catalog once grew to 24 GB). Go reserves address space freely: 1 GiB is too tight.
const memoryCap = 4 << 30

// moduleCmd is the module binary with args, under memoryCap when prlimit is installed and,
// when rssFile is set, under GNU time writing the module's own peak memory there (in its own
// process group, so that a timeout kills time and the module alike).
func moduleCmd(rssFile string, args ...string) *exec.Cmd {
	argv := append([]string{suite.bin}, args...)
	if suite.prlimit != "" {
		argv = append([]string{suite.prlimit, "--as=" + strconv.Itoa(memoryCap), "--"}, argv...)
	}
	if rssFile != "" {
		argv = append([]string{suite.timeBin, "-f", "%M", "-o", rssFile}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if rssFile != "" {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	return cmd
}

// wait waits for the run (killing it after limit) and decodes its output. The output goes
// to the secrets log; allow lists secrets this run is meant to print.
func (p *process) wait(t *testing.T, limit time.Duration, allow ...string) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		if p.rssFile != "" {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		} else {
			_ = p.cmd.Process.Kill()
		}
		<-done
		t.Errorf("%s: still running after %s, killed", p.label, limit)
	}
	r := result{Code: p.cmd.ProcessState.ExitCode(), Stdout: p.stdout.String(), Stderr: p.stderr.String(), Elapsed: time.Since(p.start)}
	if p.rssFile != "" {
		// GNU time writes "Command exited with non-zero status N" first when it did.
		b, _ := os.ReadFile(p.rssFile)
		lines := strings.Fields(string(b))
		if len(lines) > 0 {
			r.PeakRSSKiB, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64)
		}
		if r.PeakRSSKiB == 0 {
			t.Errorf("%s: no peak memory in GNU time's report %q", p.label, b)
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &r.Out); err == nil {
		r.Failed, _ = r.Out["failed"].(bool)
		r.Msg, _ = r.Out["msg"].(string)
	}
	// The session module's purpose is to return a token: that one value may appear in
	// that run's result, nowhere else.
	if tok, ok := r.Out["auth_token"].(string); ok && p.module == "session" {
		allow = append(allow, tok)
	}
	suite.secrets.Record(p.label+" stdout", r.Stdout, allow...)
	suite.secrets.Record(p.label+" stderr", r.Stderr, allow...)
	return r
}

// run runs module once with args and returns its result.
func run(t *testing.T, module string, args map[string]any) result {
	t.Helper()
	return startModule(t, module, args).wait(t, 3*time.Minute)
}

// checkSane fails the test when a run printed Go panic text or not exactly one JSON
// document, or when its exit code disagrees with failed.
func checkSane(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine "} {
		if strings.Contains(r.Stdout, bad) || strings.Contains(r.Stderr, bad) {
			t.Errorf("output holds %q:\nstdout: %s\nstderr: %s", bad, r.Stdout, r.Stderr)
		}
	}
	if r.Out == nil {
		t.Errorf("stdout is not one JSON document (exit %d):\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
		return
	}
	if r.Failed != (r.Code != 0) {
		t.Errorf("failed=%v but exit code %d (msg %q)", r.Failed, r.Code, r.Msg)
	}
}

// short shortens s for a report cell.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}
