package ansible

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
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

// slowEncode is encode without its shortcut: every output read back as
// generic values, scrubbed, and printed; it returns what was printed.
func slowEncode(t *testing.T, v map[string]any, s scrubber) map[string]any {
	t.Helper()
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = marshal(decodeObject(t, b, s)); err != nil {
		t.Fatal(err)
	}
	return decodeObject(t, b, scrubber{}) // as printed
}

func decodeObject(t *testing.T, b []byte, s scrubber) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return s.output(m)
}

// FuzzEncodeShortcut: whether encode writes the output as marshalled (no
// secret in it) or scrubs it, the result is what scrubbing every output
// gives. Seeds are the cases of TestEncodeShortcut.
func FuzzEncodeShortcut(f *testing.F) {
	for _, c := range encodeCases {
		f.Add(c.value, c.key, c.secret)
	}
	f.Fuzz(func(t *testing.T, value, key, secret string) {
		s := newScrubber([]string{secret})
		out := encodeOutput(value, key, secret)
		b, err := encode(out, s)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeObject(t, b, scrubber{}) // as printed, unscrubbed
		if want := slowEncode(t, out, s); !reflect.DeepEqual(got, want) {
			t.Fatalf("encode = %s\nwant %#v", b, want)
		}
	})
}

// encodeOutput is an output with value under key, and secret as a no_log
// option under invocation, once as a generic value and once in a typed one
// (the first scrubbing leaves typed values to the second).
func encodeOutput(value, key, secret string) map[string]any {
	return map[string]any{"changed": false, "result": map[string]any{key: []any{value, json.Number("123")}},
		"invocation": map[string]any{"module_args": map[string]any{"password": secret, "typed": []string{secret}, "n": 7}}}
}

var encodeCases = []struct{ name, value, key, secret string }{
	{"no secret in the output", "2.70 May 16 2022", "version", "Bench-pw-4f1c"},
	{"secret whole", "Bench-pw-4f1c", "k", "Bench-pw-4f1c"},
	{"secret inside", "token=Bench-pw-4f1c;", "k", "Bench-pw-4f1c"},
	{"secret in a key", "v", "Bench-pw-4f1c", "Bench-pw-4f1c"},
	{"secret in a number", "v", "k", "12"},
	{"secret escaped in JSON", `pw "q\u00e9"<&>`, "k", `"q` + "\u00e9" + `"<&>`},
	{"secret with a line break", "a\nb", "k", "\n"},
	{"secret with U+2028", "x\u2028y", "k", "\u2028"},
	{"secret not UTF-8", "a\xffb", "k", "\xff"},
	{"secret matching the framework's keys", "v", "k", "changed"},
	{"empty secret", "v", "k", ""},
}

// TestEncodeShortcut is FuzzEncodeShortcut's seeds as a table.
func TestEncodeShortcut(t *testing.T) {
	for _, c := range encodeCases {
		t.Run(c.name, func(t *testing.T) {
			s := newScrubber([]string{c.secret})
			out := encodeOutput(c.value, c.key, c.secret)
			b, err := encode(out, s)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := decodeObject(t, b, scrubber{}), slowEncode(t, out, s); !reflect.DeepEqual(got, want) {
				t.Errorf("encode = %s\nwant %#v", b, want)
			}
		})
	}
}
