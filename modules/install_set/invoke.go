package installset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// pollEvery is how often a wait reads the installation queue.
const pollEvery = time.Second

// invoked makes sure the set's steps are queued with the parameters asked
// for. Tasks of this set (ownTasks: named after its steps, with the step's
// command and file, created after the set) that are Pending or InProgress
// with the same parameters count as invoked: changed=false unless force.
// Otherwise the set is invoked, after deleting the set's own earlier tasks
// (iLO refuses an Invoke whose task names are taken). A queued task that
// only bears a step's name — another set's, or the user's own — is never
// touched: the module refuses instead (unless clear_task_queue, which the
// user asks the iLO to clear everything with). Only the tasks the Invoke
// made are reported and waited for. A sequence given with state=invoked is
// first made present.
func invoked(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, sets []ilo.InstallSet, res Result) (Result, error) {
	set := byName(sets, a.Name)
	if len(a.Sequence) > 0 || a.Description != "" || a.IsRecovery != nil {
		var err error
		if res, set, err = present(ctx, m, c, a, sets, res); err != nil {
			return res, err // present said what it changed
		}
	}
	wrote := res.Changed // present() created or changed the set
	if set == nil {
		return failed(res, wrote, fmt.Errorf("install set %q does not exist; the iLO has %s", a.Name, orNone(setNames(sets))))
	}
	ps, err := parameters(ctx, c, a)
	if err != nil {
		return failed(res, wrote, err)
	}
	if ps.now != "" {
		res.ILOTime = ps.now
	}
	queue, err := c.TaskQueue(ctx)
	if err != nil {
		return failed(res, wrote, err)
	}
	mine, others := ownTasks(*set, queue)
	if !a.Force && len(mine) == len(set.Sequence) && allMatch(*set, mine, ps, a) {
		res.Tasks = statuses(*set, mine)
		res.Msg = fmt.Sprintf("install set %q is already invoked: %d tasks queued with these parameters", set.Name, len(mine))
		if a.Wait && !m.CheckMode {
			return wait(ctx, c, a, *set, res, ids(mine))
		}
		return res, nil
	}
	if len(others) > 0 && !a.ClearTaskQueue {
		return failed(res, wrote, fmt.Errorf("the installation queue holds %s, named like steps of install set %q but not made by it (another command or file, or created before the set): iLO refuses an Invoke while a task of the same name is queued, and this module deletes only tasks the set made; delete that task (fleetfw.ilo.update_task state=absent), rename the step, or give clear_task_queue=true to have the iLO clear the whole queue",
			describeTasks(others), set.Name))
	}
	for _, t := range mine {
		if t.State == ilo.TaskInProgress && !a.Force {
			return failed(res, wrote, fmt.Errorf("task %q of install set %q is InProgress with other parameters: wait until it ends, or give force=true to replace it", t.Name, set.Name))
		}
	}
	installs, downgrades, err := installsOf(ctx, c, *set)
	if err != nil {
		return failed(res, wrote, err)
	}
	res.Installs = installs
	if set.IsRecovery {
		for _, d := range downgrades {
			m.Warn("the System Recovery Set installs %s (%s), older than the %s that %s runs", d.File, d.Version, d.Running, d.Device)
		}
	}
	if err := modkit.CheckDowngrades(downgrades, a.AllowDowngrade, m.Warn); err != nil {
		return failed(res, wrote, err)
	}
	res.Changed = true
	before := map[string]any{"tasks": taskViews(mine)}
	planned := make([]TaskStatus, 0, len(set.Sequence))
	for _, st := range set.Sequence {
		planned = append(planned, TaskStatus{Name: st.Name, State: ilo.TaskPending})
	}
	res.Diff = &ansible.Diff{Before: before, After: map[string]any{"tasks": planned, "maintenance_window": ps.opts.MaintenanceWindow,
		"start_after": ps.opts.StartAfter, "expire": ps.opts.Expire, "tpm_override": ps.opts.TPMOverride, "update_recovery_set": ps.opts.UpdateRecoverySet}}
	replaced := ""
	if len(mine) > 0 && !a.ClearTaskQueue {
		replaced = fmt.Sprintf(", replacing %d queued tasks of the set", len(mine))
	}
	if m.CheckMode {
		res.Tasks = planned
		res.Msg = fmt.Sprintf("would have invoked install set %q (%d tasks%s)", set.Name, len(set.Sequence), replaced)
		return res, nil
	}
	deleted := false
	if !a.ClearTaskQueue {
		for _, t := range mine {
			if err := c.DeleteUpdateTask(ctx, t); err != nil {
				return failed(res, wrote || deleted, err)
			}
			deleted = true
		}
	}
	old := ids(queue)
	if _, err := c.InvokeInstallSet(ctx, *set, ps.opts); err != nil {
		if a.UpdateRecoverySet {
			err = privilege(err, "update_recovery_set=true")
		}
		return failed(res, wrote || deleted, err)
	}
	queue, err = c.TaskQueue(ctx)
	if err != nil {
		return failed(res, true, fmt.Errorf("invoked, then: %w", err))
	}
	// The Invoke's tasks: new in the queue and named after the steps.
	made, _ := ownTasks(*set, newTasks(queue, old))
	res.Tasks = statuses(*set, made)
	res.Msg = fmt.Sprintf("invoked install set %q: %d tasks queued%s", set.Name, len(res.Tasks), replaced)
	if a.Wait {
		return wait(ctx, c, a, *set, res, ids(made))
	}
	return res, nil
}

// installsOf lists the files the set's ApplyUpdate steps install, with
// their versions and what the devices they update run, and the downgrades
// among them.
func installsOf(ctx context.Context, c *ilo.Client, set ilo.InstallSet) ([]Install, []ilo.Downgrade, error) {
	repo, err := c.Repository(ctx)
	if err != nil {
		return nil, nil, err
	}
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []Install
	var downgrades []ilo.Downgrade
	for _, st := range set.Sequence {
		if st.Command != "ApplyUpdate" {
			continue
		}
		in := Install{Step: st.Name, Filename: st.Filename, Devices: []Running{}}
		if comp := repo.Find(st.Filename); comp != nil {
			in.Version = comp.Version
			for _, it := range comp.Updates(inv) {
				in.Devices = append(in.Devices, Running{Name: it.Name, Version: it.Version})
			}
			ds := comp.Downgrades(inv)
			in.Older = len(ds) > 0
			downgrades = append(downgrades, ds...)
		}
		out = append(out, in)
	}
	return out, downgrades, nil
}

// failed is what an invocation that failed with err returns: changed only
// when a write may have taken effect (wrote: one did), outcome unknown when
// the iLO's answer to the last write was lost.
func failed(res Result, wrote bool, err error) (Result, error) {
	res.Changed, res.Outcome, err = modkit.WriteStatus(false, wrote, err)
	return res, err
}

// ids returns the Ids of tasks.
func ids(ts []ilo.UpdateTask) map[string]bool {
	out := make(map[string]bool, len(ts))
	for _, t := range ts {
		out[t.ID] = true
	}
	return out
}

// newTasks returns the tasks of queue whose Id is not in old.
func newTasks(queue []ilo.UpdateTask, old map[string]bool) []ilo.UpdateTask {
	var out []ilo.UpdateTask
	for _, t := range queue {
		if !old[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

// describeTasks writes "task "name" (Id 3, ApplyUpdate file.bin, Pending), …".
func describeTasks(ts []ilo.UpdateTask) string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		what := t.Command
		if t.Filename != "" {
			what += " " + t.Filename
		}
		out = append(out, fmt.Sprintf("task %q (Id %s, %s, %s)", t.Name, t.ID, what, t.State))
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// params are the Invoke parameters, resolved.
type params struct {
	opts ilo.InvokeOptions
	// start and expire are the absolute times to compare with queued tasks
	// ("" when not given or relative).
	start, expire string
	now           string // the iLO clock, when read
}

// parameters resolves the window to its Id and relative times against the
// iLO's clock, and checks expire.
func parameters(ctx context.Context, c *ilo.Client, a *Args) (p params, err error) {
	p.opts = ilo.InvokeOptions{ClearTaskQueue: a.ClearTaskQueue, TPMOverride: a.TPMOverride, UpdateRecoverySet: a.UpdateRecoverySet}
	if a.MaintenanceWindow != "" {
		id, err := modkit.WindowID(ctx, c, a.MaintenanceWindow)
		if err != nil {
			return p, err
		}
		p.opts.MaintenanceWindow = id
	}
	k := modkit.NewClock(c.Clock)
	defer func() { p.now = k.Read() }() // the clock as read, also when a check fails
	if p.opts.StartAfter, err = k.Resolve(ctx, a.StartAfter); err != nil {
		return p, fmt.Errorf("start_after: %w", err)
	}
	if p.opts.Expire, err = k.Resolve(ctx, a.Expire); err != nil {
		return p, fmt.Errorf("expire: %w", err)
	}
	p.start, p.expire = modkit.Absolute(a.StartAfter), modkit.Absolute(a.Expire)
	return p, k.CheckTimes(ctx, p.opts.StartAfter, p.opts.Expire)
}

// ownTasks splits the queued tasks named after the set's steps into those
// an Invoke of this set made — the step's command and file, and created
// no earlier than the set when both times are known — and the others:
// another set's or the user's tasks that only share a name. Tasks carry no
// link to the set that made them (reference §8.4), so this is the closest
// tell; a task identical in name, command and file does what the step does.
func ownTasks(set ilo.InstallSet, queue []ilo.UpdateTask) (own, others []ilo.UpdateTask) {
	steps := map[string]ilo.InstallStep{}
	for _, st := range set.Sequence {
		steps[st.Name] = st
	}
	created, cerr := modkit.ParseTime(set.Created)
	for _, t := range queue {
		st, ok := steps[t.Name]
		if !ok {
			continue
		}
		same := t.Command == st.Command && strings.EqualFold(t.Filename, st.Filename)
		if tc, err := modkit.ParseTime(t.Created); same && err == nil && cerr == nil && tc.Before(created) {
			same = false // queued before the set existed
		}
		if same {
			own = append(own, t)
		} else {
			others = append(others, t)
		}
	}
	return own, others
}

// allMatch reports whether every step has a Pending or InProgress task
// with the step's command and file and the Invoke parameters asked for.
// Relative times are not compared: they were resolved when the set was
// invoked.
func allMatch(set ilo.InstallSet, tasks []ilo.UpdateTask, p params, a *Args) bool {
	byName := map[string]ilo.UpdateTask{}
	for _, t := range tasks {
		byName[t.Name] = t
	}
	for _, st := range set.Sequence {
		t, ok := byName[st.Name]
		switch {
		case !ok, t.Terminal(),
			t.Command != st.Command, !strings.EqualFold(t.Filename, st.Filename),
			t.MaintenanceWindow != p.opts.MaintenanceWindow,
			p.start != "" && !modkit.SameTime(p.start, t.StartAfter),
			p.expire != "" && !modkit.SameTime(p.expire, t.Expire),
			t.TPMOverride != a.TPMOverride, t.UpdateRecoverySet != a.UpdateRecoverySet:
			return false
		}
	}
	return true
}

// statuses lists the set's tasks (from its own tasks) in sequence order.
func statuses(set ilo.InstallSet, queue []ilo.UpdateTask) []TaskStatus {
	out := make([]TaskStatus, 0, len(set.Sequence))
	for _, st := range set.Sequence {
		for _, t := range queue {
			if t.Name == st.Name {
				out = append(out, TaskStatus{ID: t.ID, Name: t.Name, State: t.State, Result: t.Result})
				break
			}
		}
	}
	return out
}

func taskViews(ts []ilo.UpdateTask) []TaskStatus {
	out := make([]TaskStatus, 0, len(ts))
	for _, t := range ts {
		out = append(out, TaskStatus{ID: t.ID, Name: t.Name, State: t.State, Result: t.Result})
	}
	return out
}

// wait reads the queue until every task of the set is terminal, for at
// most wait_timeout seconds. A task that ends otherwise than Complete, or
// the timeout, fails the module with every task's state and result, in the
// message and in tasks (the result is returned with the error: the set was
// invoked, so changed stays true).
func wait(ctx context.Context, c *ilo.Client, a *Args, set ilo.InstallSet, res Result, mine map[string]bool) (Result, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Duration(a.WaitTimeout)*time.Second)
	defer cancel()
	_, err := c.Poll(wctx, ilo.Pace{First: pollEvery, Every: pollEvery}, ilo.ResetFails, func(ctx context.Context, n ilo.PollResult) (ilo.Reading, error) {
		if n.Readings > 0 || !finished(set, res.Tasks) {
			queue, err := c.TaskQueue(ctx)
			if err != nil {
				return ilo.Reading{}, err
			}
			var own []ilo.UpdateTask
			for _, t := range queue {
				if mine[t.ID] {
					own = append(own, t)
				}
			}
			res.Tasks = statuses(set, own)
		}
		return ilo.Reading{Done: finished(set, res.Tasks)}, nil
	})
	var pt *ilo.PollTimeout
	switch {
	case errors.As(err, &pt) && ctx.Err() == nil:
		return res, fmt.Errorf("install set %q: tasks not finished after %d s (wait_timeout): %s", set.Name, a.WaitTimeout, describe(res.Tasks))
	case err != nil:
		return res, fmt.Errorf("wait for install set %q: %w", set.Name, err)
	}
	for _, t := range res.Tasks {
		if t.State != ilo.TaskComplete {
			return res, fmt.Errorf("install set %q: not every task completed: %s", set.Name, describe(res.Tasks))
		}
	}
	res.Msg += fmt.Sprintf("; all %d tasks Complete", len(res.Tasks))
	return res, nil
}

// finished reports whether every step of the set has a task, all terminal.
func finished(set ilo.InstallSet, tasks []TaskStatus) bool {
	if len(tasks) != len(set.Sequence) {
		return false
	}
	for _, t := range tasks {
		if !terminal(t.State) {
			return false
		}
	}
	return true
}

func terminal(state string) bool { return ilo.UpdateTask{State: state}.Terminal() }

// describe writes "name: State (MessageId: meaning), …".
func describe(ts []TaskStatus) string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		s := t.Name + ": " + t.State
		if t.Result != nil {
			s += " (" + t.Result.String() + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
