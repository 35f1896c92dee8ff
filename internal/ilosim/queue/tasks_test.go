package queue

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTaskCreateAnswers201WithFullBody(t *testing.T) {
	s := newSim(t, Config{}, nil)
	r := s.must(201, "POST", tasksURI+"/", `{"Name":"Update-1 rom","Command":"ApplyUpdate","Filename":"U30_2.80.signed.flash"}`)
	id, _ := r.body["Id"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(id) {
		t.Errorf("Id = %q, want 8 hex digits", id)
	}
	want := map[string]any{
		"@odata.id":         tasksURI + "/" + id,
		"@odata.type":       "#HpeComponentUpdateTask.v1_2_0.HpeComponentUpdateTask",
		"State":             "Pending",
		"Command":           "ApplyUpdate",
		"Filename":          "U30_2.80.signed.flash",
		"Component":         "/redfish/v1/UpdateService/ComponentRepository/3a1b2c3d",
		"TPMOverride":       false,
		"UpdateRecoverySet": false,
		"RecoveryPrivilege": true,
		"Created":           "2026-03-10T12:00:00Z",
	}
	for k, v := range want {
		if got := r.body[k]; got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if got := fmt.Sprint(r.body["UpdatableBy"]); got != "[Bmc Uefi]" {
		t.Errorf("UpdatableBy = %s, want the component's [Bmc Uefi]", got)
	}
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, tasksURI+"/"+id) || !strings.HasPrefix(loc, "http://") {
		t.Errorf("Location = %q, want an absolute URL of the task", loc)
	}
	for _, k := range []string{"Targets", "TaskPlacementMode", "AdditionalErrorDetails"} {
		if _, ok := r.body[k]; ok {
			t.Errorf("v1_2_0 body has %s", k)
		}
	}
	// The component's UpdatableBy only applies when the client gives none.
	r = s.must(201, "POST", tasksURI, `{"Name":"uefi","Command":"ApplyUpdate","Filename":"U30_2.80.signed.flash","UpdatableBy":["Uefi"]}`)
	if got := fmt.Sprint(r.body["UpdatableBy"]); got != "[Uefi]" {
		t.Errorf("given UpdatableBy = %s, want [Uefi]", got)
	}
}

func TestTaskCreateRules(t *testing.T) {
	long := strings.Repeat("n", 65)
	tests := []struct {
		name     string
		cfg      Config
		before   []string // task bodies created first
		body     string
		noPriv   bool
		status   int
		wantID   string // MessageId
		wantArgs []string
	}{
		{name: "duplicate name", before: []string{`{"Name":"a","Command":"Wait","WaitTimeSeconds":1}`},
			body: `{"Name":"a","Command":"ResetServer"}`, status: 400,
			wantID: "iLO.2.14.PropertyValueIncompatible", wantArgs: []string{"NonUnique", "Name", "a"}},
		{name: "command not in enum", body: `{"Name":"a","Command":"WaitTPMStop"}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList", wantArgs: []string{"WaitTPMStop", "Command"}},
		{name: "command BootToUefi is for install sets only", body: `{"Name":"a","Command":"BootToUefi"}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList"},
		{name: "PendingReset accepted", body: `{"Name":"a","Command":"PendingReset"}`, status: 201},
		{name: "missing command", body: `{"Name":"a"}`, status: 400,
			wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"Command"}},
		{name: "missing name", body: `{"Command":"ResetServer"}`, status: 400,
			wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"Name"}},
		{name: "name too long", body: `{"Name":"` + long + `","Command":"ResetServer"}`, status: 400,
			wantID: "Base.1.4.StringValueTooLong"},
		{name: "file not in repository", body: `{"Name":"a","Command":"ApplyUpdate","Filename":"nope.bin"}`, status: 400,
			wantID: "iLO.2.14.UnableToModifyDueToMissingComponent"},
		{name: "ApplyUpdate without Filename", body: `{"Name":"a","Command":"ApplyUpdate"}`, status: 400,
			wantID: "Base.1.4.PropertyMissing", wantArgs: []string{"Filename"}},
		{name: "wait 3600 accepted", body: `{"Name":"a","Command":"Wait","WaitTimeSeconds":3600}`, status: 201},
		{name: "wait 3601 refused", body: `{"Name":"a","Command":"Wait","WaitTimeSeconds":3601}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList", wantArgs: []string{"3601", "WaitTimeSeconds"}},
		{name: "wait negative refused", body: `{"Name":"a","Command":"Wait","WaitTimeSeconds":-1}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList"},
		{name: "wrong type", body: `{"Name":"a","Command":"Wait","WaitTimeSeconds":"ten"}`, status: 400,
			wantID: "Base.1.4.PropertyValueTypeError"},
		{name: "bad UpdatableBy", body: `{"Name":"a","Command":"Wait","UpdatableBy":["SUM"]}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList", wantArgs: []string{"SUM", "UpdatableBy"}},
		{name: "expire before start", body: `{"Name":"a","Command":"ResetServer","StartAfter":"2026-03-11T00:00:00Z","Expire":"2026-03-10T00:00:00Z"}`,
			status: 400, wantID: "iLO.2.14.PropertyValueIncompatible"},
		{name: "bad time", body: `{"Name":"a","Command":"ResetServer","StartAfter":"tomorrow"}`, status: 400,
			wantID: "Base.1.4.PropertyValueFormatError"},
		{name: "unknown window", body: `{"Name":"a","Command":"ResetServer","MaintenanceWindow":"deadbeef"}`, status: 400,
			wantID: "Base.1.4.PropertyValueNotInList"},
		{name: "unknown property", body: `{"Name":"a","Command":"ResetServer","TaskType":"x"}`, status: 400,
			wantID: "Base.1.4.PropertyUnknown", wantArgs: []string{"TaskType"}},
		{name: "read-only property", body: `{"Name":"a","Command":"ResetServer","Component":"/x"}`, status: 400,
			wantID: "Base.1.4.PropertyNotWritable", wantArgs: []string{"Component"}},
		{name: "Targets unknown before v1_4_0", body: `{"Name":"a","Command":"ResetServer","Targets":["/x"]}`, status: 400,
			wantID: "Base.1.4.PropertyUnknown"},
		{name: "Targets from v1_4_0", cfg: Config{TaskVersion: "v1_4_0"},
			body: `{"Name":"a","Command":"ApplyUpdate","Filename":"nic.fwpkg","Targets":["/redfish/v1/UpdateService/FirmwareInventory/16"]}`, status: 201},
		{name: "TaskPlacementMode unknown on iLO 5", body: `{"Name":"a","Command":"ResetServer","TaskPlacementMode":"QueueStart"}`,
			status: 400, wantID: "Base.1.4.PropertyUnknown"},
		{name: "UpdateRecoverySet needs privilege", noPriv: true,
			body:   `{"Name":"a","Command":"ApplyUpdate","Filename":"ilo5_300.bin","UpdateRecoverySet":true}`,
			status: 403, wantID: "Base.1.4.InsufficientPrivilege"},
		{name: "malformed JSON", body: `{"Name":`, status: 400, wantID: "Base.1.4.MalformedJSON"},
		{name: "queue full", cfg: Config{MaxTasks: 2},
			before: []string{`{"Name":"a","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`, `{"Name":"b","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`},
			body:   `{"Name":"c","Command":"ResetServer"}`, status: 400, wantID: "iLO.2.14.UpdateTaskQueueFull"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.cfg, nil)
			for _, b := range tc.before {
				s.must(201, "POST", tasksURI, b)
			}
			var hdr []string
			if tc.noPriv {
				hdr = append(hdr, "X-Test-NoRecovery: 1")
			}
			r := s.do("POST", tasksURI, tc.body, hdr...)
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
			if tc.status != 201 && len(s.q.Snapshot().Tasks) != len(tc.before) {
				t.Errorf("refused create left %d tasks, want %d", len(s.q.Snapshot().Tasks), len(tc.before))
			}
		})
	}
}

func TestTaskCollectionAndMembers(t *testing.T) {
	s := newSim(t, Config{}, nil)
	a := s.must(201, "POST", tasksURI, `{"Name":"a","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`).body["Id"].(string)
	s.must(201, "POST", tasksURI, `{"Name":"b","Command":"Wait","WaitTimeSeconds":5,"UpdatableBy":["RuntimeAgent"]}`)

	r := s.must(200, "GET", tasksURI, "")
	if got := r.header.Get("Allow"); got != "GET, HEAD, POST" {
		t.Errorf("collection Allow = %q", got)
	}
	if r.body["@odata.type"] != "#HpeComponentUpdateTaskQueueCollection.HpeComponentUpdateTaskQueueCollection" ||
		r.body["Name"] != "Component Update Task Queue" || r.body["Members@odata.count"] != float64(2) {
		t.Errorf("collection body %v", r.body)
	}
	if m := get(r.body, "Members.0").(map[string]any); len(m) != 1 || m["@odata.id"] != tasksURI+"/"+a {
		t.Errorf("unexpanded member %v, want only @odata.id", m)
	}
	r = s.must(200, "GET", tasksURI+"?$expand=.", "")
	if get(r.body, "Members.1.Name") != "b" || get(r.body, "Members.1.WaitTimeSeconds") != float64(5) {
		t.Errorf("expanded members %v", r.body["Members"])
	}
	if get(r.body, "Members|0|@odata.etag") == nil {
		t.Errorf("expanded member has no @odata.etag")
	}

	// Case-insensitive, trailing slash tolerated (iLOrest posts lower case).
	m := s.must(200, "GET", strings.ToLower(tasksURI)+"/"+a+"/", "")
	if got := m.header.Get("Allow"); got != "GET, HEAD, PATCH, DELETE" {
		t.Errorf("member Allow = %q", got)
	}
	if tag := m.header.Get("ETag"); tag == "" || tag != m.body["@odata.etag"] {
		t.Errorf("ETag header %q, @odata.etag %v: want equal", tag, m.body["@odata.etag"])
	}
	r = s.do("PUT", tasksURI+"/"+a, `{}`)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, HEAD, PATCH, DELETE" {
		t.Errorf("PUT: status %d Allow %q, want 405 with Allow", r.status, r.header.Get("Allow"))
	}
	if r := s.do("DELETE", tasksURI, ""); r.status != 405 {
		t.Errorf("DELETE collection: status %d, want 405", r.status)
	}
	r = s.must(404, "GET", tasksURI+"/0000beef", "")
	if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != "Base.1.4.ResourceMissingAtURI" {
		t.Errorf("404 MessageIds %v", ids)
	}
	if r := s.do("GET", "/redfish/v1/UpdateService/Other", ""); r.status != 404 || r.body["router"] != "fallthrough" {
		t.Errorf("foreign path was not left to the router")
	}
}

func TestTaskPatchIfMatchAndDelete(t *testing.T) {
	s := newSim(t, Config{}, nil)
	id := s.must(201, "POST", tasksURI, `{"Name":"a","Command":"Wait","WaitTimeSeconds":5,"UpdatableBy":["RuntimeAgent"]}`).body["Id"].(string)
	uri := tasksURI + "/" + id
	tag := s.must(200, "GET", uri, "").header.Get("ETag")

	s.must(200, "PATCH", uri, `{"WaitTimeSeconds":10}`, "If-Match: "+tag)
	r := s.must(412, "PATCH", uri, `{"WaitTimeSeconds":20}`, "If-Match: "+tag)
	if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != "Base.1.4.PreconditionFailed" {
		t.Errorf("412 MessageIds %v", ids)
	}
	if got := s.must(200, "GET", uri, "").body["WaitTimeSeconds"]; got != float64(10) {
		t.Errorf("WaitTimeSeconds = %v after a refused PATCH, want 10", got)
	}
	s.must(200, "PATCH", uri, `{"WaitTimeSeconds":30}`) // If-Match is optional
	s.must(400, "PATCH", uri, `{"Id":"x"}`)
	s.must(201, "POST", tasksURI, `{"Name":"b","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`)
	s.must(400, "PATCH", uri, `{"Name":"b"}`)

	r = s.must(200, "DELETE", uri, "")
	if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != "Base.1.4.Success" {
		t.Errorf("DELETE MessageIds %v", ids)
	}
	s.must(404, "GET", uri, "")
}

func TestTaskPlacementModeQueueStart(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"v1_5_0", []string{"first", "a", "b"}}, // iLO 7
		{"v1_6_0", []string{"first", "a", "b"}}, // iLO 6
	} {
		t.Run(tc.version, func(t *testing.T) {
			s := newSim(t, Config{TaskVersion: tc.version}, nil)
			s.must(201, "POST", tasksURI, `{"Name":"a","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`)
			s.must(201, "POST", tasksURI, `{"Name":"b","Command":"ResetServer","UpdatableBy":["RuntimeAgent"]}`)
			r := s.must(201, "POST", tasksURI, `{"Name":"first","Command":"ResetServer","UpdatableBy":["RuntimeAgent"],"TaskPlacementMode":"QueueStart"}`)
			if r.body["TaskPlacementMode"] != "QueueStart" {
				t.Errorf("TaskPlacementMode = %v", r.body["TaskPlacementMode"])
			}
			if got := s.order(); !slices.Equal(got, tc.want) {
				t.Errorf("order %v, want %v", got, tc.want)
			}
			s.must(400, "POST", tasksURI, `{"Name":"c","Command":"ResetServer","TaskPlacementMode":"Middle"}`)
		})
	}
}

func TestTrailingSlashProfile(t *testing.T) {
	s := newSim(t, Config{TrailingSlash: true}, nil)
	r := s.must(201, "POST", tasksURI, `{"Name":"a","Command":"ApplyUpdate","Filename":"cp099999.exe"}`)
	id := r.body["Id"].(string)
	if r.body["@odata.id"] != tasksURI+"/"+id+"/" {
		t.Errorf("@odata.id = %v, want a trailing slash", r.body["@odata.id"])
	}
	if got := s.must(200, "GET", tasksURI, "").body["@odata.id"]; got != tasksURI+"/" {
		t.Errorf("collection @odata.id = %v", got)
	}
	set := s.must(200, "GET", setsURI+"?$expand=.", "")
	target, _ := get(set.body, "Members|0|Actions|#HpeComponentInstallSet.Invoke|target").(string)
	if !strings.HasSuffix(target, "/Actions/HpeComponentInstallSet.Invoke/") {
		t.Errorf("Invoke target = %q, want a trailing slash", target)
	}
}

func TestLocked(t *testing.T) {
	s := newSim(t, Config{}, nil)
	if got := s.q.Locked("ilo5_300.bin"); !slices.Equal(got, []string{"System Recovery Set"}) {
		t.Errorf("recovery member locked by %v", got)
	}
	if got := s.q.Locked("cp099999.exe"); len(got) != 0 {
		t.Errorf("unreferenced file locked by %v", got)
	}
	id := s.must(201, "POST", tasksURI, `{"Name":"sum","Command":"ApplyUpdate","Filename":"cp099999.exe"}`).body["Id"].(string)
	s.must(201, "POST", setsURI, `{"Name":"set","Sequence":[{"Name":"n","Command":"ApplyUpdate","Filename":"cp099999.exe"}]}`)
	if got := s.q.Locked("CP099999.EXE"); !slices.Equal(got, []string{"sum", "set"}) {
		t.Errorf("Locked = %v, want [sum set]", got)
	}
	s.must(200, "DELETE", tasksURI+"/"+id, "")
	s.must(200, "POST", actionsURI+"HpeiLOUpdateServiceExt.DeleteInstallSets", "")
	if got := s.q.Locked("cp099999.exe"); len(got) != 0 {
		t.Errorf("after deleting the task and the set, Locked = %v", got)
	}
}

// TestSchemaVersionsAndRegistries checks the per-profile knobs reach the wire.
func TestSchemaVersionsAndRegistries(t *testing.T) {
	s := newSim(t, Config{TaskVersion: "v1_6_0", InstallSetVersion: "v1_5_0", MaintenanceWindowVersion: "v1_0_1",
		Registries: testReg}, nil)
	s.host.failures["nic.fwpkg"] = testReg.ILOMsg("UpdateFailed", "7")
	r := s.must(201, "POST", tasksURI, `{"Name":"x","Command":"ApplyUpdate","Filename":"nic.fwpkg"}`)
	if r.body["@odata.type"] != "#HpeComponentUpdateTask.v1_6_0.HpeComponentUpdateTask" {
		t.Errorf("@odata.type %v", r.body["@odata.type"])
	}
	m := s.must(200, "GET", r.body["@odata.id"].(string), "").body
	if get(m, "Result.MessageId") != "iLO.2.14.UpdateFailed" || get(m, "AdditionalErrorDetails.MessageId") != "iLO.2.14.UpdateFailed" {
		t.Errorf("Result %v AdditionalErrorDetails %v", m["Result"], m["AdditionalErrorDetails"])
	}
	set := s.must(200, "GET", setsURI+"?$expand=.", "").body
	if get(set, "Members|0|@odata.type") != "#HpeComponentInstallSet.v1_5_0.HpeComponentInstallSet" {
		t.Errorf("set @odata.type %v", get(set, "Members|0|@odata.type"))
	}
	_ = time.Second
}

func TestTargetsReachApply(t *testing.T) {
	s := newSim(t, Config{TaskVersion: "v1_4_0"}, nil)
	r := s.must(201, "POST", tasksURI, `{"Name":"a","Command":"ApplyUpdate","Filename":"nic.fwpkg","Targets":["/redfish/v1/UpdateService/FirmwareInventory/16"]}`)
	if got := fmt.Sprint(r.body["Targets"]); got != "[/redfish/v1/UpdateService/FirmwareInventory/16]" {
		t.Errorf("Targets = %s", got)
	}
	s.states()
	if got := s.host.appliedTargets(); !slices.Equal(got, []string{"/redfish/v1/UpdateService/FirmwareInventory/16"}) {
		t.Errorf("Apply got targets %v", got)
	}
	tooMany := `["1","2","3","4","5","6","7","8","9","10","11"]`
	r = s.must(400, "POST", tasksURI, `{"Name":"b","Command":"ApplyUpdate","Filename":"nic.fwpkg","Targets":`+tooMany+`}`)
	if ids := msgIDs(r.body); len(ids) != 1 || ids[0] != "iLO.2.14.TargetsLimitExceeded" {
		t.Errorf("11 targets: %v", ids)
	}
}
