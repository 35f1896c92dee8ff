package queue

import (
	"slices"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// task is one HpeComponentUpdateTask.
type task struct {
	ID                      string
	Name                    string
	Command                 string
	Filename                string
	Component               string
	UpdatableBy             []string
	State                   string
	StartAfter, Expire      *time.Time
	MaintenanceWindow       string
	TPMOverride             bool
	UpdateRecoverySet       bool
	RecoveryPrivilege       bool
	WaitTimeSeconds         int
	ExecutionTimeoutMinutes int
	Targets                 []string
	TaskPlacementMode       string
	Result                  *wire.Message
	Created, Modified       time.Time

	// Engine state, never rendered.
	busyUntil   time.Time     // InProgress ends at this iLO time
	failure     *wire.Message // outcome to report when busyUntil passes
	completedAt time.Time     // when it became Complete (24 h retention)
}

func (t *task) updatableBy(agent string) bool { return slices.Contains(t.UpdatableBy, agent) }

// env is what one Tick learns from the Host before processing, so that no
// Host method runs under q.mu.
type env struct {
	tpmInUse bool
	runtime  bool
}

// action is one task taken by an agent, performed outside q.mu.
type action struct {
	id, agent, command, filename string
	targets                      []string
	tpm                          bool
	wait                         int
}

// Tick processes the queue up to iLO time now. Call it on every request
// and from a timer; it is cheap when nothing is due. When the clock jumped
// (a /_sim/clock advance), Tick replays the instants in between in order —
// StartAfter times, window starts, ends of InProgress tasks, 24 h removals —
// so a task whose window lies inside the jump still runs in its window
// rather than expiring.
func (q *Queue) Tick(now time.Time) {
	now = now.UTC()
	e := env{tpmInUse: q.host.TPMInUse(), runtime: q.host.RuntimeAgentRunning()}
	for range 100000 { // bound: every instant consumes a task or a deadline
		at := q.nextInstant(now)
		q.runAt(at, e)
		if !at.Before(now) {
			return
		}
	}
}

// nextInstant returns the earliest instant after q.last and before now at
// which something becomes due, or now.
func (q *Queue) nextInstant(now time.Time) time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	best := now
	consider := func(t time.Time) {
		if t.After(q.last) && t.Before(best) {
			best = t
		}
	}
	for _, t := range q.tasks {
		switch t.State {
		case StatePending:
			if t.StartAfter != nil {
				consider(*t.StartAfter)
			}
			if t.Expire != nil {
				consider(t.Expire.Add(time.Second))
			}
		case StateInProgress:
			if !t.busyUntil.IsZero() {
				consider(t.busyUntil)
			}
		case StateComplete:
			consider(t.completedAt.Add(q.cfg.CompleteRetention))
		}
	}
	return best
}

// runAt lets every agent take what is due at iLO time at.
func (q *Queue) runAt(at time.Time, e env) {
	for range 10000 {
		a := q.take(at, e)
		if a == nil {
			return
		}
		out := q.perform(a, e)
		q.finish(a, out, at)
	}
}

// take sweeps the queue at time at and marks the next task an agent can run
// InProgress. It returns nil when no agent has anything to do.
func (q *Queue) take(at time.Time, e env) *action {
	q.mu.Lock()
	defer q.mu.Unlock()
	if at.After(q.last) {
		q.last = at
	}
	q.sweep(at)
	agents := []string{AgentBmc}
	if e.runtime {
		agents = append(agents, AgentRuntimeAgent)
	}
	if q.uefiPass {
		agents = append(agents, AgentUefi)
	}
	for _, ag := range agents {
		t := q.next(ag, at)
		if t == nil {
			if ag == AgentUefi {
				q.uefiPass = false // POST is over until the next reboot
			}
			continue
		}
		t.State = StateInProgress
		t.Modified = at
		return &action{id: t.ID, agent: ag, command: t.Command, filename: t.Filename,
			targets: slices.Clone(t.Targets), tpm: t.TPMOverride, wait: t.WaitTimeSeconds}
	}
	return nil
}

// sweep ends InProgress tasks whose time is up, expires Pending tasks past
// Expire and removes Complete tasks older than the retention.
func (q *Queue) sweep(at time.Time) {
	kept := q.tasks[:0]
	for _, t := range q.tasks {
		switch t.State {
		case StateInProgress:
			if !t.busyUntil.IsZero() && !at.Before(t.busyUntil) {
				q.end(t, t.failure, t.busyUntil)
			}
		case StatePending:
			if t.Expire != nil && at.After(*t.Expire) {
				t.State = StateExpired
				t.Modified = at
			}
		}
		if t.State == StateComplete && !at.Before(t.completedAt.Add(q.cfg.CompleteRetention)) {
			continue
		}
		kept = append(kept, t)
	}
	clear(q.tasks[len(kept):])
	q.tasks = kept
}

// next walks the queue from the top for agent, strictly in order
// (reference §6.3): Complete and Canceled are skipped; InProgress, Exception
// and Expired stop the walk; a Pending task stops it unless agent may run it
// now.
func (q *Queue) next(agent string, at time.Time) *task {
	for _, t := range q.tasks {
		switch t.State {
		case StateComplete, StateCanceled:
			continue
		case StatePending:
			if t.Command == "PendingReset" {
				// Done by whoever walks right after a host reset.
				if q.uefiPass {
					return t
				}
				return nil
			}
			if !t.updatableBy(agent) || !q.startable(t, at) {
				return nil
			}
			return t
		default:
			return nil
		}
	}
	return nil
}

// startable reports whether a Pending task's schedule allows it to run.
func (q *Queue) startable(t *task, at time.Time) bool {
	if t.StartAfter != nil && at.Before(*t.StartAfter) {
		return false
	}
	if t.MaintenanceWindow != "" {
		w := q.findWindow(t.MaintenanceWindow)
		if w == nil || !w.open(at) {
			return false
		}
	}
	return true
}

// perform carries an action out, calling the Host without q.mu held.
func (q *Queue) perform(a *action, e env) Outcome {
	switch a.command {
	case "ApplyUpdate":
		if e.tpmInUse && !a.tpm {
			m := q.cfg.Registries.ILOMsg("FWFlashTPMOverrideFlagRequired")
			return Outcome{Failure: &m}
		}
		out := q.host.Apply(a.filename, a.agent, a.targets, a.tpm)
		if a.agent == AgentUefi {
			out.Duration = 0 // UEFI flashes during POST, before the pass goes on
		}
		return out
	case "ResetServer", "BootToUefi":
		if q.host.ResetServer() {
			return Outcome{hostReboots: true}
		}
	case "ResetBmc":
		q.host.ResetBMC()
	case "Wait":
		if a.agent != AgentUefi {
			return Outcome{Duration: time.Duration(a.wait) * time.Second}
		}
	}
	return Outcome{}
}

// finish records the outcome of an action taken at time at.
func (q *Queue) finish(a *action, out Outcome, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if (a.command == "ResetServer" || a.command == "BootToUefi") && !out.hostReboots {
		q.uefiPass = true
	}
	t := q.findTask(a.id)
	if t == nil || t.State != StateInProgress {
		return // deleted or changed while it ran
	}
	if out.Duration > 0 {
		t.busyUntil = at.Add(out.Duration)
		t.failure = out.Failure
		return
	}
	q.end(t, out.Failure, at)
}

// end moves an InProgress task to Complete, or Exception when failure is set.
func (q *Queue) end(t *task, failure *wire.Message, at time.Time) {
	t.busyUntil, t.failure = time.Time{}, nil
	t.Modified = at
	if failure != nil {
		t.State = StateException
		t.Result = failure
		return
	}
	t.State = StateComplete
	t.completedAt = at
	m := q.cfg.Registries.BaseMsg("Success")
	t.Result = &m
}

func (q *Queue) findTask(id string) *task {
	for _, t := range q.tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}
