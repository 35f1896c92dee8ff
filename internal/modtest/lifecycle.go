package modtest

import (
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
)

// Lifecycle is the behaviour every module that manages an iLO resource
// shares, checked with the simulator's counters: check mode, apply, apply
// again, check mode again, removal in check mode, removal, removal again.
// Check mode and a repeated run write nothing and report changed=false
// where nothing is to do; a change comes with a diff; no step leaves a
// session open.
type Lifecycle struct {
	// Present are the arguments that create the resource (connection
	// options included); Absent those that remove it (nil: the module
	// removes nothing, the removal steps are skipped).
	Present, Absent map[string]any
	// Exists reports whether the resource is on the iLO.
	Exists func(t testing.TB) bool
	// ApplyWrites and RemoveWrites are the writes apply and removal make;
	// 0 means at least one.
	ApplyWrites, RemoveWrites int
}

// Run runs the sequence on x with m.
func (l Lifecycle) Run(t *testing.T, x *ILO, m ansible.Module) {
	t.Helper()
	type step struct {
		name    string
		args    map[string]any
		check   bool
		changed bool
		writes  int // -1: at least one
		exists  bool
	}
	atLeast := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	steps := []step{
		{"check mode", l.Present, true, true, 0, false},
		{"apply", l.Present, false, true, atLeast(l.ApplyWrites), true},
		{"apply again", l.Present, false, false, 0, true},
		{"check mode again", l.Present, true, false, 0, true},
	}
	if l.Absent != nil {
		steps = append(steps,
			step{"remove, check mode", l.Absent, true, true, 0, true},
			step{"remove", l.Absent, false, true, atLeast(l.RemoveWrites), false},
			step{"remove again", l.Absent, false, false, 0, false},
		)
	}
	for _, s := range steps {
		r, writes := Counted(t, x, m, s.args, map[string]any{"check_mode": s.check, "diff": true})
		if r.Code != 0 {
			t.Fatalf("%s: exit %d: %s", s.name, r.Code, r.Raw)
		}
		if r.Changed() != s.changed {
			t.Errorf("%s: changed %v, want %v (%s)", s.name, r.Changed(), s.changed, r.Msg())
		}
		if s.writes >= 0 && writes != s.writes || s.writes < 0 && writes == 0 {
			t.Errorf("%s: %d writes, want %d (-1: at least one)", s.name, writes, s.writes)
		}
		if s.changed && r.Out["diff"] == nil {
			t.Errorf("%s: changed without a diff", s.name)
		}
		if got := l.Exists(t); got != s.exists {
			t.Errorf("%s: the resource exists: %v, want %v", s.name, got, s.exists)
		}
	}
	own := 0 // the test's own session, opened by Exists
	if x.client != nil {
		own = 1
	}
	if n := x.Sim.Counters().OpenSessions; n != own {
		t.Errorf("open sessions after the sequence = %d, want %d (the test's own)", n, own)
	}
}
