//go:build integration

package reliability

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
}

// startModule writes the args file and starts the module binary as Ansible does; env adds
// "KEY=value" entries to the module's environment.
func startModule(t *testing.T, module string, args map[string]any, env ...string) *process {
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
	p := &process{cmd: exec.Command(suite.bin, f.Name()), label: t.Name() + " " + module, module: module}
	p.cmd.Dir = filepath.Dir(f.Name())
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8"}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", module, err)
	}
	return p
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
		_ = p.cmd.Process.Kill()
		<-done
		t.Errorf("%s: still running after %s, killed", p.label, limit)
	}
	r := result{Code: p.cmd.ProcessState.ExitCode(), Stdout: p.stdout.String(), Stderr: p.stderr.String(), Elapsed: time.Since(p.start)}
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
