package firmwareupdate

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// env is one simulated iLO behind a TLS test server, a CA file for it, and
// a loopback web server for images (the simulator downloads from loopback).
// The simulated clock runs 60 times faster, so that a flash takes about a
// second of wall time (Verifying 3 s → 50 ms, Updating 60 s → 1 s) and an
// iLO flash leaves the iLO dark for 90 simulated seconds (1.5 s).
type env struct {
	t   testing.TB
	sim *ilosim.ILO
	srv *httptest.Server
	ca  string
	www string // directory the web server serves
	web *httptest.Server
}

func newEnv(t testing.TB, opts ...ilosim.Option) *env {
	t.Helper()
	x := modtest.StartILO(t, append([]ilosim.Option{ilosim.WithSpeed(60)}, opts...)...)
	www := t.TempDir()
	web := httptest.NewServer(http.FileServer(http.Dir(www)))
	t.Cleanup(web.Close)
	return &env{t: t, sim: x.Sim, srv: x.Srv, ca: x.CAPath, www: www, web: web}
}

// image writes a test image into a new directory and returns its path.
func (e *env) image(s testimage.Spec) string {
	e.t.Helper()
	f, err := testimage.WriteFiles(e.t.TempDir(), s)
	if err != nil {
		e.t.Fatalf("write test image: %v", err)
	}
	return f.Image
}

// publish writes a test image where the web server serves it and returns its URL.
func (e *env) publish(s testimage.Spec) string {
	e.t.Helper()
	if _, err := testimage.WriteFiles(e.www, s); err != nil {
		e.t.Fatalf("write test image: %v", err)
	}
	return e.web.URL + "/" + s.Filename
}

// out is one module result.
type out map[string]any

func (o out) changed() bool { return o["changed"] == true }
func (o out) failed() bool  { return o["failed"] == true }
func (o out) str(k string) string {
	s, _ := o[k].(string)
	return s
}
func (o out) msg() string { return o.str("msg") }
func (o out) flag(k string) bool {
	b, _ := o[k].(bool)
	return b
}

// states returns the update-service states the module reported.
func (o out) states() []string {
	l, _ := o["states"].([]any)
	var s []string
	for _, x := range l {
		m, _ := x.(map[string]any)
		st, _ := m["state"].(string)
		s = append(s, st)
	}
	return s
}

// target returns a key of the returned target ("" when none).
func (o out) target(k string) string {
	m, _ := o["target"].(map[string]any)
	s, _ := m[k].(string)
	return s
}

// run runs the module with args (connection options added) and returns its result.
func (e *env) run(args map[string]any, check bool) out {
	e.t.Helper()
	full := map[string]any{"baseuri": e.srv.URL, "username": modtest.User, "password": modtest.Password,
		"ca_path": e.ca, "_ansible_check_mode": check, "_ansible_diff": true, "wait_timeout": 120}
	for k, v := range args {
		if v == nil {
			delete(full, k)
			continue
		}
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

// counters returns the iLO's counters and resets them.
func (e *env) counters() ilosim.Counters {
	c := e.sim.Counters()
	e.sim.ResetCounters()
	return c
}

// inventory returns the simulator's version of FirmwareInventory item id.
func (e *env) inventory(id string) string {
	e.t.Helper()
	st := e.sim.State()
	inv, _ := st["inventory"].(map[string]string)
	return inv[id]
}

// iloImage returns the file name and version of an iLO firmware image newer
// than the profile's.
func iloImage(profile string) (string, string) {
	switch profile {
	case "ilo6":
		return "ilo6_180.bin", "1.80"
	case "ilo7":
		return "ilo7_1.20.00.bin", "1.20.00"
	}
	return "ilo5_310.bin", "3.10"
}

const mib = 1 << 20
