//go:build integration

package reliability

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// collection lays out a minimal fleetfw.ilo collection whose modules are the binary under
// test (what `make build` links), and returns its collections path.
func collection(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Skip("ansible-playbook is not installed (make deps)")
	}
	dir := t.TempDir()
	mods := filepath.Join(dir, "ansible_collections", "fleetfw", "ilo", "plugins", "modules")
	if err := os.MkdirAll(mods, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios() {
		if err := os.Symlink(suite.bin, filepath.Join(mods, sc.module)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// playTask is one task's result as the ansible.posix.json callback prints it.
type playTask struct {
	Name   string
	Result map[string]any
}

// playbook runs a playbook with ansible-playbook and returns the result of each task.
func playbook(t *testing.T, colls, play string) []playTask {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "play.yml")
	if err := os.WriteFile(path, []byte(play), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ansible-playbook", "-i", "localhost,", "-c", "local", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_COLLECTIONS_PATH="+colls, "ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_PYTHON_INTERPRETER=auto_silent")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // failed tasks make it exit 2; the JSON says which
	suite.secrets.Record(t.Name()+" ansible-playbook stdout", stdout.String())
	suite.secrets.Record(t.Name()+" ansible-playbook stderr", stderr.String())
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Task  struct{ Name string }
				Hosts map[string]map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil {
		t.Fatalf("ansible-playbook output is not the json callback's: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var out []playTask
	for _, p := range doc.Plays {
		for _, tk := range p.Tasks {
			out = append(out, playTask{Name: tk.Task.Name, Result: tk.Hosts["localhost"]})
		}
	}
	return out
}

// TestPlaybooks runs a representative subset of both matrices through real ansible-playbook.
func TestPlaybooks(t *testing.T) {
	colls := collection(t)
	conn := func(s *sim, baseuri, ca string) string {
		return "      baseuri: " + baseuri + "\n      username: " + testUsername + "\n      password: " + testPassword +
			"\n      ca_path: " + ca + "\n"
	}
	t.Run("503 burst, lost write reply, bad input", func(t *testing.T) {
		c := &caseResult{Section: "playbook", Module: "update_info, maintenance_window", Case: "503 burst; lost write reply; name over 64"}
		suite.report.add(t, c)
		s := startSim(t, simConfig{})
		p := newProxy(t, s)
		p.loseWriteReply = true
		s.SetFaults(t, simharness.Faults{Status503: 3})
		play := `- hosts: localhost
  gather_facts: false
  tasks:
  - name: read through a 503 burst
    fleetfw.ilo.update_info:
` + conn(s, s.baseURI, s.caPath) + `      gather_subset: [service, firmware]
  - name: create a window whose reply is lost
    fleetfw.ilo.maintenance_window:
` + conn(s, p.baseURI, p.caPath) + `      name: rel-playbook
      start_after: +1d
      expire: +2d
    ignore_errors: true
  - name: create it again
    fleetfw.ilo.maintenance_window:
` + conn(s, s.baseURI, s.caPath) + `      name: rel-playbook
      start_after: +1d
      expire: +2d
  - name: name over 64
    fleetfw.ilo.maintenance_window:
` + conn(s, s.baseURI, s.caPath) + `      name: ` + strings.Repeat("n", 65) + `
      start_after: +1d
    ignore_errors: true
`
		tasks := playbook(t, colls, play)
		if len(tasks) != 4 {
			t.Fatalf("%d task results, want 4: %+v", len(tasks), tasks)
		}
		failed := func(k int) bool { f, _ := tasks[k].Result["failed"].(bool); return f }
		msg := func(k int) string { m, _ := tasks[k].Result["msg"].(string); return m }
		if failed(0) {
			t.Errorf("update_info failed through a 503 burst: %s", msg(0))
		}
		if failed(2) {
			t.Errorf("rerun after a lost reply failed: %s", msg(2))
		}
		if !failed(3) || !mentions(msg(3), "64") {
			t.Errorf("name over 64: failed=%v msg %q", failed(3), msg(3))
		}
		if n := count(s.Members(t, "/redfish/v1/UpdateService/MaintenanceWindows"), "rel-playbook"); n != 1 {
			t.Errorf("%d windows named rel-playbook, want 1", n)
		}
		cn := s.Counters(t)
		c.Outcome, c.Posts, c.Writes, c.SessionsLeft = "ok", cn.Requests["POST"], cn.Writes, cn.OpenSessions
		c.Detail = "lost reply: " + short(msg(1)) + "; over 64: " + short(msg(3))
		finish(t, s, scenario{module: "update_info"}, result{})
	})
}
