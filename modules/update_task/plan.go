package updatetask

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// present keeps a task named a.Name with the settings asked for:
//   - Pending or InProgress with the same settings: nothing to do;
//   - Pending with other settings: PATCHed in place (it keeps its place in
//     the queue); InProgress with other settings: an error, it is running;
//   - terminal (Complete, Exception, Expired, Canceled), or none: a new task
//     is queued, after deleting the terminal one (names are unique).
//
// Options that are not given are not compared; relative times are compared
// only when the task is created (they were resolved then). modkit.Ensure
// reads and compares again when the task changed meanwhile. It also returns
// the task as the client has it (as it would be, in check mode).
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, queue []ilo.UpdateTask, res Result) (Result, *ilo.UpdateTask, error) {
	want, comp, err := desired(ctx, c, a)
	if err != nil {
		return Result{}, nil, err
	}
	k := modkit.NewClock(c.Clock)
	deleted := false // a terminal task of the name was deleted (a write that took effect)
	out, err := modkit.Ensure(ctx, m, modkit.Named[ilo.UpdateTask]{
		Kind: "task", Name: a.Name,
		List: c.TaskQueue,
		Find: func(q []ilo.UpdateTask) *ilo.UpdateTask {
			if i := slices.IndexFunc(q, func(t ilo.UpdateTask) bool { return t.Name == a.Name }); i >= 0 {
				return &q[i]
			}
			return nil
		},
		Compare: func(ctx context.Context, have *ilo.UpdateTask, _ []ilo.UpdateTask) (modkit.Plan[ilo.UpdateTask], error) {
			plan, err := compare(ctx, c, k, a, want, have, &deleted)
			if err == nil && len(plan.Diffs) > 0 && comp != nil {
				err = guard(ctx, m, c, a, comp)
			}
			return plan, err
		},
		View: viewOf,
	}, queue)
	res.ILOTime = k.Read()
	if err != nil {
		res, err = failed(res, deleted, privilege(err, a))
		return res, nil, err
	}
	have := out.Before
	res.Changed, res.Diff, res.Task = out.Changed, out.Diff, taskOf(*out.After)
	switch {
	case !out.Changed:
		res.Msg = fmt.Sprintf("task %q is queued (%s) as wanted", have.Name, have.State)
		return res, out.After, nil
	case have != nil && !have.Terminal():
		res.Msg = fmt.Sprintf("changed %s of Pending task %q", strings.Join(out.Diffs, ", "), a.Name)
	case have != nil:
		res.Deleted = append(res.Deleted, ref(*have))
		res.Msg = fmt.Sprintf("replaced %s task %q", have.State, a.Name)
	default:
		res.Msg = fmt.Sprintf("queued %q", a.Name)
	}
	if m.CheckMode {
		res.Msg = "would have " + res.Msg
	}
	return res, out.After, nil
}

// guard refuses, before a write, a component older than what its device
// runs (unless allow_downgrade).
func guard(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, comp *ilo.Component) error {
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		return err
	}
	return modkit.CheckDowngrades(comp.Downgrades(inv), a.AllowDowngrade, m.Warn)
}

// compare is the module's own comparison of the task have (nil: none)
// with want; deleted learns whether a write deleted a terminal task.
func compare(ctx context.Context, c *ilo.Client, k *modkit.Clock, a *Args, want ilo.NewUpdateTask, have *ilo.UpdateTask, deleted *bool) (modkit.Plan[ilo.UpdateTask], error) {
	var plan modkit.Plan[ilo.UpdateTask]
	if have != nil && !have.Terminal() {
		diffs := differences(*have, want, a)
		if len(diffs) == 0 {
			return plan, nil
		}
		if have.State != ilo.TaskPending {
			return plan, fmt.Errorf("task %q is %s with other settings (%s): a running task cannot be changed; wait until it ends or delete it (state: absent)",
				have.Name, have.State, strings.Join(diffs, ", "))
		}
		change := want
		change.StartAfter, change.Expire = modkit.Absolute(a.StartAfter), modkit.Absolute(a.Expire)
		plan.Diffs, plan.After = diffs, merged(*have, change)
		plan.Write = func(ctx context.Context, have *ilo.UpdateTask) (ilo.UpdateTask, error) {
			return c.UpdateUpdateTask(ctx, *have, change)
		}
		return plan, nil
	}
	// A new task: resolve relative times now, on the iLO's clock.
	var err error
	if want.StartAfter, err = k.Resolve(ctx, a.StartAfter); err != nil {
		return plan, fmt.Errorf("start_after: %w", err)
	}
	if want.Expire, err = k.Resolve(ctx, a.Expire); err != nil {
		return plan, fmt.Errorf("expire: %w", err)
	}
	if err := k.CheckTimes(ctx, want.StartAfter, want.Expire); err != nil {
		return plan, fmt.Errorf("task %q: %w", a.Name, err)
	}
	plan.Diffs = []string{"created"}
	plan.After = merged(ilo.UpdateTask{Name: a.Name, State: ilo.TaskPending}, want)
	plan.Write = func(ctx context.Context, have *ilo.UpdateTask) (ilo.UpdateTask, error) {
		if have != nil { // terminal: names are unique
			if err := c.DeleteUpdateTask(ctx, *have); err != nil {
				return ilo.UpdateTask{}, err
			}
			*deleted = true
		}
		return c.CreateUpdateTask(ctx, want)
	}
	return plan, nil
}

// desired is the task the options ask for, with the repository's
// UpdatableBy for ApplyUpdate unless given and the window's Id, and the
// repository component ApplyUpdate installs; times are left to the caller.
func desired(ctx context.Context, c *ilo.Client, a *Args) (ilo.NewUpdateTask, *ilo.Component, error) {
	want := ilo.NewUpdateTask{Name: a.Name, Command: a.Command, UpdatableBy: a.UpdatableBy,
		TPMOverride: a.TPMOverride, UpdateRecoverySet: a.UpdateRecoverySet}
	var comp *ilo.Component
	if a.Command == "ApplyUpdate" {
		var err error
		if comp, err = c.Component(ctx, a.Filename); err != nil {
			return want, nil, err
		}
		if comp == nil {
			return want, nil, fmt.Errorf("%s is not in the iLO Repository: upload it first (fleetfw.ilo.component)", a.Filename)
		}
		want.Filename = comp.Filename
		if len(want.UpdatableBy) == 0 {
			want.UpdatableBy = comp.UpdatableBy
		}
	}
	if a.Command == "Wait" {
		want.WaitTimeSeconds = a.WaitTimeSeconds
	}
	if a.MaintenanceWindow != "" {
		id, err := modkit.WindowID(ctx, c, a.MaintenanceWindow)
		if err != nil {
			return want, nil, err
		}
		want.MaintenanceWindow = id
	}
	return want, comp, nil
}

// differences names the settings of have that differ from want; options
// that were not given (and relative times) are not compared.
func differences(have ilo.UpdateTask, want ilo.NewUpdateTask, a *Args) []string {
	var d []string
	if have.Command != want.Command {
		d = append(d, "command")
	}
	if want.Filename != "" && !strings.EqualFold(have.Filename, want.Filename) {
		d = append(d, "filename")
	}
	if len(want.UpdatableBy) > 0 && !ilo.SameUpdatableBy(have.UpdatableBy, want.UpdatableBy) {
		d = append(d, "updatable_by")
	}
	if want.Command == "Wait" && have.WaitTimeSeconds != want.WaitTimeSeconds {
		d = append(d, "wait_time_seconds")
	}
	if want.MaintenanceWindow != "" && have.MaintenanceWindow != want.MaintenanceWindow {
		d = append(d, "maintenance_window")
	}
	if s := modkit.Absolute(a.StartAfter); s != "" && !modkit.SameTime(s, have.StartAfter) {
		d = append(d, "start_after")
	}
	if e := modkit.Absolute(a.Expire); e != "" && !modkit.SameTime(e, have.Expire) {
		d = append(d, "expire")
	}
	if have.TPMOverride != want.TPMOverride {
		d = append(d, "tpm_override")
	}
	if have.UpdateRecoverySet != want.UpdateRecoverySet {
		d = append(d, "update_recovery_set")
	}
	return d
}

// merged is t with the settings of n applied, as the iLO will show it.
func merged(t ilo.UpdateTask, n ilo.NewUpdateTask) ilo.UpdateTask {
	t.Command, t.Filename = n.Command, n.Filename
	if len(n.UpdatableBy) > 0 {
		t.UpdatableBy = n.UpdatableBy
	}
	if n.MaintenanceWindow != "" {
		t.MaintenanceWindow = n.MaintenanceWindow
	}
	if n.StartAfter != "" {
		t.StartAfter = n.StartAfter
	}
	if n.Expire != "" {
		t.Expire = n.Expire
	}
	t.TPMOverride, t.UpdateRecoverySet, t.WaitTimeSeconds = n.TPMOverride, n.UpdateRecoverySet, n.WaitTimeSeconds
	return t
}

// privilege explains a 403: update_recovery_set needs the Recovery Set
// privilege.
func privilege(err error, a *Args) error {
	if ilo.IsForbidden(err) && a.UpdateRecoverySet {
		return fmt.Errorf("update_recovery_set=true needs the Recovery Set privilege (SystemRecoveryConfigPriv), which this iLO account lacks: %w", err)
	}
	return err
}
