package fidelity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Where the loader finds schemas. DMTF schemas are named by their published
// URL; the HPE SchemaStore copies use relative refs, so they get a
// made-up hierarchical base URL.
const (
	dmtfURL = "http://redfish.dmtf.org/schemas/v1/"
	hpeURL  = "https://schemastore.fidelity.test/"
)

// missingHPE are files that HPE schemas reference but that no capture
// published; the loader serves an empty (permissive) schema for them.
var missingHPE = map[string]string{
	"HpeiLOSessionsSummary.json": "referenced by SessionCollection.json (Oem.Hpe of Sessions); not in either SchemaStore capture",
}

// schemaLoader maps the two URL spaces to testdata and applies the loader
// tweaks of ../shared/reference/tooling.md §2.2: DMTF $schema values that
// point at redfish-schema* are dropped (compiled as draft-07 instead), and
// duplicate "required" entries (HPE 2.46 HpeiLOUpdateServiceExt) are
// removed; plus one more HPE defect found here (fixCountRef), and an empty
// schema for the one file HPE refers to but never published (missingHPE).
// The third tweak, a permissive "uri" format, is uriReference.
type schemaLoader struct {
	mu     sync.Mutex
	loaded map[string]bool // file paths read, for keeping testdata small
}

func (l *schemaLoader) Load(u string) (any, error) {
	var file string
	switch {
	case strings.HasPrefix(u, dmtfURL):
		name := strings.TrimPrefix(u, dmtfURL)
		if !strings.HasSuffix(name, ".json") {
			name += ".json"
		}
		file = filepath.Join("testdata", "schemas", "dmtf", name)
	case strings.HasPrefix(u, hpeURL):
		rel := strings.TrimPrefix(u, hpeURL)
		if _, ok := missingHPE[filepath.Base(rel)]; ok {
			return map[string]any{}, nil
		}
		file = filepath.Join("testdata", "schemas", "hpe", filepath.FromSlash(rel))
	default:
		return nil, fmt.Errorf("load schema %s: outside testdata", u)
	}
	l.mu.Lock()
	l.loaded[file] = true
	l.mu.Unlock()
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load schema %s: %w", u, err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("load schema %s: %w", u, err)
	}
	if m, ok := doc.(map[string]any); ok {
		if s, _ := m["$schema"].(string); strings.Contains(s, "redfish-schema") {
			delete(m, "$schema")
		}
	}
	dedupRequired(doc)
	if strings.HasPrefix(u, hpeURL) {
		fixCountRef(doc)
	}
	return doc, nil
}

// fixCountRef repairs an HPE defect: SoftwareInventory.json (2.46 and 2.70)
// refers to Resource.json#/definitions/count for RelatedItem@odata.count,
// a definition HPE's Resource.json names odatacount.
func fixCountRef(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" && s == "Resource.json#/definitions/count" {
				x[k] = "Resource.json#/definitions/odatacount"
				continue
			}
			fixCountRef(e)
		}
	case []any:
		for _, e := range x {
			fixCountRef(e)
		}
	}
}

// dedupRequired removes repeated names from every "required" array.
func dedupRequired(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if list, ok := e.([]any); ok && k == "required" {
				seen := map[any]bool{}
				var out []any
				for _, r := range list {
					if !seen[r] {
						seen[r] = true
						out = append(out, r)
					}
				}
				x[k] = out
				continue
			}
			dedupRequired(e)
		}
	case []any:
		for _, e := range x {
			dedupRequired(e)
		}
	}
}

// validators compiles schemas on demand: one compiler per source because
// the HPE files are draft-04 and the DMTF ones draft-07.
type validators struct {
	loader  *schemaLoader
	hpeDir  string // hpe/<set> for this profile
	hpe     *jsonschema.Compiler
	dmtf    *jsonschema.Compiler
	titles  map[string]string // HPE: @odata.type title → file name
	schemas map[string]*jsonschema.Schema
}

// uriReference accepts any URI reference: Redfish puts relative references
// in format "uri" fields (every @odata.id).
var uriReference = &jsonschema.Format{Name: "uri", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	_, err := url.Parse(s)
	return err
}}

func newValidators(t *testing.T, hpeSet string) *validators {
	t.Helper()
	v := &validators{
		loader:  &schemaLoader{loaded: map[string]bool{}},
		hpeDir:  hpeSet,
		titles:  map[string]string{},
		schemas: map[string]*jsonschema.Schema{},
	}
	v.hpe = jsonschema.NewCompiler()
	v.hpe.DefaultDraft(jsonschema.Draft4)
	v.hpe.UseLoader(v.loader)
	v.hpe.RegisterFormat(uriReference)
	v.dmtf = jsonschema.NewCompiler()
	v.dmtf.DefaultDraft(jsonschema.Draft7)
	v.dmtf.UseLoader(v.loader)
	v.dmtf.RegisterFormat(uriReference)

	dir := filepath.Join("testdata", "schemas", "hpe", hpeSet)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list HPE schemas: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			t.Fatalf("decode %s: %v", e.Name(), err)
		}
		if head.Title != "" {
			v.titles[head.Title] = e.Name()
		}
	}
	return v
}

// reType splits "#UpdateService.v1_11_0.UpdateService" and
// "#SoftwareInventoryCollection.SoftwareInventoryCollection".
var reType = regexp.MustCompile(`^#([A-Za-z0-9]+)\.(?:(v\d+_\d+)_\d+\.)?([A-Za-z0-9]+)$`)

// dmtfLocation returns the DMTF schema location for an @odata.type, or "".
// A versioned type uses the latest errata of its minor version in testdata
// (errata change descriptions only).
func dmtfLocation(odataType string) string {
	m := reType.FindStringSubmatch(odataType)
	if m == nil || strings.HasPrefix(m[1], "Hpe") {
		return ""
	}
	ns, minor, typ := m[1], m[2], m[3]
	if minor == "" {
		if _, err := os.Stat(filepath.Join("testdata", "schemas", "dmtf", ns+".json")); err != nil {
			return ""
		}
		return dmtfURL + ns + ".json#/definitions/" + typ
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "schemas", "dmtf", ns+"."+minor+"_*.json"))
	if len(files) == 0 {
		return ""
	}
	sort.Slice(files, func(i, j int) bool { return errataOf(files[i]) < errataOf(files[j]) })
	return dmtfURL + filepath.Base(files[len(files)-1]) + "#/definitions/" + typ
}

func errataOf(file string) int {
	base := strings.TrimSuffix(filepath.Base(file), ".json")
	n := 0
	fmt.Sscanf(base[strings.LastIndex(base, "_")+1:], "%d", &n)
	return n
}

// check validates every object of body that carries an @odata.type against
// the HPE schema titled with exactly that type and the DMTF schema of that
// type's version; an error body is validated against redfish-error. It
// returns one problem per failed keyword, and the types no schema covers
// (for the log).
func (v *validators) check(body map[string]any) (problems []string, uncovered []string) {
	if _, ok := body["error"]; ok {
		for _, leaf := range v.validate(v.dmtf, dmtfURL+"redfish-error.v1_0_2.json", body) {
			problems = append(problems, "redfish-error.v1_0_2: "+leaf)
		}
		return problems, nil
	}
	walkTyped(body, "", func(p, typ string, obj map[string]any) {
		covered := false
		if file, ok := v.titles[typ]; ok {
			covered = true
			for _, leaf := range v.validate(v.hpe, hpeURL+v.hpeDir+"/"+file, obj) {
				problems = append(problems, fmt.Sprintf("%s (%s) vs HPE %s/%s: %s", orRoot(p), typ, v.hpeDir, file, leaf))
			}
		}
		if loc := dmtfLocation(typ); loc != "" {
			covered = true
			for _, leaf := range v.validate(v.dmtf, loc, obj) {
				problems = append(problems, fmt.Sprintf("%s (%s) vs DMTF %s: %s", orRoot(p), typ, strings.TrimPrefix(loc, dmtfURL), leaf))
			}
		}
		if !covered {
			uncovered = append(uncovered, fmt.Sprintf("%s (%s)", orRoot(p), typ))
		}
	})
	return problems, uncovered
}

func orRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// validate returns the failed keywords of obj against the schema at loc,
// one line each (a schema that does not compile is one line too).
func (v *validators) validate(c *jsonschema.Compiler, loc string, obj any) []string {
	s, ok := v.schemas[loc]
	if !ok {
		var err error
		if s, err = c.Compile(loc); err != nil {
			return []string{fmt.Sprintf("compile %s: %v", loc, err)}
		}
		v.schemas[loc] = s
	}
	// Validate wants values as jsonschema.UnmarshalJSON produces them
	// (json.Number for numbers): round-trip through it.
	b, err := json.Marshal(obj)
	if err != nil {
		return []string{err.Error()}
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return []string{err.Error()}
	}
	if err := s.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return slices.Compact(leafErrors(ve))
		}
		return []string{err.Error()}
	}
	return nil
}

// leafErrors flattens a validation error to its leaves, one line each.
func leafErrors(ve *jsonschema.ValidationError) []string {
	if len(ve.Causes) == 0 {
		msg := ve.ErrorKind.LocalizedString(message.NewPrinter(language.English))
		return []string{fmt.Sprintf("at %q: %s", "/"+strings.Join(ve.InstanceLocation, "/"), msg)}
	}
	var out []string
	for _, c := range ve.Causes {
		out = append(out, leafErrors(c)...)
	}
	return out
}

// walkTyped calls f for body and every nested object with an @odata.type.
func walkTyped(v any, p string, f func(p, typ string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if typ, ok := x["@odata.type"].(string); ok {
			f(p, typ, x)
		}
		for _, k := range sortedKeys(x) {
			walkTyped(x[k], join(p, k), f)
		}
	case []any:
		for _, e := range x {
			walkTyped(e, p+"[]", f)
		}
	}
}
