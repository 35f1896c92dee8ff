package ansible

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/go-playground/validator/v10"
)

// validation checks one set of module parameters against a spec, in the
// order of ansible-core's ArgumentSpecValidator.validate and
// _validate_sub_spec, collecting errors, no_log values and warnings.
type validation struct {
	lookupEnv   func(string) (string, bool)
	v           *validator.Validate
	secrets     []string
	errs        []string
	unsupported []unsupported
	warnings    []string
}

// unsupported is one option name the spec does not know, with what the spec
// at that level accepts (for the message).
type unsupported struct {
	name      string // dotted path, as Ansible flattens it
	supported []string
	aliases   []string
}

// check validates params (modified in place, as Ansible does) against s.
// path holds the parent option names of a suboption; prefix is its dotted
// position ("components[0].") for warnings.
func (c *validation) check(s *structSpec, params map[string]any, path []string, prefix string) {
	// Environment fallbacks, before aliases (set_fallbacks).
	for _, o := range s.opts {
		if _, given := params[o.Name]; given {
			continue
		}
		for _, e := range o.Env {
			if c.lookupEnv == nil {
				break
			}
			if val, ok := c.lookupEnv(e); ok {
				params[o.Name] = val
				if o.NoLog {
					c.addSecrets(val)
				}
				break
			}
		}
	}

	// Aliases (_handle_aliases). The alias key is removed so that
	// invocation.module_args shows each option once.
	for _, o := range s.opts {
		for _, a := range o.Aliases {
			val, ok := params[a]
			if !ok {
				continue
			}
			if _, both := params[o.Name]; both {
				c.warnings = append(c.warnings, fmt.Sprintf("Both option %s%s and its alias %s%s are set.", prefix, o.Name, prefix, a))
			}
			params[o.Name] = val
			delete(params, a)
		}
	}

	// no_log values of the options as given, suboptions included, before
	// any conversion can fail (_list_no_log_values).
	c.rawSecrets(s, params)

	// Unsupported options (_get_unsupported_parameters). They are dropped
	// from the parameters: the module never sees them.
	for _, k := range sortedKeys(params) {
		if s.lookup(k) != nil {
			continue
		}
		u := unsupported{name: strings.Join(append(slices.Clone(path), k), ".")}
		for _, o := range s.opts {
			u.supported = append(u.supported, o.Name)
			u.aliases = append(u.aliases, o.Aliases...)
		}
		sort.Strings(u.supported)
		sort.Strings(u.aliases)
		c.unsupported = append(c.unsupported, u)
		delete(params, k)
	}

	rules := s.rules
	if msg := mutuallyExclusive(rules.MutuallyExclusive, params); msg != "" {
		c.fail(msg, path)
	}

	// Defaults (_set_defaults with set_default=False).
	for _, o := range s.opts {
		if _, given := params[o.Name]; !given && o.Default != nil {
			params[o.Name] = deepCopy(o.Default)
			if o.NoLog {
				c.addSecrets(o.Default)
			}
		}
	}

	// Required options (check_required_arguments).
	var missing []string
	for _, o := range s.opts {
		if _, given := params[o.Name]; o.Required && !given {
			missing = append(missing, o.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		c.fail("missing required arguments: "+strings.Join(missing, ", "), path)
	}

	// Types (_validate_argument_types), then choices
	// (_validate_argument_values), then the validate tag's other rules.
	converted := map[string]bool{}
	for _, o := range s.opts {
		if val, given := params[o.Name]; given && val != nil {
			converted[o.Name] = c.convertOption(o, params, path)
		}
	}
	for _, o := range s.opts {
		if _, given := params[o.Name]; given && len(o.Choices) > 0 {
			c.checkChoices(o, params, path)
		}
	}
	for _, o := range s.opts {
		if converted[o.Name] {
			c.checkTags(o, params[o.Name], path)
		}
	}

	// The other rules (_ADDITIONAL_CHECKS), in Ansible's order.
	for _, msg := range []string{
		requiredTogether(rules.RequiredTogether, params),
		requiredOneOf(rules.RequiredOneOf, params),
		requiredIf(rules.RequiredIf, params),
		requiredBy(rules.RequiredBy, params),
	} {
		if msg != "" {
			c.fail(msg, path)
		}
	}

	// Every option is present from now on, null when not given.
	for _, o := range s.opts {
		if _, given := params[o.Name]; !given {
			params[o.Name] = nil
		}
	}

	// Suboptions (_validate_sub_spec).
	for _, o := range s.opts {
		val := params[o.Name]
		if o.sub == nil || val == nil {
			continue
		}
		elems, isList := val.([]any)
		if !isList {
			elems = []any{val}
		}
		sub := append(slices.Clone(path), o.Name)
		for i, e := range elems {
			m, ok := e.(map[string]any)
			if !ok {
				c.errs = append(c.errs, fmt.Sprintf("value of '%s' must be of type dict or list of dicts", o.Name))
				continue
			}
			p := prefix + o.Name
			if o.Type == "list" {
				p += fmt.Sprintf("[%d]", i)
			}
			c.check(o.sub, m, sub, p+".")
		}
	}
}

// fail records an error message, with Ansible's " found in a -> b" suffix
// for suboptions.
func (c *validation) fail(msg string, path []string) {
	c.errs = append(c.errs, msg+foundIn(path))
}

func foundIn(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return " found in " + strings.Join(path, " -> ")
}

// convertOption coerces one option's value (and its elements) to the
// option's type, reporting whether that worked.
func (c *validation) convertOption(o *optSpec, params map[string]any, path []string) bool {
	val := params[o.Name]
	conv, err := convert(o.Type, val, c.lookupEnv)
	if err == nil {
		err = fitKind(conv, o.kind)
	}
	if err != nil {
		msg := fmt.Sprintf("argument '%s' is of type %s", o.Name, pyType(val))
		if len(path) > 0 {
			msg += fmt.Sprintf(" found in '%s'.", strings.Join(path, " -> "))
		}
		c.errs = append(c.errs, msg+fmt.Sprintf(" and we were unable to convert to %s: %s", o.Type, err))
		return false
	}
	ok := true
	if l, isList := conv.([]any); isList && o.Elements != "" {
		out := make([]any, 0, len(l))
		for _, e := range l {
			ce, err := convert(o.Elements, e, c.lookupEnv)
			if err == nil {
				err = fitKind(ce, o.ekind)
			}
			if err != nil {
				msg := fmt.Sprintf("Elements value for option '%s'", o.Name)
				if len(path) > 0 {
					msg += fmt.Sprintf(" found in '%s'", strings.Join(path, " -> "))
				}
				c.errs = append(c.errs, msg+fmt.Sprintf(" is of type %s and we were unable to convert to %s: %s", pyType(e), o.Elements, err))
				ok = false
				continue
			}
			out = append(out, ce)
		}
		conv = out
	}
	params[o.Name] = conv
	return ok
}

// checkChoices is _validate_argument_values for one option.
func (c *validation) checkChoices(o *optSpec, params map[string]any, path []string) {
	choices := make([]string, len(o.Choices))
	for i, ch := range o.Choices {
		choices[i] = pyStr(ch)
	}
	val := params[o.Name]
	if l, isList := val.([]any); isList {
		var bad []string
		for _, e := range l {
			if !containsValue(o.Choices, e) {
				bad = append(bad, pyStr(e))
			}
		}
		if len(bad) > 0 {
			c.fail(fmt.Sprintf("value of %s must be one or more of: %s. Got no match for: %s",
				o.Name, strings.Join(choices, ", "), strings.Join(bad, ", ")), path)
		}
		return
	}
	if containsValue(o.Choices, val) {
		return
	}
	// YAML turns an unquoted no/yes into a boolean, which the str type makes
	// "False"/"True"; Ansible maps it back when exactly one choice matches.
	for word, set := range map[string][]string{"False": booleansFalse, "True": booleansTrue} {
		if val != word {
			continue
		}
		var overlap []any
		for _, ch := range o.Choices {
			if s, ok := ch.(string); ok && slices.Contains(set, s) {
				overlap = append(overlap, ch)
			}
		}
		if len(overlap) == 1 {
			params[o.Name] = overlap[0]
			return
		}
	}
	c.fail(fmt.Sprintf("value of %s must be one of: %s, got: %s", o.Name, strings.Join(choices, ", "), pyStr(val)), path)
}

// checkTags applies the option's other validate rules to its converted
// value and to each element of a list.
func (c *validation) checkTags(o *optSpec, val any, path []string) {
	if msg := runRules(c.v, o.Name, val, o.vtag); msg != "" {
		c.fail(msg, path)
		return
	}
	if l, ok := val.([]any); ok && o.etag != "" {
		for i, e := range l {
			if msg := runRules(c.v, fmt.Sprintf("%s[%d]", o.Name, i), e, o.etag); msg != "" {
				c.fail(msg, path)
				return
			}
		}
	}
}

// rawSecrets records the no_log values of params as given, descending into
// suboptions the way _list_no_log_values does (a dict, a list of dicts, or a
// string that check_type_dict can read), so that a suboption whose parent
// fails to convert is still masked.
func (c *validation) rawSecrets(s *structSpec, params map[string]any) {
	for k, v := range params {
		o := s.lookup(k)
		if o == nil {
			continue
		}
		if o.NoLog {
			c.addSecrets(v)
		}
		if o.userinfo {
			c.addURLSecrets(v)
		}
		if o.sub == nil || v == nil {
			continue
		}
		elems, isList := v.([]any)
		if !isList {
			elems = []any{v}
		}
		for _, e := range elems {
			if str, ok := e.(string); ok {
				if d, err := toDict(str); err == nil {
					e = d
				}
			}
			if m, ok := e.(map[string]any); ok {
				c.rawSecrets(o.sub, m)
			}
		}
	}
}

// addSecrets records the strings of a no_log value (_return_datastructure_name):
// non-empty strings, and numbers as Python prints them; never booleans.
func (c *validation) addSecrets(v any) {
	switch x := v.(type) {
	case string:
		if x != "" {
			c.secrets = append(c.secrets, x)
		}
	case json.Number, int, float64:
		if f, _ := numberValue(x); f != 0 {
			c.secrets = append(c.secrets, pyStr(x))
		}
	case []any:
		for _, e := range x {
			c.addSecrets(e)
		}
	case map[string]any:
		for _, e := range x {
			c.addSecrets(e)
		}
	}
}

// addURLSecrets records the password of the user info of a URL option
// (no_log:"userinfo"), or of each URL of a list, as written and decoded.
func (c *validation) addURLSecrets(v any) {
	switch x := v.(type) {
	case string:
		if _, p, found := userinfo(x); found && p != "" {
			c.secrets = append(c.secrets, p)
			if dec, err := url.PathUnescape(p); err == nil {
				c.secrets = append(c.secrets, dec)
			}
		}
	case []any:
		for _, e := range x {
			c.addURLSecrets(e)
		}
	}
}

// firstError returns the message Ansible would fail with: the first error,
// or the unsupported options (reported last) unless ignoreUnknown is set.
func (c *validation) firstError(module string, ignoreUnknown bool) string {
	if len(c.errs) > 0 {
		return c.errs[0]
	}
	if len(c.unsupported) == 0 || ignoreUnknown {
		return ""
	}
	names := make([]string, len(c.unsupported))
	for i, u := range c.unsupported {
		names[i] = u.name
	}
	sort.Strings(names)
	// Ansible lists the options of the level of the last unsupported name.
	var last unsupported
	for _, u := range c.unsupported {
		if u.name == names[len(names)-1] {
			last = u
		}
	}
	supported := strings.Join(last.supported, ", ")
	if len(last.aliases) > 0 {
		supported += " (" + strings.Join(last.aliases, ", ") + ")"
	}
	return fmt.Sprintf("Unsupported parameters for (%s) module: %s. Supported parameters include: %s.",
		module, strings.Join(names, ", "), supported)
}

// countTerms is count_terms: how many of names are keys of params.
func countTerms(names []string, params map[string]any) int {
	n := 0
	for _, name := range names {
		if _, ok := params[name]; ok {
			n++
		}
	}
	return n
}

func mutuallyExclusive(groups [][]string, params map[string]any) string {
	var bad []string
	for _, g := range groups {
		if countTerms(g, params) > 1 {
			bad = append(bad, strings.Join(g, "|"))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return "parameters are mutually exclusive: " + strings.Join(bad, ", ")
}

func requiredTogether(groups [][]string, params map[string]any) string {
	for _, g := range groups {
		if n := countTerms(g, params); n > 0 && n < len(g) {
			return "parameters are required together: " + strings.Join(g, ", ")
		}
	}
	return ""
}

func requiredOneOf(groups [][]string, params map[string]any) string {
	for _, g := range groups {
		if countTerms(g, params) == 0 {
			return "one of the following is required: " + strings.Join(g, ", ")
		}
	}
	return ""
}

func requiredIf(reqs []RequiredIf, params map[string]any) string {
	for _, r := range reqs {
		val, ok := params[r.Key]
		if !ok || !equalValues(val, r.Value) {
			continue
		}
		var missing []string
		for _, name := range r.Requires {
			if _, ok := params[name]; !ok {
				missing = append(missing, name)
			}
		}
		needed, requires := 1, "all"
		if r.Any {
			needed, requires = len(r.Requires), "any"
		}
		if len(missing) > 0 && len(missing) >= needed {
			return fmt.Sprintf("%s is %s but %s of the following are missing: %s",
				r.Key, pyStr(normalize(r.Value)), requires, strings.Join(missing, ", "))
		}
	}
	return ""
}

func requiredBy(reqs map[string][]string, params map[string]any) string {
	for _, key := range sortedKeys(reqs) {
		if params[key] == nil {
			continue
		}
		var missing []string
		for _, name := range reqs[key] {
			if params[name] == nil {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Sprintf("missing parameter(s) required by '%s': %s", key, strings.Join(missing, ", "))
		}
	}
	return ""
}

// equalValues is Python's == for converted JSON values: numbers (and
// booleans, which Python counts as 0 and 1) compare by value.
func equalValues(a, b any) bool {
	a, b = normalize(a), normalize(b)
	fa, aNum := numberOrBool(a)
	fb, bNum := numberOrBool(b)
	if aNum || bNum {
		return aNum && bNum && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func numberOrBool(v any) (float64, bool) {
	if b, ok := v.(bool); ok {
		if b {
			return 1, true
		}
		return 0, true
	}
	return numberValue(v)
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if equalValues(e, v) {
			return true
		}
	}
	return false
}

// normalize turns Go values given in Rules (int8, float32, …) into the
// types the converted parameters use.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	}
	return v
}

// deepCopy copies a default value so a module cannot change the spec's copy.
func deepCopy(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
