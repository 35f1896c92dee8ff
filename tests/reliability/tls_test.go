//go:build integration

package reliability

import "testing"

func TestTLS(t *testing.T) {
	cases := []struct {
		name     string
		cfg      simConfig
		args     map[string]any
		wantFail bool
		want     []string // any of, in msg, when it fails
	}{
		{"self-signed refused by default, ca_path suggested", simConfig{}, map[string]any{"ca_path": nil}, true, []string{"ca_path"}},
		{"ca_path accepted", simConfig{}, nil, false, nil},
		{"hostname mismatch refused", simConfig{mismatchSAN: true}, nil, true, []string{"hostname", "ilo.invalid", "not valid for", "doesn't match", "does not match"}},
		{"hostname mismatch without ca_path refused", simConfig{mismatchSAN: true}, map[string]any{"ca_path": nil}, true, []string{"certificate", "ca_path"}},
		{"validate_certs false accepts a mismatch", simConfig{mismatchSAN: true}, map[string]any{"ca_path": nil, "validate_certs": false}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &caseResult{Section: "tls", Module: "update_info", Case: tc.name}
			suite.report.add(t, c)
			s := startSim(t, tc.cfg)
			r := run(t, "update_info", s.moduleArgs(merge(map[string]any{"gather_subset": []string{"service"}}, tc.args)))
			record(t, c, s, r)
			checkSane(t, r)
			if r.Failed != tc.wantFail {
				t.Fatalf("failed=%v, want %v (msg %q)", r.Failed, tc.wantFail, r.Msg)
			}
			if tc.wantFail && !mentions(r.Msg, tc.want...) {
				t.Errorf("msg does not name the problem (want any of %q): %q", tc.want, r.Msg)
			}
			if tc.wantFail && s.Counters(t).Logins != 0 {
				t.Errorf("logged in although TLS verification failed")
			}
		})
	}
}
