package ilo

import (
	"strings"
	"testing"
)

func TestCheckSchedule(t *testing.T) {
	for _, tt := range []struct {
		name, start, expire string
		wantErr             string // "" for none
	}{
		{name: "both empty"},
		{name: "relative pair in order", start: "+1h", expire: "+3h"},
		{name: "bad start", start: "tomorrow", wantErr: "start_after: "},
		{name: "bad expire", start: "+1h", expire: "soon", wantErr: "expire: "},
		{name: "expire first", start: "+3h", expire: "+1h", wantErr: "expire"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSchedule(tt.start, tt.expire)
			if (err != nil) != (tt.wantErr != "") || err != nil && !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("CheckSchedule(%q, %q) = %v, want an error starting %q", tt.start, tt.expire, err, tt.wantErr)
			}
		})
	}
}

func TestCheckLength(t *testing.T) {
	if err := CheckLength("name", strings.Repeat("n", 64), 64); err != nil {
		t.Errorf("64 characters: %v", err)
	}
	err := CheckLength("name", strings.Repeat("n", 65), 64)
	if err == nil || err.Error() != "name is 65 characters long; iLO takes at most 64" {
		t.Errorf("65 characters: %v", err)
	}
	// Characters, not bytes: 64 "é" are 128 bytes and fit; 65 do not.
	if err := CheckLength("name", strings.Repeat("é", 64), 64); err != nil {
		t.Errorf("64 two-byte characters: %v", err)
	}
	err = CheckLength("name", strings.Repeat("é", 65), 64)
	if err == nil || err.Error() != "name is 65 characters long; iLO takes at most 64" {
		t.Errorf("65 two-byte characters: %v", err)
	}
}
