package ilo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// Limits on what the client accepts from an iLO (issue 14, class 1). A real
// iLO's largest resource is a few hundred KiB and nests about ten levels; the
// caps are far above that and far below what could hurt the process.
const (
	// DefaultMaxBody is the most the client reads of one answer.
	DefaultMaxBody = 16 << 20
	// MaxDepth is the deepest JSON nesting the client parses. gjson's
	// validator recurses once per level, and a Go stack overflow kills the
	// process: a deeper answer is refused before anything parses it.
	MaxDepth = 64
	// DefaultMaxMembers is the most members of one collection the client
	// reads (each may cost a request).
	DefaultMaxMembers = 1024
	// maxHeaderBytes caps the headers of one answer.
	maxHeaderBytes = 64 << 10
	// maxMessageText caps one message argument, MessageId or detail text.
	maxMessageText = 1024
	// maxMessages caps the messages kept from one answer, maxMessageArgs the
	// arguments kept of one message.
	maxMessages    = 32
	maxMessageArgs = 16
)

var (
	// errBadAnswer marks an answer the client refuses to parse: too large,
	// nested too deep, a collection with too many members.
	errBadAnswer = errors.New("answer refused")
	// errAnswerStalled is the cause set when an answer's body stops
	// arriving for a whole request timeout.
	errAnswerStalled = errors.New("answer stalled")
	// errAnswerSlow: the body came too slowly to finish in time.
	errAnswerSlow = errors.New("answer too slow")
)

// counting counts the bytes read through it.
type counting struct {
	r    io.Reader
	n    atomic.Int64
	late atomic.Bool // the time for the body ran out
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// badAnswer is the error for an answer over a cap; it matches errBadAnswer.
type badAnswer string

func (e badAnswer) Error() string        { return string(e) }
func (e badAnswer) Is(target error) bool { return target == errBadAnswer }

// refuse builds a badAnswer.
func refuse(format string, args ...any) error { return badAnswer(fmt.Sprintf(format, args...)) }

// timedOut is the error for a wait for the iLO that ran out; it says what
// was waited for and matches errTimeout.
type timedOut string

func (e timedOut) Error() string        { return string(e) }
func (e timedOut) Is(target error) bool { return target == errTimeout }

// IsBadAnswer reports whether err is an answer the client refused to parse
// (over a size, depth or member cap).
func IsBadAnswer(err error) bool { return errors.Is(err, errBadAnswer) }

// readAnswer reads the body of hr with the client's size cap, within one
// request timeout (stall) of the headers: past it, cancel is called with
// errAnswerStalled (nothing came) or errAnswerSlow (not all of it) and the
// read fails. The body is then checked for JSON nesting depth, before any parser
// sees it.
func readAnswer(hr *http.Response, limit int64, stall time.Duration, cancel context.CancelCauseFunc) ([]byte, error) {
	defer hr.Body.Close()
	// A HEAD answer declares the length of the GET answer but has no body.
	if hr.ContentLength > limit && hr.Request != nil && hr.Request.Method != http.MethodHead {
		return nil, refuse("the answer is %s, more than the %s the client reads from an iLO (a real iLO's resources are far smaller)",
			sizeText(hr.ContentLength), sizeText(limit))
	}
	var r io.Reader = hr.Body
	if stall > 0 {
		// The body must arrive within one request timeout of the headers:
		// a trickle of a byte at a time is stopped as a silence is.
		cr := &counting{r: hr.Body}
		t := time.AfterFunc(stall, func() {
			cr.late.Store(true)
			if cr.n.Load() == 0 {
				cancel(errAnswerStalled)
			} else {
				cancel(errAnswerSlow)
			}
		})
		defer t.Stop()
		r = cr
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if cr, ok := r.(*counting); ok && cr.late.Load() {
		// The transport may end a cancelled body with a plain EOF: what
		// was read then is cut short, whatever the read returned.
		return nil, fmt.Errorf("answer cut off: %w", context.Canceled)
	}
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, refuse("the answer is larger than the %s the client reads from an iLO (a real iLO's resources are far smaller)",
			sizeText(limit))
	}
	if d := jsonDepth(b, MaxDepth); d > MaxDepth {
		return nil, refuse("the answer nests JSON more than %d levels deep (a real iLO's resources nest about ten)", MaxDepth)
	}
	return b, nil
}

// jsonDepth returns the deepest nesting of objects and arrays in b, counting
// every '{' and '[' outside strings, without recursion. It stops counting at
// limit+1. It over-counts (never under-counts) the depth any JSON parser
// would reach, valid JSON or not, so it can stand guard before the parser.
func jsonDepth(b []byte, limit int) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, ch := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
		case ch == '"':
			inString = true
		case ch == '{' || ch == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case ch == '}' || ch == ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return deepest
}

// notJSON is the error for an answer that is not the JSON object asked for.
type notJSON struct {
	ctype   string // media type, "" when the iLO sent none
	status  int
	array   bool   // JSON, but not an object
	baseURI string // how the message names the address (Names.BaseURI)
}

func (e notJSON) Error() string {
	what := "not JSON"
	if e.array {
		what = "JSON but not an object"
	}
	ct := e.ctype
	if ct == "" {
		ct = "no Content-Type"
	}
	return fmt.Sprintf("the answer (%d %s) is %s (%s) where a Redfish resource was expected: is %s the iLO's address?",
		e.status, http.StatusText(e.status), what, ct, e.baseURI)
}

func (e notJSON) Is(target error) bool {
	return (target == errNotJSON && !e.array) || (target == errNotObject && e.array)
}

// newNotJSON builds the notJSON error of a response.
func newNotJSON(h http.Header, status int, array bool, n Names) error {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	} else {
		ct = truncate(ct, 64)
	}
	return notJSON{ctype: ct, status: status, array: array, baseURI: n.orOwn().BaseURI}
}

// truncate shortens s to at most n characters, saying how much it dropped.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return fmt.Sprintf("%s… [truncated, %s in all]", s[:i], sizeText(int64(len(s))))
}

// sizeText writes a byte count for a person: 512 bytes, 3.2 KiB, 16 MiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MiB"
	case n >= 1<<10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KiB"
	}
	return fmt.Sprintf("%d bytes", n)
}

// ctxEnded is the error for a request the caller's own context ended: it
// says so in words and still matches context.DeadlineExceeded or
// context.Canceled with errors.Is.
type ctxEnded struct{ err error }

func (e ctxEnded) Error() string {
	if errors.Is(e.err, context.Canceled) {
		return "the run was cancelled before the iLO answered"
	}
	return "the task's overall time limit ran out before the iLO answered"
}

func (e ctxEnded) Unwrap() error { return e.err }

// ContextError says in words why ctx ended (the task's time limit, a
// cancellation) for a message; errors.Is still matches ctx.Err(). It returns
// nil while ctx is live.
func ContextError(ctx context.Context) error { return plainCtx(ctx) }

// plainCtx turns a context's error (or cause) into ctxEnded; nil stays nil.
func plainCtx(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	if cause == nil || cause == ctx.Err() {
		return ctxEnded{err: ctx.Err()}
	}
	return cause
}

// plainErr gives a transport error words a user understands while keeping
// it in the chain for errors.Is and errors.As.
type plainErr struct {
	text string
	err  error
}

func (e plainErr) Error() string { return e.text }
func (e plainErr) Unwrap() error { return e.err }

// plainNet rewrites the network errors Go describes in its own terms
// ("dial tcp …: connect: connection refused", "read: connection reset by
// peer", "tls: …") into what happened, naming settings as n does; other
// errors pass unchanged.
func plainNet(err error, hostport string, n Names) error {
	if errors.Is(err, errTLS) {
		return err
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		return plainErr{fmt.Sprintf("cannot resolve the host name %q (is %s right?)", dns.Name, n.BaseURI), err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return plainErr{fmt.Sprintf("connection to %s refused (nothing listens there: is %s right, or is the iLO resetting?)", hostport, n.BaseURI), err}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return plainErr{"the iLO reset the connection", err}
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return plainErr{fmt.Sprintf("no route to %s (is the iLO reachable from here?)", hostport), err}
	case errors.As(err, &op) && op.Op == "dial":
		return plainErr{fmt.Sprintf("cannot connect to %s", hostport), err}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return plainErr{"the iLO closed the connection", err}
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return plainErr{fmt.Sprintf("%s answers in plain HTTP, not HTTPS: a real iLO speaks HTTPS (is %s right? a test rig needs http:// and %s)", hostport, n.BaseURI, n.AllowHTTP), err}
	}
	if strings.Contains(err.Error(), "response headers exceeded") {
		return refuse("the answer's headers exceed %s (a real iLO's are a few hundred bytes)", sizeText(maxHeaderBytes))
	}
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	switch {
	case errors.As(err, &rec):
		return plainErr{fmt.Sprintf("%s does not answer in TLS (is it an HTTPS port?)", hostport), err}
	case errors.As(err, &alert) || strings.HasPrefix(err.Error(), "tls: ") || strings.Contains(err.Error(), "remote error: tls"):
		return plainErr{"the TLS handshake with the iLO failed (" + strings.TrimPrefix(strings.ReplaceAll(err.Error(), "remote error: tls: ", "the iLO refused: "), "tls: ") + ")", err}
	}
	return err
}

// maxSecrets bounds the secrets a client remembers (the password and the
// tokens of a long run's re-logins).
const maxSecrets = 64

// remember records a secret the client must never repeat in an error: an
// iLO may echo a token or the password in a message argument.
func (c *Client) remember(secret string) {
	if len(secret) < 6 { // too short to tell from ordinary text
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.secrets) < maxSecrets {
		c.secrets = append(c.secrets, secret)
	}
}

// scrub replaces every remembered secret in the texts of e that come from
// the iLO.
func (c *Client) scrub(e *Error) *Error {
	c.mu.Lock()
	secrets := c.secrets
	c.mu.Unlock()
	clean := func(s string) string {
		for _, x := range secrets {
			s = strings.ReplaceAll(s, x, "********")
		}
		return s
	}
	e.Detail = clean(e.Detail)
	for i := range e.Messages {
		m := &e.Messages[i]
		m.ID, m.Meaning, m.Resolution = clean(m.ID), clean(m.Meaning), clean(m.Resolution)
		for j := range m.Args {
			m.Args[j] = clean(m.Args[j])
		}
	}
	return e
}
