package fidelity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// Kinds of structural difference between a simulator body and a capture.
const (
	diffMissing = "missing" // in the capture, not in the simulator
	diffExtra   = "extra"   // in the simulator, not in the capture
	diffType    = "type"    // different JSON types
	diffLink    = "link"    // a link of a different shape
	diffValue   = "value"   // a value that must be equal (@odata.type, @odata.context, MessageId key) differs
	diffSlash   = "slash"   // a link whose trailing slash breaks the profile's convention
)

// diff is one structural difference at a dotted property path ("Oem.Hpe.State",
// "Members[]" for every element of an array).
type diff struct {
	Path, Kind, Detail string
}

func (d diff) String() string { return fmt.Sprintf("%s %s: %s", d.Kind, d.Path, d.Detail) }

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// compareShape appends to out every structural difference between the
// simulator's body sim and the capture capt: property names, JSON types,
// link shapes, and the values that identify a type.
func compareShape(sim, capt any, p string, out *[]diff) {
	compareAt(sim, capt, p, "", out)
}

// compareAt is compareShape for the value of property key at path p.
func compareAt(sim, capt any, p, key string, out *[]diff) {
	st, ct := jsonType(sim), jsonType(capt)
	if st != ct {
		*out = append(*out, diff{p, diffType, fmt.Sprintf("simulator %s, capture %s", st, ct)})
		return
	}
	switch c := capt.(type) {
	case map[string]any:
		s := sim.(map[string]any)
		for _, k := range sortedKeys(c) {
			sv, ok := s[k]
			if !ok {
				*out = append(*out, diff{join(p, k), diffMissing, fmt.Sprintf("capture has %s", jsonType(c[k]))})
				continue
			}
			compareAt(sv, c[k], join(p, k), k, out)
		}
		for _, k := range sortedKeys(s) {
			if _, ok := c[k]; !ok {
				*out = append(*out, diff{join(p, k), diffExtra, fmt.Sprintf("simulator has %s", jsonType(s[k]))})
			}
		}
	case []any:
		s := sim.([]any)
		if len(c) == 0 || len(s) == 0 {
			return // nothing to compare elements with
		}
		// Every simulator element against the capture element at the same
		// index, or the last one (arrays in these resources are homogeneous).
		seen := map[string]bool{}
		for i, sv := range s {
			var sub []diff
			compareAt(sv, c[min(i, len(c)-1)], p+"[]", key, &sub)
			for _, d := range sub {
				if !seen[d.String()] {
					seen[d.String()] = true
					*out = append(*out, d)
				}
			}
		}
	case string:
		s := sim.(string)
		switch {
		case key == "@odata.type" || key == "@odata.context":
			if s != c {
				*out = append(*out, diff{p, diffValue, fmt.Sprintf("simulator %q, capture %q", s, c)})
			}
		case key == "MessageId":
			// Registry versions differ by firmware; the key must not.
			if messageKey(s) != messageKey(c) {
				*out = append(*out, diff{p, diffValue, fmt.Sprintf("simulator %q, capture %q", s, c)})
			}
		case isLink(key, c):
			if !sameLinkShape(s, c) {
				*out = append(*out, diff{p, diffLink, fmt.Sprintf("simulator %q, capture %q", s, c)})
			}
		}
	}
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// messageKey is the registry key of a MessageId: Base.1.4.NoValidSession → Base.NoValidSession.
func messageKey(id string) string {
	parts := strings.Split(id, ".")
	if len(parts) < 2 {
		return id
	}
	return parts[0] + "." + parts[len(parts)-1]
}

// isLink reports whether a capture string at key is a Redfish link.
func isLink(key, v string) bool {
	return key == "@odata.id" || key == "target" || key == "TaskMonitor" || strings.HasPrefix(v, "/redfish/v1")
}

// sameLinkShape compares two links ignoring a trailing slash (a per-firmware
// convention checked separately) and instance ids: a capture segment that
// contains a digit (FirmwareInventory/1, ComponentRepository/009ebee5,
// Sessions/root00000000…) matches any non-empty segment.
func sameLinkShape(sim, capt string) bool {
	s := strings.Split(strings.TrimSuffix(sim, "/"), "/")
	c := strings.Split(strings.TrimSuffix(capt, "/"), "/")
	if len(s) != len(c) {
		return false
	}
	for i := range c {
		if s[i] == c[i] {
			continue
		}
		if s[i] == "" || !strings.ContainsFunc(c[i], unicode.IsDigit) {
			return false
		}
	}
	return true
}

// links returns every link value in body with its dotted path.
func links(v any, p string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, sv := range x {
			if s, ok := sv.(string); ok && (k == "@odata.id" || k == "target" || k == "TaskMonitor") {
				out[join(p, k)] = s
				continue
			}
			links(sv, join(p, k), out)
		}
	case []any:
		for i, e := range x {
			links(e, fmt.Sprintf("%s[%d]", p, i), out)
		}
	}
}

// capture reads testdata/captures/<set>/<rel>/index.json.
func capture(t *testing.T, set, rel string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "captures", set, filepath.FromSlash(rel), "index.json"))
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode capture %s/%s: %v", set, rel, err)
	}
	return m
}

// captureMembers lists the member directories of a captured collection.
func captureMembers(t *testing.T, set, rel string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "captures", set, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("list capture: %v", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, rel+"/"+e.Name())
		}
	}
	return out
}
