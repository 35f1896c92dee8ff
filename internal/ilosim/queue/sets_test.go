package queue

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const windowBody = `{"Name":"Tomorrow","Description":"night","StartAfter":"2026-03-11T02:00:00Z","Expire":"2026-03-11T04:00:00Z"}`

func TestMaintenanceWindowRules(t *testing.T) {
	long := strings.Repeat("d", 65)
	tests := []struct {
		name     string
		before   []string
		body     string
		status   int
		wantID   string
		wantArgs []string
	}{
		{name: "created", body: windowBody, status: 201},
		{name: "without Expire", body: `{"Name":"open","StartAfter":"2026-03-11T02:00:00Z"}`, status: 201},
		{name: "Z-less time", body: `{"Name":"local","StartAfter":"2026-03-11T02:00:00"}`, status: 201},
		{name: "same name twice", before: []string{windowBody}, body: windowBody, status: 400,
			wantID: "Base.1.4.ResourceAlreadyExists"},
		{name: "name 64 accepted", body: `{"Name":"` + strings.Repeat("n", 64) + `","StartAfter":"2026-03-11T02:00:00Z"}`, status: 201},
		{name: "name 65 refused", body: `{"Name":"` + strings.Repeat("n", 65) + `","StartAfter":"2026-03-11T02:00:00Z"}`, status: 400,
			wantID: "Base.1.4.StringValueTooLong"},
		{name: "description 65 refused", body: `{"Name":"x","Description":"` + long + `","StartAfter":"2026-03-11T02:00:00Z"}`, status: 400,
			wantID: "Base.1.4.StringValueTooLong", wantArgs: []string{long, "64"}},
		{name: "expire before start", body: `{"Name":"x","StartAfter":"2026-03-11T02:00:00Z","Expire":"2026-03-11T01:00:00Z"}`, status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible"},
		{name: "expire equal to start", body: `{"Name":"x","StartAfter":"2026-03-11T02:00:00Z","Expire":"2026-03-11T02:00:00Z"}`, status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible"},
		{name: "no StartAfter", body: `{"Name":"x"}`, status: 400, wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"StartAfter"}},
		{name: "no Name", body: `{"StartAfter":"2026-03-11T02:00:00Z"}`, status: 400, wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"Name"}},
		{name: "unknown property", body: `{"Name":"x","StartAfter":"2026-03-11T02:00:00Z","Color":"red"}`, status: 400,
			wantID: "Base.1.4.PropertyUnknown"},
		{name: "ninth window", before: windows(8), body: `{"Name":"w9","StartAfter":"2026-03-11T02:00:00Z"}`, status: 400,
			wantID: "Base.1.4.CreateLimitReachedForResource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{}, nil)
			for _, b := range tc.before {
				s.must(201, "POST", windowsURI, b)
			}
			r := s.do("POST", windowsURI, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %v", r.status, tc.status, r.body)
			}
			if tc.wantID != "" {
				if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != tc.wantID {
					t.Errorf("MessageIds %v, want [%s]", ids, tc.wantID)
				}
			}
			if tc.wantArgs != nil && !slices.Equal(msgArgs(r.body), tc.wantArgs) {
				t.Errorf("MessageArgs %q, want %q", msgArgs(r.body), tc.wantArgs)
			}
		})
	}
}

func windows(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf(`{"Name":"w%d","StartAfter":"2026-03-11T02:00:00Z"}`, i))
	}
	return out
}

func TestMaintenanceWindowIDFollowsName(t *testing.T) {
	s := newSim(t, Config{}, nil)
	r := s.must(201, "POST", windowsURI, windowBody)
	id := r.body["Id"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(id) || id != windowID("Tomorrow") {
		t.Errorf("Id = %q, want 8 hex digits derived from the Name", id)
	}
	for k, want := range map[string]string{"StartAfter": "2026-03-11T02:00:00Z", "Expire": "2026-03-11T04:00:00Z",
		"Created": "2026-03-10T12:00:00Z", "@odata.type": "#HpeMaintenanceWindow.v1_0_1.HpeMaintenanceWindow"} {
		if r.body[k] != want {
			t.Errorf("%s = %v, want %s", k, r.body[k], want)
		}
	}
	// Deleted and created again: same Name, same Id.
	s.must(200, "DELETE", windowsURI+"/"+id, "")
	if again := s.must(201, "POST", windowsURI, windowBody).body["Id"]; again != id {
		t.Errorf("re-created Id %v, want %s", again, id)
	}
	s.must(200, "PATCH", windowsURI+"/"+id, `{"Name":"Renamed"}`)
	s.must(404, "GET", windowsURI+"/"+id, "")
	s.must(200, "GET", windowsURI+"/"+windowID("Renamed"), "")
}

func TestMaintenanceWindowPatchReschedulesAndDeleteCancels(t *testing.T) {
	s := newSim(t, Config{}, nil)
	wid := s.must(201, "POST", windowsURI, windowBody).body["Id"].(string)
	r := s.must(201, "POST", tasksURI, `{"Name":"t","Command":"ApplyUpdate","Filename":"ilo5_300.bin","MaintenanceWindow":"`+wid+`"}`)
	if r.body["MaintenanceWindow"] != wid || r.body["StartAfter"] != "2026-03-11T02:00:00Z" || r.body["Expire"] != "2026-03-11T04:00:00Z" {
		t.Errorf("task in window: %v", r.body)
	}
	tid := r.body["Id"].(string)
	s.must(200, "PATCH", windowsURI+"/"+wid, `{"StartAfter":"2026-03-12T02:00:00Z","Expire":"2026-03-12T03:00:00Z"}`)
	got := s.must(200, "GET", tasksURI+"/"+tid, "").body
	if got["StartAfter"] != "2026-03-12T02:00:00Z" || got["Expire"] != "2026-03-12T03:00:00Z" {
		t.Errorf("after window PATCH the task has StartAfter %v Expire %v", got["StartAfter"], got["Expire"])
	}
	s.host.advance(15 * time.Hour) // 03:00 next day: the old window, no longer the task's
	if st := s.states()["t"]; st != StatePending {
		t.Errorf("state %s inside the old window, want Pending", st)
	}
	s.must(400, "PATCH", windowsURI+"/"+wid, `{"Expire":"2026-03-12T01:00:00Z"}`)

	s.must(200, "DELETE", windowsURI+"/"+wid, "")
	if st := s.states()["t"]; st != StateCanceled {
		t.Errorf("state %s after the window was deleted, want Canceled", st)
	}
	s.host.advance(24 * time.Hour)
	if st := s.states()["t"]; st != StateCanceled {
		t.Errorf("state %s a day later, want Canceled", st)
	}
	if len(s.host.appliedList()) != 0 {
		t.Errorf("a canceled task was applied: %v", s.host.appliedList())
	}
}

func TestInstallSetRules(t *testing.T) {
	item := func(name, file string) string {
		return `{"Name":"` + name + `","Command":"ApplyUpdate","Filename":"` + file + `"}`
	}
	set := func(name string, items ...string) string {
		return `{"Name":"` + name + `","Sequence":[` + strings.Join(items, ",") + `]}`
	}
	var seven []string
	for i := range 7 { // plus the default recovery set: 8
		seven = append(seven, set(fmt.Sprint("s", i), item("n", "nic.fwpkg")))
	}
	tests := []struct {
		name     string
		before   []string
		body     string
		noPriv   bool
		status   int
		wantID   string
		wantArgs []string
	}{
		{name: "created", body: set("A", item("one", "nic.fwpkg"), `{"Name":"pause","Command":"Wait","WaitTimeSeconds":30}`), status: 201},
		{name: "duplicate set name", before: []string{set("A", item("n", "nic.fwpkg"))}, body: set("A", item("n", "cpld.vme")), status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible"},
		{name: "duplicate sequence names", body: set("A", item("x", "nic.fwpkg"), item("y", "cpld.vme"), item("x", "ilo5_300.bin")), status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible", wantArgs: []string{"NonUnique", "Sequence[0].Name", "Sequence[2].Name"}},
		{name: "empty sequence", body: `{"Name":"A","Sequence":[]}`, status: 400, wantID: "Base.1.4.PropertyMissing"},
		{name: "no sequence", body: `{"Name":"A"}`, status: 400, wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"Sequence"}},
		{name: "file not in repository", body: set("A", item("x", "nic.fwpkg"), item("y", "missing.bin")), status: 400,
			wantID: "iLO.2.14.UnableToModifyDueToMissingComponent", wantArgs: []string{"Sequence[1].Filename"}},
		{name: "bad command", body: set("A", `{"Name":"x","Command":"Reboot"}`), status: 400,
			wantID: "Base.1.4.PropertyValueNotInList", wantArgs: []string{"Reboot", "Sequence[0].Command"}},
		{name: "BootToUefi allowed in a set", body: set("A", `{"Name":"x","Command":"BootToUefi"}`), status: 201},
		{name: "HostPoweroff needs v1_4_0", body: set("A", `{"Name":"x","Command":"HostPoweroff"}`), status: 400,
			wantID: "Base.1.4.PropertyValueNotInList"},
		{name: "ninth set", before: seven, body: set("s8", item("n", "nic.fwpkg")), status: 400,
			wantID: "Base.1.4.CreateLimitReachedForResource"},
		{name: "second recovery set", body: `{"Name":"R2","IsRecovery":true,"Sequence":[` + item("i", "ilo5_300.bin") + `]}`, status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible", wantArgs: []string{"true", "IsRecovery", "System Recovery Set"}},
		{name: "recovery set without privilege", noPriv: true,
			body: `{"Name":"R2","IsRecovery":true,"Sequence":[` + item("i", "ilo5_300.bin") + `]}`, status: 403,
			wantID: "Base.1.4.InsufficientPrivilege"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{}, nil)
			for _, b := range tc.before {
				s.must(201, "POST", setsURI, b)
			}
			var hdr []string
			if tc.noPriv {
				hdr = append(hdr, "X-Test-NoRecovery: 1")
			}
			r := s.do("POST", setsURI, tc.body, hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %v", r.status, tc.status, r.body)
			}
			if tc.wantID != "" {
				if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != tc.wantID {
					t.Errorf("MessageIds %v, want [%s]", ids, tc.wantID)
				}
			}
			if tc.wantArgs != nil && !slices.Equal(msgArgs(r.body), tc.wantArgs) {
				t.Errorf("MessageArgs %q, want %q", msgArgs(r.body), tc.wantArgs)
			}
		})
	}
}

func TestDefaultRecoverySet(t *testing.T) {
	s := newSim(t, Config{}, nil)
	r := s.must(200, "GET", setsURI+"?$expand=.", "")
	if r.body["Members@odata.count"] != float64(1) {
		t.Fatalf("sets %v, want the recovery set only", r.body["Members"])
	}
	m := get(r.body, "Members|0").(map[string]any)
	if m["Name"] != "System Recovery Set" || m["IsRecovery"] != true || m["Description"] != "Essential System Firmware Components" {
		t.Errorf("recovery set %v", m)
	}
	var files, names []string
	for _, it := range m["Sequence"].([]any) {
		files = append(files, get(it, "Filename").(string))
		names = append(names, get(it, "Name").(string))
		if fmt.Sprint(get(it, "UpdatableBy")) != "[Bmc]" || !strings.HasPrefix(get(it, "Component").(string), "/redfish/v1/UpdateService/ComponentRepository/") {
			t.Errorf("recovery item %v", it)
		}
	}
	if !slices.Equal(files, []string{"ilo5_300.bin", "U30_2.80.signed.flash", "cpld.vme"}) ||
		!slices.Equal(names, []string{"iLO 5", "System ROM", "System Programmable Logic Device"}) {
		t.Errorf("recovery sequence files %v names %v", files, names)
	}
	uri := m["@odata.id"].(string)
	s.must(403, "DELETE", uri, "", "X-Test-NoRecovery: 1")
	s.must(403, "PATCH", uri, `{"Description":"mine"}`, "X-Test-NoRecovery: 1")
	s.must(201, "PATCH", uri, `{"Description":"mine"}`)
	newURI := s.must(200, "GET", setsURI+"?$expand=.", "").body
	s.must(200, "DELETE", get(newURI, "Members|0|@odata.id").(string), "")
	// Once deleted, a privileged user may create a new one.
	s.must(201, "POST", setsURI, `{"Name":"R","IsRecovery":true,"Sequence":[{"Name":"i","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}]}`)
	s.must(400, "POST", setsURI, `{"Name":"R3","IsRecovery":true,"Sequence":[{"Name":"s","Command":"ApplyUpdate","Filename":"cp099999.exe"}]}`)
}

func TestInstallSetPatchGetsNewID(t *testing.T) {
	s := newSim(t, Config{}, nil)
	r := s.must(201, "POST", setsURI, `{"Name":"A","Description":"d","Sequence":[{"Name":"n","Command":"ApplyUpdate","Filename":"nic.fwpkg"}]}`)
	oldURI, oldID, created := r.body["@odata.id"].(string), r.body["Id"].(string), r.body["Created"]
	if got := get(r.body, "Actions|#HpeComponentInstallSet.Invoke|target"); got != oldURI+"/Actions/HpeComponentInstallSet.Invoke" {
		t.Errorf("Invoke target %v", got)
	}
	tag := s.must(200, "GET", oldURI, "").header.Get("ETag")
	s.host.advance(time.Minute)
	p := s.must(201, "PATCH", oldURI, `{"Name":"B","Sequence":[{"Name":"c","Command":"ApplyUpdate","Filename":"cpld.vme"}]}`, "If-Match: "+tag)
	newID := p.body["Id"].(string)
	if newID == oldID || p.body["Name"] != "B" || p.body["Description"] != "d" {
		t.Errorf("PATCH answer Id %s (old %s) Name %v Description %v", newID, oldID, p.body["Name"], p.body["Description"])
	}
	if p.body["Created"] != created || p.body["Modified"] != "2026-03-10T12:01:00Z" {
		t.Errorf("Created %v (want %v) Modified %v", p.body["Created"], created, p.body["Modified"])
	}
	if loc := p.header.Get("Location"); !strings.HasSuffix(loc, "/"+newID) {
		t.Errorf("Location %q", loc)
	}
	s.must(404, "GET", oldURI, "")
	s.must(200, "GET", setsURI+"/"+newID, "")
	if got := s.q.Locked("nic.fwpkg"); len(got) != 0 {
		t.Errorf("nic.fwpkg still locked by %v after the set dropped it", got)
	}
	s.must(412, "PATCH", setsURI+"/"+newID, `{"Name":"C"}`, "If-Match: "+tag)
}

func TestInvoke(t *testing.T) {
	const set = `{"Name":"A","Sequence":[
		{"Name":"sum first","Command":"ApplyUpdate","Filename":"cp099999.exe"},
		{"Name":"nic","Command":"ApplyUpdate","Filename":"nic.fwpkg","ExecutionTimeoutMinutes":10},
		{"Name":"pause","Command":"Wait","WaitTimeSeconds":30,"UpdatableBy":["Bmc"]}]}`
	tests := []struct {
		name      string
		cfg       Config
		before    []string // tasks created first
		body      string
		noPriv    bool
		status    int
		wantID    string
		wantTasks []string
	}{
		{name: "appends one task per item", before: []string{`{"Name":"old","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body: `{}`, status: 200, wantID: "Base.1.4.Success", wantTasks: []string{"old", "sum first", "nic", "pause"}},
		{name: "empty body", body: ``, status: 200, wantTasks: []string{"sum first", "nic", "pause"}},
		{name: "ClearTaskQueue", before: []string{`{"Name":"old","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body: `{"ClearTaskQueue":true}`, status: 200, wantTasks: []string{"sum first", "nic", "pause"}},
		{name: "names already queued", before: []string{`{"Name":"nic","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body: `{}`, status: 400, wantID: "iLO.2.14.PropertyValueIncompatible", wantTasks: []string{"nic"}},
		{name: "queue full", cfg: Config{MaxTasks: 3}, before: []string{`{"Name":"old","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body: `{}`, status: 400, wantID: "iLO.2.14.UpdateTaskQueueFull", wantTasks: []string{"old"}},
		{name: "queue full unless cleared", cfg: Config{MaxTasks: 3}, before: []string{`{"Name":"old","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body: `{"ClearTaskQueue":true}`, status: 200, wantTasks: []string{"sum first", "nic", "pause"}},
		{name: "unknown parameter", body: `{"Force":true}`, status: 400, wantID: "Base.1.4.ActionParameterUnknown"},
		{name: "unknown window", body: `{"MaintenanceWindow":"0badc0de"}`, status: 400, wantID: "iLO.2.14.ActionParameterValueNotInList"},
		{name: "bad type", body: `{"TPMOverride":"yes"}`, status: 400, wantID: "Base.1.4.ActionParameterValueTypeError"},
		{name: "UpdateRecoverySet needs privilege", noPriv: true, body: `{"UpdateRecoverySet":true}`, status: 403,
			wantID: "Base.1.4.InsufficientPrivilege"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.cfg, nil)
			for _, b := range tc.before {
				s.must(201, "POST", tasksURI, b)
			}
			target := get(s.must(201, "POST", setsURI, set).body, "Actions|#HpeComponentInstallSet.Invoke|target").(string)
			var hdr []string
			if tc.noPriv {
				hdr = append(hdr, "X-Test-NoRecovery: 1")
			}
			r := s.do("POST", target, tc.body, hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %v", r.status, tc.status, r.body)
			}
			if tc.wantID != "" {
				if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != tc.wantID {
					t.Errorf("MessageIds %v, want [%s]", ids, tc.wantID)
				}
			}
			if tc.wantTasks != nil && !slices.Equal(s.order(), tc.wantTasks) {
				t.Errorf("tasks %v, want %v", s.order(), tc.wantTasks)
			}
		})
	}
}

func TestInvokeCopiesParameters(t *testing.T) {
	s := newSim(t, Config{}, nil)
	target := get(s.must(201, "POST", setsURI, `{"Name":"A","Sequence":[{"Name":"nic","Command":"ApplyUpdate","Filename":"nic.fwpkg","ExecutionTimeoutMinutes":10}]}`).body,
		"Actions|#HpeComponentInstallSet.Invoke|target").(string)
	s.must(200, "POST", target+"/", `{"StartAfter":"2026-03-10T18:00:00Z","Expire":"2026-03-10T20:00:00Z","TPMOverride":true,"UpdateRecoverySet":true}`)
	m := get(s.must(200, "GET", tasksURI+"?$expand=.", "").body, "Members|0").(map[string]any)
	want := map[string]any{"Name": "nic", "Command": "ApplyUpdate", "Filename": "nic.fwpkg", "State": "Pending",
		"Component": "/redfish/v1/UpdateService/ComponentRepository/7e5f6071", "ExecutionTimeoutMinutes": float64(10),
		"StartAfter": "2026-03-10T18:00:00Z", "Expire": "2026-03-10T20:00:00Z", "TPMOverride": true,
		"UpdateRecoverySet": true, "RecoveryPrivilege": true}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	s.must(404, "POST", setsURI+"/00000000/Actions/HpeComponentInstallSet.Invoke", `{}`)
	if r := s.do("GET", target, ""); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET Invoke: %d Allow %q, want 405 POST", r.status, r.header.Get("Allow"))
	}
}

func TestBulkActions(t *testing.T) {
	tests := []struct {
		name        string
		action      string
		body        string
		noPriv      bool
		status      int
		wantSets    []string
		wantWindows int
		wantStates  map[string]string
	}{
		{name: "DeleteInstallSets keeps the recovery set by default", action: "DeleteInstallSets", body: ``, status: 200,
			wantSets: []string{"System Recovery Set"}, wantWindows: 1, wantStates: map[string]string{"t": "Pending"}},
		{name: "DeleteInstallSets false", action: "DeleteInstallSets", body: `{"IncludeRecoverySet":false}`, status: 200,
			wantSets: []string{"System Recovery Set"}, wantWindows: 1, wantStates: map[string]string{"t": "Pending"}},
		{name: "DeleteInstallSets including recovery", action: "DeleteInstallSets", body: `{"IncludeRecoverySet":true}`, status: 200,
			wantSets: []string{}, wantWindows: 1, wantStates: map[string]string{"t": "Pending"}},
		{name: "DeleteInstallSets including recovery without privilege", action: "DeleteInstallSets", body: `{"IncludeRecoverySet":true}`,
			noPriv: true, status: 403, wantSets: []string{"System Recovery Set", "mine"}, wantWindows: 1, wantStates: map[string]string{"t": "Pending"}},
		{name: "DeleteMaintenanceWindows cancels their tasks", action: "DeleteMaintenanceWindows", body: `{}`, status: 200,
			wantSets: []string{"System Recovery Set", "mine"}, wantWindows: 0, wantStates: map[string]string{"t": "Canceled"}},
		{name: "DeleteUpdateTaskQueueItems", action: "DeleteUpdateTaskQueueItems", body: ``, status: 200,
			wantSets: []string{"System Recovery Set", "mine"}, wantWindows: 1, wantStates: map[string]string{}},
		{name: "unknown parameter", action: "DeleteUpdateTaskQueueItems", body: `{"All":true}`, status: 400,
			wantSets: []string{"System Recovery Set", "mine"}, wantWindows: 1, wantStates: map[string]string{"t": "Pending"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{}, nil)
			wid := s.must(201, "POST", windowsURI, windowBody).body["Id"].(string)
			s.must(201, "POST", tasksURI, `{"Name":"t","Command":"ApplyUpdate","Filename":"nic.fwpkg","MaintenanceWindow":"`+wid+`"}`)
			s.must(201, "POST", setsURI, `{"Name":"mine","Sequence":[{"Name":"n","Command":"ApplyUpdate","Filename":"nic.fwpkg"}]}`)
			var hdr []string
			if tc.noPriv {
				hdr = append(hdr, "X-Test-NoRecovery: 1")
			}
			r := s.must(tc.status, "POST", strings.ToLower(actionsURI)+"hpeiloupdateserviceext."+strings.ToLower(tc.action), tc.body, hdr...)
			if tc.status == 200 {
				if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != "Base.1.4.Success" {
					t.Errorf("MessageIds %v", ids)
				}
			}
			snap := s.q.Snapshot()
			if !slices.Equal(snap.InstallSets, tc.wantSets) {
				t.Errorf("sets %v, want %v", snap.InstallSets, tc.wantSets)
			}
			if len(snap.MaintenanceWindows) != tc.wantWindows {
				t.Errorf("windows %v, want %d", snap.MaintenanceWindows, tc.wantWindows)
			}
			if got := s.states(); !maps.Equal(got, tc.wantStates) {
				t.Errorf("tasks %v, want %v", got, tc.wantStates)
			}
		})
	}
}

// TestWholeFlow is the documented HPE flow: a window tomorrow, an install
// set, Invoke in the window; nothing runs before the window opens, every
// task completes in it; a second invocation in a window that is deleted is
// canceled instead.
func TestWholeFlow(t *testing.T) {
	s := newSim(t, Config{}, nil)
	wid := s.must(201, "POST", windowsURI, windowBody).body["Id"].(string)
	set := s.must(201, "POST", setsURI, `{"Name":"Baseline 2026.03","Sequence":[
		{"Name":"iLO 5 3.00","Command":"ApplyUpdate","Filename":"ilo5_300.bin","UpdatableBy":["Bmc"]},
		{"Name":"CPLD","Command":"ApplyUpdate","Filename":"cpld.vme"},
		{"Name":"settle","Command":"Wait","WaitTimeSeconds":60}]}`).body
	invoke := get(set, "Actions|#HpeComponentInstallSet.Invoke|target").(string)
	s.must(200, "POST", invoke, `{"MaintenanceWindow":"`+wid+`","TPMOverride":true}`)

	pending := map[string]string{"iLO 5 3.00": "Pending", "CPLD": "Pending", "settle": "Pending"}
	if got := s.states(); !maps.Equal(got, pending) {
		t.Fatalf("after Invoke: %v, want all Pending", got)
	}
	s.host.advance(13*time.Hour + 59*time.Minute) // 01:59 tomorrow
	if got := s.states(); !maps.Equal(got, pending) {
		t.Fatalf("a minute before the window: %v, want all Pending", got)
	}
	if !slices.Equal(s.q.Locked("cpld.vme"), []string{"CPLD", "System Recovery Set", "Baseline 2026.03"}) {
		t.Errorf("cpld.vme Locked by %v", s.q.Locked("cpld.vme"))
	}
	s.host.advance(2 * time.Minute) // 02:01, inside the window
	done := map[string]string{"iLO 5 3.00": "Complete", "CPLD": "Complete", "settle": "Complete"}
	if got := s.states(); !maps.Equal(got, done) {
		t.Fatalf("inside the window: %v, want all Complete", got)
	}
	if got := s.host.appliedList(); !slices.Equal(got, []string{"Bmc:ilo5_300.bin:tpm", "Bmc:cpld.vme:tpm"}) {
		t.Errorf("applied %v", got)
	}

	// Invoke again into the same window, now for next week, then delete it.
	s.must(200, "PATCH", windowsURI+"/"+wid, `{"StartAfter":"2026-03-18T02:00:00Z","Expire":"2026-03-18T04:00:00Z"}`)
	s.must(200, "POST", invoke, `{"MaintenanceWindow":"`+wid+`","ClearTaskQueue":true}`)
	if got := s.states(); !maps.Equal(got, pending) {
		t.Fatalf("second Invoke: %v, want all Pending", got)
	}
	s.must(200, "DELETE", windowsURI+"/"+wid, "")
	canceled := map[string]string{"iLO 5 3.00": "Canceled", "CPLD": "Canceled", "settle": "Canceled"}
	s.host.advance(8 * 24 * time.Hour)
	if got := s.states(); !maps.Equal(got, canceled) {
		t.Fatalf("after deleting the window: %v, want all Canceled", got)
	}
	if n := len(s.host.appliedList()); n != 2 {
		t.Errorf("%d applies, want the 2 of the first window only", n)
	}
}
