package ilosim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// env is one simulated iLO behind a real HTTP server.
type env struct {
	t   testing.TB
	ilo *ILO
	srv *httptest.Server
	tok string
}

func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	opts = append([]Option{WithDir(t.TempDir())}, opts...)
	i := New(opts...)
	srv := httptest.NewServer(i)
	t.Cleanup(func() {
		srv.Close()
		_ = i.Close()
	})
	return &env{t: t, ilo: i, srv: srv}
}

// login opens a session and remembers its token.
func (e *env) login() string {
	e.t.Helper()
	res := e.do("POST", "/redfish/v1/SessionService/Sessions/", map[string]string{"UserName": DefaultUsername, "Password": DefaultPassword}, nil)
	if res.status != http.StatusCreated {
		e.t.Fatalf("login: status %d, want 201: %s", res.status, res.body)
	}
	e.tok = res.header.Get("X-Auth-Token")
	return e.tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// get returns the value at a dotted path ("Oem.Hpe.State") of a decoded
// body; keys that contain dots ("@odata.id") are matched greedily.
func get(m any, p string) any {
	parts := strings.Split(p, ".")
	for len(parts) > 0 {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		found := false
		for n := len(parts); n > 0; n-- {
			if v, ok := mm[strings.Join(parts[:n], ".")]; ok {
				m, parts, found = v, parts[n:], true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return m
}

// msgID returns the first MessageId of an error envelope.
func msgID(t testing.TB, r response) string {
	t.Helper()
	m := r.json(t)
	infos, _ := get(m, "error.@Message.ExtendedInfo").([]any)
	if len(infos) == 0 {
		return ""
	}
	id, _ := infos[0].(map[string]any)["MessageId"].(string)
	return id
}

// do sends a request with the session token (if any) and extra headers.
func (e *env) do(method, p string, body any, hdr map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+p, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if e.tok != "" {
		req.Header.Set("X-Auth-Token", e.tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, p, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}
