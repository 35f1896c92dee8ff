package ilo

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tidwall/gjson"
)

// rootURI is the Redfish service root, the one URI fixed by the standard.
const rootURI = "/redfish/v1/"

var (
	errNotJSON   = errors.New("response is not JSON")
	errNotObject = errors.New("response is not a JSON object")
	errClosed    = errors.New("client is closed")
	errTimeout   = errors.New("timeout")
	errStalled   = errors.New("upload stalled")
)

// Client talks to one iLO. It is safe for concurrent use. Create it with
// Connect and always Close it.
type Client struct {
	base    *url.URL
	hc      *http.Client
	tr      *http.Transport // nil when a caller supplied the transport
	timeout time.Duration
	host    string
	opt     options
	pull    Config // the TLS settings (no credentials) for image servers (PullSize)

	mu         sync.Mutex
	root       ServiceRoot
	update     *UpdateService // last read, for links and action targets
	token      string
	sessionURI string // path of our session, for logout
	own        bool   // we created the session: Close logs it out
	detached   bool   // Detach handed the session over: no re-login either
	user, pass string
	closed     bool
	logins     int
	secrets    []string // password and every token this client used, scrubbed from errors
}

// Option changes how Connect builds the client.
type Option func(*options)

type options struct {
	retries    int
	backoffMin time.Duration
	backoffMax time.Duration
	maxWait    time.Duration // cap on one Retry-After wait
	logoutWait time.Duration
	transport  http.RoundTripper
	trace      func(Trace)
	userAgent  string
	maxBody    int64        // cap on one answer's body
	maxMembers int          // cap on the members of one collection
	hide       func(string) // learns every session token (WithHide)
	clock      Clock        // what waits take time from (WithClock)
	names      Names        // how messages name the settings (WithNames)
}

// Trace describes one HTTP exchange, for verbose output and tests.
type Trace struct {
	Method, URI string
	Status      int // 0 when no response arrived
	Attempt     int // 1 for the first try
	Duration    time.Duration
	Err         error
}

// WithRetries sets how many times an idempotent request (GET, HEAD) is
// retried after a connection error or a 503 (default 3).
func WithRetries(n int) Option { return func(o *options) { o.retries = max(n, 0) } }

// WithBackoff sets the first and the longest wait between retries
// (default 1 s doubling up to 15 s). Retry-After from the iLO wins when given.
func WithBackoff(first, longest time.Duration) Option {
	return func(o *options) { o.backoffMin, o.backoffMax = first, max(first, longest) }
}

// WithMaxRetryAfter caps how long one Retry-After is honoured (default 60 s).
func WithMaxRetryAfter(d time.Duration) Option { return func(o *options) { o.maxWait = d } }

// WithLogoutTimeout sets Close's own deadline for the logout (default the
// smaller of the request timeout and 10 s).
func WithLogoutTimeout(d time.Duration) Option { return func(o *options) { o.logoutWait = d } }

// WithTransport replaces the HTTP transport (tests; ca_path and
// validate_certs are then the transport's business).
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithTrace calls f after every HTTP exchange.
func WithTrace(f func(Trace)) Option { return func(o *options) { o.trace = f } }

// WithMaxBody sets the most the client reads of one answer (default
// DefaultMaxBody); a larger answer fails with an error naming the resource.
func WithMaxBody(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithMaxMembers sets the most members of one collection the client reads
// (default DefaultMaxMembers).
func WithMaxMembers(n int) Option { return func(o *options) { o.maxMembers = n } }

// WithHide calls hide with every session token the client learns: at
// Connect, at a re-login after a 401 and at Reconnect, before the token is
// used, so that a module can keep each out of its output.
func WithHide(hide func(string)) Option { return func(o *options) { o.hide = hide } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// Connect reads the iLO's service root (no authentication needed), then logs
// in with POST to Links.Sessions, or uses a.AuthToken as it is. The caller
// must Close the client, which logs the session out when Connect created it.
// ctx bounds the whole connection; a.Timeout bounds each request.
func Connect(ctx context.Context, a Config, opts ...Option) (*Client, error) {
	opt := options{
		retries: 3, backoffMin: time.Second, backoffMax: 15 * time.Second,
		maxWait: time.Minute, userAgent: "fleetfw.ilo",
		maxBody: DefaultMaxBody, maxMembers: DefaultMaxMembers, names: ConfigNames,
	}
	for _, o := range opts {
		o(&opt)
	}
	base, err := opt.names.ParseBaseURI(a.BaseURI)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:    base,
		timeout: a.requestTimeout(),
		host:    base.Hostname(),
		opt:     opt,
		user:    a.Username, pass: a.Password,
		pull: Config{SkipVerify: a.SkipVerify, CAPath: a.CAPath},
	}
	if err := a.checkScheme(base, c.opt.names); err != nil {
		return nil, err
	}
	if c.opt.clock == nil {
		c.opt.clock = wallClock{}
	}
	if c.opt.maxBody <= 0 {
		c.opt.maxBody = DefaultMaxBody
	}
	if c.opt.maxMembers <= 0 {
		c.opt.maxMembers = DefaultMaxMembers
	}
	if c.opt.logoutWait <= 0 {
		c.opt.logoutWait = min(c.timeout, 10*time.Second)
	}
	rt := c.opt.transport
	if rt == nil {
		tc, err := tlsConfig(a, c.host, c.opt.names)
		if err != nil {
			return nil, err
		}
		c.tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tc,
			TLSHandshakeTimeout:   c.timeout,
			ResponseHeaderTimeout: c.timeout,
			// An iLO's headers are a few hundred bytes; Go's default
			// allows 10 MiB of them.
			MaxResponseHeaderBytes: maxHeaderBytes,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        90 * time.Second,
		}
		rt = c.tr
	}
	c.hc = &http.Client{
		Transport: rt,
		// A redirect could carry the session token to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := c.readRoot(ctx, true); err != nil {
		c.hc.CloseIdleConnections()
		if IsTransport(err) && !IsCertificateError(err) && !IsBadAnswer(err) && ctx.Err() == nil {
			return nil, fmt.Errorf("connect to %s (is %s right and the iLO reachable from here?): %w", base, c.opt.names.BaseURI, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", base, err)
	}
	c.remember(a.Password)
	if a.AuthToken != "" {
		c.remember(a.AuthToken)
		c.token = a.AuthToken
		if c.opt.hide != nil {
			c.opt.hide(a.AuthToken)
		}
		return c, nil
	}
	if err := c.login(ctx); err != nil {
		c.hc.CloseIdleConnections()
		return nil, fmt.Errorf("connect to %s: %w", base, err)
	}
	return c, nil
}

// readRoot reads GET /redfish/v1/ without authentication.
func (c *Client) readRoot(ctx context.Context, retry bool) error {
	resp, err := c.send(ctx, &request{method: http.MethodGet, uri: rootURI, noAuth: true, noRetry: !retry})
	if err != nil {
		return err
	}
	if _, err := c.object(http.MethodGet, rootURI, resp); err != nil {
		return err
	}
	root, err := ParseServiceRoot(resp.body)
	if err != nil {
		return err
	}
	if root.Sessions == "" && root.SessionService == "" {
		return fmt.Errorf("read %s: no Links.Sessions: is this a Redfish service?", rootURI)
	}
	c.mu.Lock()
	c.root = root
	c.mu.Unlock()
	return nil
}

// Root returns what the service root said at Connect (or the last Reconnect).
func (c *Client) Root() ServiceRoot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.root
}

// BaseURL returns the iLO's address, e.g. https://ilo1:443.
func (c *Client) BaseURL() string { return c.base.String() }

// Close logs out the session Connect created (not a session given as
// auth_token) and releases idle connections. It uses its own short deadline,
// so it works after ctx was cancelled or timed out. Calling it again does
// nothing. A session that is already gone (404, 401) is not an error.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	uri, own := c.sessionURI, c.own && c.token != ""
	c.mu.Unlock()
	defer c.hc.CloseIdleConnections()
	if !own || uri == "" {
		return nil
	}
	// The request's own timeout fires first and names the request; the
	// context's deadline is only a backstop.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.logoutWait+time.Second)
	defer cancel()
	_, err := c.send(lctx, &request{method: http.MethodDelete, uri: uri, closing: true, noRelogin: true, timeout: c.opt.logoutWait})
	if err != nil && !IsNotFound(err) && !IsUnauthorized(err) {
		// Whether a broken logout ended the session changes nothing the
		// caller can do: no "read its state before retrying" hint.
		var e *Error
		if errors.As(err, &e) {
			e.Uncertain = false
		}
		return fmt.Errorf("log out: %w", err)
	}
	c.mu.Lock()
	c.token, c.sessionURI = "", ""
	c.mu.Unlock()
	return nil
}

// request is one HTTP exchange as send performs it.
type request struct {
	method string
	uri    string // path and query; an absolute URL is reduced to its path
	json   []byte // request body (application/json), or nil
	// body builds a streamed body for each attempt; it receives the session
	// token (the upload form carries it). It returns the reader, its exact
	// length and the content type.
	body    func(token string) (io.Reader, int64, string, error)
	header  http.Header
	noAuth  bool // no X-Auth-Token (service root, login)
	cookie  bool // also send Cookie: sessionKey=<token> (uploadFile)
	closing bool // the logout from Close, allowed after closed is set
	// noRelogin disables the single re-login after a 401.
	noRelogin bool
	// noRetry disables retries even for GET (Reconnect probes).
	noRetry bool
	// headersSuffice keeps a 2xx answer whose body could not be read (too
	// large, too deep, stalled) when its headers carry header: a login's
	// X-Auth-Token creates a session whether or not its body makes sense,
	// and without the token nobody could log it out.
	headersSuffice string
	// timeout overrides the per-request timeout; negative means none beyond
	// ctx and the transport's response-header timeout (uploads).
	timeout time.Duration
}

// response is a completed exchange with a 1xx–3xx status.
type response struct {
	status int
	header http.Header
	body   []byte
}

func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// url returns the absolute URL for a path from the iLO. Absolute URLs (such
// as the Location of a new session) are reduced to their path and query so
// that the token only ever goes to the configured host.
func (c *Client) url(uri string) (string, string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", "", fmt.Errorf("bad URI %q from the iLO: %w", uri, err)
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return "", "", fmt.Errorf("bad URI %q from the iLO: not an absolute path", uri)
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return c.base.String() + p, p, nil
}

// send performs a request: per-request timeout, retries with backoff for
// GET/HEAD on connection errors and 503 (honouring Retry-After), one
// re-login after a 401 when the client owns the credentials, and the
// conversion of every failure into *Error.
func (c *Client) send(ctx context.Context, r *request) (*response, error) {
	full, path, err := c.url(r.uri)
	if err != nil {
		return nil, &Error{Method: r.method, URI: r.uri, Err: err}
	}
	relogged := false
	for attempt := 1; ; attempt++ {
		c.mu.Lock()
		closed, token := c.closed, c.token
		c.mu.Unlock()
		if closed && !r.closing {
			return nil, &Error{Method: r.method, URI: path, Err: errClosed}
		}
		resp, sent, err := c.once(ctx, r, full, path, token, attempt)
		if err != nil {
			if ctx.Err() == nil && c.retryable(r, attempt, err) {
				if werr := c.wait(ctx, c.backoff(attempt)); werr == nil {
					continue
				}
			}
			e := &Error{Method: r.method, URI: path, Err: err}
			if !idempotent(r.method) && sent {
				e.Uncertain = true
			}
			return nil, e
		}
		switch {
		case resp.status == http.StatusServiceUnavailable && idempotent(r.method) && !r.noRetry && attempt <= c.opt.retries:
			d, ok := c.retryAfter(resp.header, attempt)
			if ok && c.fits(ctx, d) && c.wait(ctx, d) == nil {
				continue
			}
		case resp.status == http.StatusUnauthorized && !r.noAuth && !r.noRelogin && !relogged && c.ownsCredentials():
			// The session expired or was dropped mid-run: log in once more.
			// A 401 means the iLO did not act on the request, so repeating
			// it is safe even for writes.
			relogged = true
			if lerr := c.relogin(ctx, token); lerr == nil {
				attempt--
				continue
			}
		}
		if resp.status >= 400 {
			return nil, c.scrub(newStatusError(r.method, path, resp.status, resp.body))
		}
		if resp.status >= 300 && resp.status != http.StatusNotModified {
			// The client follows no redirect: the token must only ever go
			// to the address the user gave.
			return nil, &Error{Method: r.method, URI: path, Status: resp.status, Err: redirected(resp.header.Get("Location"), c.opt.names)}
		}
		return resp, nil
	}
}

// once performs one attempt. sent reports whether the request may have
// reached the iLO (false when the connection could not be made at all).
func (c *Client) once(ctx context.Context, r *request, full, path, token string, attempt int) (*response, bool, error) {
	timeout := c.timeout
	if r.timeout != 0 {
		timeout = r.timeout
	}
	// stall bounds every wait for the iLO that the overall timeout does
	// not: a streamed request body it stops reading, an answer's body that
	// stops arriving (uploads have no overall timeout).
	stall := timeout
	if stall < 0 {
		stall = c.timeout
	}
	dctx, dcancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		dctx, dcancel = context.WithTimeout(ctx, timeout)
	}
	defer dcancel()
	rctx, cancel := context.WithCancelCause(dctx)
	defer cancel(nil)
	var body io.Reader
	var length int64 = -1
	ctype := ""
	switch {
	case r.body != nil:
		b, n, ct, err := r.body(token)
		if err != nil {
			return nil, false, err
		}
		body, length, ctype = b, n, ct
	case r.json != nil:
		body, length, ctype = bytes.NewReader(r.json), int64(len(r.json)), "application/json"
	}
	if timeout < 0 && body != nil && stall > 0 {
		// A streamed upload has no overall timeout (its size decides how
		// long it takes), but an iLO that stops reading it for a whole
		// request timeout is given up on.
		wd := &watchdog{r: body, d: stall}
		wd.t = time.AfterFunc(stall, func() { cancel(errStalled) })
		defer wd.t.Stop()
		body = wd
	}
	req, err := http.NewRequestWithContext(rctx, r.method, full, body)
	if err != nil {
		return nil, false, err
	}
	if body != nil {
		req.ContentLength = length
		if length == 0 {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-Version", "4.0")
	if c.opt.userAgent != "" {
		req.Header.Set("User-Agent", c.opt.userAgent)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if !r.noAuth && token != "" {
		req.Header.Set("X-Auth-Token", token)
		if r.cookie {
			req.AddCookie(&http.Cookie{Name: "sessionKey", Value: token})
		}
	}
	start := time.Now()
	// wrote records whether any of the request went out: a write that
	// failed before that certainly did not reach the iLO.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
		WroteHeaders:     func() { wrote.Store(true) },
	}))
	hr, err := c.hc.Do(req)
	var resp *response
	headers := err == nil
	if err == nil {
		var b []byte
		b, err = readAnswer(hr, c.opt.maxBody, stall, cancel)
		if err != nil && r.headersSuffice != "" && hr.StatusCode < 300 && hr.Header.Get(r.headersSuffice) != "" {
			b, err = nil, nil
		}
		if err == nil {
			resp = &response{status: hr.StatusCode, header: hr.Header, body: b}
		}
	}
	if err != nil {
		err = c.explain(ctx, rctx, err, timeout, stall, r.method, path, headers)
	}
	if c.opt.trace != nil {
		t := Trace{Method: r.method, URI: path, Attempt: attempt, Duration: time.Since(start), Err: err}
		if resp != nil {
			t.Status = resp.status
		}
		c.opt.trace(t)
	}
	if err != nil {
		return nil, wrote.Load() && !isDialError(err), err
	}
	return resp, true, nil
}

// explain turns a transport error into a message a user can act on: what
// was waited for, and what to do. headers tells whether the answer's
// headers had arrived.
func (c *Client) explain(ctx, rctx context.Context, err error, timeout, stall time.Duration, method, path string, headers bool) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the full URL; *Error names the URI
	}
	switch {
	case errors.Is(err, errBadAnswer):
		return err
	case ctx.Err() != nil:
		return plainCtx(ctx)
	case errors.Is(context.Cause(rctx), errStalled):
		return timedOut(fmt.Sprintf("the iLO stopped reading the request body for %s (raise %s if the iLO is slow)", stall, c.opt.names.Timeout))
	case errors.Is(context.Cause(rctx), errAnswerStalled):
		return timedOut(fmt.Sprintf("the iLO sent the headers of its answer to %s %s, then nothing for %s (raise %s if the iLO is slow)", method, path, stall, c.opt.names.Timeout))
	case errors.Is(context.Cause(rctx), errAnswerSlow):
		return timedOut(fmt.Sprintf("the iLO sent the headers of its answer to %s %s, then not the rest within %s (raise %s if the iLO is slow)", method, path, stall, c.opt.names.Timeout))
	case headers && (rctx.Err() != nil || isTimeout(err)):
		return timedOut(fmt.Sprintf("the iLO sent the headers of its answer to %s %s, then not the rest within %s (raise %s if the iLO is slow)", method, path, timeout, c.opt.names.Timeout))
	case rctx.Err() == context.DeadlineExceeded || isTimeout(err):
		return timedOut(fmt.Sprintf("no response within %s (raise %s if the iLO is slow)", max(timeout, stall), c.opt.names.Timeout))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if headers {
			return fmt.Errorf("%w before the whole answer arrived", plainErr{"the iLO closed the connection", err})
		}
		return fmt.Errorf("%w before a response arrived", plainErr{"the iLO closed the connection", err})
	}
	return plainNet(explainTLS(err, c.host, c.opt.names), c.base.Host, c.opt.names)
}

// watchdog restarts its timer whenever a streamed request body makes
// progress and stops it once the body has been read completely (the
// transport's response-header timeout takes over there).
type watchdog struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (w *watchdog) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil {
		w.t.Stop()
	} else if n > 0 {
		w.t.Reset(w.d)
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDialError reports whether the connection could not be opened, so the
// request certainly did not reach the iLO.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// isConnectionError reports whether err is a broken or refused connection:
// the failures an iLO shows while it resets, or a dropped keep-alive.
func isConnectionError(err error) bool {
	if err == nil || errors.Is(err, errTLS) {
		return false
	}
	var tlsRec tls.RecordHeaderError
	if errors.As(err, &tlsRec) {
		return false
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// retryable decides whether a transport failure is retried: only for
// idempotent requests, only for connection errors, only within the budget.
func (c *Client) retryable(r *request, attempt int, err error) bool {
	return idempotent(r.method) && !r.noRetry && attempt <= c.opt.retries && isConnectionError(err)
}

// backoff returns the wait before retry number attempt: first, 2×first, …
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opt.backoffMin
	for i := 1; i < attempt && d < c.opt.backoffMax; i++ {
		d *= 2
	}
	return min(d, c.opt.backoffMax)
}

// retryAfter returns the wait a 503 asks for (Retry-After in seconds or as
// an HTTP date), else the backoff. ok is false when the iLO asks for longer
// than WithMaxRetryAfter allows.
func (c *Client) retryAfter(h http.Header, attempt int) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return c.backoff(attempt), true
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(max(n, 0)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(time.Until(t), 0)
	} else {
		return c.backoff(attempt), true
	}
	return d, d <= c.opt.maxWait
}

// fits reports whether waiting d still leaves time before ctx's deadline.
func (c *Client) fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// wait sleeps d or until ctx ends.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	return c.opt.clock.Sleep(ctx, d)
}

// Get reads uri and returns the body of a 2xx response.
func (c *Client) Get(ctx context.Context, uri string) ([]byte, error) {
	resp, err := c.send(ctx, &request{method: http.MethodGet, uri: uri})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// getObject reads uri and checks that the body is a JSON object.
func (c *Client) getObject(ctx context.Context, uri string) (*response, error) {
	resp, err := c.send(ctx, &request{method: http.MethodGet, uri: uri})
	if err != nil {
		return nil, err
	}
	if _, err := c.object(http.MethodGet, uri, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// object checks that resp's body is a JSON object; the error names the
// request and says what came instead ("not JSON (text/html)").
func (c *Client) object(method, uri string, resp *response) (gjson.Result, error) {
	r, err := parseObject(resp.body)
	if err != nil {
		return r, &Error{Method: method, URI: uri, Status: resp.status,
			Err: newNotJSON(resp.header, resp.status, errors.Is(err, errNotObject), c.opt.names)}
	}
	return r, nil
}

// Post sends body (JSON) to uri and returns the response body.
func (c *Client) Post(ctx context.Context, uri string, body []byte) ([]byte, error) {
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: uri, json: body})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// Delete deletes uri. A resource that is already gone (404) is success.
func (c *Client) Delete(ctx context.Context, uri string) error {
	_, err := c.send(ctx, &request{method: http.MethodDelete, uri: uri})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// Patch sends a JSON merge patch to uri, with If-Match: etag when etag is
// not empty (a stale ETag gives an error for which IsPreconditionFailed is true).
func (c *Client) Patch(ctx context.Context, uri, etag string, body []byte) ([]byte, error) {
	r := &request{method: http.MethodPatch, uri: uri, json: body}
	if etag != "" {
		r.header = http.Header{"If-Match": {etag}}
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}
