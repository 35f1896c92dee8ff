package queue

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// step is one thing that happens in a processing scenario.
type step struct {
	post      string        // create this task
	advance   time.Duration // move the iLO clock
	hostReset bool          // the host reboots outside the queue
	host      func(*fakeHost)
}

func TestProcessing(t *testing.T) {
	const (
		bmcApply  = `{"Name":"ilo","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}`
		bmcApply2 = `{"Name":"cpld","Command":"ApplyUpdate","Filename":"cpld.vme"}`
		uefiApply = `{"Name":"bios","Command":"ApplyUpdate","Filename":"bios_uefi_only.fwpkg"}`
		sumApply  = `{"Name":"sum","Command":"ApplyUpdate","Filename":"cp099999.exe"}`
		reboot    = `{"Name":"reboot","Command":"ResetServer","UpdatableBy":["Bmc"]}`
	)
	tests := []struct {
		name        string
		steps       []step
		want        map[string]string
		wantApplied []string
		wantResets  [2]int // server, BMC
	}{
		{
			name:        "Bmc task runs at once",
			steps:       []step{{post: bmcApply}},
			want:        map[string]string{"ilo": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name:        "Bmc tasks run in order",
			steps:       []step{{post: bmcApply}, {post: bmcApply2}},
			want:        map[string]string{"ilo": StateComplete, "cpld": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm", "Bmc:cpld.vme:notpm"},
		},
		{
			name:  "Uefi task waits for a reboot and stalls the Bmc task behind it",
			steps: []step{{post: uefiApply}, {post: bmcApply}, {advance: 48 * time.Hour}},
			want:  map[string]string{"bios": StatePending, "ilo": StatePending},
		},
		{
			name:        "host reset lets UEFI run, then iLO goes on",
			steps:       []step{{post: uefiApply}, {post: bmcApply}, {hostReset: true}},
			want:        map[string]string{"bios": StateComplete, "ilo": StateComplete},
			wantApplied: []string{"Uefi:bios_uefi_only.fwpkg:notpm", "Bmc:ilo5_300.bin:notpm"},
		},
		{
			name: "a Uefi task not yet due stalls the ResetServer behind it",
			steps: []step{
				{post: `{"Name":"bios","Command":"ApplyUpdate","Filename":"bios_uefi_only.fwpkg","StartAfter":"2026-03-10T13:00:00Z"}`},
				{post: reboot},
			},
			// bios is not due yet, so it stalls the queue before the reboot
			want: map[string]string{"bios": StatePending, "reboot": StatePending},
		},
		{
			name: "ResetServer ahead of a Uefi task reboots the host; UEFI then flashes",
			steps: []step{
				{post: `{"Name":"reboot","Command":"ResetServer","UpdatableBy":["Bmc"],"StartAfter":"2026-03-10T13:00:00Z"}`},
				{post: uefiApply}, {advance: time.Hour},
			},
			want:        map[string]string{"reboot": StateComplete, "bios": StateComplete},
			wantApplied: []string{"Uefi:bios_uefi_only.fwpkg:notpm"},
			wantResets:  [2]int{1, 0},
		},
		{
			name: "a host that reboots over time: UEFI waits for its POST (HostReset)",
			steps: []step{
				{host: func(h *fakeHost) { h.rebootsLater = true }},
				{post: `{"Name":"reboot","Command":"ResetServer","UpdatableBy":["Bmc"],"StartAfter":"2026-03-10T13:00:00Z"}`},
				{post: uefiApply}, {advance: time.Hour},
			},
			want:       map[string]string{"reboot": StateComplete, "bios": StatePending},
			wantResets: [2]int{1, 0},
		},
		{
			name: "a host that reboots over time: UEFI flashes once it POSTs",
			steps: []step{
				{host: func(h *fakeHost) { h.rebootsLater = true }},
				{post: `{"Name":"reboot","Command":"ResetServer","UpdatableBy":["Bmc"],"StartAfter":"2026-03-10T13:00:00Z"}`},
				{post: uefiApply}, {advance: time.Hour}, {hostReset: true}, {advance: time.Second},
			},
			want:        map[string]string{"reboot": StateComplete, "bios": StateComplete},
			wantApplied: []string{"Uefi:bios_uefi_only.fwpkg:notpm"},
			wantResets:  [2]int{1, 0},
		},
		{
			name:  "RuntimeAgent task never runs without an agent",
			steps: []step{{post: sumApply}, {post: bmcApply}, {advance: time.Hour}},
			want:  map[string]string{"sum": StatePending, "ilo": StatePending},
		},
		{
			name:        "RuntimeAgent task runs when the host says SUM runs",
			steps:       []step{{post: sumApply}, {post: bmcApply}, {host: func(h *fakeHost) { h.runtime = true }}},
			want:        map[string]string{"sum": StateComplete, "ilo": StateComplete},
			wantApplied: []string{"RuntimeAgent:cp099999.exe:notpm", "Bmc:ilo5_300.bin:notpm"},
		},
		{
			name: "Exception stalls the queue",
			steps: []step{
				{host: func(h *fakeHost) { h.failures["ilo5_300.bin"] = testReg.ILOMsg("UpdateFailed", "3") }},
				{post: bmcApply}, {post: bmcApply2},
			},
			want:        map[string]string{"ilo": StateException, "cpld": StatePending},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name:  "TPM in use without TPMOverride is an Exception, and Apply is not called",
			steps: []step{{host: func(h *fakeHost) { h.tpm = true }}, {post: bmcApply}},
			want:  map[string]string{"ilo": StateException},
		},
		{
			name: "TPM in use with TPMOverride flashes",
			steps: []step{{host: func(h *fakeHost) { h.tpm = true }},
				{post: `{"Name":"ilo","Command":"ApplyUpdate","Filename":"ilo5_300.bin","TPMOverride":true}`}},
			want:        map[string]string{"ilo": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:tpm"},
		},
		{
			name: "StartAfter holds the task until the iLO clock reaches it",
			steps: []step{
				{post: `{"Name":"later","Command":"ApplyUpdate","Filename":"ilo5_300.bin","StartAfter":"2026-03-10T14:00:00Z"}`},
				{advance: 119 * time.Minute},
			},
			want: map[string]string{"later": StatePending},
		},
		{
			name: "StartAfter reached",
			steps: []step{
				{post: `{"Name":"later","Command":"ApplyUpdate","Filename":"ilo5_300.bin","StartAfter":"2026-03-10T14:00:00Z"}`},
				{advance: 2 * time.Hour},
			},
			want:        map[string]string{"later": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name: "Expired task stalls the queue",
			steps: []step{
				{post: `{"Name":"sum","Command":"ApplyUpdate","Filename":"cp099999.exe","Expire":"2026-03-10T12:30:00Z"}`},
				{post: bmcApply}, {advance: time.Hour},
			},
			want: map[string]string{"sum": StateExpired, "ilo": StatePending},
		},
		{
			name: "a clock jump runs a task inside its StartAfter/Expire range instead of expiring it",
			steps: []step{
				{post: `{"Name":"w","Command":"ApplyUpdate","Filename":"ilo5_300.bin","StartAfter":"2026-03-11T02:00:00Z","Expire":"2026-03-11T04:00:00Z"}`},
				{advance: 26 * time.Hour},
			},
			want:        map[string]string{"w": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name:  "Wait stays InProgress for WaitTimeSeconds",
			steps: []step{{post: `{"Name":"w","Command":"Wait","WaitTimeSeconds":60}`}, {post: bmcApply}, {advance: 59 * time.Second}},
			want:  map[string]string{"w": StateInProgress, "ilo": StatePending},
		},
		{
			name:        "Wait ends",
			steps:       []step{{post: `{"Name":"w","Command":"Wait","WaitTimeSeconds":60}`}, {post: bmcApply}, {advance: 60 * time.Second}},
			want:        map[string]string{"w": StateComplete, "ilo": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name: "a flash that takes time is InProgress until it ends",
			steps: []step{{host: func(h *fakeHost) { h.durations["ilo5_300.bin"] = 5 * time.Minute }},
				{post: bmcApply}, {post: bmcApply2}, {advance: 4 * time.Minute}},
			want:        map[string]string{"ilo": StateInProgress, "cpld": StatePending},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name:       "ResetBmc calls the host",
			steps:      []step{{post: `{"Name":"r","Command":"ResetBmc"}`}},
			want:       map[string]string{"r": StateComplete},
			wantResets: [2]int{0, 1},
		},
		{
			name:  "PendingReset waits for a host reset",
			steps: []step{{post: `{"Name":"p","Command":"PendingReset"}`}, {advance: time.Hour}},
			want:  map[string]string{"p": StatePending},
		},
		{
			name:  "PendingReset completes at the host reset",
			steps: []step{{post: `{"Name":"p","Command":"PendingReset"}`}, {hostReset: true}},
			want:  map[string]string{"p": StateComplete},
		},
		{
			name: "Complete tasks are removed after 24 h of iLO time",
			steps: []step{{post: bmcApply}, {post: `{"Name":"sum","Command":"ApplyUpdate","Filename":"cp099999.exe"}`},
				{advance: 24 * time.Hour}},
			want:        map[string]string{"sum": StatePending},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
		{
			name:        "Complete tasks stay for less than 24 h",
			steps:       []step{{post: bmcApply}, {advance: 23*time.Hour + 59*time.Minute}},
			want:        map[string]string{"ilo": StateComplete},
			wantApplied: []string{"Bmc:ilo5_300.bin:notpm"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, Config{}, nil)
			for _, st := range tc.steps {
				switch {
				case st.post != "":
					s.must(201, "POST", tasksURI, st.post)
				case st.advance != 0:
					s.host.advance(st.advance)
				case st.hostReset:
					s.q.HostReset()
				case st.host != nil:
					s.host.mu.Lock()
					st.host(s.host)
					s.host.mu.Unlock()
				}
			}
			if got := s.states(); !maps.Equal(got, tc.want) {
				t.Errorf("states %v, want %v", got, tc.want)
			}
			if got := s.host.appliedList(); !slices.Equal(got, tc.wantApplied) {
				t.Errorf("applied %v, want %v", got, tc.wantApplied)
			}
			if got := [2]int{s.host.serverReset, s.host.bmcReset}; got != tc.wantResets {
				t.Errorf("resets (server, BMC) %v, want %v", got, tc.wantResets)
			}
		})
	}
}

func TestTaskResults(t *testing.T) {
	s := newSim(t, Config{}, nil)
	s.host.tpm = true
	s.must(201, "POST", tasksURI, `{"Name":"ilo","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}`)
	m := s.must(200, "GET", tasksURI+"?$expand=.", "").body
	if got := get(m, "Members.0.Result.MessageId"); got != "iLO.2.14.FWFlashTPMOverrideFlagRequired" {
		t.Errorf("TPM Result = %v", got)
	}
	s.must(200, "POST", actionsURI+"HpeiLOUpdateServiceExt.DeleteUpdateTaskQueueItems", "")
	s.host.tpm = false
	s.must(201, "POST", tasksURI, `{"Name":"ilo","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}`)
	m = s.must(200, "GET", tasksURI+"?$expand=.", "").body
	if got := get(m, "Members.0.Result.MessageId"); got != "Base.1.4.Success" {
		t.Errorf("Complete Result = %v", got)
	}
	if got := get(m, "Members.0.Modified"); got != "2026-03-10T12:00:00Z" {
		t.Errorf("Modified = %v", got)
	}
}

// TestTickFromTimer checks processing without any HTTP request.
func TestTickFromTimer(t *testing.T) {
	s := newSim(t, Config{}, nil)
	s.must(201, "POST", tasksURI, `{"Name":"w","Command":"Wait","WaitTimeSeconds":30}`)
	s.q.Tick(t0.Add(10 * time.Second))
	if got := s.q.Snapshot().Tasks[0].State; got != StateInProgress {
		t.Fatalf("after 10 s: %s, want InProgress", got)
	}
	s.q.Tick(t0.Add(31 * time.Second))
	if got := s.q.Snapshot().Tasks[0].State; got != StateComplete {
		t.Errorf("after 31 s: %s, want Complete", got)
	}
}

// TestInProgressDelete checks a running task can be deleted (reference §6.3)
// and that its late outcome is dropped.
func TestInProgressDelete(t *testing.T) {
	s := newSim(t, Config{}, nil)
	s.host.durations["ilo5_300.bin"] = time.Minute
	id := s.must(201, "POST", tasksURI, `{"Name":"ilo","Command":"ApplyUpdate","Filename":"ilo5_300.bin"}`).body["Id"].(string)
	if got := s.states()["ilo"]; got != StateInProgress {
		t.Fatalf("state %s, want InProgress", got)
	}
	s.must(200, "DELETE", tasksURI+"/"+id, "")
	s.host.advance(2 * time.Minute)
	if got := s.states(); len(got) != 0 {
		t.Errorf("tasks %v after delete, want none", got)
	}
}
