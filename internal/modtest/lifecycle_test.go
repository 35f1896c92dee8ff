package modtest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
	"github.com/fleetfw/ilo/modules/component"
	firmwareplan "github.com/fleetfw/ilo/modules/firmware_plan"
	firmwarerollout "github.com/fleetfw/ilo/modules/firmware_rollout"
	firmwareupdate "github.com/fleetfw/ilo/modules/firmware_update"
	installset "github.com/fleetfw/ilo/modules/install_set"
	maintenancewindow "github.com/fleetfw/ilo/modules/maintenance_window"
	serverreset "github.com/fleetfw/ilo/modules/server_reset"
	"github.com/fleetfw/ilo/modules/session"
	updateinfo "github.com/fleetfw/ilo/modules/update_info"
	updatetask "github.com/fleetfw/ilo/modules/update_task"
)

// lifecycleCase is one module's sequence.
type lifecycleCase struct {
	name   string
	module ansible.Module
	opts   []ilosim.Option
	// setup seeds the iLO and returns the sequence.
	setup func(t *testing.T, x *modtest.ILO) modtest.Lifecycle
}

// TestLifecycle runs the shared sequence for every module of the binary
// (every doc stub in plugins/modules must have an entry); where a part of
// it makes no sense for a module, its entry says why.
func TestLifecycle(t *testing.T) {
	const bios = "A47_2.62_11_01_2026.signed.flash"
	tests := []lifecycleCase{
		{"component", component.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			img, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3"})
			if err != nil {
				t.Fatal(err)
			}
			return modtest.Lifecycle{
				Present: x.Args(map[string]any{"path": img.Image}),
				Absent:  x.Args(map[string]any{"state": "absent", "filename": "cp045678.exe"}),
				Exists: func(t testing.TB) bool {
					c, err := x.Client(t).Component(context.Background(), "cp045678.exe")
					if err != nil {
						t.Fatal(err)
					}
					return c != nil
				},
				RemoveWrites: 1,
			}
		}},
		{"maintenance_window", maintenancewindow.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:     x.Args(map[string]any{"name": "night", "start_after": "+1d", "expire": "+1d4h"}),
				Absent:      x.Args(map[string]any{"name": "night", "state": "absent"}),
				Exists:      func(t testing.TB) bool { return named(t, x, "night", maintenanceWindows) },
				ApplyWrites: 1, RemoveWrites: 1,
			}
		}},
		{"update_task", updatetask.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:     x.Args(map[string]any{"name": "pause", "command": "Wait", "wait_time_seconds": 30, "start_after": "2099-01-01T00:00:00Z"}),
				Absent:      x.Args(map[string]any{"name": "pause", "state": "absent"}),
				Exists:      func(t testing.TB) bool { return named(t, x, "pause", taskQueue) },
				ApplyWrites: 1, RemoveWrites: 1,
			}
		}},
		{"install_set", installset.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			x.AddComponents(t, testimage.Spec{Filename: bios})
			return modtest.Lifecycle{
				Present: x.Args(map[string]any{"name": "baseline", "sequence": []map[string]any{
					{"name": "ROM", "filename": bios}, {"name": "reboot", "command": "ResetServer"},
				}}),
				Absent:      x.Args(map[string]any{"name": "baseline", "state": "absent"}),
				Exists:      func(t testing.TB) bool { return named(t, x, "baseline", installSets) },
				ApplyWrites: 1, RemoveWrites: 1,
			}
		}},
		// The simulated clock runs 60 times faster: the flash and the iLO's
		// own reset take about two seconds.
		{"firmware_update", firmwareupdate.Module, []ilosim.Option{ilosim.WithSpeed(60)}, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			img, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "ilo5_310.bin", Size: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			return modtest.Lifecycle{
				Present:     x.Args(map[string]any{"path": img.Image}),
				Exists:      func(testing.TB) bool { return x.Sim.FirmwareVersion() == "3.10" },
				ApplyWrites: 1,
				NoRemoval:   "a flash cannot be taken back: going back is a flash of the older image (allow_downgrade)",
			}
		}},
		{"server_reset", serverreset.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				// ForceOff changes the power state at once; when the server is
				// off it is reached and a rerun sends nothing.
				Present:     x.Args(map[string]any{"reset_type": "ForceOff"}),
				Exists:      func(testing.TB) bool { return x.Sim.State()["power_state"] == ilosim.PowerOff },
				ApplyWrites: 1,
				NoRemoval:   "a reset is an action, not a resource: powering on again is another reset (reset_type On)",
			}
		}},
		{"session", session.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:   x.Args(nil),
				NoChange:  "logging in changes no setting (check mode logs in too)",
				HandsOver: "state=present hands its session to the tasks after it; state=absent logs it out",
				NoDiff:    "logging in or out has no before and after (diff_mode support none)",
				AbsentOf: func(r modtest.Execution) map[string]any {
					return x.Args(map[string]any{"state": "absent", "auth_token": r.Out["auth_token"], "session_uri": r.Out["session_uri"],
						"username": nil, "password": nil})
				},
			}
		}},
		{"update_info", updateinfo.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:   x.Args(nil),
				NoChange:  "read-only: it reports the update service, inventory and repository",
				NoRemoval: "read-only: it creates nothing",
			}
		}},
		// A batch of one iLO brought to a catalog that flashes its firmware, in
		// one call (round_seconds long enough for the flash and the reset at
		// 60 times the speed); each call starts afresh (no state).
		{"firmware_rollout", firmwarerollout.Module, []ilosim.Option{ilosim.WithSpeed(60)}, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present: map[string]any{"ilos": []any{x.Args(map[string]any{"host": "ilo1"})}, "catalog": rolloutCatalog(t),
					"round_seconds": 300, "poll_interval": 1},
				Exists:    func(testing.TB) bool { return x.Sim.FirmwareVersion() == "3.10" },
				NoRemoval: "a rollout flashes firmware: going back is a rollout of an older catalog (allow_downgrade)",
			}
		}},
		{"firmware_plan", firmwareplan.Module, nil, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:   x.Args(map[string]any{"catalog": planCatalog(t)}),
				NoChange:  "read-only: it compares a catalog with the inventory and plans",
				NoRemoval: "read-only: it creates nothing",
			}
		}},
	}
	for _, n := range stubNames(t) {
		if !slices.ContainsFunc(tests, func(tt lifecycleCase) bool { return tt.name == n }) {
			t.Errorf("module %s (doc stub %s.py) has no lifecycle here: add it, saying why where a step makes no sense", n, n)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := modtest.StartILO(t, tt.opts...)
			tt.setup(t, x).Run(t, x, tt.module)
		})
	}
}

// planCatalog writes a one-entry fwrepo.json (iLO 5 firmware newer than the
// simulator's, which the plan upgrades to) and its file, and returns its path.
func planCatalog(t *testing.T) string {
	dir := t.TempDir()
	const fwrepo = `{"ilo5_310.bin": {"version": "3.10", "deviceclass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952",
	  "target": "c0bcf2b9-1141-49af-aab8-c73791f0349c", "minimum_active_version": "null", "reboot_required": "no", "server_power_off": "no"}}`
	if err := os.WriteFile(filepath.Join(dir, "fwrepo.json"), []byte(fwrepo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ilo5_310.bin"), make([]byte, 1234), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "fwrepo.json")
}

// rolloutCatalog writes planCatalog's fwrepo.json with a real test image of
// iLO 5 firmware 3.10 (the simulator flashes only images it can read).
func rolloutCatalog(t *testing.T) string {
	index := planCatalog(t)
	if _, err := testimage.WriteFiles(filepath.Dir(index), testimage.Spec{Filename: "ilo5_310.bin", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	return index
}

// named reports whether list finds a resource called name.
func named(t testing.TB, x *modtest.ILO, name string, list func(testing.TB, *modtest.ILO) []string) bool {
	for _, n := range list(t, x) {
		if n == name {
			return true
		}
	}
	return false
}

func maintenanceWindows(t testing.TB, x *modtest.ILO) []string {
	ws, err := x.Client(t).MaintenanceWindows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return out
}

func taskQueue(t testing.TB, x *modtest.ILO) []string {
	ts, err := x.Client(t).TaskQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, q := range ts {
		out = append(out, q.Name)
	}
	return out
}

func installSets(t testing.TB, x *modtest.ILO) []string {
	ss, err := x.Client(t).InstallSets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}
