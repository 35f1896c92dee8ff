//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTargets runs every playbook targets/<dir>/*.yml against a fresh simulator and requires
// it to succeed with no session left open. Assertions live in the playbooks
// (ansible.builtin.assert); expected failures use ignore_errors or failed_when there.
//
// Comment lines at the top of a playbook select the simulators:
//
//	# profiles: ilo5,ilo6   run the playbook once per profile, one iLO each (default: ilo5)
//	# short: ilo6           with -short, only these of the profiles (default: the first)
//	# fleet: ilo5,ilo6,ilo7 run it once against one simulator with these iLOs (group "ilos")
//
// With -short (make integration, part of make test) a multi-profile playbook runs on its
// "short" profiles only; fleets run whole. The "short" lines are chosen so that every
// playbook still runs once and every profile's quirks (ilo5-legacy: no Tasks and no
// Capabilities; ilo6 and ilo7: no trailing slashes, newer registries) still meet each module.
// make integration-full runs every profile.
//
// A target named after a module that has no doc stub yet is skipped, saying so.
func TestTargets(t *testing.T) {
	requireSim(t)
	playbooks, err := filepath.Glob(filepath.Join("targets", "*", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(playbooks) == 0 {
		t.Skip("no playbooks in tests/integration/targets/*/ yet")
	}
	modules := actionGroup(t)
	// Other top-level tests that start simulators (TestFirmwareReport, ...) run alongside.
	t.Parallel()
	type playbookRun struct {
		pb, target, name string
		profiles         []string
	}
	var all []playbookRun
	for _, pb := range playbooks {
		target := filepath.Base(filepath.Dir(pb))
		name := target + "/" + strings.TrimSuffix(filepath.Base(pb), ".yml")
		runs, err := simRuns(pb, testing.Short())
		if err != nil {
			t.Fatalf("%s: %v", pb, err)
		}
		for _, profiles := range runs {
			all = append(all, playbookRun{pb, target, name, profiles})
		}
	}
	// Fleets first: they are the longest runs, and parallel subtests start in the order
	// they are declared, so the suite does not end waiting on one of them.
	slices.SortStableFunc(all, func(a, b playbookRun) int { return len(b.profiles) - len(a.profiles) })
	for _, run := range all {
		t.Run(run.name+"/"+strings.Join(run.profiles, "+"), func(t *testing.T) {
			if why := runElsewhere(run.name); testing.Short() && why != "" {
				t.Skip("-short: " + why)
			}
			if slices.Contains(modules, run.target) {
				if _, err := os.Stat(filepath.Join(suite.installed, "plugins", "modules", run.target+".py")); err != nil {
					t.Skipf("module %s is not in the collection yet", run.target)
				}
			}
			t.Parallel()
			sim := startSim(t, run.profiles...)
			r := runPlaybook(t, sim, run.pb, nil, nil)
			r.RequireOK(t)
			requireNoSessions(t, sim)
		})
	}
}

// runElsewhere says which other test runs the playbook name (target/playbook) whole, on the
// same simulators, requiring success and no session left, when that test can run here; with
// -short TestTargets leaves the playbook to it.
func runElsewhere(name string) string {
	if name == "roles_firmware_report/fleet" {
		if _, err := exec.LookPath("chromium"); err == nil {
			return "TestFirmwareReport runs this playbook and renders its report"
		}
	}
	return ""
}

// simRuns reads the "# profiles:", "# short:" and "# fleet:" header comments of a playbook
// and returns the simulator profiles of each run; short keeps only the "short" profiles (the
// first one when there is no "short" line).
func simRuns(playbook string, short bool) ([][]string, error) {
	f, err := os.Open(playbook)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var profiles, shortProfiles []string
	var fleets [][]string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "---" || line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		key, value, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
		if !ok {
			continue
		}
		list := strings.Split(strings.ReplaceAll(value, " ", ""), ",")
		switch strings.TrimSpace(key) {
		case "profiles":
			profiles = append(profiles, list...)
		case "short":
			shortProfiles = append(shortProfiles, list...)
		case "fleet":
			fleets = append(fleets, list)
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	for _, p := range shortProfiles {
		if !slices.Contains(profiles, p) {
			return nil, fmt.Errorf("header: short profile %q is not one of the profiles %v", p, profiles)
		}
	}
	if short && len(profiles) > 0 {
		if len(shortProfiles) == 0 {
			shortProfiles = profiles[:1]
		}
		profiles = shortProfiles
	}
	var runs [][]string
	for _, p := range profiles {
		runs = append(runs, []string{p})
	}
	runs = append(runs, fleets...)
	if len(runs) == 0 {
		runs = [][]string{{"ilo5"}}
	}
	return runs, nil
}

// TestShortMatrix checks the -short selection of TestTargets: every playbook still runs at
// least once, and every simulator profile of the full matrix still runs somewhere.
func TestShortMatrix(t *testing.T) {
	playbooks, err := filepath.Glob(filepath.Join("targets", "*", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	full, short := map[string]bool{}, map[string]bool{}
	for _, pb := range playbooks {
		all, err := simRuns(pb, false)
		if err != nil {
			t.Fatalf("%s: %v", pb, err)
		}
		some, err := simRuns(pb, true)
		if err != nil {
			t.Fatalf("%s: %v", pb, err)
		}
		if len(some) == 0 || len(some) > len(all) {
			t.Errorf("%s: %d runs with -short, %d without", pb, len(some), len(all))
		}
		for _, run := range all {
			for _, p := range run {
				full[p] = true
			}
		}
		for _, run := range some {
			for _, p := range run {
				short[p] = true
			}
		}
	}
	for p := range full {
		if !short[p] {
			t.Errorf("profile %s runs in the full matrix only; give a playbook a \"# short: %s\" line", p, p)
		}
	}
}

// TestSimRuns checks how the header comments select the simulators, with and without -short.
func TestSimRuns(t *testing.T) {
	tests := []struct {
		name, header string
		full, short  [][]string
		err          bool
	}{
		{"no header", "- hosts: localhost\n", [][]string{{"ilo5"}}, [][]string{{"ilo5"}}, false},
		{"profiles", "# profiles: ilo5, ilo6,ilo7\n", [][]string{{"ilo5"}, {"ilo6"}, {"ilo7"}}, [][]string{{"ilo5"}}, false},
		{"short", "---\n# profiles: ilo5,ilo6,ilo7\n# short: ilo7,ilo6\n", [][]string{{"ilo5"}, {"ilo6"}, {"ilo7"}}, [][]string{{"ilo7"}, {"ilo6"}}, false},
		{"fleet", "# fleet: ilo5,ilo6\n", [][]string{{"ilo5", "ilo6"}}, [][]string{{"ilo5", "ilo6"}}, false},
		{"short not a profile", "# profiles: ilo5,ilo6\n# short: ilo7\n", nil, nil, true},
		{"after the first line of YAML", "- hosts: localhost\n# profiles: ilo6\n", [][]string{{"ilo5"}}, [][]string{{"ilo5"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := filepath.Join(t.TempDir(), "pb.yml")
			if err := os.WriteFile(pb, []byte(tt.header), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, short := range []bool{false, true} {
				got, err := simRuns(pb, short)
				if (err != nil) != tt.err {
					t.Fatalf("simRuns(short=%v) error %v, want error: %v", short, err, tt.err)
				}
				want := tt.full
				if short {
					want = tt.short
				}
				if !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("simRuns(short=%v) = %v, want %v", short, got, want)
				}
			}
		})
	}
}
