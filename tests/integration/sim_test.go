//go:build integration

package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Sim is a running cmd/ilosim process serving one iLO per requested profile. The embedded
// *ILO is the first one, so sim.BaseURI and sim.Counters(t) address it directly.
type Sim struct {
	*ILO
	ILOs   []*ILO
	CAPath string // PEM file of the simulator's CA, for ca_path
	log    *syncBuffer
}

// ILO is one simulated iLO and a client for its control endpoint (/_sim/...).
type ILO struct {
	Index   int    `json:"index"`
	BaseURI string `json:"baseuri"`
	Profile string `json:"profile"`
	client  *http.Client
}

// ready is the JSON line ilosim writes once it listens.
type ready struct {
	CAPath string `json:"ca_path"`
	ILOs   []*ILO `json:"ilos"`
}

// Counters is GET /_sim/counters.
type Counters struct {
	Requests      map[string]int `json:"requests"`
	Writes        int            `json:"writes"`
	OpenSessions  int            `json:"open_sessions"`
	BytesReceived int64          `json:"bytes_received"`
	Logins        int            `json:"logins"`
}

// Faults is the body of POST /_sim/faults; zero fields are left out.
type Faults struct {
	Status503      int  `json:"status_503,omitempty"`
	ResetMidBody   int  `json:"reset_mid_body,omitempty"`
	SlowMS         int  `json:"slow_ms,omitempty"`
	SlowCount      int  `json:"slow_count,omitempty"`
	ExpireSessions bool `json:"expire_sessions,omitempty"`
	RepositoryFull bool `json:"repository_full,omitempty"`
	DarkSeconds    int  `json:"dark_seconds,omitempty"`
}

// startSim starts ilosim with one iLO per profile (ilo5 when none is given), waits until
// it listens and stops it when the test ends. runPlaybook, and this cleanup before the
// simulator stops, read each iLO's state and register the session tokens for the secrets scan.
func startSim(t *testing.T, profiles ...string) *Sim {
	t.Helper()
	requireSim(t)
	if len(profiles) == 0 {
		profiles = []string{"ilo5"}
	}
	dir := t.TempDir()
	readyFile := filepath.Join(dir, "ready.json")
	log := &syncBuffer{}
	cmd := exec.Command(suite.simBin,
		"-count", strconv.Itoa(len(profiles)), "-port", "0", "-profile", strings.Join(profiles, ","),
		"-dir", dir, "-username", testUsername, "-password", testPassword, "-ready-file", readyFile)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ilosim: %v", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			select {
			case <-done:
				return
			default:
			}
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Errorf("ilosim did not stop within 10 s of SIGTERM")
			}
		})
	}

	r, err := waitReady(readyFile, done, 30*time.Second)
	if err != nil {
		stop()
		select {
		case <-done:
			err = fmt.Errorf("%w (exit: %v)", err, waitErr)
		default:
		}
		t.Fatalf("ilosim %s: %v\nilosim output:\n%s", strings.Join(profiles, ","), err, log.String())
	}
	client, err := controlClient(r.CAPath)
	if err != nil {
		stop()
		t.Fatalf("ilosim: %v", err)
	}
	for _, ilo := range r.ILOs {
		ilo.client = client
	}
	if len(r.ILOs) != len(profiles) {
		stop()
		t.Fatalf("ilosim: asked for %d iLOs (%s), ready file lists %d", len(profiles), strings.Join(profiles, ","), len(r.ILOs))
	}
	sim := &Sim{ILO: r.ILOs[0], ILOs: r.ILOs, CAPath: r.CAPath, log: log}
	t.Cleanup(func() {
		sim.readTokens()
		stop()
		if t.Failed() {
			t.Logf("ilosim output:\n%s", log.String())
		}
	})
	return sim
}

// waitReady waits for ilosim's ready file, or for the process to exit.
func waitReady(path string, exited <-chan struct{}, limit time.Duration) (*ready, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("exited before it was ready")
		default:
		}
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(bytes.TrimSpace(b), []byte("}")) {
			var r ready
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, fmt.Errorf("read ready file: %w", err)
			}
			if len(r.ILOs) == 0 {
				return nil, fmt.Errorf("ready file lists no iLOs: %s", b)
			}
			return &r, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("not ready after %s", limit)
}

// controlClient trusts the simulator's CA (plain HTTP works too, for -http).
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

// Counters reads GET /_sim/counters.
func (i *ILO) Counters(t *testing.T) Counters {
	t.Helper()
	var c Counters
	if err := json.Unmarshal(i.control(t, http.MethodGet, "/_sim/counters", nil), &c); err != nil {
		t.Fatalf("iLO %d counters: %v", i.Index, err)
	}
	return c
}

// ResetCounters zeroes the counters (POST /_sim/counters/reset).
func (i *ILO) ResetCounters(t *testing.T) {
	t.Helper()
	i.control(t, http.MethodPost, "/_sim/counters/reset", struct{}{})
}

// Faults arms faults (POST /_sim/faults).
func (i *ILO) Faults(t *testing.T, f Faults) {
	t.Helper()
	i.control(t, http.MethodPost, "/_sim/faults", f)
}

// AdvanceClock moves the iLO clock forward (POST /_sim/clock {"advance": d}).
func (i *ILO) AdvanceClock(t *testing.T, d time.Duration) {
	t.Helper()
	i.control(t, http.MethodPost, "/_sim/clock", map[string]string{"advance": d.String()})
}

// Clock returns GET /_sim/clock as the simulator sends it.
func (i *ILO) Clock(t *testing.T) json.RawMessage {
	t.Helper()
	return i.control(t, http.MethodGet, "/_sim/clock", nil)
}

// State returns GET /_sim/state, the iLO's state dump.
func (i *ILO) State(t *testing.T) json.RawMessage {
	t.Helper()
	return i.control(t, http.MethodGet, "/_sim/state", nil)
}

// control sends one request to the control endpoint and returns the body; any status
// other than 2xx fails the test.
func (i *ILO) control(t *testing.T, method, path string, body any) []byte {
	t.Helper()
	b, err := i.do(method, path, body)
	if err != nil {
		t.Fatalf("iLO %d: %v", i.Index, err)
	}
	return b
}

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

// requireNoSessions fails the test when any iLO of sim still has an open session.
func requireNoSessions(t *testing.T, sim *Sim) {
	t.Helper()
	for _, ilo := range sim.ILOs {
		if c := ilo.Counters(t); c.OpenSessions != 0 {
			t.Errorf("iLO %d (%s): %d sessions left open (logins %d)", ilo.Index, ilo.Profile, c.OpenSessions, c.Logins)
		}
	}
}

// readTokens registers every token-like value in each iLO's state dump as a secret. Errors
// are ignored: the simulator may be busy or gone, and the next read catches up.
func (s *Sim) readTokens() {
	for _, ilo := range s.ILOs {
		b, err := ilo.do(http.MethodGet, "/_sim/state", nil)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			continue
		}
		for _, tok := range tokens(v, false) {
			suite.secrets.addSecret(tok)
		}
	}
}

// tokens returns the string values under keys that name a token or session key.
func tokens(v any, secret bool) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, tokens(x, secret || isSecretKey(k))...)
		}
	case []any:
		for _, x := range v {
			out = append(out, tokens(x, secret)...)
		}
	case string:
		if secret {
			out = append(out, v)
		}
	}
	return out
}

func isSecretKey(k string) bool {
	k = strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k))
	return strings.Contains(k, "token") || strings.Contains(k, "sessionkey") || k == "password"
}

// syncBuffer is a bytes.Buffer safe for the simulator's stdout and stderr.
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
