package modkit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/ilo"
)

// OutcomeUnknown is the outcome a module reports when a write it sent may
// or may not have taken effect.
const OutcomeUnknown = "unknown"

// Unknown marks err, met after the iLO accepted a write, as leaving that
// write's outcome unknown (WriteStatus reports it so). nil stays nil.
func Unknown(err error) error { return ilo.Unknown(err) }

// IsOutcomeUnknown reports whether err leaves a write's outcome unknown
// (ilo.IsOutcomeUnknown: marked with Unknown, a write whose connection
// broke after it was sent, a wait that ran out, a file that changed after
// the iLO took part of it).
func IsOutcomeUnknown(err error) bool { return ilo.IsOutcomeUnknown(err) }

// WriteStatus is what a module that failed with err reports: changed only
// when a write may have taken effect (sent: the iLO accepted one;
// complete: it is known to have taken effect), and outcome "unknown", with
// a message saying how to find out, when a write was sent and neither the
// iLO ended it in Error nor its effect is known. err nil gives complete, "",
// nil.
func WriteStatus(sent, complete bool, err error) (changed bool, outcome string, msg error) {
	if err == nil {
		return complete, "", nil
	}
	NameWaitLimit(err)
	var oe *ilo.OperationError
	if sent && !complete && !errors.As(err, &oe) {
		err = Unknown(err) // accepted, then lost track of it
	}
	if !IsOutcomeUnknown(err) {
		return complete, "", err
	}
	if !strings.Contains(err.Error(), "unknown") {
		err = fmt.Errorf("%w; whether the iLO applied it is unknown (outcome: unknown): read its state (fleetfw.ilo.update_info) before running the task again", err)
	}
	return true, OutcomeUnknown, err
}

// NameWaitLimit names the wait_timeout option in a *ilo.WaitTimeoutError
// in err that a module built without naming what ran out (the client's own
// waits name it through Use). WriteStatus calls it. It can only name it
// before the error's text is fixed: a module that wraps such an error
// (fmt.Errorf) sets Limit: OptionNames.WaitLimit where it builds it.
func NameWaitLimit(err error) {
	var wt *ilo.WaitTimeoutError
	if errors.As(err, &wt) && wt.Limit == "" {
		wt.Limit = OptionNames.WaitLimit
	}
}
