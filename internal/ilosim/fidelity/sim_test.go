package fidelity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/testimage"
)

// requestTimeout bounds every request a test makes.
const requestTimeout = 10 * time.Second

// simILO is one simulated iLO served by httptest with a logged-in session.
type simILO struct {
	t       *testing.T
	profile string
	ilo     *ilosim.ILO
	srv     *httptest.Server
	token   string
	session string         // path of our session (from Location)
	root    map[string]any // the service root
}

// startSim starts profile and logs in with the default credentials, finding
// the sessions collection from the service root as a client must.
func startSim(t *testing.T, profile string) *simILO {
	t.Helper()
	ilo := ilosim.New(ilosim.WithProfileName(profile), ilosim.WithDir(t.TempDir()),
		ilosim.WithPhases(ilosim.Phases{Verifying: 10 * time.Millisecond, Writing: 10 * time.Millisecond, Updating: 10 * time.Millisecond}))
	srv := httptest.NewServer(ilo)
	t.Cleanup(func() {
		srv.Close()
		ilo.Close()
	})
	s := &simILO{t: t, profile: profile, ilo: ilo, srv: srv}
	status, root := s.getAs("/redfish/v1/", false)
	if status != http.StatusOK {
		t.Fatalf("GET service root without auth: status %d, want 200", status)
	}
	s.root = root
	login := s.link(root, "Links.Sessions")
	body := strings.NewReader(fmt.Sprintf(`{"UserName": %q, "Password": %q}`, ilosim.DefaultUsername, ilosim.DefaultPassword))
	resp, _ := s.do(http.MethodPost, login, body, map[string]string{"Content-Type": "application/json"}, false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: status %d, want 201", login, resp.StatusCode)
	}
	s.token = resp.Header.Get("X-Auth-Token")
	if s.token == "" {
		t.Fatalf("POST %s: no X-Auth-Token header", login)
	}
	s.session = pathOf(resp.Header.Get("Location"))
	return s
}

// pathOf returns the path of an absolute or relative URL.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.Index(u, "/"); j >= 0 {
			return u[j:]
		}
		return "/"
	}
	return u
}

// do sends one request with a deadline; auth adds the session token.
func (s *simILO) do(method, path string, body io.Reader, hdr map[string]string, auth bool) (*http.Response, []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatalf("build %s %s: %v", method, path, err)
	}
	req.Header.Set("OData-Version", "4.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if auth {
		req.Header.Set("X-Auth-Token", s.token)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// getAs GETs path and decodes a JSON object body (nil when the body is empty).
func (s *simILO) getAs(path string, auth bool) (int, map[string]any) {
	s.t.Helper()
	resp, b := s.do(http.MethodGet, path, nil, nil, auth)
	return resp.StatusCode, decode(s.t, path, b)
}

// get GETs path with the session and wants 200.
func (s *simILO) get(path string) map[string]any {
	s.t.Helper()
	status, body := s.getAs(path, true)
	if status != http.StatusOK {
		s.t.Fatalf("GET %s: status %d, want 200; body %v", path, status, body)
	}
	return body
}

func decode(t *testing.T, what string, b []byte) map[string]any {
	t.Helper()
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v; body %.200q", what, err, b)
	}
	return m
}

// link returns the @odata.id found at the dotted path of body.
func (s *simILO) link(body map[string]any, dotted string) string {
	s.t.Helper()
	v, ok := lookup(body, dotted+".@odata.id").(string)
	if !ok || v == "" {
		s.t.Fatalf("no link %s in %v", dotted, body["@odata.id"])
	}
	return v
}

// lookup walks a dotted path of object keys; a key may itself contain dots
// only as its last element's "@odata.id".
func lookup(v any, dotted string) any {
	const odata = "@odata.id"
	tail := ""
	if strings.HasSuffix(dotted, "."+odata) {
		dotted, tail = strings.TrimSuffix(dotted, "."+odata), odata
	}
	for _, k := range strings.Split(dotted, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	if tail != "" {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		return m[tail]
	}
	return v
}

// members returns the @odata.id of every member of a collection body.
func members(body map[string]any) []string {
	var out []string
	list, _ := body["Members"].([]any)
	for _, m := range list {
		if obj, ok := m.(map[string]any); ok {
			if id, ok := obj["@odata.id"].(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// uploadComponent writes the image spec describes, uploads it with its
// compsig to HttpPushUri as iLOrest does (sessionKey, parameters, compsig,
// file; Cookie sessionKey) to the repository only, and waits for the
// UpdateService State to settle. It returns the HTTP status of the POST.
func (s *simILO) uploadComponent(updateService map[string]any, spec testimage.Spec) int {
	s.t.Helper()
	files, err := testimage.WriteFiles(s.t.TempDir(), spec)
	if err != nil {
		s.t.Fatal(err)
	}
	push, _ := updateService["HttpPushUri"].(string)
	if push == "" {
		s.t.Fatalf("UpdateService has no HttpPushUri")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("sessionKey", s.token)
	mw.WriteField("parameters", `{"UpdateRepository": true, "UpdateTarget": false, "ETag": "fidelity", "Section": 0}`)
	if files.Compsig != "" {
		addFile(s.t, mw, "compsig", testimage.CompsigName(spec.Filename, 0), files.Compsig)
	}
	addFile(s.t, mw, "file", spec.Filename, files.Image)
	if err := mw.Close(); err != nil {
		s.t.Fatal(err)
	}
	resp, b := s.do(http.MethodPost, push, &body, map[string]string{
		"Content-Type": mw.FormDataContentType(), "Cookie": "sessionKey=" + s.token,
	}, true)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		s.t.Logf("POST %s: status %d body %.300s", push, resp.StatusCode, b)
		return resp.StatusCode
	}
	s.waitDone(pathOfID(updateService))
	return resp.StatusCode
}

func pathOfID(body map[string]any) string {
	id, _ := body["@odata.id"].(string)
	return id
}

func addFile(t *testing.T, mw *multipart.Writer, field, name, path string) {
	t.Helper()
	w, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		t.Fatal(err)
	}
}

// waitDone polls the UpdateService until Oem.Hpe.State is Complete or
// Error, the sticky states that end an upload (reference §1.5).
func (s *simILO) waitDone(updateService string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		us := s.get(updateService)
		state, _ := lookup(us, "Oem.Hpe.State").(string)
		switch state {
		case "Complete", "Error":
			return us
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("UpdateService State still %q after 20 s", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// create POSTs body to a collection and wants 201 Created.
func (s *simILO) create(collection, body string) {
	s.t.Helper()
	resp, b := s.do(http.MethodPost, collection, strings.NewReader(body), map[string]string{"Content-Type": "application/json"}, true)
	if resp.StatusCode != http.StatusCreated {
		s.t.Errorf("POST %s: status %d, want 201; body %.300s", collection, resp.StatusCode, b)
	}
}

// iloTime returns the iLO clock (UpdateService Oem.Hpe.CurrentTime) plus d,
// in the format HPE's examples use.
func (s *simILO) iloTime(updateService map[string]any, d time.Duration) string {
	s.t.Helper()
	cur, _ := lookup(updateService, "Oem.Hpe.CurrentTime").(string)
	now, err := time.Parse(time.RFC3339, cur)
	if err != nil {
		s.t.Fatalf("UpdateService Oem.Hpe.CurrentTime %q: %v", cur, err)
	}
	return now.Add(d).UTC().Format("2006-01-02T15:04:05Z")
}
