package ilosim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// queueSim is an iLO with a component in its repository, for the tests of
// the queue mount.
type queueSim struct {
	t   *testing.T
	ilo *ILO
	srv *httptest.Server
}

func newQueueSim(t *testing.T, opts ...Option) *queueSim {
	t.Helper()
	clock := NewClock(0) // stopped: the test moves it
	opts = append([]Option{WithDir(t.TempDir()), WithClock(clock)}, opts...)
	i := New(opts...)
	srv := httptest.NewServer(i)
	t.Cleanup(func() {
		srv.Close()
		_ = i.Close()
	})
	return &queueSim{t: t, ilo: i, srv: srv}
}

// addComponent writes a test image and stores it in the repository, as a
// finished upload would.
func (s *queueSim) addComponent(spec testimage.Spec) {
	s.t.Helper()
	files, err := testimage.WriteFiles(s.t.TempDir(), spec)
	if err != nil {
		s.t.Fatalf("write image: %v", err)
	}
	now := s.ilo.Now()
	s.ilo.mu.Lock()
	defer s.ilo.mu.Unlock()
	if _, m := s.ilo.storeComponentLocked(files.Image, spec.Filename, files.Info.Size, files.Info, now); m != nil {
		s.t.Fatalf("store %s: %s", spec.Filename, m.MessageID)
	}
}

// call sends an authenticated (Basic) request and decodes the JSON answer.
func (s *queueSim) call(want int, method, path, body string) map[string]any {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	req.SetBasicAuth(DefaultUsername, DefaultPassword)
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return m
}

func TestQueueMounted(t *testing.T) {
	s := newQueueSim(t)
	s.addComponent(testimage.Spec{Filename: "cpld_v0F0F.vme", Version: "0F"})

	coll := s.call(200, "GET", "/redfish/v1/UpdateService/UpdateTaskQueue/", "")
	if coll["@odata.type"] != "#HpeComponentUpdateTaskQueueCollection.HpeComponentUpdateTaskQueueCollection" ||
		coll["@odata.id"] != "/redfish/v1/UpdateService/UpdateTaskQueue/" {
		t.Errorf("task queue collection %v", coll)
	}
	task := s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
		`{"Name":"cpld","Command":"ApplyUpdate","Filename":"cpld_v0F0F.vme","StartAfter":"2099-01-01T00:00:00Z"}`)
	if task["@odata.type"] != "#HpeComponentUpdateTask.v1_2_0.HpeComponentUpdateTask" {
		t.Errorf("task type %v", task["@odata.type"])
	}
	comp, ok := task["Component"].(string)
	if !ok || !strings.HasPrefix(comp, "/redfish/v1/UpdateService/ComponentRepository/") {
		t.Errorf("task Component %v", task["Component"])
	}
	repo := s.call(200, "GET", comp, "")
	if repo["Locked"] != true {
		t.Errorf("component referenced by a task: Locked %v, want true", repo["Locked"])
	}
	s.call(200, "DELETE", task["@odata.id"].(string), "")
	if repo := s.call(200, "GET", comp, ""); repo["Locked"] != false {
		t.Errorf("after the task was deleted: Locked %v, want false", repo["Locked"])
	}
	s.call(201, "POST", "/redfish/v1/UpdateService/MaintenanceWindows", `{"Name":"w","StartAfter":"2099-01-01T00:00:00Z"}`)
	s.call(200, "POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteMaintenanceWindows/", `{}`)
	s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
}

func TestQueueAppliesThroughTheILO(t *testing.T) {
	s := newQueueSim(t, WithPhases(Phases{Verifying: time.Second, Writing: time.Second, Updating: time.Minute}))
	s.addComponent(testimage.Spec{Filename: "cpld_v0F0F.vme", Version: "0F"})
	s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
		`{"Name":"cpld","Command":"ApplyUpdate","Filename":"cpld_v0F0F.vme","UpdatableBy":["Bmc"]}`)
	state := func() string {
		m := s.call(200, "GET", "/redfish/v1/UpdateService/UpdateTaskQueue?$expand=.", "")
		ms, _ := m["Members"].([]any)
		if len(ms) != 1 {
			t.Fatalf("members %v", m["Members"])
		}
		st, _ := ms[0].(map[string]any)["State"].(string)
		return st
	}
	if got := state(); got != "InProgress" {
		t.Fatalf("state %s right after create, want InProgress (a Bmc task at the top starts at once)", got)
	}
	s.ilo.Clock().Advance(61 * time.Second)
	if got := state(); got != "Complete" {
		t.Errorf("state %s after the flash time, want Complete", got)
	}
}
