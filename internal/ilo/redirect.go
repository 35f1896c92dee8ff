package ilo

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many redirects SafeRedirect follows.
const maxRedirects = 5

// SafeRedirect is an http.Client CheckRedirect for requests that leave the
// iLO client, such as the size check (HEAD) of an image_uri: it follows a
// redirect on the same host, but refuses one to another host (or from https
// to http) when the request carries credentials (Authorization,
// X-Auth-Token, a Cookie, or user info in its URL), so that they never reach
// a host the user did not name. The iLO client itself follows no redirect.
func SafeRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first := via[0]
	if !carriesCredentials(first) {
		return nil
	}
	switch {
	case !strings.EqualFold(req.URL.Host, first.URL.Host):
		return fmt.Errorf("refused a redirect from %s to another host, %s: the request carries credentials: %w", first.URL.Host, req.URL.Host, errCrossHost)
	case first.URL.Scheme == "https" && req.URL.Scheme != "https":
		return fmt.Errorf("refused a redirect from https to %s: the request carries credentials: %w", req.URL.Scheme, errCrossHost)
	}
	return nil
}

// errCrossHost marks a redirect SafeRedirect refused.
var errCrossHost = errors.New("redirect with credentials refused")

// carriesCredentials reports whether r sends anything secret.
func carriesCredentials(r *http.Request) bool {
	if r.URL.User != nil {
		return true
	}
	for _, h := range []string{"Authorization", "X-Auth-Token", "Cookie", "Proxy-Authorization"} {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}

// redirected is the error for a redirect from the iLO, which the client does
// not follow; n names the address setting.
func redirected(location string, n Names) error {
	if location == "" {
		return errors.New("the iLO answered with a redirect without a Location, which the client does not follow")
	}
	to := redactUserInfo(location)
	if u, err := url.Parse(location); err == nil && u.Host != "" {
		to = u.Scheme + "://" + u.Host
	}
	to = truncate(to, 256)
	return fmt.Errorf("the iLO redirected the request to %s; the client follows no redirect, so that credentials only go to %s: give the address the iLO answers at in %s (https:// for a real iLO)", to, n.BaseURI, n.BaseURI)
}
