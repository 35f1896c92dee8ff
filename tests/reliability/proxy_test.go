//go:build integration

package reliability

import (
	"bytes"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// proxy sits between a module and a simulated iLO to inject faults at exact points of a
// run (the simulator's own faults hit the next N requests, whatever they are).
type proxy struct {
	s       *sim
	srv     *httptest.Server
	baseURI string
	caPath  string

	mu sync.Mutex
	// loseWriteReply forwards the first write (not a login or logout) to the iLO, then
	// answers the module 503 as if the reply had been lost.
	loseWriteReply bool
	// expireAt expires every session just before the n-th request after the first login.
	expireAt int

	// delay holds every GET after the first login this long before forwarding it.
	delay time.Duration
	// login is closed at the first successful login.
	login chan struct{}

	lostAt string // the write whose reply was lost
	// repeats counts the writes sent again to lostAt after the lost reply.
	repeats int

	lost, writes, afterLogin, patches, patchesNoIfMatch int
	loggedIn                                            bool
}

// newProxy starts a TLS proxy in front of s; its certificate is written to caPath.
func newProxy(t *testing.T, s *sim) *proxy {
	t.Helper()
	p := &proxy{s: s, login: make(chan struct{})}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	p.baseURI = p.srv.URL
	p.caPath = filepath.Join(t.TempDir(), "proxy-ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	if err := os.WriteFile(p.caPath, cert, 0o600); err != nil {
		t.Fatalf("write proxy CA: %v", err)
	}
	return p
}

// args are the connection arguments that send a module through the proxy.
func (p *proxy) args(extra map[string]any) map[string]any {
	a := p.s.moduleArgs(extra)
	a["baseuri"], a["ca_path"] = p.baseURI, p.caPath
	return a
}

func isSessionPath(path string) bool {
	return strings.Contains(strings.ToLower(path), "/sessionservice/sessions")
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	write := r.Method != http.MethodGet && r.Method != http.MethodHead && !isSessionPath(r.URL.Path)
	p.mu.Lock()
	if r.Method == http.MethodPatch {
		p.patches++
		if r.Header.Get("If-Match") == "" {
			p.patchesNoIfMatch++
		}
	}
	if p.loggedIn {
		p.afterLogin++
		if p.expireAt > 0 && p.afterLogin == p.expireAt {
			p.s.Sim.SetFaults(ilosimExpire())
		}
	}
	if write {
		p.writes++
		if p.lostAt != "" && p.lostAt == r.Method+" "+r.URL.Path {
			p.repeats++
		}
	}
	lose := p.loseWriteReply && write && p.lost == 0
	if lose {
		p.lostAt = r.Method + " " + r.URL.Path
	}
	if lose {
		p.lost++
	}
	delay := time.Duration(0)
	if p.loggedIn && r.Method == http.MethodGet {
		delay = p.delay
	}
	p.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}

	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.s.baseURI+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.s.Client().Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if r.Method == http.MethodPost && isSessionPath(r.URL.Path) && resp.StatusCode/100 == 2 {
		p.mu.Lock()
		if !p.loggedIn {
			p.loggedIn = true
			close(p.login)
		}
		p.mu.Unlock()
	}
	if lose {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"Base.1.4.ServiceTemporarilyUnavailable","message":"reply lost by the reliability proxy"}}`))
		return
	}
	for k, v := range resp.Header {
		if strings.EqualFold(k, "Content-Length") {
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
}
