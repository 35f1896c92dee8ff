package simharness

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// MinSecretLen is the shortest value SecretLog registers: shorter ones
// would match by chance.
const MinSecretLen = 8

// SecretLog keeps every output a suite produced and every secret it
// learned, for one scan at the end of the run. It is safe for concurrent use.
type SecretLog struct {
	mu      sync.Mutex
	secrets []string
	outputs []output
}

type output struct {
	label string   // test name and what the text is
	text  string   // stdout, stderr, an event …
	allow []string // secrets this output is meant to carry (session present returns its token)
}

// ScanStats are the scan's figures (the reliability report's "secrets").
type ScanStats struct {
	Outputs int `json:"outputs"`
	Bytes   int `json:"bytes"`
	Secrets int `json:"secrets"`
	Hits    int `json:"hits"`
	Allowed int `json:"allowed"`
}

// String is the summary line both suites print.
func (s ScanStats) String() string {
	return fmt.Sprintf("secrets scan: %d outputs, %d bytes, %d secrets, %d hits", s.Outputs, s.Bytes, s.Secrets, s.Hits)
}

// NewSecretLog returns a log that knows secrets already (the password).
func NewSecretLog(secrets ...string) *SecretLog {
	l := &SecretLog{}
	for _, s := range secrets {
		l.AddSecret(s)
	}
	return l
}

// AddSecret registers a value no output may hold; values shorter than
// MinSecretLen are ignored.
func (l *SecretLog) AddSecret(s string) {
	if len(s) < MinSecretLen {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.secrets, s) {
		l.secrets = append(l.secrets, s)
	}
}

// Record keeps text for the scan; allow lists secrets this one output is
// meant to carry.
func (l *SecretLog) Record(label, text string, allow ...string) {
	if text == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outputs = append(l.outputs, output{label: label, text: text, allow: allow})
}

// forms are the ways a secret can appear in an output, without duplicates:
// as it is, escaped in JSON (as Go writes it, with and without HTML
// escaping, and as Python's json writes it, non-ASCII as \uXXXX), and
// URL-encoded (query and path).
func forms(s string) []form {
	out := []form{{s, ""}}
	add := func(text, how string) {
		if !slices.ContainsFunc(out, func(f form) bool { return f.text == text }) {
			out = append(out, form{text, how})
		}
	}
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(s)
		j := strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)
		add(strings.TrimPrefix(j, `"`), "JSON-escaped")
		add(asciiJSON(strings.TrimPrefix(j, `"`)), "JSON-escaped")
	}
	add(url.QueryEscape(s), "URL-encoded")
	add(url.PathEscape(s), "URL-encoded")
	return out
}

type form struct{ text, how string }

// asciiJSON writes every non-ASCII rune of a JSON string body as \uXXXX
// (UTF-16 surrogate pairs above U+FFFF), as Python's json.dumps does.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// Scan looks for every secret, in each of its forms, in every output. The
// error names each hit by output and position, with the secret masked.
func (l *SecretLog) Scan() (ScanStats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := ScanStats{Outputs: len(l.outputs), Secrets: len(l.secrets)}
	var hits []string
	for _, o := range l.outputs {
		st.Bytes += len(o.text)
		for i, s := range l.secrets {
			for _, f := range forms(s) {
				n := strings.Count(o.text, f.text)
				if n == 0 {
					continue
				}
				if slices.Contains(o.allow, s) {
					st.Allowed++
					break
				}
				st.Hits++
				at := strings.Index(o.text, f.text)
				how := ""
				if f.how != "" {
					how = " (" + f.how + ")"
				}
				hits = append(hits, fmt.Sprintf("%s: secret #%d (%d chars)%s appears %d times, first at byte %d: %q",
					o.label, i, len(s), how, n, at, l.excerpt(o.text)))
				break
			}
		}
	}
	if len(hits) > 0 {
		return st, fmt.Errorf("secrets leaked:\n    %s", strings.Join(hits, "\n    "))
	}
	return st, nil
}

// excerpt returns the text around the first secret it holds, every form of
// every secret replaced with <SECRET> (a hit's context may hold others).
func (l *SecretLog) excerpt(text string) string {
	var pairs []string
	for _, s := range l.secrets {
		for _, f := range forms(s) {
			pairs = append(pairs, f.text, "<SECRET>")
		}
	}
	red := strings.NewReplacer(pairs...).Replace(text)
	at := strings.Index(red, "<SECRET>")
	return red[max(0, at-60):min(len(red), at+len("<SECRET>")+60)]
}

// Tokens returns the string values under keys that name a token, a session
// key or a password, anywhere in v (a decoded state dump).
func Tokens(v any) []string { return tokens(v, false) }

func tokens(v any, secret bool) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, tokens(x, secret || isSecretKey(k))...)
		}
	case []any:
		for _, x := range v {
			out = append(out, tokens(x, secret)...)
		}
	case []map[string]any: // an in-process state dump, not decoded from JSON
		for _, x := range v {
			out = append(out, tokens(x, secret)...)
		}
	case string:
		if secret {
			out = append(out, v)
		}
	}
	return out
}

func isSecretKey(k string) bool {
	k = strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k))
	return strings.Contains(k, "token") || strings.Contains(k, "sessionkey") || k == "password"
}

// LearnTokens registers every token in each iLO's state as a secret of l.
// Errors are ignored: the simulator may be busy or gone, and the next read
// catches up.
func (f *Fleet) LearnTokens(l *SecretLog) {
	for _, i := range f.ILOs {
		var v any
		if i.Sim != nil {
			v = i.Sim.State() // no round trip through JSON: suites poll this every few ms
		} else if b, err := i.state(); err != nil || json.Unmarshal(b, &v) != nil {
			continue
		}
		for _, tok := range Tokens(v) {
			l.AddSecret(tok)
		}
	}
}

// WatchTokens calls LearnTokens every interval until the returned function
// is called (and once more then). A session lives only as long as a module
// runs and the state lists open sessions only, so reading it while the
// modules run is how a suite learns the tokens they were given.
func (f *Fleet) WatchTokens(l *SecretLog, every time.Duration) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			f.LearnTokens(l)
			select {
			case <-done:
				f.LearnTokens(l)
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}
