package ansible

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestSpec(t *testing.T) {
	byName := map[string]Option{}
	for _, o := range testModule.Spec() {
		byName[o.Name] = o
	}
	component := []Option{
		{Name: "name", Type: "str", Required: true},
		{Name: "version", Type: "str"},
		{Name: "key", Type: "str", NoLog: true},
		{Name: "kind", Type: "str", Default: "firmware", Choices: []any{"firmware", "software"}},
	}
	want := []Option{
		{Name: "baseuri", Type: "str", Required: true},
		{Name: "username", Type: "str", Env: []string{"T_USERNAME"}, Aliases: []string{"user", "login"}},
		{Name: "password", Type: "str", NoLog: true, Env: []string{"T_PASSWORD"}},
		{Name: "auth_token", Type: "str", NoLog: true, Env: []string{"T_TOKEN", "T_TOKEN2"}},
		{Name: "validate_certs", Type: "bool", Default: true},
		{Name: "timeout", Type: "int", Default: 30},
		{Name: "name", Type: "str", Required: true},
		{Name: "state", Type: "str", Default: "present", Choices: []any{"present", "absent"}},
		{Name: "count", Type: "int"},
		{Name: "ratio", Type: "float"},
		{Name: "force", Type: "bool"},
		{Name: "tags", Type: "list", Elements: "str", Aliases: []string{"labels"}},
		{Name: "subset", Type: "list", Elements: "str", Default: []any{"firmware", "software"}, Choices: []any{"firmware", "software", "service"}},
		{Name: "ports", Type: "list", Elements: "int"},
		{Name: "dest", Type: "path"},
		{Name: "extra", Type: "dict"},
		{Name: "blob", Type: "raw"},
		{Name: "components", Type: "list", Elements: "dict", Suboptions: component},
		{Name: "target", Type: "dict", Suboptions: component},
		{Name: "level", Type: "int", Choices: []any{1, 2, 3}},
		{Name: "enabled", Type: "str", Choices: []any{"yes", "no"}},
	}
	got := testModule.Spec()
	if len(got) != len(want) {
		t.Errorf("got %d options, want %d", len(got), len(want))
	}
	for i, w := range want {
		if i >= len(got) {
			break
		}
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("option %d:\n got %#v\nwant %#v", i, got[i], w)
		}
	}
}

type badRequiredDefault struct {
	A string `json:"a" validate:"required" default:"x"`
}
type badTag struct {
	A string `json:"a" validate:"maxx=3"`
}
type badDive struct {
	A string `json:"a" validate:"dive,min=2"`
}
type badBoundType struct {
	A bool `json:"a" validate:"min=1"`
}
type badRule struct {
	A string `json:"a"`
}

func (badRule) Rules() Rules { return Rules{RequiredOneOf: [][]string{{"a", "b"}}} }

type badType struct {
	A chan int `json:"a"`
}
type badDefault struct {
	A int `json:"a" default:"ten"`
}
type badChoice struct {
	A int `json:"a" validate:"oneof=1 two"`
}
type badTypeTag struct {
	A int `json:"a" type:"path"`
}

func noop[A any](context.Context, *Run, *A) (struct{}, error) { return struct{}{}, nil }

func TestSpecErrors(t *testing.T) {
	tests := []struct {
		name    string
		module  Module
		wantMsg string
	}{
		{"required and default", New("m", noop[badRequiredDefault]), "required and default are mutually exclusive"},
		{"unknown validator tag", New("m", noop[badTag]), `validate tag "maxx=3"`},
		{"dive on a string", New("m", noop[badDive]), `validate tag "dive,min=2": dive needs a list option`},
		{"bound on a bool", New("m", noop[badBoundType]), `validate tag "min=1": min does not apply to a bool`},
		{"rule names unknown option", New("m", noop[badRule]), `unknown option "b"`},
		{"unsupported Go type", New("m", noop[badType]), "unsupported Go type chan int"},
		{"default of wrong type", New("m", noop[badDefault]), `default "ten"`},
		{"choice of wrong type", New("m", noop[badChoice]), `choice "two"`},
		{"type tag on int", New("m", noop[badTypeTag]), `type:"path" needs a string`},
		{"not a struct", New("m", noop[string]), "is not a struct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			code := tt.module.Execute(context.Background(), []byte(`{}`), &out)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			msg := gjson.Get(out.String(), "msg").String()
			if !strings.Contains(msg, "module m has a bad argument spec") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("output %s, want a spec error containing %q", msg, tt.wantMsg)
			}
			if tt.module.Spec() != nil {
				t.Errorf("Spec() = %v, want nil for a bad spec", tt.module.Spec())
			}
		})
	}
}

func TestScrubber(t *testing.T) {
	s := newScrubber([]string{"abc", "abcdef", "", "abc"})
	tests := []struct {
		in   any
		want any
	}{
		{"abcdef", noLogPlaceholder},
		{"abc", noLogPlaceholder},
		{"x abcdef y abc", "x ******** y ********"},
		{[]any{"abc!", true, nil}, []any{"********!", true, nil}},
		{map[string]any{"k-abc": "v"}, map[string]any{"k-********": "v"}},
	}
	for _, tt := range tests {
		if got := s.value(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("scrub(%#v) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestPythonFormatting(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{1.0, "1.0"},
		{1e16, "1e+16"},
		{1.5e-5, "1.5e-05"},
		{0.0001, "0.0001"},
		{123456.789, "123456.789"},
		{"it's", `"it's"`},
		{`a'b"c`, `'a\'b"c'`},
		{"tab\t", `'tab\t'`},
		{map[string]any{"b": 1, "a": []any{true, nil}}, "{'a': [True, None], 'b': 1}"},
	}
	for _, tt := range tests {
		if got := pyRepr(tt.in); got != tt.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
