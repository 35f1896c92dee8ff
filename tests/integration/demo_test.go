//go:build integration

package integration

import (
	"path/filepath"
	"strings"
	"testing"
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
