//go:build integration

package integration

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// secretLog keeps every output the suite produced and every secret it learned, for the
// scan at the end of the run (issue 8 §3): stdout and stderr of each ansible-playbook run,
// which carry results, warnings, diffs and invocation.module_args.
type secretLog struct {
	mu      sync.Mutex
	secrets []string
	outputs []output
}

type output struct {
	label string // test name and what the text is
	text  string
}

func newSecretLog(secrets ...string) *secretLog {
	l := &secretLog{}
	for _, s := range secrets {
		l.addSecret(s)
	}
	return l
}

// addSecret registers a value that must appear in no output (a password, a session token
// or session key). Values shorter than 8 characters are ignored: they would match by chance.
func (l *secretLog) addSecret(s string) {
	if len(s) < 8 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.secrets, s) {
		l.secrets = append(l.secrets, s)
	}
}

// record keeps text for the final scan.
func (l *secretLog) record(label, text string) {
	if text == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outputs = append(l.outputs, output{label: label, text: text})
}

// scan looks for every secret in every output, writes a summary line to w and returns an
// error naming each hit (by output and position; the secret itself is not printed).
func (l *secretLog) scan(w io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var size int
	var hits []string
	for _, o := range l.outputs {
		size += len(o.text)
		for i, s := range l.secrets {
			if n := strings.Count(o.text, s); n > 0 {
				at := strings.Index(o.text, s)
				hits = append(hits, fmt.Sprintf("%s: secret #%d (%d chars) appears %d times, first at byte %d: %q",
					o.label, i, len(s), n, at, mask(o.text, at, len(s))))
			}
		}
	}
	fmt.Fprintf(w, "secrets scan: %d outputs, %d bytes, %d secrets, %d hits\n", len(l.outputs), size, len(l.secrets), len(hits))
	if len(hits) > 0 {
		return fmt.Errorf("secrets leaked:\n    %s", strings.Join(hits, "\n    "))
	}
	return nil
}

// mask returns the text around a hit with the secret replaced, for the failure message.
func mask(text string, at, n int) string {
	from, to := max(0, at-60), min(len(text), at+n+60)
	return text[from:at] + "<SECRET>" + text[at+n:to]
}
