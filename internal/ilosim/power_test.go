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
		trigger  func(s *queueSim)
		beforeOn time.Duration // still pending at this time
		afterOn  time.Duration // activated by this time
	}{
		{"GracefulRestart", false, false, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"GracefulRestart"}`)
		}, 34 * time.Second, 36 * time.Second},
		{"ForceRestart", false, false, func(s *queueSim) {
			s.call(200, "POST", systemResetPath, `{"ResetType":"ForceRestart"}`)
		}, 4 * time.Second, 6 * time.Second},
		{"queued ResetServer", false, true, func(s *queueSim) {}, 4 * time.Second, 6 * time.Second},
		{"server_reset_ignored", true, false, func(s *queueSim) {
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
