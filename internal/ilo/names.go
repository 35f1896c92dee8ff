package ilo

// Names are how the client's messages name the settings they advise to
// change. The client's own words are its Config fields (ConfigNames); a
// caller that fills Config from settings of its own, such as the modules'
// options (internal/modkit), passes their names with WithNames and to the
// functions that take Names, so that a message names what the user sets.
// An empty field keeps the client's own word.
type Names struct {
	// BaseURI is the iLO's address (Config.BaseURI).
	BaseURI string
	// CAPath is the file of trusted CAs (Config.CAPath).
	CAPath string
	// SkipVerify says how to turn certificate verification off
	// (Config.SkipVerify: true).
	SkipVerify string
	// AllowHTTP says how to allow plain HTTP (Config.AllowHTTP: true).
	AllowHTTP string
	// Timeout is the limit for one request (Config.Timeout).
	Timeout string
	// Credentials are what logs in (Config.Username and Config.Password).
	Credentials string
	// AuthToken is a session given by its token (Config.AuthToken).
	AuthToken string
	// WaitLimit is what bounds a wait: the caller's deadline (the context
	// the wait runs under).
	WaitLimit string
}

// ConfigNames are the client's own words: its Config fields.
var ConfigNames = Names{
	BaseURI:     "Config.BaseURI",
	CAPath:      "Config.CAPath",
	SkipVerify:  "Config.SkipVerify: true",
	AllowHTTP:   "Config.AllowHTTP: true",
	Timeout:     "Config.Timeout",
	Credentials: "Config.Username and Config.Password",
	AuthToken:   "Config.AuthToken",
	WaitLimit:   "the time for the wait",
}

// orOwn returns n with every empty field set to the client's own word.
func (n Names) orOwn() Names {
	for _, f := range []struct {
		v   *string
		own string
	}{
		{&n.BaseURI, ConfigNames.BaseURI}, {&n.CAPath, ConfigNames.CAPath}, {&n.SkipVerify, ConfigNames.SkipVerify},
		{&n.AllowHTTP, ConfigNames.AllowHTTP}, {&n.Timeout, ConfigNames.Timeout}, {&n.Credentials, ConfigNames.Credentials},
		{&n.AuthToken, ConfigNames.AuthToken}, {&n.WaitLimit, ConfigNames.WaitLimit},
	} {
		if *f.v == "" {
			*f.v = f.own
		}
	}
	return n
}

// WithNames makes the client's messages name its settings as n does (see
// Names; internal/modkit passes the module options' names).
func WithNames(n Names) Option { return func(o *options) { o.names = n.orOwn() } }
