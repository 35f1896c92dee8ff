package ansible

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// fuzzModule echoes its arguments and the password, so that scrubbing has
// something to do; it never blocks or panics on purpose.
var fuzzModule = New("fuzz", func(_ context.Context, r *Run, a *testArgs) (testResult, error) {
	r.Warn("user %s", a.Username)
	return testResult{Args: a, Note: "pw=" + a.Password}, nil
})

// FuzzDecode feeds arbitrary argument files to a module and checks what must
// hold for any input: one JSON object, an exit code that matches "failed",
// the same output twice, and the password nowhere in the output's values.
// Seeds are in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name": "a", "baseuri": "b", "password": "hunter22"}`))
	f.Fuzz(func(t *testing.T, args []byte) {
		var out1, out2 bytes.Buffer
		code := fuzzModule.ExecuteIn(context.Background(), args, Host{Stdout: &out1})
		code2 := fuzzModule.ExecuteIn(context.Background(), args, Host{Stdout: &out2})
		if code != code2 || out1.String() != out2.String() {
			t.Fatalf("two runs differ:\n%d %s\n%d %s", code, out1.String(), code2, out2.String())
		}
		d := json.NewDecoder(bytes.NewReader(out1.Bytes()))
		d.UseNumber()
		var obj map[string]any
		if err := d.Decode(&obj); err != nil {
			t.Fatalf("output is not a JSON object: %v: %s", err, out1.String())
		}
		if d.More() {
			t.Fatalf("output holds more than one JSON document: %s", out1.String())
		}
		failed, ok := obj["failed"].(bool)
		if !ok {
			t.Fatalf("failed is %#v, want a boolean: %s", obj["failed"], out1.String())
		}
		if (code == 1) != failed || (code != 0 && code != 1) {
			t.Fatalf("exit code %d with failed=%v", code, failed)
		}
		if _, ok := obj["changed"].(bool); !ok {
			t.Fatalf("changed is %#v, want a boolean", obj["changed"])
		}
		if pw := inputPassword(args); pw != "" {
			for k, v := range obj {
				if leak := findString(v, pw, k != "invocation"); leak != "" {
					t.Fatalf("password %q leaks in %s: %q\n%s", pw, k, leak, out1.String())
				}
			}
		}
	})
}

// inputPassword is the password option as the module would read it, when
// it is a string whose absence the output can show: not part of the masks.
func inputPassword(args []byte) string {
	var in map[string]any // not a struct: its field names match any case
	if json.Unmarshal(args, &in) != nil {
		return ""
	}
	pw, _ := in["password"].(string)
	if strings.Contains(noLogMask+noLogPlaceholder, pw) || strings.Contains(pw, "*") {
		return ""
	}
	return pw
}

// findString returns the first string (value, number literal or, when keys
// is set, key) in v that contains s.
func findString(v any, s string, keys bool) string {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, s) {
			return x
		}
	case json.Number:
		if strings.Contains(string(x), s) {
			return string(x)
		}
	case []any:
		for _, e := range x {
			if l := findString(e, s, keys); l != "" {
				return l
			}
		}
	case map[string]any:
		for k, e := range x {
			if keys && strings.Contains(k, s) {
				return k
			}
			if l := findString(e, s, keys); l != "" {
				return l
			}
		}
	}
	return ""
}
