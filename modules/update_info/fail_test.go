package updateinfo

import (
	"context"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
)

// TestUpdateInfoFails covers bad arguments and a bad iLO: each run fails
// with a message naming the problem and its fix, writes nothing, leaves no
// session and never prints the password.
func TestUpdateInfoFails(t *testing.T) {
	tests := []struct {
		name string
		sim  []ilosim.Option
		args map[string]any
		env  map[string]string
		// unreachable points baseuri at a closed loopback port.
		unreachable bool
		// byName addresses the iLO as localhost, a name its certificate
		// (issued for 127.0.0.1 and example.com) does not carry.
		byName bool
		// busy fills the iLO's sessions before the run.
		busy bool
		// wantMsg are substrings of msg; wantRequests is the number of
		// requests the iLO saw (0: refused before connecting).
		wantMsg      []string
		wantRequests int
		wantMsgID    string
	}{
		{name: "unknown option", args: map[string]any{"gather": "firmware"},
			wantMsg: []string{"Unsupported parameters for (fleetfw.ilo.update_info) module: gather", "gather_subset"}},
		{name: "bad choice", args: map[string]any{"gather_subset": []string{"firmware", "bios"}},
			wantMsg: []string{"gather_subset", "bios", "firmware, software, service"}},
		{name: "empty gather_subset", args: map[string]any{"gather_subset": []string{}},
			wantMsg: []string{"gather_subset is empty", "leave it out"}},
		{name: "timeout not a number", args: map[string]any{"timeout": "soon"},
			wantMsg: []string{"timeout", "int"}},
		{name: "gather_subset a dict", args: map[string]any{"gather_subset": map[string]any{"firmware": true}},
			wantMsg: []string{"gather_subset", "list"}},
		{name: "validate_certs not a boolean", args: map[string]any{"validate_certs": "maybe"},
			wantMsg: []string{"validate_certs", "bool"}},
		{name: "missing baseuri", args: map[string]any{"baseuri": nil},
			wantMsg: []string{"missing required arguments: baseuri"}},
		{name: "malformed baseuri", args: map[string]any{"baseuri": "ftp://ilo1/x"},
			wantMsg: []string{"invalid baseuri", "ftp", "https://host[:port]"}},
		{name: "baseuri with a path", args: map[string]any{"baseuri": "https://ilo1/index.html"},
			wantMsg: []string{"invalid baseuri", "unexpected path"}},
		{name: "missing credentials", args: map[string]any{"username": nil, "password": nil},
			wantMsg: []string{"username", "auth_token", "ILO_USERNAME"}},
		{name: "username without password", args: map[string]any{"password": nil},
			wantMsg: []string{"required together: username, password"}},
		{name: "ca_path missing", args: map[string]any{"ca_path": "/nonexistent/ca.pem"},
			wantMsg: []string{"ca_path", "no such file"}},
		{name: "wrong password", args: map[string]any{"password": "not-the-password"},
			wantMsg:      []string{"log in as \"" + modtest.User + "\"", "401", "UnauthorizedLoginAttempt", "could not be authorized"},
			wantRequests: 2, wantMsgID: "UnauthorizedLoginAttempt"},
		{name: "wrong user", args: map[string]any{"username": "nobody"},
			wantMsg: []string{"UnauthorizedLoginAttempt"}, wantRequests: 2, wantMsgID: "UnauthorizedLoginAttempt"},
		{name: "expired token", args: map[string]any{"username": nil, "password": nil, "auth_token": "00000000000000000000000000000000"},
			wantMsg: []string{"401", "NoValidSession"}, wantRequests: 2, wantMsgID: "NoValidSession"},
		{name: "self-signed certificate without ca_path", args: map[string]any{"ca_path": nil},
			wantMsg: []string{"not trusted", "ca_path", "validate_certs"}},
		{name: "certificate for another name", byName: true,
			wantMsg: []string{"not valid for \"localhost\"", "baseuri", "validate_certs"}},
		{name: "session limit reached", sim: []ilosim.Option{ilosim.WithSessionCap(1)}, busy: true,
			wantMsg: []string{"SessionLimitExceeded"}, wantRequests: 2, wantMsgID: "SessionLimitExceeded"},
		{name: "unreachable iLO", unreachable: true,
			wantMsg: []string{"connect to https://127.0.0.1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := modtest.StartILO(t, tt.sim...)
			var token, session string
			if tt.busy {
				token, session = x.Login(t)
			}
			x.Sim.ResetCounters()
			args := x.Args(tt.args)
			if tt.byName {
				args["baseuri"] = strings.Replace(x.Srv.URL, "127.0.0.1", "localhost", 1)
			}
			if tt.unreachable {
				addr := modtest.ClosedPort(t)
				args["baseuri"] = addr
				tt.wantMsg = append(tt.wantMsg, addr)
			}
			r := modtest.ExecuteEnv(t, Module, args, nil, tt.env)
			if r.Code != 1 || r.Out["failed"] != true {
				t.Fatalf("exit %d, failed %v; want a failure: %s", r.Code, r.Out["failed"], r.Raw)
			}
			msg, _ := r.Out["msg"].(string)
			for _, want := range tt.wantMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("msg %q lacks %q", msg, want)
				}
			}
			if strings.Contains(r.Raw, "goroutine ") || strings.Contains(r.Raw, "panic") {
				t.Errorf("output has Go panic text: %s", r.Raw)
			}
			if tt.wantMsgID != "" {
				info, _ := r.Out["error_info"].(map[string]any)
				ids, _ := info["message_ids"].([]any)
				if len(ids) == 0 || !strings.HasSuffix(ids[0].(string), "."+tt.wantMsgID) {
					t.Errorf("error_info %v, want message id %s", info, tt.wantMsgID)
				}
			}
			c := x.Sim.Counters()
			n := 0
			for _, v := range c.Requests {
				n += v
			}
			if !tt.unreachable && n != tt.wantRequests {
				t.Errorf("the iLO saw %d requests (%v), want %d", n, c.Requests, tt.wantRequests)
			}
			if tt.busy {
				if c.OpenSessions != 1 {
					t.Errorf("open sessions = %d, want the test's own 1", c.OpenSessions)
				}
				logout(t, x, token, session)
			}
			modtest.RequireClean(t, x)
		})
	}
}

// logout ends a session the test opened.
func logout(t *testing.T, x *modtest.ILO, token, uri string) {
	t.Helper()
	c, err := modtest.ConnectToken(x, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EndSession(context.Background(), uri); err != nil {
		t.Fatalf("log out: %v", err)
	}
	_ = c.Close(context.Background())
}
