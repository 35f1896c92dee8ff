package component

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// fastPhases keep the simulated Verifying/Writing short so that sections
// complete within a few polls.
var fastPhases = ilosim.Phases{Verifying: 20 * time.Millisecond, Writing: 40 * time.Millisecond, Updating: 50 * time.Millisecond}

// env is one simulated iLO behind a TLS test server, and a CA file for it.
type env struct {
	t   testing.TB
	sim *ilosim.ILO
	srv *httptest.Server
	ca  string
}

func newEnv(t testing.TB, opts ...ilosim.Option) *env {
	t.Helper()
	return newWrappedEnv(t, nil, opts...)
}

// newWrappedEnv serves the simulator through wrap (to alter its answers).
func newWrappedEnv(t testing.TB, wrap func(http.Handler) http.Handler, opts ...ilosim.Option) *env {
	t.Helper()
	x := modtest.StartWrappedILO(t, wrap, append([]ilosim.Option{ilosim.WithPhases(fastPhases)}, opts...)...)
	return &env{t: t, sim: x.Sim, srv: x.Srv, ca: x.CAPath}
}

// conn returns the connection options of the simulated iLO.
func (e *env) conn() ilo.Config {
	return ilo.Config{BaseURI: e.srv.URL, Username: modtest.User, Password: modtest.Password,
		CAPath: e.ca, Timeout: 30 * time.Second}
}

// client is a client of the iLO for test setup (install sets, tasks, uploads).
func (e *env) client() *ilo.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ilo.Connect(ctx, e.conn())
	if err != nil {
		e.t.Fatalf("connect: %v", err)
	}
	e.t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// out is one module result.
type out map[string]any

func (o out) changed() bool { return o["changed"] == true }
func (o out) failed() bool  { return o["failed"] == true }
func (o out) msg() string   { s, _ := o["msg"].(string); return s }
func (o out) num(k string) int64 {
	n, _ := o[k].(json.Number).Int64()
	return n
}

// component returns a key of the returned component ("" when none).
func (o out) component(k string) string {
	c, ok := o["component"].(map[string]any)
	if !ok {
		return ""
	}
	switch v := c[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// run runs the module with args (connection options added) and returns its
// result; check runs it in check mode.
func (e *env) run(args map[string]any, check bool) out {
	e.t.Helper()
	full := map[string]any{"baseuri": e.srv.URL, "username": modtest.User, "password": modtest.Password,
		"ca_path": e.ca, "_ansible_check_mode": check, "_ansible_diff": true, "wait_timeout": 120}
	for k, v := range args {
		full[k] = v
	}
	o, _ := modtest.Run(e.t, Module, full, 3*time.Minute)
	return o
}

// mustRun runs the module and fails the test when the module failed.
func (e *env) mustRun(args map[string]any, check bool) out {
	e.t.Helper()
	o := e.run(args, check)
	if o.failed() {
		e.t.Fatalf("module failed: %s\n%v", o.msg(), o)
	}
	return o
}

// writes returns the iLO's write counter and resets the counters.
func (e *env) writes() int {
	n := e.sim.Counters().Writes
	e.sim.ResetCounters()
	return n
}

// image writes a test image into a new directory.
func image(t testing.TB, s testimage.Spec) testimage.Files {
	t.Helper()
	f, err := testimage.WriteFiles(t.TempDir(), s)
	if err != nil {
		t.Fatalf("write test image: %v", err)
	}
	return f
}

const mib = 1 << 20
