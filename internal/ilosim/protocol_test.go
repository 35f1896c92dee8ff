package ilosim

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// links collects every "@odata.id" string and "Uri" under v.
func collectLinks(v any, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && (k == "@odata.id" || k == "Uri" || k == "target") && strings.HasPrefix(s, "/redfish/v1") {
				out[s] = true
			}
			collectLinks(x, out)
		}
	case []any:
		for _, x := range t {
			collectLinks(x, out)
		}
	}
}

// TestEveryLinkServed crawls each profile from the service root: every
// @odata.id, Location Uri and action target the service gives must answer
// (GET 200; action targets anything but 404 to a GET).
func TestEveryLinkServed(t *testing.T) {
	for _, name := range ProfileNames() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, WithProfileName(name))
			e.login()
			seen := map[string]bool{}
			queue := []string{"/redfish/v1/"}
			targets := map[string]bool{}
			for len(queue) > 0 && len(seen) < 400 {
				p := queue[0]
				queue = queue[1:]
				if seen[p] {
					continue
				}
				seen[p] = true
				res := e.do("GET", p, nil, nil)
				if res.status != http.StatusOK {
					t.Errorf("GET %s: %d", p, res.status)
					continue
				}
				if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
					continue
				}
				found := map[string]bool{}
				collectLinks(res.json(t), found)
				var next []string
				for l := range found {
					if strings.Contains(l, "/Actions/") {
						targets[l] = true
						continue
					}
					next = append(next, l)
				}
				sort.Strings(next)
				queue = append(queue, next...)
			}
			for tg := range targets { // GET on an action: 405, never 404
				if res := e.do("GET", tg, nil, nil); res.status == http.StatusNotFound {
					t.Errorf("action target %s: 404", tg)
				}
			}
			for _, must := range []string{"/JsonSchemas", "/ResourceDirectory", "/LicenseService", "/systems/1/bios", "/Drives/0", "/Drives/3", "/SchemaStore/en/"} {
				ok := false
				for p := range seen {
					if strings.Contains(p, must) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("crawl never reached %s", must)
				}
			}
		})
	}
}

// TestRealILOResources pins what real clients read (issue 13 point 3), on
// every profile.
func TestRealILOResources(t *testing.T) {
	for _, name := range ProfileNames() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, WithProfileName(name))
			slash := e.ilo.Profile().TrailingSlash
			if got := get(e.do("GET", "/redfish", nil, nil).json(t), "v1"); got != "/redfish/v1/" {
				t.Errorf("GET /redfish v1 = %v, want /redfish/v1/", got)
			}
			if res := e.do("GET", "/redfish/v1/$metadata", nil, nil); res.status != 200 ||
				!strings.HasPrefix(res.header.Get("Content-Type"), "application/xml") || !strings.Contains(string(res.body), "<edmx:Edmx") {
				t.Errorf("$metadata without auth: %d %s", res.status, res.header.Get("Content-Type"))
			}
			root := e.do("GET", "/redfish/v1/", nil, nil).json(t)
			for _, l := range []string{"JsonSchemas.@odata.id", "Oem.Hpe.Links.ResourceDirectory.@odata.id"} {
				v, _ := get(root, l).(string)
				if v == "" || strings.HasSuffix(v, "/") != slash {
					t.Errorf("root %s = %q, want trailing slash %v", l, v, slash)
				}
			}
			// Sessions/Members accepts a login like Sessions.
			res := e.do("POST", "/redfish/v1/SessionService/Sessions/Members/", map[string]string{"UserName": DefaultUsername, "Password": DefaultPassword}, nil)
			if res.status != http.StatusCreated || res.header.Get("X-Auth-Token") == "" {
				t.Fatalf("login at Sessions/Members: %d", res.status)
			}
			e.tok = res.header.Get("X-Auth-Token")
			if n := e.ilo.Writes(); n != 0 {
				t.Errorf("a login at Sessions/Members counted as %d writes", n)
			}

			js := e.do("GET", get(root, "JsonSchemas.@odata.id").(string)+"?$expand=.", nil, nil).json(t)
			ms, _ := js["Members"].([]any)
			if js["@odata.type"] != "#JsonSchemaFileCollection.JsonSchemaFileCollection" || len(ms) < 10 {
				t.Fatalf("JsonSchemas %v with %d members", js["@odata.type"], len(ms))
			}
			for _, m := range ms {
				if get(m, "@odata.type") != "#JsonSchemaFile.v1_0_2.JsonSchemaFile" || get(m, "Schema") == nil {
					t.Errorf("JsonSchemas member %v", m)
				}
			}

			dir := e.do("GET", get(root, "Oem.Hpe.Links.ResourceDirectory.@odata.id").(string), nil, nil).json(t)
			types := map[string]bool{}
			for _, in := range dir["Instances"].([]any) {
				id, _ := get(in, "@odata.id").(string)
				typ, _ := get(in, "@odata.type").(string)
				tag, _ := get(in, "ETag").(string)
				methods, _ := get(in, "HttpMethods").([]any)
				if id == "" || typ == "" || !strings.HasPrefix(tag, `W/"`) || len(methods) == 0 || methods[0] != "GET" {
					t.Errorf("directory instance %v", in)
					continue
				}
				types[strings.SplitN(typ, ".", 2)[0]] = true
				if got := e.do("GET", id, nil, nil).header.Get("ETag"); got != tag {
					t.Errorf("directory ETag of %s %s, GET says %s", id, tag, got)
				}
			}
			for _, want := range []string{"#UpdateService", "#HpeiLOLicense", "#ComputerSystem", "#Manager", "#Bios"} {
				if !types[want] {
					t.Errorf("ResourceDirectory has no %s instance", want)
				}
			}

			mgr := e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t)
			lic := e.do("GET", get(mgr, "Oem.Hpe.Links.LicenseService.@odata.id").(string)+"?$expand=.", nil, nil).json(t)
			if m, _ := lic["Members"].([]any); len(m) != 1 || get(m[0], "LicenseFeatures.FWScan") != true ||
				!strings.HasPrefix(get(m[0], "@odata.type").(string), "#HpeiLOLicense.") {
				t.Errorf("LicenseService members %v", lic["Members"])
			}

			sys := e.do("GET", "/redfish/v1/Systems/1", nil, nil).json(t)
			if get(sys, "Oem.Hpe.DeviceDiscoveryComplete.DeviceDiscovery") != "vMainDeviceDiscoveryComplete" {
				t.Errorf("DeviceDiscoveryComplete %v", get(sys, "Oem.Hpe.DeviceDiscoveryComplete"))
			}
			bios := e.do("GET", get(sys, "Bios.@odata.id").(string), nil, nil).json(t)
			if get(bios, "Attributes.TpmState") == nil {
				t.Errorf("BIOS without Attributes.TpmState: %v", bios)
			}
		})
	}
}

// TestProtocolRules: OData-Version, unknown $ options, only, $filter, and
// the Link and Cache-Control headers (DMTF Protocol Validator checks).
func TestProtocolRules(t *testing.T) {
	cases := []struct {
		name, method, path string
		hdr                map[string]string
		status             int
		check              func(t *testing.T, r response)
	}{
		{"OData-Version 4.1", "GET", "/redfish/v1/Managers/1", map[string]string{"OData-Version": "4.1"}, 412, nil},
		{"OData-Version 4.0", "GET", "/redfish/v1/Managers/1", map[string]string{"OData-Version": "4.0"}, 200, nil},
		{"unknown $ option", "GET", "/redfish/v1/Managers/1?$bogus=1", nil, 501, nil},
		{"$top not advertised", "GET", "/redfish/v1/UpdateService/FirmwareInventory?$top=1", nil, 501, nil},
		{"non-$ option ignored", "GET", "/redfish/v1/Managers/1?foo=1", nil, 200, nil},
		{"only on a resource", "GET", "/redfish/v1/Managers/1?only", nil, 400, nil},
		{"only on a one-member collection", "GET", "/redfish/v1/Managers?only", nil, 200, func(t *testing.T, r response) {
			if m := r.json(t); m["@odata.type"] != "#Manager.v1_5_1.Manager" {
				t.Errorf("?only answered %v, want the Manager", m["@odata.type"])
			}
		}},
		{"only on a larger collection", "GET", "/redfish/v1/UpdateService/FirmwareInventory?only", nil, 200, func(t *testing.T, r response) {
			if m := r.json(t); len(m["Members"].([]any)) != 27 {
				t.Errorf("?only on 27 members changed the collection")
			}
		}},
		{"$filter eq", "GET", "/redfish/v1/UpdateService/FirmwareInventory?$filter=Name%20eq%20'System%20ROM'", nil, 200, func(t *testing.T, r response) {
			m := r.json(t)
			ms := m["Members"].([]any)
			if len(ms) != 1 || m["Members@odata.count"] != float64(1) || !strings.Contains(get(ms[0], "@odata.id").(string), "/FirmwareInventory/2") {
				t.Errorf("$filter Name eq 'System ROM': %v", ms)
			}
		}},
		{"$filter and, nested path", "GET", "/redfish/v1/UpdateService/FirmwareInventory?$expand=.&$filter=Oem/Hpe/DeviceClass%20eq%20'f6de0320-2e0f-489a-b238-6dd8ae7c3811'%20and%20Status/Health%20ne%20'OK'", nil, 200, func(t *testing.T, r response) {
			ms := r.json(t)["Members"].([]any)
			if len(ms) != 1 || get(ms[0], "Id") != "27" {
				t.Errorf("$filter drives not OK: %v", ms)
			}
		}},
		{"$filter malformed", "GET", "/redfish/v1/UpdateService/FirmwareInventory?$filter=Name%20like%20x", nil, 400, nil},
		{"Link and Cache-Control on GET", "GET", "/redfish/v1/Systems/1", nil, 200, func(t *testing.T, r response) {
			if l := r.header.Get("Link"); !strings.Contains(l, "/SchemaStore/en/ComputerSystem.json") || !strings.HasSuffix(l, "; rel=describedby") {
				t.Errorf("Link %q", l)
			}
			if r.header.Get("Cache-Control") == "" {
				t.Errorf("no Cache-Control")
			}
		}},
		{"Link and Cache-Control on HEAD", "HEAD", "/redfish/v1/UpdateService", nil, 200, func(t *testing.T, r response) {
			if !strings.Contains(r.header.Get("Link"), "/SchemaStore/en/UpdateService.json") || r.header.Get("Cache-Control") == "" {
				t.Errorf("HEAD headers %v", r.header)
			}
		}},
	}
	for _, name := range ProfileNames() {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				e := newEnv(t, WithProfileName(name))
				e.login()
				r := e.do(c.method, c.path, nil, c.hdr)
				if r.status != c.status {
					t.Fatalf("%s %s: %d, want %d: %s", c.method, c.path, r.status, c.status, r.body)
				}
				if c.check != nil {
					c.check(t, r)
				}
			})
		}
	}
}
