package ansible

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tidwall/gjson"
)

// ruleArgs uses the framework's own rules and some of the validator's.
type ruleArgs struct {
	Name        string   `json:"name" validate:"omitempty,nocontrol,max=8"`
	Names       []string `json:"names" validate:"omitempty,dive,nocontrol"`
	ImageURI    string   `json:"image_uri" no_log:"userinfo" validate:"omitempty,url"`
	BaseURI     string   `json:"baseuri" validate:"omitempty,nouserinfo"`
	ID          string   `json:"id" validate:"omitempty,uuid"`
	Endpoint    string   `json:"endpoint" validate:"omitempty,hostname_port"`
	When        string   `json:"when" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00"`
	Path        string   `json:"path" type:"path" validate:"omitempty,regular_file"`
	Compsig     string   `json:"compsig" type:"path" validate:"omitempty,max_bytes=16"`
	WaitTimeout int      `json:"wait_timeout" default:"1800" validate:"min=1,max=86400"`
	Retries     int8     `json:"retries"`
	Port        uint16   `json:"port"`
	Factor      float32  `json:"factor"`
	Sizes       []uint8  `json:"sizes"`
}

type ruleResult struct {
	Changed bool `json:"changed"`
}

// ruleFiles makes the local files the path rules look at.
type ruleFiles struct{ dir, file, big, fifo, link, unreadable string }

func makeRuleFiles(t *testing.T) ruleFiles {
	t.Helper()
	d := t.TempDir()
	f := ruleFiles{
		dir:  d,
		file: filepath.Join(d, "fw.bin"),
		big:  filepath.Join(d, "big.bin"),
		fifo: filepath.Join(d, "fifo"),
		link: filepath.Join(d, "link"),
		// root reads it anyway: that case is skipped then.
		unreadable: filepath.Join(d, "unreadable.bin"),
	}
	if err := os.WriteFile(f.unreadable, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.file, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.big, []byte(strings.Repeat("x", 17)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(f.fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f.file, f.link); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestValidateRules: each rule refuses what it must with a message naming
// the option and what to give, before the module runs.
func TestValidateRules(t *testing.T) {
	f := makeRuleFiles(t)
	var ran atomic.Int32
	m := New("rules", func(context.Context, *Run, *ruleArgs) (ruleResult, error) {
		ran.Add(1)
		return ruleResult{}, nil
	})
	tests := []struct {
		name    string
		args    string
		wantMsg string // "" when the module must run
		hidden  []string
		skip    bool
	}{
		{name: "all fine", args: `"name": "日本語テキスト", "names": ["a", "b c"], "image_uri": "https://fw.example.com/x.bin",
			"baseuri": "https://ilo1", "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "endpoint": "ilo1:443",
			"when": "2026-12-06T07:00:00Z", "path": "` + f.file + `", "compsig": "` + f.file + `",
			"wait_timeout": 86400, "retries": 127, "port": 65535, "factor": 1.5, "sizes": [0, 255]`},
		// nocontrol: CR, LF, tab, NUL, DEL, a C1 control; lists too.
		{name: "CR", args: `"name": "a\rb"`, wantMsg: `value of name must not contain control characters (CR, LF, tab, …), got: 'a\rb' (character 2 is '\r'); remove them`},
		{name: "LF", args: `"name": "ab\n"`, wantMsg: `value of name must not contain control characters (CR, LF, tab, …), got: 'ab\n' (character 3 is '\n'); remove them`},
		{name: "tab", args: `"name": "\tx"`, wantMsg: `value of name must not contain control characters (CR, LF, tab, …), got: '\tx' (character 1 is '\t'); remove them`},
		{name: "NUL", args: `"name": "a\u0000"`, wantMsg: `value of name must not contain control characters (CR, LF, tab, …), got: 'a\x00' (character 2 is '\x00'); remove them`},
		{name: "DEL", args: `"name": "a\u007f"`, wantMsg: `value of name must not contain control characters (CR, LF, tab, …), got: 'a\x7f' (character 2 is '\x7f'); remove them`},
		{name: "C1", args: `"name": "é\u0085"`, wantMsg: "value of name must not contain control characters (CR, LF, tab, …), got: 'é\u0085' (character 2 is '\u0085'); remove them"},
		{name: "CR in a list", args: `"names": ["ok", "x\r"]`, wantMsg: `value of names[1] must not contain control characters (CR, LF, tab, …), got: 'x\r' (character 2 is '\r'); remove them`},
		// Lengths count characters, not bytes.
		{name: "8 characters of 24 bytes", args: `"name": "日本語テキスト日"`},
		{name: "9 characters", args: `"name": "日本語テキスト日本"`, wantMsg: `value of name must be at most 8 characters long, got: 日本語テキスト日本 (9 characters)`},
		// The validator's richer rules.
		{name: "url", args: `"image_uri": "fw.example.com/x.bin"`, wantMsg: `value of image_uri must be a URL (scheme://host/path), got: fw.example.com/x.bin`},
		{name: "uuid", args: `"id": "not-a-uuid"`, wantMsg: `value of id must be a UUID (8-4-4-4-12 hexadecimal digits), got: not-a-uuid`},
		{name: "hostname_port", args: `"endpoint": "ilo1"`, wantMsg: `value of endpoint must be host:port (a host name or IP address, a colon and a port number), got: ilo1`},
		{name: "datetime", args: `"when": "tomorrow"`, wantMsg: `value of when must be a date and time in Go's layout '2006-01-02T15:04:05Z07:00', got: tomorrow`},
		// Local files, refused before the module runs.
		{name: "symlink to a file", args: `"path": "` + f.link + `"`},
		{name: "directory", args: `"path": "` + f.dir + `"`, wantMsg: `value of path must be a regular file (not a directory, pipe or device), got: ` + f.dir + ` (a directory); give the path of a file this host can read`},
		{name: "FIFO", args: `"path": "` + f.fifo + `"`, wantMsg: `value of path must be a regular file (not a directory, pipe or device), got: ` + f.fifo + ` (a named pipe (FIFO)); give the path of a file this host can read`},
		{name: "device", args: `"path": "/dev/zero"`, wantMsg: `value of path must be a regular file (not a directory, pipe or device), got: /dev/zero (a character device); give the path of a file this host can read`},
		{name: "unreadable", args: `"path": "` + f.unreadable + `"`, skip: os.Geteuid() == 0,
			wantMsg: `value of path must be a regular file (not a directory, pipe or device), got: ` + f.unreadable + ` (permission denied); give the path of a file this host can read`},
		{name: "missing", args: `"path": "` + f.dir + `/nope"`, wantMsg: `value of path must be a regular file (not a directory, pipe or device), got: ` + f.dir + `/nope (no such file); give the path of a file this host can read`},
		{name: "max_bytes over", args: `"compsig": "` + f.big + `"`, wantMsg: `value of compsig must be a regular file of at most 16 bytes, got: ` + f.big + ` (17 bytes, more than 16); give the path of a file this host can read`},
		{name: "max_bytes FIFO", args: `"compsig": "` + f.fifo + `"`, wantMsg: `value of compsig must be a regular file of at most 16 bytes, got: ` + f.fifo + ` (a named pipe (FIFO)); give the path of a file this host can read`},
		// URLs with user info.
		{name: "nouserinfo", args: `"baseuri": "https://admin:s3cr3t-pw@ilo1/redfish"`, hidden: []string{"s3cr3t-pw"},
			wantMsg: `value of baseuri must not contain user info (user:password@), got: https://admin:********@ilo1/redfish; give username and password as options instead`},
		// Bounds on durations and numbers: nothing wraps.
		{name: "wait_timeout past max", args: `"wait_timeout": 9223372037`, wantMsg: `value of wait_timeout must be at most 86400, got: 9223372037`},
		{name: "wait_timeout past int64", args: `"wait_timeout": 9223372036854775808`,
			wantMsg: `argument 'wait_timeout' is of type <class 'int'> and we were unable to convert to int: 9223372036854775808 is out of range (-9223372036854775808 to 9223372036854775807)`},
		{name: "wait_timeout string past int64", args: `"wait_timeout": "99999999999999999999"`,
			wantMsg: `argument 'wait_timeout' is of type <class 'str'> and we were unable to convert to int: 99999999999999999999 is out of range (-9223372036854775808 to 9223372036854775807)`},
		{name: "wait_timeout float", args: `"wait_timeout": 1e30`,
			wantMsg: `argument 'wait_timeout' is of type <class 'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int`},
		{name: "int8 over", args: `"retries": 128`, wantMsg: `argument 'retries' is of type <class 'int'> and we were unable to convert to int: 128 is out of range (-128 to 127)`},
		{name: "uint negative", args: `"port": -1`, wantMsg: `argument 'port' is of type <class 'int'> and we were unable to convert to int: -1 is out of range (0 to 65535)`},
		{name: "float32 over", args: `"factor": 1e39`, wantMsg: `argument 'factor' is of type <class 'float'> and we were unable to convert to float: 1e+39 is out of range (-3.4028234663852886e+38 to 3.4028234663852886e+38)`},
		{name: "uint8 element over", args: `"sizes": [1, 256]`, wantMsg: `Elements value for option 'sizes' is of type <class 'int'> and we were unable to convert to int: 256 is out of range (0 to 255)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("not testable as this user")
			}
			ran.Store(0)
			var out strings.Builder
			code := m.Execute(context.Background(), []byte("{"+tt.args+"}"), &out)
			want := map[string]string{"failed": "false"}
			wantExit, wantRuns := 0, int32(1)
			if tt.wantMsg != "" {
				want = map[string]string{"failed": "true", "changed": "false", "msg": jsonString(tt.wantMsg)}
				wantExit, wantRuns = 1, 0
			}
			if code != wantExit {
				t.Errorf("exit %d, want %d", code, wantExit)
			}
			if n := ran.Load(); n != wantRuns {
				t.Errorf("module ran %d times, want %d", n, wantRuns)
			}
			assertJSON(t, out.String(), want, nil, tt.hidden)
		})
	}
}

// TestSpecTagErrors: a tag the validator cannot run is a spec error at the
// module's first run, rule by rule (also behind omitempty or a failing rule).
func TestSpecTagErrors(t *testing.T) {
	type unknown struct {
		A string `json:"a" validate:"maxx=3"`
	}
	type behindOmitempty struct {
		A string `json:"a" validate:"omitempty,min=1.5"`
	}
	type behindRequired struct {
		A []string `json:"a" validate:"required,dive,max=x"`
	}
	type crossField struct {
		A int `json:"a" validate:"gtfield=B"`
		B int `json:"b"`
	}
	type noControlOnInt struct {
		A int `json:"a" validate:"nocontrol"`
	}
	type fileOnList struct {
		A []string `json:"a" validate:"regular_file"`
	}
	type badMaxBytes struct {
		A string `json:"a" validate:"max_bytes=16MiB"`
	}
	type requiredParam struct {
		A string `json:"a" validate:"required=1"`
	}
	type badNoLog struct {
		A string `json:"a" no_log:"yes"`
	}
	type rawNotNumber struct {
		A any `json:"a" validate:"min=abc"`
	}
	tests := []struct {
		name    string
		module  Module
		wantMsg string
	}{
		{"unknown rule", New("m", noop[unknown]), `validate tag "maxx=3": unknown rule "maxx"`},
		{"bad parameter behind omitempty", New("m", noop[behindOmitempty]), `validate tag "omitempty,min=1.5": min=1.5:`},
		{"bad element parameter", New("m", noop[behindRequired]), `validate tag "max=x": max=x:`},
		{"cross-field rule", New("m", noop[crossField]), `gtfield compares with another field; say it with Rules() or Check()`},
		{"nocontrol on an int", New("m", noop[noControlOnInt]), `validate tag "nocontrol": nocontrol does not apply to a int`},
		{"regular_file on a list", New("m", noop[fileOnList]), `validate tag "regular_file": regular_file does not apply to a slice`},
		{"max_bytes with a unit", New("m", noop[badMaxBytes]), `max_bytes=16MiB: the parameter is not a number of bytes`},
		{"required with a parameter", New("m", noop[requiredParam]), `required takes no parameter`},
		{"no_log value", New("m", noop[badNoLog]), `no_log:"yes": give "true"`},
		{"raw bound not a number", New("m", noop[rawNotNumber]), `validate tag "min=abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if code := tt.module.Execute(context.Background(), []byte(`{}`), &out); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			msg := gjsonString(out.String(), "msg")
			if !strings.Contains(msg, "module m has a bad argument spec") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("msg %q, want a spec error containing %q", msg, tt.wantMsg)
			}
		})
	}
}

// TestRawOptionRules: a raw option's rules apply to whatever it holds; a
// value a rule cannot compare fails with a message, not a panic.
func TestRawOptionRules(t *testing.T) {
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
		// A raw number stays a json.Number, which the validator measures as
		// text: 12 has two characters.
		{`{"blob": 12}`, ""},
		{`{"blob": "a"}`, "value of blob must be at least 2 characters long, got: a (1 characters)"},
		{`{"blob": {"k": 1}}`, "value of blob must be at least 2 keys, got: 1 keys"},
		{`{"blob": true}`, `value of blob cannot be checked with "min=2": min does not apply to a bool`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var out strings.Builder
			code := m.Execute(context.Background(), []byte(tt.args), &out)
			msg := gjsonString(out.String(), "msg")
			if tt.wantMsg == "" && code != 0 {
				t.Fatalf("exit %d, output %s", code, out.String())
			}
			if tt.wantMsg != "" && (code != 1 || msg != tt.wantMsg) {
				t.Fatalf("exit %d, msg %q, want 1 and %q", code, msg, tt.wantMsg)
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func gjsonString(out, path string) string { return gjson.Get(out, path).String() }

// TestValidatorIsLazy: a binary registers every module and runs one; only
// that one builds its validator and spec (a bad tag elsewhere costs nothing
// and breaks nothing).
func TestValidatorIsLazy(t *testing.T) {
	type unknownRule struct {
		A string `json:"a" validate:"maxx=3"`
	}
	bad := New("bad", noop[unknownRule])
	var out strings.Builder
	code := Host{Args: []string{"ping", writeArgs(t, `{"data": "x"}`)}, Stdout: &out}.Dispatch(bad, pingModule)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if b := bad.(*module[unknownRule, struct{}]); b.v != nil || b.spec != nil || b.specErr != nil {
		t.Errorf("the module not dispatched built its validator or spec")
	}
	if p := pingModule.(*module[pingArgs, pingResult]); p.v == nil || p.spec == nil {
		t.Errorf("the dispatched module has no validator or spec")
	}
}
