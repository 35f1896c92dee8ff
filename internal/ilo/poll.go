package ilo

import (
	"context"
	"errors"
	"time"
)

// Every wait of the client — the update service's state, a task monitor,
// the installation queue, the manager after an iLO flash, the iLO coming
// back from its reset — is one Poll: read, judge, pause, read again, under
// the caller's deadline, with the reset policy below and the client's Clock.

// Clock is the time the client waits by: the wall clock, or one a test
// injects (WithClock) to follow a simulated iLO's time.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep pauses for d, or until ctx ends (it then returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WithClock makes the client wait by k (tests; the default is the wall clock).
func WithClock(k Clock) Option { return func(o *options) { o.clock = k } }

// Pace is how often a Poll reads: First after the first reading, then each
// pause Growth times the last (1.5 when 0), at most Every.
type Pace struct {
	// What names the wait in errors ("the flash of ilo5_310.bin").
	What         string
	First, Every time.Duration
	Growth       float64
}

// next returns the pause after d.
func (p Pace) next(d time.Duration) time.Duration {
	g := p.Growth
	if g <= 1 {
		g = 1.5
	}
	return min(time.Duration(float64(d)*g), p.Every)
}

// OnReset is what a Poll does when a reading fails as an iLO that resets
// itself fails (ExpectedDuringReset): connection refused or reset, a
// timeout, 401, 502-504.
type OnReset int

const (
	// ResetFails: the error ends the poll.
	ResetFails OnReset = iota
	// ResetReconnects: wait for the iLO to come back, log in again
	// (Reconnect) and read on at once. A session given as a token cannot be
	// renewed: a 401 then ends the poll with an error that says so.
	ResetReconnects
	// ResetEnds: the poll ends with ErrReset; the caller follows the rest
	// another way (a task monitor that dies with the iLO's reset hands over
	// to the update service).
	ResetEnds
)

// ErrReset ends a Poll with ResetEnds when the iLO resets.
var ErrReset = errors.New("the iLO reset itself")

// Reading is what one reading of a Poll found.
type Reading struct {
	// Done ends the poll.
	Done bool
	// RetryAfter is the pause the answer asked for (Retry-After), used when
	// it is shorter than maxRetryAfterPoll; 0: the pace's.
	RetryAfter time.Duration
}

// PollTimeout is a Poll whose ctx ended first: the caller words it with
// what it last saw (a *WaitTimeoutError).
type PollTimeout struct {
	// InReset is true when the iLO was not answering (in its reset).
	InReset bool
	// Err is the last reading's error, if any.
	Err error
}

func (e *PollTimeout) Error() string { return "gave up waiting: out of time" }

// Unwrap makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *PollTimeout) Unwrap() error { return context.DeadlineExceeded }

// ReconnectError is a Poll that lost the iLO: it reset and did not come
// back (Reconnect's error).
type ReconnectError struct{ Err error }

func (e *ReconnectError) Error() string { return e.Err.Error() }
func (e *ReconnectError) Unwrap() error { return e.Err }

// PollResult says what a Poll went through.
type PollResult struct {
	// Readings counts the readings made.
	Readings int
	// Resets counts the iLO resets the poll waited through (ResetReconnects).
	Resets int
}

// Poll calls read until it reports Done or fails, pausing as p paces the
// readings (or as the iLO's Retry-After asks), and treats an iLO that resets
// under it as onReset says; read learns what the poll went through so far.
// An iLO that does not come back ends the poll with a *ReconnectError. A reading that fails once ctx has ended, or a
// pause that ctx cuts short, ends the poll with a *PollTimeout. ctx bounds
// the whole wait (wait_timeout).
func (c *Client) Poll(ctx context.Context, p Pace, onReset OnReset, read func(context.Context, PollResult) (Reading, error)) (PollResult, error) {
	var res PollResult
	pause := min(p.First, p.Every)
	dark := false // the last reading failed as a resetting iLO fails
	for {
		r, err := read(ctx, res)
		res.Readings++
		if err != nil && ctx.Err() != nil {
			// A reading the deadline cut short says nothing of the iLO:
			// it was dark if the reading before found it so.
			return res, &PollTimeout{Err: err, InReset: dark}
		}
		dark = err != nil && ExpectedDuringReset(err)
		switch {
		case err != nil && onReset != ResetFails && dark:
			if onReset == ResetEnds {
				return res, ErrReset
			}
			if err := c.renewable(err, p.What); err != nil {
				return res, err
			}
			if rerr := c.Reconnect(ctx); rerr != nil {
				if ctx.Err() != nil {
					return res, &PollTimeout{InReset: true, Err: rerr}
				}
				return res, &ReconnectError{Err: rerr}
			}
			res.Resets++
			continue
		case err != nil:
			return res, err
		case r.Done:
			return res, nil
		}
		d := pause
		if r.RetryAfter > 0 && r.RetryAfter < maxRetryAfterPoll {
			d = r.RetryAfter
		}
		if err := c.wait(ctx, d); err != nil {
			return res, &PollTimeout{}
		}
		pause = p.next(pause)
	}
}
