//go:build integration

package reliability

import (
	"fmt"
	"testing"
)

// TestLimits fills the iLO's maintenance windows (8), install sets (8) and task queue (32)
// and checks that one more fails with a message saying so and leaves the iLO as it was.
func TestLimits(t *testing.T) {
	cases := []struct {
		module string
		limit  int
		coll   string
		args   func(n int) map[string]any
	}{
		{"maintenance_window", 8, "/redfish/v1/UpdateService/MaintenanceWindows", func(n int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("limit-%d", n), "start_after": "+1d", "expire": "+2d"}
		}},
		{"install_set", 8, "/redfish/v1/UpdateService/InstallSets", func(n int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("limit-%d", n),
				"sequence": []map[string]any{{"name": "pause", "command": "Wait", "wait_time_seconds": 5}}}
		}},
		{"update_task", 32, "/redfish/v1/UpdateService/UpdateTaskQueue", func(n int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("limit-%d", n), "command": "Wait", "wait_time_seconds": 10,
				"start_after": "+1d"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.module, func(t *testing.T) {
			t.Parallel()
			c := &caseResult{Section: "faults", Module: tc.module, Case: fmt.Sprintf("limit reached (%d)", tc.limit)}
			suite.report.add(t, c)
			s := startSim(t, simConfig{})
			for n := range tc.limit {
				if r := run(t, tc.module, s.moduleArgs(tc.args(n))); r.Failed {
					t.Fatalf("create %d of %d: %s", n+1, tc.limit, r.Msg)
				}
			}
			before := s.Counters(t)
			r := run(t, tc.module, s.moduleArgs(tc.args(tc.limit)))
			record(t, c, s, r)
			c.Writes -= before.Writes
			c.Posts -= before.Requests["POST"]
			checkSane(t, r)
			if !r.Failed {
				t.Fatalf("created item %d although the iLO holds at most %d", tc.limit+1, tc.limit)
			}
			if !mentions(r.Msg, "at most", "limit", "full") {
				t.Errorf("msg does not say the limit is reached: %q", r.Msg)
			}
			if n := len(s.Members(t, tc.coll)); n != tc.limit {
				t.Errorf("%s holds %d members, want %d", tc.coll, n, tc.limit)
			}
			finish(t, s, scenario{module: tc.module}, r)
		})
	}
}
