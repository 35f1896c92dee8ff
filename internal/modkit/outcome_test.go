package modkit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

func TestWriteStatus(t *testing.T) {
	plain := errors.New("read the repository: 500")
	flashErr := &ilo.OperationError{What: "the flash of x.bin", Result: &ilo.Message{ID: "iLO.2.14.UpdateFailed"}}
	timeout := &ilo.WaitTimeoutError{What: "the flash of x.bin", State: "Updating"}
	tests := []struct {
		name           string
		sent, complete bool
		err            error
		changed        bool
		outcome        string
		msgHas         string // "" = the error as it is
	}{
		{"nothing sent, success", false, false, nil, false, "", ""},
		{"complete, success", true, true, nil, true, "", ""},
		{"nothing sent, failure", false, false, plain, false, "", ""},
		{"sent, then lost", true, false, plain, true, modkit.OutcomeUnknown, "whether the iLO applied it is unknown"},
		{"sent, the iLO said Error", true, false, flashErr, false, "", ""},
		{"complete, then a read failed", true, true, plain, true, "", ""},
		{"complete, then unconfirmed", true, true, modkit.Unknown(plain), true, modkit.OutcomeUnknown, "(outcome: unknown)"},
		{"a wait ran out", true, false, timeout, true, modkit.OutcomeUnknown, "outcome: unknown"},
		{"marked unknown with nothing sent", false, false, modkit.Unknown(plain), true, modkit.OutcomeUnknown, "fleetfw.ilo.update_info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed, outcome, err := modkit.WriteStatus(tt.sent, tt.complete, tt.err)
			if changed != tt.changed || outcome != tt.outcome {
				t.Errorf("changed %v outcome %q, want %v %q", changed, outcome, tt.changed, tt.outcome)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("err %v does not wrap %v", err, tt.err)
			}
			if tt.msgHas != "" && (err == nil || !strings.Contains(err.Error(), tt.msgHas)) {
				t.Errorf("err %v, want one with %q", err, tt.msgHas)
			}
			if tt.msgHas == "" && tt.err != nil && err.Error() != tt.err.Error() {
				t.Errorf("err %q, want %q as it is", err, tt.err)
			}
		})
	}
	if modkit.Unknown(nil) != nil {
		t.Error("Unknown(nil) is not nil")
	}
}
