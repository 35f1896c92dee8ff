package ilo

import (
	"testing"
	"time"
)

// FuzzParseTime: ParseTime never panics, and what it accepts formats back to a time
// it reads again as the same instant (to the second).
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123+02:00", "2026-11-23T10:00:00",
		"2026-13-45T00:00:00Z", "", "now", "+1d", "9999-12-31T23:59:59Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not in UTC", s, tm)
		}
		if tm.Year() < 0 || tm.Year() > 9999 {
			return // FormatTime cannot write it as RFC 3339
		}
		back, err := ParseTime(FormatTime(tm))
		if err != nil {
			t.Fatalf("ParseTime(FormatTime(%v)) from %q: %v", tm, s, err)
		}
		if !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v; formatted and read again: %v", s, tm, back)
		}
	})
}

// FuzzParseRelative: ParseRelative never panics, never returns a negative duration or
// one over ten years, and refuses whatever does not start with "+" (but "now").
func FuzzParseRelative(f *testing.F) {
	for _, s := range []string{"now", "+30m", "+1d6h", "+90s", "+", "+1x", "+99999999999d", "+2147483647d", "2026-11-23T10:00:00Z", "+1d+1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, rel, err := ParseRelative(s)
		if err != nil {
			return
		}
		if !rel {
			if d != 0 {
				t.Fatalf("ParseRelative(%q) = %v, not relative but non-zero", s, d)
			}
			return
		}
		if d < 0 || d > 10*365*24*time.Hour {
			t.Fatalf("ParseRelative(%q) = %v, out of range", s, d)
		}
	})
}
