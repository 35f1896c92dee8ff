// Package session is the fleetfw.ilo.session module: state=present logs in
// and hands the session token to later tasks, state=absent logs that session
// out (plugins/modules/session.py documents it).
package session

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	// State present logs in; absent logs out the session at SessionURI.
	State string `json:"state" default:"present" validate:"oneof=present absent"`
	// SessionURI is the session to log out, as state=present returned it.
	SessionURI string `json:"session_uri"`
}

// Rules says that logging out needs the session and the token that owns it.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{RequiredIf: []ansible.RequiredIf{
		{Key: "state", Value: "absent", Requires: []string{"session_uri", "auth_token"}},
	}}
}

// Check refuses what the rules cannot express: logging in without both
// username and password (a token alone cannot log in), and a session_uri
// that is not a path on the iLO of baseuri.
func (a Args) Check() error {
	if a.State == "present" && (a.Username == "" || a.Password == "") {
		if a.AuthToken != "" {
			return errors.New("state=present logs in with username and password, not auth_token (check ILO_AUTH_TOKEN in the environment); to log a session out, give state=absent with auth_token and session_uri")
		}
		return errors.New("state=present logs in: parameters are required together: username, password (or set ILO_USERNAME and ILO_PASSWORD)")
	}
	if a.State == "absent" {
		if _, err := sessionPath(a.BaseURI, a.SessionURI); err != nil {
			return err
		}
	}
	return nil
}

// Result is what the module returns: the new session for state=present.
type Result struct {
	Changed    bool   `json:"changed"`
	AuthToken  string `json:"auth_token,omitempty"`
	SessionURI string `json:"session_uri,omitempty"`
	// Outcome is "unknown" when the logout's answer was lost: the session
	// may or may not have ended.
	Outcome string `json:"outcome,omitempty"`
}

// Module is fleetfw.ilo.session.
var Module = ansible.New("session", run)

// run logs in or out as state asks.
func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	if a.State == "absent" {
		return logout(ctx, m, a)
	}
	return login(ctx, a)
}

// login opens a session and hands it over: Close then leaves it open. The
// token is returned, not scrubbed: returning it is the module's purpose (the
// documentation tells users to register it with no_log). Logging in changes
// no setting, so check mode logs in too.
func login(ctx context.Context, a *Args) (Result, error) {
	// Not modkit.Use: the token is this module's result, so it is not a
	// secret of the run, and the session is handed over, not logged out.
	ca := a.ConnArgs.Config()
	ca.AuthToken = "" // a token from the environment must not stop the login (Check made sure of the credentials)
	c, err := ilo.Connect(ctx, ca, ilo.WithNames(modkit.OptionNames))
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = c.Close(ctx) }() // after Detach it only releases connections
	if _, uri := c.Session(); uri == "" {
		// Without its URI, state=absent could not log the session out later.
		_ = c.Logout(ctx, "")
		return Result{}, errors.New("log in: the iLO returned no session URI (no Location header, no @odata.id); the session was logged out again")
	}
	token, uri := c.Detach()
	return Result{AuthToken: token, SessionURI: uri}, nil
}

// logout ends the session at session_uri with its own token. A session that
// is already gone is not an error and changes nothing. In check mode it only
// reads whether the session is alive.
func logout(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	p, err := sessionPath(a.BaseURI, a.SessionURI)
	if err != nil {
		return Result{}, err
	}
	// The token's session is not the client's own: Use leaves it to EndSession.
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		if err := belowSessions(c.Root(), p); err != nil {
			return Result{}, err
		}
		if m.CheckMode {
			alive, err := c.SessionExists(ctx, p)
			if err != nil {
				return Result{}, fmt.Errorf("read session %s: %w", p, err)
			}
			return Result{Changed: alive}, nil
		}
		ended, err := c.EndSession(ctx, p)
		if err != nil {
			var res Result
			res.Changed, res.Outcome, err = modkit.WriteStatus(false, false, fmt.Errorf("log out session %s: %w", p, err))
			return res, err
		}
		return Result{Changed: ended}, nil
	})
}

// sessionPath returns the path of session_uri: a path, or an https URL on
// the iLO of baseuri reduced to its path. Anything else (another host, a
// query, "..") is refused with a message naming session_uri.
func sessionPath(baseURI, sessionURI string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid session_uri %q: %s; give the session_uri that state=present returned", sessionURI, why)
	}
	u, err := url.Parse(strings.TrimSpace(sessionURI))
	if err != nil {
		return "", bad("not a URI path")
	}
	if u.Scheme != "" || u.Host != "" {
		base, err := modkit.ParseBaseURI(baseURI)
		if err != nil {
			return "", err
		}
		if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
			return "", bad(fmt.Sprintf("it is not on the iLO of baseuri (%s)", base))
		}
	}
	switch {
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", bad("a session URI has no user, query or fragment")
	case !strings.HasPrefix(u.Path, "/"):
		return "", bad("not an absolute path")
	case path.Clean(u.Path) != strings.TrimSuffix(u.Path, "/") || strings.Contains(u.Path, "//"):
		return "", bad("the path is not clean")
	}
	return u.EscapedPath(), nil
}

// belowSessions checks that p names one member of the sessions collection
// the service root links to (Links.Sessions), so that a DELETE cannot reach
// any other resource.
func belowSessions(root ilo.ServiceRoot, p string) error {
	coll := strings.TrimSuffix(root.Sessions, "/")
	if coll == "" {
		return errors.New("the iLO's service root has no Links.Sessions: cannot check session_uri")
	}
	rest, ok := cutPrefixFold(strings.TrimSuffix(p, "/"), coll+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return fmt.Errorf("invalid session_uri %q: not a session of this iLO (sessions are below %s/); give the session_uri that state=present returned", p, coll)
	}
	return nil
}

// cutPrefixFold is strings.CutPrefix, case-insensitive (iLO paths are).
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
