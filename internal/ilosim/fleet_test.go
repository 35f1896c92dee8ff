package ilosim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func fleetClient(t *testing.T, caPath string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatalf("read CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("CA file holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestFleetHTTPS(t *testing.T) {
	tests := []struct {
		name     string
		mismatch bool
		wantErr  string
	}{
		{name: "valid SAN"},
		{name: "mismatched SAN", mismatch: true, wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := StartFleet(FleetConfig{Count: 3, Profiles: []string{"ilo5", "ilo7"}, Dir: t.TempDir(), MismatchSAN: tt.mismatch})
			if err != nil {
				t.Fatalf("start fleet: %v", err)
			}
			t.Cleanup(func() { _ = f.Close() })
			if len(f.Ready.ILOs) != 3 || f.Ready.ILOs[1].Profile != "ilo7" || f.Ready.ILOs[2].Profile != "ilo5" {
				t.Fatalf("ready %+v", f.Ready)
			}
			c := fleetClient(t, f.Ready.CAPath)
			for _, r := range f.Ready.ILOs {
				if !strings.HasPrefix(r.BaseURI, "https://127.0.0.1:") {
					t.Errorf("baseuri %q", r.BaseURI)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				req, _ := http.NewRequestWithContext(ctx, "GET", r.BaseURI+"/redfish/v1/", nil)
				res, err := c.Do(req)
				cancel()
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("iLO %d: err %v, want %q", r.Index, err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("iLO %d: %v", r.Index, err)
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("iLO %d: status %d", r.Index, res.StatusCode)
				}
			}
		})
	}
}

func TestFleetIndependentILOs(t *testing.T) {
	f, err := StartFleet(FleetConfig{Count: 2, HTTP: true, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	f.ILOs[0].SetFaults(Faults{Status503: 1})
	for n, want := range []int{503, 200} {
		res, err := http.Get(f.Ready.ILOs[n].BaseURI + "/redfish/v1/")
		if err != nil {
			t.Fatalf("iLO %d: %v", n, err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("iLO %d: status %d, want %d", n, res.StatusCode, want)
		}
	}
}

func TestFleetDarkOverTLS(t *testing.T) {
	f, err := StartFleet(FleetConfig{Count: 1, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	c := fleetClient(t, f.Ready.CAPath)
	base := f.Ready.ILOs[0].BaseURI
	f.ILOs[0].SetFaults(Faults{DarkSeconds: 600})
	if res, err := c.Get(base + "/redfish/v1/"); err == nil {
		res.Body.Close()
		t.Errorf("dark iLO answered %d over TLS", res.StatusCode)
	}
	res, err := c.Get(base + "/_sim/counters")
	if err != nil {
		t.Fatalf("control endpoint while dark: %v", err)
	}
	res.Body.Close()
	f.ILOs[0].Clock().Advance(601 * time.Second)
	res, err = c.Get(base + "/redfish/v1/")
	if err != nil {
		t.Fatalf("after dark: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("after dark: %d", res.StatusCode)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFleetLogsHandlerPanic: a handler panic reaches the fleet's error log
// (the servers' ErrorLog is not discarded); TLS handshake noise does not.
func TestFleetLogsHandlerPanic(t *testing.T) {
	var log lockedBuffer
	f, err := StartFleet(FleetConfig{Count: 1, Dir: t.TempDir(), ErrorLog: &log})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	f.ILOs[0].Handle("/redfish/v1/Boom", map[string]HandlerFunc{http.MethodGet: func(w http.ResponseWriter, r *Request) {
		panic("simulated handler bug")
	}})
	base := f.Ready.ILOs[0].BaseURI
	// A client that does not trust the CA: a TLS handshake error, not logged.
	if res, err := http.Get(base + "/redfish/v1/"); err == nil {
		res.Body.Close()
		t.Fatalf("untrusted client got through")
	}
	req, _ := http.NewRequest("GET", base+"/redfish/v1/Boom", nil)
	req.SetBasicAuth(DefaultUsername, DefaultPassword)
	if res, err := fleetClient(t, f.Ready.CAPath).Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a panicking handler answered %d", res.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), "simulated handler bug") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := log.String()
	if !strings.Contains(got, "panic serving") || !strings.Contains(got, "simulated handler bug") {
		t.Errorf("error log %q, want the panic", got)
	}
	if strings.Contains(got, "TLS handshake error") {
		t.Errorf("error log carries TLS handshake noise: %q", got)
	}
}
