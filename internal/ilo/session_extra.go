package ilo

import (
	"context"
	"net/http"
)

// EndSession logs out the session at uri (a path below Links.Sessions, as
// Session returns it) with the client's token: DELETE {uri}. It reports
// whether it ended a session: a session that is already gone answers 404,
// or 401 when the token died with it, and gives false with no error. Unlike
// Logout it tells the two apart, for a module's changed flag.
func (c *Client) EndSession(ctx context.Context, uri string) (bool, error) {
	_, err := c.send(ctx, &request{method: http.MethodDelete, uri: uri, noRelogin: true})
	switch {
	case IsNotFound(err) || IsUnauthorized(err):
		return false, nil
	case err != nil:
		return false, err
	}
	c.mu.Lock()
	if c.sessionURI == uri {
		c.own, c.sessionURI = false, ""
	}
	c.mu.Unlock()
	return true, nil
}

// SessionExists reports whether the session at uri is alive, as the
// client's token sees it: GET {uri}; 404, or 401 for a token that no longer
// works, give false with no error. It writes nothing (check mode).
func (c *Client) SessionExists(ctx context.Context, uri string) (bool, error) {
	_, err := c.send(ctx, &request{method: http.MethodGet, uri: uri, noRelogin: true})
	switch {
	case IsNotFound(err) || IsUnauthorized(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
