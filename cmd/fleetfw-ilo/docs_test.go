package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fleetfw/ilo/internal/ansible"
)

// The collection's root, seen from this package.
const collectionRoot = "../.."

// collection is this collection's namespace.name, the prefix of the doc
// fragments the stubs extend.
const collection = "fleetfw.ilo"

// TestDocsMatchModules is the docs/argspec sync test (issue 3 §6): every
// module of the binary has a doc stub plugins/modules/<name>.py, every stub
// has a module, and each stub documents exactly the module's options (names,
// type, elements, required, default, choices, no_log, aliases, env
// fallbacks, suboptions), counting the options its doc fragments add.
func TestDocsMatchModules(t *testing.T) {
	for _, p := range checkCollection(collectionRoot, modules()) {
		t.Error(p)
	}
}

// checkCollection compares the modules with the stubs under root and
// returns one message per disagreement.
func checkCollection(root string, mods []ansible.Module) []string {
	var problems []string
	stubs, err := filepath.Glob(filepath.Join(root, "plugins/modules/*.py"))
	if err != nil {
		return []string{err.Error()}
	}
	have := map[string]bool{}
	for _, m := range mods {
		have[m.Name()] = true
		stub := filepath.Join(root, "plugins/modules", m.Name()+".py")
		if _, err := os.Stat(stub); err != nil {
			problems = append(problems, fmt.Sprintf("module %s has no doc stub plugins/modules/%s.py", m.Name(), m.Name()))
			continue
		}
		doc, err := readModuleDoc(root, stub)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if doc.Module != m.Name() {
			problems = append(problems, fmt.Sprintf("plugins/modules/%s.py: module: is %q, want %q", m.Name(), doc.Module, m.Name()))
		}
		problems = append(problems, compareOptions(m.Name(), m.Spec(), doc.Options)...)
	}
	for _, s := range stubs {
		name := strings.TrimSuffix(filepath.Base(s), ".py")
		if !have[name] && name != "__init__" {
			problems = append(problems, fmt.Sprintf("plugins/modules/%s.py documents module %s, which the binary does not have (add it to cmd/fleetfw-ilo/modules.go)", name, name))
		}
	}
	return problems
}

// moduleDoc is the part of a DOCUMENTATION block the test compares.
type moduleDoc struct {
	Module    string               `yaml:"module"`
	Fragments []string             `yaml:"extends_documentation_fragment"`
	Options   map[string]docOption `yaml:"options"`
}

// docOption is one documented option.
type docOption struct {
	Description any                  `yaml:"description"`
	Type        string               `yaml:"type"`
	Elements    string               `yaml:"elements"`
	Required    bool                 `yaml:"required"`
	Default     any                  `yaml:"default"`
	Choices     []any                `yaml:"choices"`
	NoLog       *bool                `yaml:"no_log"`
	Aliases     []string             `yaml:"aliases"`
	Suboptions  map[string]docOption `yaml:"suboptions"`
}

// docString matches a Python string assignment such as DOCUMENTATION = r followed by
// a triple-quoted string (single or double quotes).
var docString = regexp.MustCompile(`(?ms)^\s*([A-Z_]+)\s*=\s*r?('''|""")\n?(.*?)('''|""")`)

// pythonDocString returns the named string of a doc-only Python file.
func pythonDocString(path, name string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, m := range docString.FindAllStringSubmatch(string(b), -1) {
		if m[1] == name {
			return m[3], nil
		}
	}
	return "", fmt.Errorf("%s: no %s string", path, name)
}

// readModuleDoc parses a stub's DOCUMENTATION and merges the options of the
// collection's doc fragments it extends (the module's own options win).
func readModuleDoc(root, stub string) (moduleDoc, error) {
	var doc moduleDoc
	s, err := pythonDocString(stub, "DOCUMENTATION")
	if err != nil {
		return doc, err
	}
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return doc, fmt.Errorf("%s: DOCUMENTATION: %w", stub, err)
	}
	if doc.Options == nil {
		doc.Options = map[string]docOption{}
	}
	for _, f := range doc.Fragments {
		rest, ok := strings.CutPrefix(f, collection+".")
		if !ok {
			continue // ansible.builtin fragments add attributes, not options
		}
		file, variable, _ := strings.Cut(rest, ".")
		variable = strings.ToUpper(variable)
		if variable == "" {
			variable = "DOCUMENTATION"
		}
		path := filepath.Join(root, "plugins/doc_fragments", file+".py")
		fs, err := pythonDocString(path, variable)
		if err != nil {
			return doc, fmt.Errorf("%s extends %s: %w", stub, f, err)
		}
		var frag moduleDoc
		if err := yaml.Unmarshal([]byte(fs), &frag); err != nil {
			return doc, fmt.Errorf("%s: %s: %w", path, variable, err)
		}
		for name, o := range frag.Options {
			if _, own := doc.Options[name]; !own {
				doc.Options[name] = o
			}
		}
	}
	return doc, nil
}

// compareOptions returns one message per difference between the options a
// module declares and the ones its documentation lists. where names the
// module (and suboption path).
func compareOptions(where string, spec []ansible.Option, docs map[string]docOption) []string {
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	declared := map[string]bool{}
	for _, o := range spec {
		declared[o.Name] = true
		d, ok := docs[o.Name]
		if !ok {
			report("option %s is in the module but not documented", o.Name)
			continue
		}
		docType := d.Type
		if docType == "" {
			docType = "str" // Ansible's default type
		}
		if o.Type != docType {
			report("option %s: type is %s in the module, %s in the documentation", o.Name, o.Type, docType)
		}
		if o.Elements != d.Elements {
			report("option %s: elements is %q in the module, %q in the documentation", o.Name, o.Elements, d.Elements)
		}
		if o.Required != d.Required {
			report("option %s: required is %v in the module, %v in the documentation", o.Name, o.Required, d.Required)
		}
		if a, b := canonical(o.Default), canonical(d.Default); a != b {
			report("option %s: default is %s in the module, %s in the documentation", o.Name, a, b)
		}
		if a, b := canonicalSet(o.Choices), canonicalSet(d.Choices); a != b {
			report("option %s: choices are %s in the module, %s in the documentation", o.Name, a, b)
		}
		if docNoLog := documentedNoLog(d); o.NoLog != docNoLog {
			report("option %s: no_log is %v in the module, %v in the documentation (say C(no_log) in its description)", o.Name, o.NoLog, docNoLog)
		}
		if a, b := canonicalSet(toAny(o.Aliases)), canonicalSet(toAny(d.Aliases)); a != b {
			report("option %s: aliases are %s in the module, %s in the documentation", o.Name, a, b)
		}
		text := descriptionText(d)
		for _, env := range o.Env {
			if !strings.Contains(text, "C("+env+")") {
				report("option %s: falls back to environment variable %s, which its description does not mention as C(%s)", o.Name, env, env)
			}
		}
		if len(o.Suboptions) > 0 || len(d.Suboptions) > 0 {
			problems = append(problems, compareOptions(where+" option "+o.Name, o.Suboptions, d.Suboptions)...)
		}
	}
	for _, name := range sortedNames(docs) {
		if !declared[name] {
			report("option %s is documented but not in the module", name)
		}
	}
	return problems
}

// documentedNoLog reads no_log from the documentation: an explicit no_log
// key if there is one, else "C(no_log)" in the description (validate-modules
// does not allow a no_log key in module docs).
func documentedNoLog(d docOption) bool {
	if d.NoLog != nil {
		return *d.NoLog
	}
	return strings.Contains(descriptionText(d), "C(no_log)")
}

func descriptionText(d docOption) string {
	switch v := d.Description.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// canonical renders a value as JSON so that YAML's and Go's types compare.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// canonicalSet renders a list as sorted JSON values, ignoring order.
func canonicalSet(l []any) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = canonical(v)
	}
	sort.Strings(s)
	return "[" + strings.Join(s, ", ") + "]"
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func sortedNames(m map[string]docOption) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
