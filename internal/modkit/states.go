package modkit

import (
	"sync"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
)

// State is one update-service state (Oem.Hpe.State) a module saw while it
// waited, with the time it was first seen: the states a result returns.
type State struct {
	State string    `json:"state"`
	Time  time.Time `json:"time"`
	// Percent is FlashProgressPercent while Updating.
	Percent *int `json:"percent,omitempty"`
}

// Recorder records the states seen during a wait: give its Add as the
// wait's Seen. Readings that repeat the last state are not recorded. It is
// safe for concurrent use; the zero value is ready.
type Recorder struct {
	// Progress also records a reading whose FlashProgressPercent differs
	// from the last one recorded (firmware_update shows the flash's
	// progress; component shows state changes only).
	Progress bool
	// Now is the clock of the times recorded (time.Now when nil).
	Now func() time.Time

	mu   sync.Mutex
	seen []State
}

// Add records a reading of the update service.
func (r *Recorder) Add(us ilo.UpdateService) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.seen); n > 0 {
		last := r.seen[n-1]
		samePercent := us.FlashProgressPercent == nil || last.Percent != nil && *last.Percent == *us.FlashProgressPercent
		if last.State == us.State && (!r.Progress || samePercent) {
			return
		}
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var pct *int
	if us.FlashProgressPercent != nil {
		p := *us.FlashProgressPercent
		pct = &p
	}
	r.seen = append(r.seen, State{State: us.State, Time: now().UTC().Truncate(time.Millisecond), Percent: pct})
}

// States returns the states recorded, in order ([] when none).
func (r *Recorder) States() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]State, len(r.seen))
	copy(out, r.seen)
	return out
}
