// Package modtest holds the helpers the module tests share: a simulated
// iLO behind a TLS test server, module runs through the Ansible protocol,
// and the checks every module test makes (no writes, no open session, no
// secret in the output, RETURN documented).
//
// It is imported only by _test.go files. Module code and the shipped
// binary must never import it (cmd/fleetfw-ilo has a test that checks).
package modtest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/testimage"
)

// Credentials of every simulated iLO StartILO starts. The password is
// distinctive so that a leak into any output is found.
const (
	User     = "fleetfw-ut"
	Password = "Unit-pw-5e0c1d9a77"
)

// ILO is one simulated iLO behind a TLS server whose certificate is
// trusted through CAPath. It records the If-Match header of every PATCH.
type ILO struct {
	Sim    *ilosim.ILO
	Srv    *httptest.Server
	CAPath string

	h       http.Handler // the simulator, possibly wrapped
	mu      sync.Mutex
	ifMatch []string    // the If-Match header of every PATCH
	client  *ilo.Client // the test's own session, opened once by Client
}

// ServeHTTP records PATCH preconditions and hands the request to the iLO.
func (x *ILO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		x.mu.Lock()
		x.ifMatch = append(x.ifMatch, r.Header.Get("If-Match"))
		x.mu.Unlock()
	}
	x.h.ServeHTTP(w, r)
}

// Patches returns the If-Match headers of the PATCH requests so far.
func (x *ILO) Patches() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.ifMatch...)
}

// StartILO starts a simulated iLO with User and Password, state in a
// temporary directory, and opts; the test's cleanup stops it.
func StartILO(t testing.TB, opts ...ilosim.Option) *ILO {
	t.Helper()
	return StartWrappedILO(t, nil, opts...)
}

// StartWrappedILO is StartILO serving the simulator through wrap (nil: as
// it is), which may delay, break or rewrite requests.
func StartWrappedILO(t testing.TB, wrap func(http.Handler) http.Handler, opts ...ilosim.Option) *ILO {
	t.Helper()
	opts = append([]ilosim.Option{ilosim.WithDir(t.TempDir()), ilosim.WithCredentials(User, Password)}, opts...)
	x := &ILO{Sim: ilosim.New(opts...)}
	x.h = x.Sim
	if wrap != nil {
		x.h = wrap(x.Sim)
	}
	srv := httptest.NewUnstartedServer(x)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are test cases
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		_ = x.Sim.Close()
	})
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caPath, block, 0o600); err != nil {
		t.Fatal(err)
	}
	x.Srv, x.CAPath = srv, caPath
	return x
}

// Args returns the connection options for this iLO (credentials included)
// merged with extra; a nil value in extra removes the option.
func (x *ILO) Args(extra map[string]any) map[string]any {
	a := map[string]any{"baseuri": x.Srv.URL, "ca_path": x.CAPath, "username": User, "password": Password}
	for k, v := range extra {
		if v == nil {
			delete(a, k)
		} else {
			a[k] = v
		}
	}
	return a
}

// Config returns the client's configuration for this iLO as User.
func (x *ILO) Config() ilo.Config {
	return ilo.Config{BaseURI: x.Srv.URL, Username: User, Password: Password, CAPath: x.CAPath}
}

// Connect opens a new client session as User; the caller closes it.
func (x *ILO) Connect(t testing.TB) *ilo.Client {
	t.Helper()
	c, err := ilo.Connect(context.Background(), x.Config())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

// Client returns the test's own client session (opened on first use,
// closed when the test ends), for seeding and reading.
func (x *ILO) Client(t testing.TB) *ilo.Client {
	t.Helper()
	if x.client != nil {
		return x.client
	}
	c := x.Connect(t)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	x.client = c
	return c
}

// Login opens a session the test owns and returns its token and URI.
func (x *ILO) Login(t testing.TB) (token, uri string) {
	t.Helper()
	c := x.Connect(t)
	token, uri = c.Detach()
	_ = c.Close(context.Background())
	return token, uri
}

// ConnectToken connects to x with an existing session token.
func ConnectToken(x *ILO, token string) (*ilo.Client, error) {
	return ilo.Connect(context.Background(), ilo.Config{BaseURI: x.Srv.URL, AuthToken: token, CAPath: x.CAPath})
}

// AddComponents uploads test images to the repository through
// /cgi-bin/uploadFile and lets the iLO verify and store them.
func (x *ILO) AddComponents(t testing.TB, specs ...testimage.Spec) {
	t.Helper()
	c := x.Connect(t)
	defer func() { _ = c.Close(context.Background()) }()
	token, _ := c.Session()
	for _, s := range specs {
		img, err := testimage.WriteFiles(t.TempDir(), s)
		if err != nil {
			t.Fatalf("write image: %v", err)
		}
		x.Upload(t, token, img)
		x.Sim.Clock().Advance(10 * time.Minute) // verifying and writing take iLO time
	}
}

// Upload POSTs an image (and its signature, when it has one) to
// /cgi-bin/uploadFile for the repository, in the session token.
func (x *ILO) Upload(t testing.TB, token string, img testimage.Files) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("sessionKey", token)
	_ = mw.WriteField("parameters", `{"UpdateRepository": true, "UpdateTarget": false, "ETag": "seed", "Section": 0}`)
	files := []struct{ field, path string }{{"file", img.Image}}
	if img.Compsig != "" {
		files = append([]struct{ field, path string }{{"compsig", img.Compsig}}, files...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := mw.CreateFormFile(f.field, filepath.Base(f.path))
		_, _ = w.Write(b)
	}
	_ = mw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, x.Srv.URL+"/cgi-bin/uploadFile", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", "sessionKey="+token)
	resp, err := x.Srv.Client().Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload %s: %d %s", filepath.Base(img.Image), resp.StatusCode, b)
	}
}

// ClosedPort returns the address of a loopback port nothing listens on.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Execution is one module run: the exit code, the raw output and its JSON.
type Execution struct {
	Code int
	Raw  string
	Out  map[string]any
}

// Changed reports whether the module returned changed=true.
func (e Execution) Changed() bool { return e.Out["changed"] == true }

// Msg returns the module's msg ("" when none).
func (e Execution) Msg() string { s, _ := e.Out["msg"].(string); return s }

// Execute runs m with args and the _ansible_* keys in meta, in an empty
// environment, and checks that the output is one JSON object holding no
// password.
func Execute(t testing.TB, m ansible.Module, args, meta map[string]any) Execution {
	t.Helper()
	return ExecuteCtx(t, context.Background(), m, args, meta, nil)
}

// ExecuteEnv is Execute in an environment holding only env.
func ExecuteEnv(t testing.TB, m ansible.Module, args, meta map[string]any, env map[string]string) Execution {
	t.Helper()
	return ExecuteCtx(t, context.Background(), m, args, meta, env)
}

// ExecuteCtx is ExecuteEnv under ctx (which a test may cancel, as a
// signal would); the run gets at most a minute.
func ExecuteCtx(t testing.TB, ctx context.Context, m ansible.Module, args, meta map[string]any, env map[string]string) Execution {
	t.Helper()
	all := map[string]any{"_ansible_module_name": "fleetfw.ilo." + m.Name()}
	for k, v := range args {
		all[k] = v
	}
	for k, v := range meta {
		all["_ansible_"+k] = v
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	code := m.ExecuteIn(ctx, b, ansible.Host{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	r := Execution{Code: code, Raw: stdout.String() + stderr.String()}
	if err := json.Unmarshal(stdout.Bytes(), &r.Out); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout.String())
	}
	RequireNoSecret(t, r.Raw, Password)
	return r
}

// RequireNoSecret fails the test when output contains one of secrets.
func RequireNoSecret(t testing.TB, output string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(output, s) {
			t.Errorf("the output contains a secret (%.4s…):\n%s", s, output)
		}
	}
}

// Counted runs the module with the counters zeroed first and returns the
// writes it made; it fails the test when the module left its session open.
func Counted(t testing.TB, x *ILO, m ansible.Module, args, meta map[string]any) (Execution, int) {
	t.Helper()
	open := x.Sim.Counters().OpenSessions // the test's own clients
	x.Sim.ResetCounters()
	r := Execute(t, m, args, meta)
	c := x.Sim.Counters()
	if c.OpenSessions != open {
		t.Errorf("open sessions after the module = %d, want %d (the module left its session open)", c.OpenSessions, open)
	}
	return r, c.Writes
}

// RequireClean fails the test when the iLO was written to or has a session open.
func RequireClean(t testing.TB, x *ILO) {
	t.Helper()
	c := x.Sim.Counters()
	if c.Writes != 0 {
		t.Errorf("writes = %d, want 0 (requests %v)", c.Writes, c.Requests)
	}
	if c.OpenSessions != 0 {
		t.Errorf("open sessions = %d, want 0", c.OpenSessions)
	}
}

// Run runs m with args as they are (connection options and _ansible_* keys
// included) under timeout and returns its result, numbers decoded as
// json.Number, and its exit code. It fails the test when the output is not
// JSON, when the exit code disagrees with failed, or when the output holds
// Password.
func Run(t testing.TB, m ansible.Module, args map[string]any, timeout time.Duration) (map[string]any, int) {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout bytes.Buffer
	code := m.ExecuteIn(ctx, b, ansible.Host{Stdout: &stdout})
	d := json.NewDecoder(&stdout)
	d.UseNumber()
	var o map[string]any
	if err := d.Decode(&o); err != nil {
		t.Fatalf("module output is not JSON: %v\n%s", err, stdout.String())
	}
	failed := o["failed"] == true
	if (code != 0) != failed {
		t.Errorf("exit code %d with failed=%v", code, failed)
	}
	RequireNoSecret(t, stdout.String(), Password)
	return o, code
}

// Step runs one step of an idempotency sequence: m with args, in check
// mode when check is set, with diff on. It stops the test when the module
// fails, and reports a changed flag or a write count other than wanted and
// a change without a diff.
func Step(t testing.TB, x *ILO, m ansible.Module, name string, args map[string]any, check, wantChanged bool, wantWrites int) Execution {
	t.Helper()
	r, writes := Counted(t, x, m, args, map[string]any{"check_mode": check, "diff": true})
	if r.Code != 0 {
		t.Fatalf("%s: exit %d: %s", name, r.Code, r.Raw)
	}
	if r.Changed() != wantChanged || writes != wantWrites {
		t.Errorf("%s: changed %v writes %d, want %v %d (%s)", name, r.Changed(), writes, wantChanged, wantWrites, r.Msg())
	}
	if wantChanged && r.Out["diff"] == nil {
		t.Errorf("%s: no diff", name)
	}
	return r
}

// LoseResponse wraps an iLO so that the first request with method whose
// path contains part is carried out and its answer never arrives (the
// connection closes): a write whose outcome the client cannot know.
func LoseResponse(method, part string) func(http.Handler) http.Handler {
	var once sync.Once
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lose := false
			if r.Method == method && strings.Contains(r.URL.Path, part) {
				once.Do(func() { lose = true })
			}
			if !lose {
				h.ServeHTTP(w, r)
				return
			}
			h.ServeHTTP(discard{header: http.Header{}}, r) // the iLO takes it …
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close() // … and the answer never arrives
			}
		})
	}
}

// discard is a ResponseWriter that drops the response.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
