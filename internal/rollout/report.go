package rollout

import (
	"fmt"
	"math"
	"slices"

	"github.com/fleetfw/ilo/internal/fwplan"
)

// Report words one iLO's state as its result (the role's result.json.j2
// and catalog_report.json.j2): one component per inventory item of the
// plan, in install order.
func Report(host, baseURI string, st State, opt Options) Result {
	t := now()
	res := Result{Host: host, BaseURI: baseURI, Server: st.Server, ServerAfter: st.Server, Phase: st.Phase, Reason: st.Reason,
		Started: st.StartedAt, Components: []Component{}, Files: st.Files}
	if res.Files == nil {
		res.Files = []fwplan.File{}
	}
	if st.ServerAfter != nil {
		res.ServerAfter = *st.ServerAfter
	}
	if st.Started > 0 {
		res.Duration = seconds(math.Round(t - st.Started))
	}
	failed := st.Phase == PhaseFailed
	checked := map[string]Checked{}
	for _, c := range st.Checked {
		checked[c.Key] = c
	}
	plan := slices.Clone(st.Plan)
	slices.SortStableFunc(plan, func(a, b fwplan.Step) int { return a.Order - b.Order })
	pending, installs := false, 0
	for _, p := range plan {
		k := key(p)
		seen, isSeen := checked[k]
		after := &p.CurrentVersion
		if isSeen && seen.Version != nil {
			after = seen.Version
		}
		var duration *int
		if at, ok := st.CurrentAt[k]; ok {
			d := seconds(math.Round(at - st.WaitStarted))
			duration = &d
		}
		var result string
		switch {
		case !p.Install && p.Action == fwplan.Current:
			result = ResultCurrent
		case !p.Install:
			result = ResultSkipped
		case isSeen && seen.Current:
			result = ResultUpdated
			res.Installed++
		case failed:
			result = ResultFailed
		case st.Phase == PhasePendingReboot && p.RebootRequired:
			result = ResultPendingReboot
		case opt.CheckMode || !st.Invoked:
			result = ResultPlanned
		case opt.Window.Name != "":
			result = ResultScheduled
		default:
			result = ResultQueued
		}
		if p.Install {
			installs++
		}
		switch result {
		case ResultPendingReboot, ResultQueued, ResultScheduled, ResultPlanned:
			pending = true
		}
		line := itemName(p.Name, p.DeviceContext) + ": " + orDash(p.CurrentVersion)
		if p.Install {
			to := p.TargetVersion
			if result == ResultUpdated || result == ResultFailed || result == ResultPendingReboot {
				to = after
			}
			line += " -> " + orDash(deref(to))
		}
		line += ", " + result
		if result == ResultSkipped {
			line += " (" + p.Action + ")"
		}
		if duration != nil {
			line += fmt.Sprintf(" in %d s", *duration)
		}
		res.Components = append(res.Components, Component{Name: p.Name, DeviceContext: p.DeviceContext, DeviceClass: p.DeviceClass,
			File: p.File, Action: p.Action, Install: p.Install, RebootRequired: p.RebootRequired, Before: p.CurrentVersion,
			Target: p.TargetVersion, After: after, Result: result, Duration: duration, Reason: p.Reason, Line: line})
	}
	res.Activated = (st.Invoked && !opt.CheckMode) || (installs == 0 && len(st.Plan) > 0)
	switch {
	case failed:
		res.Status = StatusFailed
	case pending || !st.Finished:
		res.Status = StatusPending
	default:
		res.Status = StatusDone
	}
	return res
}
