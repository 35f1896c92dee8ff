package ilo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/fwversion"
)

// Poll pacing for update operations: the first readings come quickly (a
// small component is verified and written in seconds), growing by half each
// time to at most every maxUpdatePoll. A Section of an upload is waited for
// from sectionPoll: a 1 GiB component is 32 Sections, each waited for, and
// at 250 ms the first pause added up (make bench: 1000 MiB took 11-15 s
// against curl's 7-8 s; at 50 ms, 4.1-4.4 s against 4.1-4.3 s). The wait
// through an iLO's own reset keeps 250 ms: polled faster, the module read
// Complete before the simulated iLO reset (tests/integration firmware_update
// ilo_flash), a race that faster polling makes likely and that is not
// resolved yet.
const (
	firstUpdatePoll = 250 * time.Millisecond
	sectionPoll     = 50 * time.Millisecond
	maxUpdatePoll   = 2 * time.Second
)

// OperationError is an upload or flash that the update service ended in
// Error (Oem.Hpe.State), or whose task monitor reported a failure.
type OperationError struct {
	// What names the operation ("section 2 of 4 of cp045678.exe").
	What string
	// ETag is the UploadCurrentEtag the operation was tagged with.
	ETag string
	// Result is Oem.Hpe.Result (or the task's first message).
	Result *Message
	// Additional is Oem.Hpe.AdditionalErrorDetails (iLO 6 1.69+).
	Additional *Message
}

// Error returns "the iLO ended <what> in Error: MessageId: meaning".
func (e *OperationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the iLO ended %s in Error", e.What)
	if e.Result != nil {
		b.WriteString(": ")
		b.WriteString(e.Result.String())
	}
	if e.Additional != nil {
		b.WriteString(" (")
		b.WriteString(e.Additional.String())
		b.WriteString(")")
	}
	return b.String()
}

// ErrorInfo returns the details Ansible shows in error_info.
func (e *OperationError) ErrorInfo() map[string]any {
	info := map[string]any{"operation": e.What, "upload_current_etag": e.ETag, "state": StateError}
	if e.Result != nil {
		info["result"] = *e.Result
	}
	if e.Additional != nil {
		info["additional_error"] = *e.Additional
	}
	return info
}

// UpdateWait follows one update operation on Oem.Hpe.State.
type UpdateWait struct {
	// What names the operation in errors.
	What string
	// ETag is the UploadCurrentEtag (or ETag) the operation was sent with.
	// Complete and Error are sticky: a final state counts only when the
	// service echoes this tag, so a Complete left by an earlier operation is
	// never taken for this one.
	ETag string
	// Before is the update service as read just before the operation was
	// sent. It is used only when the iLO does not echo tags at all
	// (UploadCurrentEtag empty): a final state then counts when the service
	// was not already in one before, or after a busy state was seen.
	Before UpdateService
	// Every is the longest pause between readings (default 2 s).
	Every time.Duration
	// First is the first pause (default 250 ms, at most Every).
	First time.Duration
	// Seen is called with every reading (for the states a module returns).
	Seen func(UpdateService)
	// ThroughReset keeps waiting when the iLO resets itself, as it does at
	// the end of flashing its own firmware (UpdateTarget): errors that
	// ExpectedDuringReset accepts make it log in again (Reconnect) and read
	// on. A reset iLO may have forgotten the tag: after a reset, a state
	// that is neither busy nor Error counts as the end of the operation.
	ThroughReset bool
	// WatchState makes WaitAccepted read the update service after every
	// task-monitor reading too, so that Seen gets the states and
	// FlashProgressPercent while the Task runs (one more GET per poll).
	WatchState bool
}

// WaitUpdate reads the update service until the operation w describes ends:
// Oem.Hpe.State Complete (returned) or Error (an *OperationError with
// Result and its registry meaning). ctx bounds the wait (wait_timeout).
// GET /redfish/v1/UpdateService/ (the root's UpdateService link).
func (c *Client) WaitUpdate(ctx context.Context, w UpdateWait) (UpdateService, error) {
	first := w.First
	if first <= 0 {
		first = firstUpdatePoll
	}
	onReset := ResetFails
	if w.ThroughReset {
		onReset = ResetReconnects
	}
	sawBusy := false
	var last UpdateService
	_, err := c.Poll(ctx, Pace{What: w.What, First: first, Every: pollEvery(w.Every)}, onReset, func(ctx context.Context, n PollResult) (Reading, error) {
		us, err := c.UpdateService(ctx)
		if err != nil {
			return Reading{}, err
		}
		last = us
		if w.Seen != nil {
			w.Seen(us)
		}
		reset := n.Resets > 0
		ours := w.ETag != "" && us.UploadCurrentEtag == w.ETag
		if us.Busy() && (ours || us.UploadCurrentEtag == "") {
			sawBusy = true
		}
		untagged := us.UploadCurrentEtag == "" && (sawBusy || reset || !w.Before.Finished())
		if reset && !us.Busy() && !us.Finished() && (ours || us.UploadCurrentEtag == "") {
			return Reading{Done: true}, nil // Idle after the reset: the flash ended with it
		}
		if us.Finished() && (ours || untagged) {
			if us.Failed() {
				return Reading{}, &OperationError{What: w.What, ETag: w.ETag, Result: us.Result, Additional: us.AdditionalError}
			}
			return Reading{Done: true}, nil
		}
		return Reading{}, nil
	})
	var pt *PollTimeout
	var oe *OperationError
	var lost *ReconnectError
	switch {
	case errors.As(err, &pt) && (pt.Err != nil || pt.InReset):
		return last, c.waitTimeout(w.What, last, pt.InReset, "")
	case errors.As(err, &pt):
		return last, c.waitTimeout(w.What, last, false, fmt.Sprintf("UploadCurrentEtag %q, this operation's %q", last.UploadCurrentEtag, w.ETag))
	case errors.As(err, &oe), errors.As(err, new(*unknownError)):
		return last, err // said in full: the iLO's Error, or a session that cannot be renewed
	case errors.As(err, &lost):
		return last, fmt.Errorf("wait for %s: the iLO went away (a reset after flashing its own firmware?): %w", w.What, lost.Err)
	case err != nil:
		return last, fmt.Errorf("wait for %s: %w", w.What, err)
	}
	return last, nil
}

// WaitAccepted follows what an update action returned: the task monitor
// when there is one (iLO 5 ≥ 2.30; body or Location header) until its
// final response, then Oem.Hpe.State until it is final for w.ETag. A
// monitor that is already gone (404) leaves the update service to say how
// it ended.
func (c *Client) WaitAccepted(ctx context.Context, a Accepted, w UpdateWait) (UpdateService, error) {
	if a.TaskMonitor == "" {
		return c.WaitUpdate(ctx, w)
	}
	onReset := ResetFails
	if w.ThroughReset {
		onReset = ResetEnds // the iLO resets: the update service tells the rest
	}
	var last UpdateService
	running := fmt.Sprintf("task %s still running", a.TaskMonitor)
	_, err := c.Poll(ctx, Pace{What: w.What, First: firstUpdatePoll, Every: pollEvery(w.Every)}, onReset, func(ctx context.Context, _ PollResult) (Reading, error) {
		s, err := c.TaskMonitor(ctx, a.TaskMonitor)
		if err != nil {
			return Reading{}, err
		}
		if !s.Running {
			if s.Failed() {
				return Reading{}, c.monitorFailed(ctx, s, w)
			}
			// The task says it finished: an iLO that does not echo
			// tags has no earlier state to be confused with now.
			w.Before = UpdateService{}
			return Reading{Done: true}, nil
		}
		if w.WatchState {
			us, err := c.UpdateService(ctx)
			if err != nil {
				return Reading{}, err
			}
			last = us
			if w.Seen != nil {
				w.Seen(us)
			}
		}
		return Reading{RetryAfter: s.RetryAfter}, nil
	})
	var pt *PollTimeout
	var oe *OperationError
	switch {
	case errors.As(err, &pt):
		return last, c.waitTimeout(w.What, last, false, running)
	case errors.As(err, &oe):
		return UpdateService{}, err
	case err != nil && !errors.Is(err, ErrReset):
		return last, fmt.Errorf("wait for %s: %w", w.What, err)
	}
	return c.WaitUpdate(ctx, w)
}

// monitorFailed is the *OperationError of a task monitor that ended in
// failure, with the update service's Oem.Hpe.Result when it knows more.
func (c *Client) monitorFailed(ctx context.Context, s MonitorStatus, w UpdateWait) *OperationError {
	oe := &OperationError{What: w.What, ETag: w.ETag}
	if len(s.Messages) > 0 {
		m := s.Messages[0]
		oe.Result = &m
	}
	us, err := c.UpdateService(ctx)
	if err == nil && w.WatchState && w.Seen != nil {
		w.Seen(us)
	}
	if err == nil && us.Failed() && (w.ETag == "" || us.UploadCurrentEtag == w.ETag) && us.Result != nil {
		oe.Result, oe.Additional = us.Result, us.AdditionalError
	}
	return oe
}

// WaitTimeoutError is a wait that ran out of its time (wait_timeout): it
// says what was waited for, the last Oem.Hpe.State and FlashProgressPercent
// seen, and whether the iLO was dark in its own reset when time ran out.
// It unwraps to context.DeadlineExceeded, whose text it never shows.
type WaitTimeoutError struct {
	// What names what was waited for ("the flash of ilo5_310.bin").
	What string
	// State is the last Oem.Hpe.State read ("" when none was read).
	State string
	// Percent is the last FlashProgressPercent read (nil when none).
	Percent *int
	// InReset is true when the iLO did not answer (dark in its reset).
	InReset bool
	// Detail adds what else was last seen ("task … still running").
	Detail string
	// Limit names what ran out (Names.WaitLimit; "" the client's own
	// words). The client's waits fill it from WithNames.
	Limit string
}

// Error returns "gave up waiting for <what>: <limit> ran out; …".
func (e *WaitTimeoutError) Error() string {
	limit := e.Limit
	if limit == "" {
		limit = ConfigNames.WaitLimit
	}
	var b strings.Builder
	fmt.Fprintf(&b, "gave up waiting for %s: %s ran out", e.What, limit)
	if e.State != "" {
		fmt.Fprintf(&b, "; last State %s", e.State)
		if e.Percent != nil {
			fmt.Fprintf(&b, " at %d%%", *e.Percent)
		}
	} else {
		b.WriteString("; no State was read")
	}
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	if e.InReset {
		b.WriteString("; the iLO was in its reset (not answering) when time ran out")
	} else {
		b.WriteString("; the iLO was answering (not in a reset)")
	}
	return b.String()
}

// Unwrap makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *WaitTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// ErrorInfo returns the details Ansible shows in error_info.
func (e *WaitTimeoutError) ErrorInfo() map[string]any {
	info := map[string]any{"waited_for": e.What, "state": e.State, "ilo_in_reset": e.InReset, "timeout": true}
	if e.Percent != nil {
		info["percent"] = *e.Percent
	}
	return info
}

func (c *Client) waitTimeout(what string, last UpdateService, inReset bool, detail string) *WaitTimeoutError {
	return &WaitTimeoutError{What: what, State: last.State, Percent: last.FlashProgressPercent, InReset: inReset, Detail: detail, Limit: c.opt.names.WaitLimit}
}

// SelfFlashWait follows an iLO after its update service reported Complete
// for a flash of the iLO's own firmware. A real iLO keeps showing Complete
// for a while (long enough for a client polling every 8 s to read it) and
// then resets, or does not reset at all and reports the new version at once
// (issue 13, point 2). The wait ends when the iLO went dark and came back,
// or when the manager reports the new version without a reset.
type SelfFlashWait struct {
	// What names the flash in errors ("the flash of ilo5_310.bin").
	What string
	// Version is the version the image carries ("" when unknown: then any
	// change of the manager's FirmwareVersion from Before counts).
	Version string
	// Before is the manager's FirmwareVersion before the flash.
	Before string
	// Reset is true when the iLO already reset during the wait for Complete.
	Reset bool
	// Every is the longest pause between readings (default 2 s).
	Every time.Duration
}

// SelfFlashResult is the manager as read at the end of a SelfFlashWait.
type SelfFlashResult struct {
	Manager Manager
	// Reset is true when the iLO went dark and came back (or had already).
	Reset bool
}

// WaitSelfFlash reads the manager until the iLO has reset itself and is
// back (logged in again), or reports the new firmware without a reset. It
// does not judge the version the iLO came back with: the caller verifies
// it. ctx bounds the wait (wait_timeout); running out says whether the iLO
// was dark. GET {root.Managers} members.
func (c *Client) WaitSelfFlash(ctx context.Context, w SelfFlashWait) (SelfFlashResult, error) {
	res := SelfFlashResult{Reset: w.Reset}
	start := c.opt.clock.Now()
	pr, err := c.Poll(ctx, Pace{What: w.What, First: firstUpdatePoll, Every: pollEvery(w.Every)}, ResetReconnects, func(ctx context.Context, n PollResult) (Reading, error) {
		mgr, err := c.Manager(ctx)
		if err != nil {
			return Reading{}, err
		}
		res.Manager = mgr
		res.Reset = res.Reset || n.Resets > 0
		// A re-flash of the running version that did not reset ends after the grace.
		regrace := w.sameAsBefore() && c.opt.clock.Now().Sub(start) >= sameVersionGrace
		return Reading{Done: res.Reset || w.flashed(mgr) || regrace}, nil
	})
	res.Reset = res.Reset || pr.Resets > 0
	var pt *PollTimeout
	var lost *ReconnectError
	switch {
	case errors.As(err, &pt):
		return res, c.selfFlashTimeout(w, res, pt.InReset)
	case errors.As(err, new(*unknownError)):
		return res, err // a session that cannot be renewed, said in full
	case errors.As(err, &lost):
		return res, fmt.Errorf("wait for the iLO to come back after %s: %w", w.What, lost.Err)
	case err != nil:
		return res, fmt.Errorf("wait for the iLO after %s: %w", w.What, err)
	}
	return res, nil
}

// renewable returns an error when err ended a session the client cannot
// renew: a session given as auth_token dies with the iLO's reset, and
// logging in again needs username and password (else the wait would loop
// on 401 until wait_timeout).
func (c *Client) renewable(err error, what string) error {
	if IsUnauthorized(err) && !c.ownsCredentials() {
		return Unknown(fmt.Errorf("wait for %s: the session ended (an iLO reset ends every session; give %s instead of %s to wait through it): %w", what, c.opt.names.Credentials, c.opt.names.AuthToken, err))
	}
	return nil
}

// sameVersionGrace is how long after Complete a re-flash of the version
// the iLO already runs is given to reset: its version cannot tell whether
// the flash took effect, so only a reset ends the wait earlier.
const sameVersionGrace = 2 * time.Minute

// sameAsBefore reports whether the image carries the version that ran
// before the flash (a forced re-flash).
func (w SelfFlashWait) sameAsBefore() bool {
	c, ok := fwversion.Compare(w.Version, w.Before)
	return w.Version != "" && ok && c == 0
}

// flashed reports whether the manager runs the flashed firmware (never
// for a re-flash of the version that ran before: see sameVersionGrace).
func (w SelfFlashWait) flashed(m Manager) bool {
	if w.sameAsBefore() {
		return false
	}
	if w.Version == "" || VersionNumber(w.Version) == "" || m.Version == "" {
		return m.FirmwareVersion != "" && m.FirmwareVersion != w.Before
	}
	c, ok := fwversion.Compare(w.Version, m.Version)
	return ok && c == 0
}

func (c *Client) selfFlashTimeout(w SelfFlashWait, res SelfFlashResult, dark bool) error {
	want := "the new firmware"
	if w.Version != "" {
		want = "version " + w.Version
	}
	detail := "the iLO never went dark"
	switch {
	case dark:
		detail = "the iLO went dark and did not answer again"
	case res.Reset:
		detail = "the iLO reset once"
	}
	if res.Manager.FirmwareVersion != "" {
		detail += " and last reported " + res.Manager.FirmwareVersion
	}
	return &WaitTimeoutError{
		What:    fmt.Sprintf("the iLO to reset or report %s after %s was Complete", want, w.What),
		State:   StateComplete,
		InReset: dark,
		Detail:  detail,
		Limit:   c.opt.names.WaitLimit,
	}
}

// pollEvery is the longest pause between readings: d, or maxUpdatePoll.
func pollEvery(d time.Duration) time.Duration {
	if d <= 0 {
		return maxUpdatePoll
	}
	return d
}

// unknownError marks the failure of a task whose write the iLO accepted but
// whose end could not be followed (Unknown).
type unknownError struct{ err error }

func (e *unknownError) Error() string { return e.err.Error() }
func (e *unknownError) Unwrap() error { return e.err }

// Unknown marks err, met after the iLO accepted a write, as leaving that
// write's outcome unknown (modkit.WriteStatus reports it so). nil stays nil.
func Unknown(err error) error {
	if err == nil {
		return nil
	}
	return &unknownError{err: err}
}

// IsOutcomeUnknown reports whether err leaves a write's outcome unknown: a
// write whose connection broke after it was sent (IsUncertain), a wait for
// an accepted operation that ran out (*WaitTimeoutError), a local file that
// changed after the iLO took part of it (*FileChangedError), or an error
// marked with Unknown.
func IsOutcomeUnknown(err error) bool {
	var ue *unknownError
	var wt *WaitTimeoutError
	var fc *FileChangedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ue), errors.As(err, &wt), IsUncertain(err):
		return true
	case errors.As(err, &fc):
		return fc.Accepted > 0
	}
	return false
}
