package modtest

import (
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
)

// Lifecycle is the behaviour every module shares, checked with the
// simulator's counters: check mode, apply, apply again, check mode again,
// removal in check mode, removal, removal again. Check mode and a repeated
// run write nothing and report changed=false where nothing is to do; a
// change comes with a diff; no step leaves a session open (but the ones a
// module hands over, see HandsOver), and none is open after the sequence.
//
// A module for which a part of the sequence makes no sense says so with a
// reason (NoChange, NoRemoval); the steps that remain are still counted.
type Lifecycle struct {
	// Present are the arguments that create the resource (connection
	// options included); Absent those that remove it (nil: NoRemoval says
	// why the module removes nothing, and the removal steps are skipped).
	Present, Absent map[string]any
	// Exists reports whether the resource is on the iLO (nil: nothing to
	// look at, as for a module that changes nothing).
	Exists func(t testing.TB) bool
	// ApplyWrites and RemoveWrites are the writes apply and removal make;
	// 0 means at least one.
	ApplyWrites, RemoveWrites int

	// NoChange, when set, is why Present never changes anything (a
	// read-only module, a login): every step with Present must report
	// changed=false and write nothing, check mode and apply alike.
	NoChange string
	// NoRemoval is why the module has nothing to remove; required when
	// Absent is nil.
	NoRemoval string
	// HandsOver, when set, is why each run with Present leaves its session
	// open for the tasks after it (fleetfw.ilo.session): every such step
	// must leave exactly one more session open, the removal steps remove
	// the apply step's session with the arguments AbsentOf builds from its
	// result (a logout is not a write: RemoveWrites must be 0 and no write is
	// allowed), and after them the other steps' sessions are removed the
	// same way, so that none is left open.
	HandsOver string
	// NoDiff, when set, is why the module shows no diff (diff_mode support
	// none): a change then needs none.
	NoDiff string
	// AbsentOf builds the removal arguments from a Present run's result
	// (with HandsOver; Absent is then nil).
	AbsentOf func(r Execution) map[string]any
}

// The names of the sequence's steps, as failures report them.
const (
	StepCheck        = "check mode"
	StepApply        = "apply"
	StepApplyAgain   = "apply again"
	StepCheckAgain   = "check mode again"
	StepRemoveCheck  = "remove, check mode"
	StepRemove       = "remove"
	StepRemoveAgain  = "remove again"
	stepRemoveOthers = "remove the other handed-over sessions"
)

// lifecycleStep is one run of the sequence and what it must do.
type lifecycleStep struct {
	name    string
	args    map[string]any
	check   bool
	changed bool
	writes  int // -1: at least one
	exists  bool
	opened  int // sessions the step leaves open (HandsOver), -1 for a logout
	present bool
}

// steps returns the sequence for l, or why l is not a complete description.
func (l Lifecycle) steps() ([]lifecycleStep, string) {
	switch {
	case l.Absent == nil && l.NoRemoval == "" && l.HandsOver == "":
		return nil, "no Absent arguments and no NoRemoval reason: say why the module removes nothing"
	case (l.Absent != nil || l.HandsOver != "") && l.NoRemoval != "":
		return nil, "NoRemoval with Absent or HandsOver: the module removes something or it does not"
	case l.HandsOver != "" && (l.AbsentOf == nil || l.Absent != nil || l.RemoveWrites != 0):
		return nil, "HandsOver needs AbsentOf (the removal arguments come from each run's result), no Absent and RemoveWrites 0"
	case l.NoChange != "" && l.ApplyWrites != 0:
		return nil, "NoChange with ApplyWrites: a module that changes nothing writes nothing"
	}
	atLeast := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}
	change, applyWrites := true, atLeast(l.ApplyWrites)
	if l.NoChange != "" {
		change, applyWrites = false, 0
	}
	handed := 0
	if l.HandsOver != "" {
		handed = 1
	}
	steps := []lifecycleStep{
		{StepCheck, l.Present, true, change, 0, false, handed, true},
		{StepApply, l.Present, false, change, applyWrites, true, handed, true},
		{StepApplyAgain, l.Present, false, false, 0, true, handed, true},
		{StepCheckAgain, l.Present, true, false, 0, true, handed, true},
	}
	switch {
	case l.Absent != nil:
		steps = append(steps,
			lifecycleStep{StepRemoveCheck, l.Absent, true, true, 0, true, 0, false},
			lifecycleStep{StepRemove, l.Absent, false, true, atLeast(l.RemoveWrites), false, 0, false},
			lifecycleStep{StepRemoveAgain, l.Absent, false, false, 0, false, 0, false},
		)
	case l.HandsOver != "": // the arguments come from the apply step's result
		steps = append(steps,
			lifecycleStep{StepRemoveCheck, nil, true, true, 0, true, 0, false},
			lifecycleStep{StepRemove, nil, false, true, 0, false, -1, false},
			lifecycleStep{StepRemoveAgain, nil, false, false, 0, false, 0, false},
		)
	}
	return steps, ""
}

// Run runs the sequence on x with m.
func (l Lifecycle) Run(t *testing.T, x *ILO, m ansible.Module) {
	t.Helper()
	steps, bad := l.steps()
	if bad != "" {
		t.Fatalf("lifecycle: %s", bad)
	}
	var others []map[string]any // removal arguments of handed-over sessions but the apply step's
	var applied map[string]any  // the apply step's (HandsOver)
	for _, s := range steps {
		args := s.args
		if args == nil { // the removal of the apply step's handed-over session
			args = applied
		}
		r := l.step(t, x, m, s, args)
		switch {
		case l.HandsOver == "" || !s.present:
		case s.name == StepApply:
			applied = l.AbsentOf(r)
		default:
			others = append(others, l.AbsentOf(r))
		}
	}
	for _, args := range others {
		l.step(t, x, m, lifecycleStep{name: stepRemoveOthers, changed: true, opened: -1}, args)
	}
	own := 0 // the test's own session, opened by Exists
	if x.client != nil {
		own = 1
	}
	if n := x.Sim.Counters().OpenSessions; n != own {
		t.Errorf("open sessions after the sequence = %d, want %d (the test's own)", n, own)
	}
}

// step runs s with args and reports what it did that s does not expect.
func (l Lifecycle) step(t *testing.T, x *ILO, m ansible.Module, s lifecycleStep, args map[string]any) Execution {
	t.Helper()
	open := x.Sim.Counters().OpenSessions // the test's own clients, handed-over sessions
	x.Sim.ResetCounters()
	r := Execute(t, m, args, map[string]any{"check_mode": s.check, "diff": true})
	c := x.Sim.Counters()
	if r.Code != 0 {
		t.Fatalf("%s: exit %d: %s", s.name, r.Code, r.Raw)
	}
	if r.Changed() != s.changed {
		t.Errorf("%s: changed %v, want %v (%s)", s.name, r.Changed(), s.changed, r.Msg())
	}
	if s.writes >= 0 && c.Writes != s.writes || s.writes < 0 && c.Writes == 0 {
		t.Errorf("%s: %d writes, want %d (-1: at least one; requests %v)", s.name, c.Writes, s.writes, c.Requests)
	}
	if n := c.OpenSessions - open; n != s.opened {
		t.Errorf("%s: the run left %d more sessions open, want %d (-1: it logs one out)", s.name, n, s.opened)
	}
	if s.changed && l.NoDiff == "" && r.Out["diff"] == nil {
		t.Errorf("%s: changed without a diff", s.name)
	}
	if l.Exists != nil && s.name != stepRemoveOthers {
		if got := l.Exists(t); got != s.exists {
			t.Errorf("%s: the resource exists: %v, want %v", s.name, got, s.exists)
		}
	}
	return r
}
