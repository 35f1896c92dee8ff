package rollout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/fwplan/iloplan"
	"github.com/fleetfw/ilo/internal/ilo"
)

// waitRound is one reading of the wait: the update service and the queue,
// then (once the set's tasks stopped running) the plan again. An iLO that
// does not answer is not a failure until it has been dark for
// ilo_reset_timeout. It ends the iLO (done, pending_reboot, failed) or
// leaves it in a wait phase with a progress line.
func (r *run) waitRound(ctx context.Context) {
	t := now()
	waited := seconds(t - r.st.WaitStarted)
	what := r.read(ctx, t)
	if !r.st.Finished && waited > int(r.opt.WaitTimeout.Seconds()) {
		r.fail(fmt.Sprintf("not done after %d s (wait_timeout %d): %s", waited, int(r.opt.WaitTimeout.Seconds()), what))
		return
	}
	if !r.st.Finished {
		r.st.Line = r.line(what)
	}
}

// read does the reading and returns the progress line's text.
func (r *run) read(ctx context.Context, t float64) string {
	c, err := r.client(ctx)
	var us ilo.UpdateService
	var queue []ilo.UpdateTask
	if err == nil {
		if us, err = c.UpdateService(ctx); err == nil {
			queue, err = c.TaskQueue(ctx)
		}
	}
	if err != nil {
		return r.dark(t, err)
	}
	r.st.DarkSince = nil
	// The iLO answers again: end the session it had before (gone after a
	// reset, 404; still there after an outage of the network).
	r.closeStale(ctx, true)
	steps := map[string]bool{}
	for _, s := range Sequence(r.st, r.opt) {
		steps[s.Name] = true
	}
	var ours, bad, running, uefiOnly []ilo.UpdateTask
	r.st.Tasks = []Task{}
	for _, task := range queue {
		if !steps[task.Name] {
			continue
		}
		ours = append(ours, task)
		r.st.Tasks = append(r.st.Tasks, Task{Name: task.Name, Filename: task.Filename, State: task.State})
		switch task.State {
		case ilo.TaskException, ilo.TaskExpired, ilo.TaskCanceled:
			bad = append(bad, task)
		case ilo.TaskPending, ilo.TaskInProgress:
			running = append(running, task)
			if task.State == ilo.TaskPending && len(task.UpdatableBy) > 0 && !slices.Contains(task.UpdatableBy, "Bmc") {
				uefiOnly = append(uefiOnly, task)
			}
		}
	}
	inProgress := slices.IndexFunc(running, func(t ilo.UpdateTask) bool { return t.State == ilo.TaskInProgress })
	blockedOnReboot := len(running) > 0 && inProgress < 0 && len(uefiOnly) > 0 && uefiOnly[0].Name == running[0].Name
	progress := us.State
	if progress == "" {
		progress = "?"
	}
	if us.FlashProgressPercent != nil {
		progress += fmt.Sprintf(" %d%%", *us.FlashProgressPercent)
	}
	switch {
	case len(bad) > 0:
		b := bad[0]
		r.fail(strings.TrimSpace(fmt.Sprintf("task %s (%s) ended %s: %s", b.Name, b.Filename, b.State, messageText(b.Result))))
		return r.st.Reason
	case len(running) > 0 && !blockedOnReboot:
		r.st.Phase = PhaseFlashing
		now := running[0]
		if inProgress >= 0 {
			now = running[inProgress]
		}
		return fmt.Sprintf("flashing: %d of %d tasks done, %s %s; update service %s", len(ours)-len(running), len(ours), now.Name, now.State, progress)
	}
	srv, p, err := iloplan.Make(ctx, c, r.cat.Index, fwplan.Options{AllowDowngrade: r.opt.AllowDowngrade})
	if err != nil {
		r.st.Phase = PhaseActivating
		return "tasks ended; reading the plan failed: " + cut(err.Error(), 160)
	}
	r.st.ServerAfter = &srv
	left, needReboot, other := r.check(p.Plan, t)
	var rebootNames []string
	for _, c := range needReboot {
		rebootNames = append(rebootNames, c.Name)
	}
	for _, task := range uefiOnly {
		rebootNames = append(rebootNames, task.Name)
	}
	rebootNames = unique(rebootNames)
	switch {
	case len(left) == 0 && len(running) == 0:
		r.finish(PhaseDone, fmt.Sprintf("done in %d s: %d item(s) at their target", seconds(t-r.st.WaitStarted), len(r.st.Checked)))
		return ""
	case len(other) > 0 && !blockedOnReboot:
		r.st.Phase = PhaseActivating
		return fmt.Sprintf("tasks ended; waiting for %s to report %s (now %s)", other[0].Name, r.targetOf(other[0].Name), orNone(other[0].Version))
	case r.opt.Reboot == RebootNone:
		n := len(needReboot)
		if n == 0 {
			n = len(uefiOnly)
		}
		r.finish(PhasePendingReboot, fmt.Sprintf("flashed; %d item(s) activate at the next reboot: %s", n, strings.Join(rebootNames, ", ")))
		return ""
	}
	r.st.Phase = PhaseRebooting
	if (r.opt.Reboot == RebootGraceful || r.opt.Reboot == RebootForce) && !r.st.ResetSent {
		what := fmt.Sprintf("flashed; restarting the server (%s) for %s", r.opt.Reboot, strings.Join(rebootNames, ", "))
		if err := r.restart(ctx, c); err != nil {
			switch {
			case ilo.IsUncertain(err): // the connection broke: read again and send again
				return what + ": " + cut(err.Error(), 160)
			case ilo.IsTransport(err): // the iLO stopped answering before it had the restart
				return r.dark(t, err)
			}
			// The iLO refused it (its MessageId says why), or cannot restart
			// the server: sending it again every reading would only wait out
			// wait_timeout.
			r.fail(fmt.Sprintf("the server could not be restarted for %s: %v", strings.Join(rebootNames, ", "), err))
			return ""
		}
		at := now()
		r.st.ResetSent, r.st.ResetAt = true, &at
		return what
	}
	if r.st.RebootSince == nil {
		since := t
		if r.st.ResetAt != nil {
			since = *r.st.ResetAt
		}
		r.st.RebootSince = &since
	}
	since := seconds(t - *r.st.RebootSince)
	external := ""
	if r.opt.Reboot == RebootExternal {
		external = " (someone else reboots)"
	}
	what := fmt.Sprintf("waiting %d s for the reboot to activate %s%s", since, strings.Join(rebootNames, ", "), external)
	if since > int(r.opt.RebootTimeout.Seconds()) {
		r.fail(fmt.Sprintf("the server did not reboot, or %s did not activate, within %d s (reboot %s, reboot_timeout %d)",
			strings.Join(rebootNames, ", "), since, r.opt.Reboot, int(r.opt.RebootTimeout.Seconds())))
	}
	return what
}

// dark handles a reading that failed: the iLO resets (after its own
// flash) or is gone. The next reading connects anew; the session is set
// aside unended (a logout now would fail as the reading did) and ended
// once the iLO answers again, or at the end of the run (drop).
func (r *run) dark(t float64, err error) string {
	r.setAside()
	if r.st.DarkSince == nil {
		r.st.DarkSince = &t
	}
	dark := seconds(t - *r.st.DarkSince)
	r.st.Phase = PhaseILOReset
	what := fmt.Sprintf("not answering for %d s (an iLO reset?): %s", dark, cut(err.Error(), 160))
	if limit := int(r.opt.ILOResetTimeout.Seconds()); dark > limit {
		r.fail(fmt.Sprintf("the iLO has not answered for %d s (ilo_reset_timeout %d): %v", dark, limit, err))
	}
	return what
}

// check compares each planned item with the plan read again: it is at its
// target when the plan now says current, or — after a stepping stone — it
// runs another version than before and the plan has moved on to the next
// file. It records when each was first seen there and returns the items
// left, those among them that activate at reboot, and the others.
func (r *run) check(now []fwplan.Step, t float64) (left, needReboot, other []Checked) {
	if r.st.CurrentAt == nil {
		r.st.CurrentAt = map[string]float64{}
	}
	r.st.Checked = []Checked{}
	for _, w := range r.st.Plan {
		if !w.Install {
			continue
		}
		var items []fwplan.Step
		for _, x := range now {
			if (w.ID != "" && x.ID == w.ID) || (w.ID == "" && x.Name == w.Name && x.DeviceContext == w.DeviceContext) {
				items = append(items, x)
			}
		}
		ok := len(items) > 0
		var versions []string
		for _, x := range items {
			versions = append(versions, x.CurrentVersion)
			if x.Action != fwplan.Current && (sameFile(x.File, w.File) || x.CurrentVersion == w.CurrentVersion) {
				ok = false
			}
		}
		k := key(w)
		if _, seen := r.st.CurrentAt[k]; ok && !seen {
			r.st.CurrentAt[k] = t
		}
		c := Checked{Key: k, Name: w.Name, DeviceContext: w.DeviceContext, File: w.File, RebootRequired: w.RebootRequired, Current: ok}
		if len(items) > 0 {
			v := strings.Join(unique(versions), ", ")
			c.Version = &v
		}
		r.st.Checked = append(r.st.Checked, c)
		if !ok {
			left = append(left, c)
			if c.RebootRequired {
				needReboot = append(needReboot, c)
			} else {
				other = append(other, c)
			}
		}
	}
	return left, needReboot, other
}

// targetOf is the target version of the first planned item named name.
func (r *run) targetOf(name string) string {
	for _, w := range r.st.Plan {
		if w.Install && w.Name == name {
			return deref(w.TargetVersion)
		}
	}
	return ""
}

// key identifies an inventory item across plans: its Id, or its name and
// device context.
func key(s fwplan.Step) string {
	if s.ID != "" {
		return s.ID
	}
	return s.Name + "|" + s.DeviceContext
}

func sameFile(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func unique(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func orNone(s *string) string {
	if s == nil {
		return "None"
	}
	return *s
}
