package ilo

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/fwimage"
)

// Config is how Connect reaches an iLO and logs in. The module options that
// fill it live in internal/modkit, which names them in messages (Names).
type Config struct {
	// BaseURI is the iLO address: host, host:port or an https:// URL.
	BaseURI string
	// Username and Password log in a new session (Close logs it out).
	Username, Password string
	// AuthToken uses a session created earlier as it is; Close leaves it.
	AuthToken string
	// SkipVerify does not verify the iLO's TLS certificate.
	SkipVerify bool
	// CAPath is a PEM file with the CA (or the self-signed certificate) that
	// signed the iLO's certificate. When set, only its certificates are
	// trusted for the iLO (as Ansible's own ca_path does).
	CAPath string
	// AllowHTTP lets BaseURI be http:// (test rigs and simulators only: the
	// password and the session token then cross the network in clear text).
	AllowHTTP bool
	// Timeout is the limit for one HTTP request (DefaultTimeout when 0).
	Timeout time.Duration
}

// DefaultTimeout is the per-request timeout when Config.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// requestTimeout returns Timeout, or DefaultTimeout when unset.
func (a Config) requestTimeout() time.Duration {
	if a.Timeout <= 0 {
		return DefaultTimeout
	}
	return a.Timeout
}

// checkScheme refuses an http:// address unless AllowHTTP is set.
func (a Config) checkScheme(u *url.URL, n Names) error {
	if u.Scheme == "http" && !a.AllowHTTP {
		return fmt.Errorf("%s %s is plain HTTP: the password and the session token would cross the network in clear text, and real iLOs serve HTTPS; use https:// (or just the host name), or set %s for a test rig", n.BaseURI, u, n.AllowHTTP)
	}
	return nil
}

// ParseBaseURI turns Config.BaseURI into the URL of the iLO:
// "ilo1", "ilo1:8443", "10.0.0.5", "[fe80::1]:443" and "https://ilo1/"
// all work; "http://" parses too (Connect refuses it
// unless AllowHTTP is set). Anything else (another scheme, a path below the
// host, user info, junk) is refused with a message that names BaseURI and
// says what to give instead, never echoing user info (n.ParseBaseURI names
// the setting as n does).
func ParseBaseURI(s string) (*url.URL, error) { return ConfigNames.ParseBaseURI(s) }

// ParseBaseURI is the package's ParseBaseURI with messages naming the
// settings as n does.
func (n Names) ParseBaseURI(s string) (*url.URL, error) {
	n = n.orOwn()
	bad := func(why string) error {
		return fmt.Errorf("invalid %s %q: %s; give the iLO's host name or address, optionally with :port, or https://host[:port]", n.BaseURI, redactUserInfo(s), why)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, bad("empty")
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "https://" + s
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("not a host name or URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		u.Scheme = strings.ToLower(u.Scheme)
	default:
		return nil, bad(fmt.Sprintf("scheme %q is not supported", u.Scheme))
	}
	if u.User != nil {
		return nil, bad(fmt.Sprintf("credentials do not belong in the URL (use %s)", n.Credentials))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, bad("no host")
	}
	if p := strings.TrimRight(u.Path, "/"); p != "" && !strings.EqualFold(p, "/redfish/v1") && !strings.EqualFold(p, "/redfish") {
		return nil, bad(fmt.Sprintf("unexpected path %q", u.Path))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("unexpected query or fragment")
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, bad(fmt.Sprintf("port %q out of range", port))
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, bad("empty port")
	}
	host := u.Hostname()
	if strings.ContainsAny(host, " \t/\\@?#%") {
		return nil, bad("host contains invalid characters")
	}
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return nil, bad("invalid IPv6 address")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// tlsConfig builds the TLS settings: verification against the system CAs, or
// against CAPath alone when it is given (what Ansible's ca_path does: its
// make_context loads only that file), or no verification with SkipVerify.
// Not loading the system pool when CAPath is given also matters for
// speed: parsing the ~140 system roots took half of an update_info run's CPU.
func tlsConfig(a Config, host string, n Names) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if a.SkipVerify {
		cfg.InsecureSkipVerify = true //nolint:gosec // the user asked for it (SkipVerify)
		return cfg, nil
	}
	if a.CAPath == "" {
		return cfg, nil
	}
	pem, err := n.ReadCAFile(a.CAPath)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read %s %s: no PEM certificate found", n.CAPath, a.CAPath)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// explainTLS rewrites certificate verification failures into their cause
// and the fix, in words (no "x509:" or "tls:"), naming the settings as n
// does; other errors are returned unchanged.
func explainTLS(err error, host string, n Names) error {
	skip := "or set " + n.SkipVerify + " to skip verification"
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var insecure x509.InsecureAlgorithmError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("the iLO's TLS certificate is not valid for %q (it names %s); use a name the certificate was issued for in %s, or give the iLO a certificate with this name, %s: %w",
			host, certNames(hostErr.Certificate), n.BaseURI, skip, errTLS)
	case errors.As(err, &insecure) || (errors.As(err, &unknown) && strings.Contains(unknown.Error(), "insecure algorithm")):
		return fmt.Errorf("the iLO's TLS certificate is signed with SHA-1, which is no longer accepted as secure; give the iLO a certificate signed with SHA-256 (iLO: Security, SSL Certificate), %s: %w", skip, errTLS)
	case errors.As(err, &unknown):
		return fmt.Errorf("the iLO's TLS certificate is not trusted (signed by an unknown authority); give the CA that signed it (or the certificate itself) in %s, %s: %w", n.CAPath, skip, errTLS)
	case errors.As(err, &invalid):
		return fmt.Errorf("the iLO's TLS certificate is not trusted (%s); renew it or give the right CA in %s, %s: %w", invalidReason(invalid), n.CAPath, skip, errTLS)
	case errors.As(err, &verify):
		return fmt.Errorf("the iLO's TLS certificate is not trusted (%s); give the CA in %s, %s: %w",
			strings.TrimPrefix(verify.Err.Error(), "x509: "), n.CAPath, skip, errTLS)
	}
	return err
}

// certNames lists the names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "no name"
	}
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName+" (common name only)")
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}

// invalidReason says why a certificate is invalid.
func invalidReason(e x509.CertificateInvalidError) string {
	c := e.Cert
	switch e.Reason {
	case x509.Expired:
		if c != nil {
			now := time.Now()
			if now.Before(c.NotBefore) {
				return "not valid before " + c.NotBefore.UTC().Format(time.DateOnly) + ": check the iLO's or this host's clock"
			}
			return "expired on " + c.NotAfter.UTC().Format(time.DateOnly)
		}
		return "expired or not yet valid"
	case x509.NotAuthorizedToSign:
		return "signed by a certificate that is not a CA"
	case x509.IncompatibleUsage:
		return "not issued for TLS server use"
	}
	return strings.TrimPrefix(e.Error(), "x509: ")
}

// MaxCAFile is the largest CAPath the client reads.
const MaxCAFile = 1 << 20

// ReadCAFile reads a CAPath: a regular file (not a FIFO, device or
// directory, checked before it is opened) of at most MaxCAFile bytes.
func ReadCAFile(path string) ([]byte, error) { return ConfigNames.ReadCAFile(path) }

// ReadCAFile is the package's ReadCAFile with messages naming the setting
// as n does.
func (n Names) ReadCAFile(path string) ([]byte, error) {
	name := n.orOwn().CAPath
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %s is not a regular file (%s); give a PEM file", name, path, fwimage.FileKind(fi.Mode()))
	}
	if fi.Size() > MaxCAFile {
		return nil, fmt.Errorf("%s %s is %s, more than the %s a PEM file of CA certificates needs", name, path, sizeText(fi.Size()), sizeText(MaxCAFile))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxCAFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > MaxCAFile {
		return nil, fmt.Errorf("%s %s is larger than %s", name, path, sizeText(MaxCAFile))
	}
	return b, nil
}

// redactUserInfo removes "user:password@" from a URL-like string, so that a
// message may quote it. Everything up to the last '@' goes, since a password
// may itself hold '/', '?' or '#'.
func redactUserInfo(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && i < at {
		start = i + 3
	}
	return s[:start] + "***@" + s[at+1:]
}

// errTLS marks certificate verification failures (see IsCertificateError).
var errTLS = errors.New("certificate verification failed")

// IsCertificateError reports whether err is a TLS certificate verification
// failure (untrusted, expired, or issued for another name).
func IsCertificateError(err error) bool { return errors.Is(err, errTLS) }
