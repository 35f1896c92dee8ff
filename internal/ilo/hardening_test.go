package ilo

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Tests of issue 14's transport hardening: caps on answers, stalls, plain
// HTTP, secrets, sessions and messages.

const usPath = "/redfish/v1/UpdateService/"

// answer returns a hook that sends body with content type ct and status 200.
func answer(ct string, body []byte) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
		return true
	}
}

func TestAnswerCaps(t *testing.T) {
	deepValid := []byte(strings.Repeat("[", 5<<20) + strings.Repeat("]", 5<<20))
	deepInvalid := []byte(strings.Repeat(`{"a":`, 2<<20))
	deepInString := []byte(`{"a":"` + strings.Repeat("[", 1000) + `","b":"\"{{{{"}`)
	tests := []struct {
		name    string
		body    []byte
		opts    []Option
		wantErr []string // empty: the read succeeds
	}{
		{"10 MB deep valid nesting", deepValid, nil, []string{"GET " + usPath, "nests JSON more than 64 levels"}},
		{"10 MB deep invalid nesting", deepInvalid, nil, []string{"GET " + usPath, "nests JSON more than 64 levels"}},
		{"brackets inside strings are not nesting", deepInString, nil, nil},
		{"17 MiB answer", []byte(`{"a":"` + strings.Repeat("x", 17<<20) + `"}`), nil, []string{"GET " + usPath, "larger than the 16 MiB"}},
		{"cap is configurable", []byte(`{"a":"` + strings.Repeat("x", 200<<10) + `"}`), []Option{WithMaxBody(100 << 10)}, []string{"larger than the 100 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, func(f *fakeILO) { f.hook("GET", usPath, answer("application/json", tt.body)) })
			c, err := Connect(context.Background(), env.args, fastOptions(tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Get(context.Background(), usPath)
			if cerr := c.Close(context.Background()); cerr != nil {
				t.Errorf("Close: %v", cerr)
			}
			if n := env.fake.openSessions(); n != 0 {
				t.Errorf("open sessions after Close: %d, want 0", n)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				return
			}
			if err == nil || !IsBadAnswer(err) {
				t.Fatalf("got %v, want a refused answer", err)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if env.fake.count("GET "+usPath) != 1 {
				t.Errorf("a refused answer was requested %d times, want 1 (no retry)", env.fake.count("GET "+usPath))
			}
		})
	}
}

func TestJSONDepth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{`{}`, 1},
		{`{"a":[1,{"b":[]}]}`, 4},
		{`"[[[["`, 0},
		{`{"a":"\\"}`, 1},
		{`{"a":"\"[[["}`, 1},
		{`]]]]{`, 1},
		{`<html>`, 0},
	}
	for _, tt := range tests {
		if got := jsonDepth([]byte(tt.in), 100); got != tt.want {
			t.Errorf("jsonDepth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got := jsonDepth([]byte(strings.Repeat("[", 1000)), 10); got != 11 {
		t.Errorf("jsonDepth stops at limit+1: got %d, want 11", got)
	}
}

func TestMessageCaps(t *testing.T) {
	huge := strings.Repeat("M", 4<<20)
	var infos []string
	for i := range 100 {
		infos = append(infos, fmt.Sprintf(`{"MessageId":"iLO.2.14.Odd%d","MessageArgs":[%q,"a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r"]}`, i, huge))
	}
	body := []byte(`{"error":{"code":"x","message":"` + huge + `","@Message.ExtendedInfo":[` + strings.Join(infos, ",") + `]}}`)
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", usPath, func(w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(body[:min(len(body), 15<<20)])
			return true
		})
	})
	// The body above is cut at 15 MiB and so is not JSON; a 2 MiB variant is.
	var list []any
	for range 60 {
		list = append(list, map[string]any{"MessageId": "Base.1.4.GeneralError", "MessageArgs": []string{strings.Repeat("A", 5000)}})
	}
	small, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "x", "message": huge[:2<<20], "@Message.ExtendedInfo": list}})
	env.fake.hook("GET", "/redfish/v1/Managers/", func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(small)
		return true
	})
	c := env.connect(t)
	for _, uri := range []string{usPath, "/redfish/v1/Managers/"} {
		_, err := c.Get(context.Background(), uri)
		if err == nil {
			t.Fatalf("GET %s succeeded", uri)
		}
		e, _ := asError(err)
		if n := len(err.Error()); n > 200<<10 {
			t.Errorf("GET %s: error text is %d bytes, want at most 200 KiB", uri, n)
		}
		if len(e.Messages) > maxMessages+1 {
			t.Errorf("GET %s: %d messages kept, want at most %d", uri, len(e.Messages), maxMessages+1)
		}
		if uri != "/redfish/v1/Managers/" {
			continue
		}
		if len(e.Messages) != maxMessages+1 || !strings.Contains(e.Messages[maxMessages].Meaning, "more than 32 messages") {
			t.Errorf("GET %s: %d messages, want %d and a marker for the rest", uri, len(e.Messages), maxMessages+1)
		}
		if a := e.Messages[0].Args[0]; len(a) > maxMessageText+100 || !strings.Contains(a, "truncated, 4.9 KiB in all") {
			t.Errorf("GET %s: argument of %d bytes, want it cut with a marker: %.80q…", uri, len(a), a)
		}
	}
}

func TestCollectionMemberCap(t *testing.T) {
	coll := "/redfish/v1/UpdateService/FirmwareInventory/"
	var links []string
	for i := range 5000 {
		links = append(links, fmt.Sprintf(`{"@odata.id":"%s%d/"}`, coll, i))
	}
	body := []byte(`{"@odata.id":"` + coll + `","Members":[` + strings.Join(links, ",") + `]}`)
	env := newEnv(t, func(f *fakeILO) { f.hook("GET", coll, answer("application/json", body)) })
	c := env.connect(t)
	_, _, err := c.collection(context.Background(), coll)
	if !IsBadAnswer(err) {
		t.Fatalf("got %v, want the member cap", err)
	}
	for _, s := range []string{coll, "5000 members", "1024"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	if n := env.fake.count("GET " + coll); n != 1 {
		t.Errorf("%d requests below the collection, want 1 (no member followed)", n)
	}
}

// stallAfterHeaders sends the headers of an answer, then nothing until the
// client goes away.
func stallAfterHeaders(w http.ResponseWriter, r *http.Request) bool {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"a":`))
	w.(http.Flusher).Flush()
	<-r.Context().Done()
	return true
}

func TestAnswerStall(t *testing.T) {
	const upload = "/cgi-bin/uploadFile"
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", usPath, stallAfterHeaders)
		f.hook("POST", upload, stallAfterHeaders)
	})
	env.args.Timeout = time.Second
	c := env.connect(t)
	tests := []struct {
		name string
		req  *request
		want string
	}{
		{"resource", &request{method: http.MethodGet, uri: usPath}, "GET " + usPath},
		{"upload without overall timeout", &request{method: http.MethodPost, uri: upload, timeout: -1,
			body: func(string) (io.Reader, int64, string, error) {
				return strings.NewReader("payload"), 7, "application/octet-stream", nil
			}}, "POST " + upload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			_, err := c.send(ctx, tt.req)
			took := time.Since(start)
			if !IsTimeout(err) {
				t.Fatalf("got %v, want a timeout", err)
			}
			for _, s := range []string{"sent the headers of its answer to " + tt.want + ", then ", " 1s "} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if took > 15*time.Second { // a bound, not a timing: without the fix this runs to ctx's minute
				t.Errorf("took %s, want about the 1 s request timeout", took)
			}
		})
	}
}

func TestPlainHTTP(t *testing.T) {
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	a := Config{BaseURI: srv.URL, Username: f.user, Password: f.pass, Timeout: 5 * time.Second}
	for _, err := range []error{func() error { _, err := Connect(context.Background(), a); return err }()} {
		if err == nil {
			t.Fatal("http:// accepted without allow_http")
		}
		for _, s := range []string{"clear text", "Config.AllowHTTP: true", "https"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not contain %q", err, s)
			}
		}
	}
	if n := len(f.requests); n != 0 {
		t.Errorf("%d requests sent to a refused http:// baseuri, want 0", n)
	}
	a.AllowHTTP = true
	c, err := Connect(context.Background(), a)
	if err != nil {
		t.Fatalf("allow_http: Connect: %v", err)
	}
	if err := c.Close(context.Background()); err != nil || f.openSessions() != 0 {
		t.Errorf("Close: %v, open sessions %d", err, f.openSessions())
	}
}

func TestBaseURIUserInfoNotEchoed(t *testing.T) {
	for _, s := range []string{
		"https://admin:Pa55-w0rd@ilo1", "https://admin:Pa55/w0rd@ilo1/redfish/v1", "admin:Pa55-w0rd@ilo1:443",
		"https://admin:Pa55?w0rd#@ilo1",
	} {
		_, err := ParseBaseURI(s)
		if err == nil {
			t.Errorf("%q accepted", s)
			continue
		}
		if strings.Contains(err.Error(), "Pa55") {
			t.Errorf("%q: the password is in the error %q", s, err)
		}
	}
}

func TestEveryTokenHidden(t *testing.T) {
	env := newEnv(t)
	var mu sync.Mutex
	var hidden []string
	hide := func(s string) { mu.Lock(); hidden = append(hidden, s); mu.Unlock() }
	c, err := Connect(context.Background(), env.args, append(fastOptions(), WithHide(hide))...)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := c.Session()
	env.fake.dropSessions()
	if _, err := c.UpdateService(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, _ := c.Session()
	env.fake.dropSessions() // as an iLO reset does
	if err := c.Reconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	third, _ := c.Session()
	c.Close(context.Background())
	mu.Lock()
	defer mu.Unlock()
	want := []string{first, second, third}
	if first == second || second == third || strings.Join(hidden, ",") != strings.Join(want, ",") {
		t.Errorf("hidden %q, want the tokens of the login, the re-login and the Reconnect %q", hidden, want)
	}
}

func TestReloginEndsOldSession(t *testing.T) {
	once := sync.Once{}
	env := newEnv(t)
	env.fake.hook("GET", usPath, func(w http.ResponseWriter, _ *http.Request) bool {
		refused := false
		once.Do(func() { refused = true })
		if refused { // the iLO refuses a token whose session still exists
			writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
		}
		return refused
	})
	c := env.connect(t)
	if _, err := c.UpdateService(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := env.fake.openSessions(); n != 1 {
		t.Errorf("open sessions after the re-login: %d, want 1 (the old one logged out)", n)
	}
	c.Close(context.Background())
	if n := env.fake.openSessions(); n != 0 {
		t.Errorf("open sessions after Close: %d, want 0", n)
	}
}

func TestLoginWithoutLocation(t *testing.T) {
	const sessions = "/redfish/v1/SessionService/Sessions/"
	env := newEnv(t)
	f := env.fake
	f.hook("POST", sessions, func(w http.ResponseWriter, r *http.Request) bool {
		rec := httptest.NewRecorder()
		f.login(rec, r)
		w.Header().Set("X-Auth-Token", rec.Header().Get("X-Auth-Token"))
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(`{}`)) // no Location, no @odata.id
		return true
	})
	f.hook("GET", sessions, func(w http.ResponseWriter, r *http.Request) bool {
		f.mu.Lock()
		var members []string
		for tok, p := range f.sessions {
			members = append(members, fmt.Sprintf(`{"@odata.id":%q,"Id":"x","Oem":{"Hpe":{"MySession":%v}}}`, p, tok == r.Header.Get("X-Auth-Token")))
		}
		f.mu.Unlock()
		answer("application/json", []byte(`{"Members":[`+strings.Join(members, ",")+`]}`))(w, r)
		return true
	})
	c := env.connect(t)
	if _, uri := c.Session(); !strings.HasPrefix(uri, sessions) {
		t.Errorf("session path %q, want one below %s", uri, sessions)
	}
	c.Close(context.Background())
	if n := f.openSessions(); n != 0 {
		t.Errorf("open sessions after Close: %d, want 0", n)
	}
}

func TestNotJSONSaysWhatCame(t *testing.T) {
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", usPath, answer("text/html; charset=utf-8", []byte("<html>login</html>")))
	})
	c := env.connect(t)
	_, err := c.UpdateService(context.Background())
	if err == nil {
		t.Fatal("HTML accepted")
	}
	for _, s := range []string{"GET " + usPath, "not JSON (text/html)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	if !errors.Is(err, errNotJSON) {
		t.Errorf("errors.Is(err, errNotJSON) is false for %v", err)
	}
}

// jargon is Go's own wording that must not reach a user.
var jargon = []string{"context deadline exceeded", "context canceled", "EOF", "tls:", "x509:", "dial tcp", "connect:", "net/http:", "http: server"}

func noJargon(t *testing.T, err error) {
	t.Helper()
	for _, j := range jargon {
		if strings.Contains(err.Error(), j) {
			t.Errorf("error %q contains Go jargon %q", err, j)
		}
	}
}

func TestNoGoJargon(t *testing.T) {
	t.Run("caller's deadline", func(t *testing.T) {
		env := newEnv(t, func(f *fakeILO) {
			f.hook("GET", usPath, func(w http.ResponseWriter, r *http.Request) bool { <-r.Context().Done(); return true })
		})
		c := env.connect(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := c.Get(ctx, usPath)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(err, context.DeadlineExceeded) is false for %v", err)
		}
		noJargon(t, err)
	})
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, err = Connect(context.Background(), Config{BaseURI: addr, Username: "u", Password: "p", Timeout: 2 * time.Second}, WithRetries(0))
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("got %v, want connection refused", err)
		}
		noJargon(t, err)
	})
	t.Run("plain HTTP behind https://", func(t *testing.T) {
		srv := httptest.NewServer(newFake(t))
		t.Cleanup(srv.Close)
		_, err := Connect(context.Background(), Config{BaseURI: strings.Replace(srv.URL, "http://", "https://", 1),
			Username: "u", Password: "p", Timeout: 2 * time.Second}, WithRetries(0))
		if err == nil || !strings.Contains(err.Error(), "answers in plain HTTP") {
			t.Fatalf("got %v, want plain HTTP named", err)
		}
		noJargon(t, err)
	})
	t.Run("closed without an answer", func(t *testing.T) {
		env := newEnv(t, func(f *fakeILO) {
			f.hook("GET", usPath, func(w http.ResponseWriter, r *http.Request) bool { hangUp(w, r); return true })
		})
		c := env.connect(t, WithRetries(0))
		_, err := c.Get(context.Background(), usPath)
		if err == nil {
			t.Fatal("no error")
		}
		noJargon(t, err)
	})
}

// certServer serves the fake iLO with a leaf certificate changed by mutate,
// signed by a fresh CA; it returns the Config (CAPath is that CA).
func certServer(t *testing.T, mutate func(leaf *x509.Certificate)) Config {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "ilo"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), DNSNames: []string{"127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	mutate(leaf)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t)
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return Config{BaseURI: srv.URL, Username: f.user, Password: f.pass, CAPath: writeCA(t, ca), Timeout: 5 * time.Second}
}

func TestCertificateCauses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*x509.Certificate)
		want   []string
	}{
		{"SHA-1 signature", func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }, []string{"SHA-1", "SHA-256", "Config.SkipVerify: true"}},
		{"name mismatch", func(c *x509.Certificate) { c.DNSNames, c.IPAddresses = []string{"ilo.invalid"}, nil }, []string{"not valid for \"127.0.0.1\"", "ilo.invalid", "Config.BaseURI"}},
		{"expired", func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
		}, []string{"expired on", "Config.CAPath"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := certServer(t, tt.mutate)
			_, err := Connect(context.Background(), a, WithRetries(0))
			if !IsCertificateError(err) {
				t.Fatalf("got %v, want a certificate error", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			noJargon(t, err)
		})
	}
	t.Run("unknown authority", func(t *testing.T) {
		a := certServer(t, func(*x509.Certificate) {})
		a.CAPath = ""
		_, err := Connect(context.Background(), a, WithRetries(0))
		if !IsCertificateError(err) || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "Config.CAPath") {
			t.Fatalf("got %v, want unknown authority with the ca_path fix", err)
		}
		noJargon(t, err)
	})
}

func TestReadCAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, MaxCAFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "a FIFO", dir: "a directory", "/dev/zero": "a device", big: "more than the 1 MiB"} {
		done := make(chan error, 1)
		go func() { _, err := ReadCAFile(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ReadCAFile(%s) = %v, want an error saying %q", path, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadCAFile(%s) blocks", path)
		}
	}
}

func TestSafeRedirect(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
	}))
	t.Cleanup(other.Close)
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/here" {
			w.Header().Set("Content-Length", "7")
			return
		}
		target := other.URL + "/there"
		if r.URL.Path == "/same" {
			target = "/here"
		}
		http.Redirect(w, r, target, http.StatusFound)
	}))
	t.Cleanup(first.Close)
	hc := &http.Client{CheckRedirect: SafeRedirect}
	// The second server listens on another port of the same address: Go
	// compares host:port, and so does SafeRedirect.
	tests := []struct {
		name    string
		path    string
		auth    bool
		wantErr bool
	}{
		{"cross-host with credentials refused", "/away", true, true},
		{"cross-host without credentials followed", "/away", false, false},
		{"same host with credentials followed", "/same", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodHead, first.URL+tt.path, nil)
			if tt.auth {
				req.SetBasicAuth("u", "secret")
			}
			resp, err := hc.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errCrossHost)) {
				t.Fatalf("got %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", usPath, func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "https://elsewhere.example:8443/redfish/v1/UpdateService/", http.StatusMovedPermanently)
			return true
		})
		f.hook("HEAD", usPath, func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Length", strconv.Itoa(40<<20)) // the GET's length; a HEAD has no body
			w.Header().Set("Allow", "GET, HEAD")
			return true
		})
	})
	c := env.connect(t)
	_, err := c.Get(context.Background(), usPath)
	for _, s := range []string{"GET " + usPath, "redirected the request to https://elsewhere.example:8443", "Config.BaseURI"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not contain %q", err, s)
		}
	}
	if ok, err := c.Allows(context.Background(), usPath, "GET"); err != nil || !ok {
		t.Errorf("HEAD with a large Content-Length: Allows = %v, %v; want true, nil", ok, err)
	}
}

func TestErrorsScrubSecrets(t *testing.T) {
	env := newEnv(t)
	env.fake.hook("GET", usPath, func(w http.ResponseWriter, r *http.Request) bool {
		tok := r.Header.Get("X-Auth-Token")
		writeEnvelope(w, http.StatusBadRequest, "iLO.2.14.Odd", "token "+tok, "password "+env.fake.pass)
		return true
	})
	c := env.connect(t)
	token, _ := c.Session()
	_, err := c.Get(context.Background(), usPath)
	e, ok := asError(err)
	if !ok {
		t.Fatalf("got %v, want *Error", err)
	}
	text := err.Error() + fmt.Sprint(e.ErrorInfo())
	for _, secret := range []string{token, env.fake.pass} {
		if strings.Contains(text, secret) {
			t.Errorf("secret %q echoed by the iLO is in the error: %s", secret[:4]+"…", text)
		}
	}
	if !strings.Contains(text, "token ********") {
		t.Errorf("no scrubbed argument in %s", text)
	}
}

func TestAnswerTrickleOnUpload(t *testing.T) {
	const upload = "/cgi-bin/uploadFile"
	env := newEnv(t, func(f *fakeILO) {
		f.hook("POST", upload, func(w http.ResponseWriter, r *http.Request) bool {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			for range 100 { // a byte every 300 ms: progress, but never an end
				if _, err := w.Write([]byte(" ")); err != nil {
					return true
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return true
				case <-time.After(300 * time.Millisecond):
				}
			}
			return true
		})
	})
	env.args.Timeout = time.Second
	c := env.connect(t)
	resp, err := c.send(context.Background(), &request{method: http.MethodPost, uri: upload, timeout: -1,
		body: func(string) (io.Reader, int64, string, error) {
			return strings.NewReader("payload"), 7, "application/octet-stream", nil
		}})
	if resp != nil {
		t.Fatalf("answer %d %q accepted although it never ended", resp.status, resp.body)
	}
	if !IsTimeout(err) || !strings.Contains(err.Error(), "then not the rest within 1s") {
		t.Fatalf("got %v, want the answer cut off one request timeout after its headers", err)
	}
}

func TestParsersRefuseDeepNesting(t *testing.T) {
	deep := []byte(strings.Repeat(`{"a":`, 1<<20) + "1" + strings.Repeat("}", 1<<20))
	if _, err := ParseServiceRoot(deep); err == nil {
		t.Error("ParseServiceRoot accepted 1 Mi levels of nesting")
	}
	if m := ParseMessages(deep); m != nil {
		t.Errorf("ParseMessages returned %v for 1 Mi levels of nesting", m)
	}
}

func TestHugeHeadersRefused(t *testing.T) {
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", usPath, func(w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("X-Junk", strings.Repeat("j", 1<<20))
			w.WriteHeader(http.StatusOK)
			return true
		})
	})
	c := env.connect(t, WithRetries(0))
	_, err := c.Get(context.Background(), usPath)
	if !IsBadAnswer(err) || !strings.Contains(err.Error(), "headers exceed 64 KiB") {
		t.Fatalf("got %v, want the headers refused", err)
	}
	noJargon(t, err)
}
