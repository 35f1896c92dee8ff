package queue

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// taskCommands is the HpeComponentUpdateTask Command enumeration, exactly
// (reference §6.1).
var taskCommands = []string{"ApplyUpdate", "ResetServer", "ResetBmc", "Wait", "PendingReset"}

var agents = []string{AgentBmc, AgentUefi, AgentRuntimeAgent}

func (q *Queue) taskURI(id string) string { return q.uri(q.cfg.TaskQueueURI + "/" + id) }

func (q *Queue) renderTask(t *task) map[string]any {
	m := map[string]any{
		"@odata.context":          "/redfish/v1/$metadata#HpeComponentUpdateTask.HpeComponentUpdateTask",
		"@odata.id":               q.taskURI(t.ID),
		"@odata.type":             "#HpeComponentUpdateTask." + q.cfg.TaskVersion + ".HpeComponentUpdateTask",
		"Id":                      t.ID,
		"Name":                    t.Name,
		"Command":                 t.Command,
		"State":                   t.State,
		"UpdatableBy":             nonNil(t.UpdatableBy),
		"TPMOverride":             t.TPMOverride,
		"UpdateRecoverySet":       t.UpdateRecoverySet,
		"RecoveryPrivilege":       t.RecoveryPrivilege,
		"ExecutionTimeoutMinutes": t.ExecutionTimeoutMinutes,
		"Created":                 fmtTime(t.Created),
		"Modified":                fmtTime(t.Modified),
	}
	if t.Filename != "" {
		m["Filename"] = t.Filename
		m["Component"] = t.Component
	}
	if t.Command == "Wait" {
		m["WaitTimeSeconds"] = t.WaitTimeSeconds
	}
	if t.StartAfter != nil {
		m["StartAfter"] = fmtTime(*t.StartAfter)
	}
	if t.Expire != nil {
		m["Expire"] = fmtTime(*t.Expire)
	}
	if t.MaintenanceWindow != "" {
		m["MaintenanceWindow"] = t.MaintenanceWindow
	}
	if t.Result != nil {
		m["Result"] = map[string]any{"MessageId": t.Result.MessageID, "MessageArgs": nonNil(t.Result.MessageArgs)}
		if minor(q.cfg.TaskVersion) >= 6 && t.State == StateException {
			m["AdditionalErrorDetails"] = m["Result"]
		}
	}
	if minor(q.cfg.TaskVersion) >= 4 && len(t.Targets) > 0 {
		m["Targets"] = t.Targets
	}
	if minor(q.cfg.TaskVersion) >= 5 && t.TaskPlacementMode != "" {
		m["TaskPlacementMode"] = t.TaskPlacementMode
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// taskProps are the writable task properties per schema version.
func (q *Queue) taskProps() map[string]bool {
	p := map[string]bool{"Name": true, "Command": true, "Filename": true, "UpdatableBy": true,
		"StartAfter": true, "Expire": true, "MaintenanceWindow": true, "TPMOverride": true,
		"UpdateRecoverySet": true, "WaitTimeSeconds": true, "ExecutionTimeoutMinutes": true,
		"State": true, "ResultLog": true}
	if minor(q.cfg.TaskVersion) >= 4 {
		p["Targets"] = true
	}
	if minor(q.cfg.TaskVersion) >= 5 {
		p["TaskPlacementMode"] = true
	}
	return p
}

var taskReadOnly = []string{"Id", "Component", "Created", "Modified", "RecoveryPrivilege", "Result", "AdditionalErrorDetails"}

// applyTask validates body onto t (a copy of the stored task, or a new one).
// comps holds the repository components the body names, looked up before
// q.mu was taken.
func (q *Queue) applyTask(t *task, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, create bool) *apiError {
	reg := q.cfg.Registries
	if e := q.checkProps(body, q.taskProps(), taskReadOnly); e != nil {
		return e
	}
	if create {
		for _, p := range []string{"Name", "Command"} {
			if _, ok := body[p]; !ok {
				return q.bad(reg.BaseMsg("PropertyMissing", p))
			}
		}
		if _, ok := body["State"]; ok {
			return q.bad(reg.BaseMsg("PropertyNotWritable", "State"))
		}
	}
	var e *apiError
	if raw, ok := body["Name"]; ok {
		if t.Name, e = q.str(raw, "Name"); e != nil {
			return e
		}
		if len(t.Name) > 64 {
			return q.bad(reg.BaseMsg("StringValueTooLong", t.Name, "64"))
		}
	}
	if raw, ok := body["Command"]; ok {
		if t.Command, e = q.enum(raw, "Command", taskCommands); e != nil {
			return e
		}
	}
	if raw, ok := body["Filename"]; ok {
		if t.Filename, e = q.str(raw, "Filename"); e != nil {
			return e
		}
	}
	if raw, ok := body["UpdatableBy"]; ok {
		if t.UpdatableBy, e = q.enumList(raw, "UpdatableBy", agents); e != nil {
			return e
		}
	}
	if raw, ok := body["State"]; ok {
		// Updaters (SUM, UEFI) write State; the schema marks it writable.
		if t.State, e = q.enum(raw, "State", []string{StatePending, StateInProgress, StateComplete,
			StateExpired, StateException, StateCanceled}); e != nil {
			return e
		}
	}
	if raw, ok := body["WaitTimeSeconds"]; ok {
		if t.WaitTimeSeconds, e = q.intRange(raw, "WaitTimeSeconds", 0, 3600); e != nil {
			return e
		}
	}
	if raw, ok := body["ExecutionTimeoutMinutes"]; ok {
		if t.ExecutionTimeoutMinutes, e = q.intRange(raw, "ExecutionTimeoutMinutes", 0, 300); e != nil {
			return e
		}
	}
	for _, p := range []string{"TPMOverride", "UpdateRecoverySet"} {
		raw, ok := body[p]
		if !ok {
			continue
		}
		v, e := q.boolean(raw, p)
		if e != nil {
			return e
		}
		if p == "TPMOverride" {
			t.TPMOverride = v
		} else {
			t.UpdateRecoverySet = v
		}
	}
	if t.UpdateRecoverySet && !priv.SystemRecoveryConfig {
		return &apiError{status: http.StatusForbidden, msgs: msgs(reg.BaseMsg("InsufficientPrivilege"))}
	}
	if raw, ok := body["StartAfter"]; ok {
		if t.StartAfter, e = q.timeProp(raw, "StartAfter"); e != nil {
			return e
		}
	}
	if raw, ok := body["Expire"]; ok {
		if t.Expire, e = q.timeProp(raw, "Expire"); e != nil {
			return e
		}
	}
	if raw, ok := body["MaintenanceWindow"]; ok {
		if string(raw) == "null" {
			t.MaintenanceWindow = ""
		} else if t.MaintenanceWindow, e = q.str(raw, "MaintenanceWindow"); e != nil {
			return e
		}
	}
	if t.MaintenanceWindow != "" {
		w := q.findWindow(t.MaintenanceWindow)
		if w == nil {
			return q.bad(reg.BaseMsg("PropertyValueNotInList", t.MaintenanceWindow, "MaintenanceWindow"))
		}
		if _, ok := body["MaintenanceWindow"]; ok {
			q.scheduleInWindow(t, w)
		}
	}
	if t.StartAfter != nil && t.Expire != nil && !t.Expire.After(*t.StartAfter) {
		return q.bad(reg.ILOMsg("PropertyValueIncompatible", fmtTime(*t.Expire), "Expire", "StartAfter"))
	}
	if raw, ok := body["Targets"]; ok {
		var ts []string
		if json.Unmarshal(raw, &ts) != nil {
			return q.bad(reg.BaseMsg("PropertyValueTypeError", string(raw), "Targets"))
		}
		if len(ts) > 10 {
			return q.bad(reg.ILOMsg("TargetsLimitExceeded"))
		}
		t.Targets = ts
	}
	if raw, ok := body["TaskPlacementMode"]; ok {
		if t.TaskPlacementMode, e = q.enum(raw, "TaskPlacementMode", []string{"QueueStart"}); e != nil {
			return e
		}
	}
	if t.Command == "ApplyUpdate" {
		if t.Filename == "" {
			return q.bad(reg.BaseMsg("PropertyMissing", "Filename"))
		}
		if _, ok := body["Filename"]; ok || create {
			c, ok := comps[t.Filename]
			if !ok {
				// UNCONFIRMED: the MessageId iLO gives for a file not in the repository.
				return q.bad(reg.ILOMsg("UnableToModifyDueToMissingComponent", "Filename"))
			}
			t.Component = c.URI
			if _, given := body["UpdatableBy"]; !given {
				t.UpdatableBy = slices.Clone(c.UpdatableBy)
			}
		}
	} else if _, ok := body["Command"]; ok {
		t.Filename, t.Component = "", ""
	}
	if len(t.UpdatableBy) == 0 {
		t.UpdatableBy = []string{AgentBmc} // UNCONFIRMED default
	}
	return nil
}

// nameTaken reports whether a task other than self already has name.
func (q *Queue) nameTaken(name string, self *task) bool {
	for _, t := range q.tasks {
		if t != self && t.Name == name {
			return true
		}
	}
	return false
}

func (q *Queue) postTask(w http.ResponseWriter, r *http.Request, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, now time.Time) {
	reg := q.cfg.Registries
	t := &task{State: StatePending, Created: now, Modified: now, RecoveryPrivilege: priv.SystemRecoveryConfig}
	if e := q.applyTask(t, body, comps, priv, true); e != nil {
		q.writeErr(w, e)
		return
	}
	if q.nameTaken(t.Name, nil) {
		q.writeErr(w, q.bad(reg.ILOMsg("PropertyValueIncompatible", "NonUnique", "Name", t.Name)))
		return
	}
	if len(q.tasks) >= q.cfg.MaxTasks {
		q.writeErr(w, q.bad(reg.ILOMsg("UpdateTaskQueueFull")))
		return
	}
	t.ID = q.newID(t.Name)
	if t.TaskPlacementMode == "QueueStart" {
		q.tasks = append([]*task{t}, q.tasks...)
	} else {
		q.tasks = append(q.tasks, t)
	}
	q.writeCreated(w, r, q.taskURI(t.ID), q.renderTask(t))
}

func (q *Queue) patchTask(w http.ResponseWriter, t *task, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, now time.Time) {
	c := *t
	if e := q.applyTask(&c, body, comps, priv, false); e != nil {
		q.writeErr(w, e)
		return
	}
	if q.nameTaken(c.Name, t) {
		q.writeErr(w, q.bad(q.cfg.Registries.ILOMsg("PropertyValueIncompatible", "NonUnique", "Name", c.Name)))
		return
	}
	c.Modified = now
	if c.State == StateComplete && t.State != StateComplete {
		c.completedAt = now
	}
	*t = c
	q.writeSuccess(w)
}

func (q *Queue) deleteTask(id string) {
	q.tasks = slices.DeleteFunc(q.tasks, func(t *task) bool { return t.ID == id })
}

// itoa is strconv.Itoa, kept short for message arguments.
func itoa(n int) string { return strconv.Itoa(n) }
