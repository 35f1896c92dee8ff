package ansible

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The validate tag's rules are checked here rather than by
// go-playground/validator, whose baked-in rules (regexps, MIME types, URNs,
// translations) would add much of the module binary for the few rules modules
// use (2.2 MB of 10). The rules keep that validator's syntax and meaning, and
// tags_test.go checks them against it.

// tagRule is one rule of a validate tag: "required", "omitempty", or a
// bound (min, max, len, gt, gte, lt, lte) with its parameter parsed in the
// ways the value's kind may need.
type tagRule struct {
	name  string
	param string

	i   int64 // param as an int (lengths and signed integers)
	u   uint64
	f64 float64
	f32 float64 // param parsed as a float32
	ok  paramKinds
}

// paramKinds says which parses of a bound's parameter succeeded.
type paramKinds struct{ i, u, f64, f32 bool }

// tagRules is one validate tag (the part for a value, or for each element
// after "dive") parsed once when the spec is built.
type tagRules struct {
	tag   string
	rules []tagRule
}

// isBound reports whether rule compares a length or a number with its
// parameter.
func isBound(rule string) bool {
	switch rule {
	case "min", "max", "len", "gt", "gte", "lt", "lte":
		return true
	}
	return false
}

// parseTag parses tag (without "dive": splitValidate splits it off) for
// values of Go type t, so that an unknown rule or a parameter t's values
// cannot be compared with is a spec error rather than a failure at run time.
func parseTag(tag string, t reflect.Type) (tagRules, error) {
	rs := tagRules{tag: tag}
	if tag == "" {
		return rs, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for _, term := range strings.Split(tag, ",") {
		name, param, hasParam := strings.Cut(term, "=")
		// The validator's escapes for "," and "|": such a parameter is then
		// refused, as the validator would refuse it.
		param = strings.ReplaceAll(strings.ReplaceAll(param, "0x2C", ","), "0x7C", "|")
		r := tagRule{name: name, param: param}
		switch {
		case name == "required" || name == "omitempty":
			if hasParam {
				return tagRules{}, fmt.Errorf("validate tag %q: %s takes no parameter", tag, name)
			}
		case isBound(name):
			r.parseParam()
			if err := r.fits(t.Kind()); err != nil {
				return tagRules{}, fmt.Errorf("validate tag %q: %w", tag, err)
			}
		default:
			return tagRules{}, fmt.Errorf("validate tag %q: unknown rule %q (known: required, omitempty, dive, oneof, min, max, len, gt, gte, lt, lte)", tag, name)
		}
		rs.rules = append(rs.rules, r)
	}
	return rs, nil
}

// parseParam parses a bound's parameter as the validator does for each kind
// of value: strconv.ParseInt/ParseUint with base 0, ParseFloat with 64 or 32 bits.
func (r *tagRule) parseParam() {
	var err error
	r.i, err = strconv.ParseInt(r.param, 0, 64)
	r.ok.i = err == nil
	r.u, err = strconv.ParseUint(r.param, 0, 64)
	r.ok.u = err == nil
	r.f64, err = strconv.ParseFloat(r.param, 64)
	r.ok.f64 = err == nil
	r.f32, err = strconv.ParseFloat(r.param, 32)
	r.ok.f32 = err == nil
}

// fits fails when the bound cannot compare values of kind k: a kind with no
// length or number, or a parameter that does not parse for it. An any field
// (raw) may hold anything, so its parameter only has to parse as an integer
// or a float.
func (r *tagRule) fits(k reflect.Kind) error {
	ok := true
	switch k {
	case reflect.Interface:
		ok = r.ok.i || r.ok.f64
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		if _, err := r.compare(reflect.Zero(kindType(k))); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s does not apply to a %s", r.name, k)
	}
	if !ok {
		return fmt.Errorf("%s=%s: the parameter is not a number", r.name, r.param)
	}
	return nil
}

// kindType is a type of kind k, for checking a parameter at spec time.
func kindType(k reflect.Kind) reflect.Type {
	switch k {
	case reflect.String:
		return reflect.TypeFor[string]()
	case reflect.Slice, reflect.Array:
		return reflect.TypeFor[[]any]()
	case reflect.Map:
		return typeMap
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return reflect.TypeFor[int64]()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return reflect.TypeFor[uint64]()
	case reflect.Float32:
		return reflect.TypeFor[float32]()
	}
	return reflect.TypeFor[float64]()
}

// check applies the rules to val in order and returns the first one it
// fails. err is set when a rule cannot compare val (a raw option holding a
// bool, say).
func (rs tagRules) check(val any) (failed tagRule, ok bool, err error) {
	v := reflect.ValueOf(val)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() == reflect.Pointer {
		// As the validator does: nil fails the first rule unless it is omitempty.
		if len(rs.rules) == 0 || rs.rules[0].name == "omitempty" {
			return tagRule{}, true, nil
		}
		return rs.rules[0], false, nil
	}
	for _, r := range rs.rules {
		switch r.name {
		case "omitempty":
			if !hasValue(v) {
				return tagRule{}, true, nil
			}
		case "required":
			if !hasValue(v) {
				return r, false, nil
			}
		default:
			pass, err := r.compare(v)
			if err != nil {
				return r, false, err
			}
			if !pass {
				return r, false, nil
			}
		}
	}
	return tagRule{}, true, nil
}

// hasValue is the validator's "required": a list or dict that is not nil,
// any other value that is not its type's zero.
func hasValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
		return !v.IsNil()
	}
	return !v.IsZero()
}

// compare applies a bound to v: the length in runes of a string, the length
// of a list or dict, the value of a number.
func (r *tagRule) compare(v reflect.Value) (bool, error) {
	bad := func(what string) (bool, error) {
		return false, fmt.Errorf("%s=%s: the parameter is not %s", r.name, r.param, what)
	}
	switch v.Kind() {
	case reflect.String:
		if !r.ok.i {
			return bad("an integer")
		}
		return bound(r.name, int64(utf8.RuneCountInString(v.String())), r.i), nil
	case reflect.Slice, reflect.Map, reflect.Array:
		if !r.ok.i {
			return bad("an integer")
		}
		return bound(r.name, int64(v.Len()), r.i), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !r.ok.i {
			return bad("an integer")
		}
		return bound(r.name, v.Int(), r.i), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !r.ok.u {
			return bad("an unsigned integer")
		}
		return bound(r.name, v.Uint(), r.u), nil
	case reflect.Float32:
		if !r.ok.f32 {
			return bad("a float32")
		}
		return bound(r.name, v.Float(), r.f32), nil
	case reflect.Float64:
		if !r.ok.f64 {
			return bad("a number")
		}
		return bound(r.name, v.Float(), r.f64), nil
	}
	return false, fmt.Errorf("%s does not apply to a %s", r.name, v.Kind())
}

// bound compares x with the parameter p as rule name says.
func bound[T int64 | uint64 | float64](name string, x, p T) bool {
	switch name {
	case "min", "gte":
		return x >= p
	case "max", "lte":
		return x <= p
	case "len":
		return x == p
	case "gt":
		return x > p
	case "lt":
		return x < p
	}
	return false
}
