package rollout

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/fwplan"
)

func str(s string) *string { return &s }

// TestSequence: one step per file in plan order; with a window and reboot
// graceful or force, a ResetServer step after the last file that activates
// at reboot and before iLO firmware; none without a window, with reboot
// none or wait_external, or when nothing activates at reboot.
func TestSequence(t *testing.T) {
	rom := fwplan.File{File: "A47_2.62_01_01_2023.signed.flash", RebootRequired: true}
	nic := fwplan.File{File: "nic.fwpkg"}
	iloFW := fwplan.File{File: "ilo5_305.bin", ResetsILO: true}
	long := fwplan.File{File: strings.Repeat("x", 70) + ".bin"}
	win := Window{Name: "night"}
	tests := []struct {
		name  string
		files []fwplan.File
		opt   Options
		want  string
	}{
		{"no window", []fwplan.File{rom, nic, iloFW}, Options{Reboot: RebootGraceful},
			"ApplyUpdate:A47_2.62_01_01_2023.signed.flash ApplyUpdate:nic.fwpkg ApplyUpdate:ilo5_305.bin"},
		{"window, graceful", []fwplan.File{rom, nic, iloFW}, Options{Reboot: RebootGraceful, Window: win},
			"ApplyUpdate:A47_2.62_01_01_2023.signed.flash ApplyUpdate:nic.fwpkg ResetServer: ApplyUpdate:ilo5_305.bin"},
		{"window, force, no iLO", []fwplan.File{rom, nic}, Options{Reboot: RebootForce, Window: win},
			"ApplyUpdate:A47_2.62_01_01_2023.signed.flash ApplyUpdate:nic.fwpkg ResetServer:"},
		{"window, none", []fwplan.File{rom, iloFW}, Options{Reboot: RebootNone, Window: win},
			"ApplyUpdate:A47_2.62_01_01_2023.signed.flash ApplyUpdate:ilo5_305.bin"},
		{"window, wait_external", []fwplan.File{rom}, Options{Reboot: RebootExternal, Window: win},
			"ApplyUpdate:A47_2.62_01_01_2023.signed.flash"},
		{"window, nothing at reboot", []fwplan.File{nic, iloFW}, Options{Reboot: RebootGraceful, Window: win},
			"ApplyUpdate:nic.fwpkg ApplyUpdate:ilo5_305.bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.InstallSetName = "fleetfw.ilo baseline"
			var got []string
			for _, s := range Sequence(State{Files: tt.files}, tt.opt) {
				got = append(got, s.Command+":"+s.Filename)
				if s.Command == "ResetServer" && s.Name != "Reboot for fleetfw.ilo baseline" {
					t.Errorf("reset step named %q", s.Name)
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("steps %s, want %s", g, tt.want)
			}
		})
	}
	steps := Sequence(State{Files: []fwplan.File{long}}, Options{})
	if n := len([]rune(steps[0].Name)); n != 64 || steps[0].Filename != long.File {
		t.Errorf("a long file's step is named %d characters for %s, want 64 for the whole name", n, steps[0].Filename)
	}
}

// TestReport: each component's result and the host's status follow the
// phase, the checks and the options, as catalog_report.json.j2 and
// result.json.j2 decided them.
func TestReport(t *testing.T) {
	rom := fwplan.Step{ID: "2", Name: "System ROM", DeviceContext: "System Board", CurrentVersion: "A47 v2.58", TargetVersion: str("2.62"),
		File: str("rom.flash"), Action: fwplan.Upgrade, Install: true, RebootRequired: true, Order: 1}
	iloFW := fwplan.Step{ID: "1", Name: "iLO 5", CurrentVersion: "2.70", TargetVersion: str("3.05"), File: str("ilo5_305.bin"),
		Action: fwplan.Upgrade, Install: true, Order: 2}
	cpld := fwplan.Step{ID: "4", Name: "CPLD", CurrentVersion: "0x0F", TargetVersion: str("11"), Action: fwplan.Blocked}
	nic := fwplan.Step{ID: "9", Name: "NIC", CurrentVersion: "1.0", TargetVersion: str("1.0"), Action: fwplan.Current}
	plan := []fwplan.Step{iloFW, cpld, rom, nic}
	romDone := Checked{Key: "2", Name: "System ROM", Version: str("A47 v2.62"), Current: true}
	iloLeft := Checked{Key: "1", Name: "iLO 5", Version: str("2.70")}
	tests := []struct {
		name    string
		st      State
		opt     Options
		status  string
		results string // rom, iLO (install order)
	}{
		{"check mode", State{Phase: PhasePlanned, Finished: true}, Options{CheckMode: true}, StatusPending, "planned planned"},
		{"flashing", State{Phase: PhaseFlashing, Invoked: true}, Options{}, StatusPending, "queued queued"},
		{"done", State{Phase: PhaseDone, Finished: true, Invoked: true, Checked: []Checked{romDone, {Key: "1", Version: str("3.05"), Current: true}},
			CurrentAt: map[string]float64{"1": 130, "2": 160}, WaitStarted: 100}, Options{}, StatusDone, "updated updated"},
		{"pending reboot", State{Phase: PhasePendingReboot, Finished: true, Invoked: true, Checked: []Checked{{Key: "2"}, iloLeft}}, Options{}, StatusPending, "pending_reboot queued"},
		{"failed", State{Phase: PhaseFailed, Finished: true, Invoked: true, Reason: "x", Checked: []Checked{romDone, iloLeft}}, Options{}, StatusFailed, "updated failed"},
		{"scheduled", State{Phase: PhaseScheduled, Finished: true, Invoked: true}, Options{Window: Window{Name: "w"}}, StatusPending, "scheduled scheduled"},
		{"staged", State{Phase: PhaseStaged, Finished: true}, Options{}, StatusPending, "planned planned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Plan = plan
			r := Report("h", "https://h", tt.st, tt.opt)
			var got []string
			byName := map[string]Component{}
			for _, c := range r.Components {
				byName[c.Name] = c
				if c.Install {
					got = append(got, c.Result)
				}
			}
			if r.Status != tt.status || strings.Join(got, " ") != tt.results {
				t.Errorf("status %s results %v, want %s %s", r.Status, got, tt.status, tt.results)
			}
			if byName["CPLD"].Result != ResultSkipped || byName["NIC"].Result != ResultCurrent || r.Components[0].Name != "CPLD" {
				t.Errorf("components %+v", r.Components)
			}
			if tt.st.Phase == PhaseDone {
				c := byName["System ROM"]
				if r.Installed != 2 || *c.After != "A47 v2.62" || *c.Duration != 60 ||
					c.Line != "System ROM (System Board): A47 v2.58 -> A47 v2.62, updated in 60 s" {
					t.Errorf("done: installed %d, ROM %s %d %q", r.Installed, *c.After, *c.Duration, c.Line)
				}
			}
			if want := fmt.Sprintf("CPLD: 0x0F, skipped (%s)", fwplan.Blocked); byName["CPLD"].Line != want {
				t.Errorf("CPLD line %q, want %q", byName["CPLD"].Line, want)
			}
		})
	}
}
