//go:build integration

package integration

import (
	"bufio"
	"os"
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
//	# fleet: ilo5,ilo6,ilo7 run it once against one simulator with these iLOs (group "ilos")
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
	for _, pb := range playbooks {
		target := filepath.Base(filepath.Dir(pb))
		name := target + "/" + strings.TrimSuffix(filepath.Base(pb), ".yml")
		runs, err := simRuns(pb)
		if err != nil {
			t.Fatalf("%s: %v", pb, err)
		}
		for _, profiles := range runs {
			t.Run(name+"/"+strings.Join(profiles, "+"), func(t *testing.T) {
				if slices.Contains(modules, target) {
					if _, err := os.Stat(filepath.Join(suite.installed, "plugins", "modules", target+".py")); err != nil {
						t.Skipf("module %s is not in the collection yet", target)
					}
				}
				t.Parallel()
				sim := startSim(t, profiles...)
				r := runPlaybook(t, sim, pb, nil, nil)
				r.RequireOK(t)
				requireNoSessions(t, sim)
			})
		}
	}
}

// simRuns reads the "# profiles:" and "# fleet:" header comments of a playbook and returns
// the simulator profiles of each run.
func simRuns(playbook string) ([][]string, error) {
	f, err := os.Open(playbook)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs [][]string
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
			for _, p := range list {
				runs = append(runs, []string{p})
			}
		case "fleet":
			runs = append(runs, list)
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		runs = [][]string{{"ilo5"}}
	}
	return runs, nil
}
