package modkit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
)

// fixedClock returns a Clock at now that counts its reads.
func fixedClock(now time.Time, reads *int) *modkit.Clock {
	return modkit.NewClock(func(context.Context) (time.Time, error) { *reads++; return now, nil })
}

func TestClockResolve(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 500, time.UTC)
	tests := []struct {
		in, want, wantErr string
		reads             int // clock reads: relative times only
	}{
		{"", "", "", 0},
		{"+2h", "2026-11-23T12:00:00Z", "", 1},
		{"+1d", "2026-11-24T10:00:00Z", "", 1},
		{"+30m", "2026-11-23T10:30:00Z", "", 1},
		{"+1d6h30m15s", "2026-11-24T16:30:15Z", "", 1},
		{"now", "2026-11-23T10:00:00Z", "", 1},
		{"2026-12-24T22:00:00Z", "2026-12-24T22:00:00Z", "", 0},
		{"2026-12-24T23:00:00+01:00", "2026-12-24T22:00:00Z", "", 0},
		{"2026-12-24T22:00:00.250Z", "2026-12-24T22:00:00Z", "", 0},
		{"2026-12-24T22:00:00", "", "no time zone", 0},
		{"+2", "", "not a relative time", 0},
		{"+2w", "", "not a relative time", 0},
		{"+-2h", "", "not a relative time", 0},
		{"-2h", "", "not a Redfish date-time", 0},
		{"tomorrow", "", "not a Redfish date-time", 0},
		{"+4000d", "", "ten years", 0},
		{"+99999999999d", "", "ten years", 0},
		{"+110000d", "", "ten years", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			reads := 0
			k := fixedClock(now, &reads)
			got, err := k.Resolve(context.Background(), tt.in)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Resolve error = %v, want one with %q", err, tt.wantErr)
				}
				if modkit.CheckTime(tt.in) == nil {
					t.Errorf("CheckTime accepts %q", tt.in)
				}
			case err != nil:
				t.Errorf("Resolve: %v", err)
			case got != tt.want:
				t.Errorf("Resolve = %q, want %q", got, tt.want)
			}
			if reads != tt.reads {
				t.Errorf("clock read %d times, want %d", reads, tt.reads)
			}
			if _, _ = k.Resolve(context.Background(), "+1h"); reads > 1 {
				t.Errorf("the clock is read again: %d reads", reads)
			}
		})
	}
}

func TestCheckSchedule(t *testing.T) {
	tests := []struct {
		start, expire, wantErr string
	}{
		{"", "", ""},
		{"+1d", "+1d4h", ""},
		{"+1d", "+1d", "must be after"},
		{"+2d", "+1d", "must be after"},
		{"2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", "must be after"},
		{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", ""},
		{"+1d", "2001-01-01T00:00:00Z", ""}, // mixed: checked once resolved
		{"", "+1d", ""},
		{"tomorrow", "", "start_after: "},
		{"", "+1x", "expire: "},
	}
	for _, tt := range tests {
		err := modkit.CheckSchedule(tt.start, tt.expire)
		if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckSchedule(%q, %q) = %v, want %q", tt.start, tt.expire, err, tt.wantErr)
		}
	}
}

func TestAbsoluteAndSameTime(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "+2h": "", "now": "", "garbage": "",
		"2026-01-01T01:00:00+01:00": "2026-01-01T00:00:00Z",
		"2026-01-01T00:00:00.9Z":    "2026-01-01T00:00:00Z",
	} {
		if got := modkit.Absolute(in); got != want {
			t.Errorf("Absolute(%q) = %q, want %q", in, got, want)
		}
	}
	same := []struct {
		a, b string
		want bool
	}{
		{"2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", true},
		{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", false},
		{"", "", true},
		{"", "2026-01-01T00:00:00Z", false},
		{"garbage", "garbage", true},
	}
	for _, c := range same {
		if got := modkit.SameTime(c.a, c.b); got != c.want {
			t.Errorf("SameTime(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestClockCheckTimes(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		start, expire, wantErr string
		reads                  int
	}{
		{"2026-11-24T00:00:00Z", "", "", 0},
		{"2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z", "", 1},
		{"2026-11-24T00:00:00Z", "2026-11-24T00:00:00Z", "must be after", 0},
		{"", "2026-11-23T09:00:00Z", "not in the future by the iLO's clock (2026-11-23T10:00:00Z)", 1},
		{"iLO's own", "2026-11-25T00:00:00Z", "", 1},
		{"", "iLO's own", "", 0},
	}
	for _, tt := range tests {
		reads := 0
		err := fixedClock(now, &reads).CheckTimes(context.Background(), tt.start, tt.expire)
		if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckTimes(%q, %q) = %v, want %q", tt.start, tt.expire, err, tt.wantErr)
		}
		if reads != tt.reads {
			t.Errorf("CheckTimes(%q, %q): %d clock reads, want %d", tt.start, tt.expire, reads, tt.reads)
		}
	}
	failing := modkit.NewClock(func(context.Context) (time.Time, error) { return time.Time{}, errors.New("no clock") })
	if err := failing.CheckTimes(context.Background(), "", "2099-01-01T00:00:00Z"); err == nil || err.Error() != "no clock" {
		t.Errorf("a clock that cannot be read: %v", err)
	}
	if failing.Read() != "" {
		t.Errorf("Read of an unread clock = %q", failing.Read())
	}
}

func TestCheckLength(t *testing.T) {
	if err := modkit.CheckLength("name", strings.Repeat("x", 64), 64); err != nil {
		t.Error(err)
	}
	if err := modkit.CheckLength("name", strings.Repeat("x", 65), 64); err == nil || !strings.Contains(err.Error(), "name is 65 characters long; iLO takes at most 64") {
		t.Errorf("65 characters: %v", err)
	}
	// Characters, not bytes: 64 "é" are 128 bytes and fit; 65 do not.
	if err := modkit.CheckLength("name", strings.Repeat("é", 64), 64); err != nil {
		t.Errorf("64 two-byte characters: %v", err)
	}
	if err := modkit.CheckLength("name", strings.Repeat("é", 65), 64); err == nil || !strings.Contains(err.Error(), "name is 65 characters long") {
		t.Errorf("65 two-byte characters: %v", err)
	}
}

// TestClockOfSimulator: relative times resolve against the iLO's clock,
// not this host's.
func TestClockOfSimulator(t *testing.T) {
	x := modtest.StartILO(t)
	x.Sim.Clock().Advance(26 * time.Hour)
	c := x.Client(t)
	ctx := context.Background()
	k := modkit.NewClock(c.Clock)
	got, err := k.Resolve(ctx, "+1h")
	if err != nil {
		t.Fatal(err)
	}
	ilo, err := c.Clock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := modkit.ParseTime(got)
	if d := at.Sub(ilo); d < 59*time.Minute || d > time.Hour {
		t.Errorf("+1h resolved to %s, the iLO's clock is %s", got, ilo)
	}
	if k.Read() == "" {
		t.Error("Read is empty after the clock was read")
	}
}

// FuzzParseRelative: never panics; what it accepts is within ten years.
func FuzzParseRelative(f *testing.F) {
	for _, s := range []string{"+1d", "+1d6h30m15s", "now", "+110000d", "+99999999999999999999s", "+", "+0s", "+1x", "+2147483647d", "2026-11-23T10:00:00Z", "+1d+1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, rel, err := modkit.ParseRelative(s)
		if err == nil && (d < 0 || d > 10*365*24*time.Hour) {
			t.Fatalf("ParseRelative(%q) = %v", s, d)
		}
		if err != nil && !rel {
			t.Fatalf("ParseRelative(%q): an error for a value that is not relative: %v", s, err)
		}
	})
}

func TestWindowID(t *testing.T) {
	x := modtest.StartILO(t)
	c := x.Client(t)
	ctx := context.Background()
	if _, err := modkit.WindowID(ctx, c, "night"); err == nil || !strings.Contains(err.Error(), `maintenance_window "night": no window has this name or Id; the iLO has none`) {
		t.Errorf("no windows: %v", err)
	}
	night, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "night", StartAfter: "2099-01-01T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	// A window whose name is the other's Id: a name wins over an Id.
	other, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: night.ID, StartAfter: "2099-01-01T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want, wantErr string }{
		{"night", night.ID, ""},
		{night.ID, other.ID, ""},
		{other.ID, other.ID, ""},
		{"day", "", `the iLO has "night" (` + night.ID + `)`},
	}
	for _, tt := range tests {
		got, err := modkit.WindowID(ctx, c, tt.in)
		if got != tt.want || (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("WindowID(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzParseTime: ParseTime never panics, and what it accepts is in UTC and
// formats back (ilo.FormatTime) to a time it reads again as the same
// instant, to the second.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123+02:00", "2026-11-23T10:00:00",
		"2026-13-45T00:00:00Z", "", "now", "+1d", "9999-12-31T23:59:59Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := modkit.ParseTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not in UTC", s, tm)
		}
		if tm.Year() < 0 || tm.Year() > 9999 {
			return // not writable as RFC 3339
		}
		back, err := modkit.ParseTime(ilo.FormatTime(tm))
		if err != nil || !back.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v; formatted and read again: %v, %v", s, tm, back, err)
		}
	})
}
