package ansible

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Option describes one module option as an Ansible argument_spec entry does.
// Spec() returns them so that a test can compare them with the module's
// documentation.
type Option struct {
	// Name is the option name (the json tag).
	Name string
	// Type is one of "str", "bool", "int", "float", "list", "dict", "raw", "path".
	Type string
	// Elements is the element type when Type is "list", else "".
	Elements string
	// Required is true when the validate tag says "required" (before any "dive").
	Required bool
	// Default is the default value typed as the option (string, bool, int,
	// float64, []any, map[string]any), or nil when there is none.
	Default any
	// Choices are the oneof= values typed as the option (or its elements), or nil.
	Choices []any
	// NoLog marks a secret option (no_log:"true").
	NoLog bool
	// Env lists the environment variables used when the option is not given.
	Env []string
	// Aliases lists the other names accepted for the option.
	Aliases []string
	// Suboptions describes the keys of a dict or of each dict of a list of dicts.
	Suboptions []Option
}

// Rules are the cross-option checks of an argument spec, with AnsibleModule's
// meaning. An Args type (or a suboption struct) declares them with a method
// Rules() Rules.
type Rules struct {
	// MutuallyExclusive: at most one option of each group may be given.
	MutuallyExclusive [][]string
	// RequiredTogether: if one option of a group is given, all must be.
	RequiredTogether [][]string
	// RequiredOneOf: at least one option of each group must be given.
	RequiredOneOf [][]string
	// RequiredIf: options required when another option has a value.
	RequiredIf []RequiredIf
	// RequiredBy: when the key option is given, the listed options must be too.
	RequiredBy map[string][]string
}

// RequiredIf is one required_if entry: when Key equals Value, the options in
// Requires must be given (all of them, or at least one when Any is true).
type RequiredIf struct {
	Key      string
	Value    any
	Requires []string
	Any      bool
}

// checker is implemented by argument structs with checks no rule expresses.
type checker interface{ Check() error }

// ruler is implemented by argument structs with cross-option rules.
type ruler interface{ Rules() Rules }

// structSpec is the argument spec of one struct: the top-level Args or the
// struct of a dict suboption.
type structSpec struct {
	opts   []*optSpec
	byName map[string]*optSpec // canonical names only
	rules  Rules
	typ    reflect.Type
}

// optSpec is one option plus what the framework needs to check it.
type optSpec struct {
	Option
	vtag     string       // validate rules for the value, without required and oneof=
	etag     string       // validate rules for each element (after dive), without oneof=
	sub      *structSpec  // suboptions of a dict or list of dicts
	userinfo bool         // the password of a URL's user info is a secret (no_log:"userinfo")
	kind     reflect.Kind // Go kind of the value (pointers removed), for range checks
	ekind    reflect.Kind // Go kind of a list's elements
}

var (
	typeAny = reflect.TypeFor[any]()
	typeMap = reflect.TypeFor[map[string]any]()
)

// buildSpec reads the argument spec from the tags of struct type t.
// v is the validator the tags are checked with.
func buildSpec(t reflect.Type, v *validator.Validate) (*structSpec, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("arguments type %s is not a struct", t)
	}
	s := &structSpec{byName: map[string]*optSpec{}, typ: t}
	if err := s.addFields(t, v); err != nil {
		return nil, err
	}
	s.rules = collectRules(t)
	if err := s.checkRules(); err != nil {
		return nil, fmt.Errorf("rules of %s: %w", t, err)
	}
	return s, nil
}

// addFields adds the options of t's fields, flattening embedded structs.
func (s *structSpec) addFields(t reflect.Type, v *validator.Validate) error {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() != reflect.Struct {
				return fmt.Errorf("embedded field %s of %s: only embedded structs are supported", f.Name, t)
			}
			if err := s.addFields(ft, v); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		o, err := fieldOption(name, f, v)
		if err != nil {
			return fmt.Errorf("option %s (%s.%s): %w", name, t, f.Name, err)
		}
		if _, dup := s.byName[name]; dup {
			return fmt.Errorf("option %s is declared twice in %s", name, t)
		}
		s.byName[name] = o
		s.opts = append(s.opts, o)
	}
	for _, o := range s.opts {
		for _, a := range o.Aliases {
			if _, dup := s.byName[a]; dup {
				return fmt.Errorf("alias %s of option %s is also an option name", a, o.Name)
			}
		}
	}
	return nil
}

// fieldOption builds the option of one struct field.
func fieldOption(name string, f reflect.StructField, v *validator.Validate) (*optSpec, error) {
	o := &optSpec{Option: Option{Name: name}}
	t := f.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	typ, elem, sub, err := optionType(t, f.Tag.Get("type"), v)
	if err != nil {
		return nil, err
	}
	o.Type, o.Elements, o.sub = typ, elem, sub
	if sub != nil {
		o.Suboptions = sub.options()
	}
	o.kind = t.Kind()
	if t.Kind() == reflect.Slice {
		o.ekind = t.Elem().Kind()
	}
	switch nl := f.Tag.Get("no_log"); nl {
	case "true":
		o.NoLog = true
	case "userinfo":
		o.userinfo = true
	case "", "false":
	default:
		return nil, fmt.Errorf(`no_log:%q: give "true" (the whole value is secret) or "userinfo" (the password of a URL's user info is)`, nl)
	}
	o.Env = splitList(f.Tag.Get("env"))
	o.Aliases = splitList(f.Tag.Get("aliases"))

	tag := f.Tag.Get("validate")
	vtag, etag, required, choices, echoices := splitValidate(tag)
	o.Required = required
	o.vtag, o.etag = vtag, etag
	if strings.Contains(","+tag+",", ",nouserinfo,") {
		o.userinfo = true // the message never shows it; invocation must not either
	}
	if o.Type == "list" && len(echoices) > 0 {
		choices = echoices
	}
	if len(choices) > 0 {
		ct := o.Type
		if ct == "list" {
			ct = o.Elements
		}
		for _, c := range choices {
			cv, err := convert(ct, c, nil)
			if err != nil {
				return nil, fmt.Errorf("choice %q: %w", c, err)
			}
			o.Choices = append(o.Choices, cv)
		}
	}
	if d, ok := f.Tag.Lookup("default"); ok {
		if o.Required {
			// Ansible: "internal error: required and default are mutually exclusive".
			return nil, errors.New("required and default are mutually exclusive")
		}
		dv, err := convert(o.Type, d, nil)
		if err == nil && o.Type == "list" && o.Elements != "" {
			dv, err = convertElements(o.Elements, dv.([]any))
		}
		if err != nil {
			return nil, fmt.Errorf("default %q: %w", d, err)
		}
		o.Default = dv
	}
	if err := checkTag(v, vtag, t); err != nil {
		return nil, err
	}
	if strings.Contains(","+tag+",", ",dive,") {
		if o.Type != "list" {
			return nil, fmt.Errorf("validate tag %q: dive needs a list option, not %s", tag, o.Type)
		}
		if err := checkTag(v, etag, t.Elem()); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// optionType maps a Go type (pointers removed) to an Ansible type.
func optionType(t reflect.Type, tag string, v *validator.Validate) (typ, elem string, sub *structSpec, err error) {
	switch tag {
	case "":
	case "path":
		if t.Kind() == reflect.String {
			return tag, "", nil, nil
		}
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String {
			return "list", tag, nil, nil
		}
		return "", "", nil, fmt.Errorf("type:%q needs a string or []string field, not %s", tag, t)
	default:
		return "", "", nil, fmt.Errorf("unknown type tag %q (only path is known; use an any field for raw)", tag)
	}
	switch {
	case t == typeAny:
		return "raw", "", nil, nil
	case t == typeMap:
		return "dict", "", nil, nil
	}
	switch t.Kind() {
	case reflect.String:
		return "str", "", nil, nil
	case reflect.Bool:
		return "bool", "", nil, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int", "", nil, nil
	case reflect.Float32, reflect.Float64:
		return "float", "", nil, nil
	case reflect.Struct:
		s, err := buildSpec(t, v)
		if err != nil {
			return "", "", nil, err
		}
		return "dict", "", s, nil
	case reflect.Slice:
		et := t.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() == reflect.Slice {
			return "", "", nil, fmt.Errorf("lists of lists are not supported (%s)", t)
		}
		e, _, s, err := optionType(et, "", v)
		if err != nil {
			return "", "", nil, err
		}
		return "list", e, s, nil
	}
	return "", "", nil, fmt.Errorf("unsupported Go type %s", t)
}

// splitValidate splits a validate tag into the rules for the value and for
// each element (after "dive"), the required flag and the oneof= choices.
func splitValidate(tag string) (vtag, etag string, required bool, choices, echoices []string) {
	if tag == "" {
		return "", "", false, nil, nil
	}
	var head, tail []string
	inElem := false
	for _, term := range strings.Split(tag, ",") {
		switch {
		case term == "dive" && !inElem:
			inElem = true
		case term == "required" && !inElem:
			required = true
		case strings.HasPrefix(term, "oneof="):
			vals := oneofValues(strings.TrimPrefix(term, "oneof="))
			if inElem {
				echoices = vals
			} else {
				choices = vals
			}
		case inElem:
			tail = append(tail, term)
		default:
			head = append(head, term)
		}
	}
	return strings.Join(head, ","), strings.Join(tail, ","), required, choices, echoices
}

// oneofValues splits a oneof parameter as go-playground/validator does: by spaces,
// with 'single quotes' around values that contain spaces.
func oneofValues(p string) []string {
	var vals []string
	for p = strings.TrimSpace(p); p != ""; p = strings.TrimSpace(p) {
		if p[0] == '\'' {
			if end := strings.IndexByte(p[1:], '\''); end >= 0 {
				vals = append(vals, p[1:1+end])
				p = p[2+end:]
				continue
			}
		}
		v, rest, _ := strings.Cut(p, " ")
		vals = append(vals, v)
		p = rest
	}
	return vals
}

// splitList splits a comma-separated tag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// collectRules gathers the Rules of t and of every struct embedded in it,
// without duplicates (an embedded struct's Rules method is also promoted).
func collectRules(t reflect.Type) Rules {
	var all Rules
	seen := map[string]bool{}
	add := func(r Rules) {
		for _, g := range r.MutuallyExclusive {
			if k := fmt.Sprint("me", g); !seen[k] {
				seen[k] = true
				all.MutuallyExclusive = append(all.MutuallyExclusive, g)
			}
		}
		for _, g := range r.RequiredTogether {
			if k := fmt.Sprint("rt", g); !seen[k] {
				seen[k] = true
				all.RequiredTogether = append(all.RequiredTogether, g)
			}
		}
		for _, g := range r.RequiredOneOf {
			if k := fmt.Sprint("ro", g); !seen[k] {
				seen[k] = true
				all.RequiredOneOf = append(all.RequiredOneOf, g)
			}
		}
		for _, g := range r.RequiredIf {
			if k := fmt.Sprintf("ri%#v", g); !seen[k] {
				seen[k] = true
				all.RequiredIf = append(all.RequiredIf, g)
			}
		}
		keys := make([]string, 0, len(r.RequiredBy))
		for k := range r.RequiredBy {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if all.RequiredBy == nil {
				all.RequiredBy = map[string][]string{}
			}
			if _, ok := all.RequiredBy[k]; !ok {
				all.RequiredBy[k] = r.RequiredBy[k]
			}
		}
	}
	for _, et := range embedded(t) {
		if r, ok := reflect.New(et).Interface().(ruler); ok {
			add(r.Rules())
		}
	}
	if r, ok := reflect.New(t).Interface().(ruler); ok {
		add(r.Rules())
	}
	return all
}

// embedded lists the struct types embedded (at any depth) in t.
func embedded(t reflect.Type) []reflect.Type {
	var out []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, embedded(f.Type)...)
			out = append(out, f.Type)
		}
	}
	return out
}

// checkRules fails when a rule names an option the struct does not have.
func (s *structSpec) checkRules() error {
	known := func(names ...string) error {
		for _, n := range names {
			if _, ok := s.byName[n]; !ok {
				return fmt.Errorf("unknown option %q", n)
			}
		}
		return nil
	}
	var errs []error
	for _, g := range s.rules.MutuallyExclusive {
		errs = append(errs, known(g...))
	}
	for _, g := range s.rules.RequiredTogether {
		errs = append(errs, known(g...))
	}
	for _, g := range s.rules.RequiredOneOf {
		errs = append(errs, known(g...))
	}
	for _, r := range s.rules.RequiredIf {
		errs = append(errs, known(r.Key), known(r.Requires...))
	}
	for k, g := range s.rules.RequiredBy {
		errs = append(errs, known(k), known(g...))
	}
	return errors.Join(errs...)
}

// options returns the exported description of the spec.
func (s *structSpec) options() []Option {
	out := make([]Option, len(s.opts))
	for i, o := range s.opts {
		out[i] = o.Option
	}
	return out
}

// lookup finds an option by name or alias.
func (s *structSpec) lookup(name string) *optSpec {
	if o, ok := s.byName[name]; ok {
		return o
	}
	for _, o := range s.opts {
		for _, a := range o.Aliases {
			if a == name {
				return o
			}
		}
	}
	return nil
}
