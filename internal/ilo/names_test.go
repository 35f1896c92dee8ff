package ilo

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// optionWords are the names Ansible users know the connection and wait
// settings by (internal/modkit's options): the client's messages must not
// use them, since the client serves whatever fills its Config; the caller
// gives them with WithNames.
var optionWords = regexp.MustCompile(`\b(baseuri|ca_path|validate_certs|allow_http|auth_token|wait_timeout|username|timeout option)\b`)

// TestNoOptionNames: no string in the client's sources (tests aside) names
// a module option; the names come from Names.
func TestNoOptionNames(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			if w := optionWords.FindString(s); w != "" {
				t.Errorf("%s: %q names the option %q: word it with Names (WithNames)", fset.Position(lit.Pos()), s, w)
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("checked %d source files, want the package's", checked)
	}
}

// TestOptionWordsMatch: the guard above finds what it is meant to find.
func TestOptionWordsMatch(t *testing.T) {
	for s, want := range map[string]bool{
		"is baseuri right?": true, "give the CA in ca_path": true, "or set validate_certs: false": true,
		"raise the timeout option": true, "give username and password": true, "instead of auth_token": true,
		"is Config.BaseURI right?": false, "UserName": false, "no response within 30s": false,
	} {
		if got := optionWords.MatchString(s); got != want {
			t.Errorf("%q: match %v, want %v", s, got, want)
		}
	}
}

// testNames are names a caller could give (not Ansible's, so that a test
// tells them from the client's own words and from the options').
var testNames = Names{
	BaseURI: "--address", CAPath: "--ca-file", SkipVerify: "--insecure", AllowHTTP: "--allow-http",
	Timeout: "--request-timeout", Credentials: "--user and --password", AuthToken: "--token", WaitLimit: "--wait",
}

// TestWithNames: with WithNames (and Names' own functions) the messages
// name the settings as the caller does; without, in the client's own words
// (Config's fields).
func TestWithNames(t *testing.T) {
	e := newEnv(t)
	connect := func(a Config, opts ...Option) error {
		c, err := Connect(context.Background(), a, fastOptions(opts...)...)
		if err == nil {
			_ = c.Close(context.Background())
		}
		return err
	}
	tests := []struct {
		name string
		err  func(opts ...Option) error
		want func(n Names) []string
	}{
		{"bad address", func(opts ...Option) error { return connect(Config{BaseURI: "ftp://x"}, opts...) },
			func(n Names) []string { return []string{"invalid " + n.BaseURI + ` "ftp://x"`} }},
		{"user info", func(opts ...Option) error { return connect(Config{BaseURI: "https://u:p@x"}, opts...) },
			func(n Names) []string { return []string{"invalid " + n.BaseURI, "(use " + n.Credentials + ")"} }},
		{"plain HTTP", func(opts ...Option) error { return connect(Config{BaseURI: "http://127.0.0.1:1"}, opts...) },
			func(n Names) []string {
				return []string{n.BaseURI + " http://", "or set " + n.AllowHTTP + " for a test rig"}
			}},
		{"nothing listens", func(opts ...Option) error {
			return connect(Config{BaseURI: "127.0.0.1:1", Username: "u", Password: "p"}, append(opts, WithRetries(0))...)
		}, func(n Names) []string { return []string{"is " + n.BaseURI + " right"} }},
		{"untrusted", func(opts ...Option) error {
			a := e.args
			a.CAPath = ""
			return connect(a, opts...)
		}, func(n Names) []string {
			return []string{"in " + n.CAPath + ", or set " + n.SkipVerify + " to skip verification"}
		}},
		{"no CA file", func(opts ...Option) error {
			a := e.args
			a.CAPath = filepath.Join(t.TempDir(), "none.pem")
			return connect(a, opts...)
		}, func(n Names) []string { return []string{"read " + n.CAPath + ": "} }},
		{"slow answer", func(opts ...Option) error {
			e.fake.hook("GET", "/redfish/v1/", func(w http.ResponseWriter, r *http.Request) bool {
				time.Sleep(300 * time.Millisecond)
				return false
			})
			a := e.args
			a.Timeout = 100 * time.Millisecond
			return connect(a, append(opts, WithRetries(0))...)
		}, func(n Names) []string { return []string{"(raise " + n.Timeout + " if the iLO is slow)"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				names Names
				opts  []Option
			}{{ConfigNames, nil}, {testNames, []Option{WithNames(testNames)}}} {
				err := tt.err(c.opts...)
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.want(c.names) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%q lacks %q", err, w)
					}
				}
			}
		})
	}
	if _, err := testNames.ParseBaseURI("https://x/y"); err == nil || !strings.HasPrefix(err.Error(), "invalid --address ") {
		t.Errorf("Names.ParseBaseURI: %v, want it to name --address", err)
	}
	if _, err := (Names{}).ReadCAFile(filepath.Join(t.TempDir(), "none")); err == nil || !strings.HasPrefix(err.Error(), "read Config.CAPath: ") {
		t.Errorf("zero Names.ReadCAFile: %v, want the client's own word", err)
	}
	wt := &WaitTimeoutError{What: "x", Limit: testNames.WaitLimit}
	if !strings.Contains(wt.Error(), "gave up waiting for x: --wait ran out") || strings.Contains((&WaitTimeoutError{What: "x"}).Error(), "wait_timeout") {
		t.Errorf("WaitTimeoutError: %q / %q", wt.Error(), (&WaitTimeoutError{What: "x"}).Error())
	}
}
