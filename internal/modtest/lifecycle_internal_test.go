package modtest

import (
	"strings"
	"testing"
)

// TestLifecycleDescription: a sequence that leaves out a part must say why,
// and one that contradicts itself is refused before any run.
func TestLifecycleDescription(t *testing.T) {
	args := map[string]any{"name": "x"}
	absentOf := func(Execution) map[string]any { return args }
	tests := []struct {
		name      string
		l         Lifecycle
		wantBad   string // "" when valid
		wantSteps int
	}{
		{"resource", Lifecycle{Present: args, Absent: args}, "", 7},
		{"no removal without a reason", Lifecycle{Present: args}, "NoRemoval reason", 0},
		{"no removal with a reason", Lifecycle{Present: args, NoRemoval: "an action"}, "", 4},
		{"both Absent and NoRemoval", Lifecycle{Present: args, Absent: args, NoRemoval: "x"}, "NoRemoval with Absent", 0},
		{"hands over and NoRemoval", Lifecycle{Present: args, HandsOver: "x", AbsentOf: absentOf, NoRemoval: "x"}, "NoRemoval with Absent or HandsOver", 0},
		{"read-only that writes", Lifecycle{Present: args, NoRemoval: "x", NoChange: "x", ApplyWrites: 1}, "NoChange with ApplyWrites", 0},
		{"hands over without AbsentOf", Lifecycle{Present: args, HandsOver: "x"}, "HandsOver needs AbsentOf", 0},
		{"hands over with removal writes", Lifecycle{Present: args, HandsOver: "x", AbsentOf: absentOf, RemoveWrites: 1}, "HandsOver needs", 0},
		{"hands over", Lifecycle{Present: args, HandsOver: "x", AbsentOf: absentOf}, "", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, bad := tt.l.steps()
			if tt.wantBad == "" && bad != "" || tt.wantBad != "" && !strings.Contains(bad, tt.wantBad) {
				t.Fatalf("refusal %q, want %q", bad, tt.wantBad)
			}
			if len(steps) != tt.wantSteps {
				t.Errorf("%d steps, want %d", len(steps), tt.wantSteps)
			}
		})
	}
}

// TestLifecycleExpectations: NoChange turns every step with Present into
// an unchanged run without writes; HandsOver expects one more open session
// after each of them and a logout on removal.
func TestLifecycleExpectations(t *testing.T) {
	args := map[string]any{"name": "x"}
	steps, _ := Lifecycle{Present: args, NoChange: "read-only", NoRemoval: "read-only"}.steps()
	for _, s := range steps {
		if s.changed || s.writes != 0 || s.opened != 0 {
			t.Errorf("NoChange %s: changed %v writes %d opened %d, want false 0 0", s.name, s.changed, s.writes, s.opened)
		}
	}
	steps, _ = Lifecycle{Present: args, NoChange: "login", HandsOver: "session",
		AbsentOf: func(Execution) map[string]any { return args }}.steps()
	want := map[string]int{StepCheck: 1, StepApply: 1, StepApplyAgain: 1, StepCheckAgain: 1, StepRemoveCheck: 0, StepRemove: -1, StepRemoveAgain: 0}
	for _, s := range steps {
		if s.opened != want[s.name] || s.writes != 0 {
			t.Errorf("HandsOver %s: opened %d writes %d, want %d 0", s.name, s.opened, s.writes, want[s.name])
		}
	}
}
