//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// runAWX runs a playbook the way AWX / Automation Platform does: through ansible-runner with
// a private data directory (project/, inventory/hosts, env/extravars, env/envvars), the
// credentials given as environment variables, and the results read from the job events
// runner writes. The inventory and extraVars are as for runPlaybook. Everything runner
// printed and every job event go to the secrets scan (not artifacts/<ident>/command and
// env/, which hold the injected credentials by design, as in AWX).
func runAWX(t *testing.T, sim *Sim, playbook string, extraVars map[string]any, envVars map[string]string) Result {
	t.Helper()
	requireSuite(t)
	if _, err := exec.LookPath("ansible-runner"); err != nil {
		t.Fatalf("ansible-runner is not installed (Debian package python3-ansible-runner; make deps): %v", err)
	}
	src, err := filepath.Abs(playbook)
	if err != nil {
		t.Fatal(err)
	}
	pdd := t.TempDir()
	project := filepath.Join(pdd, "project")
	for _, d := range []string{project, filepath.Join(pdd, "inventory"), filepath.Join(pdd, "env")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// AWX checks the project out; a copy of the playbook's directory stands in for it.
	if err := os.CopyFS(project, os.DirFS(filepath.Dir(src))); err != nil {
		t.Fatalf("copy the project: %v", err)
	}
	if extraVars == nil {
		extraVars = map[string]any{}
	}
	env := map[string]string{
		"ANSIBLE_COLLECTIONS_PATH": suite.collections,
		"ANSIBLE_NOCOLOR":          "1",
	}
	for k, v := range envVars {
		env[k] = v
	}
	files := map[string]any{"inventory/hosts": inventoryFor(sim), "env/extravars": extraVars, "env/envvars": env}
	for name, content := range files {
		var b []byte
		if s, ok := content.(string); ok {
			b = []byte(s)
		} else if b, err = json.Marshal(content); err != nil {
			t.Fatalf("encode %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(pdd, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), playbookTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ansible-runner", "run", pdd, "-p", filepath.Base(src), "--ident", "job")
	killGroupOnCancel(cmd)
	cmd.Env = cleanEnv()
	label := t.Name() + " runner " + filepath.Base(src)
	r, _, err := runRecorded(cmd, sim, label)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("run ansible-runner: %v\n%s", err, r.Stderr)
	}
	if ctx.Err() != nil {
		t.Fatalf("ansible-runner %s: killed after %s", src, playbookTimeout)
	}
	r.ParseErr = r.parseEvents(filepath.Join(pdd, "artifacts", "job", "job_events"), label)
	return r
}

// parseEvents reads runner's job events (one JSON file each, named <counter>-<uuid>.json)
// into Tasks and Stats, recording each event for the secrets scan.
func (r *Result) parseEvents(dir, label string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read job events: %w", err)
	}
	type event struct {
		counter int
		body    []byte
	}
	var events []event
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "-", 2)[0])
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("read job event: %w", err)
		}
		suite.secrets.Record(label+" event "+e.Name(), string(b))
		events = append(events, event{n, b})
	}
	slices.SortFunc(events, func(a, b event) int { return a.counter - b.counter })
	for _, e := range events {
		ev := gjson.ParseBytes(e.body)
		data := ev.Get("event_data")
		switch kind := ev.Get("event").String(); kind {
		case "runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable":
			// runner leaves "failed" out of res; the event says it.
			r.Tasks = append(r.Tasks, TaskResult{
				Play: data.Get("play").String(), Name: data.Get("task").String(), Host: data.Get("host").String(),
				Raw: json.RawMessage(data.Get("res").Raw), Status: strings.TrimPrefix(kind, "runner_on_"),
			})
		case "playbook_on_stats":
			r.Stats = map[string]HostStats{}
			for _, key := range []string{"changed", "failures", "ignored", "ok", "rescued", "skipped", "dark"} {
				data.Get(key).ForEach(func(host, n gjson.Result) bool {
					s := r.Stats[host.String()]
					switch key {
					case "changed":
						s.Changed = int(n.Int())
					case "failures":
						s.Failures = int(n.Int())
					case "ignored":
						s.Ignored = int(n.Int())
					case "ok":
						s.OK = int(n.Int())
					case "rescued":
						s.Rescued = int(n.Int())
					case "skipped":
						s.Skipped = int(n.Int())
					case "dark":
						s.Unreachable = int(n.Int())
					}
					r.Stats[host.String()] = s
					return true
				})
			}
		}
	}
	if r.Stats == nil {
		return fmt.Errorf("no playbook_on_stats event in %s (exit %d)", dir, r.ExitCode)
	}
	return nil
}
