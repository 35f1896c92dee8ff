package session

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
)

// FuzzSessionURI checks the guard in front of the logout DELETE: whatever
// session_uri a user gives, an accepted one resolves, on the iLO of baseuri,
// to one member directly below the sessions collection, with no dot
// segments, query or fragment.
func FuzzSessionURI(f *testing.F) {
	for _, s := range []string{
		"/redfish/v1/SessionService/Sessions/admin0000000065a1b2c3d4e5f6a7/",
		"/redfish/v1/SessionService/Sessions/x",
		"https://127.0.0.1:8443/redfish/v1/SessionService/Sessions/x/",
		"//evil.example/redfish/v1/SessionService/Sessions/x",
		"/redfish/v1/SessionService/Sessions/../Sessions/x",
		"/redfish/v1/SessionService/Sessions/x%2F..%2F..",
		"/redfish/v1/SessionService/Sessions/x?$expand=.",
		"/REDFISH/V1/SESSIONSERVICE/SESSIONS/X",
		"/redfish/v1/SessionService/Sessions//x",
		"",
	} {
		f.Add(s)
	}
	const base = "https://127.0.0.1:8443"
	root := ilo.ServiceRoot{Sessions: "/redfish/v1/SessionService/Sessions/"}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := sessionPath(base, s)
		if err != nil {
			return
		}
		if belowSessions(root, p) != nil {
			return
		}
		u, err := url.Parse(base + p)
		if err != nil {
			t.Fatalf("accepted %q gives %q, which is not a URL: %v", s, p, err)
		}
		if u.Host != "127.0.0.1:8443" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q leaves the iLO or carries a query: %q", s, u)
		}
		rest, ok := cutPrefixFold(strings.TrimSuffix(u.Path, "/"), "/redfish/v1/SessionService/Sessions/")
		if !ok || rest == "" || strings.Contains(rest, "/") || rest == "." || rest == ".." {
			t.Fatalf("accepted %q names %q, not one session", s, u.Path)
		}
	})
}
