// Package maintenancewindow is the fleetfw.ilo.maintenance_window module: it
// keeps a maintenance window of the iLO's update service — the time range,
// on the iLO's clock, in which queued tasks may run — or deletes windows
// (plugins/modules/maintenance_window.py documents it).
package maintenancewindow

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs        // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	Name            string `json:"name" validate:"omitempty,nocontrol"`
	State           string `json:"state" default:"present" validate:"oneof=present absent"`
	// StartAfter and Expire are Redfish date-times or times relative to the
	// iLO's clock ("+2h").
	StartAfter  string `json:"start_after"`
	Expire      string `json:"expire"`
	Description string `json:"description" validate:"omitempty,nocontrol"`
	// All deletes every window (state=absent).
	All bool `json:"all" default:"false"`
}

// maxLen is iLO's limit for window names and descriptions (iLOrest, schema).
const maxLen = 64

// maxWindows is how many windows an iLO keeps (reference §7).
const maxWindows = 8

// Rules: a window by name, or all of them.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"name", "all"}},
		RequiredOneOf:     [][]string{{"name", "all"}},
	}
}

// Check validates what needs no iLO: lengths, time syntax, the order of two
// date-times, and which options go with all.
func (a Args) Check() error {
	if err := cmp.Or(modkit.CheckLength("name", a.Name, maxLen), modkit.CheckLength("description", a.Description, maxLen)); err != nil {
		return err
	}
	switch {
	case a.Name == "" && !a.All:
		// An empty or null name would reach the iLO as a nameless window.
		return errors.New("name must not be empty: give the window's name (or all=true with state=absent)")
	case a.All && a.State != "absent":
		return errors.New("all=true deletes every window: it goes with state=absent")
	case a.State == "absent" && (a.StartAfter != "" || a.Expire != "" || a.Description != ""):
		return errors.New("start_after, expire and description apply to state=present")
	}
	return modkit.CheckSchedule(a.StartAfter, a.Expire)
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// Window is the window after the task (before it, with state=absent).
	Window *modkit.MaintenanceWindow `json:"window,omitempty"`
	// Deleted names the windows deleted (or that check mode would delete).
	Deleted []string `json:"deleted"`
	// CanceledTasks are the queued tasks that the deletion turned Canceled
	// (in check mode: the Pending tasks it would cancel).
	CanceledTasks []TaskRef `json:"canceled_tasks"`
	// ILOTime is the iLO's clock when the module read it, the reference of
	// relative times ("" when it was not needed).
	ILOTime string `json:"ilo_time,omitempty"`
	// Outcome is "unknown" when the module failed after a write whose
	// effect it cannot tell.
	Outcome string `json:"outcome,omitempty"`
}

// failed is what a task that failed with err returns: changed only when a
// write may have taken effect (wrote: one did), outcome unknown when the
// iLO's answer to a write was lost.
func failed(res Result, wrote bool, err error) (Result, error) {
	res.Changed, res.Outcome, err = modkit.WriteStatus(false, wrote, err)
	return res, err
}

// TaskRef names a queued task.
type TaskRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
}

// Module is fleetfw.ilo.maintenance_window.
var Module = ansible.New("maintenance_window", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		res := Result{Deleted: []string{}, CanceledTasks: []TaskRef{}}
		windows, err := c.MaintenanceWindows(ctx)
		if err != nil {
			return Result{}, err
		}
		if a.State == "absent" {
			return remove(ctx, m, c, a, windows, res)
		}
		return present(ctx, m, c, a, windows, res)
	})
}

// view is a window as --diff shows it.
type view struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	StartAfter  string `json:"start_after"`
	Expire      string `json:"expire"`
}

func viewOf(w *ilo.MaintenanceWindow) any {
	if w == nil {
		return map[string]any{}
	}
	return view{Name: w.Name, Description: w.Description, StartAfter: w.StartAfter, Expire: w.Expire}
}

func names(ws []ilo.MaintenanceWindow) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%q (%s)", w.Name, w.ID))
	}
	return out
}
