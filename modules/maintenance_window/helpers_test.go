package maintenancewindow

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"mime/multipart"
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

// Credentials of every simulated iLO in these tests. The password is
// distinctive so that a leak into any output is found.
const (
	testUser     = "fleetfw-ut"
	testPassword = "Unit-pw-5e0c1d9a77"
)

// testILO is one simulated iLO behind a TLS server trusted through caPath.
type testILO struct {
	sim    *ilosim.ILO
	srv    *httptest.Server
	caPath string

	mu      sync.Mutex
	ifMatch []string    // the If-Match header of every PATCH
	client  *ilo.Client // the test's own session, opened once
}

// ServeHTTP records PATCH preconditions and hands the request to the iLO.
func (x *testILO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		x.mu.Lock()
		x.ifMatch = append(x.ifMatch, r.Header.Get("If-Match"))
		x.mu.Unlock()
	}
	x.sim.ServeHTTP(w, r)
}

// patches returns the If-Match headers of the PATCH requests so far.
func (x *testILO) patches() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.ifMatch...)
}

func newILO(t *testing.T, opts ...ilosim.Option) *testILO {
	t.Helper()
	opts = append([]ilosim.Option{ilosim.WithDir(t.TempDir()), ilosim.WithCredentials(testUser, testPassword)}, opts...)
	x := &testILO{sim: ilosim.New(opts...)}
	srv := httptest.NewUnstartedServer(x)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		_ = x.sim.Close()
	})
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caPath, block, 0o600); err != nil {
		t.Fatal(err)
	}
	x.srv, x.caPath = srv, caPath
	return x
}

// args returns the connection options for this iLO merged with extra.
func (x *testILO) args(extra map[string]any) map[string]any {
	a := map[string]any{"baseuri": x.srv.URL, "ca_path": x.caPath, "username": testUser, "password": testPassword}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// connect returns the test's own client session (opened on first use,
// closed when the test ends), for seeding and reading.
func (x *testILO) connect(t *testing.T) *ilo.Client {
	t.Helper()
	if x.client != nil {
		return x.client
	}
	c, err := ilo.Connect(context.Background(), ilo.ConnArgs{BaseURI: x.srv.URL, Username: testUser, Password: testPassword, ValidateCerts: true, CAPath: x.caPath})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	x.client = c
	return c
}

// addComponents uploads test images to the repository through
// /cgi-bin/uploadFile and lets the iLO verify and store them.
func (x *testILO) addComponents(t *testing.T, specs ...testimage.Spec) {
	t.Helper()
	c, err := ilo.Connect(context.Background(), ilo.ConnArgs{BaseURI: x.srv.URL, Username: testUser, Password: testPassword, ValidateCerts: true, CAPath: x.caPath})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	token, _ := c.Session()
	for _, s := range specs {
		img, err := testimage.WriteFiles(t.TempDir(), s)
		if err != nil {
			t.Fatalf("write image: %v", err)
		}
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
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, x.srv.URL+"/cgi-bin/uploadFile", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Cookie", "sessionKey="+token)
		resp, err := x.srv.Client().Do(req)
		if err != nil {
			cancel()
			t.Fatalf("upload: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("upload %s: %d %s", s.Filename, resp.StatusCode, b)
		}
		x.sim.Clock().Advance(10 * time.Minute) // verifying and writing take iLO time
	}
}

// execution is one module run: the exit code, the raw output and its JSON.
type execution struct {
	code int
	raw  string
	out  map[string]any
}

func (e execution) changed() bool { return e.out["changed"] == true }

func (e execution) msg() string { s, _ := e.out["msg"].(string); return s }

// execute runs the module with args and the _ansible_* keys in meta and
// checks that the output holds no password.
func execute(t *testing.T, m ansible.Module, args, meta map[string]any) execution {
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := m.ExecuteIn(ctx, b, ansible.Host{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false }})
	r := execution{code: code, raw: stdout.String() + stderr.String()}
	if err := json.Unmarshal(stdout.Bytes(), &r.out); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout.String())
	}
	if strings.Contains(r.raw, testPassword) {
		t.Errorf("the output contains the password:\n%s", r.raw)
	}
	return r
}

// counted runs the module with the counters zeroed first and returns the
// writes it made; it fails the test when the module left its session open.
func counted(t *testing.T, x *testILO, m ansible.Module, args, meta map[string]any) (execution, int) {
	t.Helper()
	open := x.sim.Counters().OpenSessions // the test's own clients
	x.sim.ResetCounters()
	r := execute(t, m, args, meta)
	c := x.sim.Counters()
	if c.OpenSessions != open {
		t.Errorf("open sessions after the module = %d, want %d (the module left its session open)", c.OpenSessions, open)
	}
	return r, c.Writes
}
