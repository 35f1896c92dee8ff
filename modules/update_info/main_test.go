package updateinfo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tidwall/sjson"
	"gopkg.in/yaml.v3"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
)

var allKeys = []string{"firmware", "install_sets", "maintenance_windows", "repository", "service", "software", "task_queue"}

func TestUpdateInfo(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		args    map[string]any
		meta    map[string]any
		env     map[string]string
		// wantKeys are the subsets in the result; wantGETs the GET requests
		// (service root and update service included), which is one per
		// collection because every profile offers $expand.
		wantKeys []string
		wantGETs int
	}{
		{name: "all on ilo5", profile: "ilo5", wantKeys: allKeys, wantGETs: 8},
		{name: "all on ilo5-legacy", profile: "ilo5-legacy", wantKeys: allKeys, wantGETs: 8},
		{name: "all on ilo6", profile: "ilo6", wantKeys: allKeys, wantGETs: 8},
		{name: "all on ilo7", profile: "ilo7", wantKeys: allKeys, wantGETs: 8},
		{name: "all given with others", args: map[string]any{"gather_subset": []string{"firmware", "all"}}, wantKeys: allKeys, wantGETs: 8},
		{name: "firmware", args: map[string]any{"gather_subset": []string{"firmware"}}, wantKeys: []string{"firmware"}, wantGETs: 3},
		{name: "service", args: map[string]any{"gather_subset": "service"}, wantKeys: []string{"service"}, wantGETs: 2},
		{name: "comma-separated string", args: map[string]any{"gather_subset": "repository,task_queue"}, wantKeys: []string{"repository", "task_queue"}, wantGETs: 4},
		{name: "check mode", meta: map[string]any{"check_mode": true}, wantKeys: allKeys, wantGETs: 8},
		{name: "diff mode", meta: map[string]any{"diff": true}, args: map[string]any{"gather_subset": []string{"software"}}, wantKeys: []string{"software"}, wantGETs: 3},
		{name: "credentials from the environment", args: map[string]any{"username": nil, "password": nil, "gather_subset": "install_sets"},
			env: map[string]string{"ILO_USERNAME": modtest.User, "ILO_PASSWORD": modtest.Password}, wantKeys: []string{"install_sets"}, wantGETs: 3},
		{name: "validate_certs false", args: map[string]any{"ca_path": nil, "validate_certs": "no", "gather_subset": "maintenance_windows"}, wantKeys: []string{"maintenance_windows"}, wantGETs: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			profile := tt.profile
			if profile == "" {
				profile = "ilo5"
			}
			x := modtest.StartILO(t, ilosim.WithProfileName(profile))
			seed(t, x)
			r := modtest.ExecuteEnv(t, Module, x.Args(tt.args), tt.meta, tt.env)
			if r.Code != 0 || r.Out["failed"] != false {
				t.Fatalf("exit %d, want 0: %s", r.Code, r.Raw)
			}
			if r.Out["changed"] != false {
				t.Errorf("changed = %v, want false", r.Out["changed"])
			}
			if got := subsetKeys(r.Out); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("result keys %v, want %v", got, tt.wantKeys)
			}
			checkValues(t, r.Out, x.Sim.Profile())
			c := x.Sim.Counters()
			if got := c.Requests["GET"]; got != tt.wantGETs {
				t.Errorf("GET requests = %d, want %d (%v)", got, tt.wantGETs, c.Requests)
			}
			if c.Logins != 1 || c.Requests["DELETE"] != 1 {
				t.Errorf("logins %d, DELETE %d: want one session, logged out", c.Logins, c.Requests["DELETE"])
			}
			modtest.RequireClean(t, x)
		})
	}
}

// subsetKeys returns the sorted result keys that are subsets.
func subsetKeys(out map[string]any) []string {
	var keys []string
	for k := range out {
		if slices.Contains(allKeys, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// checkValues compares what the seeded simulator holds with what the module returned.
func checkValues(t *testing.T, out map[string]any, p ilosim.Profile) {
	t.Helper()
	if fw, ok := out["firmware"].([]any); ok {
		found := false
		for _, item := range fw {
			m := item.(map[string]any)
			if m["name"] == p.ManagerType {
				found = true
				if v, _ := m["version"].(string); !strings.HasPrefix(v, p.FirmwareVersion) {
					t.Errorf("firmware %s version %q, want %s…", p.ManagerType, v, p.FirmwareVersion)
				}
			}
		}
		if !found {
			t.Errorf("firmware has no %q item: %v", p.ManagerType, fw)
		}
	}
	if svc, ok := out["service"].(map[string]any); ok {
		if svc["generation"] != p.ManagerType || svc["firmware_version"] != p.FirmwareVersion {
			t.Errorf("service generation %v firmware_version %v, want %s %s", svc["generation"], svc["firmware_version"], p.ManagerType, p.FirmwareVersion)
		}
		if svc["state"] == "" || svc["http_push_uri"] == "" {
			t.Errorf("service state %q http_push_uri %q, want both set", svc["state"], svc["http_push_uri"])
		}
		if _, ok := svc["flash_progress_percent"]; !ok {
			t.Errorf("service lacks flash_progress_percent (null when not updating)")
		}
	}
	if repo, ok := out["repository"].(map[string]any); ok {
		comps := repo["components"].([]any)
		if len(comps) != 1 {
			t.Fatalf("repository components %v, want the seeded one", comps)
		}
		c := comps[0].(map[string]any)
		if c["filename"] != "cp045678.exe" || c["version"] != "1.2.3" || c["size_bytes"] != float64(1<<20) || c["locked"] != true {
			t.Errorf("component %v, want cp045678.exe 1.2.3, 1 MiB, locked", c)
		}
		if total, free := repo["total_bytes"].(float64), repo["free_bytes"].(float64); total <= 0 || total-free != float64(1<<20) {
			t.Errorf("repository total %v free %v, want 1 MiB used", total, free)
		}
	}
	if q, ok := out["task_queue"].([]any); ok {
		if len(q) != 1 || q[0].(map[string]any)["name"] != "Update NIC" || q[0].(map[string]any)["state"] != "Pending" {
			t.Errorf("task_queue %v, want the seeded Pending task", q)
		}
	}
	if ws, ok := out["maintenance_windows"].([]any); ok {
		if len(ws) != 1 || ws[0].(map[string]any)["name"] != "Saturday night" {
			t.Errorf("maintenance_windows %v, want the seeded window", ws)
		}
	}
	if sets, ok := out["install_sets"].([]any); ok {
		var names []string
		for _, s := range sets {
			names = append(names, s.(map[string]any)["name"].(string))
		}
		if !slices.Contains(names, "NIC set") {
			t.Errorf("install_sets %v, want the seeded NIC set", names)
		}
	}
}

// TestReturnMatchesDocs checks that every dict the module returns has
// exactly the keys plugins/modules/update_info.py documents under RETURN
// (its contains: or, for lists of dicts, the keys of its sample).
func TestReturnMatchesDocs(t *testing.T) {
	doc := returnDoc(t)
	for _, profile := range []string{"ilo5", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			x := modtest.StartILO(t, ilosim.WithProfileName(profile))
			seed(t, x)
			r := modtest.ExecuteEnv(t, Module, x.Args(nil), nil, nil)
			if r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r.Raw)
			}
			for _, key := range allKeys {
				compareShape(t, key, doc[key], r.Out[key], doc)
			}
		})
	}
}

// docEntry is one RETURN entry.
type docEntry struct {
	Type     string              `yaml:"type"`
	Elements string              `yaml:"elements"`
	Contains map[string]docEntry `yaml:"contains"`
	Sample   any                 `yaml:"sample"`
	Desc     any                 `yaml:"description"`
}

func returnDoc(t *testing.T) map[string]docEntry {
	t.Helper()
	b, err := os.ReadFile("../../plugins/modules/update_info.py")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)RETURN = r'''\n(.*?)'''`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no RETURN block in update_info.py")
	}
	var doc map[string]docEntry
	if err := yaml.Unmarshal(m[1], &doc); err != nil {
		t.Fatalf("parse RETURN: %v", err)
	}
	return doc
}

// compareShape checks value against the documented entry.
func compareShape(t *testing.T, path string, e docEntry, value any, doc map[string]docEntry) {
	t.Helper()
	switch e.Type {
	case "dict":
		got, ok := value.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, documented as dict", path, value)
			return
		}
		if e.Contains == nil {
			return // a raw dict (capabilities)
		}
		if want := sortedKeys(e.Contains); !slices.Equal(sortedKeys(got), want) {
			t.Errorf("%s: keys %v, documented %v", path, sortedKeys(got), want)
		}
		for k, sub := range e.Contains {
			compareShape(t, path+"."+k, sub, got[k], doc)
		}
	case "list":
		got, ok := value.([]any)
		if !ok {
			t.Errorf("%s: %T, documented as list", path, value)
			return
		}
		if e.Elements != "dict" {
			return
		}
		sample, _ := e.Sample.([]any)
		if len(sample) == 0 && strings.Contains(fmt.Sprint(e.Desc), "same keys as I(firmware)") {
			sample, _ = doc["firmware"].Sample.([]any)
		}
		if len(sample) == 0 {
			t.Errorf("%s: documented without a sample to compare with", path)
			return
		}
		if len(got) == 0 {
			return // nothing to compare (software inventory is empty without an OS agent)
		}
		want := sortedKeys(sample[0].(map[string]any))
		for i, item := range got {
			m := item.(map[string]any)
			if !slices.Equal(sortedKeys(m), want) {
				t.Errorf("%s[%d]: keys %v, documented %v", path, i, sortedKeys(m), want)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestMissingCollections: an iLO whose update service does not link to the
// queue and the install sets (older firmware) still answers the rest, with
// a warning naming each missing subset.
func TestMissingCollections(t *testing.T) {
	x := modtest.StartWrappedILO(t, rewriteGET("redfish/v1/updateservice", func(b []byte) []byte {
		for _, k := range []string{`Oem.Hpe.InstallSets`, `Oem.Hpe.UpdateTaskQueue`} {
			b, _ = sjson.DeleteBytes(b, k)
		}
		return b
	}))
	r := modtest.ExecuteEnv(t, Module, x.Args(nil), nil, nil)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	want := []string{"firmware", "maintenance_windows", "repository", "service", "software"}
	if got := subsetKeys(r.Out); !slices.Equal(got, want) {
		t.Errorf("result keys %v, want %v", got, want)
	}
	warnings := fmt.Sprint(r.Out["warnings"])
	for _, s := range []string{"install_sets", "task_queue"} {
		if !strings.Contains(warnings, "no link to "+s) {
			t.Errorf("warnings %s do not name %s", warnings, s)
		}
	}
	modtest.RequireClean(t, x)
}

// TestTokenWithCredentials: auth_token wins over username and password (AWX
// injects every credential field); when the iLO no longer accepts the token,
// the client logs in with the credentials once and logs that session out.
func TestTokenWithCredentials(t *testing.T) {
	const dead = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name      string
		args      map[string]any
		env       map[string]string
		live      bool // use a live token the test opened
		wantLogin int
	}{
		{name: "live token wins", live: true, wantLogin: 0},
		{name: "dead token falls back to the credentials", args: map[string]any{"auth_token": dead}, wantLogin: 1},
		{name: "dead token from the environment", env: map[string]string{"ILO_AUTH_TOKEN": dead}, wantLogin: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := modtest.StartILO(t)
			args := tt.args
			var token, uri string
			if tt.live {
				token, uri = x.Login(t)
				args = map[string]any{"auth_token": token}
			}
			x.Sim.ResetCounters()
			r := modtest.ExecuteEnv(t, Module, x.Args(mergeArgs(args, map[string]any{"gather_subset": "service"})), nil, tt.env)
			if r.Code != 0 {
				t.Fatalf("exit %d: %.500s", r.Code, r.Raw)
			}
			if c := x.Sim.Counters(); c.Logins != tt.wantLogin {
				t.Errorf("logins = %d, want %d", c.Logins, tt.wantLogin)
			}
			if tt.live {
				if c := x.Sim.Counters(); c.OpenSessions != 1 {
					t.Errorf("open sessions = %d, want the given session left open", c.OpenSessions)
				}
				logout(t, x, token, uri)
			}
			modtest.RequireClean(t, x)
		})
	}
}

func mergeArgs(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// rewriteGET serves h, passing the JSON body of GET path (compared without
// case and slashes) through edit.
func rewriteGET(path string, edit func([]byte) []byte) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || strings.Trim(strings.ToLower(r.URL.Path), "/") != path {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(edit(rec.Body.Bytes()))
		})
	}
}

// TestWithoutExpand: when the service root does not offer $expand, the
// module reads every member on its own and returns the same result.
func TestWithoutExpand(t *testing.T) {
	args := map[string]any{"gather_subset": []string{"firmware", "install_sets", "maintenance_windows"}}
	plain := modtest.StartILO(t)
	seed(t, plain)
	want := modtest.ExecuteEnv(t, Module, plain.Args(args), nil, nil)

	x := modtest.StartWrappedILO(t, rewriteGET("redfish/v1", func(b []byte) []byte {
		b, _ = sjson.DeleteBytes(b, "ProtocolFeaturesSupported.ExpandQuery")
		return b
	}))
	seed(t, x)
	got := modtest.ExecuteEnv(t, Module, x.Args(args), nil, nil)
	if got.Code != 0 {
		t.Fatalf("exit %d: %.500s", got.Code, got.Raw)
	}
	for _, k := range []string{"firmware", "install_sets", "maintenance_windows"} {
		if g, w := fmt.Sprint(got.Out[k]), fmt.Sprint(want.Out[k]); g != w {
			t.Errorf("%s without $expand:\n%s\nwith $expand:\n%s", k, g, w)
		}
	}
	members := len(want.Out["firmware"].([]any)) + len(want.Out["install_sets"].([]any)) + len(want.Out["maintenance_windows"].([]any))
	if n, wantN := x.Sim.Counters().Requests["GET"], 2+3+members; n != wantN {
		t.Errorf("GET requests = %d, want %d (root, update service, 3 collections, %d members)", n, wantN, members)
	}
	modtest.RequireClean(t, x)
}

// TestUpdateableUnknown: on iLO 5 2.46, which omits Updateable, every
// firmware and software item reports updateable null (unknown); the 2.70
// profile reports true or false.
func TestUpdateableUnknown(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    func(v any, present bool) bool
	}{
		{"ilo5-246", func(v any, present bool) bool { return present && v == nil }},
		{"ilo5", func(v any, present bool) bool { _, ok := v.(bool); return present && ok }},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			x := modtest.StartILO(t, ilosim.WithProfileName(tc.profile))
			r := modtest.Execute(t, Module, x.Args(map[string]any{"gather_subset": []string{"firmware", "software"}}), nil)
			if r.Code != 0 {
				t.Fatal(r.Raw)
			}
			fw, _ := r.Out["firmware"].([]any)
			if len(fw) == 0 {
				t.Fatalf("no firmware items: %s", r.Raw)
			}
			for _, key := range []string{"firmware", "software"} {
				items, _ := r.Out[key].([]any)
				for _, it := range items {
					m := it.(map[string]any)
					if v, ok := m["updateable"]; !tc.want(v, ok) {
						t.Errorf("%s %v: updateable %v (present %v)", key, m["name"], v, ok)
					}
				}
			}
		})
	}
}
