package ansible

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/tidwall/gjson"
)

// go-playground/validator is the reference the in-house rules of tags.go are
// tested against; only tests import it, so the module binary does not link it.

// outcome is what checking one value gave: "pass", "fail <rule>", or
// "error" (the validator panics, tags.go returns an error).
type outcome string

// oracle checks val with go-playground/validator.
func oracle(v *validator.Validate, val any, tag string) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			out = "error"
		}
	}()
	err := v.Var(val, tag)
	if err == nil {
		return "pass"
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return outcome("unexpected " + err.Error())
	}
	return outcome("fail " + ves[0].Tag())
}

// splitDive splits a tag at its first "dive".
func splitDive(tag string) (head, tail string, dive bool) {
	if rest, ok := strings.CutPrefix(tag, "dive"); ok {
		return "", strings.TrimPrefix(rest, ","), true
	}
	head, tail, dive = strings.Cut(tag, ",dive")
	return head, strings.TrimPrefix(tail, ","), dive
}

// oracleList checks a list as the framework did with the validator: the
// rules before "dive" on the list, then those after it on each element
// taken as a value of its own. (The validator's own dive would see the
// elements of a []any as interfaces, for which "required" and "omitempty"
// mean only "not nil".)
func oracleList(v *validator.Validate, val any, tag string) outcome {
	head, tail, dive := splitDive(tag)
	if !dive {
		return oracle(v, val, tag)
	}
	if head != "" {
		if out := oracle(v, val, head); out != "pass" {
			return out
		}
	}
	for _, e := range val.([]any) {
		if out := oracle(v, e, tail); out != "pass" {
			return out
		}
	}
	return "pass"
}

// inHouse checks val with tags.go: the rules before "dive" on the value,
// then the rules after it on each element, as checkTags does for a list.
func inHouse(t *testing.T, val any, tag string) outcome {
	t.Helper()
	head, tail, dive := splitDive(tag)
	hr, err := parseTag(head, typeAny)
	if err != nil {
		t.Fatalf("parseTag(%q): %v", head, err)
	}
	out := apply(hr, val)
	if out != "pass" || !dive {
		return out
	}
	tr, err := parseTag(tail, typeAny)
	if err != nil {
		t.Fatalf("parseTag(%q): %v", tail, err)
	}
	for _, e := range val.([]any) {
		if out := apply(tr, e); out != "pass" {
			return out
		}
	}
	return "pass"
}

func apply(rs tagRules, val any) outcome {
	r, ok, err := rs.check(val)
	switch {
	case err != nil:
		return "error"
	case !ok:
		return outcome("fail " + r.name)
	}
	return "pass"
}

// diffValues are values as the framework hands them to the rules (converted
// options, raw JSON, elements of lists) plus other Go kinds the rules know.
var diffValues = []any{
	nil,
	"", "a", "ab", "abc", "abcd", "héé", "日本語テキスト", strings.Repeat("x", 64), strings.Repeat("x", 65),
	json.Number("12"), json.Number(""),
	0, -1, 1, 2, 3, 4, 8, 63, 64, 65, 255, 256, 300, 511, 512, 3599, 3600, 3601, math.MaxInt, math.MinInt,
	int8(-3), int64(7), uint(0), uint(3), uint8(255), uint64(math.MaxUint64),
	0.0, math.Copysign(0, -1), 0.5, 1.0, 1.5, 2.9999, 3.0, 3.0001, 3600.0, 3600.5, -1e300, math.Inf(1), math.Inf(-1), math.NaN(),
	float32(0), float32(1.5), float32(3.1),
	true, false,
	[]any(nil), []any{}, []any{"a"}, []any{"ab", "cd"}, []any{1, 2, 3}, []any{"x", "yy", "zzz", "w"},
	[]any{nil}, []any{"ab", ""}, []any{0, 5}, []any{true},
	map[string]any(nil), map[string]any{}, map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2, "c": 3, "d": 4},
	[]string{"ab", "c"},
}

// diffTags are the rules the modules use (grep -rhoE 'validate:"[^"]*"'),
// without oneof= (Ansible's choices check it), and their neighbours.
var diffTags = []string{
	"", "required", "omitempty",
	"max=3", "max=8", "max=64", "min=1", "min=2", "min=0,max=3600", "min=1,max=3600", "min=256,max=511",
	"required,max=8", "required,max=64", "omitempty,min=2", "min=2,omitempty", "omitempty,required",
	"len=2", "len=0", "gt=1", "gte=1", "lt=3", "lte=3", "gt=-1", "lt=0",
	"min=1.5", "max=2.9999", "min=-1", "max=0x10", "min=0b11", "max=1_000", "min=1e2", "lt=3.0000000001",
	"dive,min=2", "omitempty,dive,min=2", "min=1,dive,max=3", "dive,required", "dive,omitempty,min=2",
	"max=3,dive,len=2",
}

// TestTagRulesMatchValidator runs every tag on every value through
// go-playground/validator (as the framework used it) and tags.go and wants
// the same outcome.
func TestTagRulesMatchValidator(t *testing.T) {
	v := validator.New()
	for _, tag := range diffTags {
		for _, val := range diffValues {
			if strings.Contains(tag, "dive") {
				if _, isList := val.([]any); !isList {
					continue // dive on anything but a list is a spec error
				}
			}
			name := fmt.Sprintf("%s/%T(%v)", tag, val, val)
			want := oracleList(v, val, tag)
			if got := inHouse(t, val, tag); got != want {
				t.Errorf("%s: tags.go gives %q, validator %q", name, got, want)
			}
		}
	}
}

// TestParseTagRefuses: a tag the validator would panic on (for the zero
// value of the field's type, as a spec check, or for any value) is a spec
// error, and so are the validator's rules tags.go does not have.
func TestParseTagRefuses(t *testing.T) {
	tests := []struct {
		tag  string
		typ  reflect.Type
		want string // substring of the error; "" when the tag is fine
	}{
		{"maxx=3", reflect.TypeFor[string](), `unknown rule "maxx"`},
		{"min=1,", reflect.TypeFor[string](), `unknown rule ""`},
		{"min=1, max=3", reflect.TypeFor[string](), `unknown rule " max"`},
		{"email", reflect.TypeFor[string](), `unknown rule "email"`},
		{"min=1|max=3", reflect.TypeFor[string](), "not an integer"},
		{"min=0x2C", reflect.TypeFor[string](), "not an integer"},
		{"min=", reflect.TypeFor[string](), "not an integer"},
		{"min=1.5", reflect.TypeFor[string](), "not an integer"},
		{"min=1.5", reflect.TypeFor[int](), "not an integer"},
		{"min=1.5", reflect.TypeFor[[]string](), "not an integer"},
		{"min=-1", reflect.TypeFor[uint](), "not an unsigned integer"},
		{"max=1e40", reflect.TypeFor[float32](), "not a float32"},
		{"min=abc", typeAny, "not a number"},
		{"min=1", reflect.TypeFor[bool](), "min does not apply to a bool"},
		{"max=1", reflect.TypeFor[struct{ A int }](), "max does not apply to a struct"},
		{"required=1", reflect.TypeFor[string](), "takes no parameter"},
		{"omitempty=1", reflect.TypeFor[string](), "takes no parameter"},
		{"min=1.5", reflect.TypeFor[float64](), ""},
		{"min=1.5", typeAny, ""},
		{"required,omitempty,min=0x10,max=1_000", reflect.TypeFor[*int](), ""},
		{"gt=0,lt=10,gte=1,lte=9,len=5", reflect.TypeFor[map[string]any](), ""},
	}
	v := validator.New()
	for _, tt := range tests {
		t.Run(tt.tag+"/"+tt.typ.String(), func(t *testing.T) {
			_, err := parseTag(tt.tag, tt.typ)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("parseTag: %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("parseTag: %v, want an error containing %q", err, tt.want)
			case err != nil && !strings.Contains(err.Error(), fmt.Sprintf("validate tag %q", tt.tag)):
				t.Errorf("error %q does not name the tag", err)
			}
			if tt.want == "" && oracle(v, reflect.Zero(tt.typ).Interface(), tt.tag) == "error" {
				t.Errorf("tags.go accepts %q for %s, the validator panics on its zero value", tt.tag, tt.typ)
			}
		})
	}
}

// TestOneofMatchesValidator: the choices read from a oneof= rule accept the
// strings the validator's oneof accepts.
func TestOneofMatchesValidator(t *testing.T) {
	v := validator.New()
	tags := []string{
		"oneof=present absent", "oneof=firmware software", "oneof=HTTP HTTPS",
		"oneof=ApplyUpdate ResetServer ResetBmc Wait BootToUefi PendingReset HostPoweroff",
		"oneof=auto simple oem_push multipart", "oneof=a b 'c d'", "oneof='c d' e", "oneof=x  y",
	}
	for _, tag := range tags {
		choices := oneofValues(strings.TrimPrefix(tag, "oneof="))
		candidates := append(slices.Clone(choices), "", " ", "c", "d", "c d", "'c d'", "present ", "Present", "x y")
		for _, s := range candidates {
			want := oracle(v, s, tag) == "pass"
			if got := slices.Contains(choices, s); got != want {
				t.Errorf("%s on %q: choices %q give %v, validator %v", tag, s, choices, got, want)
			}
		}
	}
}

// FuzzTagRules: for any tag tags.go accepts for a raw option, it gives the
// validator's outcome on a string, an int, a float and a list.
func FuzzTagRules(f *testing.F) {
	for _, tag := range diffTags {
		f.Add(tag, "ab", int64(3), 1.5, uint8(2))
	}
	f.Add("min=0x2C", "", int64(0), 0.0, uint8(0))
	v := validator.New()
	f.Fuzz(func(t *testing.T, tag, s string, n int64, x float64, l uint8) {
		if strings.Contains(tag, "dive") {
			return // inHouse splits dive off as splitValidate does; covered by the table
		}
		rs, err := parseTag(tag, typeAny)
		if err != nil {
			return
		}
		list := make([]any, l%8)
		for _, val := range []any{s, n, int(n), x, list, map[string]any{s: n}, nil, n != 0} {
			got, want := apply(rs, val), oracle(v, val, tag)
			if got != want {
				t.Errorf("tag %q on %T(%v): tags.go %q, validator %q", tag, val, val, got, want)
			}
		}
	})
}

// TestTagRulesRawOption: a raw option's rules apply to whatever it holds,
// and a value they cannot compare fails with a message rather than a panic.
func TestTagRulesRawOption(t *testing.T) {
	type rawArgs struct {
		Blob any `json:"blob" validate:"min=2"`
	}
	m := New("m", noop[rawArgs])
	tests := []struct {
		args    string
		wantMsg string // "" when the run succeeds
	}{
		{`{"blob": "ab"}`, ""},
		{`{"blob": [1, 2, 3]}`, ""},
		// A raw number stays a json.Number, which the rules (as the
		// validator did) measure as text: 12 has two characters.
		{`{"blob": 12}`, ""},
		{`{"blob": "a"}`, "value of blob must be at least 2 characters long, got: a (1 characters)"},
		{`{"blob": {"k": 1}}`, "value of blob must be at least 2 keys, got: 1 keys"},
		{`{"blob": true}`, `value of blob cannot be checked with "min=2": min does not apply to a bool`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var out strings.Builder
			code := m.Execute(context.Background(), []byte(tt.args), &out)
			msg := gjson.Get(out.String(), "msg").String()
			if tt.wantMsg == "" && code != 0 {
				t.Fatalf("exit %d, output %s", code, out.String())
			}
			if tt.wantMsg != "" && (code != 1 || msg != tt.wantMsg) {
				t.Fatalf("exit %d, msg %q, want 1 and %q", code, msg, tt.wantMsg)
			}
		})
	}
}
