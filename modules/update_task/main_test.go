package updatetask

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

const bios = "U46_2.92_11_01_2026.signed.flash"

// task reads the queued task named name (nil when absent).
func task(t *testing.T, x *modtest.ILO, name string) *ilo.UpdateTask {
	t.Helper()
	q, err := x.Client(t).TaskQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range q {
		if q[i].Name == name {
			return &q[i]
		}
	}
	return nil
}

// seeded is an iLO with a BIOS image in the repository and a window
// opening tomorrow (so that tasks in it stay Pending).
func seeded(t *testing.T, opts ...ilosim.Option) (*modtest.ILO, ilo.MaintenanceWindow) {
	t.Helper()
	x := modtest.StartILO(t, opts...)
	x.AddComponents(t, testimage.Spec{Filename: bios}, testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3"})
	start := x.Sim.Now().Add(24 * time.Hour)
	w, err := x.Client(t).CreateMaintenanceWindow(context.Background(), ilo.NewMaintenanceWindow{Name: "tomorrow", StartAfter: ilo.FormatTime(start), Expire: ilo.FormatTime(start.Add(4 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	return x, w
}

// TestLifecycle: check mode, queue, again, change a Pending task in place,
// remove, remove again.
func TestLifecycle(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			x, w := seeded(t, ilosim.WithProfileName(profile))
			want := x.Args(map[string]any{"name": "BIOS", "command": "ApplyUpdate", "filename": bios, "maintenance_window": "tomorrow"})
			tpm := x.Args(map[string]any{"name": "BIOS", "command": "ApplyUpdate", "filename": bios, "maintenance_window": w.ID, "tpm_override": true})
			gone := x.Args(map[string]any{"name": "BIOS", "state": "absent"})
			steps := []struct {
				name        string
				args        map[string]any
				check       bool
				wantChanged bool
				wantWrites  int
				wantState   string // "" for no task
			}{
				{"check mode", want, true, true, 0, ""},
				{"queue", want, false, true, 1, ilo.TaskPending},
				{"again", want, false, false, 0, ilo.TaskPending},
				{"window by Id, tpm_override: PATCH", tpm, false, true, 1, ilo.TaskPending},
				{"again", tpm, false, false, 0, ilo.TaskPending},
				{"absent, check mode", gone, true, true, 0, ilo.TaskPending},
				{"absent", gone, false, true, 1, ""},
				{"absent again", gone, false, false, 0, ""},
			}
			var id string
			for _, s := range steps {
				modtest.Step(t, x, Module, s.name, s.args, s.check, s.wantChanged, s.wantWrites)
				got := task(t, x, "BIOS")
				switch {
				case s.wantState == "" && got != nil:
					t.Errorf("%s: task still queued: %+v", s.name, got)
				case s.wantState != "" && (got == nil || got.State != s.wantState):
					t.Errorf("%s: task %+v, want state %s", s.name, got, s.wantState)
				case got != nil:
					if got.MaintenanceWindow != w.ID {
						t.Errorf("%s: task in window %q, want %q", s.name, got.MaintenanceWindow, w.ID)
					}
					if id != "" && got.ID != id {
						t.Errorf("%s: task Id %s, want %s (changed in place)", s.name, got.ID, id)
					}
					id = got.ID
				}
			}
			if got := x.Patches(); len(got) != 1 || got[0] == "" {
				t.Errorf("PATCH If-Match headers %q, want one ETag", got)
			}
		})
	}
}

// TestTerminalTaskIsReplaced: a Complete task with the same name is
// deleted and queued anew.
func TestTerminalTaskIsReplaced(t *testing.T) {
	x, _ := seeded(t)
	args := x.Args(map[string]any{"name": "BIOS now", "command": "ApplyUpdate", "filename": bios})
	if r := modtest.Execute(t, Module, args, nil); r.Code != 0 {
		t.Fatal(r.Raw)
	}
	x.Sim.Clock().Advance(time.Hour) // the Bmc flash runs and completes
	if got := task(t, x, "BIOS now"); got == nil || got.State != ilo.TaskComplete {
		t.Fatalf("task after an hour: %+v", got)
	}
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code != 0 || !r.Changed() || writes != 2 {
		t.Fatalf("exit %d changed %v writes %d (want DELETE + POST): %s", r.Code, r.Changed(), writes, r.Raw)
	}
	deleted, _ := r.Out["deleted"].([]any)
	if len(deleted) != 1 || deleted[0].(map[string]any)["state"] != ilo.TaskComplete {
		t.Errorf("deleted = %v, want the Complete task", deleted)
	}
}

// TestRelativeTimes are resolved on the iLO's clock when queued and not
// compared afterwards.
func TestRelativeTimes(t *testing.T) {
	x, _ := seeded(t)
	x.Sim.Clock().Advance(100 * 24 * time.Hour)
	args := x.Args(map[string]any{"name": "reboot", "command": "ResetServer", "start_after": "+2h", "expire": "+1d", "updatable_by": []string{"Uefi"}})
	r := modtest.Execute(t, Module, args, nil)
	if r.Code != 0 {
		t.Fatal(r.Raw)
	}
	got := task(t, x, "reboot")
	ref, _ := time.Parse(time.RFC3339, r.Out["ilo_time"].(string))
	start, _ := time.Parse(time.RFC3339, got.StartAfter)
	if !start.Equal(ref.Add(2 * time.Hour)) {
		t.Errorf("start_after %s, want iLO time %s + 2h", got.StartAfter, ref)
	}
	x.Sim.Clock().Advance(time.Hour)
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code != 0 || r.Changed() || writes != 0 {
		t.Errorf("an hour later: exit %d changed %v writes %d: %s", r.Code, r.Changed(), writes, r.Raw)
	}
}

// TestClear: finished deletes terminal tasks one by one, all uses the bulk action.
func TestClear(t *testing.T) {
	x, _ := seeded(t)
	for _, a := range []map[string]any{
		{"name": "done", "command": "ApplyUpdate", "filename": bios},
		{"name": "later", "command": "ResetServer", "maintenance_window": "tomorrow"},
	} {
		if r := modtest.Execute(t, Module, x.Args(a), nil); r.Code != 0 {
			t.Fatal(r.Raw)
		}
	}
	x.Sim.Clock().Advance(time.Hour)
	cases := []struct {
		clear       string
		wantChanged bool
		wantWrites  int
		wantLeft    []string
	}{
		{"finished", true, 1, []string{"later"}},
		{"finished", false, 0, []string{"later"}},
		{"all", true, 1, nil},
		{"all", false, 0, nil},
	}
	for _, c := range cases {
		r, writes := modtest.Counted(t, x, Module, x.Args(map[string]any{"clear": c.clear}), nil)
		if r.Code != 0 || r.Changed() != c.wantChanged || writes != c.wantWrites {
			t.Errorf("clear=%s: exit %d changed %v writes %d, want %v %d: %s", c.clear, r.Code, r.Changed(), writes, c.wantChanged, c.wantWrites, r.Raw)
		}
		q, _ := x.Client(t).TaskQueue(context.Background())
		var left []string
		for _, tk := range q {
			left = append(left, tk.Name)
		}
		if strings.Join(left, ",") != strings.Join(c.wantLeft, ",") {
			t.Errorf("clear=%s: queue %v, want %v", c.clear, left, c.wantLeft)
		}
	}
}

// TestRefused: failures with zero writes, each with a message that says why.
func TestRefused(t *testing.T) {
	x, _ := seeded(t, ilosim.WithUser("operator", "Op-pw-4411aa", ilosim.PrivLogin, ilosim.PrivConfigureILO))
	cases := []struct {
		name    string
		args    map[string]any
		wantErr string
	}{
		{"not in the repository", map[string]any{"name": "x", "command": "ApplyUpdate", "filename": "ilo5_305.bin"}, "not in the iLO Repository"},
		{"no command", map[string]any{"name": "x"}, "needs command"},
		{"no filename", map[string]any{"name": "x", "command": "ApplyUpdate"}, "needs filename"},
		{"unknown window", map[string]any{"name": "x", "command": "ResetServer", "maintenance_window": "never"}, `"tomorrow"`},
		{"window and start", map[string]any{"name": "x", "command": "ResetServer", "maintenance_window": "tomorrow", "start_after": "+1h"}, "mutually exclusive"},
		{"expire in the past", map[string]any{"name": "x", "command": "ResetServer", "expire": "2001-01-01T00:00:00Z"}, "not in the future"},
		{"no zone", map[string]any{"name": "x", "command": "ResetServer", "start_after": "2099-01-01T00:00:00"}, "no time zone"},
		{"name too long", map[string]any{"name": strings.Repeat("n", 65), "command": "ResetServer"}, "at most 64"},
		{"clear and name", map[string]any{"name": "x", "clear": "all"}, "mutually exclusive"},
		{"recovery privilege", map[string]any{"name": "x", "command": "ApplyUpdate", "filename": bios, "update_recovery_set": true,
			"username": "operator", "password": "Op-pw-4411aa"}, "Recovery Set privilege"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, writes := modtest.Counted(t, x, Module, x.Args(c.args), nil)
			if r.Code == 0 || !strings.Contains(r.Msg(), c.wantErr) {
				t.Errorf("exit %d, msg %q, want a failure containing %q", r.Code, r.Msg(), c.wantErr)
			}
			if c.name == "recovery privilege" {
				info, _ := r.Out["error_info"].(map[string]any)
				if ids, _ := info["message_ids"].([]any); len(ids) == 0 || !strings.Contains(ids[0].(string), "InsufficientPrivilege") {
					t.Errorf("error_info = %v, want the MessageId", info)
				}
				if strings.Contains(r.Raw, "Op-pw-4411aa") {
					t.Error("output holds the operator's password")
				}
				return
			}
			if writes != 0 {
				t.Errorf("writes = %d, want 0", writes)
			}
		})
	}
}

// TestDowngradeAndWait: an ApplyUpdate of a component older than what its
// device runs is refused before any write, naming allow_downgrade; allowed,
// it is queued with a warning. wait follows the task until it ends (here a
// Wait task that runs at once), and a task in tomorrow's window runs out
// wait_timeout with its last State and changed (it was queued).
func TestDowngradeAndWait(t *testing.T) {
	x, _ := seeded(t)
	const older = "A47_2.52_10_29_2021.signed.flash"
	x.AddComponents(t, testimage.Spec{Filename: older})
	c, err := x.Client(t).Component(context.Background(), older)
	if err != nil || c == nil {
		t.Fatalf("component %s: %v", older, err)
	}
	inv, err := x.Client(t).FirmwareInventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Downgrades(inv)) == 0 {
		t.Skipf("the simulator's %s (%+v) names no device it updates", older, *c)
	}
	args := x.Args(map[string]any{"name": "old BIOS", "command": "ApplyUpdate", "filename": older, "maintenance_window": "tomorrow"})
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code == 0 || r.Changed() || writes != 0 || !strings.Contains(r.Msg(), "allow_downgrade=true") {
		t.Errorf("exit %d changed %v writes %d msg %q, want a refusal naming allow_downgrade", r.Code, r.Changed(), writes, r.Msg())
	}
	args["allow_downgrade"] = true
	r = modtest.Execute(t, Module, args, nil)
	if r.Code != 0 || !r.Changed() || !strings.Contains(fmt.Sprint(r.Out["warnings"]), "downgrade") {
		t.Errorf("allowed: exit %d changed %v warnings %v, want it queued with a warning (%s)", r.Code, r.Changed(), r.Out["warnings"], r.Msg())
	}

	x, _ = seeded(t) // an empty queue: a Wait task runs at once
	r = modtest.Execute(t, Module, x.Args(map[string]any{"name": "pause", "command": "Wait", "wait_time_seconds": 1, "wait": true, "wait_timeout": 60}), nil)
	tk, _ := r.Out["task"].(map[string]any)
	if r.Code != 0 || !r.Changed() || tk["state"] != ilo.TaskComplete || !strings.Contains(r.Msg(), "ended Complete") {
		t.Errorf("wait: exit %d changed %v task %v msg %q, want the task followed to Complete", r.Code, r.Changed(), tk, r.Msg())
	}
	r = modtest.Execute(t, Module, x.Args(map[string]any{"name": "tomorrow's reboot", "command": "ResetServer", "maintenance_window": "tomorrow", "wait": true, "wait_timeout": 2}), nil)
	if r.Code == 0 || !r.Changed() || r.Out["outcome"] != "unknown" || !strings.Contains(r.Msg(), "last State Pending") || strings.Contains(r.Msg(), "deadline") {
		t.Errorf("timeout: exit %d changed %v outcome %v msg %q, want a timeout naming the last State", r.Code, r.Changed(), r.Out["outcome"], r.Msg())
	}
}
