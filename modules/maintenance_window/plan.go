package maintenancewindow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
)

// present creates the window, or PATCHes the settings that differ.
//
// A relative time is resolved against the iLO's clock only when the module
// writes it: for a window that exists, relative start_after and expire are
// not compared (they were resolved when the window was created), so a rerun
// an hour later does not move the window by an hour.
func present(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, windows []ilo.MaintenanceWindow, res Result) (Result, error) {
	k := &clock{c: c}
	var have *ilo.MaintenanceWindow
	for i := range windows {
		if windows[i].Name == a.Name {
			have = &windows[i]
		}
	}
	exists := have != nil
	start, err := wanted(ctx, k, a.StartAfter, exists)
	if err != nil {
		return Result{}, fmt.Errorf("start_after: %w", err)
	}
	expire, err := wanted(ctx, k, a.Expire, exists)
	if err != nil {
		return Result{}, fmt.Errorf("expire: %w", err)
	}

	change := ilo.NewMaintenanceWindow{}
	after := ilo.MaintenanceWindow{Name: a.Name, Description: a.Description, StartAfter: start, Expire: expire}
	if exists {
		after = *have
		if a.Description != "" && a.Description != have.Description {
			change.Description, after.Description = a.Description, a.Description
		}
		if start != "" && !ilo.SameTime(start, have.StartAfter) {
			change.StartAfter, after.StartAfter = start, start
		}
		if expire != "" && !ilo.SameTime(expire, have.Expire) {
			change.Expire, after.Expire = expire, expire
		}
		if change == (ilo.NewMaintenanceWindow{}) {
			res.Window, res.Msg, res.ILOTime = have, fmt.Sprintf("maintenance window %q is as wanted", a.Name), iloTime(k)
			return res, nil
		}
	} else {
		if start == "" {
			return Result{}, fmt.Errorf("maintenance window %q does not exist: give start_after to create it", a.Name)
		}
		if len(windows) >= maxWindows {
			return Result{}, fmt.Errorf("cannot create maintenance window %q: the iLO keeps at most %d windows and has %d: %s; delete one first (state: absent)",
				a.Name, maxWindows, len(windows), strings.Join(names(windows), ", "))
		}
	}
	if !exists || change.StartAfter != "" || change.Expire != "" {
		if err := validTimes(ctx, k, after); err != nil {
			return Result{}, fmt.Errorf("maintenance window %q: %w", a.Name, err)
		}
	}
	res.Changed, res.ILOTime = true, iloTime(k)
	res.Diff = &ansible.Diff{Before: viewOf(have), After: viewOf(&after)}
	verb := "created"
	if exists {
		verb = "updated"
	}
	if m.CheckMode {
		res.Window, res.Msg = &after, fmt.Sprintf("would have %s maintenance window %q (%s to %s)", verb, a.Name, after.StartAfter, orNever(after.Expire))
		return res, nil
	}
	var w ilo.MaintenanceWindow
	if exists {
		w, err = c.UpdateMaintenanceWindow(ctx, *have, change)
		if ilo.IsPreconditionFailed(err) {
			// Someone changed the window between our read and the PATCH:
			// read its ETag again and send the same change once more.
			fresh := *have
			fresh.ETag = ""
			w, err = c.UpdateMaintenanceWindow(ctx, fresh, change)
		}
	} else {
		w, err = c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: a.Name, Description: a.Description, StartAfter: start, Expire: expire})
	}
	if err != nil {
		return failed(res, false, err)
	}
	res.Window = &w
	res.Msg = fmt.Sprintf("%s maintenance window %q (%s to %s)", verb, w.Name, w.StartAfter, orNever(w.Expire))
	return res, nil
}

// wanted returns the iLO date-time an option asks for, or "" when the
// option does not constrain the window: not given, or relative while the
// window exists.
func wanted(ctx context.Context, k *clock, opt string, exists bool) (string, error) {
	if opt == "" || (exists && ilo.IsRelativeTime(opt)) {
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

// validTimes checks a window about to be written: expire after start_after
// and in the future by the iLO's clock.
func validTimes(ctx context.Context, k *clock, w ilo.MaintenanceWindow) error {
	if w.Expire == "" {
		return nil
	}
	start, err1 := time.Parse(time.RFC3339, w.StartAfter)
	expire, err2 := time.Parse(time.RFC3339, w.Expire)
	if err1 != nil || err2 != nil {
		return nil // the iLO's own value; let the iLO judge
	}
	if !expire.After(start) {
		return fmt.Errorf("expire (%s) must be after start_after (%s)", w.Expire, w.StartAfter)
	}
	now, err := k.read(ctx)
	if err != nil {
		return err
	}
	if !expire.After(now) {
		return fmt.Errorf("expire (%s) is not in the future by the iLO's clock (%s)", w.Expire, ilo.FormatTime(now))
	}
	return nil
}

func iloTime(k *clock) string {
	if k.now.IsZero() {
		return ""
	}
	return ilo.FormatTime(k.now)
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
		res.Window = &targets[0]
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
