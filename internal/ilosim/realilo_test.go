package ilosim

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUpdateableByProfile: iLO 5 2.46 (ilo5-246) leaves Updateable out of
// every inventory member; every other profile carries it on every member.
func TestUpdateableByProfile(t *testing.T) {
	for _, name := range ProfileNames() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, WithProfileName(name))
			e.login()
			want := !e.ilo.Profile().NoUpdateable
			if name == "ilo5-246" && want {
				t.Fatalf("profile ilo5-246 must omit Updateable")
			}
			for _, coll := range []string{firmwareInvPath, softwareInvPath} {
				body := e.do("GET", coll+"?$expand=.", nil, nil).json(t)
				members, _ := body["Members"].([]any)
				if coll == firmwareInvPath && len(members) == 0 {
					t.Fatalf("%s: no members", coll)
				}
				for _, m := range members {
					_, has := m.(map[string]any)["Updateable"]
					if has != want {
						t.Errorf("%s %v: Updateable present %v, want %v", coll, get(m, "@odata.id"), has, want)
					}
				}
			}
			one := e.do("GET", firmwareInvPath+"/1", nil, nil).json(t)
			if _, has := one["Updateable"]; has != want {
				t.Errorf("FirmwareInventory/1: Updateable present %v, want %v", has, want)
			}
		})
	}
}

// TestProfile246 pins what ilo5-246 does differently from ilo5 (2.70).
func TestProfile246(t *testing.T) {
	e := newEnv(t, WithProfileName("ilo5-246"))
	e.login()
	root := e.do("GET", "/redfish/v1", nil, nil).json(t)
	if got := get(root, "Oem.Hpe.Links.ResourceDirectory.@odata.id"); got != "/redfish/v1/ResourceDirectory" {
		t.Errorf("ResourceDirectory link %v, want no trailing slash", got)
	}
	if got := get(root, "Oem.Hpe.Manager").([]any)[0]; get(got, "ManagerFirmwareVersion") != "2.46" {
		t.Errorf("ManagerFirmwareVersion %v", get(got, "ManagerFirmwareVersion"))
	}
	us := e.do("GET", updateServicePath, nil, nil).json(t)
	if got := get(us, "Oem.Hpe.@odata.type"); got != "#HpeiLOUpdateServiceExt.v2_1_4.HpeiLOUpdateServiceExt" {
		t.Errorf("Oem.Hpe type %v", got)
	}
	if get(us, "Oem.Hpe.BundleUpdateReport") != nil {
		t.Errorf("2.46 advertises BundleUpdateReport")
	}
	if got := get(e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t), "FirmwareVersion"); got != "iLO 5 v2.46" {
		t.Errorf("Managers/1 FirmwareVersion %v", got)
	}
}

// TestLocationHasNoDefaultPort: Location names the request's host and
// leaves out :443 on HTTPS (and :80 on HTTP), keeps other ports.
func TestLocationHasNoDefaultPort(t *testing.T) {
	i := New(WithDir(t.TempDir()), WithHost("https", "127.0.0.1:9999"))
	t.Cleanup(func() { _ = i.Close() })
	cases := []struct {
		host, want string
		tls        bool
	}{
		{"ilo-a.example:443", "https://ilo-a.example/redfish/v1/SessionService/Sessions/", true},
		{"ilo-a.example", "https://ilo-a.example/redfish/v1/SessionService/Sessions/", true},
		{"10.0.0.5:8443", "https://10.0.0.5:8443/redfish/v1/SessionService/Sessions/", true},
		{"[fe80::1]:443", "https://[fe80::1]/redfish/v1/SessionService/Sessions/", true},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			req := httptest.NewRequest("POST", "https://"+c.host+"/redfish/v1/SessionService/Sessions/",
				strings.NewReader(`{"UserName":"admin","Password":"password"}`))
			req.Host = c.host
			req.TLS = &tls.ConnectionState{}
			rec := httptest.NewRecorder()
			i.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				t.Fatalf("login: %d %s", rec.Code, rec.Body)
			}
			loc := rec.Header().Get("Location")
			if !strings.HasPrefix(loc, c.want) {
				t.Errorf("Location %q, want prefix %q", loc, c.want)
			}
			// The task queue's 201 Location follows the same rule.
			req = httptest.NewRequest("POST", "https://"+c.host+windowsPath,
				strings.NewReader(`{"Name":"w-`+strings.NewReplacer(":", "", "[", "", "]", "").Replace(c.host)+`","StartAfter":"2099-01-01T00:00:00Z"}`))
			req.Host, req.TLS = c.host, &tls.ConnectionState{}
			req.SetBasicAuth(DefaultUsername, DefaultPassword)
			rec = httptest.NewRecorder()
			i.ServeHTTP(rec, req)
			want := strings.Replace(c.want, "/redfish/v1/SessionService/Sessions/", windowsPath+"/", 1)
			if rec.Code != http.StatusCreated || !strings.HasPrefix(rec.Header().Get("Location"), want) {
				t.Errorf("window create: %d Location %q, want prefix %q", rec.Code, rec.Header().Get("Location"), want)
			}
		})
	}
}
