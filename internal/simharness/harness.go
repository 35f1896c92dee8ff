package simharness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

// Faults is the body of POST /_sim/faults: the simulator's own type, so its
// JSON keys are the simulator's. Zero fields are left out and leave the
// current setting; pointer fields (ilo_reset, repository_full, …) clear a
// setting with false.
type Faults = ilosim.Faults

// FlashErrorFault is the flash_error fault: a component file name or "*".
type FlashErrorFault = ilosim.FlashErrorFault

// Counters is GET /_sim/counters.
type Counters = ilosim.Counters

// Config chooses the simulated iLOs; the zero value is one ilo5 at the
// simulator's defaults. Every field maps to a cmd/ilosim flag and to an
// ilosim option alike (TestModesAgree checks that both give the same iLO).
type Config struct {
	// Profiles: one iLO per entry, in order (default one "ilo5").
	Profiles []string
	// Username and Password of the administrator (required).
	Username, Password string
	// Binary is a built cmd/ilosim (see Build): the iLOs run in that
	// process. Empty: they are served in-process by ilosim.StartFleet.
	Binary string
	// Speed is the simulated clock's speed factor (0: the simulator's 1).
	Speed float64
	// SessionCap is the sessions per iLO (0: the simulator's).
	SessionCap int
	// Dark is how long an iLO reset keeps the iLO dark (0: the simulator's).
	Dark time.Duration
	// Idle is the session idle timeout (0: the simulator's).
	Idle time.Duration
	// ILOResetDelay is how long State reads Complete after an iLO
	// self-flash before the reset (0: the simulator's).
	ILOResetDelay time.Duration
	// NoILOReset: the iLO takes its new firmware without a reset.
	NoILOReset bool
	// StagedActivation, TPM, RecoverySet: ilosim -staged-activation, -tpm,
	// -recovery-set.
	StagedActivation, TPM, RecoverySet bool
	// MismatchSAN issues the certificate for ilo.invalid only.
	MismatchSAN bool
	// PlainHTTP serves http:// (no ca_path).
	PlainHTTP bool
	// Ready bounds the wait for a process's ready file (default 30 s).
	Ready time.Duration
}

// Fleet is a running set of simulated iLOs. The embedded *ILO is the
// first, so f.BaseURI and f.Counters(t) address it directly.
type Fleet struct {
	*ILO
	ILOs   []*ILO
	CAPath string // the simulator's CA (PEM), for ca_path; "" with PlainHTTP
	Dir    string // the simulator's directory (certificates, repositories)

	log      *syncBuffer
	stopOnce sync.Once
	stopErr  error
	stopFn   func() error
	onStop   []func()
}

// ILO is one simulated iLO and a client for its control endpoint (/_sim/...).
type ILO struct {
	Index   int    `json:"index"`
	BaseURI string `json:"baseuri"`
	Profile string `json:"profile"`
	// Sim is the simulator itself when it runs in-process (nil for a
	// process): the control methods call it directly instead of /_sim.
	Sim *ilosim.ILO `json:"-"`

	client     *http.Client
	user, pass string
}

// Start starts the iLOs cfg describes and stops them when the test ends
// (Fleet.Stop stops them earlier).
func Start(t testing.TB, cfg Config) *Fleet {
	t.Helper()
	if cfg.Username == "" || cfg.Password == "" {
		t.Fatalf("simharness: Config.Username and Config.Password are required")
	}
	if len(cfg.Profiles) == 0 {
		cfg.Profiles = []string{"ilo5"}
	}
	if cfg.Ready <= 0 {
		cfg.Ready = 30 * time.Second
	}
	var f *Fleet
	var err error
	if cfg.Binary != "" {
		f, err = startProcess(cfg, t.TempDir())
	} else {
		f, err = startInProcess(cfg, t.TempDir())
	}
	if err != nil {
		t.Fatalf("simharness: start %s: %v", strings.Join(cfg.Profiles, ","), err)
	}
	t.Cleanup(func() {
		if err := f.Stop(); err != nil {
			t.Errorf("simharness: stop: %v", err)
		}
		if out := f.log.String(); t.Failed() && out != "" {
			t.Logf("ilosim output:\n%s", out)
		}
	})
	return f
}

// startInProcess serves the iLOs with ilosim.StartFleet.
func startInProcess(cfg Config, dir string) (*Fleet, error) {
	log := &syncBuffer{}
	fleet, err := ilosim.StartFleet(ilosim.FleetConfig{Count: len(cfg.Profiles), Profiles: cfg.Profiles, Dir: dir,
		HTTP: cfg.PlainHTTP, MismatchSAN: cfg.MismatchSAN, Options: cfg.options(), ErrorLog: log})
	if err != nil {
		return nil, err
	}
	f := &Fleet{CAPath: fleet.Ready.CAPath, Dir: dir, log: log, stopFn: fleet.Close}
	if err := f.attach(cfg, fleet.Ready.ILOs, fleet.ILOs); err != nil {
		_ = fleet.Close()
		return nil, err
	}
	return f, nil
}

// options are the ilosim options of cfg; flags (process.go) is the same
// mapping for cmd/ilosim.
func (cfg Config) options() []ilosim.Option {
	opts := []ilosim.Option{ilosim.WithCredentials(cfg.Username, cfg.Password)}
	if cfg.Speed > 0 {
		opts = append(opts, ilosim.WithSpeed(cfg.Speed))
	}
	if cfg.SessionCap > 0 {
		opts = append(opts, ilosim.WithSessionCap(cfg.SessionCap))
	}
	if cfg.Dark > 0 {
		opts = append(opts, ilosim.WithDarkTime(cfg.Dark))
	}
	if cfg.Idle > 0 {
		opts = append(opts, ilosim.WithIdleTimeout(cfg.Idle))
	}
	if cfg.ILOResetDelay > 0 {
		opts = append(opts, ilosim.WithILOResetDelay(cfg.ILOResetDelay))
	}
	if cfg.NoILOReset {
		opts = append(opts, ilosim.WithILOReset(false))
	}
	if cfg.StagedActivation {
		opts = append(opts, ilosim.WithStagedActivation())
	}
	if cfg.TPM {
		opts = append(opts, ilosim.WithTPM())
	}
	if cfg.RecoverySet {
		opts = append(opts, ilosim.WithFactoryRecoverySet())
	}
	return opts
}

// attach fills f.ILOs from the ready line (sims: the in-process iLOs, or nil).
func (f *Fleet) attach(cfg Config, ready []ilosim.ReadyILO, sims []*ilosim.ILO) error {
	if len(ready) != len(cfg.Profiles) {
		return fmt.Errorf("asked for %d iLOs (%s), the ready line lists %d", len(cfg.Profiles), strings.Join(cfg.Profiles, ","), len(ready))
	}
	client, err := controlClient(f.CAPath)
	if err != nil {
		return err
	}
	for k, r := range ready {
		i := &ILO{Index: r.Index, BaseURI: r.BaseURI, Profile: r.Profile, client: client, user: cfg.Username, pass: cfg.Password}
		if sims != nil {
			i.Sim = sims[k]
		}
		f.ILOs = append(f.ILOs, i)
	}
	f.ILO = f.ILOs[0]
	return nil
}

// Stop stops the iLOs (once; later calls return the first result). The
// functions given to OnStop run first, while the iLOs still answer.
func (f *Fleet) Stop() error {
	f.stopOnce.Do(func() {
		for _, fn := range f.onStop {
			fn()
		}
		f.stopErr = f.stopFn()
	})
	return f.stopErr
}

// OnStop runs fn when the fleet stops, before the iLOs go (token watchers
// read the last sessions there).
func (f *Fleet) OnStop(fn func()) { f.onStop = append(f.onStop, fn) }

// Log returns what the simulator printed (its HTTP error log).
func (f *Fleet) Log() string { return f.log.String() }

// RequireNoSessions fails the test when an iLO still has an open session.
func (f *Fleet) RequireNoSessions(t testing.TB) {
	t.Helper()
	for _, i := range f.ILOs {
		if c := i.Counters(t); c.OpenSessions != 0 {
			t.Errorf("iLO %d (%s): %d sessions left open (logins %d)", i.Index, i.Profile, c.OpenSessions, c.Logins)
		}
	}
}

// controlClient trusts the simulator's CA (none for plain HTTP).
func controlClient(caPath string) (*http.Client, error) {
	pool := x509.NewCertPool()
	if caPath != "" {
		pem, err := os.ReadFile(caPath)
		if err != nil {
			return nil, fmt.Errorf("read CA: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read CA %s: no certificate", caPath)
		}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}

// Client returns an HTTP client that trusts the simulator's CA.
func (i *ILO) Client() *http.Client { return i.client }

// Counters returns the counters (GET /_sim/counters).
func (i *ILO) Counters(t testing.TB) Counters {
	t.Helper()
	if i.Sim != nil {
		return i.Sim.Counters()
	}
	var c Counters
	i.controlJSON(t, http.MethodGet, "/_sim/counters", nil, &c)
	return c
}

// ResetCounters zeroes the counters (POST /_sim/counters/reset).
func (i *ILO) ResetCounters(t testing.TB) {
	t.Helper()
	if i.Sim != nil {
		i.Sim.ResetCounters()
		return
	}
	i.control(t, http.MethodPost, "/_sim/counters/reset", struct{}{})
}

// SetFaults arms faults (POST /_sim/faults).
func (i *ILO) SetFaults(t testing.TB, f Faults) {
	t.Helper()
	if i.Sim != nil {
		i.Sim.SetFaults(f)
		return
	}
	i.control(t, http.MethodPost, "/_sim/faults", f)
}

// AdvanceClock moves the iLO's clock forward (POST /_sim/clock).
func (i *ILO) AdvanceClock(t testing.TB, d time.Duration) {
	t.Helper()
	if i.Sim != nil {
		i.Sim.Clock().Advance(d)
		return
	}
	i.control(t, http.MethodPost, "/_sim/clock", map[string]string{"advance": d.String()})
}

// Clock returns GET /_sim/clock: {"now": …, "speed": …}.
func (i *ILO) Clock(t testing.TB) json.RawMessage {
	t.Helper()
	return i.control(t, http.MethodGet, "/_sim/clock", nil)
}

// State returns GET /_sim/state, the iLO's state dump, as JSON.
func (i *ILO) State(t testing.TB) json.RawMessage {
	t.Helper()
	b, err := i.state()
	if err != nil {
		t.Fatalf("iLO %d: state: %v", i.Index, err)
	}
	return b
}

// StateMap is State decoded.
func (i *ILO) StateMap(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(i.State(t), &m); err != nil {
		t.Fatalf("iLO %d: decode state: %v", i.Index, err)
	}
	return m
}

func (i *ILO) state() (json.RawMessage, error) {
	if i.Sim != nil {
		return json.Marshal(i.Sim.State())
	}
	return i.do(http.MethodGet, "/_sim/state", nil)
}

// WaitIdle waits until the update service is no longer busy with an upload
// or a flash and the iLO is not dark (a rerun refuses to start before).
func (i *ILO) WaitIdle(t testing.TB, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		st := i.StateMap(t)
		dark, _ := st["dark"].(bool)
		switch s, _ := st["update_state"].(string); s {
		case "Idle", "Complete", "Error", "":
			if !dark {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("iLO %d: update service still busy after %s", i.Index, limit)
}

// Members reads a Redfish collection with Basic auth (no session, no write)
// and returns its members' Filename, or Name when they have none.
func (i *ILO) Members(t testing.TB, uri string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(i.BaseURI, "/")+uri+"?$expand=.", nil)
	if err != nil {
		t.Fatalf("GET %s: %v", uri, err)
	}
	req.SetBasicAuth(i.user, i.pass)
	resp, err := i.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", uri, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", uri, resp.Status, b)
	}
	var coll struct {
		Members []struct{ Name, Filename string } `json:"Members"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		t.Fatalf("GET %s: decode: %v", uri, err)
	}
	var names []string
	for _, m := range coll.Members {
		if m.Filename != "" {
			m.Name = m.Filename
		}
		names = append(names, m.Name)
	}
	return names
}

// controlJSON sends one control request and decodes its answer into out.
func (i *ILO) controlJSON(t testing.TB, method, path string, body, out any) {
	t.Helper()
	if err := json.Unmarshal(i.control(t, method, path, body), out); err != nil {
		t.Fatalf("iLO %d: %s %s: decode: %v", i.Index, method, path, err)
	}
}

// control sends one request to /_sim and returns the body; an error or a
// status other than 2xx fails the test.
func (i *ILO) control(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	b, err := i.do(method, path, body)
	if err != nil {
		t.Fatalf("iLO %d: %v", i.Index, err)
	}
	return b
}

// do sends one request to the control endpoint, bounded by 10 s.
func (i *ILO) do(method, path string, body any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(i.BaseURI, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := i.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var errExited = errors.New("exited before it was ready")

// Do sends one request to the control endpoint, bounded by 10 s, and returns
// the error instead of failing a test: for goroutines that drive the clock.
func (i *ILO) Do(method, path string, body any) ([]byte, error) { return i.do(method, path, body) }
