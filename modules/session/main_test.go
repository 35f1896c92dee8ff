package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/modtest"

	"github.com/fleetfw/ilo/internal/ilosim"
)

// TestSessionLifecycle logs in, uses the token, logs out in check mode and
// for real, then again once the session is gone, on every profile.
func TestSessionLifecycle(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo5-legacy", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			x := modtest.StartILO(t, ilosim.WithProfileName(profile))

			in := modtest.ExecuteEnv(t, Module, x.Args(nil), nil, nil)
			if in.Code != 0 || in.Out["changed"] != false {
				t.Fatalf("state=present: exit %d, changed %v, want 0, false: %s", in.Code, in.Out["changed"], in.Raw)
			}
			token, _ := in.Out["auth_token"].(string)
			uri, _ := in.Out["session_uri"].(string)
			if len(token) < 16 || !strings.HasPrefix(strings.ToLower(uri), "/redfish/v1/sessionservice/sessions/") {
				t.Fatalf("state=present returned auth_token of %d chars, session_uri %q", len(token), uri)
			}
			if c := x.Sim.Counters(); c.OpenSessions != 1 || c.Logins != 1 {
				t.Fatalf("after login: open sessions %d, logins %d, want 1, 1", c.OpenSessions, c.Logins)
			}
			if _, err := modtest.ConnectToken(x, token); err != nil {
				t.Fatalf("the returned token does not work: %v", err)
			}

			out := map[string]any{"state": "absent", "auth_token": token, "session_uri": uri, "username": nil, "password": nil}
			steps := []struct {
				name        string
				check       bool
				wantChanged bool
				wantOpen    int
			}{
				{"log out in check mode", true, true, 1},
				{"log out", false, true, 0},
				{"log out again", false, false, 0},
				{"log out again in check mode", true, false, 0},
			}
			for _, s := range steps {
				r := modtest.ExecuteEnv(t, Module, x.Args(out), map[string]any{"check_mode": s.check}, nil)
				if r.Code != 0 || r.Out["changed"] != s.wantChanged {
					t.Errorf("%s: exit %d, changed %v, want 0, %v: %s", s.name, r.Code, r.Out["changed"], s.wantChanged, r.Raw)
				}
				if strings.Contains(r.Raw, token) {
					t.Errorf("%s: the output contains the token: %s", s.name, r.Raw)
				}
				if _, ok := r.Out["auth_token"]; ok {
					t.Errorf("%s: state=absent returned auth_token", s.name)
				}
				if c := x.Sim.Counters(); c.OpenSessions != s.wantOpen {
					t.Errorf("%s: open sessions %d, want %d", s.name, c.OpenSessions, s.wantOpen)
				}
			}
			if c := x.Sim.Counters(); c.Logins != 1 {
				t.Errorf("logins = %d, want 1: state=absent must not log in", c.Logins)
			}
			modtest.RequireClean(t, x)
		})
	}
}

// TestLoginInCheckMode: logging in changes no setting, so check mode logs in
// too (the next tasks could not read anything otherwise).
func TestLoginInCheckMode(t *testing.T) {
	x := modtest.StartILO(t)
	r := modtest.ExecuteEnv(t, Module, x.Args(nil), map[string]any{"check_mode": true}, nil)
	if r.Code != 0 || r.Out["changed"] != false || r.Out["auth_token"] == nil {
		t.Fatalf("exit %d, changed %v, auth_token given %v; want a session: %s", r.Code, r.Out["changed"], r.Out["auth_token"] != nil, r.Raw)
	}
	token, uri := r.Out["auth_token"].(string), r.Out["session_uri"].(string)
	if c := x.Sim.Counters(); c.OpenSessions != 1 || c.Writes != 0 {
		t.Errorf("open sessions %d, writes %d; want 1, 0", c.OpenSessions, c.Writes)
	}
	out := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"state": "absent", "auth_token": token, "session_uri": uri, "username": nil, "password": nil}), nil, nil)
	if out.Code != 0 || out.Out["changed"] != true {
		t.Fatalf("log out: %s", out.Raw)
	}
	modtest.RequireClean(t, x)
}

// TestLoginFromEnvironment takes the credentials from ILO_USERNAME and ILO_PASSWORD.
func TestLoginFromEnvironment(t *testing.T) {
	x := modtest.StartILO(t)
	env := map[string]string{"ILO_USERNAME": modtest.User, "ILO_PASSWORD": modtest.Password}
	r := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"username": nil, "password": nil}), nil, env)
	if r.Code != 0 || r.Out["auth_token"] == nil {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	// The token from ILO_AUTH_TOKEN logs the session out.
	env = map[string]string{"ILO_AUTH_TOKEN": r.Out["auth_token"].(string)}
	out := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"state": "absent", "session_uri": r.Out["session_uri"], "username": nil, "password": nil}), nil, env)
	if out.Code != 0 || out.Out["changed"] != true {
		t.Fatalf("log out with ILO_AUTH_TOKEN: %s", out.Raw)
	}
	modtest.RequireClean(t, x)
}

// TestSessionFails: bad arguments and a bad iLO fail naming the problem,
// with no write, no session left and no secret in the output.
func TestSessionFails(t *testing.T) {
	const token = "feedfacefeedfacefeedfacefeedface"
	absent := func(uri any) map[string]any {
		return map[string]any{"state": "absent", "auth_token": token, "session_uri": uri, "username": nil, "password": nil}
	}
	tests := []struct {
		name         string
		args         map[string]any
		unreachable  bool
		wantMsg      []string
		wantRequests int
	}{
		{name: "bad state", args: map[string]any{"state": "loggedin"},
			wantMsg: []string{"value of state must be one of: present, absent, got: loggedin"}},
		{name: "absent without session_uri", args: absent(nil),
			wantMsg: []string{"state is absent", "session_uri"}},
		{name: "absent without auth_token", args: map[string]any{"state": "absent", "session_uri": "/redfish/v1/SessionService/Sessions/x/"},
			wantMsg: []string{"state is absent", "auth_token"}},
		{name: "present with a token", args: map[string]any{"auth_token": token, "username": nil, "password": nil},
			wantMsg: []string{"state=present logs in with username and password", "state=absent"}},
		{name: "present without password", args: map[string]any{"password": nil},
			wantMsg: []string{"username, password"}},
		{name: "session_uri another resource", args: absent("/redfish/v1/UpdateService/"),
			wantMsg: []string{"invalid session_uri", "not a session of this iLO", "/redfish/v1/SessionService/Sessions"}, wantRequests: 1},
		{name: "session_uri the collection", args: absent("/redfish/v1/SessionService/Sessions/"),
			wantMsg: []string{"not a session of this iLO"}, wantRequests: 1},
		{name: "session_uri below a session", args: absent("/redfish/v1/SessionService/Sessions/x/y"),
			wantMsg: []string{"not a session of this iLO"}, wantRequests: 1},
		{name: "session_uri with dot-dot", args: absent("/redfish/v1/SessionService/Sessions/../../UpdateService"),
			wantMsg: []string{"invalid session_uri", "not clean"}},
		{name: "session_uri relative", args: absent("Sessions/x"),
			wantMsg: []string{"invalid session_uri", "not an absolute path"}},
		{name: "session_uri another host", args: absent("https://ilo.example.com/redfish/v1/SessionService/Sessions/x/"),
			wantMsg: []string{"invalid session_uri", "not on the iLO of baseuri"}},
		{name: "session_uri with a query", args: absent("/redfish/v1/SessionService/Sessions/x/?a=b"),
			wantMsg: []string{"invalid session_uri", "query"}},
		{name: "session_uri a list", args: absent([]string{"a", "b"}),
			wantMsg: []string{"invalid session_uri", "['a', 'b']"}}, // Ansible converts it to str
		{name: "unknown option", args: map[string]any{"token": "x"},
			wantMsg: []string{"Unsupported parameters", "token"}},
		{name: "wrong password", args: map[string]any{"password": "not-the-password"},
			wantMsg: []string{"UnauthorizedLoginAttempt", "could not be authorized"}, wantRequests: 2},
		{name: "self-signed certificate without ca_path", args: map[string]any{"ca_path": nil},
			wantMsg: []string{"not trusted", "ca_path"}},
		{name: "unreachable iLO", unreachable: true, wantMsg: []string{"connect to https://127.0.0.1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := modtest.StartILO(t)
			args := x.Args(tt.args)
			if tt.unreachable {
				addr := modtest.ClosedPort(t)
				args["baseuri"] = addr
				tt.wantMsg = append(tt.wantMsg, addr)
			}
			r := modtest.ExecuteEnv(t, Module, args, nil, nil)
			if r.Code != 1 || r.Out["failed"] != true {
				t.Fatalf("exit %d, failed %v; want a failure: %s", r.Code, r.Out["failed"], r.Raw)
			}
			msg, _ := r.Out["msg"].(string)
			for _, want := range tt.wantMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("msg %q lacks %q", msg, want)
				}
			}
			if strings.Contains(r.Raw, token) {
				t.Errorf("the output contains the token: %s", r.Raw)
			}
			if strings.Contains(r.Raw, "goroutine ") || strings.Contains(r.Raw, "panic") {
				t.Errorf("output has Go panic text: %s", r.Raw)
			}
			c := x.Sim.Counters()
			n := 0
			for _, v := range c.Requests {
				n += v
			}
			if !tt.unreachable && n != tt.wantRequests {
				t.Errorf("the iLO saw %d requests (%v), want %d", n, c.Requests, tt.wantRequests)
			}
			modtest.RequireClean(t, x)
		})
	}
}

// TestLoginInterrupted: a SIGTERM that arrives while the login POST is on
// its way leaves no session behind. The iLO here answers the login only
// after the signal, as a slow iLO would; the module must still take the
// token and log the session out.
func TestLoginInterrupted(t *testing.T) {
	arrived, signalled := make(chan struct{}), make(chan struct{})
	var once sync.Once
	x := modtest.StartWrappedILO(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "Sessions") {
				once.Do(func() { close(arrived) })
				<-signalled
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-arrived // the login is waiting at the iLO
		cancel(&ansible.Interrupted{Signal: syscall.SIGTERM})
		close(signalled)
	}()
	r := modtest.ExecuteCtx(t, ctx, Module, x.Args(nil), nil, nil)
	if r.Code != 1 || !strings.Contains(fmt.Sprint(r.Out["msg"]), "interrupted by signal") {
		t.Errorf("exit %d, msg %q; want a failure saying the run was interrupted", r.Code, r.Out["msg"])
	}
	if _, ok := r.Out["auth_token"]; ok {
		t.Errorf("an interrupted login returned a token")
	}
	if c := x.Sim.Counters(); c.Logins != 1 {
		t.Errorf("logins = %d, want 1 (the login reached the iLO)", c.Logins)
	}
	modtest.RequireClean(t, x)
}

// TestLoginIgnoresEnvironmentToken: with username and password given, an
// ILO_AUTH_TOKEN left in the environment (AWX injects every credential
// field) does not stop state=present from logging in.
func TestLoginIgnoresEnvironmentToken(t *testing.T) {
	x := modtest.StartILO(t)
	r := modtest.ExecuteEnv(t, Module, x.Args(nil), nil, map[string]string{"ILO_AUTH_TOKEN": "feedfacefeedfacefeedfacefeedface"})
	if r.Code != 0 || r.Out["auth_token"] == "feedfacefeedfacefeedfacefeedface" || r.Out["auth_token"] == nil {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	out := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"state": "absent", "auth_token": r.Out["auth_token"], "session_uri": r.Out["session_uri"]}), nil, nil)
	if out.Code != 0 || out.Out["changed"] != true {
		t.Fatalf("log out: %s", out.Raw)
	}
	modtest.RequireClean(t, x)
}
