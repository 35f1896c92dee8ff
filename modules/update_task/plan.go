package updatetask

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
)

// present keeps a task named a.Name with the settings asked for:
//   - Pending or InProgress with the same settings: nothing to do;
//   - Pending with other settings: PATCHed in place (it keeps its place in
//     the queue); InProgress with other settings: an error, it is running;
//   - terminal (Complete, Exception, Expired, Canceled), or none: a new task
//     is queued, after deleting the terminal one (names are unique).
//
// Options that are not given are not compared; relative times are compared
// only when the task is created (they were resolved then).
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, queue []ilo.UpdateTask, res Result) (Result, error) {
	want, comp, err := desired(ctx, c, a)
	if err != nil {
		return Result{}, err
	}
	// guard refuses, before a write, a component older than what runs.
	guard := func() error {
		if comp == nil {
			return nil
		}
		inv, err := c.FirmwareInventory(ctx)
		if err != nil {
			return err
		}
		return ilo.CheckDowngrades(comp.Downgrades(inv), a.AllowDowngrade, m.Warn)
	}
	var have *ilo.UpdateTask
	if i := slices.IndexFunc(queue, func(t ilo.UpdateTask) bool { return t.Name == a.Name }); i >= 0 {
		have = &queue[i]
	}
	k := &clock{c: c}

	if have != nil && !have.Terminal() {
		diffs := differences(*have, want, a)
		if len(diffs) == 0 {
			res.Task, res.Msg = have, fmt.Sprintf("task %q is queued (%s) as wanted", have.Name, have.State)
			return res, nil
		}
		if have.State != ilo.TaskPending {
			return Result{}, fmt.Errorf("task %q is %s with other settings (%s): a running task cannot be changed; wait until it ends or delete it (state: absent)",
				have.Name, have.State, strings.Join(diffs, ", "))
		}
		change := want
		change.StartAfter, change.Expire = absolute(a.StartAfter), absolute(a.Expire)
		after := merged(*have, change)
		if err := guard(); err != nil {
			return Result{}, err
		}
		res.Changed = true
		res.Diff = &ansible.Diff{Before: viewOf(have), After: viewOf(&after)}
		if m.CheckMode {
			res.Task, res.Msg = &after, fmt.Sprintf("would have changed %s of Pending task %q", strings.Join(diffs, ", "), a.Name)
			return res, nil
		}
		t, err := c.UpdateUpdateTask(ctx, *have, change)
		if ilo.IsPreconditionFailed(err) {
			fresh := *have
			fresh.ETag = "" // changed since our read: read the ETag again, send the same change
			t, err = c.UpdateUpdateTask(ctx, fresh, change)
		}
		if err != nil {
			return failed(res, false, privilege(err, a))
		}
		res.Task, res.Msg = &t, fmt.Sprintf("changed %s of Pending task %q", strings.Join(diffs, ", "), a.Name)
		return res, nil
	}

	// A new task: resolve relative times now, on the iLO's clock.
	if want.StartAfter, err = resolve(ctx, k, a.StartAfter); err != nil {
		return Result{}, fmt.Errorf("start_after: %w", err)
	}
	if want.Expire, err = resolve(ctx, k, a.Expire); err != nil {
		return Result{}, fmt.Errorf("expire: %w", err)
	}
	if err := validTimes(ctx, k, want.StartAfter, want.Expire); err != nil {
		return Result{}, fmt.Errorf("task %q: %w", a.Name, err)
	}
	if !k.now.IsZero() {
		res.ILOTime = ilo.FormatTime(k.now)
	}
	after := merged(ilo.UpdateTask{Name: a.Name, State: ilo.TaskPending}, want)
	if err := guard(); err != nil {
		return Result{}, err
	}
	res.Changed = true
	res.Diff = &ansible.Diff{Before: viewOf(have), After: viewOf(&after)}
	verb := "queued"
	if have != nil {
		res.Deleted = append(res.Deleted, ref(*have))
		verb = fmt.Sprintf("replaced %s task", have.State)
	}
	if m.CheckMode {
		res.Task, res.Msg = &after, fmt.Sprintf("would have %s %q", verb, a.Name)
		return res, nil
	}
	if have != nil {
		if err := c.DeleteUpdateTask(ctx, *have); err != nil {
			return failed(res, false, err)
		}
	}
	t, err := c.CreateUpdateTask(ctx, want)
	if err != nil {
		return failed(res, have != nil, privilege(err, a))
	}
	res.Task, res.Msg = &t, fmt.Sprintf("%s %q", verb, a.Name)
	return res, nil
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
		ws, err := c.MaintenanceWindows(ctx)
		if err != nil {
			return want, nil, err
		}
		w := ilo.FindMaintenanceWindow(ws, a.MaintenanceWindow)
		if w == nil {
			return want, nil, fmt.Errorf("maintenance_window %q: no window has this name or Id; the iLO has %s", a.MaintenanceWindow, windowNames(ws))
		}
		want.MaintenanceWindow = w.ID
	}
	return want, comp, nil
}

func windowNames(ws []ilo.MaintenanceWindow) string {
	if len(ws) == 0 {
		return "none (create one with fleetfw.ilo.maintenance_window)"
	}
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%q (%s)", w.Name, w.ID))
	}
	return strings.Join(out, ", ")
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
	if len(want.UpdatableBy) > 0 && !sameSet(have.UpdatableBy, want.UpdatableBy) {
		d = append(d, "updatable_by")
	}
	if want.Command == "Wait" && have.WaitTimeSeconds != want.WaitTimeSeconds {
		d = append(d, "wait_time_seconds")
	}
	if want.MaintenanceWindow != "" && have.MaintenanceWindow != want.MaintenanceWindow {
		d = append(d, "maintenance_window")
	}
	if s := absolute(a.StartAfter); s != "" && !ilo.SameTime(s, have.StartAfter) {
		d = append(d, "start_after")
	}
	if e := absolute(a.Expire); e != "" && !ilo.SameTime(e, have.Expire) {
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

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// absolute returns a date-time option in iLO's form, "" when it is not
// given or relative.
func absolute(opt string) string {
	if opt == "" || ilo.IsRelativeTime(opt) {
		return ""
	}
	t, err := ilo.ParseTime(opt)
	if err != nil {
		return ""
	}
	return ilo.FormatTime(t)
}

// resolve returns the date-time an option asks for ("" when not given).
func resolve(ctx context.Context, k *clock, opt string) (string, error) {
	if opt == "" {
		return "", nil
	}
	var now time.Time
	if ilo.IsRelativeTime(opt) {
		var err error
		if now, err = k.read(ctx); err != nil {
			return "", err
		}
	}
	t, err := ilo.ResolveTime(opt, now)
	if err != nil {
		return "", err
	}
	return ilo.FormatTime(t), nil
}

// validTimes checks times about to be written: expire after start_after
// and in the future by the iLO's clock.
func validTimes(ctx context.Context, k *clock, start, expire string) error {
	if expire == "" {
		return nil
	}
	e, _ := time.Parse(time.RFC3339, expire)
	if start != "" {
		s, _ := time.Parse(time.RFC3339, start)
		if !e.After(s) {
			return fmt.Errorf("expire (%s) must be after start_after (%s)", expire, start)
		}
	}
	now, err := k.read(ctx)
	if err != nil {
		return err
	}
	if !e.After(now) {
		return fmt.Errorf("expire (%s) is not in the future by the iLO's clock (%s)", expire, ilo.FormatTime(now))
	}
	return nil
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
