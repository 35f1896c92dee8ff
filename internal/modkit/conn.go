package modkit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
)

// ConnArgs are the connection options every module shares (documented once
// in plugins/doc_fragments/ilo.py). Modules embed it in their Args;
// internal/ansible reads the tags and calls Check (a module's own Check need
// not call it again).
type ConnArgs struct {
	// BaseURI is the iLO address: host, host:port or an https:// URL.
	BaseURI string `json:"baseuri" validate:"required,nouserinfo"`
	// Username and Password log in a new session (logged out when the module ends).
	Username string `json:"username" env:"ILO_USERNAME"`
	Password string `json:"password" no_log:"true" env:"ILO_PASSWORD"`
	// AuthToken reuses a session created earlier (fleetfw.ilo.session); the
	// module does not log it out.
	AuthToken string `json:"auth_token" no_log:"true" env:"ILO_AUTH_TOKEN"`
	// ValidateCerts verifies the iLO's TLS certificate.
	ValidateCerts bool `json:"validate_certs" default:"true"`
	// CAPath is a PEM file with the CA (or the self-signed certificate) that
	// signed the iLO's certificate. When set, only its certificates are
	// trusted for the iLO, as with Ansible's own ca_path.
	CAPath string `json:"ca_path" type:"path" env:"ILO_CA_PATH" validate:"omitempty,max_bytes=1048576"`
	// AllowHTTP lets baseuri be http:// (test rigs and simulators only: the
	// password and the session token then cross the network in clear text;
	// real iLOs serve HTTPS).
	AllowHTTP bool `json:"allow_http" default:"false" env:"ILO_ALLOW_HTTP"`
	// Timeout is the limit for one HTTP request, in seconds.
	Timeout int `json:"timeout" default:"30" validate:"min=1,max=3600"`
}

// OptionNames are the names of the connection options, as the client's
// messages give them to the user (ilo.Names): "is baseuri right?", "give
// the CA in ca_path, or set validate_certs: false …". Use passes them to the
// client; wait_timeout is the option of the modules that wait.
var OptionNames = ilo.Names{
	BaseURI:     "baseuri",
	CAPath:      "ca_path",
	SkipVerify:  "validate_certs: false",
	AllowHTTP:   "allow_http: true",
	Timeout:     "the timeout option",
	Credentials: "username and password",
	AuthToken:   "auth_token",
	WaitLimit:   "wait_timeout",
}

// ParseBaseURI is ilo.ParseBaseURI with messages naming the options.
func ParseBaseURI(s string) (*url.URL, error) { return OptionNames.ParseBaseURI(s) }

// Check validates what struct tags cannot: the form of baseuri, plain HTTP
// only with allow_http, and the credentials: username with password, or
// auth_token. When auth_token is given it wins over username and password,
// so that a play can hand a session token to a task while an AWX credential
// still puts ILO_USERNAME and ILO_PASSWORD in the environment.
func (a ConnArgs) Check() error {
	u, err := ParseBaseURI(a.BaseURI)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !a.AllowHTTP {
		return fmt.Errorf("baseuri %s is plain HTTP: the password and the session token would cross the network in clear text, and real iLOs serve HTTPS; use https:// (or just the host name), or set allow_http: true for a test rig", u)
	}
	user, pass := a.Username != "", a.Password != ""
	switch {
	case a.AuthToken != "":
		return nil
	case user != pass:
		return errors.New("parameters are required together: username, password")
	case !user:
		return errors.New("one of the following is required: username, auth_token (or set ILO_USERNAME and ILO_PASSWORD, or ILO_AUTH_TOKEN)")
	}
	return nil
}

// Config is what the client takes from the options.
func (a ConnArgs) Config() ilo.Config {
	return ilo.Config{
		BaseURI: a.BaseURI, Username: a.Username, Password: a.Password, AuthToken: a.AuthToken,
		SkipVerify: !a.ValidateCerts, CAPath: a.CAPath, AllowHTTP: a.AllowHTTP, Timeout: time.Duration(a.Timeout) * time.Second,
	}
}

// Reporter is what Use needs of a module run; *ansible.Run is one.
type Reporter interface {
	// Warn adds a warning to the module's result.
	Warn(format string, args ...any)
	// Secret keeps a value learned at run time out of the module's output.
	Secret(value string)
}

// Use connects to the iLO, runs use with the client and logs the session
// out, whatever use does: return, fail or panic (the panic goes on after the
// logout). Every session token the client learns — the login's, a re-login's
// after a 401 or an iLO reset, an auth_token given — is handed to m.Secret
// before it is used. A logout that fails is a warning: the module's result
// stands. A session given as auth_token is not logged out (it belongs to
// whoever created it). When the connection cannot be opened, use is not
// called and Use returns R's zero value and the error. The client's
// messages name the connection options (OptionNames).
func Use[R any](ctx context.Context, m Reporter, a ConnArgs, use func(context.Context, *ilo.Client) (R, error), opts ...ilo.Option) (res R, err error) {
	c, err := ilo.Connect(ctx, a.Config(), append([]ilo.Option{ilo.WithNames(OptionNames)}, append(opts, ilo.WithHide(m.Secret))...)...)
	if err != nil {
		return res, err
	}
	defer func() {
		// Close has its own short deadline: it works after ctx ended.
		if cerr := c.Close(ctx); cerr != nil {
			m.Warn("%v", cerr)
		}
	}()
	return use(ctx, c)
}
