//go:build integration

package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badInput is one case of the bad-input matrix: the run must fail with a msg naming the
// problem (any of want), exit non-zero, print no Go panic text and write nothing.
type badInput struct {
	name   string
	module string
	args   map[string]any // laid over the connection arguments; nil values remove one
	want   []string
}

func badInputs(t *testing.T) []badInput {
	long := strings.Repeat("x", 65)
	dir := t.TempDir()
	window := func(extra map[string]any) map[string]any {
		return merge(map[string]any{"name": "rel-window", "start_after": "+1d", "expire": "+2d"}, extra)
	}
	task := func(extra map[string]any) map[string]any {
		return merge(map[string]any{"name": "rel-task", "command": "Wait", "wait_time_seconds": 10}, extra)
	}
	set := func(extra map[string]any) map[string]any {
		return merge(map[string]any{"name": "rel-set",
			"sequence": []map[string]any{{"name": "pause", "command": "Wait", "wait_time_seconds": 5}}}, extra)
	}
	return []badInput{
		// Connection options, through update_info.
		{"timeout not a number", "update_info", map[string]any{"timeout": "soon"}, []string{"timeout"}},
		{"timeout zero", "update_info", map[string]any{"timeout": 0}, []string{"timeout"}},
		{"timeout above 3600", "update_info", map[string]any{"timeout": 99999}, []string{"timeout"}},
		{"validate_certs not a bool", "update_info", map[string]any{"validate_certs": "maybe"}, []string{"validate_certs"}},
		{"unknown option", "update_info", map[string]any{"colour": "blue"}, []string{"colour"}},
		{"gather_subset unknown", "update_info", map[string]any{"gather_subset": []string{"everything"}}, []string{"gather_subset"}},
		{"gather_subset wrong type", "update_info", map[string]any{"gather_subset": map[string]any{"a": 1}}, []string{"gather_subset"}},
		{"baseuri ftp scheme", "update_info", map[string]any{"baseuri": "ftp://127.0.0.1:21"}, []string{"baseuri", "ftp", "scheme"}},
		{"baseuri malformed", "update_info", map[string]any{"baseuri": "https://[::1"}, []string{"baseuri"}},
		{"baseuri without host", "update_info", map[string]any{"baseuri": "https://"}, []string{"baseuri", "host"}},
		{"baseuri missing", "update_info", map[string]any{"baseuri": nil}, []string{"baseuri"}},
		{"wrong password", "update_info", map[string]any{"password": "not-the-password-1"}, []string{"401", "credential", "unauthorized", "login", "password"}},
		{"unknown user", "update_info", map[string]any{"username": "nobody-here"}, []string{"401", "credential", "unauthorized", "login"}},
		{"no credentials", "update_info", map[string]any{"username": nil, "password": nil}, []string{"username", "password", "auth_token", "credential"}},
		{"dead auth_token only", "update_info", map[string]any{"username": nil, "password": nil, "auth_token": "0123456789abcdef0123456789abcdef"}, []string{"401", "token", "unauthorized", "session"}},
		{"TLS self-signed without ca_path", "update_info", map[string]any{"ca_path": nil}, []string{"ca_path"}},
		{"ca_path missing file", "update_info", map[string]any{"ca_path": filepath.Join(dir, "nope.pem")}, []string{"ca_path", "nope.pem"}},
		{"ca_path a directory", "update_info", map[string]any{"ca_path": dir}, []string{"ca_path", "directory"}},
		{"ca_path not PEM", "update_info", map[string]any{"ca_path": writeFile(t, dir, "junk.pem", "not a certificate")}, []string{"ca_path", "certificate", "pem"}},
		// maintenance_window
		{"window name over 64", "maintenance_window", window(map[string]any{"name": long}), []string{"64", "name"}},
		{"window description over 64", "maintenance_window", window(map[string]any{"description": long}), []string{"64", "description"}},
		{"window start_after not a date", "maintenance_window", window(map[string]any{"start_after": "next tuesday"}), []string{"start_after"}},
		{"window expire impossible date", "maintenance_window", window(map[string]any{"expire": "2026-13-45T00:00:00Z"}), []string{"expire"}},
		{"window expire before start", "maintenance_window", window(map[string]any{"start_after": "+2d", "expire": "+1d"}), []string{"expire"}},
		{"window without name", "maintenance_window", window(map[string]any{"name": nil}), []string{"name"}},
		{"window state unknown", "maintenance_window", window(map[string]any{"state": "paused"}), []string{"state"}},
		{"window all with name", "maintenance_window", window(map[string]any{"state": "absent", "all": true, "start_after": nil, "expire": nil}), []string{"all", "name", "mutually"}},
		// update_task
		{"task unknown command", "update_task", task(map[string]any{"command": "Explode"}), []string{"command"}},
		{"task name over 64", "update_task", task(map[string]any{"name": long}), []string{"64", "name"}},
		{"task wait_time_seconds negative", "update_task", task(map[string]any{"wait_time_seconds": -5}), []string{"wait_time_seconds"}},
		{"task wait_time_seconds not a number", "update_task", task(map[string]any{"wait_time_seconds": "ten"}), []string{"wait_time_seconds"}},
		{"task updatable_by unknown", "update_task", task(map[string]any{"updatable_by": []string{"Toaster"}}), []string{"updatable_by"}},
		{"task without name", "update_task", task(map[string]any{"name": nil}), []string{"name"}},
		{"task clear unknown", "update_task", map[string]any{"state": "absent", "clear": "some"}, []string{"clear"}},
		{"task ApplyUpdate without filename", "update_task", task(map[string]any{"command": "ApplyUpdate", "wait_time_seconds": nil}), []string{"filename"}},
		{"task start_after not a date", "update_task", task(map[string]any{"start_after": "tomorrowish"}), []string{"start_after"}},
		{"task expire before start", "update_task", task(map[string]any{"start_after": "+2d", "expire": "+1d"}), []string{"expire"}},
		// install_set
		{"set empty sequence", "install_set", set(map[string]any{"sequence": []any{}}), []string{"sequence"}},
		{"set sequence not a list", "install_set", set(map[string]any{"sequence": "reboot please"}), []string{"sequence"}},
		{"set step without name", "install_set", set(map[string]any{"sequence": []map[string]any{{"command": "Wait"}}}), []string{"name"}},
		{"set step unknown command", "install_set", set(map[string]any{"sequence": []map[string]any{{"name": "a", "command": "Dance"}}}), []string{"command"}},
		{"set without name", "install_set", set(map[string]any{"name": nil}), []string{"name"}},
		{"set name over 64", "install_set", set(map[string]any{"name": long}), []string{"64", "name"}},
		{"set invoke expire before start", "install_set", set(map[string]any{"state": "invoked", "start_after": "+2d", "expire": "+1d"}), []string{"expire"}},
		// component
		{"component missing file", "component", map[string]any{"path": filepath.Join(dir, "cp000001.exe")}, []string{"cp000001.exe", "no such file"}},
		{"component path a directory", "component", map[string]any{"path": dir}, []string{"directory", "not a regular file"}},
		{"component image_uri ftp", "component", map[string]any{"image_uri": []string{"ftp://127.0.0.1/cp045678.exe"}}, []string{"image_uri", "ftp", "http"}},
		{"component path and image_uri", "component", map[string]any{"path": image("cp045678.exe"), "image_uri": []string{"https://127.0.0.1/cp045678.exe"}}, []string{"path", "image_uri", "mutually"}},
		{"component absent without filename", "component", map[string]any{"state": "absent"}, []string{"filename", "id"}},
		{"component bad bool", "component", map[string]any{"path": image("cp045678.exe"), "force": "perhaps"}, []string{"force"}},
		// firmware_update
		{"firmware missing file", "firmware_update", map[string]any{"path": filepath.Join(dir, "ilo5_999.bin")}, []string{"ilo5_999.bin", "no such file"}},
		{"firmware path a directory", "firmware_update", map[string]any{"path": dir}, []string{"directory", "not a regular file"}},
		{"firmware image_uri file scheme", "firmware_update", map[string]any{"image_uri": "file:///etc/passwd"}, []string{"image_uri", "file", "http"}},
		{"firmware method unknown", "firmware_update", map[string]any{"path": image("ilo5_305.bin"), "method": "teleport"}, []string{"method"}},
		{"firmware transfer_protocol FTP", "firmware_update", map[string]any{"image_uri": "https://127.0.0.1/ilo5_305.bin", "transfer_protocol": "FTP"}, []string{"transfer_protocol"}},
		{"firmware neither path nor image_uri", "firmware_update", map[string]any{}, []string{"path", "image_uri"}},
		{"firmware wait_timeout zero", "firmware_update", map[string]any{"path": image("ilo5_305.bin"), "wait_timeout": 0}, []string{"wait_timeout"}},
		// session
		{"session state unknown", "session", map[string]any{"state": "maybe"}, []string{"state"}},
		{"session absent without session", "session", map[string]any{"state": "absent", "username": nil, "password": nil}, []string{"session_uri", "auth_token"}},
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	cases := badInputs(t)
	if len(cases) < 40 {
		t.Fatalf("%d bad-input cases, issue 8 asks for at least 40", len(cases))
	}
	for _, bc := range cases {
		t.Run(bc.module+"/"+bc.name, func(t *testing.T) {
			t.Parallel()
			c := &caseResult{Section: "bad_input", Module: bc.module, Case: bc.name}
			suite.report.add(t, c)
			s := startSim(t, simConfig{})
			r := run(t, bc.module, s.moduleArgs(bc.args))
			record(t, c, s, r)
			checkSane(t, r)
			if !r.Failed || r.Code == 0 {
				t.Fatalf("did not fail (exit %d, outcome %s, msg %q)", r.Code, r.outcome(), r.Msg)
			}
			if !mentions(r.Msg, bc.want...) {
				t.Errorf("msg does not name the problem (want any of %q): %q", bc.want, r.Msg)
			}
			if w := s.Counters(t).Writes; w != 0 {
				t.Errorf("%d writes on the simulator", w)
			}
			finish(t, s, scenario{module: bc.module}, r)
		})
	}
}
