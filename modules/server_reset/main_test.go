package serverreset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
)

// TestReturnDocumented: the keys of Result (but changed and diff, which
// Ansible documents itself) are exactly the RETURN keys of the doc stub.
func TestReturnDocumented(t *testing.T) {
	modtest.CheckReturnDocs(t, "../../plugins/modules/server_reset.py", Result{})
}

// TestReset: check mode reads and writes nothing; a reset is one POST to the
// system's ComputerSystem.Reset target, found from the service root; each
// profile answers with its own Systems member URI.
func TestReset(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			x := modtest.StartILO(t, ilosim.WithProfileName(profile))
			args := x.Args(map[string]any{"reset_type": "ForceRestart"})
			r := modtest.Step(t, x, Module, "check mode", args, true, true, 0)
			if !strings.HasPrefix(r.Msg(), "would send ForceRestart to ") {
				t.Errorf("check mode msg = %q", r.Msg())
			}
			r = modtest.Step(t, x, Module, "reset", args, false, true, 1)
			if got := x.Sim.Counters().Requests["POST"]; got != 2 { // the login and the reset
				t.Errorf("POST requests = %d, want 2 (login, reset)", got)
			}
			if r.Out["power_state"] != "On" || r.Out["reset_type"] != "ForceRestart" {
				t.Errorf("power_state %v reset_type %v, want On ForceRestart", r.Out["power_state"], r.Out["reset_type"])
			}
			if uri, _ := r.Out["system_uri"].(string); !strings.Contains(uri, "/Systems/") {
				t.Errorf("system_uri = %q", uri)
			}
			d, _ := r.Out["diff"].(map[string]any)
			if after, _ := d["after"].(map[string]any); after["reset_type"] != "ForceRestart" {
				t.Errorf("diff = %v", r.Out["diff"])
			}
		})
	}
}

// TestRefused: what the module refuses before any write; it leaves no
// session open.
func TestRefused(t *testing.T) {
	x := modtest.StartILO(t)
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"not a reset type", map[string]any{"reset_type": "Reboot"}, []string{"reset_type", "GracefulRestart"}},
		{"no such system", map[string]any{"system_id": "9"}, []string{"system_id=9", "Ids: 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, writes := modtest.Counted(t, x, Module, x.Args(tt.args), nil)
			if r.Code == 0 {
				t.Fatalf("exit 0, want a failure: %s", r.Raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Msg(), w) {
					t.Errorf("msg %q lacks %q", r.Msg(), w)
				}
			}
			if r.Changed() {
				t.Errorf("changed = true on a refusal")
			}
			if writes != 0 {
				t.Errorf("writes = %d, want 0", writes)
			}
		})
	}
}

// TestOnlyIfOn: only_if_on resets a server that is on.
func TestOnlyIfOn(t *testing.T) {
	x := modtest.StartILO(t)
	modtest.Step(t, x, Module, "on", x.Args(map[string]any{"only_if_on": true}), false, true, 1)
}

// TestPowerStateReached: a reset type that leads to a power state sends
// nothing when the server is in it already (a real iLO would refuse it with
// InvalidOperationForSystemState), so a rerun is unchanged and writes nothing;
// in any other state it is sent.
func TestPowerStateReached(t *testing.T) {
	x := modtest.StartILO(t)
	tests := []struct {
		resetType   string
		wantChanged bool
		wantWrites  int
		wantPower   string // the simulator's power state after the step
	}{
		{"On", false, 0, "On"},                // on already
		{"ForceOff", true, 1, "Off"},          // powers off at once
		{"ForceOff", false, 0, "Off"},         // off already
		{"GracefulShutdown", false, 0, "Off"}, // off already
		{"On", true, 1, "On"},                 // powers on
	}
	for i, tt := range tests {
		args := x.Args(map[string]any{"reset_type": tt.resetType})
		name := fmt.Sprintf("step %d %s", i+1, tt.resetType)
		modtest.Step(t, x, Module, name+" in check mode", args, true, tt.wantChanged, 0)
		r := modtest.Step(t, x, Module, name, args, false, tt.wantChanged, tt.wantWrites)
		if sent := r.Out["reset_type"]; tt.wantChanged != (sent == tt.resetType) || !tt.wantChanged && sent != "" {
			t.Errorf("%s: reset_type %q returned, want it only when sent", name, sent)
		}
		if got := x.Sim.State()["power_state"]; got != tt.wantPower {
			t.Errorf("%s: power state %v, want %s", name, got, tt.wantPower)
		}
	}
}
