package ilo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/sjson"
)

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/ilo5-2.70/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseUpdateServiceCapture(t *testing.T) {
	us, err := ParseUpdateService(readFixture(t, "UpdateService/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"State", us.State, "Idle"},
		{"HttpPushUri", us.HttpPushUri, "/cgi-bin/uploadFile"},
		{"SimpleUpdate", us.Actions.SimpleUpdate, "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate/"},
		{"AddFromUri", us.Actions.AddFromUri, "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/"},
		{"DeleteUnlockedComponents", us.Actions.DeleteUnlockedComponents, "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteUnlockedComponents/"},
		{"ComponentRepository", us.Links.ComponentRepository, "/redfish/v1/UpdateService/ComponentRepository/"},
		{"UpdateTaskQueue", us.Links.UpdateTaskQueue, "/redfish/v1/UpdateService/UpdateTaskQueue/"},
		{"MaintenanceWindows", us.Links.MaintenanceWindows, "/redfish/v1/UpdateService/MaintenanceWindows/"},
		{"CurrentTime", us.CurrentTime, "2022-06-16T15:35:18Z"},
		{"TransferProtocols", strings.Join(us.TransferProtocols, ","), "HTTP,HTTPS"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !us.Capability("UpdateFWPKG") || us.Capability("Nope") || us.Busy() || us.Finished() || us.FlashProgressPercent != nil || us.Result != nil {
		t.Errorf("capabilities/state: got %+v", us)
	}
}

func TestParseUpdateServiceStates(t *testing.T) {
	base := readFixture(t, "UpdateService/index.json")
	set := func(b []byte, path string, v any) []byte {
		out, err := sjson.SetBytes(b, path, v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Actions reported under Actions.Oem.Hpe on a live iLO 6 (reference §1.2).
	moved, _ := sjson.DeleteBytes(base, "Oem.Hpe.Actions")
	moved = set(moved, `Actions.Oem.Hpe.\#HpeiLOUpdateServiceExt\.AddFromUri.target`, "/alt/AddFromUri")
	us, _ := ParseUpdateService(moved)
	if us.Actions.AddFromUri != "/alt/AddFromUri" || us.Actions.SimpleUpdate == "" {
		t.Errorf("actions under Actions.Oem.Hpe: got %+v", us.Actions)
	}

	flashing := set(set(set(base, "Oem.Hpe.State", "Updating"), "Oem.Hpe.FlashProgressPercent", 14), "Oem.Hpe.UploadCurrentEtag", "fleetfw-7")
	us, _ = ParseUpdateService(flashing)
	if !us.Busy() || us.FlashProgressPercent == nil || *us.FlashProgressPercent != 14 || us.UploadCurrentEtag != "fleetfw-7" {
		t.Errorf("flashing: got %+v", us)
	}
	failed := set(set(base, "Oem.Hpe.State", "Error"), "Oem.Hpe.Result", map[string]any{"MessageId": "iLO.2.14.UpdateFailed", "MessageArgs": []string{"0x12"}})
	us, _ = ParseUpdateService(failed)
	if !us.Failed() || us.Result == nil || us.Result.Meaning != "The update failed with a component specific error (0x12)." {
		t.Errorf("error result: got %+v", us.Result)
	}
	for _, bad := range [][]byte{nil, []byte("[]"), []byte("{"), []byte(`"x"`)} {
		if _, err := ParseUpdateService(bad); err == nil {
			t.Errorf("ParseUpdateService(%q): got nil error", bad)
		}
	}
}

// TestInventoryUpdateableTriState: iLO 5 2.46 omits Updateable from every
// inventory member; absent is unknown (nil), never false, and only an
// explicit false makes NotUpdateable true.
func TestInventoryUpdateableTriState(t *testing.T) {
	capture := readFixture(t, "UpdateService/FirmwareInventory/1/index.json")
	absent, err := sjson.DeleteBytes(capture, "Updateable")
	if err != nil {
		t.Fatal(err)
	}
	no, _ := sjson.SetBytes(capture, "Updateable", false)
	null, _ := sjson.SetRawBytes(capture, "Updateable", []byte("null"))
	text, _ := sjson.SetBytes(capture, "Updateable", "false")
	for _, tc := range []struct {
		name          string
		body          []byte
		want          string // JSON of Updateable
		notUpdateable bool
	}{
		{"2.70 capture (true)", capture, "true", false},
		{"2.46 shape (absent)", absent, "null", false},
		{"explicit false", no, "false", true},
		{"null", null, "null", false},
		{"a string is not a boolean", text, "null", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			item, err := ParseInventoryItem(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(item.Updateable)
			if string(got) != tc.want || item.NotUpdateable() != tc.notUpdateable {
				t.Errorf("Updateable %s NotUpdateable %v, want %s %v", got, item.NotUpdateable(), tc.want, tc.notUpdateable)
			}
			// The module output of the item (its "updateable" key) is
			// modkit's: TestUpdateableTriState there.
		})
	}
}

func TestParseInventoryAndManager(t *testing.T) {
	item, err := ParseInventoryItem(readFixture(t, "UpdateService/FirmwareInventory/1/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if item.ID != "1" || item.Name != "iLO 5" || item.Version != "2.70 May 16 2022" || item.Updateable == nil || !*item.Updateable || item.NotUpdateable() ||
		item.DeviceClass != "2f317b9d-c9e3-4d76-bff6-b9d0d085a952" || item.DeviceContext != "System Board" ||
		!item.HasTarget("C0BCF2B9-1141-49AF-AAB8-C73791F0349C") {
		t.Errorf("inventory item: got %+v", item)
	}
	m, err := ParseManager(readFixture(t, "Managers/1/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Generation != 5 || m.Version != "2.70" || m.FirmwareVersion != "iLO 5 v2.70" {
		t.Errorf("manager: got %+v", m)
	}
	root, err := ParseServiceRoot(readFixture(t, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if root.Generation() != 5 || root.ManagerFirmwareVersion != "2.70" || !root.Expand || root.Sessions != "/redfish/v1/SessionService/Sessions/" || root.TaskService != "/redfish/v1/TaskService/" {
		t.Errorf("root: got %+v", root)
	}
}

func TestVersions(t *testing.T) {
	tests := []struct {
		in      string
		gen     int
		version string
	}{
		{"iLO 5 v2.70", 5, "2.70"},
		{"iLO 6 v1.67", 6, "1.67"},
		{"1.12.00 Mar 28 2025", 0, "1.12.00"}, // iLO 7: no generation in the string
		{"2.70 May 16 2022", 0, "2.70"},
		{"iLO7", 7, ""},
		{"BMC", 0, ""},
	}
	for _, tt := range tests {
		if g := Generation(tt.in); g != tt.gen {
			t.Errorf("Generation(%q): got %d, want %d", tt.in, g, tt.gen)
		}
		if v := VersionNumber(tt.in); v != tt.version {
			t.Errorf("VersionNumber(%q): got %q, want %q", tt.in, v, tt.version)
		}
	}
}

func TestManagerFromClient(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t)
	m, err := c.Manager(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Generation != 5 || m.Version != "2.70" {
		t.Errorf("got %+v", m)
	}
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantIDs     []string
		wantMeaning string
		wantDetail  string
		preds       map[string]bool
	}{
		{
			name: "captured 404", status: 404, body: string(readFixture(t, "UpdateService/UpdateTaskQueue/44c2f1b7/index.json")),
			wantIDs:     []string{"Base.1.4.ResourceMissingAtURI"},
			wantMeaning: "The resource at the URI /redfish/v1/UpdateService/UpdateTaskQueue/44c2f1b7/ was not found.",
			preds:       map[string]bool{"notfound": true, "ResourceMissingAtURI": true, "iLO.ResourceMissingAtURI": false, "Base.ResourceMissingAtURI": true},
		},
		{
			name: "unknown action parameter", status: 400,
			body:        `{"error":{"code":"iLO.0.10.ExtendedInfo","@Message.ExtendedInfo":[{"MessageId":"Base.1.4.ActionParameterUnknown","MessageArgs":["UpdateService.SimpleUpdate","TPMOverrideFlag"]}]}}`,
			wantIDs:     []string{"Base.1.4.ActionParameterUnknown"},
			wantMeaning: "The action UpdateService.SimpleUpdate was submitted with the invalid parameter TPMOverrideFlag.",
		},
		{
			name: "session limit, newer registry", status: 403,
			body:    `{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.18.SessionLimitExceeded"}]}}`,
			wantIDs: []string{"Base.1.18.SessionLimitExceeded"},
			preds:   map[string]bool{"SessionLimitExceeded": true, "NoValidSession": false},
		},
		{
			name: "precondition", status: 412,
			body:  `{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.18.PreconditionFailed"}]}}`,
			preds: map[string]bool{"precondition": true}, wantIDs: []string{"Base.1.18.PreconditionFailed"},
		},
		{
			name: "unknown key keeps its args", status: 400,
			body:    `{"error":{"@Message.ExtendedInfo":[{"MessageId":"iLO.2.34.FirmwareFileLockedNew","MessageArgs":["x"]}]}}`,
			wantIDs: []string{"iLO.2.34.FirmwareFileLockedNew"},
		},
		{name: "empty 400", status: 400, body: "", wantDetail: "privilege"},
		{name: "plain message", status: 500, body: `{"error":{"message":"internal"}}`, wantDetail: "internal"},
		{name: "html", status: 502, body: `<html>bad gateway</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := error(newStatusError("GET", "/redfish/v1/x", tt.status, []byte(tt.body)))
			e, _ := asError(err)
			var ids []string
			for _, m := range e.Messages {
				ids = append(ids, m.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("ids: got %v, want %v", ids, tt.wantIDs)
			}
			if tt.wantMeaning != "" && (len(e.Messages) == 0 || e.Messages[0].Meaning != tt.wantMeaning) {
				t.Errorf("meaning: got %+v, want %q", e.Messages, tt.wantMeaning)
			}
			if tt.wantMeaning != "" && !strings.Contains(err.Error(), tt.wantMeaning) {
				t.Errorf("Error() %q lacks the meaning", err)
			}
			if tt.wantDetail != "" && !strings.Contains(e.Detail, tt.wantDetail) {
				t.Errorf("detail: got %q, want it to contain %q", e.Detail, tt.wantDetail)
			}
			for k, want := range tt.preds {
				var got bool
				switch k {
				case "notfound":
					got = IsNotFound(err)
				case "precondition":
					got = IsPreconditionFailed(err)
				default:
					got = HasMessage(err, k)
				}
				if got != want {
					t.Errorf("%s: got %v, want %v", k, got, want)
				}
			}
			info := e.ErrorInfo()
			if info["status"] != tt.status || info["uri"] != "/redfish/v1/x" {
				t.Errorf("ErrorInfo: got %v", info)
			}
			if _, err := json.Marshal(info); err != nil {
				t.Errorf("ErrorInfo is not JSON: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "GET /redfish/v1/x: ") {
				t.Errorf("Error() %q should start with method and URI", err)
			}
		})
	}
	if HasMessage(nil, "x") || IsNotFound(io.EOF) {
		t.Errorf("predicates must be false for nil and foreign errors")
	}
}

func TestEmbeddedMessages(t *testing.T) {
	for _, id := range []string{"Base.1.4.Success", "iLO.2.14.ComponentUploadAlreadyInProgress", "Base.1.18.InsufficientStorage", "iLO.2.25.UpdateTaskQueueFull"} {
		if NewMessage(id).Meaning == "" {
			t.Errorf("%s: no meaning in the embedded registry", id)
		}
	}
	if got := substitute("a %1 b %2 c %3", []string{"X", "Y"}); got != "a X b Y c %3" {
		t.Errorf("substitute: got %q", got)
	}
	if got := substitute("100% done %10", make([]string, 10)); got != "100% done " {
		t.Errorf("substitute: got %q", got)
	}
}

func TestTaskMonitor(t *testing.T) {
	const monitor = "/redfish/v1/TaskService/TaskMonitors/22/"
	var calls atomic.Int32
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", monitor, func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			switch calls.Add(1) {
			case 1, 2:
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusAccepted)
				io.WriteString(w, `{"@odata.type": "#Task.v1_3_0.Task", "Id": "22", "TaskState": "Running", "Messages": [{}]}`)
			case 3:
				writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
			default:
				writeEnvelope(w, http.StatusNotFound, "Base.1.18.ResourceMissingAtURI", monitor)
			}
			return true
		})
	})
	c := env.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s MonitorStatus
	_, err := c.Poll(ctx, Pace{First: time.Hour, Every: time.Hour}, ResetFails, func(ctx context.Context, _ PollResult) (Reading, error) {
		var err error
		s, err = c.TaskMonitor(ctx, monitor)
		return Reading{Done: !s.Running, RetryAfter: max(s.RetryAfter, time.Nanosecond)}, err // Retry-After 0 beats the hour
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Running || s.Gone || s.Failed() || s.Status != 200 || len(s.Messages) != 1 || s.Messages[0].Key() != "Success" {
		t.Errorf("final: got %+v", s)
	}
	if calls.Load() != 3 {
		t.Errorf("monitor reads: got %d, want 3", calls.Load())
	}
	s, err = c.TaskMonitor(ctx, monitor)
	if err != nil || !s.Gone {
		t.Errorf("after the final response: got %+v, %v; want Gone", s, err)
	}
}

func TestParseMonitorResponse(t *testing.T) {
	tests := []struct {
		name                  string
		status                int
		body                  string
		running, gone, failed bool
	}{
		{"202 task", 202, `{"@odata.type":"#Task.v1_3_0.Task","TaskState":"Running"}`, true, false, false},
		{"200 running task", 200, `{"@odata.type":"#Task.v1_3_0.Task","TaskState":"Running"}`, true, false, false},
		{"200 completed", 200, `{"@odata.type":"#Task.v1_3_0.Task","TaskState":"Completed","TaskStatus":"OK"}`, false, false, false},
		{"200 exception", 200, `{"@odata.type":"#Task.v1_3_0.Task","TaskState":"Exception","Messages":[{"MessageId":"iLO.2.14.UpdateFailed","MessageArgs":["x"]}]}`, false, false, true},
		{"200 success envelope", 200, `{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.4.Success"}]}}`, false, false, false},
		{"200 failure envelope", 200, `{"error":{"@Message.ExtendedInfo":[{"MessageId":"Base.1.4.ResourceAtUriInUnknownFormat"}]}}`, false, false, true},
		{"400", 400, ``, false, false, true},
		{"404", 404, ``, false, true, false},
	}
	for _, tt := range tests {
		s := ParseMonitorResponse(tt.status, []byte(tt.body))
		if s.Running != tt.running || s.Gone != tt.gone || s.Failed() != tt.failed {
			t.Errorf("%s: got running %v gone %v failed %v, want %v %v %v", tt.name, s.Running, s.Gone, s.Failed(), tt.running, tt.gone, tt.failed)
		}
	}
}

func TestInstallSetWrites(t *testing.T) {
	const setURI = "/redfish/v1/UpdateService/InstallSets/a74b22b6/"
	setBody := `{"@odata.id": "` + setURI + `", "@odata.etag": "W/\"AAAA1111\"", "@odata.type": "#HpeComponentInstallSet.v1_1_0.HpeComponentInstallSet",
	 "Id": "a74b22b6", "Name": "fw", "IsRecovery": false,
	 "Actions": {"#HpeComponentInstallSet.Invoke": {"target": "` + setURI + `Actions/HpeComponentInstallSet.Invoke/"}},
	 "Sequence": [{"Name": "iLO 5", "Command": "ApplyUpdate", "Filename": "ilo5_270.fwpkg", "UpdatableBy": ["Bmc"]}]}`
	var ifMatch, patchBody, invokeBody string
	env := newEnv(t, func(f *fakeILO) {
		f.hook("GET", "/redfish/v1/UpdateService/InstallSets/", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"@odata.id": "/redfish/v1/UpdateService/InstallSets/", "Members": [`+setBody+`], "Members@odata.count": 1}`)
			return true
		})
		f.hook("PATCH", setURI, func(w http.ResponseWriter, r *http.Request) bool {
			ifMatch = r.Header.Get("If-Match")
			b, _ := io.ReadAll(r.Body)
			patchBody = string(b)
			if ifMatch != `W/"AAAA1111"` {
				writeEnvelope(w, http.StatusPreconditionFailed, "Base.1.18.PreconditionFailed")
				return true
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated) // iLO: PATCH → 201 and a new Id
			io.WriteString(w, strings.ReplaceAll(setBody, "a74b22b6", "3e3567d5"))
			return true
		})
		f.hook("POST", setURI+"Actions/HpeComponentInstallSet.Invoke/", func(w http.ResponseWriter, r *http.Request) bool {
			b, _ := io.ReadAll(r.Body)
			invokeBody = string(b)
			writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
			return true
		})
	})
	c := env.connect(t)
	ctx := context.Background()
	sets, err := c.InstallSets(ctx)
	if err != nil || len(sets) != 1 {
		t.Fatalf("InstallSets: %v %v", sets, err)
	}
	set := sets[0]
	if set.InvokeTarget == "" || set.ETag != `W/"AAAA1111"` || len(set.Sequence) != 1 || set.Sequence[0].Filename != "ilo5_270.fwpkg" {
		t.Fatalf("set: got %+v", set)
	}
	spec := NewInstallSet{Name: "fw", Sequence: []InstallStep{{Name: "iLO 5", Command: "ApplyUpdate", Filename: "ilo5_272.fwpkg", UpdatableBy: []string{"Bmc"}}, {Name: "pause", Command: "Wait", WaitTimeSeconds: 30}}}
	updated, err := c.UpdateInstallSet(ctx, set, spec)
	if err != nil {
		t.Fatal(err)
	}
	if ifMatch != `W/"AAAA1111"` || updated.ID != "3e3567d5" {
		t.Errorf("PATCH: If-Match %q, new id %q", ifMatch, updated.ID)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(patchBody), &sent); err != nil {
		t.Fatalf("PATCH body %q: %v", patchBody, err)
	}
	seq, _ := sent["Sequence"].([]any)
	if len(seq) != 2 || seq[1].(map[string]any)["WaitTimeSeconds"] != float64(30) || seq[0].(map[string]any)["Filename"] != "ilo5_272.fwpkg" {
		t.Errorf("PATCH body: %s", patchBody)
	}
	set.ETag = `W/"STALE"`
	if _, err := c.UpdateInstallSet(ctx, set, spec); !IsPreconditionFailed(err) {
		t.Errorf("stale ETag: got %v, want 412", err)
	}
	msgs, err := c.InvokeInstallSet(ctx, sets[0], InvokeOptions{ClearTaskQueue: true, TPMOverride: true, MaintenanceWindow: "7ada2ed8"})
	if err != nil || len(msgs) != 1 || msgs[0].Key() != "Success" {
		t.Errorf("Invoke: %v %v", msgs, err)
	}
	for k, want := range map[string]any{"ClearTaskQueue": true, "TPMOverride": true, "MaintenanceWindow": "7ada2ed8"} {
		var b map[string]any
		json.Unmarshal([]byte(invokeBody), &b)
		if b[k] != want {
			t.Errorf("Invoke %s: got %v, want %v (%s)", k, b[k], want, invokeBody)
		}
	}
}

func TestQueueAndWindowReads(t *testing.T) {
	env := newEnv(t)
	c := env.connect(t)
	ctx := context.Background()
	q, err := c.TaskQueue(ctx)
	if err != nil || len(q) != 0 {
		t.Errorf("TaskQueue: %v %v", q, err)
	}
	w, err := c.MaintenanceWindows(ctx)
	if err != nil || len(w) != 0 {
		t.Errorf("MaintenanceWindows: %v %v", w, err)
	}
	sw, err := c.SoftwareInventory(ctx)
	if err != nil || len(sw) != 0 {
		t.Errorf("SoftwareInventory: %v %v", sw, err)
	}
	// All of them found their URIs from links: one UpdateService read.
	if n := env.fake.count("GET /redfish/v1/UpdateService/ "); n > 0 {
		t.Errorf("unexpected request")
	}
	if n := env.fake.count("GET /redfish/v1/UpdateService/"); n < 3 {
		t.Errorf("GETs under UpdateService: got %d", n)
	}
}

func TestParseUpdateTaskAndWindow(t *testing.T) {
	task, err := ParseUpdateTask([]byte(`{"@odata.id": "/redfish/v1/UpdateService/UpdateTaskQueue/2d1a59f9/", "Id": "2d1a59f9", "Command": "ApplyUpdate",
	 "Component": "/redfish/v1/UpdateService/ComponentRepository/994284f9/", "Filename": "cp040154.exe", "Name": "n", "RecoveryPrivilege": true,
	 "State": "Exception", "TPMOverride": false, "UpdatableBy": ["Uefi"], "Result": {"MessageId": "iLO.2.14.FWFlashTPMOverrideFlagRequired"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !task.Terminal() || task.Result == nil || task.Result.Meaning == "" || task.UpdatableBy[0] != "Uefi" {
		t.Errorf("task: got %+v", task)
	}
	w, err := ParseMaintenanceWindow([]byte(`{"@odata.id": "/redfish/v1/UpdateService/MaintenanceWindows/7ada2ed8/", "Id": "7ada2ed8", "Name": "Xmas", "StartAfter": "2020-12-25T00:00:00Z", "Expire": "2020-12-25T22:00:00Z"}`))
	if err != nil || w.ID != "7ada2ed8" || w.Expire != "2020-12-25T22:00:00Z" {
		t.Errorf("window: got %+v %v", w, err)
	}
	b, err := NewUpdateTask{Name: "w", Command: "Wait", WaitTimeSeconds: 0, UpdatableBy: []string{"Bmc"}}.body()
	if err != nil || !strings.Contains(string(b), `"WaitTimeSeconds":0`) || strings.Contains(string(b), "Filename") {
		t.Errorf("task body: %s %v", b, err)
	}
}

// TestPollThroughReset follows the update service through an iLO self-reset:
// the iLO drops every session and hangs up for a while, then reports
// Complete. The poll logs in again and leaves no session behind.
func TestPollThroughReset(t *testing.T) { // ResetReconnects
	var reads, dark atomic.Int32
	var env *testEnv
	env = newEnv(t, func(f *fakeILO) {
		f.hook("GET", "/redfish/v1/", func(w http.ResponseWriter, r *http.Request) bool {
			if dark.Add(-1) >= 0 {
				hangUp(w, r)
				return true
			}
			return false
		})
		f.hook("GET", "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
			if dark.Load() > 0 {
				hangUp(w, r)
				return true
			}
			switch reads.Add(1) {
			case 1:
				b, _ := sjson.SetBytes(readFixture(t, "UpdateService/index.json"), "Oem.Hpe.State", "Updating")
				w.Write(b)
				// The flash ends: the iLO resets.
				env.fake.dropSessions()
				dark.Store(4)
				return true
			default:
				b, _ := sjson.SetBytes(readFixture(t, "UpdateService/index.json"), "Oem.Hpe.State", "Complete")
				if !f.hasSession(r.Header.Get("X-Auth-Token")) {
					writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
					return true
				}
				w.Write(b)
				return true
			}
		})
	})
	c := env.connect(t, WithRetries(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last UpdateService
	pr, err := c.Poll(ctx, Pace{First: time.Millisecond, Every: time.Millisecond}, ResetReconnects, func(ctx context.Context, _ PollResult) (Reading, error) {
		us, err := c.UpdateService(ctx)
		last = us
		return Reading{Done: us.Finished()}, err
	})
	if err != nil {
		t.Fatalf("Poll through a reset: %v", err)
	}
	if last.State != "Complete" || pr.Resets != 1 {
		t.Errorf("last state %q after %d resets, want Complete after 1", last.State, pr.Resets)
	}
	if c.Logins() < 2 {
		t.Errorf("logins: got %d, want ≥ 2", c.Logins())
	}
	c.Close(context.Background())
	if n := env.fake.openSessions(); n != 0 {
		t.Errorf("open sessions: got %d, want 0", n)
	}
}
