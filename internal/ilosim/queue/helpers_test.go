package queue

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// t0 is the fake iLO clock's start.
var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

var testReg = wire.Registries{Base: "Base.1.4", ILO: "iLO.2.14"}

// fakeHost is a Host with a settable clock and a fixed repository.
type fakeHost struct {
	mu          sync.Mutex
	now         time.Time
	comps       map[string]Component
	recovery    []string
	tpm         bool
	runtime     bool
	failures    map[string]wire.Message  // filename → Apply failure
	durations   map[string]time.Duration // filename → Apply duration
	applied     []string                 // "agent:filename:tpm"
	targets     []string                 // Targets passed to Apply
	serverReset int
	// rebootsLater: ResetServer reboots over time and the test calls HostReset.
	rebootsLater bool
	bmcReset     int
}

func newFakeHost() *fakeHost {
	comp := func(id, name string, by ...string) Component {
		return Component{URI: "/redfish/v1/UpdateService/ComponentRepository/" + id, Name: name, Version: "1.0", UpdatableBy: by}
	}
	return &fakeHost{
		now: t0,
		comps: map[string]Component{
			"ilo5_300.bin":            comp("224c0cdf", "iLO 5", AgentBmc),
			"U30_2.80.signed.flash":   comp("3a1b2c3d", "System ROM", AgentBmc, AgentUefi),
			"cpld.vme":                comp("4b2c3d4e", "System Programmable Logic Device", AgentBmc),
			"bios_uefi_only.fwpkg":    comp("5c3d4e5f", "BIOS (UEFI)", AgentUefi),
			"cp099999.exe":            comp("6d4e5f60", "NIC driver", AgentRuntimeAgent),
			"nic.fwpkg":               comp("7e5f6071", "NIC firmware", AgentBmc),
			"U30_2.70_old.signed.bin": comp("8f607182", "Old ROM", AgentBmc),
		},
		recovery:  []string{"ilo5_300.bin", "U30_2.80.signed.flash", "cpld.vme"},
		failures:  map[string]wire.Message{},
		durations: map[string]time.Duration{},
	}
}

func (h *fakeHost) Now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *fakeHost) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func (h *fakeHost) Component(f string) (Component, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.comps[f]
	return c, ok
}

func (h *fakeHost) Apply(f, agent string, targets []string, tpm bool) Outcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	tag := "notpm"
	if tpm {
		tag = "tpm"
	}
	h.applied = append(h.applied, agent+":"+f+":"+tag)
	if targets != nil {
		h.targets = append(h.targets, targets...)
	}
	out := Outcome{Duration: h.durations[f]}
	if m, ok := h.failures[f]; ok {
		out.Failure = &m
	}
	return out
}

func (h *fakeHost) TPMInUse() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tpm
}

func (h *fakeHost) RuntimeAgentRunning() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runtime
}

func (h *fakeHost) ResetServer() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.serverReset++
	return h.rebootsLater
}

func (h *fakeHost) ResetBMC() {
	h.mu.Lock()
	h.bmcReset++
	h.mu.Unlock()
}

func (h *fakeHost) RecoveryComponents() []string { return h.recovery }

func (h *fakeHost) appliedList() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.applied)
}

// sim is a Queue behind an httptest server. Requests carry the Recovery Set
// privilege unless the header X-Test-NoRecovery is set.
type sim struct {
	t    *testing.T
	q    *Queue
	host *fakeHost
	srv  *httptest.Server
}

func newSim(t *testing.T, cfg Config, host *fakeHost) *sim {
	t.Helper()
	if host == nil {
		host = newFakeHost()
	}
	if cfg.Registries == (wire.Registries{}) {
		cfg.Registries = testReg
	}
	q := New(cfg, host)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		priv := Privileges{SystemRecoveryConfig: r.Header.Get("X-Test-NoRecovery") == ""}
		if !q.Handle(w, r, priv) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"router":"fallthrough"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return &sim{t: t, q: q, host: host, srv: srv}
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	body   map[string]any
}

// do sends a request; body may be "" or JSON text; hdr are "Key: value".
func (s *sim) do(method, path, body string, hdr ...string) resp {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("read %s %s: %v", method, path, err)
	}
	r := resp{status: res.StatusCode, header: res.Header}
	if len(b) > 0 && json.Unmarshal(b, &r.body) != nil {
		s.t.Fatalf("%s %s: body is not a JSON object: %q", method, path, b)
	}
	return r
}

// must sends a request and fails the test unless the status is want.
func (s *sim) must(want int, method, path, body string, hdr ...string) resp {
	s.t.Helper()
	r := s.do(method, path, body, hdr...)
	if r.status != want {
		s.t.Fatalf("%s %s %s: status %d, want %d; body %v", method, path, body, r.status, want, r.body)
	}
	return r
}

// get reads a dotted path ("Members.0.Name", "error.@Message.ExtendedInfo.0.MessageId"
// is spelled with "|" as separator when keys contain dots).
func get(v any, path string) any {
	sep := "."
	if strings.Contains(path, "|") {
		sep = "|"
	}
	for _, k := range strings.Split(path, sep) {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// msgIDs returns the MessageIds of an error envelope.
func msgIDs(body map[string]any) []string {
	var ids []string
	l, _ := get(body, "error|@Message.ExtendedInfo").([]any)
	for _, m := range l {
		id, _ := get(m, "MessageId").(string)
		ids = append(ids, id)
	}
	return ids
}

// msgArgs returns the MessageArgs of the first message of an error envelope.
func msgArgs(body map[string]any) []string {
	var out []string
	l, _ := get(body, "error|@Message.ExtendedInfo|0|MessageArgs").([]any)
	for _, a := range l {
		s, _ := a.(string)
		out = append(out, s)
	}
	return out
}

// states returns name → State of every task, through the HTTP API.
func (s *sim) states() map[string]string {
	s.t.Helper()
	r := s.must(200, "GET", "/redfish/v1/UpdateService/UpdateTaskQueue?$expand=.", "")
	out := map[string]string{}
	for _, m := range r.body["Members"].([]any) {
		out[get(m, "Name").(string)] = get(m, "State").(string)
	}
	return out
}

// order returns the task names in queue order.
func (s *sim) order() []string {
	var names []string
	for _, t := range s.q.Snapshot().Tasks {
		names = append(names, t.Name)
	}
	return names
}

const (
	tasksURI   = "/redfish/v1/UpdateService/UpdateTaskQueue"
	windowsURI = "/redfish/v1/UpdateService/MaintenanceWindows"
	setsURI    = "/redfish/v1/UpdateService/InstallSets"
	actionsURI = "/redfish/v1/UpdateService/Actions/Oem/Hpe/"
)

func (h *fakeHost) appliedTargets() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.targets)
}
