package ilo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"
)

// Paths into a session resource (reference §2).
const (
	pathSessionID   = `@odata\.id`
	pathSessionMine = "Oem.Hpe.MySession"
)

// login creates a session: POST {"UserName", "Password"} to Links.Sessions;
// the iLO answers 201 with X-Auth-Token and an absolute Location of which
// the path is kept for the logout.
func (c *Client) login(ctx context.Context) error {
	c.mu.Lock()
	uri, svc := c.root.Sessions, c.root.SessionService
	user, pass := c.user, c.pass
	c.mu.Unlock()
	if user == "" {
		return fmt.Errorf("log in: no user name (give %s, or %s)", c.opt.names.Credentials, c.opt.names.AuthToken)
	}
	if uri == "" {
		// No Links.Sessions in the root (every iLO has it): follow
		// SessionService.Sessions, for services that let it be read
		// without a session.
		r, err := c.send(ctx, &request{method: http.MethodGet, uri: svc, noAuth: true, noRelogin: true})
		if err != nil {
			return fmt.Errorf("log in: find the sessions collection: %w", err)
		}
		uri = gjson.GetBytes(r.body, `Sessions.@odata\.id`).String()
		if uri == "" {
			return fmt.Errorf("log in: %s has no Sessions link", svc)
		}
	}
	body, err := newBody().set("UserName", user).set("Password", pass).bytes()
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	// A login the iLO has received creates a session even if the caller
	// stops waiting, and without the answer's token nobody could log it
	// out. So the POST runs to its end whatever happens to ctx (the request
	// timeout still bounds it), and a session that arrives after ctx ended
	// is logged out again at once.
	resp, err := c.send(context.WithoutCancel(ctx), &request{method: http.MethodPost, uri: uri, json: body, noAuth: true, noRelogin: true,
		headersSuffice: "X-Auth-Token"})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("log in as %q: %w", user, plainCtx(ctx))
		}
		if e, ok := asError(err); ok && HasMessage(err, "SessionLimitExceeded") && e.Detail == "" {
			e.Detail = "the iLO has no free session: end unused sessions (iLO web interface, Sessions) or wait for them to time out; fleetfw.ilo modules log out their own"
		}
		return fmt.Errorf("log in as %q: %w", user, err)
	}
	token := resp.header.Get("X-Auth-Token")
	if token == "" {
		return fmt.Errorf("log in as %q: POST %s: %d without X-Auth-Token", user, uri, resp.status)
	}
	c.remember(token)
	if c.opt.hide != nil {
		c.opt.hide(token) // before anything could print it
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		loc = gjson.GetBytes(resp.body, pathSessionID).String()
	}
	path := ""
	if u, err := url.Parse(loc); err == nil && u.Path != "" {
		path = u.EscapedPath()
	}
	c.mu.Lock()
	c.token, c.sessionURI, c.own = token, path, true
	c.logins++
	c.mu.Unlock()
	if path == "" {
		// No Location and no @odata.id: the session exists but the client
		// does not know where. The Sessions collection marks it as ours;
		// without it the session could never be logged out.
		c.findOwnSession(ctx, uri)
	}
	if ctx.Err() != nil {
		c.endOwnSession(ctx)
		return fmt.Errorf("log in as %q: %w", user, plainCtx(ctx))
	}
	return nil
}

// findOwnSession looks up the session of the current token in the
// collection at uri (MySession, or Oem.Hpe.MySession on iLO) and records it
// for the logout. It runs under its own short deadline, also when ctx ended.
func (c *Client) findOwnSession(ctx context.Context, uri string) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.logoutWait+time.Second)
	defer cancel()
	members, _, err := c.collection(lctx, uri)
	if err != nil {
		return
	}
	for _, m := range members {
		if m.Get(pathSessionMine).Bool() || m.Get("MySession").Bool() {
			c.mu.Lock()
			if c.sessionURI == "" {
				c.sessionURI = m.Get(pathSessionID).String()
			}
			c.mu.Unlock()
			return
		}
	}
}

// endOwnSession logs out the session the client created, under its own
// short deadline, and forgets it. Errors are ignored: it is used on paths
// that already fail.
func (c *Client) endOwnSession(ctx context.Context) {
	c.mu.Lock()
	uri, own := c.sessionURI, c.own
	c.mu.Unlock()
	if !own || uri == "" {
		return
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.logoutWait+time.Second)
	defer cancel()
	_, _ = c.send(lctx, &request{method: http.MethodDelete, uri: uri, closing: true, noRelogin: true, timeout: c.opt.logoutWait})
	c.mu.Lock()
	if c.sessionURI == uri {
		c.token, c.sessionURI, c.own = "", "", false
	}
	c.mu.Unlock()
}

// ownsCredentials reports whether the client has the credentials to log in
// again (not for a session handed over with Detach or given as auth_token).
func (c *Client) ownsCredentials() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user != "" && !c.detached && !c.closed
}

// relogin replaces a session the iLO no longer accepts. When another request
// already replaced the token that failed, it does nothing.
func (c *Client) relogin(ctx context.Context, failed string) error {
	c.mu.Lock()
	if c.token != failed {
		c.mu.Unlock()
		return nil
	}
	old, own := c.sessionURI, c.own
	c.mu.Unlock()
	if err := c.login(ctx); err != nil {
		return err
	}
	_, now := c.Session()
	if own && old != "" && old != now {
		// The iLO refused the old token, but its session may still exist
		// (a token the iLO stopped accepting for another reason): end it
		// with the new one, best effort; 404 means it is already gone.
		// Unconfirmed: whether every iLO lets a user's session end another
		// session of the same user without the Administer User Accounts
		// privilege; a refusal is ignored and the iLO's idle timeout ends it.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opt.logoutWait+time.Second)
		defer cancel()
		_, _ = c.send(lctx, &request{method: http.MethodDelete, uri: old, noRelogin: true, noRetry: true, timeout: c.opt.logoutWait})
	}
	return nil
}

// Session returns the session token and the path of the session resource
// ("" when the token was given as auth_token and the path is unknown).
func (c *Client) Session() (token, uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.sessionURI
}

// Logins returns how many times the client has logged in (Connect, re-login
// after a 401, Reconnect).
func (c *Client) Logins() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logins
}

// Detach hands the session over to the caller: Close no longer logs it out.
// fleetfw.ilo.session uses it to return a token that later tasks reuse.
func (c *Client) Detach() (token, uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.own, c.detached = false, true
	return c.token, c.sessionURI
}

// Logout deletes the session the client uses, also one given as auth_token:
// DELETE on uri when given, else on the member of the Sessions collection
// with Oem.Hpe.MySession true. A session that is already gone is success.
func (c *Client) Logout(ctx context.Context, uri string) error {
	if uri == "" {
		_, uri = c.Session()
	}
	if uri == "" {
		found, err := c.mySession(ctx)
		if err != nil {
			return fmt.Errorf("log out: %w", err)
		}
		uri = found
	}
	if uri == "" {
		return errors.New("log out: the iLO lists no session of this token")
	}
	_, err := c.send(ctx, &request{method: http.MethodDelete, uri: uri, noRelogin: true})
	if err != nil && !IsNotFound(err) && !IsUnauthorized(err) {
		return fmt.Errorf("log out: %w", err)
	}
	c.mu.Lock()
	if c.sessionURI == uri || c.sessionURI == "" {
		c.own, c.sessionURI = false, ""
	}
	c.mu.Unlock()
	return nil
}

// mySession finds the session of the current token in the Sessions
// collection (iLO marks it with Oem.Hpe.MySession).
func (c *Client) mySession(ctx context.Context) (string, error) {
	root := c.Root()
	if root.Sessions == "" {
		return "", errors.New("the service root has no Links.Sessions")
	}
	members, _, err := c.collection(ctx, root.Sessions)
	if err != nil {
		return "", err
	}
	for _, m := range members {
		if m.Get(pathSessionMine).Bool() || m.Get("MySession").Bool() {
			return m.Get(pathSessionID).String(), nil
		}
	}
	return "", nil
}

// ExpectedDuringReset is the policy for an iLO that resets itself after
// flashing its own firmware (reference §3.5): connection refused or reset,
// timeouts, 401 (all sessions are dropped) and 502/503/504 are what such an
// iLO shows until it is back, so a waiter retries them. Certificate errors,
// other statuses and the caller's own deadline are not retried.
func ExpectedDuringReset(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || IsCertificateError(err) {
		return false
	}
	e, ok := asError(err)
	if !ok {
		return false
	}
	switch e.Status {
	case 0:
		return isConnectionError(e.Err) || errors.Is(e.Err, errTimeout)
	case http.StatusUnauthorized, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Reconnect waits for an iLO that went away (self-reset after a flash) to
// answer again: it reads the service root with growing pauses (first
// backoff, doubling, at most the longest backoff) until it answers, then
// logs in again when the client owns the credentials (the old session died
// with the reset). It gives up when ctx ends or on an error that
// ExpectedDuringReset does not accept. A client using an auth_token cannot
// log in again; its token is most likely invalid after a reset.
func (c *Client) Reconnect(ctx context.Context) error {
	var last error
	p := Pace{First: c.opt.backoffMin, Every: max(c.opt.backoffMax, time.Second), Growth: 2}
	_, err := c.Poll(ctx, p, ResetFails, func(ctx context.Context, _ PollResult) (Reading, error) {
		c.hc.CloseIdleConnections() // connections to the old iLO process are dead
		err := c.readRoot(ctx, false)
		if err == nil && c.ownsCredentials() {
			// The old session most likely died with the reset; ending it
			// anyway (best effort) means no reconnect ever leaves one behind.
			c.endOwnSession(ctx)
			err = c.login(ctx)
		}
		switch {
		case err == nil:
			return Reading{Done: true}, nil
		case ctx.Err() == nil && !ExpectedDuringReset(err):
			return Reading{}, fmt.Errorf("reconnect: %w", err)
		}
		last = err
		return Reading{}, nil
	})
	var pt *PollTimeout
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &pt):
		return err
	case last == nil:
		return fmt.Errorf("reconnect: iLO did not come back: %w", plainCtx(ctx))
	}
	return fmt.Errorf("reconnect: iLO did not come back: %w (last error: %v)", plainCtx(ctx), last)
}
