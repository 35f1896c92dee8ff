//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestReportThroughRunner runs the collection's report playbook (fleetfw.ilo.firmware_report)
// as an AWX / Automation Platform job template would (runAWX: ansible-runner, a private data
// directory, extra vars, the credential injected as ILO_USERNAME and ILO_PASSWORD). The
// inventory's ilo_username and ilo_password are blanked in the extra vars, so the role must
// take the credential from the environment. The job must succeed, report every iLO and leave
// no session open.
func TestReportThroughRunner(t *testing.T) {
	sim := startSim(t, "ilo5", "ilo6", "ilo7")
	out := t.TempDir()
	report := filepath.Join(suite.installed, "playbooks", "report.yml")
	r := runAWX(t, sim, report, map[string]any{
		"ilo_username":             "",
		"ilo_password":             "",
		"firmware_report_dir":      out,
		"firmware_report_stamp":    "AWX job",
		"firmware_report_baseline": []map[string]string{{"name": "iLO 6", "version": "1.70"}, {"name": "iLO 7", "version": "1.20.00"}},
	}, map[string]string{
		"ILO_USERNAME": testUsername,
		"ILO_PASSWORD": testPassword,
	})
	r.RequireOK(t)

	b, err := os.ReadFile(filepath.Join(out, "firmware-report.json"))
	if err != nil {
		t.Fatalf("read the report the job wrote: %v", err)
	}
	var doc struct {
		Servers []struct {
			Host   string `json:"host"`
			Status string `json:"status"`
			Error  string `json:"error"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("decode the report: %v", err)
	}
	want := map[string]string{"ilo0": "compliant", "ilo1": "compliant", "ilo2": "outdated"}
	if len(doc.Servers) != len(want) {
		t.Errorf("report lists %d servers, want %d", len(doc.Servers), len(want))
	}
	for _, s := range doc.Servers {
		if want[s.Host] != s.Status {
			t.Errorf("%s: status %q (error %q), want %q", s.Host, s.Status, s.Error, want[s.Host])
		}
	}
	requireNoSessions(t, sim)
}
