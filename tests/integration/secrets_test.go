//go:build integration

package integration

import (
	"fmt"
	"io"

	"github.com/fleetfw/ilo/internal/simharness"
)

// The secrets scan (issue 8 §3) is simharness.SecretLog, shared with tests/reliability:
// every output of the suite (stdout and stderr of each ansible-playbook run, which carry
// results, warnings, diffs and invocation.module_args; ansible-runner events) is recorded,
// and at the end searched for the password and every session token the simulators handed
// out, in plain, JSON-escaped and URL-encoded form.

// scanSecrets runs the scan, writes its summary line to w and returns the hits.
func scanSecrets(l *simharness.SecretLog, w io.Writer) error {
	st, err := l.Scan()
	fmt.Fprintln(w, st)
	return err
}
