package ilo

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// fakeILO serves the iLO 5 2.70 capture in testdata/ilo5-2.70 with sessions,
// optional $expand and per-request hooks. It stands in for internal/ilosim
// in tests of the client's own mechanics (retries, sessions, TLS).
type fakeILO struct {
	t      testing.TB
	dir    string
	expand bool // advertise and honour $expand=.
	user   string
	pass   string

	mu       sync.Mutex
	sessions map[string]string // token → session path
	next     int
	logins   int
	logouts  int
	requests []string // "METHOD /path?query"
	// hooks answer "METHOD /path" (path as requested, query excluded) before
	// the capture; returning false falls through to the capture.
	hooks map[string]func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t testing.TB) *fakeILO {
	t.Helper()
	return &fakeILO{
		t: t, dir: "testdata/ilo5-2.70", expand: true, user: "admin", pass: "s3cret-Passw0rd",
		sessions: map[string]string{}, hooks: map[string]func(http.ResponseWriter, *http.Request) bool{},
	}
}

// hook registers h for method and path.
func (f *fakeILO) hook(method, path string, h func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks[method+" "+path] = h
}

func (f *fakeILO) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeILO) openSessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

func (f *fakeILO) hasSession(token string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.sessions[token]
	return ok
}

// dropSessions forgets every session, as an iLO reset does.
func (f *fakeILO) dropSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = map[string]string{}
}

func writeEnvelope(w http.ResponseWriter, status int, id string, args ...string) {
	msg := map[string]any{"MessageId": id}
	if len(args) > 0 {
		msg["MessageArgs"] = args
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": "iLO.0.10.ExtendedInfo", "message": "See @Message.ExtendedInfo for more information.",
		"@Message.ExtendedInfo": []any{msg},
	}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fakeILO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	h := f.hooks[key]
	f.mu.Unlock()
	if h != nil && h(w, r) {
		return
	}
	if r.Header.Get("OData-Version") != "4.0" {
		writeEnvelope(w, http.StatusBadRequest, "Base.1.4.GeneralError")
		return
	}
	path := r.URL.Path
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	if path == "/redfish/v1/" && r.Method == http.MethodGet {
		f.serveFile(w, r, path)
		return
	}
	if path == "/redfish/v1/SessionService/Sessions/" && r.Method == http.MethodPost {
		f.login(w, r)
		return
	}
	f.mu.Lock()
	_, ok := f.sessions[r.Header.Get("X-Auth-Token")]
	f.mu.Unlock()
	if !ok {
		writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f.serveFile(w, r, path)
	case http.MethodDelete:
		if strings.HasPrefix(path, "/redfish/v1/SessionService/Sessions/") {
			f.mu.Lock()
			found := false
			for tok, p := range f.sessions {
				if p == path {
					delete(f.sessions, tok)
					found = true
				}
			}
			if found {
				f.logouts++
			}
			f.mu.Unlock()
			if !found {
				writeEnvelope(w, http.StatusNotFound, "Base.1.4.ResourceMissingAtURI", path)
				return
			}
			writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
			return
		}
		writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
	default:
		writeEnvelope(w, http.StatusMethodNotAllowed, "Base.1.4.ActionNotSupported", r.Method)
	}
}

func (f *fakeILO) login(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if gjson.GetBytes(b, "UserName").String() != f.user || gjson.GetBytes(b, "Password").String() != f.pass {
		writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
		return
	}
	f.mu.Lock()
	f.next++
	f.logins++
	tok := fmt.Sprintf("%032x", f.next*7919)
	p := fmt.Sprintf("/redfish/v1/SessionService/Sessions/admin%08x/", f.next)
	f.sessions[tok] = p
	f.mu.Unlock()
	w.Header().Set("X-Auth-Token", tok)
	// Absolute Location with the host but no port, as iLO sends it.
	w.Header().Set("Location", "https://ilo-test.example"+p)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"@odata.id": %q, "UserName": %q}`, p, f.user)
}

// file returns the capture for a path, with the root's ExpandQuery removed
// when expand is off.
func (f *fakeILO) file(path string) ([]byte, bool) {
	rel := strings.TrimPrefix(path, "/redfish/v1/")
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(rel), "index.json"))
	if err != nil {
		return nil, false
	}
	if path == "/redfish/v1/" && !f.expand {
		b, _ = sjson.DeleteBytes(b, "ProtocolFeaturesSupported.ExpandQuery")
	}
	return b, true
}

func (f *fakeILO) serveFile(w http.ResponseWriter, r *http.Request, path string) {
	b, ok := f.file(path)
	if !ok {
		writeEnvelope(w, http.StatusNotFound, "Base.1.4.ResourceMissingAtURI", r.URL.Path)
		return
	}
	if f.expand && r.URL.Query().Get("$expand") == "." && gjson.GetBytes(b, "Members").IsArray() {
		var members []json.RawMessage
		for _, id := range gjson.GetBytes(b, `Members.#.@odata\.id`).Array() {
			if mb, ok := f.file(id.String()); ok {
				members = append(members, mb)
			}
		}
		if members == nil {
			members = []json.RawMessage{}
		}
		raw, _ := json.Marshal(members)
		b, _ = sjson.SetRawBytes(b, "Members", raw)
	}
	if gjson.GetBytes(b, "error").Exists() { // a captured error body
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", gjson.GetBytes(b, `@odata\.etag`).String())
	w.Header().Set("Allow", "GET, HEAD, PATCH, DELETE")
	_, _ = w.Write(b)
}

// testEnv is a fake iLO behind an httptest TLS server and the Config that
// reach it (ca_path set to the server's certificate).
type testEnv struct {
	fake *fakeILO
	srv  *httptest.Server
	args Config
}

func newEnv(t testing.TB, setup ...func(*fakeILO)) *testEnv {
	t.Helper()
	f := newFake(t)
	for _, s := range setup {
		s(f)
	}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some tests
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &testEnv{fake: f, srv: srv, args: Config{
		BaseURI: srv.URL, Username: f.user, Password: f.pass,
		CAPath: writeCA(t, srv.Certificate()), Timeout: 10 * time.Second,
	}}
}

// fastOptions keep retries quick in tests.
func fastOptions(extra ...Option) []Option {
	return append([]Option{WithBackoff(1_000_000, 2_000_000)}, extra...) // 1 ms, 2 ms
}

func (e *testEnv) connect(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := Connect(context.Background(), e.args, fastOptions(opts...)...)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func writeCA(t testing.TB, cert *x509.Certificate) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
