package ilo

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"
)

// The FuzzParse* targets feed arbitrary bytes to every parser of iLO
// responses (issue 8 §6). Seeds live in testdata/fuzz/<Target>/ (captures
// and hand-written edge cases). A parser must not panic, must refuse what is
// not a JSON object, and must return something that encodes as JSON (it
// ends up in a module result).

func fuzzParser[T any](f *testing.F, parse func([]byte) (T, error)) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"Oem": {"Hpe": null}, "Members": [1, "x", {}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := parse(body)
		if err != nil {
			return
		}
		if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
			t.Fatalf("accepted a body that is not a JSON object: %q", body)
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
	})
}

func FuzzParseServiceRoot(f *testing.F)       { fuzzParser(f, ParseServiceRoot) }
func FuzzParseUpdateService(f *testing.F)     { fuzzParser(f, ParseUpdateService) }
func FuzzParseInventoryItem(f *testing.F)     { fuzzParser(f, ParseInventoryItem) }
func FuzzParseComponent(f *testing.F)         { fuzzParser(f, ParseComponent) }
func FuzzParseRepository(f *testing.F)        { fuzzParser(f, ParseRepository) }
func FuzzParseUpdateTask(f *testing.F)        { fuzzParser(f, ParseUpdateTask) }
func FuzzParseMaintenanceWindow(f *testing.F) { fuzzParser(f, ParseMaintenanceWindow) }
func FuzzParseInstallSet(f *testing.F)        { fuzzParser(f, ParseInstallSet) }
func FuzzParseTask(f *testing.F)              { fuzzParser(f, ParseTask) }
func FuzzParseManager(f *testing.F)           { fuzzParser(f, ParseManager) }

func FuzzParseMessages(f *testing.F) {
	f.Add([]byte(`{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.4.ResourceMissingAtURI","MessageArgs":["/x"]}]}}`))
	f.Add([]byte(`{"error":{"@Message.ExtendedInfo":[{"MessageId":"iLO.2.14.UpdateFailed","MessageArgs":["%1%2"]}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, m := range ParseMessages(body) {
			if m.ID == "" {
				t.Fatalf("message without an id from %q", body)
			}
			if m.Key() == "" && m.ID[len(m.ID)-1] != '.' {
				t.Fatalf("empty key for %q", m.ID)
			}
		}
		e := newStatusError("GET", "/x", 400, body)
		if _, err := json.Marshal(e.ErrorInfo()); err != nil {
			t.Fatalf("ErrorInfo does not encode: %v", err)
		}
		_ = e.Error()
	})
}

func FuzzParseMonitorResponse(f *testing.F) {
	f.Add(202, []byte(`{"@odata.type":"#Task.v1_3_0.Task","TaskState":"Running"}`))
	f.Add(200, []byte(`{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.4.Success"}]}}`))
	f.Add(404, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		s := ParseMonitorResponse(status, body)
		if s.Running && s.Gone {
			t.Fatalf("running and gone at once: %d %q", status, body)
		}
		if s.Gone && s.Failed() {
			t.Fatalf("gone counts as failed: %d %q", status, body)
		}
	})
}

func FuzzParseBaseURI(f *testing.F) {
	for _, s := range []string{"ilo1", "https://ilo1:443/", "[::1]:8443", "http://x/redfish/v1", "ftp://x", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseBaseURI(s)
		if err != nil {
			return
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Path != "" || u.User != nil {
			t.Fatalf("ParseBaseURI(%q) = %v", s, u)
		}
		again, err := ParseBaseURI(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("not stable: %q → %v → %v, %v", s, u, again, err)
		}
	})
}

// FuzzJSONDepth checks that the depth guard never under-counts: for any
// input encoding/json accepts, jsonDepth is at least the nesting the
// decoder walks, so that no parser behind the guard recurses deeper than
// MaxDepth.
func FuzzJSONDepth(f *testing.F) {
	for _, s := range []string{`{}`, `[[[]]]`, `{"a":"[[[\"{"}`, `{"a":[{"b":{}}]}`, `"\\"`, `[1,[2,[3]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		depth, deepest := 0, 0
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch tok {
			case json.Delim('{'), json.Delim('['):
				depth++
				deepest = max(deepest, depth)
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		if got := jsonDepth(b, 1<<30); got < deepest {
			t.Fatalf("jsonDepth(%q) = %d, the decoder nests %d", b, got, deepest)
		}
	})
}
