package maintenancewindow

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// present creates the window, or PATCHes the settings that differ
// (modkit.Ensure: a window changed meanwhile is read and compared again).
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, windows []ilo.MaintenanceWindow, res Result) (Result, error) {
	k := modkit.NewClock(c.Clock)
	out, err := modkit.Ensure(ctx, m, modkit.Named[ilo.MaintenanceWindow]{
		Kind: "maintenance window", Name: a.Name,
		List: c.MaintenanceWindows,
		Find: func(ws []ilo.MaintenanceWindow) *ilo.MaintenanceWindow { return byName(ws, a.Name) },
		Compare: func(ctx context.Context, have *ilo.MaintenanceWindow, all []ilo.MaintenanceWindow) (modkit.Plan[ilo.MaintenanceWindow], error) {
			return compare(ctx, c, k, a, have, all)
		},
		View: viewOf,
	}, windows)
	res.ILOTime = k.Read()
	if err != nil {
		return failed(res, false, err)
	}
	res.Changed, res.Diff = out.Changed, out.Diff
	w := modkit.MaintenanceWindowOf(*out.After)
	res.Window = &w
	verb := "updated"
	if out.Created() {
		verb = "created"
	}
	switch {
	case !out.Changed:
		res.Msg = fmt.Sprintf("maintenance window %q is as wanted", a.Name)
	case m.CheckMode:
		res.Msg = fmt.Sprintf("would have %s maintenance window %q (%s to %s)", verb, a.Name, w.StartAfter, orNever(w.Expire))
	default:
		res.Msg = fmt.Sprintf("%s maintenance window %q (%s to %s)", verb, w.Name, w.StartAfter, orNever(w.Expire))
	}
	return res, nil
}

// compare is the module's own comparison. A relative time is resolved
// against the iLO's clock only when the module writes it: for a window that
// exists, relative start_after and expire are not compared (they were
// resolved when the window was created), so a rerun an hour later does not
// move the window by an hour.
func compare(ctx context.Context, c *ilo.Client, k *modkit.Clock, a *Args, have *ilo.MaintenanceWindow, windows []ilo.MaintenanceWindow) (modkit.Plan[ilo.MaintenanceWindow], error) {
	var plan modkit.Plan[ilo.MaintenanceWindow]
	start, err := wanted(ctx, k, a.StartAfter, have != nil)
	if err != nil {
		return plan, fmt.Errorf("start_after: %w", err)
	}
	expire, err := wanted(ctx, k, a.Expire, have != nil)
	if err != nil {
		return plan, fmt.Errorf("expire: %w", err)
	}
	if have == nil {
		if start == "" {
			return plan, fmt.Errorf("maintenance window %q does not exist: give start_after to create it", a.Name)
		}
		if len(windows) >= maxWindows {
			return plan, fmt.Errorf("cannot create maintenance window %q: the iLO keeps at most %d windows and has %d: %s; delete one first (state: absent)",
				a.Name, maxWindows, len(windows), strings.Join(names(windows), ", "))
		}
		n := ilo.NewMaintenanceWindow{Name: a.Name, Description: a.Description, StartAfter: start, Expire: expire}
		plan.After = ilo.MaintenanceWindow{Name: a.Name, Description: a.Description, StartAfter: start, Expire: expire}
		if err := k.CheckTimes(ctx, start, expire); err != nil {
			return plan, fmt.Errorf("maintenance window %q: %w", a.Name, err)
		}
		plan.Diffs = []string{"created"}
		plan.Write = func(ctx context.Context, _ *ilo.MaintenanceWindow) (ilo.MaintenanceWindow, error) {
			return c.CreateMaintenanceWindow(ctx, n)
		}
		return plan, nil
	}
	change, after := ilo.NewMaintenanceWindow{}, *have
	if a.Description != "" && a.Description != have.Description {
		change.Description, after.Description = a.Description, a.Description
		plan.Diffs = append(plan.Diffs, "description")
	}
	if start != "" && !modkit.SameTime(start, have.StartAfter) {
		change.StartAfter, after.StartAfter = start, start
		plan.Diffs = append(plan.Diffs, "start_after")
	}
	if expire != "" && !modkit.SameTime(expire, have.Expire) {
		change.Expire, after.Expire = expire, expire
		plan.Diffs = append(plan.Diffs, "expire")
	}
	if change.StartAfter != "" || change.Expire != "" {
		if err := k.CheckTimes(ctx, after.StartAfter, after.Expire); err != nil {
			return plan, fmt.Errorf("maintenance window %q: %w", a.Name, err)
		}
	}
	plan.After = after
	plan.Write = func(ctx context.Context, have *ilo.MaintenanceWindow) (ilo.MaintenanceWindow, error) {
		return c.UpdateMaintenanceWindow(ctx, *have, change)
	}
	return plan, nil
}

func byName(ws []ilo.MaintenanceWindow, name string) *ilo.MaintenanceWindow {
	for i := range ws {
		if ws[i].Name == name {
			return &ws[i]
		}
	}
	return nil
}

// wanted returns the iLO date-time an option asks for, or "" when the
// option does not constrain the window: not given, or relative while the
// window exists.
func wanted(ctx context.Context, k *modkit.Clock, opt string, exists bool) (string, error) {
	if exists && modkit.IsRelativeTime(opt) {
		return "", nil
	}
	return k.Resolve(ctx, opt)
}

func orNever(expire string) string {
	if expire == "" {
		return "no expiry"
	}
	return expire
}

// remove deletes one window by name, or all of them with all=true, and
// reports the queued tasks the deletion canceled.
func remove(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, windows []ilo.MaintenanceWindow, res Result) (Result, error) {
	var targets []ilo.MaintenanceWindow
	for _, w := range windows {
		if a.All || w.Name == a.Name {
			targets = append(targets, w)
		}
	}
	if len(targets) == 0 {
		res.Msg = fmt.Sprintf("no maintenance window named %q", a.Name)
		if a.All {
			res.Msg = "no maintenance windows"
		}
		return res, nil
	}
	ids := map[string]bool{}
	before := make([]any, 0, len(targets))
	for i, w := range targets {
		ids[w.ID] = true
		res.Deleted = append(res.Deleted, w.Name)
		before = append(before, viewOf(&targets[i]))
	}
	if !a.All {
		w := modkit.MaintenanceWindowOf(targets[0])
		res.Window = &w
		res.Diff = &ansible.Diff{Before: before[0], After: map[string]any{}}
	} else {
		res.Diff = &ansible.Diff{Before: map[string]any{"windows": before}, After: map[string]any{"windows": []any{}}}
	}
	queue, err := c.TaskQueue(ctx)
	if err != nil {
		return Result{}, err
	}
	scheduled := map[string]bool{}
	for _, t := range queue {
		if ids[t.MaintenanceWindow] && !t.Terminal() {
			scheduled[t.ID] = true
			if m.CheckMode && t.State == ilo.TaskPending {
				res.CanceledTasks = append(res.CanceledTasks, TaskRef{ID: t.ID, Name: t.Name, State: t.State})
			}
		}
	}
	res.Changed = true
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would have deleted maintenance windows %s, canceling %d queued tasks", strings.Join(names(targets), ", "), len(res.CanceledTasks))
		return res, nil
	}
	if a.All {
		err = c.DeleteMaintenanceWindows(ctx)
	} else {
		err = c.DeleteMaintenanceWindow(ctx, targets[0])
	}
	if err != nil {
		return failed(res, false, err)
	}
	if len(scheduled) > 0 {
		after, err := c.TaskQueue(ctx)
		if err != nil {
			return failed(res, true, fmt.Errorf("deleted, then: %w", err))
		}
		for _, t := range after {
			if scheduled[t.ID] && t.State == ilo.TaskCanceled {
				res.CanceledTasks = append(res.CanceledTasks, TaskRef{ID: t.ID, Name: t.Name, State: t.State})
			}
		}
	}
	res.Msg = fmt.Sprintf("deleted maintenance windows %s; %d queued tasks became Canceled", strings.Join(names(targets), ", "), len(res.CanceledTasks))
	return res, nil
}
