// Package rollout is the per-iLO engine of fleetfw.ilo.firmware_rollout:
// given an iLO, the loaded catalog, the options and the iLO's previous
// State, Advance brings the iLO as far towards the catalog's baseline as it
// can before a deadline and returns the new State; Report words a State as
// the per-host result, PlanLines the plan. The module runs Advance for every
// iLO of a batch at once and is called again, with the states it returned,
// until every iLO is finished.
//
// The steps, in order (each a phase of State):
//
//   - plan: internal/fwplan through fwplan/iloplan, exactly as
//     fleetfw.ilo.firmware_plan reports it; in check mode the rollout stops
//     here (components "planned") and says what it would stage.
//   - stage: each file the plan installs whose name the iLO Repository
//     lacks is downloaded by the iLO from <catalog_url>/<file> (AddFromUri,
//     with <base>.compsig when the catalog folder has one) or pushed from
//     the local file (ilo.Client.Push), one at a time (the update service
//     runs one operation at a time), until the repository lists each.
//   - install_set: the set named install_set_name holds one ApplyUpdate step
//     per file in plan order (step name = file name cut to 64 characters);
//     with a maintenance window and reboot graceful or force, a ResetServer
//     step follows the last file that activates at reboot, before iLO
//     firmware. It is created, or updated only when its sequence or
//     description differ (modkit.Ensure: its If-Match policy); an equal set
//     is never written. The window is created or updated as
//     fleetfw.ilo.maintenance_window does.
//   - invoke: unless the set's tasks are already queued (Pending or
//     InProgress), its earlier tasks are deleted and the set invoked (in the
//     window, if any: the iLO then ends "scheduled", not waited for).
//   - the wait, in the phases of the role's former wait_state.json.j2:
//     flashing, ilo_reset (dark; failed after ilo_reset_timeout), activating,
//     rebooting (graceful/force: one ComputerSystem.Reset, then up to
//     reboot_timeout; wait_external: only wait), pending_reboot (reboot
//     none), done, failed (with reason), and the overall wait_timeout.
//     Whether an item is at its target is the plan's word, read again each
//     round (action current, or a stepping stone's item that runs another
//     version and whose plan moved on to the next file).
//
// An iLO flash resets the iLO and ends its sessions: a reading that fails
// drops the client, and the next reading connects anew. Every session the
// engine opened is logged out before Advance returns.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/ilo"
)

// Catalog is the loaded catalog, prepared for planning many iLOs.
type Catalog struct {
	Index *fwplan.Index
	// Dir is the folder of the catalog's files, where a file's .compsig is
	// looked for.
	Dir string
}

// Target is one iLO.
type Target struct {
	// Host is the inventory name (the key of the module's results).
	Host    string
	BaseURI string
	// Connect opens a new session on the iLO; the engine closes it.
	Connect func(ctx context.Context) (*ilo.Client, error)
}

// Outcome is what one Advance did.
type Outcome struct {
	State State
	// Changed is true when a write may have reached the iLO.
	Changed bool
	// Planned is true when this call made the plan (PlanLines shows it).
	Planned bool
	// Warnings are failed logouts and the like: the result stands.
	Warnings []string
}

// run is one Advance on one iLO.
type run struct {
	t   Target
	cat *Catalog
	opt Options
	st  State
	c   *ilo.Client
	// stale are sessions from before the iLO stopped answering (see dark):
	// logged out once it answers again.
	stale    []*ilo.Client
	set      *ilo.InstallSet
	wrote    bool
	planned  bool
	warnings []string
}

// Advance works on one iLO until it is finished or deadline has passed
// (it always takes at least one step, so that an iLO that waited for a
// slot still moves on), pausing opt.PollInterval between readings. An iLO
// whose state is finished is left alone (no request), except that check
// mode always plans afresh and a check mode's state starts a real run.
func Advance(ctx context.Context, t Target, cat *Catalog, opt Options, st State, deadline time.Time) Outcome {
	// Check mode always plans afresh; a check mode's state (planned) is
	// no start for a real run.
	if opt.CheckMode || st.Phase == PhasePlanned {
		st = State{}
	}
	r := &run{t: t, cat: cat, opt: opt, st: st}
	if r.st.Finished {
		return Outcome{State: r.st}
	}
	if r.st.Phase == "" {
		r.st.Phase = PhasePlan
	}
	r.st.Round++
	release, err := acquire(ctx, opt.Slots)
	if err != nil {
		return Outcome{State: r.st}
	}
	defer release()
	for {
		wait, err := r.step(ctx)
		if err != nil && ctx.Err() != nil {
			break // stopped (a signal), not the iLO's failure: the next call goes on
		}
		if err != nil {
			r.fail(err.Error())
		}
		if r.st.Finished || ctx.Err() != nil {
			break
		}
		if !wait {
			continue
		}
		if time.Now().Add(opt.PollInterval).After(deadline) {
			break
		}
		// The pause gives the slot to another iLO.
		if r.pause(ctx, opt) != nil {
			break
		}
	}
	if ctx.Err() != nil && !r.st.Finished {
		r.st.Line = r.line("stopped: " + ctx.Err().Error())
	}
	r.drop(ctx) // before the Outcome: its warnings are part of it
	return Outcome{State: r.st, Changed: r.wrote, Planned: r.planned, Warnings: r.warnings}
}

// step takes one step of the phase; wait is true when the next step should
// come after a pause.
func (r *run) step(ctx context.Context) (wait bool, err error) {
	switch r.st.Phase {
	case PhasePlan:
		return false, r.plan(ctx)
	case PhaseStage:
		return r.stage(ctx)
	case PhaseInstallSet:
		return false, r.installSet(ctx)
	case PhaseInvoke:
		return false, r.invoke(ctx)
	case PhaseFlashing, PhaseILOReset, PhaseActivating, PhaseRebooting:
		r.waitRound(ctx)
		return true, nil
	}
	return false, fmt.Errorf("unknown phase %q in the state given: pass back the state the module returned", r.st.Phase)
}

// client returns the session, connecting when there is none.
func (r *run) client(ctx context.Context) (*ilo.Client, error) {
	if r.c != nil {
		return r.c, nil
	}
	c, err := r.t.Connect(ctx)
	if err != nil {
		return nil, err
	}
	r.c = c
	return c, nil
}

// drop logs out every session of the run at its end. A logout that fails
// while the iLO is resetting is no warning: the reset ends its sessions.
// An iLO still dark for another reason (it failed, not answering) keeps a
// session it could not be told to end until its own timeout; the warning
// says so.
func (r *run) drop(ctx context.Context) {
	r.setAside()
	r.closeStale(ctx, r.st.Phase != PhaseILOReset)
}

// setAside moves the session in use to r.stale, unended: the next reading
// connects anew, and closeStale logs it out.
func (r *run) setAside() {
	if r.c != nil {
		r.stale = append(r.stale, r.c)
		r.c = nil
	}
}

// closeStale logs out the sessions in r.stale; warn adds a warning for
// each logout that failed.
func (r *run) closeStale(ctx context.Context, warn bool) {
	for _, c := range r.stale {
		err := c.Close(ctx)
		switch {
		case err == nil || !warn:
		case ilo.IsTransport(err):
			var e *ilo.Error
			errors.As(err, &e)
			r.warnings = append(r.warnings, fmt.Sprintf("%s: could not log out (%s %s: %v): the iLO does not answer; its reset ends the session, else its session timeout does",
				r.t.Host, e.Method, e.URI, e.Err))
		default:
			r.warnings = append(r.warnings, fmt.Sprintf("%s: %v", r.t.Host, err))
		}
	}
	r.stale = nil
}

// finish ends the iLO's rollout in phase with the progress line what.
func (r *run) finish(phase, what string) {
	r.st.Phase, r.st.Finished = phase, true
	r.st.Line = r.line(what)
}

// fail ends the iLO's rollout as failed.
func (r *run) fail(reason string) {
	r.st.Reason = reason
	r.finish(PhaseFailed, "failed: "+reason)
}

// line is "<host> round N, S s: <what>": S counts from the invocation
// during the wait, from the plan before.
func (r *run) line(what string) string {
	since := r.st.Started
	if r.st.WaitStarted > 0 {
		since = r.st.WaitStarted
	}
	waited := 0
	if since > 0 {
		waited = seconds(now() - since)
	}
	return fmt.Sprintf("%s round %d, %d s: %s", r.t.Host, r.st.Round, waited, what)
}

// now is the wall clock in Unix seconds.
func now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// seconds rounds a duration in seconds to an int (0 for a time not set).
func seconds(d float64) int {
	if d < 0 || math.IsNaN(d) {
		return 0
	}
	return int(d)
}

// pause waits opt.PollInterval without holding a slot.
func (r *run) pause(ctx context.Context, opt Options) error {
	if opt.Slots != nil {
		<-opt.Slots
	}
	err := sleep(ctx, opt.PollInterval)
	if opt.Slots != nil {
		if _, aerr := acquire(context.WithoutCancel(ctx), opt.Slots); aerr != nil {
			return aerr
		}
	}
	return err
}

// acquire takes a slot of slots (nil: no limit) and returns its release.
func acquire(ctx context.Context, slots chan struct{}) (func(), error) {
	if slots == nil {
		return func() {}, nil
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// cut returns the first n characters of s.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// messageText is "MessageId meaning" of an iLO message ("" for none).
func messageText(m *ilo.Message) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m.ID + " " + m.Meaning)
}
