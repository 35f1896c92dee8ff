package session

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
)

// Credentials of every simulated iLO in these tests. The password is
// distinctive so that a leak into any output is found.
const (
	testUser     = "fleetfw-ut"
	testPassword = "Unit-pw-93c1e0f2b7"
)

// testILO is one simulated iLO behind a TLS server whose certificate is
// trusted through caPath.
type testILO struct {
	sim    *ilosim.ILO
	srv    *httptest.Server
	caPath string
}

func newILO(t *testing.T, opts ...ilosim.Option) *testILO {
	t.Helper()
	return newWrappedILO(t, nil, opts...)
}

// newWrappedILO serves the simulator through wrap (nil: as it is), which
// may delay or break requests.
func newWrappedILO(t *testing.T, wrap func(http.Handler) http.Handler, opts ...ilosim.Option) *testILO {
	t.Helper()
	opts = append([]ilosim.Option{ilosim.WithDir(t.TempDir()), ilosim.WithCredentials(testUser, testPassword)}, opts...)
	sim := ilosim.New(opts...)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are test cases
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		_ = sim.Close()
	})
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caPath, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return &testILO{sim: sim, srv: srv, caPath: caPath}
}

// args returns the connection options for this iLO (credentials included)
// merged with extra; a nil value in extra removes the option.
func (x *testILO) args(extra map[string]any) map[string]any {
	a := map[string]any{"baseuri": x.srv.URL, "ca_path": x.caPath, "username": testUser, "password": testPassword}
	for k, v := range extra {
		if v == nil {
			delete(a, k)
		} else {
			a[k] = v
		}
	}
	return a
}

// connect opens a client session as the tests' user, for seeding.
func (x *testILO) connect(t *testing.T) *ilo.Client {
	t.Helper()
	c, err := ilo.Connect(context.Background(), ilo.ConnArgs{BaseURI: x.srv.URL, Username: testUser, Password: testPassword, ValidateCerts: true, CAPath: x.caPath})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

// login opens a session the test owns and returns its token.
func (x *testILO) login(t *testing.T) (token, uri string) {
	t.Helper()
	c := x.connect(t)
	token, uri = c.Detach()
	_ = c.Close(context.Background())
	return token, uri
}

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// execution is one module run: the exit code, the raw output and its JSON.
type execution struct {
	code int
	raw  string
	out  map[string]any
}

// execute runs m with args (and the _ansible_* keys in meta) in an
// environment holding only env, and decodes its one JSON result.
func execute(t *testing.T, m ansible.Module, args, meta map[string]any, env map[string]string) execution {
	t.Helper()
	return executeCtx(t, context.Background(), m, args, meta, env)
}

// executeCtx is execute under ctx (which a test may cancel, as a signal would).
func executeCtx(t *testing.T, ctx context.Context, m ansible.Module, args, meta map[string]any, env map[string]string) execution {
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
	r := execution{code: code, raw: stdout.String() + stderr.String()}
	if err := json.Unmarshal(stdout.Bytes(), &r.out); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout.String())
	}
	for _, secret := range []string{testPassword} {
		if strings.Contains(r.raw, secret) {
			t.Errorf("the output contains the password:\n%s", r.raw)
		}
	}
	return r
}

// requireClean fails the test when the iLO was written to or has a session open.
func requireClean(t *testing.T, x *testILO) {
	t.Helper()
	c := x.sim.Counters()
	if c.Writes != 0 {
		t.Errorf("writes = %d, want 0 (requests %v)", c.Writes, c.Requests)
	}
	if c.OpenSessions != 0 {
		t.Errorf("open sessions = %d, want 0", c.OpenSessions)
	}
}

// iloConnectToken connects with an existing session token.
func iloConnectToken(x *testILO, token string) (*ilo.Client, error) {
	return ilo.Connect(context.Background(), ilo.ConnArgs{BaseURI: x.srv.URL, AuthToken: token, ValidateCerts: true, CAPath: x.caPath})
}
