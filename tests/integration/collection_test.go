package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fleetfw/ilo/internal/modkit"
)

// These tests read the collection's metadata in the source tree; they need no build and
// run with plain `go test ./...`.

// repoFile is the path of a file relative to the repository root.
func repoFile(rel string) string { return filepath.Join("..", "..", filepath.FromSlash(rel)) }

func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(repoFile(rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
}

// actionGroup is meta/runtime.yml's `ilo` group: the list of modules the collection ships.
func actionGroup(t *testing.T) []string {
	t.Helper()
	var runtime struct {
		RequiresAnsible string              `yaml:"requires_ansible"`
		ActionGroups    map[string][]string `yaml:"action_groups"`
	}
	readYAML(t, "meta/runtime.yml", &runtime)
	if runtime.RequiresAnsible != ">=2.14.0" {
		t.Errorf("meta/runtime.yml requires_ansible = %q, want \">=2.14.0\"", runtime.RequiresAnsible)
	}
	group := runtime.ActionGroups["ilo"]
	if len(group) == 0 {
		t.Fatalf("meta/runtime.yml: action group ilo is empty")
	}
	return group
}

// stubs lists the module names that have a doc stub plugins/modules/<name>.py.
func stubs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(repoFile("plugins/modules/*.py"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".py"))
	}
	return names
}

// TestActionGroupMatchesStubs: every module in the action group has documentation, and
// every documented module is in the group (so module_defaults reach it).
func TestActionGroupMatchesStubs(t *testing.T) {
	group, docs := actionGroup(t), stubs(t)
	for _, m := range group {
		if !slices.Contains(docs, m) {
			t.Errorf("meta/runtime.yml lists %s, but plugins/modules/%s.py does not exist", m, m)
		}
	}
	for _, m := range docs {
		if !slices.Contains(group, m) {
			t.Errorf("plugins/modules/%s.py exists, but meta/runtime.yml's ilo action group does not list %s", m, m)
		}
	}
	sorted := slices.Clone(group)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(group) {
		t.Errorf("meta/runtime.yml: the ilo action group lists a module twice: %v", group)
	}
}

var documentationRE = regexp.MustCompile(`(?s)DOCUMENTATION\s*=\s*r?'''(.*?)'''`)

// TestStubsUseCommonOptions: each stub extends the fleetfw.ilo.ilo doc fragment and declares
// its membership in the action group.
func TestStubsUseCommonOptions(t *testing.T) {
	for _, m := range stubs(t) {
		t.Run(m, func(t *testing.T) {
			b, err := os.ReadFile(repoFile("plugins/modules/" + m + ".py"))
			if err != nil {
				t.Fatal(err)
			}
			match := documentationRE.FindSubmatch(b)
			if match == nil {
				t.Fatalf("no DOCUMENTATION string")
			}
			var doc struct {
				Module     string   `yaml:"module"`
				Fragments  []string `yaml:"extends_documentation_fragment"`
				Attributes struct {
					ActionGroup struct {
						Membership []string `yaml:"membership"`
					} `yaml:"action_group"`
				} `yaml:"attributes"`
			}
			if err := yaml.Unmarshal(match[1], &doc); err != nil {
				t.Fatalf("parse DOCUMENTATION: %v", err)
			}
			if doc.Module != m {
				t.Errorf("DOCUMENTATION module = %q, want %q", doc.Module, m)
			}
			// firmware_rollout takes each iLO's connection in its ilos list (not the
			// fragment's options), yet belongs to the action group like every module.
			if !slices.Contains(doc.Fragments, "fleetfw.ilo.ilo") && m != "firmware_rollout" {
				t.Errorf("extends_documentation_fragment = %v, want it to include fleetfw.ilo.ilo", doc.Fragments)
			}
			if !slices.Contains(doc.Attributes.ActionGroup.Membership, "fleetfw.ilo.ilo") {
				t.Errorf("attributes.action_group.membership = %v, want it to include fleetfw.ilo.ilo", doc.Attributes.ActionGroup.Membership)
			}
		})
	}
}

// TestGalaxyMetadata checks what the brief and Galaxy require of galaxy.yml.
func TestGalaxyMetadata(t *testing.T) {
	var g struct {
		Namespace   string   `yaml:"namespace"`
		Name        string   `yaml:"name"`
		Version     string   `yaml:"version"`
		License     []string `yaml:"license"`
		Tags        []string `yaml:"tags"`
		BuildIgnore []string `yaml:"build_ignore"`
	}
	readYAML(t, "galaxy.yml", &g)
	if g.Namespace != "fleetfw" || g.Name != "ilo" {
		t.Errorf("galaxy.yml names %s.%s, want fleetfw.ilo", g.Namespace, g.Name)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(g.Version) {
		t.Errorf("galaxy.yml version %q is not semantic", g.Version)
	}
	if !slices.Equal(g.License, []string{"GPL-3.0-or-later"}) {
		t.Errorf("galaxy.yml license = %v, want [GPL-3.0-or-later]", g.License)
	}
	if !slices.Contains(g.Tags, "infrastructure") || len(g.Tags) > 20 {
		t.Errorf("galaxy.yml tags = %v, want infrastructure among at most 20", g.Tags)
	}
	for _, p := range []string{"cmd", "internal", "modules", "go.mod", "go.sum", "tests", "docs", "scripts", ".ci", ".tmp", "dist", "Makefile"} {
		if !slices.Contains(g.BuildIgnore, p) {
			t.Errorf("galaxy.yml build_ignore lacks %s", p)
		}
	}
	if _, err := os.Stat(repoFile("CHANGELOG.md")); err != nil {
		t.Errorf("CHANGELOG.md: %v", err)
	}
	var changelog struct {
		Releases map[string]any `yaml:"releases"`
	}
	readYAML(t, "changelogs/changelog.yaml", &changelog)
	if _, ok := changelog.Releases[g.Version]; !ok {
		t.Errorf("changelogs/changelog.yaml has no entry for version %s", g.Version)
	}
}

var fragmentRE = regexp.MustCompile(`(?s)DOCUMENTATION\s*=\s*r'''(.*?)'''`)

// TestDocFragmentMatchesConnArgs compares plugins/doc_fragments/ilo.py with the struct the
// modules decode (internal/modkit.ConnArgs): option names, defaults, and the documented
// environment fallbacks and no_log options.
func TestDocFragmentMatchesConnArgs(t *testing.T) {
	b, err := os.ReadFile(repoFile("plugins/doc_fragments/ilo.py"))
	if err != nil {
		t.Fatal(err)
	}
	match := fragmentRE.FindSubmatch(b)
	if match == nil {
		t.Fatal("plugins/doc_fragments/ilo.py: no DOCUMENTATION string")
	}
	var frag struct {
		Options map[string]struct {
			Description []string `yaml:"description"`
			Type        string   `yaml:"type"`
			Required    bool     `yaml:"required"`
			Default     any      `yaml:"default"`
		} `yaml:"options"`
	}
	if err := yaml.Unmarshal(match[1], &frag); err != nil {
		t.Fatalf("parse the doc fragment: %v", err)
	}

	typ := reflect.TypeFor[modkit.ConnArgs]()
	seen := map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		seen[name] = true
		opt, ok := frag.Options[name]
		if !ok {
			t.Errorf("ConnArgs.%s (%s) is not documented in the fragment", f.Name, name)
			continue
		}
		desc := strings.Join(opt.Description, " ")
		wantType := map[reflect.Kind]string{reflect.String: "str", reflect.Bool: "bool", reflect.Int: "int"}[f.Type.Kind()]
		if tag := f.Tag.Get("type"); tag != "" {
			wantType = tag
		}
		if opt.Type != wantType {
			t.Errorf("%s: documented type %q, struct field is %s", name, opt.Type, f.Type)
		}
		if got, want := fmt.Sprint(opt.Default), f.Tag.Get("default"); opt.Default != nil && got != want || opt.Default == nil && want != "" {
			t.Errorf("%s: documented default %v, struct default %q", name, opt.Default, want)
		}
		required := strings.Contains(f.Tag.Get("validate"), "required")
		if opt.Required != required {
			t.Errorf("%s: documented required=%v, struct required=%v", name, opt.Required, required)
		}
		if env := f.Tag.Get("env"); env != "" && !strings.Contains(desc, env) {
			t.Errorf("%s: the description does not mention the %s environment variable", name, env)
		}
		if f.Tag.Get("no_log") == "true" && !strings.Contains(desc, "no_log") {
			t.Errorf("%s: a no_log option, the description should say so", name)
		}
	}
	for name := range frag.Options {
		if !seen[name] {
			t.Errorf("the fragment documents %s, which ConnArgs does not have", name)
		}
	}
}
