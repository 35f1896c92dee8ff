package modkit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
)

// window is a Named maintenance window whose description is wanted.
func window(c *ilo.Client, name, description string) modkit.Named[ilo.MaintenanceWindow] {
	return modkit.Named[ilo.MaintenanceWindow]{
		Kind: "maintenance window", Name: name,
		List: c.MaintenanceWindows,
		Find: func(ws []ilo.MaintenanceWindow) *ilo.MaintenanceWindow {
			for i := range ws {
				if ws[i].Name == name {
					return &ws[i]
				}
			}
			return nil
		},
		Compare: func(_ context.Context, have *ilo.MaintenanceWindow, _ []ilo.MaintenanceWindow) (modkit.Plan[ilo.MaintenanceWindow], error) {
			if have == nil {
				return modkit.Plan[ilo.MaintenanceWindow]{
					Diffs: []string{"created"},
					After: ilo.MaintenanceWindow{Name: name, Description: description, StartAfter: "2099-01-01T00:00:00Z"},
					Write: func(ctx context.Context, _ *ilo.MaintenanceWindow) (ilo.MaintenanceWindow, error) {
						return c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: name, Description: description, StartAfter: "2099-01-01T00:00:00Z"})
					},
				}, nil
			}
			if have.Description == description {
				return modkit.Plan[ilo.MaintenanceWindow]{}, nil
			}
			after := *have
			after.Description = description
			return modkit.Plan[ilo.MaintenanceWindow]{
				Diffs: []string{"description"}, After: after,
				Write: func(ctx context.Context, have *ilo.MaintenanceWindow) (ilo.MaintenanceWindow, error) {
					return c.UpdateMaintenanceWindow(ctx, *have, ilo.NewMaintenanceWindow{Description: description})
				},
			}, nil
		},
		View: func(w *ilo.MaintenanceWindow) any {
			if w == nil {
				return map[string]any{}
			}
			return map[string]string{"name": w.Name, "description": w.Description}
		},
	}
}

// ensure runs Ensure on what the iLO has now and counts the writes.
func ensure(t *testing.T, x *modtest.ILO, c *ilo.Client, check bool, description string) (modkit.Outcome[ilo.MaintenanceWindow], int) {
	t.Helper()
	ctx := context.Background()
	ws, err := c.MaintenanceWindows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x.Sim.ResetCounters()
	out, err := modkit.Ensure(ctx, &ansible.Run{CheckMode: check}, window(c, "night", description), ws)
	if err != nil {
		t.Fatal(err)
	}
	return out, x.Sim.Counters().Writes
}

// TestEnsureSequence: check → apply → reapply, for a new resource and a
// change, with the simulator's write counter.
func TestEnsureSequence(t *testing.T) {
	x := modtest.StartILO(t)
	c := x.Client(t)
	steps := []struct {
		name        string
		check       bool
		description string
		changed     bool
		writes      int
		created     bool
	}{
		{"create, check mode", true, "first", true, 0, true},
		{"create", false, "first", true, 1, true},
		{"create again", false, "first", false, 0, false},
		{"change, check mode", true, "second", true, 0, false},
		{"change", false, "second", true, 1, false},
		{"change again", false, "second", false, 0, false},
	}
	for _, s := range steps {
		out, writes := ensure(t, x, c, s.check, s.description)
		if out.Changed != s.changed || writes != s.writes || out.Created() != s.created {
			t.Errorf("%s: changed %v writes %d created %v, want %v %d %v", s.name, out.Changed, writes, out.Created(), s.changed, s.writes, s.created)
		}
		if out.After == nil || out.After.Description != s.description {
			t.Errorf("%s: after %+v, want description %q", s.name, out.After, s.description)
		}
		if (out.Diff != nil) != s.changed {
			t.Errorf("%s: diff %+v with changed %v", s.name, out.Diff, s.changed)
		}
		if !s.check && s.changed && out.After.ID == "" {
			t.Errorf("%s: after is not what the iLO returned: %+v", s.name, out.After)
		}
	}
	for i, tag := range x.Patches() {
		if tag == "" {
			t.Errorf("PATCH %d without If-Match", i)
		}
	}
}

// TestEnsurePreconditionFailed: a window changed by someone else between
// the module's read and its write.
func TestEnsurePreconditionFailed(t *testing.T) {
	tests := []struct {
		name string
		// other is what someone else sets as description after the read.
		other       string
		wantChanged bool
		wantPatches int // PATCHes the module sends
		wantAfter   string
	}{
		{"still differs: written again with the fresh ETag", "someone else's", true, 2, "ours"},
		{"now as wanted: not written again", "ours", false, 1, "ours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := modtest.StartILO(t)
			ctx := context.Background()
			c := x.Client(t)
			if _, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "night", Description: "old", StartAfter: "2099-01-01T00:00:00Z"}); err != nil {
				t.Fatal(err)
			}
			stale, err := c.MaintenanceWindows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			other := x.Connect(t)
			defer other.Close(ctx)
			if _, err := other.UpdateMaintenanceWindow(ctx, stale[0], ilo.NewMaintenanceWindow{Description: tt.other}); err != nil {
				t.Fatal(err)
			}
			fresh, err := c.MaintenanceWindows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := len(x.Patches())
			out, err := modkit.Ensure(ctx, &ansible.Run{}, window(c, "night", "ours"), stale)
			if err != nil {
				t.Fatal(err)
			}
			patches := x.Patches()[before:]
			if len(patches) != tt.wantPatches || out.Raced != 1 || out.Changed != tt.wantChanged {
				t.Fatalf("%d PATCHes, raced %d, changed %v; want %d, 1, %v", len(patches), out.Raced, out.Changed, tt.wantPatches, tt.wantChanged)
			}
			if patches[0] == "" || patches[0] != stale[0].ETag {
				t.Errorf("first PATCH If-Match %q, want the stale ETag %q", patches[0], stale[0].ETag)
			}
			if len(patches) > 1 && (patches[1] != fresh[0].ETag || patches[1] == "") {
				t.Errorf("second PATCH If-Match %q, want the fresh ETag %q (never blank)", patches[1], fresh[0].ETag)
			}
			now, _ := c.MaintenanceWindows(ctx)
			if now[0].Description != tt.wantAfter || out.After.Description != tt.wantAfter {
				t.Errorf("description on the iLO %q, returned %q; want %q", now[0].Description, out.After.Description, tt.wantAfter)
			}
		})
	}
}

// TestEnsureRefusedEveryTime: an iLO that answers every PATCH with 412 is
// not raced forever, and every PATCH carries an If-Match.
func TestEnsureRefusedEveryTime(t *testing.T) {
	x := modtest.StartWrappedILO(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusPreconditionFailed)
				_, _ = w.Write([]byte(`{"error": {"code": "Base.1.18.GeneralError", "@Message.ExtendedInfo": [{"MessageId": "Base.1.18.PreconditionFailed"}]}}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	c := x.Client(t)
	if _, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "night", Description: "old", StartAfter: "2099-01-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	ws, _ := c.MaintenanceWindows(ctx)
	out, err := modkit.Ensure(ctx, &ansible.Run{}, window(c, "night", "new"), ws)
	if err == nil || !ilo.IsPreconditionFailed(err) || !strings.Contains(err.Error(), `maintenance window "night" changed on the iLO each time`) {
		t.Fatalf("err = %v", err)
	}
	if p := x.Patches(); len(p) != modkit.MaxPreconditionRetries+1 || out.Raced != len(p) {
		t.Errorf("%d PATCHes (%q), raced %d; want %d", len(p), p, out.Raced, modkit.MaxPreconditionRetries+1)
	}
	for _, tag := range x.Patches() {
		if tag == "" {
			t.Error("a PATCH without If-Match")
		}
	}
}

// TestEnsureRefusal: an error from Compare writes nothing.
func TestEnsureRefusal(t *testing.T) {
	x := modtest.StartILO(t)
	c := x.Client(t)
	r := window(c, "night", "x")
	r.Compare = func(context.Context, *ilo.MaintenanceWindow, []ilo.MaintenanceWindow) (modkit.Plan[ilo.MaintenanceWindow], error) {
		return modkit.Plan[ilo.MaintenanceWindow]{}, errRefused
	}
	x.Sim.ResetCounters()
	if _, err := modkit.Ensure(context.Background(), &ansible.Run{}, r, nil); err != errRefused {
		t.Fatalf("err = %v", err)
	}
	if w := x.Sim.Counters().Writes; w != 0 {
		t.Errorf("%d writes after a refusal", w)
	}
}

var errRefused = refusal("a running task cannot be changed")

type refusal string

func (r refusal) Error() string { return string(r) }
