package firmwarerollout

import (
	"testing"

	"github.com/fleetfw/ilo/internal/modtest"
)

// TestReturnDocumented: the keys of Result (but changed and diff, which
// Ansible documents itself) are exactly the RETURN keys of the doc stub.
func TestReturnDocumented(t *testing.T) {
	modtest.CheckReturnDocs(t, "../../plugins/modules/firmware_rollout.py", Result{})
}
