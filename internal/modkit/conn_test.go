package modkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
)

// run records what a module run is told, as *ansible.Run would.
type run struct {
	mu       sync.Mutex
	warnings []string
	secrets  []string
}

func (r *run) Warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

func (r *run) Secret(v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, v)
}

func connOf(x *modtest.ILO) modkit.ConnArgs {
	return modkit.ConnArgs{BaseURI: x.Srv.URL, Username: modtest.User, Password: modtest.Password, ValidateCerts: true, CAPath: x.CAPath, Timeout: 30}
}

func TestConnArgsCheck(t *testing.T) {
	tests := []struct {
		name string
		a    modkit.ConnArgs
		want string // "" = valid; else a part of the message
	}{
		{"host and credentials", modkit.ConnArgs{BaseURI: "ilo1", Username: "u", Password: "p"}, ""},
		{"https URL and token", modkit.ConnArgs{BaseURI: "https://ilo1:8443/", AuthToken: "t"}, ""},
		{"token wins over half credentials", modkit.ConnArgs{BaseURI: "ilo1", Username: "u", AuthToken: "t"}, ""},
		{"http refused", modkit.ConnArgs{BaseURI: "http://ilo1", Username: "u", Password: "p"}, "allow_http: true"},
		{"http allowed", modkit.ConnArgs{BaseURI: "http://ilo1", Username: "u", Password: "p", AllowHTTP: true}, ""},
		{"user without password", modkit.ConnArgs{BaseURI: "ilo1", Username: "u"}, "required together: username, password"},
		{"password without user", modkit.ConnArgs{BaseURI: "ilo1", Password: "p"}, "required together: username, password"},
		{"no credentials", modkit.ConnArgs{BaseURI: "ilo1"}, "one of the following is required: username, auth_token"},
		{"bad baseuri", modkit.ConnArgs{BaseURI: "ftp://ilo1", Username: "u", Password: "p"}, "invalid baseuri"},
		{"credentials in the URL are not echoed", modkit.ConnArgs{BaseURI: "https://root:s3cr3t@ilo1", Username: "u", Password: "p"}, "credentials do not belong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check = %v, want an error with %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Fatalf("the error echoes the password: %v", err)
			}
		})
	}
}

// TestUse: the session is always logged out, its token is always a secret
// of the run, and a failed logout is a warning.
func TestUse(t *testing.T) {
	errUse := errors.New("the module failed")
	tests := []struct {
		name      string
		use       func(context.Context, *ilo.Client) (string, error)
		wantErr   error
		wantPanic bool
	}{
		{"returns", func(ctx context.Context, c *ilo.Client) (string, error) {
			us, err := c.UpdateService(ctx)
			return us.State, err
		}, nil, false},
		{"fails", func(context.Context, *ilo.Client) (string, error) { return "", errUse }, errUse, false},
		{"panics", func(context.Context, *ilo.Client) (string, error) { panic("boom") }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := modtest.StartILO(t)
			r := &run{}
			var token string
			var err error
			func() {
				defer func() {
					if p := recover(); (p != nil) != tt.wantPanic {
						t.Errorf("panic %v, want a panic: %v", p, tt.wantPanic)
					}
				}()
				_, err = modkit.Use(context.Background(), r, connOf(x), func(ctx context.Context, c *ilo.Client) (string, error) {
					token, _ = c.Session()
					return tt.use(ctx, c)
				})
			}()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if token == "" || !contains(r.secrets, token) {
				t.Errorf("the session token is not among the run's secrets (%d secrets)", len(r.secrets))
			}
			if n := x.Sim.Counters().OpenSessions; n != 0 {
				t.Errorf("open sessions after Use = %d, want 0", n)
			}
			if len(r.warnings) != 0 {
				t.Errorf("warnings %q, want none", r.warnings)
			}
		})
	}
}

// TestUseLogoutFails: a logout the iLO refuses is a warning; the result stands.
func TestUseLogoutFails(t *testing.T) {
	x := modtest.StartWrappedILO(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/Sessions/") {
				http.Error(w, `{"error": {"code": "Base.1.4.InternalError"}}`, http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	r := &run{}
	got, err := modkit.Use(context.Background(), r, connOf(x), func(context.Context, *ilo.Client) (string, error) { return "read", nil })
	if err != nil || got != "read" {
		t.Fatalf("Use = %q, %v; want the result of use", got, err)
	}
	if len(r.warnings) != 1 || !strings.Contains(r.warnings[0], "log out") {
		t.Errorf("warnings %q, want one about the logout", r.warnings)
	}
}

// TestUseAuthToken: a session given as auth_token is a secret and is not
// logged out.
func TestUseAuthToken(t *testing.T) {
	x := modtest.StartILO(t)
	token, _ := x.Login(t)
	r := &run{}
	a := modkit.ConnArgs{BaseURI: x.Srv.URL, AuthToken: token, ValidateCerts: true, CAPath: x.CAPath}
	if _, err := modkit.Use(context.Background(), r, a, func(ctx context.Context, c *ilo.Client) (int, error) {
		items, err := c.FirmwareInventory(ctx)
		return len(items), err
	}); err != nil {
		t.Fatal(err)
	}
	if !contains(r.secrets, token) {
		t.Error("auth_token is not among the run's secrets")
	}
	if n := x.Sim.Counters().OpenSessions; n != 1 {
		t.Errorf("open sessions = %d, want 1 (the auth_token's session stays)", n)
	}
}

// TestUseConnectFails: use is not called and nothing is left behind.
func TestUseConnectFails(t *testing.T) {
	r := &run{}
	called := false
	_, err := modkit.Use(context.Background(), r, modkit.ConnArgs{BaseURI: modtest.ClosedPort(t), Username: "u", Password: "p", Timeout: 5},
		func(context.Context, *ilo.Client) (int, error) { called = true; return 0, nil }, ilo.WithRetries(0))
	if err == nil || called {
		t.Fatalf("err %v, use called %v; want an error and no call", err, called)
	}
	if len(r.warnings) != 0 {
		t.Errorf("warnings %q, want none", r.warnings)
	}
}

// TestUseInModule: through the Ansible protocol, the session token a
// module would print is scrubbed from its output, and the session is gone.
func TestUseInModule(t *testing.T) {
	type args struct {
		modkit.ConnArgs
	}
	type result struct {
		Changed bool   `json:"changed"`
		Leak    string `json:"leak"`
	}
	var token string
	mod := ansible.New("kit_probe", func(ctx context.Context, m *ansible.Run, a *args) (result, error) {
		return modkit.Use(ctx, m, a.ConnArgs, func(_ context.Context, c *ilo.Client) (result, error) {
			token, _ = c.Session()
			return result{Leak: "the token is " + token}, nil
		})
	})
	x := modtest.StartILO(t)
	out := modtest.Execute(t, mod, x.Args(nil), nil)
	if out.Code != 0 {
		t.Fatalf("exit %d: %s", out.Code, out.Raw)
	}
	if token == "" {
		t.Fatal("the module did not log in")
	}
	modtest.RequireNoSecret(t, out.Raw, token)
	if !strings.HasPrefix(out.Out["leak"].(string), "the token is ") {
		t.Errorf("leak = %q, want the scrubbed sentence", out.Out["leak"])
	}
	modtest.RequireClean(t, x)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestUseNamesOptions: the client's messages, in its own words Config's
// fields, reach the user naming the options (OptionNames) when the
// connection is opened with Use, as they did when the client named them.
func TestUseNamesOptions(t *testing.T) {
	x := modtest.StartILO(t)
	tests := []struct {
		name string
		a    func(modkit.ConnArgs) modkit.ConnArgs
		want []string
	}{
		{"untrusted", func(a modkit.ConnArgs) modkit.ConnArgs { a.CAPath = ""; return a },
			[]string{"give the CA that signed it (or the certificate itself) in ca_path, or set validate_certs: false to skip verification"}},
		{"name mismatch", func(a modkit.ConnArgs) modkit.ConnArgs {
			a.BaseURI = strings.Replace(a.BaseURI, "127.0.0.1", "localhost", 1)
			return a
		},
			[]string{"use a name the certificate was issued for in baseuri"}},
		{"nothing listens", func(a modkit.ConnArgs) modkit.ConnArgs { a.BaseURI = modtest.ClosedPort(t); a.Timeout = 1; return a },
			[]string{"(is baseuri right and the iLO reachable from here?)", "is baseuri right, or is the iLO resetting?"}},
		{"plain HTTP", func(a modkit.ConnArgs) modkit.ConnArgs { a.BaseURI = "http://127.0.0.1:1"; return a },
			[]string{"baseuri http://127.0.0.1:1 is plain HTTP", "or set allow_http: true for a test rig"}},
		{"bad baseuri", func(a modkit.ConnArgs) modkit.ConnArgs { a.BaseURI = "https://u:p@h"; return a },
			[]string{"invalid baseuri", "(use username and password)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := modkit.Use(context.Background(), &run{}, tt.a(connOf(x)), func(context.Context, *ilo.Client) (int, error) { return 0, nil },
				ilo.WithRetries(0))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "Config.") {
				t.Errorf("%q names the client's Config, not the options", err)
			}
		})
	}
	// A wait a module words itself, without naming what ran out (as
	// update_task does), handed to WriteStatus as it is.
	_, _, err := modkit.WriteStatus(true, false, &ilo.WaitTimeoutError{What: "task x to end", State: "Pending"})
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for task x to end: wait_timeout ran out") {
		t.Errorf("WriteStatus: %v, want the wait_timeout option named", err)
	}
}
