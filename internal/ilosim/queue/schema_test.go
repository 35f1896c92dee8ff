package queue

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir is where the iLO 5 schemas captured from real firmware live
// (../shared/fixtures/schemas, see its SOURCES.md).
var schemaDir = filepath.Join("..", "..", "..", "..", "shared", "fixtures", "schemas", "hpe")

// TestBodiesMatchILOSchemas validates what the Queue serves on the iLO 5
// profile against the JSON Schemas iLO 5 2.46 and 2.70 serve themselves
// (additionalProperties: false, so an invented property fails).
func TestBodiesMatchILOSchemas(t *testing.T) {
	if _, err := os.Stat(schemaDir); err != nil {
		t.Skipf("schemas not available: %v", err)
	}
	s := newSim(t, Config{TrailingSlash: true}, nil)
	wid := s.must(201, "POST", windowsURI, windowBody).body["Id"].(string)
	s.must(201, "POST", setsURI, `{"Name":"A","Description":"d","Sequence":[
		{"Name":"nic","Command":"ApplyUpdate","Filename":"nic.fwpkg"},
		{"Name":"pause","Command":"Wait","WaitTimeSeconds":30}]}`)
	s.must(201, "POST", tasksURI, `{"Name":"sum","Command":"ApplyUpdate","Filename":"cp099999.exe","MaintenanceWindow":"`+wid+`","TPMOverride":true}`)
	s.host.failures["ilo5_300.bin"] = testReg.ILOMsg("UpdateFailed", "12")
	s.must(201, "POST", tasksURI, `{"Name":"bmc","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}`)
	s.must(201, "POST", tasksURI, `{"Name":"wait","Command":"Wait","WaitTimeSeconds":10,"StartAfter":"2026-03-12T00:00:00Z"}`)

	type doc struct{ schema, path string }
	var docs []doc
	for _, c := range []struct{ coll, schema, member string }{
		{tasksURI, "HpeComponentUpdateTaskQueueCollection", "HpeComponentUpdateTask"},
		{windowsURI, "HpeMaintenanceWindowCollection", "HpeMaintenanceWindow"},
		{setsURI, "HpeComponentInstallSetCollection", "HpeComponentInstallSet"},
	} {
		docs = append(docs, doc{c.schema, c.coll}, doc{c.schema, c.coll + "?$expand=."})
		for _, m := range s.must(200, "GET", c.coll, "").body["Members"].([]any) {
			docs = append(docs, doc{c.member, m.(map[string]any)["@odata.id"].(string)})
		}
	}
	if len(docs) != 6+3+1+2 {
		t.Fatalf("%d documents to check, want 12", len(docs))
	}
	for _, version := range []string{"ilo5-2.46", "ilo5-2.70"} {
		comp := jsonschema.NewCompiler()
		comp.DefaultDraft(jsonschema.Draft4)
		for _, d := range docs {
			abs, err := filepath.Abs(filepath.Join(schemaDir, version, d.schema+".json"))
			if err != nil {
				t.Fatalf("schema path: %v", err)
			}
			sch, err := comp.Compile("file://" + filepath.ToSlash(abs))
			if err != nil {
				t.Fatalf("compile %s/%s: %v", version, d.schema, err)
			}
			r := s.must(200, "GET", d.path, "")
			raw, _ := json.Marshal(r.body)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatalf("decode %s: %v", d.path, err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s against %s/%s: %v", d.path, version, d.schema, err)
			}
			// The check can fail: an invented property is refused.
			r.body["TaskType"] = "x"
			raw, _ = json.Marshal(r.body)
			inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
			if sch.Validate(inst) == nil {
				t.Errorf("%s with an invented property passed %s/%s", d.path, version, d.schema)
			}
		}
	}
}
