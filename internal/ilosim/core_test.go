package ilosim

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServiceRootWithoutAuth(t *testing.T) {
	for _, name := range ProfileNames() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, WithProfileName(name))
			res := e.do("GET", "/redfish/v1/", nil, nil)
			if res.status != http.StatusOK {
				t.Fatalf("status %d, want 200", res.status)
			}
			m := res.json(t)
			p := e.ilo.Profile()
			if got := get(m, "Links.Sessions.@odata.id"); got != e.ilo.ODataID(sessionsPath) {
				t.Errorf("Links.Sessions = %v", got)
			}
			mgr := get(m, "Oem.Hpe.Manager").([]any)[0]
			if got := get(mgr, "ManagerType"); got != p.ManagerType {
				t.Errorf("ManagerType = %v, want %s", got, p.ManagerType)
			}
			if got := get(mgr, "ManagerFirmwareVersion"); got != p.FirmwareVersion {
				t.Errorf("ManagerFirmwareVersion = %v, want %s", got, p.FirmwareVersion)
			}
			if get(m, "ProtocolFeaturesSupported.ExpandQuery.Levels") != true {
				t.Errorf("ExpandQuery.Levels not advertised")
			}
			if res.header.Get("ETag") == "" || res.header.Get("ETag") != get(m, "@odata.etag") {
				t.Errorf("ETag header %q vs @odata.etag %v", res.header.Get("ETag"), get(m, "@odata.etag"))
			}
			id, _ := get(m, "UpdateService.@odata.id").(string)
			if strings.HasSuffix(id, "/") != p.TrailingSlash {
				t.Errorf("UpdateService link %q, trailing slash want %v", id, p.TrailingSlash)
			}
		})
	}
}

func TestAuthRequired(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/redfish/v1/UpdateService", "/redfish/v1/Managers/1", "/redfish/v1/SessionService/Sessions"} {
		res := e.do("GET", p, nil, nil)
		if res.status != http.StatusUnauthorized {
			t.Errorf("GET %s: status %d, want 401", p, res.status)
			continue
		}
		if id := msgID(t, res); id != "Base.1.4.NoValidSession" {
			t.Errorf("GET %s: MessageId %q, want Base.1.4.NoValidSession", p, id)
		}
	}
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t)
	res := e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "admin", "Password": "password"}, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("login status %d, want 201", res.status)
	}
	tok, loc := res.header.Get("X-Auth-Token"), res.header.Get("Location")
	if len(tok) != 32 {
		t.Errorf("X-Auth-Token %q, want 32 hex", tok)
	}
	if !strings.HasPrefix(loc, e.srv.URL+"/redfish/v1/SessionService/Sessions/admin") {
		t.Errorf("Location %q is not absolute under %s", loc, e.srv.URL)
	}
	e.tok = tok
	if got := e.ilo.Counters().OpenSessions; got != 1 {
		t.Errorf("open sessions %d, want 1", got)
	}
	p := strings.TrimPrefix(loc, e.srv.URL)
	if res := e.do("GET", p, nil, nil); res.status != 200 || get(res.json(t), "Oem.Hpe.MySession") != true {
		t.Errorf("GET own session: %d %s", res.status, res.body)
	}
	if res := e.do("DELETE", p, nil, nil); res.status != http.StatusOK || msgID(t, res) != "Base.1.4.Success" {
		t.Errorf("logout: %d %s", res.status, res.body)
	}
	if res := e.do("GET", "/redfish/v1/Managers/1", nil, nil); res.status != http.StatusUnauthorized {
		t.Errorf("after logout: status %d, want 401", res.status)
	}
	if n := e.ilo.Writes(); n != 0 {
		t.Errorf("login+logout counted %d writes, want 0", n)
	}
}

func TestBadLogin(t *testing.T) {
	e := newEnv(t)
	res := e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "admin", "Password": "nope"}, nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(msgID(t, res), "UnauthorizedLogin") {
		t.Errorf("bad login: %d %s", res.status, res.body)
	}
}

func TestBasicAuthLeavesNoSession(t *testing.T) {
	e := newEnv(t)
	good := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:password"))
	bad := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:x"))
	if res := e.do("GET", "/redfish/v1/Managers/1", nil, map[string]string{"Authorization": good}); res.status != 200 {
		t.Errorf("basic auth: status %d", res.status)
	}
	if res := e.do("GET", "/redfish/v1/Managers/1", nil, map[string]string{"Authorization": bad}); res.status != 401 {
		t.Errorf("bad basic auth: status %d, want 401", res.status)
	}
	if n := e.ilo.Counters().OpenSessions; n != 0 {
		t.Errorf("open sessions %d after Basic auth, want 0", n)
	}
}

func TestSessionCap(t *testing.T) {
	e := newEnv(t, WithSessionCap(2))
	e.login()
	e.login()
	res := e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "admin", "Password": "password"}, nil)
	if res.status != http.StatusServiceUnavailable || msgID(t, res) != "Base.1.4.SessionLimitExceeded" {
		t.Errorf("third session: %d %s", res.status, res.body)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	e := newEnv(t, WithIdleTimeout(10*time.Minute))
	e.login()
	if res := e.do("GET", "/redfish/v1/Systems/1", nil, nil); res.status != 200 {
		t.Fatalf("fresh session: %d", res.status)
	}
	e.ilo.Clock().Advance(11 * time.Minute)
	if res := e.do("GET", "/redfish/v1/Systems/1", nil, nil); res.status != 401 {
		t.Errorf("idle session: status %d, want 401", res.status)
	}
}

func TestPathMatching(t *testing.T) {
	e := newEnv(t)
	e.login()
	for _, p := range []string{"/redfish/v1/managers/1", "/redfish/v1/Managers/1/", "/REDFISH/V1/MANAGERS/1", "/redfish/v1/updateservice/firmwareinventory/1/"} {
		if res := e.do("GET", p, nil, nil); res.status != 200 {
			t.Errorf("GET %s: %d, want 200", p, res.status)
		}
	}
	res := e.do("GET", "/redfish/v1/Nope", nil, nil)
	if res.status != 404 || msgID(t, res) != "Base.1.4.ResourceMissingAtURI" {
		t.Errorf("unknown path: %d %s", res.status, res.body)
	}
	if res := e.do("DELETE", "/redfish/v1/Managers/1", nil, nil); res.status != 405 || res.header.Get("Allow") == "" {
		t.Errorf("DELETE manager: %d allow %q", res.status, res.header.Get("Allow"))
	}
}

func TestManagerVersionStrings(t *testing.T) {
	tests := []struct {
		profile, want, wantInv string
	}{
		{"ilo5", "iLO 5 v2.70", "2.70 May 16 2022"},
		{"ilo6", "iLO 6 v1.70", "1.70 Jun 10 2025"},
		{"ilo7", "1.14.00 Jul 10 2025", "1.14.00 Jul 10 2025"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			e := newEnv(t, WithProfileName(tt.profile))
			e.login()
			if got := get(e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t), "FirmwareVersion"); got != tt.want {
				t.Errorf("FirmwareVersion %v, want %s", got, tt.want)
			}
			inv := e.do("GET", "/redfish/v1/UpdateService/FirmwareInventory/1", nil, nil).json(t)
			if got := get(inv, "Version"); got != tt.wantInv {
				t.Errorf("inventory Version %v, want %s", got, tt.wantInv)
			}
		})
	}
}

func TestControlCounters(t *testing.T) {
	e := newEnv(t)
	e.login()
	e.do("GET", "/redfish/v1/Systems/1", nil, nil)
	e.do("PATCH", "/redfish/v1/Systems/1", map[string]any{"x": 1}, nil)
	c := e.do("GET", "/_sim/counters", nil, nil).json(t)
	if got := get(c, "requests.GET"); got != float64(1) {
		t.Errorf("requests.GET = %v, want 1", got)
	}
	if get(c, "writes") != float64(1) || get(c, "logins") != float64(1) || get(c, "open_sessions") != float64(1) {
		t.Errorf("counters %v", c)
	}
	if get(c, "bytes_received").(float64) <= 0 {
		t.Errorf("bytes_received not counted: %v", c)
	}
	e.do("POST", "/_sim/counters/reset", nil, nil)
	if c := e.ilo.Counters(); c.Writes != 0 || len(c.Requests) != 0 {
		t.Errorf("after reset: %+v", c)
	}
}

func TestFault503AndDark(t *testing.T) {
	e := newEnv(t)
	e.login()
	e.do("POST", "/_sim/faults", map[string]any{"status_503": 2}, nil)
	for n := 0; n < 2; n++ {
		res := e.do("GET", "/redfish/v1/Systems/1", nil, nil)
		if res.status != 503 || res.header.Get("Retry-After") == "" {
			t.Errorf("request %d: %d retry-after %q, want 503", n, res.status, res.header.Get("Retry-After"))
		}
	}
	if res := e.do("GET", "/redfish/v1/Systems/1", nil, nil); res.status != 200 {
		t.Errorf("after faults: %d", res.status)
	}
	e.do("POST", "/_sim/faults", map[string]any{"dark_seconds": 60}, nil)
	req, _ := http.NewRequest("GET", e.srv.URL+"/redfish/v1/", nil)
	if _, err := e.srv.Client().Do(req); err == nil {
		t.Errorf("dark iLO answered")
	}
	e.do("POST", "/_sim/clock", map[string]any{"advance": "61s"}, nil)
	if res := e.do("GET", "/redfish/v1/", nil, nil); res.status != 200 {
		t.Errorf("after dark: %d", res.status)
	}
	e.do("POST", "/_sim/faults", map[string]any{"expire_sessions": true}, nil)
	if res := e.do("GET", "/redfish/v1/Systems/1", nil, nil); res.status != 401 {
		t.Errorf("after expire_sessions: %d, want 401", res.status)
	}
}

func TestManagerResetKeepsState(t *testing.T) {
	e := newEnv(t, WithDarkTime(30*time.Second))
	e.login()
	e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"DowngradePolicy": "RecoveryDowngrade"}}}, nil)
	if res := e.do("POST", "/redfish/v1/Managers/1/Actions/Manager.Reset", map[string]string{"ResetType": "ForceRestart"}, nil); res.status != 200 {
		t.Fatalf("Manager.Reset: %d %s", res.status, res.body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/redfish/v1/", nil)
	if res, err := e.srv.Client().Do(req); err == nil {
		res.Body.Close()
		t.Errorf("iLO answered during its reset: %d", res.StatusCode)
	}
	e.ilo.Clock().Advance(31 * time.Second)
	if res := e.do("GET", "/redfish/v1/UpdateService", nil, nil); res.status != 401 {
		t.Errorf("session after reset: %d, want 401", res.status)
	}
	e.login()
	if got := get(e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t), "Oem.Hpe.DowngradePolicy"); got != "RecoveryDowngrade" {
		t.Errorf("DowngradePolicy %v after reset", got)
	}
}

func TestPrivileges(t *testing.T) {
	e := newEnv(t, WithUser("reader", "pw", PrivLogin))
	res := e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "reader", "Password": "pw"}, nil)
	e.tok = res.header.Get("X-Auth-Token")
	tests := []struct{ method, path string }{
		{"POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate"},
		{"POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri"},
		{"PATCH", "/redfish/v1/UpdateService"},
		{"POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteUnlockedComponents"},
	}
	for _, tt := range tests {
		res := e.do(tt.method, tt.path, map[string]any{"ImageURI": "http://127.0.0.1/x.bin"}, nil)
		if res.status != 403 || msgID(t, res) != "Base.1.4.InsufficientPrivilege" {
			t.Errorf("%s %s as reader: %d %s", tt.method, tt.path, res.status, res.body)
		}
	}
	if res := e.do("GET", "/redfish/v1/ResourceDirectory", nil, nil); res.status != 200 || !strings.Contains(string(res.body), "#UpdateService.") {
		t.Errorf("ResourceDirectory: %d", res.status)
	}
}

func TestControlClockAndState(t *testing.T) {
	e := newEnv(t)
	before, err := time.Parse(time.RFC3339, get(e.do("GET", "/_sim/clock", nil, nil).json(t), "now").(string))
	if err != nil {
		t.Fatalf("parse clock: %v", err)
	}
	res := e.do("POST", "/_sim/clock", map[string]string{"advance": "26h"}, nil)
	after, _ := time.Parse(time.RFC3339, get(res.json(t), "now").(string))
	if d := after.Sub(before); d < 26*time.Hour || d > 27*time.Hour {
		t.Errorf("advance 26h moved the clock by %v", d)
	}
	if res := e.do("POST", "/_sim/clock", map[string]string{"advance": "soon"}, nil); res.status != 400 {
		t.Errorf("bad advance: %d, want 400", res.status)
	}
	e.login()
	us := e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t)
	cur, _ := time.Parse(time.RFC3339, get(us, "Oem.Hpe.CurrentTime").(string))
	if cur.Before(after) {
		t.Errorf("UpdateService CurrentTime %v before the advanced clock %v", cur, after)
	}
	st := e.do("GET", "/_sim/state", nil, nil).json(t)
	if st["profile"] != "ilo5" || st["update_state"] != "Idle" || st["open_sessions"] != float64(1) {
		t.Errorf("state %v", st)
	}
	if ss, _ := st["sessions"].([]any); len(ss) != 1 || get(ss[0], "token") != e.tok {
		t.Errorf("state sessions %v, want the one token", st["sessions"])
	}
}

func TestSlowFaultIsConsumed(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/_sim/faults", map[string]any{"slow_ms": 1, "slow_count": 2}, nil)
	for n := 0; n < 3; n++ {
		if res := e.do("GET", "/redfish/v1/", nil, nil); res.status != 200 {
			t.Fatalf("request %d: %d", n, res.status)
		}
	}
	if f := get(e.do("GET", "/_sim/state", nil, nil).json(t), "faults.slow_count"); f != nil {
		t.Errorf("slow_count left %v, want 0", f)
	}
}

func TestClockSpeed(t *testing.T) {
	c := NewClock(60)
	if got := c.Real(time.Minute); got != time.Second {
		t.Errorf("Real(1m) at speed 60 = %v, want 1s", got)
	}
	a := c.Now()
	c.Advance(time.Hour)
	if d := c.Now().Sub(a); d < time.Hour {
		t.Errorf("Advance(1h) moved %v", d)
	}
	c.Advance(-time.Hour)
	if c.Now().Before(a.Add(time.Hour)) {
		t.Errorf("negative Advance moved the clock back")
	}
}

func TestRegistries(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo6"} {
		t.Run(profile, func(t *testing.T) {
			e := newEnv(t, WithProfileName(profile))
			e.login()
			coll := e.do("GET", "/redfish/v1/Registries?$expand=.", nil, nil).json(t)
			members := coll["Members"].([]any)
			if len(members) != 2 {
				t.Fatalf("registries: %v", coll)
			}
			loc := get(members[1].(map[string]any)["Location"].([]any)[0], "Uri").(string)
			reg := e.do("GET", loc, nil, nil).json(t)
			id := e.ilo.Registries().ILO + ".0"
			if reg["Id"] != id || get(reg, "Messages.ComponentUploadFailed.Message") == nil {
				t.Errorf("registry %s: Id %v, ComponentUploadFailed %v", loc, reg["Id"], get(reg, "Messages.ComponentUploadFailed"))
			}
		})
	}
}

func TestSessionTimeoutPatch(t *testing.T) {
	tests := []struct {
		profile string
		body    map[string]any
		want    int
	}{
		{"ilo6", map[string]any{"SessionTimeout": 120}, 200},
		{"ilo6", map[string]any{"SessionTimeout": "x"}, 400},
		{"ilo5", map[string]any{"SessionTimeout": 120}, 400},
	}
	for _, tt := range tests {
		e := newEnv(t, WithProfileName(tt.profile))
		e.login()
		if res := e.do("PATCH", "/redfish/v1/SessionService", tt.body, nil); res.status != tt.want {
			t.Errorf("%s PATCH %v: %d, want %d", tt.profile, tt.body, res.status, tt.want)
			continue
		}
		if tt.want != 200 {
			continue
		}
		e.ilo.Clock().Advance(121 * time.Second)
		if res := e.do("GET", "/redfish/v1/SessionService", nil, nil); res.status != 401 {
			t.Errorf("%s: session after 121 s idle with SessionTimeout 120: %d, want 401", tt.profile, res.status)
		}
	}
}

func TestSelectQuery(t *testing.T) {
	e := newEnv(t)
	e.login()
	res := e.do("GET", "/redfish/v1/UpdateService/ComponentRepository/?$select=Oem/Hpe/FreeSizeBytes,%20Oem/Hpe/TotalSizeBytes", nil, nil)
	m := res.json(t)
	if get(m, "Oem.Hpe.FreeSizeBytes") == nil || get(m, "Oem.Hpe.TotalSizeBytes") == nil || m["Members"] != nil || get(m, "Oem.Hpe.ComponentCount") != nil {
		t.Errorf("$select answer %s", res.body)
	}
	if m["@odata.id"] == nil || res.header.Get("ETag") != m["@odata.etag"] {
		t.Errorf("$select lost @odata.id or the ETag: %s (ETag %q)", res.body, res.header.Get("ETag"))
	}
}

func TestAllowHeader(t *testing.T) {
	e := newEnv(t)
	e.login()
	tests := []struct{ path, want string }{
		{"/redfish/v1/UpdateService", "GET, HEAD, PATCH"},
		{"/redfish/v1/TaskService", "GET, HEAD"},
		{"/redfish/v1/SessionService/Sessions", "GET, HEAD, POST"},
		{"/redfish/v1/UpdateService/FirmwareInventory/1", "GET, HEAD"},
	}
	for _, tt := range tests {
		if got := e.do("GET", tt.path, nil, nil).header.Get("Allow"); got != tt.want {
			t.Errorf("GET %s: Allow %q, want %q", tt.path, got, tt.want)
		}
	}
}
