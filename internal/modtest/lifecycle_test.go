package modtest_test

import (
	"context"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
	"github.com/fleetfw/ilo/modules/component"
	installset "github.com/fleetfw/ilo/modules/install_set"
	maintenancewindow "github.com/fleetfw/ilo/modules/maintenance_window"
	updatetask "github.com/fleetfw/ilo/modules/update_task"
)

// TestLifecycle runs the shared sequence for every module that manages an
// iLO resource.
func TestLifecycle(t *testing.T) {
	const bios = "A47_2.62_11_01_2026.signed.flash"
	tests := []struct {
		name   string
		module ansible.Module
		// setup seeds the iLO and returns the sequence.
		setup func(t *testing.T, x *modtest.ILO) modtest.Lifecycle
	}{
		{"component", component.Module, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
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
		{"maintenance_window", maintenancewindow.Module, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:     x.Args(map[string]any{"name": "night", "start_after": "+1d", "expire": "+1d4h"}),
				Absent:      x.Args(map[string]any{"name": "night", "state": "absent"}),
				Exists:      func(t testing.TB) bool { return named(t, x, "night", maintenanceWindows) },
				ApplyWrites: 1, RemoveWrites: 1,
			}
		}},
		{"update_task", updatetask.Module, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
			return modtest.Lifecycle{
				Present:     x.Args(map[string]any{"name": "pause", "command": "Wait", "wait_time_seconds": 30, "start_after": "2099-01-01T00:00:00Z"}),
				Absent:      x.Args(map[string]any{"name": "pause", "state": "absent"}),
				Exists:      func(t testing.TB) bool { return named(t, x, "pause", taskQueue) },
				ApplyWrites: 1, RemoveWrites: 1,
			}
		}},
		{"install_set", installset.Module, func(t *testing.T, x *modtest.ILO) modtest.Lifecycle {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := modtest.StartILO(t)
			tt.setup(t, x).Run(t, x, tt.module)
		})
	}
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
