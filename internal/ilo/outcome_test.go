package ilo

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestWriteStatus: changed only when a write may have taken effect, and
// outcome unknown (said in the message too) when whether it did cannot be
// told.
func TestWriteStatus(t *testing.T) {
	refused := &Error{Status: 400}
	lost := &Error{Uncertain: true, Err: errors.New("connection reset")}
	for _, tc := range []struct {
		name          string
		sent, done    bool
		err           error
		changed       bool
		outcome       string
		msgSaysUnsure bool
	}{
		{"refused before any write", false, false, refused, false, "", false},
		{"a write whose answer was lost", false, false, fmt.Errorf("create: %w", lost), true, OutcomeUnknown, true},
		{"accepted, then the wait ran out", true, false, &WaitTimeoutError{What: "the flash", State: "Updating"}, true, OutcomeUnknown, true},
		{"accepted, then the iLO ended it in Error", true, false, &OperationError{What: "the flash"}, false, "", false},
		{"accepted, then a read failed", true, false, errors.New("read update service: 500"), true, OutcomeUnknown, true},
		{"done, then verifying failed", true, true, errors.New("reports 2.70, not 3.10"), true, "", false},
		{"file changed before anything was sent", false, false, &FileChangedError{File: "a.bin", Err: errors.New("changed")}, false, "", false},
		{"file changed after a Section was taken", false, false, &FileChangedError{File: "a.bin", Accepted: 1, Err: errors.New("changed")}, true, OutcomeUnknown, true},
		{"marked unknown", false, false, Unknown(errors.New("the iLO did not come back")), true, OutcomeUnknown, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed, outcome, err := WriteStatus(tc.sent, tc.done, tc.err)
			if changed != tc.changed || outcome != tc.outcome {
				t.Errorf("changed %v outcome %q, want %v %q", changed, outcome, tc.changed, tc.outcome)
			}
			if strings.Contains(err.Error(), "unknown") != tc.msgSaysUnsure {
				t.Errorf("message %q: says unknown %v, want %v", err, !tc.msgSaysUnsure, tc.msgSaysUnsure)
			}
			if !errors.Is(err, tc.err) && !errors.Is(err, errors.Unwrap(tc.err)) {
				t.Errorf("message %q lost the cause %v", err, tc.err)
			}
		})
	}
}
