package catalog

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeJSON: the fast (gjson) and the token reading agree: valid JSON
// without duplicate keys decodes, anything else is an error with a line.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{fwrepo, manifest, `{"a": 1, "A": 2}`, `[1, 2`, `{} {}`, `"x"`, `{"manifest": []}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeJSON(data)
		if err == nil && !json.Valid(data) {
			t.Fatalf("invalid JSON decoded: %q → %v", data, v)
		}
		_, terr := decodeTokens(data)
		if (err == nil) != (terr == nil) {
			t.Fatalf("%q: fast reading %v, token reading %v", data, err, terr)
		}
	})
}
