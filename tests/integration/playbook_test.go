//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// playbookTimeout bounds one ansible-playbook run.
const playbookTimeout = 5 * time.Minute

// Result is one ansible-playbook run, parsed from the ansible.posix.json callback.
type Result struct {
	ExitCode int
	Stdout   string // the JSON document (kept for the secrets scan and for failure messages)
	Stderr   string
	Tasks    []TaskResult // one per task and host, in the order they ran
	Stats    map[string]HostStats
	ParseErr error // set when stdout was not the callback's JSON
}

// TaskResult is what one task returned for one host.
type TaskResult struct {
	Play   string
	Name   string
	Host   string
	Raw    json.RawMessage // the host's result as the callback printed it
	Status string          // from ansible-runner events: ok, failed, skipped or unreachable; empty otherwise
}

// HostStats is the play recap of one host.
type HostStats struct {
	Changed     int `json:"changed"`
	Failures    int `json:"failures"`
	Ignored     int `json:"ignored"`
	OK          int `json:"ok"`
	Rescued     int `json:"rescued"`
	Skipped     int `json:"skipped"`
	Unreachable int `json:"unreachable"`
}

// runPlaybook runs ansible-playbook with the installed collection. playbook is relative to
// tests/integration (targets/<module>/x.yml) or absolute. The inventory holds localhost and,
// when sim is not nil, a group "ilos" with one host per simulated iLO; every host gets
// ilo_baseuri, ilo_ca_path, ilo_username, ilo_password and ilo_profile (localhost: the first
// iLO's). extraVars are passed with -e @file, env is added to the environment (ANSIBLE_* and
// ILO_* from the caller's environment are dropped first), args are extra ansible-playbook
// arguments such as --check or --diff. stdout and stderr go to the secrets scan.
func runPlaybook(t *testing.T, sim *Sim, playbook string, extraVars map[string]any, env map[string]string, args ...string) Result {
	t.Helper()
	requireSuite(t)
	if !filepath.IsAbs(playbook) {
		abs, err := filepath.Abs(playbook)
		if err != nil {
			t.Fatalf("playbook %s: %v", playbook, err)
		}
		playbook = abs
	}
	dir := t.TempDir()
	inventory := filepath.Join(dir, "inventory.ini")
	if err := os.WriteFile(inventory, []byte(inventoryFor(sim)), 0o600); err != nil {
		t.Fatalf("write inventory: %v", err)
	}
	vars := filepath.Join(dir, "extra_vars.json")
	if extraVars == nil {
		extraVars = map[string]any{}
	}
	b, err := json.Marshal(extraVars)
	if err != nil {
		t.Fatalf("encode extra vars: %v", err)
	}
	if err := os.WriteFile(vars, b, 0o600); err != nil {
		t.Fatalf("write extra vars: %v", err)
	}
	cfg := filepath.Join(dir, "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatalf("write ansible.cfg: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), playbookTimeout)
	defer cancel()
	argv := append([]string{"-i", inventory, "-e", "@" + vars}, args...)
	argv = append(argv, playbook)
	cmd := exec.CommandContext(ctx, "ansible-playbook", argv...)
	killGroupOnCancel(cmd)
	cmd.Dir = dir
	cmd.Env = playbookEnv(dir, env)
	label := t.Name() + " " + filepath.Base(playbook)
	r, wall, err := runRecorded(cmd, sim, label)
	if cmd.ProcessState != nil {
		t.Logf("ansible-playbook %s: exit %d, %.1f s, %.1f s CPU", filepath.Base(playbook), cmd.ProcessState.ExitCode(),
			wall.Seconds(), (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds())
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("run ansible-playbook %s: %v\n%s", playbook, err, r.Stderr)
	}
	if ctx.Err() != nil {
		t.Fatalf("ansible-playbook %s: killed after %s\nstderr:\n%s", playbook, playbookTimeout, r.Stderr)
	}
	r.ParseErr = r.parse()
	return r
}

// runRecorded runs cmd while learning the simulator's session tokens, and records its time
// and CPU under label and both of its outputs for the secrets scan.
func runRecorded(cmd *exec.Cmd, sim *Sim, label string) (Result, time.Duration, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	stopWatch := watchTokens(sim)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	stopWatch()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	suite.runs.add(label, wall, cmd.ProcessState)
	suite.secrets.Record(label+" stdout", r.Stdout)
	suite.secrets.Record(label+" stderr", r.Stderr)
	return r, wall, err
}

// inventoryFor writes localhost and the simulated iLOs as an INI inventory.
func inventoryFor(sim *Sim) string {
	var b strings.Builder
	hostVars := func(ilo *ILO) string {
		return fmt.Sprintf(" ilo_baseuri=%s ilo_profile=%s", ilo.BaseURI, ilo.Profile)
	}
	b.WriteString("localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3")
	if sim != nil {
		b.WriteString(hostVars(sim.ILO))
	}
	b.WriteString("\n\n[ilos]\n")
	if sim != nil {
		for _, ilo := range sim.ILOs {
			fmt.Fprintf(&b, "ilo%d ansible_connection=local ansible_python_interpreter=/usr/bin/python3%s\n", ilo.Index, hostVars(ilo))
		}
	}
	b.WriteString("\n[all:vars]\n")
	fmt.Fprintf(&b, "ilo_username=%s\nilo_password=%s\n", testUsername, testPassword)
	if sim != nil {
		fmt.Fprintf(&b, "ilo_ca_path=%s\n", sim.CAPath)
	}
	return b.String()
}

// playbookEnv is the caller's environment without Ansible and iLO settings, plus what the
// harness needs, plus env.
func playbookEnv(dir string, env map[string]string) []string {
	out := append(cleanEnv(),
		"ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"),
		"ANSIBLE_COLLECTIONS_PATH="+suite.collections,
		"ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "local-tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "remote-tmp"),
		"ANSIBLE_DEPRECATION_WARNINGS=0",
	)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// cleanEnv is the caller's environment without Ansible and iLO settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANSIBLE_") && !strings.HasPrefix(kv, "ILO_") {
			out = append(out, kv)
		}
	}
	return out
}

// parse reads the callback's JSON document into Tasks and Stats.
func (r *Result) parse() error {
	doc := strings.TrimSpace(r.Stdout)
	if doc == "" || !gjson.Valid(doc) {
		return fmt.Errorf("stdout is not the ansible.posix.json document (exit %d)", r.ExitCode)
	}
	for _, play := range gjson.Get(doc, "plays").Array() {
		playName := play.Get("play.name").String()
		for _, task := range play.Get("tasks").Array() {
			name := task.Get("task.name").String()
			task.Get("hosts").ForEach(func(host, res gjson.Result) bool {
				r.Tasks = append(r.Tasks, TaskResult{Play: playName, Name: name, Host: host.String(), Raw: json.RawMessage(res.Raw)})
				return true
			})
		}
	}
	stats := gjson.Get(doc, "stats")
	if stats.Exists() {
		if err := json.Unmarshal([]byte(stats.Raw), &r.Stats); err != nil {
			return fmt.Errorf("decode stats: %w", err)
		}
	}
	return nil
}

// RequireOK fails the test unless the run exited 0 with no host failed or unreachable
// (failures under ignore_errors count as "ignored" in the recap and are allowed).
func (r Result) RequireOK(t *testing.T) {
	t.Helper()
	if r.ParseErr != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", r.ParseErr, r.Stdout, r.Stderr)
	}
	bad := r.ExitCode != 0
	for _, s := range r.Stats {
		bad = bad || s.Failures > 0 || s.Unreachable > 0
	}
	if !bad {
		return
	}
	var failed []string
	for i, tr := range r.Tasks {
		if !tr.Failed() && !tr.Get("unreachable").Bool() && tr.Status != "unreachable" {
			continue
		}
		failed = append(failed, fmt.Sprintf("task %q on %s: %s", tr.Name, tr.Host, tr.Msg()))
		if i > 0 {
			// An assert usually fails on what the task before it registered.
			prev := r.Tasks[i-1]
			failed = append(failed, fmt.Sprintf("  the task before it, %q, returned: %s", prev.Name, truncate(string(prev.Raw), 4096)))
		}
	}
	t.Fatalf("ansible-playbook exited %d; failed tasks (ignored ones included):\n  %s\nstderr:\n%s",
		r.ExitCode, strings.Join(failed, "\n  "), r.Stderr)
}

// truncate shortens s to at most n bytes for a failure message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d more bytes)", len(s)-n)
}

// Task returns the result of the task named name on host (the first host when host is
// empty), failing the test when there is none.
func (r Result) Task(t *testing.T, name, host string) TaskResult {
	t.Helper()
	if r.ParseErr != nil {
		t.Fatalf("task %q: %v\nstderr:\n%s", name, r.ParseErr, r.Stderr)
	}
	for _, tr := range r.Tasks {
		if tr.Name == name && (host == "" || tr.Host == host) {
			return tr
		}
	}
	var names []string
	for _, tr := range r.Tasks {
		names = append(names, tr.Name+"@"+tr.Host)
	}
	t.Fatalf("no result for task %q on %q; tasks run: %s", name, host, strings.Join(names, ", "))
	return TaskResult{}
}

// Get reads a value from the result by gjson path, e.g. "firmware.#.name".
func (tr TaskResult) Get(path string) gjson.Result { return gjson.GetBytes(tr.Raw, path) }

// Failed reports whether the task failed (ignored or not).
func (tr TaskResult) Failed() bool { return tr.Status == "failed" || tr.Get("failed").Bool() }

// Changed reports the task's changed flag.
func (tr TaskResult) Changed() bool { return tr.Get("changed").Bool() }

// Msg is the task's msg.
func (tr TaskResult) Msg() string { return tr.Get("msg").String() }
