package rollout

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// stepNameLen is the longest step (and set) name the iLO takes.
const stepNameLen = 64

// Sequence is the install set's steps: one ApplyUpdate per file, in the
// plan's order, named after the file (cut to 64 characters). With a
// maintenance window and reboot graceful or force, a ResetServer step
// follows the last file that activates at reboot and comes before iLO
// firmware (whose flash resets the iLO), so that the server restarts inside
// the window; the queue's step has no graceful/force choice.
func Sequence(st State, opt Options) []ilo.InstallStep {
	reboot := false
	if opt.Window.Name != "" && (opt.Reboot == RebootGraceful || opt.Reboot == RebootForce) {
		for _, f := range st.Files {
			reboot = reboot || f.RebootRequired
		}
	}
	resetStep := ilo.InstallStep{Name: "Reboot for " + cut(opt.InstallSetName, 53), Command: "ResetServer"}
	var out []ilo.InstallStep
	added := false
	for _, f := range st.Files {
		if reboot && !added && f.ResetsILO {
			out, added = append(out, resetStep), true
		}
		out = append(out, ilo.InstallStep{Name: cut(f.File, stepNameLen), Command: "ApplyUpdate", Filename: f.File})
	}
	if reboot && !added {
		out = append(out, resetStep)
	}
	return out
}

// installSet keeps the set (and the window), writing only what differs.
func (r *run) installSet(ctx context.Context) error {
	c, err := r.client(ctx)
	if err != nil {
		return err
	}
	if !r.opt.Stage {
		repo, err := c.Repository(ctx)
		if err != nil {
			return err
		}
		var missing []string
		for _, f := range r.st.Files {
			if repo.Find(f.File) == nil {
				missing = append(missing, f.File)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("the iLO Repository lacks %s and stage is false: stage them (stage: true) or upload them first (fleetfw.ilo.component)", strings.Join(missing, ", "))
		}
	}
	want := ilo.NewInstallSet{Name: r.opt.InstallSetName, Description: r.opt.InstallSetDescription, Sequence: Sequence(r.st, r.opt)}
	sets, err := c.InstallSets(ctx)
	if err != nil {
		return err
	}
	// The engine never writes in check mode (it stops at the plan), so
	// Ensure runs with a Run that is not.
	out, err := modkit.Ensure(ctx, &ansible.Run{}, modkit.Named[ilo.InstallSet]{
		Kind: "install set", Name: want.Name, List: c.InstallSets,
		Find: func(sets []ilo.InstallSet) *ilo.InstallSet { return setByName(sets, want.Name) },
		Compare: func(_ context.Context, have *ilo.InstallSet, _ []ilo.InstallSet) (modkit.Plan[ilo.InstallSet], error) {
			return compareSet(c, want, have)
		},
		View: func(*ilo.InstallSet) any { return nil },
	}, sets)
	r.wrote = r.wrote || out.Changed
	if err != nil {
		return fmt.Errorf("install set %q: %w", want.Name, err)
	}
	r.set = out.After
	if r.opt.Window.Name != "" {
		if err := r.window(ctx, c); err != nil {
			return err
		}
	}
	r.st.Phase = PhaseInvoke
	return nil
}

// compareSet is the set's comparison: created when missing, updated when
// its description (when one is given) or its sequence differ.
func compareSet(c *ilo.Client, want ilo.NewInstallSet, have *ilo.InstallSet) (modkit.Plan[ilo.InstallSet], error) {
	var plan modkit.Plan[ilo.InstallSet]
	if have == nil {
		plan.Diffs = []string{"created"}
		plan.After = ilo.InstallSet{Name: want.Name, Description: want.Description, Sequence: want.Sequence}
		plan.Write = func(ctx context.Context, _ *ilo.InstallSet) (ilo.InstallSet, error) {
			return c.CreateInstallSet(ctx, want)
		}
		return plan, nil
	}
	if have.IsRecovery {
		return plan, fmt.Errorf("%q is the System Recovery Set: give install_set_name another name", want.Name)
	}
	if want.Description == "" {
		want.Description = have.Description
	} else if want.Description != have.Description {
		plan.Diffs = append(plan.Diffs, "description")
	}
	if !ilo.SameSteps(have.Sequence, want.Sequence) {
		plan.Diffs = append(plan.Diffs, "sequence")
	}
	plan.After = *have
	plan.After.Description, plan.After.Sequence = want.Description, want.Sequence
	plan.Write = func(ctx context.Context, have *ilo.InstallSet) (ilo.InstallSet, error) {
		return c.UpdateInstallSet(ctx, *have, want)
	}
	return plan, nil
}

func setByName(sets []ilo.InstallSet, name string) *ilo.InstallSet {
	for i := range sets {
		if sets[i].Name == name {
			return &sets[i]
		}
	}
	return nil
}

// window creates the maintenance window, or updates what differs: as
// fleetfw.ilo.maintenance_window, relative times ("+2h") are resolved
// against the iLO's clock, and compared only when the window is created.
func (r *run) window(ctx context.Context, c *ilo.Client) error {
	w := r.opt.Window
	k := modkit.NewClock(c.Clock)
	all, err := c.MaintenanceWindows(ctx)
	if err != nil {
		return err
	}
	var have *ilo.MaintenanceWindow
	for i := range all {
		if all[i].Name == w.Name {
			have = &all[i]
		}
	}
	resolve := func(opt string) (string, error) {
		if have != nil && modkit.IsRelativeTime(opt) {
			return "", nil
		}
		return k.Resolve(ctx, opt)
	}
	start, err := resolve(w.StartAfter)
	if err != nil {
		return fmt.Errorf("maintenance_window start_after: %w", err)
	}
	expire, err := resolve(w.Expire)
	if err != nil {
		return fmt.Errorf("maintenance_window expire: %w", err)
	}
	if have == nil {
		if start == "" {
			return fmt.Errorf("maintenance window %q does not exist: give maintenance_window.start_after to create it", w.Name)
		}
		r.wrote = true
		_, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: w.Name, Description: w.Description, StartAfter: start, Expire: expire})
		return err
	}
	var change ilo.NewMaintenanceWindow
	if w.Description != "" && w.Description != have.Description {
		change.Description = w.Description
	}
	if start != "" && !modkit.SameTime(start, have.StartAfter) {
		change.StartAfter = start
	}
	if expire != "" && !modkit.SameTime(expire, have.Expire) {
		change.Expire = expire
	}
	if change == (ilo.NewMaintenanceWindow{}) {
		return nil
	}
	r.wrote = true
	_, err = c.UpdateMaintenanceWindow(ctx, *have, change)
	return err
}

// invoke queues the set's tasks unless they are queued already: tasks
// named after the steps, with the step's command and file, Pending or
// InProgress. Earlier tasks of the set (ended) are deleted first, since
// the iLO refuses an Invoke whose task names are taken; a queued task that
// only bears a step's name is someone else's and refuses the rollout
// unless clear_task_queue.
func (r *run) invoke(ctx context.Context) error {
	if !r.opt.Invoke {
		r.finish(PhaseStaged, fmt.Sprintf("staged; install set %q kept, not invoked (invoke: false)", r.opt.InstallSetName))
		return nil
	}
	c, err := r.client(ctx)
	if err != nil {
		return err
	}
	if r.set == nil {
		sets, err := c.InstallSets(ctx)
		if err != nil {
			return err
		}
		if r.set = setByName(sets, r.opt.InstallSetName); r.set == nil {
			return fmt.Errorf("install set %q is gone from the iLO", r.opt.InstallSetName)
		}
	}
	opts := ilo.InvokeOptions{ClearTaskQueue: r.opt.ClearTaskQueue}
	if r.opt.Window.Name != "" {
		if opts.MaintenanceWindow, err = modkit.WindowID(ctx, c, r.opt.Window.Name); err != nil {
			return err
		}
	}
	queue, err := c.TaskQueue(ctx)
	if err != nil {
		return err
	}
	steps := map[string]ilo.InstallStep{}
	for _, s := range r.set.Sequence {
		steps[s.Name] = s
	}
	var own, others []ilo.UpdateTask
	running := 0
	for _, t := range queue {
		s, ok := steps[t.Name]
		switch {
		case !ok:
		case t.Command != s.Command || !strings.EqualFold(t.Filename, s.Filename):
			others = append(others, t)
		default:
			own = append(own, t)
			if !t.Terminal() {
				running++
			}
		}
	}
	if running == 0 {
		if len(others) > 0 && !r.opt.ClearTaskQueue {
			names := make([]string, 0, len(others))
			for _, t := range others {
				names = append(names, fmt.Sprintf("%q (%s %s, %s)", t.Name, t.Command, t.Filename, t.State))
			}
			return fmt.Errorf("the installation queue holds %s, named like steps of install set %q but not made by it: the iLO refuses an Invoke while a task of the same name is queued; delete it (fleetfw.ilo.update_task state=absent) or give clear_task_queue: true",
				strings.Join(names, ", "), r.set.Name)
		}
		if !r.opt.ClearTaskQueue {
			for _, t := range own {
				r.wrote = true
				if err := c.DeleteUpdateTask(ctx, t); err != nil {
					return fmt.Errorf("delete the earlier task %q of the set: %w", t.Name, err)
				}
			}
		}
		r.wrote = true
		if _, err := c.InvokeInstallSet(ctx, *r.set, opts); err != nil {
			return fmt.Errorf("invoke install set %q: %w", r.set.Name, err)
		}
	}
	r.st.Invoked = true
	r.st.WaitStarted = now()
	switch {
	case r.opt.Window.Name != "":
		r.finish(PhaseScheduled, fmt.Sprintf("install set %q invoked in maintenance window %q (%d tasks)", r.set.Name, r.opt.Window.Name, len(r.set.Sequence)))
	case !r.opt.Wait:
		r.finish(PhaseQueued, fmt.Sprintf("install set %q invoked (%d tasks); not waited for (wait: false)", r.set.Name, len(r.set.Sequence)))
	default:
		r.st.Phase = PhaseFlashing
		r.st.Line = r.line(fmt.Sprintf("install set %q invoked (%d tasks)", r.set.Name, len(r.set.Sequence)))
	}
	return nil
}
