package ilo

import (
	"context"
	"fmt"
	"strings"
	"time"
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

// StateSeen is one Oem.Hpe.State a waiter saw, with the time it was first seen.
type StateSeen struct {
	State string    `json:"state"`
	Time  time.Time `json:"time"`
	// Percent is FlashProgressPercent while Updating.
	Percent *int `json:"percent,omitempty"`
}

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
	every := w.Every
	if every <= 0 {
		every = maxUpdatePoll
	}
	first := w.First
	if first <= 0 {
		first = firstUpdatePoll
	}
	pause := min(first, every)
	sawBusy, reset := false, false
	for {
		us, err := c.UpdateService(ctx)
		if err != nil && w.ThroughReset && ctx.Err() == nil && ExpectedDuringReset(err) {
			if rerr := c.Reconnect(ctx); rerr != nil {
				return us, fmt.Errorf("wait for %s: the iLO went away (a reset after flashing its own firmware?): %w", w.What, rerr)
			}
			reset = true
			continue
		}
		if err != nil {
			return us, fmt.Errorf("wait for %s: %w", w.What, err)
		}
		if w.Seen != nil {
			w.Seen(us)
		}
		ours := w.ETag != "" && us.UploadCurrentEtag == w.ETag
		if us.Busy() && (ours || us.UploadCurrentEtag == "") {
			sawBusy = true
		}
		untagged := us.UploadCurrentEtag == "" && (sawBusy || reset || !w.Before.Finished())
		if reset && !us.Busy() && !us.Finished() && (ours || us.UploadCurrentEtag == "") {
			return us, nil // Idle after the reset: the flash ended with it
		}
		if us.Finished() && (ours || untagged) {
			if us.Failed() {
				return us, &OperationError{What: w.What, ETag: w.ETag, Result: us.Result, Additional: us.AdditionalError}
			}
			return us, nil
		}
		if err := c.wait(ctx, pause); err != nil {
			return us, fmt.Errorf("wait for %s: still %s (UploadCurrentEtag %q, want %q): %w",
				w.What, orIdle(us.State), us.UploadCurrentEtag, w.ETag, err)
		}
		pause = min(pause*3/2, every)
	}
}

// WaitAccepted follows what an update action returned: the task monitor
// when there is one (iLO 5 ≥ 2.30; body or Location header) until its
// final response, then Oem.Hpe.State until it is final for w.ETag. A
// monitor that is already gone (404) leaves the update service to say how
// it ended.
func (c *Client) WaitAccepted(ctx context.Context, a Accepted, w UpdateWait) (UpdateService, error) {
	if a.TaskMonitor != "" {
		every := w.Every
		if every <= 0 {
			every = maxUpdatePoll
		}
		pause := min(firstUpdatePoll, every)
	monitor:
		for {
			s, err := c.TaskMonitor(ctx, a.TaskMonitor)
			if err != nil && w.ThroughReset && ctx.Err() == nil && ExpectedDuringReset(err) {
				break // the iLO resets: the update service tells the rest
			}
			if err != nil {
				return UpdateService{}, fmt.Errorf("wait for %s: %w", w.What, err)
			}
			if !s.Running {
				if s.Failed() {
					oe := &OperationError{What: w.What, ETag: w.ETag}
					if len(s.Messages) > 0 {
						m := s.Messages[0]
						oe.Result = &m
					}
					// The update service usually knows more (Oem.Hpe.Result).
					us, err := c.UpdateService(ctx)
					if err == nil && w.WatchState && w.Seen != nil {
						w.Seen(us)
					}
					if err == nil && us.Failed() && (w.ETag == "" || us.UploadCurrentEtag == w.ETag) && us.Result != nil {
						oe.Result, oe.Additional = us.Result, us.AdditionalError
					}
					return UpdateService{}, oe
				}
				// The task says it finished: an iLO that does not echo
				// tags has no earlier state to be confused with now.
				w.Before = UpdateService{}
				break
			}
			if w.WatchState {
				us, err := c.UpdateService(ctx)
				switch {
				case err == nil:
					if w.Seen != nil {
						w.Seen(us)
					}
				case w.ThroughReset && ctx.Err() == nil && ExpectedDuringReset(err):
					break monitor // the iLO resets: the update service tells the rest
				default:
					return us, fmt.Errorf("wait for %s: %w", w.What, err)
				}
			}
			d := pause
			if s.RetryAfter > 0 && s.RetryAfter < maxRetryAfterPoll {
				d = s.RetryAfter
			}
			if err := c.wait(ctx, d); err != nil {
				return UpdateService{}, fmt.Errorf("wait for %s: task %s still running: %w", w.What, a.TaskMonitor, err)
			}
			pause = min(pause*3/2, every)
		}
	}
	return c.WaitUpdate(ctx, w)
}

func orIdle(s string) string {
	if s == "" {
		return "without a State"
	}
	return s
}
