package queue

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// seqItem is one HpeComponentInstallSet Sequence[] item.
type seqItem struct {
	Name                    string
	Command                 string
	Filename                string
	Component               string
	UpdatableBy             []string
	WaitTimeSeconds         int
	ExecutionTimeoutMinutes int
	Targets                 []string
}

// installSet is one HpeComponentInstallSet.
type installSet struct {
	ID, Name, Description string
	IsRecovery            bool
	Sequence              []seqItem
	Created, Modified     time.Time
}

func (q *Queue) findSet(id string) *installSet {
	for _, s := range q.sets {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (q *Queue) recoverySet() *installSet {
	for _, s := range q.sets {
		if s.IsRecovery {
			return s
		}
	}
	return nil
}

func (q *Queue) setURI(id string) string { return q.uri(q.cfg.InstallSetsURI + "/" + id) }

// setCommands is the Sequence[].Command enumeration for the configured
// version (reference §8.1; HostPoweroff from v1_4_0).
func (q *Queue) setCommands() []string {
	c := []string{"ApplyUpdate", "ResetServer", "ResetBmc", "Wait", "BootToUefi", "PendingReset"}
	if minor(q.cfg.InstallSetVersion) >= 4 {
		c = append(c, "HostPoweroff")
	}
	return c
}

func (q *Queue) renderSet(s *installSet) map[string]any {
	seq := make([]map[string]any, 0, len(s.Sequence))
	for _, it := range s.Sequence {
		m := map[string]any{
			"Name":                    it.Name,
			"Command":                 it.Command,
			"UpdatableBy":             nonNil(it.UpdatableBy),
			"ExecutionTimeoutMinutes": it.ExecutionTimeoutMinutes,
		}
		if it.Filename != "" {
			m["Filename"] = it.Filename
			m["Component"] = it.Component
		}
		if it.Command == "Wait" {
			m["WaitTimeSeconds"] = it.WaitTimeSeconds
		}
		if minor(q.cfg.InstallSetVersion) >= 3 && len(it.Targets) > 0 {
			m["Targets"] = it.Targets
		}
		seq = append(seq, m)
	}
	m := map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeComponentInstallSet.HpeComponentInstallSet",
		"@odata.id":      q.setURI(s.ID),
		"@odata.type":    "#HpeComponentInstallSet." + q.cfg.InstallSetVersion + ".HpeComponentInstallSet",
		"Id":             s.ID,
		"Name":           s.Name,
		"Description":    s.Description,
		"IsRecovery":     s.IsRecovery,
		"Created":        fmtTime(s.Created),
		"Modified":       fmtTime(s.Modified),
		"Sequence":       seq,
		"Actions": map[string]any{"#HpeComponentInstallSet.Invoke": map[string]any{
			"target": q.uri(q.cfg.InstallSetsURI + "/" + s.ID + "/Actions/HpeComponentInstallSet.Invoke"),
		}},
	}
	return m
}

var setProps = map[string]bool{"Name": true, "Description": true, "IsRecovery": true, "Sequence": true}
var setReadOnly = []string{"Id", "Created", "Modified", "Actions", "PlatformID"}

func (q *Queue) seqProps() map[string]bool {
	p := map[string]bool{"Name": true, "Command": true, "Filename": true, "UpdatableBy": true,
		"WaitTimeSeconds": true, "ExecutionTimeoutMinutes": true,
		"Component": true} // read-only, ignored: a GET body can be POSTed back
	if minor(q.cfg.InstallSetVersion) >= 3 {
		p["Targets"] = true
	}
	return p
}

// applySet validates body onto s (a copy, or a new set).
func (q *Queue) applySet(s *installSet, body map[string]json.RawMessage, comps map[string]Component, create bool) *apiError {
	reg := q.cfg.Registries
	if e := q.checkProps(body, setProps, setReadOnly); e != nil {
		return e
	}
	if create {
		for _, p := range []string{"Name", "Sequence"} {
			if _, ok := body[p]; !ok {
				return q.bad(reg.BaseMsg("PropertyMissing", p))
			}
		}
	}
	var e *apiError
	if raw, ok := body["Name"]; ok {
		if s.Name, e = q.str(raw, "Name"); e != nil {
			return e
		}
		if s.Name == "" {
			return q.bad(reg.BaseMsg("PropertyValueFormatError", s.Name, "Name"))
		}
	}
	if raw, ok := body["Description"]; ok {
		if s.Description, e = q.str(raw, "Description"); e != nil {
			return e
		}
	}
	for _, v := range []string{s.Name, s.Description} {
		if len(v) > 64 {
			return q.bad(reg.BaseMsg("StringValueTooLong", v, "64"))
		}
	}
	if raw, ok := body["IsRecovery"]; ok {
		if s.IsRecovery, e = q.boolean(raw, "IsRecovery"); e != nil {
			return e
		}
	}
	if raw, ok := body["Sequence"]; ok {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return q.bad(reg.BaseMsg("PropertyValueTypeError", string(raw), "Sequence"))
		}
		if len(items) == 0 {
			return q.bad(reg.BaseMsg("PropertyMissing", "Sequence[0]"))
		}
		seq := make([]seqItem, 0, len(items))
		for i, b := range items {
			it, e := q.applySeqItem(i, b, comps)
			if e != nil {
				return e
			}
			seq = append(seq, it)
		}
		s.Sequence = seq
	}
	for i := range s.Sequence {
		for j := i + 1; j < len(s.Sequence); j++ {
			if s.Sequence[i].Name == s.Sequence[j].Name {
				return q.bad(reg.ILOMsg("PropertyValueIncompatible", "NonUnique",
					fmt.Sprintf("Sequence[%d].Name", i), fmt.Sprintf("Sequence[%d].Name", j)))
			}
		}
	}
	if s.IsRecovery {
		// Only iLO-flashable images belong in the recovery set (reference §8.6).
		for i, it := range s.Sequence {
			if it.Command != "ApplyUpdate" || !slices.Contains(it.UpdatableBy, AgentBmc) {
				return q.bad(reg.ILOMsg("PropertyValueIncompatible", it.Name, fmt.Sprintf("Sequence[%d]", i), "IsRecovery"))
			}
		}
	}
	return nil
}

func (q *Queue) applySeqItem(i int, b map[string]json.RawMessage, comps map[string]Component) (seqItem, *apiError) {
	reg := q.cfg.Registries
	p := func(name string) string { return fmt.Sprintf("Sequence[%d].%s", i, name) }
	var it seqItem
	for k := range b {
		if !q.seqProps()[k] && !isAnnotation(k) {
			return it, q.bad(reg.BaseMsg("PropertyUnknown", p(k)))
		}
	}
	for _, k := range []string{"Name", "Command"} {
		if _, ok := b[k]; !ok {
			return it, q.bad(reg.BaseMsg("PropertyMissing", p(k)))
		}
	}
	var e *apiError
	if it.Name, e = q.str(b["Name"], p("Name")); e != nil {
		return it, e
	}
	if len(it.Name) > 64 {
		return it, q.bad(reg.BaseMsg("StringValueTooLong", it.Name, "64"))
	}
	if it.Command, e = q.enum(b["Command"], p("Command"), q.setCommands()); e != nil {
		return it, e
	}
	if raw, ok := b["Filename"]; ok {
		if it.Filename, e = q.str(raw, p("Filename")); e != nil {
			return it, e
		}
	}
	if raw, ok := b["UpdatableBy"]; ok {
		if it.UpdatableBy, e = q.enumList(raw, p("UpdatableBy"), agents); e != nil {
			return it, e
		}
	}
	if raw, ok := b["WaitTimeSeconds"]; ok {
		if it.WaitTimeSeconds, e = q.intRange(raw, p("WaitTimeSeconds"), 0, 3600); e != nil {
			return it, e
		}
	}
	if raw, ok := b["ExecutionTimeoutMinutes"]; ok {
		if it.ExecutionTimeoutMinutes, e = q.intRange(raw, p("ExecutionTimeoutMinutes"), 0, 300); e != nil {
			return it, e
		}
	}
	if raw, ok := b["Targets"]; ok {
		if json.Unmarshal(raw, &it.Targets) != nil {
			return it, q.bad(reg.BaseMsg("PropertyValueTypeError", string(raw), p("Targets")))
		}
	}
	if it.Command == "ApplyUpdate" {
		if it.Filename == "" {
			return it, q.bad(reg.BaseMsg("PropertyMissing", p("Filename")))
		}
		c, ok := comps[it.Filename]
		if !ok {
			// UNCONFIRMED: the MessageId iLO gives for a file not in the repository.
			return it, q.bad(reg.ILOMsg("UnableToModifyDueToMissingComponent", p("Filename")))
		}
		it.Component = c.URI
		if it.UpdatableBy == nil {
			it.UpdatableBy = slices.Clone(c.UpdatableBy)
		}
	} else {
		it.Filename = ""
	}
	if len(it.UpdatableBy) == 0 {
		it.UpdatableBy = []string{AgentBmc} // UNCONFIRMED default
	}
	return it, nil
}

// setNameTaken reports whether a set other than self already has name.
func (q *Queue) setNameTaken(name string, self *installSet) bool {
	for _, s := range q.sets {
		if s != self && s.Name == name {
			return true
		}
	}
	return false
}

// checkSet applies the rules that involve the other sets and the session.
func (q *Queue) checkSet(s, self *installSet, priv Privileges) *apiError {
	reg := q.cfg.Registries
	if s.IsRecovery || (self != nil && self.IsRecovery) {
		if !priv.SystemRecoveryConfig {
			return forbidden(reg)
		}
		if r := q.recoverySet(); s.IsRecovery && r != nil && r != self {
			// UNCONFIRMED MessageId: only one System Recovery Set may exist.
			return q.bad(reg.ILOMsg("PropertyValueIncompatible", "true", "IsRecovery", r.Name))
		}
	}
	if q.setNameTaken(s.Name, self) {
		return q.bad(reg.ILOMsg("PropertyValueIncompatible", "NonUnique", "Name", s.Name))
	}
	return nil
}

func (q *Queue) postSet(w http.ResponseWriter, r *http.Request, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, now time.Time) {
	s := &installSet{Created: now, Modified: now}
	if e := q.applySet(s, body, comps, true); e != nil {
		q.writeErr(w, e)
		return
	}
	if e := q.checkSet(s, nil, priv); e != nil {
		q.writeErr(w, e)
		return
	}
	if len(q.sets) >= q.cfg.MaxInstallSets {
		q.writeErr(w, q.bad(q.cfg.Registries.BaseMsg("CreateLimitReachedForResource")))
		return
	}
	s.ID = q.newID(s.Name)
	q.sets = append(q.sets, s)
	q.writeCreated(w, r, q.setURI(s.ID), q.renderSet(s))
}

// patchSet replaces the set under a new Id and answers 201 with the new
// body: the old URI then answers 404 (reference §8.3, FW3-fig-40/41).
func (q *Queue) patchSet(w http.ResponseWriter, r *http.Request, s *installSet, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, now time.Time) {
	c := *s
	c.Sequence = slices.Clone(s.Sequence)
	if e := q.applySet(&c, body, comps, false); e != nil {
		q.writeErr(w, e)
		return
	}
	if e := q.checkSet(&c, s, priv); e != nil {
		q.writeErr(w, e)
		return
	}
	c.Modified = now
	c.ID = q.newID(c.Name)
	*s = c
	q.writeCreated(w, r, q.setURI(s.ID), q.renderSet(s))
}

// deleteSets removes the sets for which drop is true.
func (q *Queue) deleteSets(drop func(*installSet) bool) {
	q.sets = slices.DeleteFunc(q.sets, drop)
}

var invokeParams = map[string]bool{"ClearTaskQueue": true, "MaintenanceWindow": true, "StartAfter": true,
	"Expire": true, "TPMOverride": true, "UpdateRecoverySet": true, "Action": true}

// invoke appends one task per Sequence item, named after it; 200 + Success.
func (q *Queue) invoke(w http.ResponseWriter, s *installSet, body map[string]json.RawMessage, priv Privileges, now time.Time) {
	reg := q.cfg.Registries
	const action = "HpeComponentInstallSet.Invoke"
	for k := range body {
		if !invokeParams[k] {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterUnknown", action, k)))
			return
		}
	}
	var p struct {
		clear, tpm, recovery bool
		window               string
		start, expire        *time.Time
	}
	boolParam := func(k string, dst *bool) bool {
		raw, ok := body[k]
		if !ok {
			return true
		}
		if json.Unmarshal(raw, dst) != nil {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterValueTypeError", string(raw), k, action)))
			return false
		}
		return true
	}
	if !boolParam("ClearTaskQueue", &p.clear) || !boolParam("TPMOverride", &p.tpm) || !boolParam("UpdateRecoverySet", &p.recovery) {
		return
	}
	for _, k := range []string{"StartAfter", "Expire"} {
		raw, ok := body[k]
		if !ok {
			continue
		}
		t, e := q.timeProp(raw, k)
		if e != nil {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterValueFormatError", string(raw), k, action)))
			return
		}
		if k == "StartAfter" {
			p.start = t
		} else {
			p.expire = t
		}
	}
	if raw, ok := body["MaintenanceWindow"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &p.window) != nil {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterValueTypeError", string(raw), "MaintenanceWindow", action)))
			return
		}
	}
	var win *window
	if p.window != "" {
		if win = q.findWindow(p.window); win == nil {
			q.writeErr(w, q.bad(reg.ILOMsg("ActionParameterValueNotInList", p.window, "MaintenanceWindow")))
			return
		}
	}
	if p.recovery && !priv.SystemRecoveryConfig {
		q.writeErr(w, forbidden(reg))
		return
	}
	if p.start != nil && p.expire != nil && !p.expire.After(*p.start) {
		q.writeErr(w, q.bad(reg.ILOMsg("PropertyValueIncompatible", fmtTime(*p.expire), "Expire", "StartAfter")))
		return
	}
	remaining := q.tasks
	if p.clear {
		remaining = nil
	}
	if len(remaining)+len(s.Sequence) > q.cfg.MaxTasks {
		q.writeErr(w, q.bad(reg.ILOMsg("UpdateTaskQueueFull")))
		return
	}
	for _, it := range s.Sequence {
		for _, t := range remaining {
			if t.Name == it.Name {
				q.writeErr(w, q.bad(reg.ILOMsg("PropertyValueIncompatible", "NonUnique", "Name", it.Name)))
				return
			}
		}
	}
	if p.clear {
		q.tasks = nil
	}
	for _, it := range s.Sequence {
		t := &task{Name: it.Name, Command: it.Command, Filename: it.Filename, Component: it.Component,
			UpdatableBy: slices.Clone(it.UpdatableBy), State: StatePending,
			StartAfter: p.start, Expire: p.expire, TPMOverride: p.tpm, UpdateRecoverySet: p.recovery,
			RecoveryPrivilege: priv.SystemRecoveryConfig, WaitTimeSeconds: it.WaitTimeSeconds,
			ExecutionTimeoutMinutes: it.ExecutionTimeoutMinutes, Targets: slices.Clone(it.Targets),
			Created: now, Modified: now}
		if win != nil {
			t.MaintenanceWindow = win.ID
			q.scheduleInWindow(t, win)
		}
		t.ID = q.newID(t.Name)
		q.tasks = append(q.tasks, t)
	}
	q.writeSuccess(w)
}
