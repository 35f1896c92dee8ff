package maintenancewindow

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// window reads the window named name from the iLO (nil when absent).
func window(t *testing.T, x *modtest.ILO, name string) *ilo.MaintenanceWindow {
	t.Helper()
	ws, err := x.Client(t).MaintenanceWindows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range ws {
		if ws[i].Name == name {
			return &ws[i]
		}
	}
	return nil
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// TestLifecycle runs the behaviour sequence: check mode, create, rerun,
// rerun later with relative times, change in place, remove, remove again.
func TestLifecycle(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			x := modtest.StartILO(t, ilosim.WithProfileName(profile))
			x.Sim.Clock().Advance(72 * time.Hour) // the iLO clock is ahead of the controller's
			want := x.Args(map[string]any{"name": "Saturday night", "start_after": "+1d", "expire": "+1d4h", "description": "wave 2"})
			steps := []struct {
				name        string
				args        map[string]any
				meta        map[string]any
				advance     time.Duration
				wantChanged bool
				wantWrites  int
				wantWindow  bool
			}{
				{"check mode", want, map[string]any{"check_mode": true, "diff": true}, 0, true, 0, false},
				{"create", want, nil, 0, true, 1, true},
				{"again", want, nil, 0, false, 0, true},
				{"an hour later, relative times", want, nil, time.Hour, false, 0, true},
				{"absolute expire: PATCH", x.Args(map[string]any{"name": "Saturday night", "expire": "2099-01-01T00:00:00Z"}), map[string]any{"diff": true}, 0, true, 1, true},
				{"absolute expire again", x.Args(map[string]any{"name": "Saturday night", "expire": "2099-01-01T01:00:00+01:00"}), nil, 0, false, 0, true},
				{"absent, check mode", x.Args(map[string]any{"name": "Saturday night", "state": "absent"}), map[string]any{"check_mode": true}, 0, true, 0, true},
				{"absent", x.Args(map[string]any{"name": "Saturday night", "state": "absent"}), nil, 0, true, 1, false},
				{"absent again", x.Args(map[string]any{"name": "Saturday night", "state": "absent"}), nil, 0, false, 0, false},
			}
			var id string
			for _, s := range steps {
				x.Sim.Clock().Advance(s.advance)
				r, writes := modtest.Counted(t, x, Module, s.args, s.meta)
				if r.Code != 0 {
					t.Fatalf("%s: exit %d: %s", s.name, r.Code, r.Raw)
				}
				if r.Changed() != s.wantChanged {
					t.Errorf("%s: changed = %v, want %v (%s)", s.name, r.Changed(), s.wantChanged, r.Msg())
				}
				if writes != s.wantWrites {
					t.Errorf("%s: writes = %d, want %d", s.name, writes, s.wantWrites)
				}
				w := window(t, x, "Saturday night")
				if (w != nil) != s.wantWindow {
					t.Errorf("%s: window exists = %v, want %v", s.name, w != nil, s.wantWindow)
				}
				if w != nil {
					if id != "" && w.ID != id {
						t.Errorf("%s: window Id %s, want %s (changed in place)", s.name, w.ID, id)
					}
					id = w.ID
				}
				if s.meta["diff"] == true && r.Out["diff"] == nil {
					t.Errorf("%s: no diff under --diff", s.name)
				}
			}
		})
	}
}

// TestRelativeTimesUseTheILOClock: +1d is a day after Oem.Hpe.CurrentTime,
// not after the controller's clock.
func TestRelativeTimesUseTheILOClock(t *testing.T) {
	x := modtest.StartILO(t)
	x.Sim.Clock().Advance(30 * 24 * time.Hour)
	r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "w", "start_after": "+1d", "expire": "+1d2h30m"}), nil)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	w := window(t, x, "w")
	if w == nil {
		t.Fatal("no window")
	}
	ref := parseTime(t, r.Out["ilo_time"].(string))
	if d := ref.Sub(x.Sim.Now()); d > time.Minute || d < -time.Minute {
		t.Errorf("ilo_time %s, iLO clock %s", ref, x.Sim.Now())
	}
	if got, want := parseTime(t, w.StartAfter), ref.Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("start_after = %s, want %s", got, want)
	}
	if got, want := parseTime(t, w.Expire), ref.Add(26*time.Hour+30*time.Minute); !got.Equal(want) {
		t.Errorf("expire = %s, want %s", got, want)
	}
}

// TestPatchSendsIfMatch: a change is a PATCH with the ETag read from the iLO.
func TestPatchSendsIfMatch(t *testing.T) {
	x := modtest.StartILO(t)
	if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "w", "start_after": "+1h"}), nil); r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	before := window(t, x, "w")
	r, writes := modtest.Counted(t, x, Module, x.Args(map[string]any{"name": "w", "description": "new text"}), nil)
	if r.Code != 0 || !r.Changed() || writes != 1 {
		t.Fatalf("exit %d changed %v writes %d: %s", r.Code, r.Changed(), writes, r.Raw)
	}
	p := x.Patches()
	if len(p) != 1 || p[0] == "" || p[0] != before.ETag {
		t.Errorf("PATCH If-Match headers %q, want [%q]", p, before.ETag)
	}
	if w := window(t, x, "w"); w.Description != "new text" || w.ID != before.ID {
		t.Errorf("window after PATCH: %+v", w)
	}
}

// TestRefused: what the module refuses, each with zero writes and no session left.
func TestRefused(t *testing.T) {
	long := strings.Repeat("x", 65)
	cases := []struct {
		name    string
		args    map[string]any
		wantErr string
	}{
		{"name too long", map[string]any{"name": long, "start_after": "+1h"}, "at most 64"},
		{"description too long", map[string]any{"name": "w", "start_after": "+1h", "description": long}, "at most 64"},
		{"not a time", map[string]any{"name": "w", "start_after": "tomorrow"}, "not a Redfish date-time"},
		{"no zone", map[string]any{"name": "w", "start_after": "2099-01-01T00:00:00"}, "no time zone"},
		{"bad relative", map[string]any{"name": "w", "start_after": "+2x"}, "not a relative time"},
		{"expire before start", map[string]any{"name": "w", "start_after": "2099-01-02T00:00:00Z", "expire": "2099-01-01T00:00:00Z"}, "must be after start_after"},
		{"relative expire before start", map[string]any{"name": "w", "start_after": "+2d", "expire": "+1d"}, "must be after start_after"},
		{"expire in the past by the iLO clock", map[string]any{"name": "w", "start_after": "2020-01-01T00:00:00Z", "expire": "2020-01-02T00:00:00Z"}, "not in the future by the iLO's clock"},
		{"create without start_after", map[string]any{"name": "w", "expire": "+1d"}, "give start_after"},
		{"all with present", map[string]any{"all": true}, "state=absent"},
		{"name and all", map[string]any{"name": "w", "all": true, "state": "absent"}, "mutually exclusive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := modtest.StartILO(t)
			r, writes := modtest.Counted(t, x, Module, x.Args(c.args), nil)
			if r.Code == 0 || !strings.Contains(r.Msg(), c.wantErr) {
				t.Errorf("exit %d, msg %q, want failure containing %q", r.Code, r.Msg(), c.wantErr)
			}
			if writes != 0 {
				t.Errorf("writes = %d, want 0", writes)
			}
		})
	}
}

// TestNinthWindow: the error names the eight windows the iLO has.
func TestNinthWindow(t *testing.T) {
	x := modtest.StartILO(t)
	c := x.Client(t)
	start := x.Sim.Now().Add(time.Hour)
	for i := range 8 {
		if _, err := c.CreateMaintenanceWindow(context.Background(), ilo.NewMaintenanceWindow{Name: fmt.Sprintf("w%d", i), StartAfter: ilo.FormatTime(start)}); err != nil {
			t.Fatal(err)
		}
	}
	r, writes := modtest.Counted(t, x, Module, x.Args(map[string]any{"name": "ninth", "start_after": "+1h"}), nil)
	if r.Code == 0 || writes != 0 {
		t.Fatalf("exit %d, writes %d: %s", r.Code, writes, r.Raw)
	}
	for i := range 8 {
		if !strings.Contains(r.Msg(), fmt.Sprintf(`"w%d"`, i)) {
			t.Errorf("message does not name w%d: %s", i, r.Msg())
		}
	}
}

// TestAbsentCancelsTasks: deleting a window reports the tasks that became
// Canceled; check mode reports the Pending ones and writes nothing.
func TestAbsentCancelsTasks(t *testing.T) {
	x := modtest.StartILO(t)
	x.AddComponents(t, testimage.Spec{Filename: "U46_2.92_11_01_2026.signed.flash"})
	c := x.Client(t)
	ctx := context.Background()
	start := x.Sim.Now().Add(24 * time.Hour)
	w, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "night", StartAfter: ilo.FormatTime(start), Expire: ilo.FormatTime(start.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.CreateUpdateTask(ctx, ilo.NewUpdateTask{Name: "BIOS", Command: "ApplyUpdate", Filename: "U46_2.92_11_01_2026.signed.flash", MaintenanceWindow: w.ID})
	if err != nil {
		t.Fatal(err)
	}
	args := x.Args(map[string]any{"name": "night", "state": "absent"})
	for _, check := range []bool{true, false} {
		r, writes := modtest.Counted(t, x, Module, args, map[string]any{"check_mode": check})
		if r.Code != 0 || !r.Changed() {
			t.Fatalf("check=%v: exit %d: %s", check, r.Code, r.Raw)
		}
		wantWrites, wantState := 1, ilo.TaskCanceled
		if check {
			wantWrites, wantState = 0, ilo.TaskPending
		}
		if writes != wantWrites {
			t.Errorf("check=%v: writes = %d, want %d", check, writes, wantWrites)
		}
		got, _ := r.Out["canceled_tasks"].([]any)
		if len(got) != 1 || got[0].(map[string]any)["id"] != task.ID || got[0].(map[string]any)["state"] != wantState {
			t.Errorf("check=%v: canceled_tasks = %v, want [%s %s]", check, got, task.ID, wantState)
		}
	}
	q, err := c.TaskQueue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].State != ilo.TaskCanceled {
		t.Errorf("queue after deletion: %+v", q)
	}
}

// TestAll deletes every window with one DeleteMaintenanceWindows request.
func TestAll(t *testing.T) {
	x := modtest.StartILO(t)
	for _, n := range []string{"a", "b"} {
		if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": n, "start_after": "+1h"}), nil); r.Code != 0 {
			t.Fatal(r.Raw)
		}
	}
	args := x.Args(map[string]any{"all": true, "state": "absent"})
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code != 0 || !r.Changed() || writes != 1 || len(r.Out["deleted"].([]any)) != 2 {
		t.Errorf("exit %d changed %v writes %d: %s", r.Code, r.Changed(), writes, r.Raw)
	}
	if x.Sim.Counters().Requests["POST"] == 0 {
		t.Error("no POST: DeleteMaintenanceWindows not used")
	}
	r, writes = modtest.Counted(t, x, Module, args, nil)
	if r.Code != 0 || r.Changed() || writes != 0 {
		t.Errorf("again: exit %d changed %v writes %d", r.Code, r.Changed(), writes)
	}
}

// TestWriteStatus: a create whose answer never arrives reports changed
// with outcome unknown and says so; a create the iLO refuses (before any
// effect) reports changed false without an outcome.
func TestWriteStatus(t *testing.T) {
	x := modtest.StartWrappedILO(t, modtest.LoseResponse(http.MethodPost, "MaintenanceWindows"))
	args := x.Args(map[string]any{"name": "lost", "start_after": "2031-01-01T00:00:00Z", "expire": "2031-01-02T00:00:00Z"})
	r := modtest.Execute(t, Module, args, nil)
	if r.Code == 0 || !r.Changed() || r.Out["outcome"] != "unknown" || !strings.Contains(r.Msg(), "unknown") {
		t.Errorf("lost answer: exit %d changed %v outcome %v msg %q, want a failure, changed, outcome unknown", r.Code, r.Changed(), r.Out["outcome"], r.Msg())
	}
	r = modtest.Execute(t, Module, x.Args(map[string]any{"name": "past", "start_after": "2001-01-01T00:00:00Z", "expire": "2001-01-02T00:00:00Z"}), nil)
	if r.Code == 0 || r.Changed() || r.Out["outcome"] != nil {
		t.Errorf("refused: exit %d changed %v outcome %v msg %q, want a failure, unchanged, no outcome", r.Code, r.Changed(), r.Out["outcome"], r.Msg())
	}
}
