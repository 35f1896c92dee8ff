package ilosim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// answers reports whether the iLO answers at all (a reset iLO resets every
// connection).
func (e *env) answers() bool {
	req, _ := http.NewRequest("GET", e.srv.URL+"/redfish/v1/", nil)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return true
}

// flashILO flashes iLO firmware 9.99 directly (UpdateTarget, no repository):
// Verifying 2 s + Updating 60 s of iLO time once the bytes arrived.
func (e *env) flashILO(t *testing.T) {
	t.Helper()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_999.bin", Version: "9.99", Size: 64 << 10})
	if res := e.upload(img.Image, nil, "ilo5_999.bin", "", map[string]any{"UpdateTarget": true, "UpdateRepository": false}, e.tok); res.status != 200 {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
}

func (e *env) managerVersion(t *testing.T) string {
	t.Helper()
	v, _ := get(e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t), "FirmwareVersion").(string)
	return v
}

// TestILOSelfFlashResetModes: after an iLO self-flash, State reads Complete
// for the reset delay with the old version and the session alive, then the
// iLO resets (dark, sessions dropped) and comes back with the new version;
// or, with ilo_reset false, reports the new version without a reset; or
// stays dark longer than expected with ilo_reset_dark_seconds.
func TestILOSelfFlashResetModes(t *testing.T) {
	modes := []struct {
		name   string
		faults map[string]any
		delay  time.Duration // Complete before the reset
		dark   time.Duration // 0: no reset
	}{
		{"default", nil, DefaultILOResetDelay, DefaultDarkTime},
		{"longer delay", map[string]any{"ilo_reset_delay_seconds": 40}, 40 * time.Second, DefaultDarkTime},
		{"no reset", map[string]any{"ilo_reset": false}, 0, 0},
		{"reset longer than expected", map[string]any{"ilo_reset_dark_seconds": 900}, DefaultILOResetDelay, 900 * time.Second},
	}
	for _, profile := range []string{"ilo5", "ilo5-246", "ilo5-legacy", "ilo6", "ilo7"} {
		for _, m := range modes {
			t.Run(profile+"/"+m.name, func(t *testing.T) {
				e := newEnv(t, WithProfileName(profile), fastPhases)
				e.login()
				if m.faults != nil {
					if r := e.do("POST", "/_sim/faults", m.faults, nil); r.status != 200 {
						t.Fatalf("faults: %d %s", r.status, r.body)
					}
				}
				old := e.managerVersion(t)
				e.flashILO(t)
				e.ilo.Clock().Advance(62*time.Second + time.Second) // the flash is over
				if m.dark == 0 {
					if s := e.service(); s["State"] != StateComplete {
						t.Errorf("State %v, want Complete", s["State"])
					}
					if v := e.managerVersion(t); !strings.Contains(v, "9.99") {
						t.Errorf("FirmwareVersion %q right after the flash, want 9.99 (no reset)", v)
					}
					e.ilo.Clock().Advance(10 * time.Minute)
					if !e.answers() {
						t.Fatalf("iLO went dark although ilo_reset is false")
					}
					if r := e.do("GET", "/redfish/v1/Managers/1", nil, nil); r.status != 200 {
						t.Errorf("session ended without a reset: %d", r.status)
					}
					if n := e.ilo.State()["ilo_resets"]; n != 0 {
						t.Errorf("ilo_resets %v, want 0", n)
					}
					return
				}
				// Complete is visible to a client polling every 8 s.
				el := time.Second // since the end of the flash
				for ; el+8*time.Second < m.delay; el += 8 * time.Second {
					if s := e.service(); s["State"] != StateComplete {
						t.Fatalf("%v after the flash: State %v, want Complete", el, s["State"])
					}
					if v := e.managerVersion(t); v != old {
						t.Fatalf("%v after the flash: FirmwareVersion %q, want the old %q before the reset", el, v, old)
					}
					e.ilo.Clock().Advance(8 * time.Second)
				}
				e.ilo.Clock().Advance(m.delay - el + 2*time.Second) // 2 s past the reset
				if e.answers() {
					t.Fatalf("iLO still answers after the reset delay")
				}
				e.ilo.Clock().Advance(m.dark - 7*time.Second)
				if e.answers() {
					t.Fatalf("iLO answers before its dark time (%v) is over", m.dark)
				}
				e.ilo.Clock().Advance(10 * time.Second)
				if !e.answers() {
					t.Fatalf("iLO did not come back after %v dark", m.dark)
				}
				if r := e.do("GET", "/redfish/v1/Managers/1", nil, nil); r.status != 401 {
					t.Errorf("old session after the reset: %d, want 401", r.status)
				}
				e.login()
				if v := e.managerVersion(t); !strings.Contains(v, "9.99") {
					t.Errorf("FirmwareVersion %q after the reset, want 9.99", v)
				}
				if n := e.ilo.State()["ilo_resets"]; n != 1 {
					t.Errorf("ilo_resets %v, want 1", n)
				}
			})
		}
	}
}

// TestFlashErrorFault: flash_error names a file (or "*"/true) whose flash
// ends in State Error iLO.UpdateFailed, leaves versions alone, and false
// clears it.
func TestFlashErrorFault(t *testing.T) {
	cases := []struct {
		name  string
		fault any
		fails bool
	}{
		{"by name", "ilo5_999.bin", true},
		{"by name, other case", "ILO5_999.BIN", true},
		{"star", "*", true},
		{"true", true, true},
		{"other file", "cp000001.exe", false},
		{"false", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, fastPhases)
			e.login()
			e.do("POST", "/_sim/faults", map[string]any{"flash_error": c.fault, "ilo_reset": false}, nil)
			e.flashILO(t)
			e.ilo.Clock().Advance(63 * time.Second)
			s := e.service()
			v := e.managerVersion(t)
			if c.fails {
				if s["State"] != StateError || get(s, "Result.MessageId") != "iLO.2.14.UpdateFailed" {
					t.Errorf("State %v Result %v, want Error iLO.2.14.UpdateFailed", s["State"], s["Result"])
				}
				if strings.Contains(v, "9.99") {
					t.Errorf("failed flash changed the version to %q", v)
				}
				return
			}
			if s["State"] != StateComplete || !strings.Contains(v, "9.99") {
				t.Errorf("State %v version %q, want Complete and 9.99", s["State"], v)
			}
		})
	}
}

// TestFlashErrorFaultInTheQueue: a Bmc task flashing the named file ends
// in Exception with iLO.UpdateFailed; the UpdateService shows State Error;
// another file still flashes.
func TestFlashErrorFaultInTheQueue(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo5-246", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			s := newQueueSim(t, WithProfileName(profile), WithPhases(Phases{Verifying: time.Second, Writing: time.Second, Updating: time.Minute}))
			s.addComponent(testimage.Spec{Filename: "cpld_v0F0F.vme", Version: "0F"})
			s.addComponent(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"})
			s.call(200, "POST", "/_sim/faults", `{"flash_error": "cpld_v0F0F.vme"}`)
			s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
				`{"Name":"cpld","Command":"ApplyUpdate","Filename":"cpld_v0F0F.vme","UpdatableBy":["Bmc"]}`)
			s.ilo.Clock().Advance(61 * time.Second)
			if got := s.taskState("cpld"); got != "Exception" {
				t.Errorf("cpld task %s, want Exception", got)
			}
			us := s.call(200, "GET", updateServicePath, "")
			if get(us, "Oem.Hpe.State") != StateError || !strings.HasSuffix(get(us, "Oem.Hpe.Result.MessageId").(string), ".UpdateFailed") {
				t.Errorf("UpdateService State %v Result %v", get(us, "Oem.Hpe.State"), get(us, "Oem.Hpe.Result"))
			}
			s.call(200, "POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteUpdateTaskQueueItems", `{}`)
			s.call(201, "POST", "/redfish/v1/UpdateService/UpdateTaskQueue",
				`{"Name":"bios","Command":"ApplyUpdate","Filename":"A47_2.90_01_01_2025.signed.flash","UpdatableBy":["Bmc"]}`)
			s.ilo.Clock().Advance(61 * time.Second)
			if got := s.taskState("bios"); got != "Complete" {
				t.Errorf("bios task %s, want Complete (the fault names another file)", got)
			}
		})
	}
}
