package firmwareupdate

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/testimage"
)

// Credentials of the simulated iLO; the password is distinctive so that a
// leak into the output is found.
const (
	testUser     = "fleetfw"
	testPassword = "Firmware-pw-5c21d8"
)

// simOptions make a flash take about a second of wall time: the simulated
// clock runs 60 times faster (Verifying 3 s → 50 ms, Updating 60 s → 1 s)
// and an iLO flash leaves the iLO dark for 90 simulated seconds (1.5 s).
func simOptions(t testing.TB) []ilosim.Option {
	return []ilosim.Option{ilosim.WithDir(t.TempDir()), ilosim.WithSpeed(60), ilosim.WithCredentials(testUser, testPassword)}
}

// env is one simulated iLO behind a TLS test server, a CA file for it, and
// a loopback web server for images (the simulator downloads from loopback).
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
	sim := ilosim.New(append(simOptions(t), opts...)...)
	srv := httptest.NewTLSServer(sim)
	www := t.TempDir()
	web := httptest.NewServer(http.FileServer(http.Dir(www)))
	t.Cleanup(func() {
		web.Close()
		srv.Close()
		_ = sim.Close()
	})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, srv: srv, ca: ca, www: www, web: web}
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
	full := map[string]any{"baseuri": e.srv.URL, "username": testUser, "password": testPassword,
		"ca_path": e.ca, "_ansible_check_mode": check, "_ansible_diff": true, "wait_timeout": 120}
	for k, v := range args {
		if v == nil {
			delete(full, k)
			continue
		}
		full[k] = v
	}
	b, err := json.Marshal(full)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout bytes.Buffer
	code := Module.ExecuteIn(ctx, b, ansible.Host{Stdout: &stdout})
	d := json.NewDecoder(&stdout)
	d.UseNumber()
	var o out
	if err := d.Decode(&o); err != nil {
		e.t.Fatalf("module output is not JSON: %v\n%s", err, stdout.String())
	}
	if (code != 0) != o.failed() {
		e.t.Errorf("exit code %d with failed=%v", code, o.failed())
	}
	if strings.Contains(stdout.String(), testPassword) {
		e.t.Errorf("module output contains the password")
	}
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
