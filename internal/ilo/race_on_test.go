//go:build race

package ilo

// raceEnabled reports whether the race detector is on: it instruments and
// inflates allocations, so allocation-bound tests skip under it.
const raceEnabled = true
