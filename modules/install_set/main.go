// Package installset is the fleetfw.ilo.install_set module: it keeps an
// install set — a named sequence of installation steps over repository
// components — invokes it into the installation queue, optionally waiting
// for its tasks, or deletes sets; the System Recovery Set is protected
// (plugins/modules/install_set.py documents it).
package installset

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
	State           string `json:"state" default:"present" validate:"oneof=present absent invoked"`
	Sequence        []Step `json:"sequence"`
	Description     string `json:"description" validate:"omitempty,nocontrol"`
	// IsRecovery is nil when not given: the System Recovery Set is changed
	// or deleted only when it is given as true.
	IsRecovery *bool `json:"is_recovery"`
	// All deletes every set but the System Recovery Set (state=absent).
	All bool `json:"all" default:"false"`
	// Invoke parameters (state=invoked).
	ClearTaskQueue    bool   `json:"clear_task_queue" default:"false"`
	MaintenanceWindow string `json:"maintenance_window"`
	StartAfter        string `json:"start_after"`
	Expire            string `json:"expire"`
	TPMOverride       bool   `json:"tpm_override" default:"false"`
	UpdateRecoverySet bool   `json:"update_recovery_set" default:"false"`
	Force             bool   `json:"force" default:"false"`
	// AllowDowngrade lets an invocation queue components older than what
	// their devices run (with a warning); without it that is refused.
	AllowDowngrade bool `json:"allow_downgrade" default:"false"`
	Wait           bool `json:"wait" default:"false"`
	WaitTimeout    int  `json:"wait_timeout" default:"3600" validate:"min=1,max=86400"`
}

// Step is one item of the sequence; its name becomes the queued task's.
type Step struct {
	Name            string   `json:"name" validate:"required,nocontrol"`
	Command         string   `json:"command" default:"ApplyUpdate" validate:"oneof=ApplyUpdate ResetServer ResetBmc Wait BootToUefi PendingReset HostPoweroff"`
	Filename        string   `json:"filename" validate:"omitempty,nocontrol"`
	UpdatableBy     []string `json:"updatable_by" validate:"omitempty,dive,oneof=Bmc Uefi RuntimeAgent"`
	WaitTimeSeconds int      `json:"wait_time_seconds" validate:"min=0,max=3600"`
}

// maxLen is iLO's limit for set, step and task names and descriptions.
const maxLen = 64

// maxSets is how many install sets an iLO keeps (reference §8.2).
const maxSets = 8

// Rules: a set by name, or all of them.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"name", "all"}, {"maintenance_window", "start_after"}, {"maintenance_window", "expire"}},
		RequiredOneOf:     [][]string{{"name", "all"}},
	}
}

// Check validates what needs no iLO.
func (a Args) Check() error {
	invokeOpts := a.ClearTaskQueue || a.MaintenanceWindow != "" || a.StartAfter != "" || a.Expire != "" ||
		a.TPMOverride || a.UpdateRecoverySet || a.Force || a.Wait || a.AllowDowngrade
	if err := cmp.Or(modkit.CheckLength("name", a.Name, maxLen), modkit.CheckLength("description", a.Description, maxLen)); err != nil {
		return err
	}
	switch {
	case a.Name == "" && !a.All:
		// An empty or null name would reach the iLO as a nameless install set.
		return errors.New("name must not be empty: give the install set's name (or all=true with state=absent)")
	case a.All && a.State != "absent":
		return errors.New("all=true deletes every install set but the System Recovery Set: it goes with state=absent")
	case a.State == "absent" && (len(a.Sequence) > 0 || a.Description != ""):
		return errors.New("sequence and description apply to state=present and state=invoked")
	case a.State != "invoked" && invokeOpts:
		return errors.New("clear_task_queue, maintenance_window, start_after, expire, tpm_override, update_recovery_set, force, allow_downgrade and wait apply to state=invoked")
	}
	seen := map[string]int{}
	for i, s := range a.Sequence {
		switch {
		case len(s.Name) > maxLen:
			return fmt.Errorf("sequence[%d].name is %d characters long; iLO takes at most %d", i, len(s.Name), maxLen)
		case s.Command == "ApplyUpdate" && s.Filename == "":
			return fmt.Errorf("sequence[%d] (%s): command=ApplyUpdate needs filename", i, s.Name)
		case s.Command != "ApplyUpdate" && s.Filename != "":
			return fmt.Errorf("sequence[%d] (%s): filename goes with command=ApplyUpdate", i, s.Name)
		case s.Command != "Wait" && s.WaitTimeSeconds != 0:
			return fmt.Errorf("sequence[%d] (%s): wait_time_seconds goes with command=Wait", i, s.Name)
		}
		if j, dup := seen[s.Name]; dup {
			return fmt.Errorf("sequence[%d] and sequence[%d] are both named %q: step names become task names and must be unique", j, i, s.Name)
		}
		seen[s.Name] = i
	}
	return modkit.CheckSchedule(a.StartAfter, a.Expire)
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// InstallSet is the set after the module ran (before it, with
	// state=absent). A PATCHed set has a new Id.
	InstallSet *modkit.InstallSet `json:"install_set,omitempty"`
	// PreviousID is the Id the set had before a PATCH gave it a new one.
	PreviousID string `json:"previous_id,omitempty"`
	// Deleted names the sets deleted (or that check mode would delete).
	Deleted []string `json:"deleted"`
	// Tasks are the set's queued tasks (state=invoked), with their outcome
	// after a wait.
	Tasks []TaskStatus `json:"tasks"`
	// ILOTime is the iLO's clock when a relative time was resolved.
	ILOTime string `json:"ilo_time,omitempty"`
	// Installs lists, for state=invoked, the files the set's ApplyUpdate
	// steps install, their versions and what the devices run now.
	Installs []Install `json:"installs,omitempty"`
	// Outcome is "unknown" when the module failed after a write whose
	// effect it cannot tell.
	Outcome string `json:"outcome,omitempty"`
}

// Install is one file an invocation installs.
type Install struct {
	Step     string `json:"step"`
	Filename string `json:"filename"`
	// Version is the repository entry's version ("" when it has none).
	Version string `json:"version"`
	// Devices are the FirmwareInventory items the file updates, with the
	// version each runs (empty when the component names none).
	Devices []Running `json:"devices"`
	// Older is true when the file is older than what a device runs.
	Older bool `json:"older"`
}

// Running is a device and the version it runs.
type Running struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TaskStatus is one queued task of the set and how it ended.
type TaskStatus struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	State  string       `json:"state"`
	Result *ilo.Message `json:"result"`
}

// Module is fleetfw.ilo.install_set.
var Module = ansible.New("install_set", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		res := Result{Deleted: []string{}, Tasks: []TaskStatus{}}
		sets, err := c.InstallSets(ctx)
		if err != nil {
			return Result{}, err
		}
		switch a.State {
		case "absent":
			return remove(ctx, m, c, a, sets, res)
		case "invoked":
			return invoked(ctx, m, c, a, sets, res)
		}
		res, _, err = present(ctx, m, c, a, sets, res)
		return res, err
	})
}

// setOf returns s as the result shows it.
func setOf(s ilo.InstallSet) *modkit.InstallSet {
	out := modkit.InstallSetOf(s)
	return &out
}

// privilege explains a 403 from a set or invoke request: the System
// Recovery Set and update_recovery_set need the Recovery Set privilege.
func privilege(err error, what string) error {
	if ilo.IsForbidden(err) {
		return fmt.Errorf("%s needs the Recovery Set privilege (SystemRecoveryConfigPriv), which this iLO account lacks: %w", what, err)
	}
	return err
}
