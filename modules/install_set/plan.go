package installset

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
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
	Name        string     `json:"name"`
	Description string     `json:"description"`
	IsRecovery  bool       `json:"is_recovery"`
	Sequence    []stepView `json:"sequence"`
}

// stepView is a step as --diff shows it.
type stepView struct {
	Name            string   `json:"name"`
	Command         string   `json:"command"`
	Filename        string   `json:"filename,omitempty"`
	UpdatableBy     []string `json:"updatable_by,omitempty"`
	WaitTimeSeconds int      `json:"wait_time_seconds,omitempty"`
	Targets         []string `json:"targets,omitempty"`
}

func viewOf(s *ilo.InstallSet) any {
	if s == nil {
		return map[string]any{}
	}
	seq := make([]stepView, 0, len(s.Sequence))
	for _, st := range s.Sequence {
		seq = append(seq, stepView{Name: st.Name, Command: st.Command, Filename: st.Filename,
			UpdatableBy: st.UpdatableBy, WaitTimeSeconds: st.WaitTimeSeconds, Targets: st.Targets})
	}
	return view{Name: s.Name, Description: s.Description, IsRecovery: s.IsRecovery, Sequence: seq}
}

// present creates the set, or PATCHes it when its description, recovery
// flag or sequence differ; iLO then gives it a new Id, which is returned
// with the old one in previous_id. It also returns the set as the client
// has it (as it would be, in check mode), for an invocation.
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, sets []ilo.InstallSet, res Result) (Result, *ilo.InstallSet, error) {
	if err := missingComponents(ctx, c, a); err != nil {
		return Result{}, nil, err
	}
	out, err := modkit.Ensure(ctx, m, modkit.Named[ilo.InstallSet]{
		Kind: "install set", Name: a.Name,
		List: c.InstallSets,
		Find: func(sets []ilo.InstallSet) *ilo.InstallSet { return byName(sets, a.Name) },
		Compare: func(_ context.Context, have *ilo.InstallSet, all []ilo.InstallSet) (modkit.Plan[ilo.InstallSet], error) {
			return compare(c, a, have, all)
		},
		View: viewOf,
	}, sets)
	if err != nil {
		res, err = failed(res, false, err)
		return res, nil, err
	}
	have, s := out.Before, out.After
	res.Changed, res.Diff, res.InstallSet = out.Changed, out.Diff, setOf(*s)
	switch {
	case !out.Changed:
		res.Msg = fmt.Sprintf("install set %q is as wanted", a.Name)
	case m.CheckMode && have == nil:
		res.Msg = fmt.Sprintf("would have created install set %q with %d steps", a.Name, len(s.Sequence))
	case m.CheckMode:
		res.Msg = fmt.Sprintf("would have changed %s of install set %q (iLO gives it a new Id)", strings.Join(out.Diffs, ", "), a.Name)
	case have == nil:
		res.Msg = fmt.Sprintf("created install set %q (%s) with %d steps", s.Name, s.ID, len(s.Sequence))
	default:
		res.PreviousID = have.ID
		res.Msg = fmt.Sprintf("changed %s of install set %q: its Id is now %s (was %s)", strings.Join(out.Diffs, ", "), s.Name, s.ID, have.ID)
	}
	return res, s, nil
}

// compare is the module's own comparison of the set have (nil: none) with
// the options; all is the list it was found in.
func compare(c *ilo.Client, a *Args, have *ilo.InstallSet, all []ilo.InstallSet) (modkit.Plan[ilo.InstallSet], error) {
	var plan modkit.Plan[ilo.InstallSet]
	if have != nil && have.IsRecovery && !recoveryAllowed(a) {
		return plan, fmt.Errorf("%q is the System Recovery Set: the module changes it only when is_recovery: true is given explicitly", a.Name)
	}
	if have == nil && len(a.Sequence) == 0 {
		return plan, fmt.Errorf("install set %q does not exist: give sequence to create it", a.Name)
	}
	want := ilo.NewInstallSet{Name: a.Name, Description: a.Description, Sequence: steps(a.Sequence)}
	if a.IsRecovery != nil {
		want.IsRecovery = *a.IsRecovery
	}
	if have == nil {
		if len(all) >= maxSets {
			return plan, fmt.Errorf("cannot create install set %q: the iLO keeps at most %d install sets and has %d: %s; delete one first (state: absent)",
				a.Name, maxSets, len(all), setNames(all))
		}
		plan.Diffs = []string{"created"}
		plan.After = ilo.InstallSet{Name: want.Name, Description: want.Description, IsRecovery: want.IsRecovery, Sequence: want.Sequence}
		plan.Write = func(ctx context.Context, _ *ilo.InstallSet) (ilo.InstallSet, error) {
			s, err := c.CreateInstallSet(ctx, want)
			return s, privilegeIf(want.IsRecovery, err, "creating a System Recovery Set")
		}
		return plan, nil
	}
	if a.Description == "" {
		want.Description = have.Description
	} else if a.Description != have.Description {
		plan.Diffs = append(plan.Diffs, "description")
	}
	if a.IsRecovery == nil {
		want.IsRecovery = have.IsRecovery
	} else if *a.IsRecovery != have.IsRecovery {
		plan.Diffs = append(plan.Diffs, "is_recovery")
	}
	if len(a.Sequence) == 0 {
		want.Sequence = have.Sequence
	} else if !ilo.SameSteps(have.Sequence, steps(a.Sequence)) {
		plan.Diffs = append(plan.Diffs, "sequence")
	}
	plan.After = ilo.InstallSet{ID: have.ID, URI: have.URI, Name: want.Name, Description: want.Description, IsRecovery: want.IsRecovery, Sequence: want.Sequence}
	plan.Write = func(ctx context.Context, have *ilo.InstallSet) (ilo.InstallSet, error) {
		s, err := c.UpdateInstallSet(ctx, *have, want)
		return s, privilegeIf(have.IsRecovery || want.IsRecovery, err, "changing the System Recovery Set")
	}
	return plan, nil
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
		res.InstallSet = setOf(targets[0])
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
