package ansible

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// ConnArgs stands for modkit.ConnArgs: an embedded struct with its own rules.
type ConnArgs struct {
	BaseURI       string `json:"baseuri" validate:"required"`
	Username      string `json:"username" env:"T_USERNAME" aliases:"user,login"`
	Password      string `json:"password" no_log:"true" env:"T_PASSWORD"`
	AuthToken     string `json:"auth_token" no_log:"true" env:"T_TOKEN,T_TOKEN2"`
	ValidateCerts bool   `json:"validate_certs" default:"true"`
	Timeout       int    `json:"timeout" default:"30" validate:"min=1,max=3600"`
}

func (ConnArgs) Rules() Rules {
	return Rules{
		MutuallyExclusive: [][]string{{"password", "auth_token"}},
		RequiredOneOf:     [][]string{{"password", "auth_token"}},
	}
}

type Component struct {
	Name    string `json:"name" validate:"required"`
	Version string `json:"version"`
	Key     string `json:"key" no_log:"true"`
	Kind    string `json:"kind" default:"firmware" validate:"oneof=firmware software"`
}

func (c Component) Check() error {
	if c.Version == "0" {
		return errors.New("version 0 does not exist")
	}
	return nil
}

func (Component) Rules() Rules {
	return Rules{RequiredTogether: [][]string{{"version", "key"}}}
}

type testArgs struct {
	ConnArgs
	Name       string         `json:"name" validate:"required,max=8"`
	State      string         `json:"state" default:"present" validate:"oneof=present absent"`
	Count      *int           `json:"count"`
	Ratio      float64        `json:"ratio"`
	Force      bool           `json:"force"`
	Tags       []string       `json:"tags" aliases:"labels" validate:"dive,min=2"`
	Subset     []string       `json:"subset" default:"firmware,software" validate:"dive,oneof=firmware software service"`
	Ports      []int          `json:"ports" validate:"max=3"`
	Dest       string         `json:"dest" type:"path"`
	Extra      map[string]any `json:"extra"`
	Blob       any            `json:"blob"`
	Components []Component    `json:"components"`
	Target     *Component     `json:"target"`
	Level      int            `json:"level" validate:"oneof=1 2 3"`
	Enabled    string         `json:"enabled" validate:"oneof=yes no"`
}

func (testArgs) Rules() Rules {
	return Rules{
		RequiredIf: []RequiredIf{
			{Key: "state", Value: "absent", Requires: []string{"force", "count"}},
			{Key: "level", Value: 3, Requires: []string{"ratio", "dest"}, Any: true},
		},
		RequiredBy: map[string][]string{"ratio": {"count"}},
	}
}

func (a *testArgs) Check() error {
	if a.Count != nil && *a.Count > 100 {
		return fmt.Errorf("count %d is more than 100", *a.Count)
	}
	return nil
}

type testResult struct {
	Changed bool           `json:"changed"`
	Diff    *Diff          `json:"diff,omitempty"`
	Args    *testArgs      `json:"args,omitempty"`
	Check   bool           `json:"check_mode"`
	Note    string         `json:"note,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
}

type infoError struct{ status int }

func (e *infoError) Error() string { return fmt.Sprintf("iLO said %d", e.status) }
func (e *infoError) ErrorInfo() map[string]any {
	return map[string]any{"status": e.status, "message_ids": []string{"Base.1.4.Conflict"}}
}

// runTest is a module whose behaviour the test arguments choose by name.
func runTest(ctx context.Context, r *Run, a *testArgs) (testResult, error) {
	res := testResult{Args: a, Check: r.CheckMode}
	switch a.Name {
	case "panic":
		panic("boom with " + a.Password)
	case "fail":
		res.Changed = true
		return res, fmt.Errorf("upload %s: %w", a.Password, &infoError{status: 409})
	case "secret":
		r.Secret("tok-12345")
		r.Warn("session tok-12345 for %s", a.Username)
		res.Note = "token tok-12345"
		res.Data = map[string]any{"tok-12345": []any{"x tok-12345 y", 12345}}
	case "wait":
		<-ctx.Done()
		res.Changed = true
		return res, fmt.Errorf("wait for task: %w", ctx.Err())
	case "diff":
		res.Changed = true
		res.Diff = &Diff{Before: map[string]any{"password": a.Password}, After: map[string]any{"state": a.State}}
	case "warn":
		r.Warn("careful: %s", a.Password)
	case "nolog":
		res.Note = a.Components[0].Key + "/" + a.Password
	}
	return res, nil
}

var testModule = New("tester", runTest)

// minimal are the arguments every row needs unless it tests them.
const minimal = `"baseuri": "ilo1", "password": "hunter22"`

func TestExecute(t *testing.T) {
	tests := []struct {
		name     string
		args     string            // JSON object content
		env      map[string]string // environment
		wantExit int
		want     map[string]string // gjson path → JSON value
		absent   []string          // gjson paths that must not exist
		hidden   []string          // strings that must not appear in the output
	}{
		{
			name: "defaults and invocation",
			args: `"name": "a", ` + minimal,
			want: map[string]string{
				"changed": `false`, "failed": `false`,
				"invocation.module_args.state":          `"present"`,
				"invocation.module_args.timeout":        `30`,
				"invocation.module_args.validate_certs": `true`,
				"invocation.module_args.subset":         `["firmware","software"]`,
				"invocation.module_args.count":          `null`,
				"invocation.module_args.password":       `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
				"args.timeout":                          `30`,
				"args.state":                            `"present"`,
			},
			absent: []string{"msg", "warnings", "diff", "error_info"},
			hidden: []string{"hunter22"},
		},
		// Booleans, as convert_bool.boolean accepts them.
		{name: "bool yes", args: `"name": "a", "force": "yes", ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool On", args: `"name": "a", "force": " On ", ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool 1", args: `"name": "a", "force": 1, ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool 1.0", args: `"name": "a", "force": 1.0, ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool string 1", args: `"name": "a", "force": "1", ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool y", args: `"name": "a", "force": "Y", ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool t", args: `"name": "a", "force": "t", ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool true", args: `"name": "a", "force": true, ` + minimal, want: map[string]string{"args.force": `true`}},
		{name: "bool off", args: `"name": "a", "validate_certs": "off", ` + minimal, want: map[string]string{"args.validate_certs": `false`}},
		{name: "bool no", args: `"name": "a", "validate_certs": "no", ` + minimal, want: map[string]string{"args.validate_certs": `false`}},
		{name: "bool 0", args: `"name": "a", "validate_certs": 0, ` + minimal, want: map[string]string{"args.validate_certs": `false`}},
		{name: "bool f", args: `"name": "a", "validate_certs": "F", ` + minimal, want: map[string]string{"args.validate_certs": `false`}},
		{
			name: "bool invalid", args: `"name": "a", "force": "maybe", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'force' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False"`},
		},
		{
			name: "bool 2", args: `"name": "a", "force": 2, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'force' is of type <class 'int'> and we were unable to convert to bool: The value '2' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False"`},
		},
		{
			name: "bool from list", args: `"name": "a", "force": [], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'force' is of type <class 'list'> and we were unable to convert to bool: <class 'list'> cannot be converted to a bool"`},
		},
		// Integers and floats.
		{name: "int from string", args: `"name": "a", "timeout": " 42 ", ` + minimal, want: map[string]string{"args.timeout": `42`}},
		{name: "int with underscores", args: `"name": "a", "timeout": "1_000", ` + minimal, want: map[string]string{"args.timeout": `1000`}},
		{name: "int from bool", args: `"name": "a", "count": true, ` + minimal, want: map[string]string{"args.count": `1`}},
		{name: "int pointer", args: `"name": "a", "count": 0, ` + minimal, want: map[string]string{"args.count": `0`}},
		{
			name: "int from float", args: `"name": "a", "timeout": 1.5, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'timeout' is of type <class 'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int"`},
		},
		{
			name: "int from word", args: `"name": "a", "timeout": "ten", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'timeout' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"`},
		},
		{name: "float from string", args: `"name": "a", "ratio": "0.25", "count": 1, ` + minimal, want: map[string]string{"args.ratio": `0.25`}},
		{name: "float from int", args: `"name": "a", "ratio": 2, "count": 1, ` + minimal, want: map[string]string{"args.ratio": `2`, "invocation.module_args.ratio": `2`}},
		{
			name: "float from word", args: `"name": "a", "ratio": "half", "count": 1, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'ratio' is of type <class 'str'> and we were unable to convert to float: <class 'str'> cannot be converted to a float"`},
		},
		{
			name: "float inf refused", args: `"name": "a", "ratio": "inf", "count": 1, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'ratio' is of type <class 'str'> and we were unable to convert to float: <class 'str'> cannot be converted to a float"`},
		},
		// Strings from other types, as Python's str() prints them.
		{name: "str from int", args: `"name": 12, ` + minimal, want: map[string]string{"args.name": `"12"`}},
		{name: "str from float", args: `"name": 1.0, ` + minimal, want: map[string]string{"args.name": `"1.0"`}},
		{name: "str from bool", args: `"name": true, ` + minimal, want: map[string]string{"args.name": `"True"`}},
		{name: "str from list", args: `"name": "a", "username": ["x", 1], ` + minimal, want: map[string]string{"args.username": `"['x', 1]"`}},
		{name: "str from dict", args: `"name": "a", "username": {"k": null}, ` + minimal, want: map[string]string{"args.username": `"{'k': None}"`}},
		// Lists.
		{name: "list from comma string", args: `"name": "a", "tags": "ab,cd, ef", ` + minimal, want: map[string]string{"args.tags": `["ab","cd"," ef"]`}},
		{name: "list from number", args: `"name": "a", "tags": 12, ` + minimal, want: map[string]string{"args.tags": `["12"]`}},
		{name: "list of int from strings", args: `"name": "a", "ports": ["80", 443], ` + minimal, want: map[string]string{"args.ports": `[80,443]`}},
		{name: "list of int from comma string", args: `"name": "a", "ports": "80,443", ` + minimal, want: map[string]string{"args.ports": `[80,443]`}},
		{
			name: "list from dict", args: `"name": "a", "tags": {}, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'tags' is of type <class 'dict'> and we were unable to convert to list: <class 'dict'> cannot be converted to a list"`},
		},
		{
			name: "list element not int", args: `"name": "a", "ports": ["80", "http"], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"Elements value for option 'ports' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"`},
		},
		// Dicts.
		{name: "dict from JSON string", args: `"name": "a", "extra": "{\"a\": 1}", ` + minimal, want: map[string]string{"args.extra": `{"a":1}`}},
		{name: "dict from k=v", args: `"name": "a", "extra": "a=1, b='x y' c=\"p,q\" d=e\\,f", ` + minimal, want: map[string]string{"args.extra": `{"a":"1","b":"x y","c":"p,q","d":"e,f"}`}},
		{
			name: "dict from word", args: `"name": "a", "extra": "word", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'extra' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value"`},
		},
		{
			name: "dict from bad JSON", args: `"name": "a", "extra": "{nope", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'extra' is of type <class 'str'> and we were unable to convert to dict: unable to evaluate string as dictionary"`},
		},
		{
			name: "dict from int", args: `"name": "a", "extra": 3, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"argument 'extra' is of type <class 'int'> and we were unable to convert to dict: <class 'int'> cannot be converted to a dict"`},
		},
		// Raw and path.
		{name: "raw kept", args: `"name": "a", "blob": [1, "x", {"y": true}], ` + minimal, want: map[string]string{"args.blob": `[1,"x",{"y":true}]`}},
		{
			name: "path expanded", args: `"name": "a", "dest": "~/fw/$KIND/${MISSING}", ` + minimal,
			env:  map[string]string{"HOME": "/home/op", "KIND": "ilo5"},
			want: map[string]string{"args.dest": `"/home/op/fw/ilo5/${MISSING}"`},
		},
		// Choices.
		{
			name: "choice wrong", args: `"name": "a", "state": "presnt", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of state must be one of: present, absent, got: presnt"`, "failed": `true`, "changed": `false`},
		},
		{name: "choice int", args: `"name": "a", "level": "2", ` + minimal, want: map[string]string{"args.level": `2`}},
		{
			name: "choice int wrong", args: `"name": "a", "level": 4, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of level must be one of: 1, 2, 3, got: 4"`},
		},
		{name: "choice YAML no", args: `"name": "a", "enabled": false, ` + minimal, want: map[string]string{"args.enabled": `"no"`}},
		{
			name: "list choices", args: `"name": "a", "subset": "firmware,bios,x", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of subset must be one or more of: firmware, software, service. Got no match for: bios, x"`},
		},
		// Required, unsupported, aliases.
		{
			name: "missing required", args: `"password": "hunter22"`, wantExit: 1,
			want: map[string]string{"msg": `"missing required arguments: baseuri, name"`},
		},
		{
			name: "unsupported", args: `"name": "a", "foo": 1, "bar": 2, ` + minimal, wantExit: 1,
			want: map[string]string{
				"msg": `"Unsupported parameters for (tester) module: bar, foo. Supported parameters include: auth_token, baseuri, blob, components, count, dest, enabled, extra, force, level, name, password, ports, ratio, state, subset, tags, target, timeout, username, validate_certs (labels, login, user)."`,
			},
			absent: []string{"invocation.module_args.foo"},
		},
		{
			name: "unsupported with module name", args: `"_ansible_module_name": "fleetfw.ilo.tester", "name": "a", "foo": 1, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"Unsupported parameters for (fleetfw.ilo.tester) module: foo. Supported parameters include: auth_token, baseuri, blob, components, count, dest, enabled, extra, force, level, name, password, ports, ratio, state, subset, tags, target, timeout, username, validate_certs (labels, login, user)."`},
		},
		{
			name: "unsupported ignored", args: `"_ansible_ignore_unknown_opts": true, "name": "a", "foo": 1, ` + minimal,
			want:   map[string]string{"failed": `false`},
			absent: []string{"invocation.module_args.foo", "msg"},
		},
		{
			name: "other error before unsupported", args: `"name": "a", "foo": 1, "state": "x", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of state must be one of: present, absent, got: x"`},
		},
		{
			name: "unsupported suboption", args: `"name": "a", "components": [{"name": "c", "zap": 1}], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"Unsupported parameters for (tester) module: components.zap. Supported parameters include: key, kind, name, version."`},
		},
		{
			name: "alias", args: `"name": "a", "labels": ["xy"], "login": "admin", ` + minimal,
			want:   map[string]string{"args.tags": `["xy"]`, "args.username": `"admin"`, "invocation.module_args.tags": `["xy"]`},
			absent: []string{"invocation.module_args.labels", "warnings"},
		},
		{
			name: "alias and option", args: `"name": "a", "tags": ["ab"], "labels": ["xy"], ` + minimal,
			want: map[string]string{"args.tags": `["xy"]`, "warnings": `["Both option tags and its alias labels are set."]`},
		},
		// Environment fallbacks.
		{
			name: "env fallback", args: `"name": "a", "baseuri": "ilo1"`,
			env: map[string]string{"T_USERNAME": "admin", "T_TOKEN2": "tok-abcdef"},
			want: map[string]string{
				"args.username": `"admin"`, "args.auth_token": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
				"invocation.module_args.auth_token": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
			},
			hidden: []string{"tok-abcdef"},
		},
		{
			name: "option beats env", args: `"name": "a", "username": "root", ` + minimal,
			env:  map[string]string{"T_USERNAME": "admin"},
			want: map[string]string{"args.username": `"root"`},
		},
		// Rules.
		{
			name: "mutually exclusive", args: `"name": "a", "baseuri": "x", "password": "hunter22", "auth_token": "tok-1"`, wantExit: 1,
			want: map[string]string{"msg": `"parameters are mutually exclusive: password|auth_token"`},
		},
		{
			name: "required one of", args: `"name": "a", "baseuri": "x"`, wantExit: 1,
			want: map[string]string{"msg": `"one of the following is required: password, auth_token"`},
		},
		{
			name: "required if all", args: `"name": "a", "state": "absent", "force": true, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"state is absent but all of the following are missing: count"`},
		},
		{name: "required if satisfied", args: `"name": "a", "state": "absent", "force": true, "count": 2, ` + minimal},
		{
			name: "required if any", args: `"name": "a", "level": 3, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"level is 3 but any of the following are missing: ratio, dest"`},
		},
		{name: "required if any satisfied", args: `"name": "a", "level": 3, "dest": "/x", ` + minimal},
		{
			name: "required by", args: `"name": "a", "ratio": 0.5, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"missing parameter(s) required by 'ratio': count"`},
		},
		{
			name: "required together in suboption", args: `"name": "a", "target": {"name": "t", "version": "1"}, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"parameters are required together: version, key found in target"`},
		},
		// Suboptions.
		{
			name: "suboptions defaults", args: `"name": "a", "components": [{"name": "c1"}, "name=c2 kind=software"], ` + minimal,
			want: map[string]string{
				"args.components.0.kind": `"firmware"`, "args.components.1.kind": `"software"`, "args.components.1.name": `"c2"`,
				"invocation.module_args.components.0.version": `null`,
			},
		},
		{
			name: "suboption missing required", args: `"name": "a", "components": [{"version": "1", "key": "k"}], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"missing required arguments: name found in components"`},
		},
		{
			name: "suboption choice", args: `"name": "a", "target": {"name": "t", "kind": "bios"}, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of kind must be one of: firmware, software, got: bios found in target"`},
		},
		{
			name: "suboption type", args: `"name": "a", "components": [{"name": "c", "version": [], "key": "k"}], ` + minimal, wantExit: 0,
			want: map[string]string{"args.components.0.version": `"[]"`},
		},
		{
			name: "suboption not a dict", args: `"name": "a", "components": [3], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"Elements value for option 'components' is of type <class 'int'> and we were unable to convert to dict: <class 'int'> cannot be converted to a dict"`},
		},
		{
			name: "suboption check hook", args: `"name": "a", "components": [{"name": "c", "version": "0", "key": "k"}], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"version 0 does not exist found in components"`},
		},
		// Validator tags and the Check hook.
		{
			name: "max length", args: `"name": "abcdefghij", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of name must be at most 8 characters long, got: abcdefghij (10 characters)"`},
		},
		{
			name: "min number", args: `"name": "a", "timeout": 0, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of timeout must be at least 1, got: 0"`},
		},
		{
			name: "max list", args: `"name": "a", "ports": [1, 2, 3, 4], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of ports must be at most 3 elements, got: 4 elements"`},
		},
		{
			name: "element tag", args: `"name": "a", "tags": ["ok", "x"], ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of tags[1] must be at least 2 characters long, got: x (1 characters)"`},
		},
		{
			name: "check hook", args: `"name": "a", "count": 101, ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"count 101 is more than 100"`},
		},
		// Check mode, diff, verbosity.
		{
			name: "check mode", args: `"_ansible_check_mode": true, "name": "a", ` + minimal,
			want: map[string]string{"check_mode": `true`},
		},
		{
			name: "check mode as string", args: `"_ansible_check_mode": "yes", "name": "a", ` + minimal,
			want: map[string]string{"check_mode": `true`},
		},
		{
			name: "validation fails in check mode", args: `"_ansible_check_mode": true, "name": "a", "state": "x", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"value of state must be one of: present, absent, got: x"`},
		},
		{
			name: "bad check mode flag", args: `"_ansible_check_mode": "perhaps", "name": "a", ` + minimal, wantExit: 1,
			want: map[string]string{"msg": `"The value 'perhaps' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False"`},
		},
		{
			name: "diff shown", args: `"_ansible_diff": true, "name": "diff", ` + minimal,
			want:   map[string]string{"changed": `true`, "diff.before.password": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`, "diff.after.state": `"present"`},
			hidden: []string{"hunter22"},
		},
		{
			name: "diff hidden", args: `"name": "diff", ` + minimal,
			want:   map[string]string{"changed": `true`},
			absent: []string{"diff"},
		},
		{
			name: "unknown ansible keys ignored", args: `"_ansible_version": "2.99", "_ansible_tracebacks_for": [], "_ansible_target_log_info": null, "name": "a", ` + minimal,
			want: map[string]string{"failed": `false`},
		},
		// Failures, error_info, panics.
		{
			name: "error with info keeps partial result", args: `"name": "fail", ` + minimal, wantExit: 1,
			want: map[string]string{
				"failed": `true`, "changed": `true`, "msg": `"upload ********: iLO said 409"`,
				"error_info": `{"message_ids":["Base.1.4.Conflict"],"status":409}`,
			},
			hidden: []string{"hunter22"},
		},
		{
			name: "panic", args: `"name": "panic", ` + minimal, wantExit: 1,
			want:   map[string]string{"failed": `true`, "changed": `false`, "msg": `"module panicked: boom with ********"`},
			hidden: []string{"hunter22", "goroutine", "runtime/debug"},
		},
		// Secret scrubbing.
		{
			name: "run-time secret scrubbed everywhere", args: `"name": "secret", "username": "admin", ` + minimal,
			want: map[string]string{
				"note": `"token ********"`, "warnings": `["session ******** for admin"]`,
				"data.********": `["x ******** y",12345]`,
			},
			hidden: []string{"tok-12345"},
		},
		{
			name: "no_log in warning", args: `"name": "warn", ` + minimal,
			want:   map[string]string{"warnings": `["careful: ********"]`},
			hidden: []string{"hunter22"},
		},
		{
			name: "no_log suboption", args: `"name": "nolog", "components": [{"name": "c", "version": "1", "key": "k3y-value"}], ` + minimal,
			want: map[string]string{
				"note": `"********/********"`,
				"invocation.module_args.components.0.key": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
				"args.components.0.key":                   `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
			},
			hidden: []string{"k3y-value", "hunter22"},
		},
		{
			name: "no_log secret in validation message", args: `"name": "a", "baseuri": "x", "password": "hunter22", "state": "hunter22"`, wantExit: 1,
			want:   map[string]string{"msg": `"value of state must be one of: present, absent, got: ********"`},
			hidden: []string{"hunter22"},
		},
		{
			name: "no_log number", args: `"name": "a", "baseuri": "x", "password": 4242, "ports": [14242]`,
			want: map[string]string{
				"invocation.module_args.password": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
				"invocation.module_args.ports":    `["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"]`,
				"args.password":                   `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`,
			},
			hidden: []string{"4242"},
		},
		{
			name: "no_log suboption under a parent of the wrong type", args: `"name": "a", "target": [{"name": "t", "key": "k3y-value"}], ` + minimal, wantExit: 1,
			want:   map[string]string{"msg": `"argument 'target' is of type <class 'list'> and we were unable to convert to dict: <class 'list'> cannot be converted to a dict"`},
			hidden: []string{"k3y-value"},
		},
		{
			name: "no_log suboption given as k=v string", args: `"name": "a", "components": ["name=c version=1 key=k3y-value"], ` + minimal,
			want:   map[string]string{"invocation.module_args.components.0.key": `"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"`},
			hidden: []string{"k3y-value"},
		},
		// Malformed input.
		{
			name: "not JSON", args: `nope`, wantExit: 1,
			want: map[string]string{"failed": `true`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := "{" + tt.args + "}"
			if tt.args == "nope" {
				args = "nope"
			}
			var out strings.Builder
			h := Host{Stdout: &out, LookupEnv: mapEnv(tt.env)}
			code := testModule.ExecuteIn(context.Background(), []byte(args), h)
			got := out.String()
			if code != tt.wantExit {
				t.Errorf("exit code %d, want %d; output %s", code, tt.wantExit, got)
			}
			assertJSON(t, got, tt.want, tt.absent, tt.hidden)
		})
	}
}

// assertJSON checks one module output: a single JSON object, the wanted
// values at gjson paths, absent paths, and hidden strings nowhere.
func assertJSON(t *testing.T, got string, want map[string]string, absent, hidden []string) {
	t.Helper()
	var obj map[string]any
	d := json.NewDecoder(strings.NewReader(got))
	if err := d.Decode(&obj); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, got)
	}
	if d.More() {
		t.Errorf("output has more than one JSON document: %s", got)
	}
	for path, w := range want {
		r := gjson.Get(got, gjsonEscape(path))
		if !r.Exists() {
			t.Errorf("%s missing, want %s; output %s", path, w, got)
			continue
		}
		if !jsonEqual(r.Raw, w) {
			t.Errorf("%s = %s, want %s", path, r.Raw, w)
		}
	}
	for _, path := range absent {
		if r := gjson.Get(got, gjsonEscape(path)); r.Exists() {
			t.Errorf("%s = %s, want absent", path, r.Raw)
		}
	}
	for _, h := range hidden {
		if strings.Contains(got, h) {
			t.Errorf("output contains %q: %s", h, got)
		}
	}
}

// gjsonEscape escapes the '*' of masked keys in a gjson path.
func gjsonEscape(path string) string { return strings.ReplaceAll(path, "*", `\*`) }

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func mapEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// BenchmarkExecute measures the framework's own cost for one invocation
// with suboptions, coercions and scrubbing (the module does nothing).
func BenchmarkExecute(b *testing.B) {
	args := []byte(`{"_ansible_check_mode": true, "_ansible_diff": true, "name": "diff", "baseuri": "ilo1",
		"password": "hunter22", "timeout": "30", "tags": "ab,cd", "components": [{"name": "c1", "version": "1", "key": "k3y"}]}`)
	var out strings.Builder
	for b.Loop() {
		out.Reset()
		if code := testModule.ExecuteIn(context.Background(), args, Host{Stdout: &out}); code != 0 {
			b.Fatalf("exit %d: %s", code, out.String())
		}
	}
}
