package ilosim

import (
	"sync"
	"time"
)

// Clock is a simulated iLO clock: it starts at the real time (UTC, whole
// seconds), runs Speed times faster than the wall clock and can be moved
// forward. Every schedule in the simulator (update phases, session idle
// expiry, dark time, task queue StartAfter/Expire) is measured on it.
type Clock struct {
	mu     sync.Mutex
	start  time.Time // simulated time at realAt
	realAt time.Time
	speed  float64
}

// NewClock returns a clock that starts now and runs speed times faster than
// the wall clock. Speed 0 stops it (only Advance moves it, for tests);
// a negative speed means 1.
func NewClock(speed float64) *Clock {
	if speed < 0 {
		speed = 1
	}
	now := time.Now()
	return &Clock{start: now.UTC().Truncate(time.Second), realAt: now, speed: speed}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	el := time.Since(c.realAt)
	return c.start.Add(time.Duration(float64(el) * c.speed))
}

// Advance moves the clock forward by d (negative d is ignored: an iLO clock
// never runs backwards under the simulator).
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = c.nowLocked().Add(d)
	c.realAt = time.Now()
}

// Speed returns the speed factor.
func (c *Clock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// Real converts a simulated duration to the wall-clock duration it takes
// (the largest duration when the clock is stopped).
func (c *Clock) Real(d time.Duration) time.Duration {
	s := c.Speed()
	if s == 0 {
		return time.Duration(1<<63 - 1)
	}
	return time.Duration(float64(d) / s)
}
