package modkit_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// TestWriteStatus: changed only when a write may have taken effect, and
// outcome unknown (said in the message too) when whether it did cannot be
// told.
func TestWriteStatusKinds(t *testing.T) {
	refused := &ilo.Error{Status: 400}
	lost := &ilo.Error{Uncertain: true, Err: errors.New("connection reset")}
	for _, tc := range []struct {
		name          string
		sent, done    bool
		err           error
		changed       bool
		outcome       string
		msgSaysUnsure bool
	}{
		{"refused before any write", false, false, refused, false, "", false},
		{"a write whose answer was lost", false, false, fmt.Errorf("create: %w", lost), true, modkit.OutcomeUnknown, true},
		{"accepted, then the wait ran out", true, false, &ilo.WaitTimeoutError{What: "the flash", State: "Updating"}, true, modkit.OutcomeUnknown, true},
		{"accepted, then the iLO ended it in Error", true, false, &ilo.OperationError{What: "the flash"}, false, "", false},
		{"accepted, then a read failed", true, false, errors.New("read update service: 500"), true, modkit.OutcomeUnknown, true},
		{"done, then verifying failed", true, true, errors.New("reports 2.70, not 3.10"), true, "", false},
		{"file changed before anything was sent", false, false, &ilo.FileChangedError{File: "a.bin", Err: errors.New("changed")}, false, "", false},
		{"file changed after a Section was taken", false, false, &ilo.FileChangedError{File: "a.bin", Accepted: 1, Err: errors.New("changed")}, true, modkit.OutcomeUnknown, true},
		{"marked unknown", false, false, modkit.Unknown(errors.New("the iLO did not come back")), true, modkit.OutcomeUnknown, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed, outcome, err := modkit.WriteStatus(tc.sent, tc.done, tc.err)
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
