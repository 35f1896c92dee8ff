package ilo

import (
	"strings"
	"testing"
	"time"
)

func TestResolveTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 500, time.UTC)
	cases := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"+2h", "2026-11-23T12:00:00Z", ""},
		{"+1d", "2026-11-24T10:00:00Z", ""},
		{"+30m", "2026-11-23T10:30:00Z", ""},
		{"+1d6h30m15s", "2026-11-24T16:30:15Z", ""},
		{"now", "2026-11-23T10:00:00Z", ""},
		{"2026-12-24T22:00:00Z", "2026-12-24T22:00:00Z", ""},
		{"2026-12-24T23:00:00+01:00", "2026-12-24T22:00:00Z", ""},
		{"2026-12-24T22:00:00.250Z", "2026-12-24T22:00:00Z", ""},
		{"2026-12-24T22:00:00", "", "no time zone"},
		{"+2", "", "not a relative time"},
		{"+2w", "", "not a relative time"},
		{"+-2h", "", "not a relative time"},
		{"-2h", "", "not a Redfish date-time"},
		{"tomorrow", "", "not a Redfish date-time"},
		{"+4000d", "", "ten years"},
	}
	for _, c := range cases {
		got, err := ResolveTime(c.in, now)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ResolveTime(%q) error = %v, want one containing %q", c.in, err, c.wantErr)
			}
			if CheckTime(c.in) == nil {
				t.Errorf("CheckTime(%q) = nil, want an error", c.in)
			}
		case err != nil:
			t.Errorf("ResolveTime(%q): %v", c.in, err)
		case FormatTime(got) != c.want:
			t.Errorf("ResolveTime(%q) = %s, want %s", c.in, FormatTime(got), c.want)
		}
	}
}

func TestCheckOrder(t *testing.T) {
	cases := []struct {
		start, expire string
		ok            bool
	}{
		{"+1d", "+1d4h", true},
		{"+1d", "+1d", false},
		{"+2d", "+1d", false},
		{"2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", false},
		{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", true},
		{"+1d", "2001-01-01T00:00:00Z", true}, // mixed: checked once resolved
		{"", "+1d", true},
	}
	for _, c := range cases {
		if err := CheckOrder(c.start, c.expire); (err == nil) != c.ok {
			t.Errorf("CheckOrder(%q, %q) = %v, want ok=%v", c.start, c.expire, err, c.ok)
		}
	}
}

func TestSameTime(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", true},
		{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", false},
		{"", "", true},
		{"", "2026-01-01T00:00:00Z", false},
		{"garbage", "garbage", true},
	}
	for _, c := range cases {
		if got := SameTime(c.a, c.b); got != c.want {
			t.Errorf("SameTime(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestFindMaintenanceWindow(t *testing.T) {
	ws := []MaintenanceWindow{{ID: "aaaa0001", Name: "night"}, {ID: "night", Name: "other"}}
	if w := FindMaintenanceWindow(ws, "night"); w == nil || w.ID != "aaaa0001" {
		t.Errorf("by name: %+v, want the window named night (a name wins over an Id)", w)
	}
	if w := FindMaintenanceWindow(ws, "aaaa0001"); w == nil || w.Name != "night" {
		t.Errorf("by Id: %+v", w)
	}
	if w := FindMaintenanceWindow(ws, "none"); w != nil {
		t.Errorf("unknown: %+v, want nil", w)
	}
}
