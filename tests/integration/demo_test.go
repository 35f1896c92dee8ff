//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestDemoPlaybook runs playbooks/demo.yml from the installed collection against a fleet of
// three iLO generations, as `make demo` does, and checks what it prints.
func TestDemoPlaybook(t *testing.T) {
	sim := startSim(t, "ilo5", "ilo6", "ilo7")
	demo := filepath.Join(suite.installed, "playbooks", "demo.yml")
	r := runPlaybook(t, sim, demo, map[string]any{"ilo_hosts": "ilos"}, map[string]string{
		"ILO_USERNAME": testUsername,
		"ILO_PASSWORD": testPassword,
	})
	r.RequireOK(t)
	for _, ilo := range sim.ILOs {
		host := "ilo" + string(rune('0'+ilo.Index))
		info := r.Task(t, "Read firmware, update service and repository", host)
		if info.Changed() {
			t.Errorf("%s: update_info reported changed", host)
		}
		if n := len(info.Get("firmware").Array()); n == 0 {
			t.Errorf("%s: no firmware returned", host)
		}
		table := r.Task(t, "Print the firmware inventory", host).Get("msg").Array()
		if len(table) < 2 || !strings.HasPrefix(table[0].String(), "COMPONENT") {
			t.Errorf("%s: firmware table = %v, want a header and one line per component", host, table)
		}
		state := r.Task(t, "Print the update service state and the repository", host).Get("msg").String()
		if !strings.Contains(state, "Update service: ") || !strings.Contains(state, "iLO Repository: ") {
			t.Errorf("%s: state lines = %s", host, state)
		}
	}
	requireNoSessions(t, sim)
}

// TestDemoThroughRunner runs the demo playbook as an AWX job template would: ansible-runner,
// a private data directory, credentials injected as ILO_USERNAME and ILO_PASSWORD.
func TestDemoThroughRunner(t *testing.T) {
	sim := startSim(t, "ilo5", "ilo6")
	demo := filepath.Join(suite.installed, "playbooks", "demo.yml")
	r := runAWX(t, sim, demo, map[string]any{"ilo_hosts": "ilos"}, map[string]string{
		"ILO_USERNAME": testUsername,
		"ILO_PASSWORD": testPassword,
	})
	r.RequireOK(t)
	for _, host := range []string{"ilo0", "ilo1"} {
		if gen := r.Task(t, "Read firmware, update service and repository", host).Get("service.generation").String(); gen == "" {
			t.Errorf("%s: no service.generation in the job event", host)
		}
	}
	requireNoSessions(t, sim)
}

// TestDemoRollout runs playbooks/demo_rollout.yml from the installed collection, as `make
// demo` does, on three iLO generations whose flashed System ROM waits for a reboot (staged
// activation and a fast clock, as scripts/demo.sh starts the simulator) against mkimage's SPP-like folder: it
// prints each server's plan, rolls out with graceful reboots and the iLO flash, prints each
// server's versions before -> after and writes the report where demo_report_dir says.
func TestDemoRollout(t *testing.T) {
	t.Parallel()
	sim := startFastSim(t, true, "ilo5", "ilo6", "ilo7")
	dir := t.TempDir()
	catalog := writeCatalog(t, filepath.Join(dir, "catalog"))
	r := runPlaybook(t, sim, filepath.Join(suite.installed, "playbooks", "demo_rollout.yml"), map[string]any{
		"ilo_hosts": "ilos", "demo_catalog": catalog, "demo_report_dir": filepath.Join(dir, "report"),
	}, nil)
	r.RequireOK(t)
	requireNoSessions(t, sim)
	// The staging play shows every server's plan at once (one task for the batch).
	plans := r.Task(t, "fleetfw.ilo.firmware_baseline : Show the plan of each iLO", "ilo0").Get("msg").Array()
	for _, ilo := range sim.ILOs {
		host := fmt.Sprintf("ilo%d", ilo.Index)
		at := slices.IndexFunc(plans, func(l gjson.Result) bool { return strings.HasPrefix(l.String(), host+": ") })
		if at < 0 || at+1 >= len(plans) || !strings.Contains(plans[at].String(), "2 file(s) to install") || !strings.HasPrefix(plans[at+1].String(), "1. System ROM") {
			t.Errorf("%s: plans = %v, want a header naming %s and the System ROM first", host, plans, host)
		}
		lines := r.Task(t, "Print each server's versions before -> after", host).Get("msg").Array()
		if len(lines) < 3 || !strings.Contains(lines[0].String(), ": done") {
			t.Fatalf("%s: versions = %v, want the server done and a line per component", host, lines)
		}
		for _, want := range []string{"System ROM (System Board): A47 v2.58 (05/19/2022) -> A47 v2.62 (01/01/2023), updated", ") -> ", "updated in "} {
			if !strings.Contains(lines[1].String()+lines[2].String(), want) {
				t.Errorf("%s: versions %v lack %q", host, lines, want)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "report", "report.html"))
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	if n := strings.Count(string(b), `data-status="done"`); n != 3 {
		t.Errorf("report shows %d servers done, want 3", n)
	}
	if got := r.Task(t, "Say where the report is", "ilo0").Msg(); !strings.HasSuffix(got, filepath.Join(dir, "report", "report.html")) {
		t.Errorf("report path message %q", got)
	}
}
