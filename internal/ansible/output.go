package ansible

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// noLogPlaceholder replaces a whole value equal to a secret, as
// ansible-core's remove_values does.
const noLogPlaceholder = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

// noLogMask replaces a secret inside a longer string.
const noLogMask = "********"

// response collects what goes into the one JSON object a module prints.
type response struct {
	result     map[string]any // the module's Result, nil when it did not run
	failed     bool
	msg        string
	errorInfo  map[string]any
	warnings   []string
	invocation map[string]any
	secrets    []string
	diff       bool // keep the result's diff (_ansible_diff)
	noLog      bool
}

// errorInfoer is implemented by errors that carry structured details
// (an iLO status and MessageIds, say) for the error_info key.
type errorInfoer interface{ ErrorInfo() map[string]any }

// fail marks the response failed with err's message and error_info.
func (r *response) fail(err error) {
	r.failed = true
	r.msg = err.Error()
	var ei errorInfoer
	if errors.As(err, &ei) {
		r.errorInfo = ei.ErrorInfo()
	}
}

// setResult stores the module's result as a JSON object.
func (r *response) setResult(res any) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return fmt.Errorf("result is not a JSON object: %w", err)
	}
	r.result = m
	return nil
}

// write prints the response as one JSON object with every secret scrubbed
// and returns the exit code: 1 when failed, else 0.
func (r *response) write(w io.Writer) int {
	out := map[string]any{}
	for k, v := range r.result {
		out[k] = v
	}
	if _, ok := out["changed"]; !ok {
		out["changed"] = false
	}
	if !r.diff {
		delete(out, "diff")
	}
	out["failed"] = r.failed
	if r.failed {
		out["msg"] = r.msg
	}
	if len(r.warnings) > 0 {
		var ws []any
		if prev, ok := out["warnings"].([]any); ok {
			ws = prev
		}
		for _, w := range r.warnings {
			ws = append(ws, w)
		}
		out["warnings"] = ws
	}
	if r.invocation != nil {
		out["invocation"] = map[string]any{"module_args": r.invocation}
	}
	if r.errorInfo != nil {
		out["error_info"] = r.errorInfo
	}

	s := newScrubber(r.secrets)
	b, err := encode(out, s)
	if err != nil {
		r.failed = true
		b, _ = encode(map[string]any{
			"changed": out["changed"] == true,
			"failed":  true,
			"msg":     "encode module output: " + err.Error(),
		}, s)
	}
	_, _ = w.Write(b)
	if r.failed {
		return 1
	}
	return 0
}

// encode marshals an output object with every secret scrubbed. Most outputs
// hold none but the no_log options under invocation: with those scrubbed
// first, when no secret can be in the encoded text (mayBeIn) it is the
// output; otherwise the whole object is read back as generic values,
// scrubbed and encoded again.
func encode(out map[string]any, s scrubber) ([]byte, error) {
	first := out
	if inv, ok := out["invocation"]; ok {
		first = maps.Clone(out)
		first["invocation"] = s.keepKeys(inv)
	}
	b, err := marshal(first)
	if err != nil || !s.mayBeIn(b) {
		return b, err
	}
	if b, err = marshal(out); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var generic map[string]any
	if err := d.Decode(&generic); err != nil {
		return nil, err
	}
	return marshal(s.output(generic))
}

// marshal is json.Marshal without HTML escaping, with a final newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mayBeIn tells whether scrubbing could change the JSON text b. Every value
// it changes (a string or key holding a secret, a number whose digits hold
// one) shows the secret in b as marshal escapes it, since JSON escapes a
// string rune by rune; so a secret whose escaped form b lacks is in no value.
// A secret that is not valid UTF-8 is escaped with its neighbours
// (U+FFFD): b may hold it.
func (s scrubber) mayBeIn(b []byte) bool {
	for _, sec := range s.secrets {
		if !utf8.ValidString(sec) {
			return true
		}
		q, err := marshal(sec)
		if err != nil || bytes.Contains(b, q[1:len(q)-2]) { // without the quotes and newline
			return true
		}
	}
	return false
}

// scrubber removes secrets from output values as ansible-core's
// remove_values does: a string equal to a secret becomes
// VALUE_SPECIFIED_IN_NO_LOG_PARAMETER, a secret inside a string becomes
// "********", a number whose digits contain a secret becomes the
// placeholder. There is no minimum length, as in Ansible. Two differences:
// map keys inside result values are scrubbed too (see output for the ones
// that are not), and booleans are left alone (Ansible would turn
// "changed": true into the placeholder for a secret such as "ru").
type scrubber struct{ secrets []string }

func newScrubber(secrets []string) scrubber {
	seen := map[string]bool{}
	var s []string
	for _, v := range secrets {
		for _, f := range secretForms(v) {
			if f != "" && !seen[f] {
				seen[f] = true
				s = append(s, f)
			}
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(s, func(i, j int) bool {
		if len(s[i]) != len(s[j]) {
			return len(s[i]) > len(s[j])
		}
		return s[i] < s[j]
	})
	return scrubber{secrets: s}
}

func (s scrubber) value(v any) any {
	if len(s.secrets) == 0 {
		return v
	}
	switch x := v.(type) {
	case string:
		for _, sec := range s.secrets {
			if x == sec {
				return noLogPlaceholder
			}
		}
		return s.string(x)
	case json.Number:
		for _, sec := range s.secrets {
			if strings.Contains(string(x), sec) {
				return noLogPlaceholder
			}
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[s.string(k)] = s.value(e)
		}
		return out
	}
	return v
}

// output scrubs a whole output object. Its own keys (changed, failed, …) and
// the option names under invocation are left as they are: a short secret
// must not turn "changed" into "ch********ged".
func (s scrubber) output(out map[string]any) map[string]any {
	clean := make(map[string]any, len(out))
	for k, v := range out {
		if k == "invocation" {
			clean[k] = s.keepKeys(v)
		} else {
			clean[k] = s.value(v)
		}
	}
	return clean
}

// keepKeys scrubs values like value but leaves map keys alone.
func (s scrubber) keepKeys(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.keepKeys(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = s.keepKeys(e)
		}
		return out
	}
	return s.value(v)
}

// string masks every secret inside str.
func (s scrubber) string(str string) string {
	for _, sec := range s.secrets {
		str = strings.ReplaceAll(str, sec, noLogMask)
	}
	return str
}

// secretForms lists the ways a secret may be written in a module's output:
// as it is, JSON-escaped (as Go escapes, with and without HTML escaping, and
// as Python's json.dumps does with ensure_ascii), URL-encoded for a query,
// a path segment and a URL's user info (upper- and lower-case hex digits).
// An iLO answer or a URL quoted in an error message carries it so.
func secretForms(v string) []string {
	forms := []string{v}
	for _, html := range []bool{false, true} {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(html)
		_ = e.Encode(v)
		q := strings.TrimSpace(b.String())
		forms = append(forms, q[1:len(q)-1])
	}
	forms = append(forms, asciiJSON(forms[1]))
	user := url.UserPassword("", v).String() // ":" + the escaped password
	for _, enc := range []string{url.QueryEscape(v), url.PathEscape(v), user[1:]} {
		forms = append(forms, enc, lowerHex(enc))
	}
	return forms
}

// asciiJSON turns Go's JSON escaping of a string into Python's json.dumps
// with ensure_ascii: every character past ASCII as \uXXXX (surrogate pairs
// beyond the BMP). Both write \n, \r, \t, \b, \f and \u00XX alike.
func asciiJSON(goJSON string) string {
	var b strings.Builder
	for _, r := range goJSON {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		}
	}
	return b.String()
}

// lowerHex writes the %XX escapes of s with lower-case hex digits.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = byte(unicode.ToLower(rune(b[i+1])))
			b[i+2] = byte(unicode.ToLower(rune(b[i+2])))
			i += 2
		}
	}
	return string(b)
}
