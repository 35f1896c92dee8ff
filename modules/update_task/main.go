// Package updatetask is the fleetfw.ilo.update_task module: it keeps a task
// in the iLO's installation queue (UpdateTaskQueue) — apply a repository
// component, reset the server or the iLO, wait — or removes tasks
// (plugins/modules/update_task.py documents it).
package updatetask

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs        // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	Name            string `json:"name" validate:"omitempty,nocontrol"`
	State           string `json:"state" default:"present" validate:"oneof=present absent"`
	Command         string `json:"command" validate:"omitempty,oneof=ApplyUpdate ResetServer ResetBmc Wait PendingReset"`
	// Filename is the repository component ApplyUpdate installs.
	Filename        string   `json:"filename" validate:"omitempty,nocontrol"`
	UpdatableBy     []string `json:"updatable_by" validate:"omitempty,dive,oneof=Bmc Uefi RuntimeAgent"`
	WaitTimeSeconds int      `json:"wait_time_seconds" validate:"min=0,max=3600"`
	// MaintenanceWindow is a window's name or Id.
	MaintenanceWindow string `json:"maintenance_window"`
	StartAfter        string `json:"start_after"`
	Expire            string `json:"expire"`
	TPMOverride       bool   `json:"tpm_override" default:"false"`
	UpdateRecoverySet bool   `json:"update_recovery_set" default:"false"`
	// AllowDowngrade lets ApplyUpdate queue a component older than what its
	// device runs (with a warning); without it that is refused.
	AllowDowngrade bool `json:"allow_downgrade" default:"false"`
	// Clear removes the terminal tasks (finished) or every task (all).
	Clear string `json:"clear" validate:"omitempty,oneof=finished all"`
	// Wait waits until the task ends (Complete, Exception, Expired or
	// Canceled), for at most WaitTimeout seconds.
	Wait        bool `json:"wait" default:"false"`
	WaitTimeout int  `json:"wait_timeout" default:"3600" validate:"min=1,max=86400"`
}

// maxLen is iLO's limit for task names.
const maxLen = 64

// Rules: a task by name, or a clearing of the queue.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"name", "clear"}, {"maintenance_window", "start_after"}, {"maintenance_window", "expire"}},
		RequiredOneOf:     [][]string{{"name", "clear"}},
	}
}

// Check validates what needs no iLO.
func (a Args) Check() error {
	present := a.State == "present" && a.Clear == ""
	if err := modkit.CheckLength("name", a.Name, maxLen); err != nil {
		return err
	}
	switch {
	case present && a.Command == "":
		return errors.New("state=present needs command (ApplyUpdate, ResetServer, ResetBmc, Wait or PendingReset)")
	case present && a.Command == "ApplyUpdate" && a.Filename == "":
		return errors.New("command=ApplyUpdate needs filename, a component in the iLO Repository")
	case a.Filename != "" && a.Command != "ApplyUpdate":
		return errors.New("filename goes with command=ApplyUpdate")
	case a.WaitTimeSeconds != 0 && a.Command != "Wait":
		return errors.New("wait_time_seconds goes with command=Wait")
	case a.Clear != "" && (a.Command != "" || a.Filename != "" || a.MaintenanceWindow != "" || a.StartAfter != "" || a.Expire != ""):
		return errors.New("clear removes tasks: it takes no task settings")
	case a.State == "absent" && a.Clear == "" && a.Command != "":
		return errors.New("state=absent removes the task by name: it takes no task settings")
	case a.Wait && !present:
		return errors.New("wait goes with state=present: it waits until the task ends")
	case a.AllowDowngrade && a.Command != "ApplyUpdate":
		return errors.New("allow_downgrade goes with command=ApplyUpdate")
	}
	return modkit.CheckSchedule(a.StartAfter, a.Expire)
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// Task is the task after the module ran (before it, with state=absent).
	Task *modkit.Task `json:"task,omitempty"`
	// Deleted are the tasks removed: the one named, a terminal one replaced,
	// or those clear removed.
	Deleted []TaskRef `json:"deleted"`
	// ILOTime is the iLO's clock when a relative time was resolved.
	ILOTime string `json:"ilo_time,omitempty"`
	// Outcome is "unknown" when the module failed after a write whose
	// effect it cannot tell.
	Outcome string `json:"outcome,omitempty"`
}

// TaskRef names a queued task and gives its state.
type TaskRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
}

func ref(t ilo.UpdateTask) TaskRef { return TaskRef{ID: t.ID, Name: t.Name, State: t.State} }

// Module is fleetfw.ilo.update_task.
var Module = ansible.New("update_task", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		res := Result{Deleted: []TaskRef{}}
		queue, err := c.TaskQueue(ctx)
		if err != nil {
			return Result{}, err
		}
		switch {
		case a.Clear != "":
			return clearQueue(ctx, m, c, a, queue, res)
		case a.State == "absent":
			return remove(ctx, m, c, a, queue, res)
		}
		res, t, err := present(ctx, m, c, a, queue, res)
		if err != nil || !a.Wait || m.CheckMode {
			return res, err
		}
		return waitTask(ctx, c, a, res, *t)
	})
}

// failed is what a task that failed with err returns: changed only when a
// write may have taken effect (wrote: one did), outcome unknown when the
// iLO's answer to a write was lost.
func failed(res Result, wrote bool, err error) (Result, error) {
	res.Changed, res.Outcome, err = modkit.WriteStatus(false, wrote, err)
	return res, err
}

// taskOf returns t as the result shows it.
func taskOf(t ilo.UpdateTask) *modkit.Task {
	out := modkit.TaskOf(t)
	return &out
}

// view is a task as --diff shows it.
type view struct {
	Name              string   `json:"name"`
	Command           string   `json:"command"`
	Filename          string   `json:"filename,omitempty"`
	UpdatableBy       []string `json:"updatable_by,omitempty"`
	State             string   `json:"state,omitempty"`
	MaintenanceWindow string   `json:"maintenance_window,omitempty"`
	StartAfter        string   `json:"start_after,omitempty"`
	Expire            string   `json:"expire,omitempty"`
	TPMOverride       bool     `json:"tpm_override"`
	UpdateRecoverySet bool     `json:"update_recovery_set"`
	WaitTimeSeconds   int      `json:"wait_time_seconds,omitempty"`
}

func viewOf(t *ilo.UpdateTask) any {
	if t == nil {
		return map[string]any{}
	}
	return view{Name: t.Name, Command: t.Command, Filename: t.Filename, UpdatableBy: t.UpdatableBy, State: t.State,
		MaintenanceWindow: t.MaintenanceWindow, StartAfter: t.StartAfter, Expire: t.Expire,
		TPMOverride: t.TPMOverride, UpdateRecoverySet: t.UpdateRecoverySet, WaitTimeSeconds: t.WaitTimeSeconds}
}

func viewsOf(ts []ilo.UpdateTask) []any {
	out := make([]any, 0, len(ts))
	for i := range ts {
		out = append(out, viewOf(&ts[i]))
	}
	return out
}

// remove deletes the task named, whatever its state.
func remove(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, queue []ilo.UpdateTask, res Result) (Result, error) {
	i := slices.IndexFunc(queue, func(t ilo.UpdateTask) bool { return t.Name == a.Name })
	if i < 0 {
		res.Msg = fmt.Sprintf("no queued task named %q", a.Name)
		return res, nil
	}
	t := queue[i]
	res.Changed, res.Task = true, taskOf(t)
	res.Deleted = append(res.Deleted, ref(t))
	res.Diff = &ansible.Diff{Before: viewOf(&t), After: map[string]any{}}
	if t.State == ilo.TaskInProgress {
		m.Warn("task %q is InProgress: deleting it does not stop what the updater already started", t.Name)
	}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would have deleted task %q (%s)", t.Name, t.State)
		return res, nil
	}
	if err := c.DeleteUpdateTask(ctx, t); err != nil {
		return failed(res, false, err)
	}
	res.Msg = fmt.Sprintf("deleted task %q (%s)", t.Name, t.State)
	return res, nil
}

// clearQueue deletes the terminal tasks one by one (finished), or empties the
// queue with DeleteUpdateTaskQueueItems (all).
func clearQueue(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, queue []ilo.UpdateTask, res Result) (Result, error) {
	var gone []ilo.UpdateTask
	for _, t := range queue {
		if a.Clear == "all" || t.Terminal() {
			gone = append(gone, t)
		}
	}
	if len(gone) == 0 {
		res.Msg = "no task to clear"
		if a.Clear == "finished" {
			res.Msg = "no finished task in the queue"
		}
		return res, nil
	}
	for _, t := range gone {
		res.Deleted = append(res.Deleted, ref(t))
	}
	res.Changed = true
	res.Diff = &ansible.Diff{Before: map[string]any{"tasks": viewsOf(queue)}, After: map[string]any{"tasks": viewsOf(slices.DeleteFunc(slices.Clone(queue), func(t ilo.UpdateTask) bool {
		return a.Clear == "all" || t.Terminal()
	}))}}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would have deleted %d tasks", len(gone))
		return res, nil
	}
	if a.Clear == "all" {
		if err := c.DeleteUpdateTaskQueueItems(ctx); err != nil {
			return failed(res, false, err)
		}
	} else {
		for i, t := range gone {
			if err := c.DeleteUpdateTask(ctx, t); err != nil {
				return failed(res, i > 0, err)
			}
		}
	}
	res.Msg = fmt.Sprintf("deleted %d tasks", len(gone))
	return res, nil
}
