package ilosim

import (
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// power returns Systems/1 PowerState and Oem.Hpe.PostState.
func (s *queueSim) power() (string, string) {
	s.t.Helper()
	m := s.call(200, "GET", "/redfish/v1/Systems/1", "")
	p, _ := m["PowerState"].(string)
	post, _ := get(m, "Oem.Hpe.PostState").(string)
	return p, post
}

// TestComputerSystemReset walks each ResetType through simulated time on
// every profile: PowerState On -> Off -> On with PostState InPost until POST
// ends, and refusals in the wrong power state.
func TestComputerSystemReset(t *testing.T) {
	st := ServerTimes{Shutdown: 30 * time.Second, PowerGap: 5 * time.Second, POST: 90 * time.Second}
	type check struct {
		after       time.Duration // since the reset request
		power, post string
	}
	cases := []struct {
		name     string
		pre      []string // reset types sent first (each then left to settle)
		reset    string
		status   int
		timeline []check
		boots    int
	}{
		{"ForceRestart", nil, "ForceRestart", 200, []check{
			{0, PowerOff, PostPowerOff}, {4 * time.Second, PowerOff, PostPowerOff},
			{6 * time.Second, PowerOn, PostInPost}, {94 * time.Second, PowerOn, PostInPost},
			{96 * time.Second, PowerOn, PostFinished}}, 1},
		{"GracefulRestart", nil, "GracefulRestart", 200, []check{
			{0, PowerOn, PostFinished}, {29 * time.Second, PowerOn, PostFinished},
			{31 * time.Second, PowerOff, PostPowerOff}, {36 * time.Second, PowerOn, PostInPost},
			{126 * time.Second, PowerOn, PostFinished}}, 1},
		{"ForceOff", nil, "ForceOff", 200, []check{{0, PowerOff, PostPowerOff}, {time.Hour, PowerOff, PostPowerOff}}, 0},
		{"GracefulShutdown", nil, "GracefulShutdown", 200, []check{
			{29 * time.Second, PowerOn, PostFinished}, {31 * time.Second, PowerOff, PostPowerOff}}, 0},
		{"On after ForceOff", []string{"ForceOff"}, "On", 200, []check{
			{0, PowerOn, PostInPost}, {91 * time.Second, PowerOn, PostFinished}}, 1},
		{"PushPowerButton when on", nil, "PushPowerButton", 200, []check{{31 * time.Second, PowerOff, PostPowerOff}}, 0},
		{"PushPowerButton when off", []string{"ForceOff"}, "PushPowerButton", 200, []check{{0, PowerOn, PostInPost}}, 1},
		{"Nmi", nil, "Nmi", 200, []check{{time.Minute, PowerOn, PostFinished}}, 0},
		{"On when on", nil, "On", 400, []check{{time.Minute, PowerOn, PostFinished}}, 0},
		{"ForceRestart when off", []string{"ForceOff"}, "ForceRestart", 400, []check{{time.Minute, PowerOff, PostPowerOff}}, 0},
		{"GracefulShutdown when off", []string{"ForceOff"}, "GracefulShutdown", 400, nil, 0},
		{"unknown type", nil, "PowerCycle", 400, []check{{time.Minute, PowerOn, PostFinished}}, 0},
	}
	for _, profile := range ProfileNames() {
		for _, c := range cases {
			t.Run(profile+"/"+c.name, func(t *testing.T) {
				s := newQueueSim(t, WithProfileName(profile), WithServerTimes(st))
				for _, p := range c.pre {
					s.call(200, "POST", systemResetPath, `{"ResetType":"`+p+`"}`)
					s.ilo.Clock().Advance(time.Hour)
				}
				before := s.ilo.State()["server_boots"].(int)
				m := s.call(c.status, "POST", systemResetPath, `{"ResetType":"`+c.reset+`"}`)
				if c.status == 400 {
					if id := get(m, "error.@Message.ExtendedInfo").([]any)[0].(map[string]any)["MessageId"]; id == "" {
						t.Errorf("refusal without MessageId: %v", m)
					}
				}
				var at time.Duration
				for _, ck := range c.timeline {
					s.ilo.Clock().Advance(ck.after - at)
					at = ck.after
					if p, post := s.power(); p != ck.power || post != ck.post {
						t.Errorf("%v after %s: PowerState %s PostState %s, want %s %s", ck.after, c.reset, p, post, ck.power, ck.post)
					}
				}
				s.ilo.Clock().Advance(time.Hour)
				if got := s.ilo.State()["server_boots"].(int) - before; got != c.boots {
					t.Errorf("boots %d, want %d", got, c.boots)
				}
			})
		}
	}
}

// pendingBIOS queues a UEFI flash of a BIOS image and returns the
// FirmwareInventory version the BIOS shows now.
func pendingBIOS(s *queueSim) string {
	s.t.Helper()
	s.addComponent(testimage.Spec{Filename: "U46_2.90_01_01_2025.signed.flash"})
	s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
		`{"Name":"bios","Command":"ApplyUpdate","Filename":"U46_2.90_01_01_2025.signed.flash","UpdatableBy":["Uefi"]}`)
	return s.biosVersion()
}

func (s *queueSim) biosVersion() string {
	s.t.Helper()
	v, _ := s.call(200, "GET", firmwareInvPath+"/2", "")["Version"].(string)
	return v
}

func (s *queueSim) taskState(name string) string {
	s.t.Helper()
	m := s.call(200, "GET", "/redfish/v1/UpdateService/UpdateTaskQueue?$expand=.", "")
	for _, t := range m["Members"].([]any) {
		if t.(map[string]any)["Name"] == name {
			st, _ := t.(map[string]any)["State"].(string)
			return st
		}
	}
	return ""
}

// TestRebootActivatesPendingComponents: a UEFI task stays Pending while the
// server runs; a reboot (ComputerSystem.Reset or a queued ResetServer)
// activates it when the server POSTs, not before; with
// server_reset_ignored the reset is accepted and nothing happens.
func TestRebootActivatesPendingComponents(t *testing.T) {
	st := ServerTimes{Shutdown: 30 * time.Second, PowerGap: 5 * time.Second, POST: 60 * time.Second}
	cases := []struct {
		name     string
		ignored  bool
		queued   bool // a ResetServer task ahead of the UEFI task, due in 1 h
		staged   bool // staged activation on: UEFI flashes in POST still show at once
		trigger  func(s *queueSim)
		beforeOn time.Duration // still pending at this time
		afterOn  time.Duration // activated by this time
	}{
		{"GracefulRestart", false, false, false, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"GracefulRestart"}`)
		}, 34 * time.Second, 36 * time.Second},
		{"ForceRestart", false, false, false, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
		}, 4 * time.Second, 6 * time.Second},
		{"queued ResetServer", false, true, false, func(s *queueSim) {}, 4 * time.Second, 6 * time.Second},
		{"ForceRestart, staged activation", false, false, true, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
		}, 4 * time.Second, 6 * time.Second},
		{"server_reset_ignored", true, false, false, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
		}, time.Hour, 0},
	}
	for _, profile := range []string{"ilo5", "ilo5-246", "ilo6", "ilo7"} {
		for _, c := range cases {
			t.Run(profile+"/"+c.name, func(t *testing.T) {
				s := newQueueSim(t, WithProfileName(profile), WithServerTimes(st))
				if c.ignored {
					s.call(200, "POST", "/_sim/faults", `{"server_reset_ignored": true}`)
				}
				if c.staged {
					s.call(200, "POST", "/_sim/faults", `{"staged_activation": true}`)
				}
				if c.queued {
					due := s.ilo.Now().Add(time.Hour).UTC().Format(time.RFC3339)
					s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
						`{"Name":"reboot","Command":"ResetServer","UpdatableBy":["Bmc"],"StartAfter":"`+due+`"}`)
				}
				old := pendingBIOS(s)
				s.ilo.Clock().Advance(time.Hour)
				if s.taskState("bios") != "Pending" || s.biosVersion() != old {
					t.Fatalf("UEFI task ran without a reboot: %s %s", s.taskState("bios"), s.biosVersion())
				}
				c.trigger(s)
				s.ilo.Clock().Advance(c.beforeOn)
				if got := s.taskState("bios"); got != "Pending" {
					t.Errorf("%v after the reset (before power-on): bios task %s, want Pending", c.beforeOn, got)
				}
				if c.ignored {
					if p, post := s.power(); p != PowerOn || post != PostFinished {
						t.Errorf("ignored reset moved the server: %s %s", p, post)
					}
					if s.biosVersion() != old {
						t.Errorf("BIOS changed although the server did not reboot")
					}
					return
				}
				s.ilo.Clock().Advance(c.afterOn - c.beforeOn)
				if got := s.taskState("bios"); got != "Complete" {
					t.Errorf("after power-on: bios task %s, want Complete", got)
				}
				if v := s.biosVersion(); v == old {
					t.Errorf("BIOS version still %q after the reboot", v)
				}
				if p, post := s.power(); p != PowerOn || post != PostInPost {
					t.Errorf("right after power-on: %s %s, want On InPost", p, post)
				}
			})
		}
	}
}

// TestSoftwareInventoryFollowsTheHost: the agent's SoftwareInventory (36
// captured entries) is listed while the host runs its OS, empty while it is
// off or in POST, and empty without the agent (as the 2.55/2.70 captures).
func TestSoftwareInventoryFollowsTheHost(t *testing.T) {
	count := func(s *queueSim) int {
		return len(s.call(200, "GET", softwareInvPath, "")["Members"].([]any))
	}
	for _, profile := range ProfileNames() {
		t.Run(profile, func(t *testing.T) {
			s := newQueueSim(t, WithProfileName(profile), WithServerTimes(ServerTimes{POST: time.Minute}))
			if n := count(s); n != 36 {
				t.Fatalf("booted server: %d software entries, want 36", n)
			}
			one := s.call(200, "GET", softwareInvPath+"/21", "")
			if one["Name"] != "amsd" || one["@odata.type"] != "#SoftwareInventory.v1_2_0.SoftwareInventory" {
				t.Errorf("SoftwareInventory/21 %v", one)
			}
			s.call(200, "POST", systemResetPath, `{"ResetType":"ForceOff"}`)
			if n := count(s); n != 0 {
				t.Errorf("server off: %d software entries", n)
			}
			s.call(404, "GET", softwareInvPath+"/21", "")
			s.call(200, "POST", systemResetPath, `{"ResetType":"On"}`)
			if n := count(s); n != 0 {
				t.Errorf("in POST: %d software entries", n)
			}
			s.ilo.Clock().Advance(61 * time.Second)
			if n := count(s); n != 36 {
				t.Errorf("after POST: %d software entries", n)
			}
		})
	}
	s := newQueueSim(t, WithoutOSAgent())
	if n := count(s); n != 0 {
		t.Errorf("without the agent: %d software entries", n)
	}
	if got := get(s.call(200, "GET", "/redfish/v1/Systems/1", ""), "Oem.Hpe.DeviceDiscoveryComplete.AMSDeviceDiscovery"); got != "NoAMS" {
		t.Errorf("without the agent: AMSDeviceDiscovery %v", got)
	}
}

// TestFactoryRecoverySet: with WithFactoryRecoverySet the iLO starts with a
// System Recovery Set (IsRecovery, Bmc ApplyUpdate items naming its iLO,
// System ROM and CPLD images, which are Locked in the repository).
func TestFactoryRecoverySet(t *testing.T) {
	for _, profile := range ProfileNames() {
		t.Run(profile, func(t *testing.T) {
			s := newQueueSim(t, WithProfileName(profile), WithFactoryRecoverySet())
			sets := s.call(200, "GET", installSetsPath+"?$expand=.", "")["Members"].([]any)
			if len(sets) != 1 || get(sets[0], "IsRecovery") != true || get(sets[0], "Name") != "System Recovery Set" {
				t.Fatalf("install sets %v", sets)
			}
			seq := get(sets[0], "Sequence").([]any)
			if len(seq) != 3 {
				t.Fatalf("recovery sequence %v", seq)
			}
			for _, it := range seq {
				if get(it, "Command") != "ApplyUpdate" || get(it, "UpdatableBy").([]any)[0] != "Bmc" {
					t.Errorf("recovery item %v", it)
				}
				comp := s.call(200, "GET", get(it, "Component").(string), "")
				if comp["Locked"] != true {
					t.Errorf("recovery component %v not Locked", comp["Filename"])
				}
			}
			if v := get(s.call(200, "GET", get(seq[0], "Component").(string), ""), "Version"); v != s.ilo.Profile().FirmwareVersion {
				t.Errorf("recovery iLO image version %v, want the running %s", v, s.ilo.Profile().FirmwareVersion)
			}
			plain := newQueueSim(t, WithProfileName(profile))
			if n := len(plain.call(200, "GET", installSetsPath, "")["Members"].([]any)); n != 0 {
				t.Errorf("without the option: %d install sets", n)
			}
		})
	}
}

// TestStagedActivation: with staged activation a direct flash of the BIOS
// (Activates AfterReboot) leaves FirmwareInventory and Systems/1 on the old
// version until the host powers on again; a UEFI item flashed during POST is
// active at once; an ignored reset leaves the flash pending; without the
// knob the new version shows at once.
func TestStagedActivation(t *testing.T) {
	st := ServerTimes{Shutdown: 30 * time.Second, PowerGap: 5 * time.Second, POST: 60 * time.Second}
	cases := []struct {
		name    string
		faults  string
		opts    []Option
		staged  bool
		ignored bool
	}{
		{"option", "", []Option{WithStagedActivation()}, true, false},
		{"fault", `{"staged_activation": true}`, nil, true, false},
		{"fault turns the option off", `{"staged_activation": false}`, []Option{WithStagedActivation()}, false, false},
		{"default: at once", "", nil, false, false},
		{"reset ignored", `{"staged_activation": true, "server_reset_ignored": true}`, nil, true, true},
	}
	for _, profile := range []string{"ilo5", "ilo5-246", "ilo6", "ilo7"} {
		for _, c := range cases {
			t.Run(profile+"/"+c.name, func(t *testing.T) {
				opts := append([]Option{WithProfileName(profile), WithServerTimes(st),
					WithPhases(Phases{Verifying: time.Second, Writing: time.Second, Updating: time.Minute})}, c.opts...)
				s := newQueueSim(t, opts...)
				if c.faults != "" {
					s.call(200, "POST", "/_sim/faults", c.faults)
				}
				old := s.biosVersion()
				s.addComponent(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"})
				s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
					`{"Name":"bios","Command":"ApplyUpdate","Filename":"A47_2.90_01_01_2025.signed.flash","UpdatableBy":["Bmc"]}`)
				s.ilo.Clock().Advance(61 * time.Second)
				if got := s.taskState("bios"); got != "Complete" {
					t.Fatalf("Bmc flash task %s", got)
				}
				now := s.biosVersion()
				sysBios, _ := s.call(200, "GET", "/redfish/v1/Systems/1", "")["BiosVersion"].(string)
				if c.staged != (now == old) || sysBios != now {
					t.Fatalf("after the flash: inventory %q (old %q), Systems/1 %q; staged %v", now, old, sysBios, c.staged)
				}
				if !c.staged {
					return
				}
				if p := s.ilo.State()["pending_activation"].(map[string]string); p["2"] == "" {
					t.Errorf("/_sim/state pending_activation %v, want the System ROM", p)
				}
				s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
				s.ilo.Clock().Advance(4 * time.Second)
				if v := s.biosVersion(); v != old {
					t.Errorf("before power-on: %q, want still %q", v, old)
				}
				s.ilo.Clock().Advance(2 * time.Second)
				if v := s.biosVersion(); (v == old) != c.ignored {
					t.Errorf("after the reboot: %q (old %q), reset ignored %v", v, old, c.ignored)
				}
			})
		}
	}
}
