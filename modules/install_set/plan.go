package installset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
)

func byName(sets []ilo.InstallSet, name string) *ilo.InstallSet {
	for i := range sets {
		if sets[i].Name == name {
			return &sets[i]
		}
	}
	return nil
}

// recoveryAllowed reports whether is_recovery was given as true, the only
// way to change or delete the System Recovery Set.
func recoveryAllowed(a *Args) bool { return a.IsRecovery != nil && *a.IsRecovery }

func setNames(sets []ilo.InstallSet) string {
	out := make([]string, 0, len(sets))
	for _, s := range sets {
		n := fmt.Sprintf("%q (%s)", s.Name, s.ID)
		if s.IsRecovery {
			n += " [System Recovery Set]"
		}
		out = append(out, n)
	}
	return strings.Join(out, ", ")
}

// view is a set as --diff shows it.
type view struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	IsRecovery  bool              `json:"is_recovery"`
	Sequence    []ilo.InstallStep `json:"sequence"`
}

func viewOf(s *ilo.InstallSet) any {
	if s == nil {
		return map[string]any{}
	}
	seq := make([]ilo.InstallStep, 0, len(s.Sequence))
	for _, st := range s.Sequence {
		st.Component, st.ExecutionTimeoutMinutes = "", 0
		seq = append(seq, st)
	}
	return view{Name: s.Name, Description: s.Description, IsRecovery: s.IsRecovery, Sequence: seq}
}

// present creates the set, or PATCHes it when its description, recovery
// flag or sequence differ; iLO then gives it a new Id, which is returned
// with the old one in previous_id.
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, sets []ilo.InstallSet, res Result) (Result, error) {
	have := byName(sets, a.Name)
	if have != nil && have.IsRecovery && !recoveryAllowed(a) {
		return Result{}, fmt.Errorf("%q is the System Recovery Set: the module changes it only when is_recovery: true is given explicitly", a.Name)
	}
	if have == nil && len(a.Sequence) == 0 {
		return Result{}, fmt.Errorf("install set %q does not exist: give sequence to create it", a.Name)
	}
	if err := missingComponents(ctx, c, a); err != nil {
		return Result{}, err
	}
	want := ilo.NewInstallSet{Name: a.Name, Description: a.Description, Sequence: steps(a.Sequence)}
	if a.IsRecovery != nil {
		want.IsRecovery = *a.IsRecovery
	}
	var diffs []string
	if have != nil {
		if a.Description == "" {
			want.Description = have.Description
		} else if a.Description != have.Description {
			diffs = append(diffs, "description")
		}
		if a.IsRecovery == nil {
			want.IsRecovery = have.IsRecovery
		} else if *a.IsRecovery != have.IsRecovery {
			diffs = append(diffs, "is_recovery")
		}
		if len(a.Sequence) == 0 {
			want.Sequence = have.Sequence
		} else if !sameSequence(have.Sequence, a.Sequence) {
			diffs = append(diffs, "sequence")
		}
		if len(diffs) == 0 {
			res.InstallSet, res.Msg = have, fmt.Sprintf("install set %q is as wanted", a.Name)
			return res, nil
		}
	} else if len(sets) >= maxSets {
		return Result{}, fmt.Errorf("cannot create install set %q: the iLO keeps at most %d install sets and has %d: %s; delete one first (state: absent)",
			a.Name, maxSets, len(sets), setNames(sets))
	}
	after := ilo.InstallSet{Name: want.Name, Description: want.Description, IsRecovery: want.IsRecovery, Sequence: want.Sequence}
	if have != nil {
		after.ID, after.URI = have.ID, have.URI
	}
	res.Changed = true
	res.Diff = &ansible.Diff{Before: viewOf(have), After: viewOf(&after)}
	what := "changing the System Recovery Set"
	if m.CheckMode {
		res.InstallSet = &after
		if have == nil {
			res.Msg = fmt.Sprintf("would have created install set %q with %d steps", a.Name, len(want.Sequence))
		} else {
			res.Msg = fmt.Sprintf("would have changed %s of install set %q (iLO gives it a new Id)", strings.Join(diffs, ", "), a.Name)
		}
		return res, nil
	}
	if have == nil {
		s, err := c.CreateInstallSet(ctx, want)
		if err != nil {
			return failed(res, false, privilegeIf(want.IsRecovery, err, "creating a System Recovery Set"))
		}
		res.InstallSet, res.Msg = &s, fmt.Sprintf("created install set %q (%s) with %d steps", s.Name, s.ID, len(s.Sequence))
		return res, nil
	}
	s, err := c.UpdateInstallSet(ctx, *have, want)
	if ilo.IsPreconditionFailed(err) {
		fresh := *have
		fresh.ETag = "" // changed since our read: read the ETag again, send the same change
		s, err = c.UpdateInstallSet(ctx, fresh, want)
	}
	if err != nil {
		return failed(res, false, privilegeIf(have.IsRecovery || want.IsRecovery, err, what))
	}
	res.InstallSet, res.PreviousID = &s, have.ID
	res.Msg = fmt.Sprintf("changed %s of install set %q: its Id is now %s (was %s)", strings.Join(diffs, ", "), s.Name, s.ID, have.ID)
	return res, nil
}

func privilegeIf(recovery bool, err error, what string) error {
	if recovery {
		return privilege(err, what)
	}
	return err
}

// missingComponents fails, naming every one, when ApplyUpdate steps name
// files the iLO Repository does not hold.
func missingComponents(ctx context.Context, c *ilo.Client, a *Args) error {
	var files []string
	for _, s := range a.Sequence {
		if s.Command == "ApplyUpdate" {
			files = append(files, s.Filename)
		}
	}
	if len(files) == 0 {
		return nil
	}
	repo, err := c.Repository(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, f := range files {
		if repo.Find(f) == nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("install set %q: %d components are not in the iLO Repository: %s; upload them first (fleetfw.ilo.component)",
			a.Name, len(missing), strings.Join(missing, ", "))
	}
	return nil
}

func steps(seq []Step) []ilo.InstallStep {
	out := make([]ilo.InstallStep, 0, len(seq))
	for _, s := range seq {
		st := ilo.InstallStep{Name: s.Name, Command: s.Command, Filename: s.Filename, UpdatableBy: s.UpdatableBy}
		if s.Command == "Wait" {
			st.WaitTimeSeconds = s.WaitTimeSeconds
		}
		out = append(out, st)
	}
	return out
}

// sameSequence compares the set's steps with the options; updatable_by is
// compared only when given (the iLO fills it in from the repository).
func sameSequence(have []ilo.InstallStep, want []Step) bool {
	if len(have) != len(want) {
		return false
	}
	for i, w := range want {
		h := have[i]
		if h.Name != w.Name || h.Command != w.Command || !strings.EqualFold(h.Filename, w.Filename) {
			return false
		}
		if len(w.UpdatableBy) > 0 && !sameSet(h.UpdatableBy, w.UpdatableBy) {
			return false
		}
		if w.Command == "Wait" && h.WaitTimeSeconds != w.WaitTimeSeconds {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// remove deletes the set named, or with all=true every set but the System
// Recovery Set (DeleteInstallSets), which is included only when
// is_recovery: true is given.
func remove(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, sets []ilo.InstallSet, res Result) (Result, error) {
	var targets []ilo.InstallSet
	keptRecovery := false
	for _, s := range sets {
		switch {
		case a.All && s.IsRecovery && !recoveryAllowed(a):
			keptRecovery = true
		case a.All, s.Name == a.Name:
			targets = append(targets, s)
		}
	}
	if len(targets) == 0 {
		res.Msg = fmt.Sprintf("no install set named %q", a.Name)
		if a.All {
			res.Msg = "no install sets"
			if keptRecovery {
				res.Msg = "no install sets but the System Recovery Set, which is kept"
			}
		}
		return res, nil
	}
	recovery := false
	before := make([]any, 0, len(targets))
	for i, s := range targets {
		if s.IsRecovery {
			recovery = true
			if !recoveryAllowed(a) {
				return Result{}, fmt.Errorf("%q is the System Recovery Set: the module deletes it only when is_recovery: true is given explicitly", s.Name)
			}
		}
		res.Deleted = append(res.Deleted, s.Name)
		before = append(before, viewOf(&targets[i]))
	}
	res.Changed = true
	if a.All {
		res.Diff = &ansible.Diff{Before: map[string]any{"install_sets": before}, After: map[string]any{"install_sets": []any{}}}
	} else {
		res.InstallSet = &targets[0]
		res.Diff = &ansible.Diff{Before: before[0], After: map[string]any{}}
	}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would have deleted install sets %s", setNames(targets))
		return res, nil
	}
	var err error
	if a.All {
		err = c.DeleteInstallSets(ctx, recovery)
	} else {
		err = c.DeleteInstallSet(ctx, targets[0])
	}
	if err != nil {
		return failed(res, false, privilegeIf(recovery, err, "deleting the System Recovery Set"))
	}
	res.Msg = fmt.Sprintf("deleted install sets %s", setNames(targets))
	if keptRecovery {
		res.Msg += "; the System Recovery Set is kept"
	}
	return res, nil
}
