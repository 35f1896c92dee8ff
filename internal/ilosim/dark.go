package ilosim

import "time"

// darkness holds the two independent reasons an iLO refuses every
// connection (doc.go, "Darkness"): an outage (the dark_seconds fault: the
// network or the power is gone) and the iLO's own reset (after a self-flash
// or Manager.Reset). Neither ends the other: the iLO is dark until the later
// of the two ends.
type darkness struct {
	outageTill time.Time // end of the dark_seconds outage
	resetTill  time.Time // end of the iLO's own reset
}

// startOutage makes the outage last d from now, replacing any outage still
// running (the reset, if one runs, is unaffected).
func (d *darkness) startOutage(now time.Time, dur time.Duration) { d.outageTill = now.Add(dur) }

// startReset makes the iLO's own reset, begun at at, keep it dark for dur
// (any outage is unaffected).
func (d *darkness) startReset(at time.Time, dur time.Duration) { d.resetTill = at.Add(dur) }

// until is when the iLO answers again: the later end of the two.
func (d *darkness) until() time.Time {
	if d.resetTill.After(d.outageTill) {
		return d.resetTill
	}
	return d.outageTill
}

// at reports whether the iLO is dark at now.
func (d *darkness) at(now time.Time) bool { return now.Before(d.until()) }
