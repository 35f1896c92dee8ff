package ilo

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseBaseURI(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "ilo1", want: "https://ilo1"},
		{in: "ilo1.example.com:8443", want: "https://ilo1.example.com:8443"},
		{in: "10.0.0.5", want: "https://10.0.0.5"},
		{in: "[fe80::1]:443", want: "https://[fe80::1]:443"},
		{in: "https://ilo1/", want: "https://ilo1"},
		{in: "HTTPS://ilo1/redfish/v1/", want: "https://ilo1"},
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "  ilo1  ", want: "https://ilo1"},
		{in: "", wantErr: "empty"},
		{in: "ftp://ilo1", wantErr: `scheme "ftp" is not supported`},
		{in: "https://admin:pw@ilo1", wantErr: "credentials do not belong"},
		{in: "https://ilo1/some/path", wantErr: "unexpected path"},
		{in: "ilo1:99999", wantErr: "out of range"},
		{in: "ilo1:", wantErr: "empty port"},
		{in: "https://", wantErr: "no host"},
		{in: "ilo 1", wantErr: "invalid"},
		{in: "https://ilo1/?x=1", wantErr: "query"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseBaseURI(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got %v, want error containing %q", u, tt.wantErr)
				}
				for _, s := range []string{tt.wantErr, "Config.BaseURI", "host"} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if u.String() != tt.want {
				t.Errorf("got %s, want %s", u, tt.want)
			}
		})
	}
}

func TestConnectTLS(t *testing.T) {
	env := newEnv(t)
	port := env.srv.Listener.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name    string
		mod     func(a *Config)
		wantErr []string
	}{
		{"ca_path accepted", func(a *Config) {}, nil},
		{"self-signed refused", func(a *Config) { a.CAPath = "" }, []string{"not trusted", "Config.CAPath", "Config.SkipVerify: true"}},
		{"validate_certs false", func(a *Config) { a.CAPath, a.SkipVerify = "", true }, nil},
		{"hostname mismatch", func(a *Config) { a.BaseURI = "localhost:" + strconv.Itoa(port) }, []string{"not valid for \"localhost\"", "Config.BaseURI"}},
		{"missing ca_path file", func(a *Config) { a.CAPath = "/nonexistent/ca.pem" }, []string{"read Config.CAPath"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := env.args
			tt.mod(&a)
			c, err := Connect(context.Background(), a, fastOptions()...)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				if err := c.Close(context.Background()); err != nil {
					t.Errorf("Close: %v", err)
				}
				return
			}
			if err == nil {
				c.Close(context.Background())
				t.Fatalf("Connect succeeded, want error")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	if n := env.fake.openSessions(); n != 0 {
		t.Errorf("open sessions after the TLS tests: got %d, want 0", n)
	}
}

// TestLogoutAlwaysHappens runs a module-shaped body (Connect, work, deferred
// Close) that ends in several ways, and counts logouts.
func TestLogoutAlwaysHappens(t *testing.T) {
	tests := []struct {
		name string
		// work runs with the client; it may cancel ctx.
		work    func(ctx context.Context, cancel context.CancelFunc, c *Client) error
		setup   func(f *fakeILO)
		wantErr bool
	}{
		{name: "success", work: func(ctx context.Context, _ context.CancelFunc, c *Client) error {
			_, err := c.UpdateService(ctx)
			return err
		}},
		{name: "iLO error", wantErr: true, work: func(ctx context.Context, _ context.CancelFunc, c *Client) error {
			_, err := c.Get(ctx, "/redfish/v1/UpdateService/UpdateTaskQueue/44c2f1b7/")
			return err
		}},
		{name: "caller deadline", wantErr: true,
			setup: func(f *fakeILO) {
				f.hook("GET", "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
					<-r.Context().Done() // never answers in time
					return true
				})
			},
			work: func(ctx context.Context, _ context.CancelFunc, c *Client) error {
				ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				_, err := c.UpdateService(ctx)
				return err
			}},
		{name: "cancelled", wantErr: true, work: func(ctx context.Context, cancel context.CancelFunc, c *Client) error {
			cancel()
			_, err := c.UpdateService(ctx)
			return err
		}},
		{name: "panic recovered by caller", wantErr: true, work: func(ctx context.Context, _ context.CancelFunc, c *Client) error {
			panic("boom")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			if tt.setup != nil {
				tt.setup(env.fake)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = errors.New("panic")
					}
				}()
				c, err := Connect(ctx, env.args, fastOptions()...)
				if err != nil {
					return err
				}
				defer c.Close(ctx) // ctx may be cancelled by now
				return tt.work(ctx, cancel, c)
			}()
			if (err != nil) != tt.wantErr {
				t.Errorf("got error %v, want error: %v", err, tt.wantErr)
			}
			if got := env.fake.logouts; got != 1 {
				t.Errorf("logouts: got %d, want 1", got)
			}
			if n := env.fake.openSessions(); n != 0 {
				t.Errorf("open sessions: got %d, want 0", n)
			}
		})
	}
}

func TestCloseIdempotentAndToken(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t)
	for i := 0; i < 3; i++ {
		if err := c.Close(context.Background()); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if env.fake.logouts != 1 {
		t.Errorf("logouts after three Close: got %d, want 1", env.fake.logouts)
	}
	if _, err := c.UpdateService(context.Background()); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("request after Close: got %v, want a closed-client error", err)
	}

	// A caller's auth_token is used as is and never logged out.
	c2 := env.connect(t)
	token, _ := c2.Detach()
	a := env.args
	a.Username, a.Password, a.AuthToken = "", "", token
	c3, err := Connect(context.Background(), a, fastOptions()...)
	if err != nil {
		t.Fatalf("Connect with auth_token: %v", err)
	}
	if _, err := c3.UpdateService(context.Background()); err != nil {
		t.Fatalf("read with auth_token: %v", err)
	}
	c3.Close(context.Background())
	c2.Close(context.Background())
	if env.fake.openSessions() != 1 {
		t.Errorf("open sessions: got %d, want 1 (the detached one)", env.fake.openSessions())
	}
	// fleetfw.ilo.session state=absent: log the token's session out.
	c4, err := Connect(context.Background(), a, fastOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	_, uri := c2.Session()
	if err := c4.Logout(context.Background(), uri); err != nil {
		t.Fatalf("Logout(%s): %v", uri, err)
	}
	c4.Close(context.Background())
	if env.fake.openSessions() != 0 {
		t.Errorf("open sessions after Logout: got %d, want 0", env.fake.openSessions())
	}
}

func TestLoginFailureHidesPassword(t *testing.T) {
	env := newEnv(t)
	a := env.args
	a.Password = "Wr0ng-P4ssword!"
	_, err := Connect(context.Background(), a, fastOptions()...)
	if !IsUnauthorized(err) {
		t.Fatalf("got %v, want 401", err)
	}
	e, _ := asError(err)
	for _, s := range []string{err.Error(), strings.Join(strings.Fields(fmt.Sprint(e.ErrorInfo())), " ")} {
		if strings.Contains(s, a.Password) {
			t.Errorf("password in %q", s)
		}
	}
	if !strings.Contains(err.Error(), `log in as "admin"`) || !strings.Contains(err.Error(), "NoValidSession") {
		t.Errorf("error %q should name the user and the MessageId", err)
	}
}

func TestCollectionsExpandOrMembers(t *testing.T) {
	for _, expand := range []bool{true, false} {
		t.Run(map[bool]string{true: "expand", false: "member by member"}[expand], func(t *testing.T) {
			env := newEnv(t, func(f *fakeILO) { f.expand = expand })
			c := env.connect(t)
			if c.Root().Expand != expand {
				t.Fatalf("Root().Expand: got %v, want %v", c.Root().Expand, expand)
			}
			repo, err := c.Repository(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(repo.Components) != 6 {
				t.Errorf("components: got %d, want 6", len(repo.Components))
			}
			if repo.FreeBytes != 954302464 || repo.TotalBytes != 1073168384 {
				t.Errorf("space: got free %d total %d", repo.FreeBytes, repo.TotalBytes)
			}
			comp := repo.Find("ILO5_270.FWPKG") // case-insensitive
			if comp == nil || comp.ID != "009ebee5" || comp.SizeBytes != 33608330 || comp.Version != "2.70" || comp.Locked {
				t.Errorf("ilo5_270.fwpkg: got %+v", comp)
			}
			expandGets := env.fake.count("GET /redfish/v1/UpdateService/ComponentRepository/?$expand=.")
			memberGets := env.fake.count("GET /redfish/v1/UpdateService/ComponentRepository/") - expandGets
			if expand && (expandGets != 1 || memberGets != 0) {
				t.Errorf("expand: got %d expanded and %d other GETs, want 1 and 0", expandGets, memberGets)
			}
			if !expand && (expandGets != 0 || memberGets != 7) {
				t.Errorf("members: got %d expanded and %d other GETs, want 0 and 7", expandGets, memberGets)
			}
			inv, err := c.FirmwareInventory(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(inv) != 27 {
				t.Errorf("firmware inventory: got %d items, want 27", len(inv))
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		script     []func(w http.ResponseWriter, r *http.Request) // one per attempt; afterwards the capture
		opts       []Option
		wantCalls  int
		wantStatus int // 0: success
		wantUncert bool
	}{
		{name: "GET 503 twice then ok", method: "GET", script: []func(http.ResponseWriter, *http.Request){unavailable(""), unavailable("")}, wantCalls: 3},
		{name: "GET 503 beyond budget", method: "GET", opts: []Option{WithRetries(1)}, script: []func(http.ResponseWriter, *http.Request){unavailable(""), unavailable(""), unavailable("")}, wantCalls: 2, wantStatus: 503},
		{name: "GET Retry-After 0 honoured over a one-hour backoff", method: "GET", opts: []Option{WithBackoff(time.Hour, time.Hour)}, script: []func(http.ResponseWriter, *http.Request){unavailable("0")}, wantCalls: 2},
		{name: "GET Retry-After longer than allowed", method: "GET", opts: []Option{WithMaxRetryAfter(time.Second)}, script: []func(http.ResponseWriter, *http.Request){unavailable("3600")}, wantCalls: 1, wantStatus: 503},
		{name: "GET connection reset then ok", method: "GET", script: []func(http.ResponseWriter, *http.Request){hangUp}, wantCalls: 2},
		{name: "POST 503 not repeated", method: "POST", script: []func(http.ResponseWriter, *http.Request){unavailable("0")}, wantCalls: 1, wantStatus: 503},
		{name: "POST connection reset not repeated", method: "POST", script: []func(http.ResponseWriter, *http.Request){hangUp}, wantCalls: 1, wantUncert: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, func(f *fakeILO) {
				f.hook(tt.method, "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
					n := int(calls.Add(1))
					if n <= len(tt.script) {
						tt.script[n-1](w, r)
						return true
					}
					if r.Method == "POST" {
						writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
						return true
					}
					return false
				})
			})
			c := env.connect(t, tt.opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			if tt.method == "GET" {
				_, err = c.Get(ctx, "/redfish/v1/UpdateService/")
			} else {
				_, err = c.Post(ctx, "/redfish/v1/UpdateService/", []byte(`{}`))
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("calls: got %d, want %d", got, tt.wantCalls)
			}
			switch {
			case tt.wantStatus == 0 && !tt.wantUncert && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.wantStatus != 0:
				if e, ok := asError(err); !ok || e.Status != tt.wantStatus {
					t.Errorf("got %v, want status %d", err, tt.wantStatus)
				}
			case tt.wantUncert:
				if !IsUncertain(err) || !strings.Contains(err.Error(), "POST /redfish/v1/UpdateService/") {
					t.Errorf("got %v, want an uncertain POST error naming the URI", err)
				}
			}
		})
	}
}

func unavailable(retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeEnvelope(w, http.StatusServiceUnavailable, "Base.1.4.ServiceTemporarilyUnavailable", "1")
	}
}

// hangUp closes the connection without answering, as an iLO that resets does.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestReloginOn401(t *testing.T) {
	t.Run("expired session, one re-login", func(t *testing.T) {
		env := newEnv(t)
		c := env.connect(t)
		env.fake.dropSessions() // the iLO expired our session
		if _, err := c.UpdateService(context.Background()); err != nil {
			t.Fatalf("read after expiry: %v", err)
		}
		if c.Logins() != 2 || env.fake.logins != 2 {
			t.Errorf("logins: client %d, iLO %d, want 2", c.Logins(), env.fake.logins)
		}
		c.Close(context.Background())
		if env.fake.openSessions() != 0 {
			t.Errorf("open sessions: got %d, want 0 (the new session must be logged out)", env.fake.openSessions())
		}
	})
	t.Run("401 again is returned, not looped", func(t *testing.T) {
		env := newEnv(t, func(f *fakeILO) {
			f.hook("GET", "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
				writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
				return true
			})
		})
		c := env.connect(t)
		_, err := c.UpdateService(context.Background())
		if !IsUnauthorized(err) || !HasMessage(err, "NoValidSession") {
			t.Fatalf("got %v, want 401 NoValidSession", err)
		}
		if c.Logins() != 2 {
			t.Errorf("logins: got %d, want 2", c.Logins())
		}
	})
	t.Run("auth_token is not replaced", func(t *testing.T) {
		env := newEnv(t)
		a := env.args
		a.Username, a.Password, a.AuthToken = "", "", "0123456789abcdef0123456789abcdef"
		c, err := Connect(context.Background(), a, fastOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		_, err = c.UpdateService(context.Background())
		if !IsUnauthorized(err) {
			t.Fatalf("got %v, want 401", err)
		}
		if strings.Contains(err.Error(), a.AuthToken) {
			t.Errorf("token in error %q", err)
		}
		if env.fake.logins != 0 {
			t.Errorf("logins: got %d, want 0", env.fake.logins)
		}
	})
}

func TestPerRequestTimeoutNamesRequest(t *testing.T) {
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
			<-r.Context().Done()
			return true
		})
	})
	env.args.Timeout = time.Second
	c := env.connect(t)
	_, err := c.UpdateService(context.Background())
	if !IsTimeout(err) {
		t.Fatalf("got %v, want a timeout", err)
	}
	for _, s := range []string{"GET /redfish/v1/UpdateService/", "no response within 1s"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	if !ExpectedDuringReset(err) {
		t.Errorf("a request timeout should count as expected during an iLO reset")
	}
}

func TestReconnectAfterReset(t *testing.T) {
	var dark atomic.Int32
	dark.Store(3) // three requests see a hung-up connection
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", "/redfish/v1/", func(w http.ResponseWriter, r *http.Request) bool {
			if dark.Add(-1) >= 0 {
				hangUp(w, r)
				return true
			}
			return false
		})
	})
	dark.Store(0)
	c := env.connect(t)
	// The iLO flashes itself: sessions die, it stops answering for a while.
	env.fake.dropSessions()
	dark.Store(3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Reconnect(ctx); err != nil {
		t.Fatalf("Reconnect: %v", err)
	}
	if c.Logins() != 2 {
		t.Errorf("logins: got %d, want 2", c.Logins())
	}
	if _, err := c.UpdateService(ctx); err != nil {
		t.Errorf("read after Reconnect: %v", err)
	}

	// A deadline that ends while the iLO is still dark is reported.
	dark.Store(1 << 20)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	err := c.Reconnect(ctx2)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not come back") {
		t.Errorf("got %v, want a deadline error saying the iLO did not come back", err)
	}
	dark.Store(0)
}

func TestExpectedDuringReset(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"401", &Error{Status: 401}, true},
		{"503", &Error{Status: 503}, true},
		{"404", &Error{Status: 404}, false},
		{"refused", &Error{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, true},
		{"timeout", &Error{Err: errTimeout}, true},
		{"certificate", &Error{Err: errTLS}, false},
		{"caller cancelled", &Error{Err: context.Canceled}, false},
		{"caller deadline", &Error{Err: context.DeadlineExceeded}, false},
		{"plain error", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := ExpectedDuringReset(tt.err); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestOneConnectionPerRun checks keep-alive: a run of many requests opens one
// TCP connection, hence one TLS handshake.
func TestOneConnectionPerRun(t *testing.T) {
	f := newFake(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	a := Config{BaseURI: srv.URL, Username: f.user, Password: f.pass, CAPath: writeCA(t, srv.Certificate()), Timeout: 10 * time.Second}
	ctx := context.Background()
	c, err := Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Repository(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FirmwareInventory(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Manager(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("connections: got %d, want 1", n)
	}
	if n := len(f.requests); n < 6 {
		t.Errorf("requests: got %d, want at least 6 over the one connection", n)
	}
}

// TestCloseWhenTheILOHangs: the logout has its own deadline and reports
// that it failed instead of hanging.
func TestCloseWhenTheILOHangs(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t, WithLogoutTimeout(100*time.Millisecond))
	_, uri := c.Session()
	env.fake.hook("DELETE", uri, func(w http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done()
		return true
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the caller's context is already gone
	err := c.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "log out") || !IsTimeout(err) {
		t.Errorf("got %v, want a logout timeout", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
}

// TestCloseWhenTheILOHangsUp: a logout whose connection breaks is an error
// that says so, without the "read its state before retrying" hint a broken
// write carries (nothing is to be retried).
func TestCloseWhenTheILOHangsUp(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t)
	_, uri := c.Session()
	env.fake.hook("DELETE", uri, func(w http.ResponseWriter, r *http.Request) bool {
		hangUp(w, r)
		return true
	})
	err := c.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "log out: DELETE "+uri+": ") || IsUncertain(err) ||
		strings.Contains(err.Error(), "before retrying") {
		t.Errorf("got %v, want a plain logout failure", err)
	}
}

// TestLoginInterrupted: a caller that gives up while the login POST is on
// its way must not leave a session behind (the iLO creates it anyway).
func TestLoginInterrupted(t *testing.T) {
	env := newEnv(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	env.fake.hook("POST", "/redfish/v1/SessionService/Sessions/", func(w http.ResponseWriter, r *http.Request) bool {
		close(arrived)
		<-release
		return false // the capture's login: a session is created
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel() // SIGTERM while the iLO is creating the session
		close(release)
	}()
	c, err := Connect(ctx, env.args, fastOptions()...)
	if err == nil {
		c.Close(ctx)
		t.Fatalf("Connect succeeded after cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if env.fake.logins != 1 || env.fake.openSessions() != 0 {
		t.Errorf("logins %d, open sessions %d: want 1 and 0", env.fake.logins, env.fake.openSessions())
	}
}

func TestConnectUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = Connect(context.Background(), Config{BaseURI: addr, Username: "u", Password: "p", Timeout: 5 * time.Second}, fastOptions()...)
	if !IsTransport(err) || !strings.Contains(err.Error(), "reachable") || !strings.Contains(err.Error(), "GET /redfish/v1/") {
		t.Errorf("got %v, want a transport error with a reachability hint", err)
	}
}

// TestWriteNotSentIsCertain: a POST that fails before any of it went out
// (here: the caller's context ended first) is not reported as uncertain.
func TestWriteNotSentIsCertain(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Post(ctx, "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate/", []byte(`{}`))
	if err == nil || IsUncertain(err) {
		t.Errorf("got %v, want a certain (not uncertain) failure", err)
	}
	if n := env.fake.count("POST /redfish/v1/UpdateService/Actions"); n != 0 {
		t.Errorf("POSTs received: got %d, want 0", n)
	}
}

// TestTLSConfigTrust checks which roots each TLS setting trusts: ca_path
// alone when given (as Ansible's ca_path), the system roots otherwise.
func TestTLSConfigTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	only := x509.NewCertPool()
	only.AddCert(srv.Certificate())
	tests := []struct {
		name     string
		args     Config
		wantPool *x509.CertPool // nil: the system roots (RootCAs left nil)
		insecure bool
	}{
		{"ca_path replaces the system roots", Config{CAPath: writeCA(t, srv.Certificate())}, only, false},
		{"no ca_path uses the system roots", Config{}, nil, false},
		{"validate_certs false skips verification", Config{SkipVerify: true, CAPath: writeCA(t, srv.Certificate())}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tlsConfig(tt.args, "127.0.0.1", ConfigNames)
			if err != nil {
				t.Fatalf("tlsConfig: %v", err)
			}
			if cfg.InsecureSkipVerify != tt.insecure {
				t.Errorf("InsecureSkipVerify = %v, want %v", cfg.InsecureSkipVerify, tt.insecure)
			}
			switch {
			case tt.wantPool == nil && cfg.RootCAs != nil:
				t.Errorf("RootCAs set, want nil (system roots)")
			case tt.wantPool != nil && (cfg.RootCAs == nil || !cfg.RootCAs.Equal(tt.wantPool)):
				t.Errorf("RootCAs is not exactly the ca_path certificate")
			}
		})
	}
}
