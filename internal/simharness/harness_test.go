package simharness

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	testUser = "harness-user"
	testPass = "Harness-pw-9b2e41"
)

func boolp(b bool) *bool                 { return &b }
func floatp(f float64) *float64          { return &f }
func flashErr(s string) *FlashErrorFault { f := FlashErrorFault(s); return &f }

// get sends an authenticated GET to the iLO and returns its status.
func get(t *testing.T, i *ILO, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, i.BaseURI+path, nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := i.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// login opens a session and returns the status.
func login(t *testing.T, i *ILO) int {
	t.Helper()
	body := strings.NewReader(`{"UserName":"` + testUser + `","Password":"` + testPass + `"}`)
	resp, err := i.Client().Post(i.BaseURI+"/redfish/v1/SessionService/Sessions/", "application/json", body)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// viaHTTP is i with its control methods sent to /_sim even in-process.
func viaHTTP(i *ILO) *ILO { c := *i; c.Sim = nil; return &c }

// exercise runs the same control sequence on an iLO and returns what it saw.
func exercise(t *testing.T, i *ILO) map[string]any {
	t.Helper()
	i.ResetCounters(t)
	i.SetFaults(t, Faults{Status503: 1})
	first, second := get(t, i, "/redfish/v1/UpdateService/"), get(t, i, "/redfish/v1/UpdateService/")
	c := i.Counters(t)
	i.SetFaults(t, Faults{ILOReset: boolp(false), ILOResetDelaySeconds: floatp(3), ILOResetDarkSeconds: floatp(7),
		FlashError: flashErr("cp045678.exe"), ServerResetIgnored: boolp(true), StagedActivation: boolp(true), RepositoryFull: boolp(true)})
	var clock struct {
		Now   time.Time `json:"now"`
		Speed float64   `json:"speed"`
	}
	if err := json.Unmarshal(i.Clock(t), &clock); err != nil {
		t.Fatalf("clock: %v", err)
	}
	i.AdvanceClock(t, 26*time.Hour)
	var later struct {
		Now time.Time `json:"now"`
	}
	_ = json.Unmarshal(i.Clock(t), &later)
	st := i.StateMap(t)
	return map[string]any{"statuses": []int{first, second}, "gets": c.Requests["GET"], "writes": c.Writes,
		"speed": clock.Speed, "advanced": later.Now.Sub(clock.Now) >= 26*time.Hour,
		"faults": st["faults"], "profile": st["profile"], "firmware": st["firmware_version"]}
}

func TestInProcess(t *testing.T) {
	f := Start(t, Config{Profiles: []string{"ilo5", "ilo6"}, Username: testUser, Password: testPass, Speed: 0})
	if len(f.ILOs) != 2 || f.ILO != f.ILOs[0] || f.CAPath == "" {
		t.Fatalf("fleet = %d iLOs, first embedded %v, ca_path %q", len(f.ILOs), f.ILO == f.ILOs[0], f.CAPath)
	}
	if f.ILOs[1].Profile != "ilo6" || !strings.HasPrefix(f.ILOs[1].BaseURI, "https://127.0.0.1:") {
		t.Errorf("second iLO = %+v", f.ILOs[1])
	}
	got := exercise(t, f.ILOs[0])
	if s := got["statuses"].([]int); s[0] != http.StatusServiceUnavailable || s[1] != http.StatusOK {
		t.Errorf("status_503 fault: GETs answered %v, want [503 200]", s)
	}
	faults, _ := got["faults"].(map[string]any)
	for k, want := range map[string]any{"ilo_reset": false, "ilo_reset_delay_seconds": 3.0, "ilo_reset_dark_seconds": 7.0,
		"flash_error": "cp045678.exe", "server_reset_ignored": true, "staged_activation": true, "repository_full": true} {
		if faults[k] != want {
			t.Errorf("state faults[%q] = %v, want %v (faults %v)", k, faults[k], want, faults)
		}
	}
	if got["advanced"] != true {
		t.Errorf("AdvanceClock(26h) did not move the clock")
	}
	f.RequireNoSessions(t)
	if login(t, f.ILOs[1]) != http.StatusCreated {
		t.Fatal("login refused")
	}
	if c := f.ILOs[1].Counters(t); c.OpenSessions != 1 {
		t.Errorf("open sessions = %d, want 1", c.OpenSessions)
	}
	log := NewSecretLog()
	f.LearnTokens(log)
	if st, _ := log.Scan(); st.Secrets != 1 {
		t.Errorf("LearnTokens registered %d secrets, want the one session token", st.Secrets)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := f.ILOs[0].do(http.MethodGet, "/_sim/counters", nil); err == nil {
		t.Errorf("the iLO still answers after Stop")
	}
}

// TestControlPathsAgree: an in-process iLO's direct calls and its /_sim
// endpoint give the same answers, so a test reads the same either way.
func TestControlPathsAgree(t *testing.T) {
	a := Start(t, Config{Username: testUser, Password: testPass, Speed: 5})
	b := Start(t, Config{Username: testUser, Password: testPass, Speed: 5})
	direct, remote := exercise(t, a.ILO), exercise(t, viaHTTP(b.ILO))
	if d, r := mustJSON(t, direct), mustJSON(t, remote); d != r {
		t.Errorf("direct calls and /_sim disagree:\ndirect %s\n/_sim  %s", d, r)
	}
	if direct["speed"] != 5.0 {
		t.Errorf("clock speed %v, want 5", direct["speed"])
	}
}

// TestModesAgree: the same Config gives the same iLO as a cmd/ilosim
// process and in-process (flags and options map alike).
func TestModesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds cmd/ilosim")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := Build(ctx, filepath.Join("..", ".."), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Profiles: []string{"ilo6"}, Username: testUser, Password: testPass, Speed: 7, SessionCap: 2,
		NoILOReset: true, StagedActivation: true, TPM: true, ILOResetDelay: 4 * time.Second, Dark: 20 * time.Second, Idle: time.Hour}
	inProc := Start(t, cfg)
	cfg.Binary = bin
	proc := Start(t, cfg)
	if proc.Sim != nil || inProc.Sim == nil {
		t.Fatalf("Sim: process %v, in-process %v", proc.Sim, inProc.Sim)
	}
	seen := map[string]string{}
	for name, f := range map[string]*Fleet{"in-process": inProc, "process": proc} {
		var logins []int
		for range 3 {
			logins = append(logins, login(t, f.ILO))
		}
		got := exercise(t, f.ILO)
		got["logins"] = logins
		got["open"] = f.Counters(t).OpenSessions
		seen[name] = mustJSON(t, got)
	}
	if seen["in-process"] != seen["process"] {
		t.Errorf("modes disagree:\nin-process %s\nprocess    %s", seen["in-process"], seen["process"])
	}
	if !strings.Contains(seen["process"], `"logins":[201,201,503]`) || !strings.Contains(seen["process"], `"speed":7`) {
		t.Errorf("session cap 2 and speed 7 not applied: %s", seen["process"])
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSecretLogScan(t *testing.T) {
	const odd = `pw"<x>/y z&é`
	tests := []struct {
		name    string
		secrets []string
		text    string
		allow   []string
		hits    int
		allowed int
		say     string
	}{
		{name: "clean", secrets: []string{testPass}, text: "nothing here"},
		{name: "plain", secrets: []string{testPass}, text: "msg: " + testPass, hits: 1, say: "appears 1 times"},
		{name: "twice, one hit", secrets: []string{testPass}, text: testPass + testPass, hits: 1, say: "appears 2 times"},
		{name: "JSON-escaped by Go", secrets: []string{odd}, text: `{"msg":"pw\"\u003cx\u003e/y z\u0026é"}`, hits: 1, say: "JSON-escaped"},
		{name: "JSON-escaped by Python", secrets: []string{odd}, text: `{"msg": "pw\"<x>/y z&\u00e9"}`, hits: 1, say: "JSON-escaped"},
		{name: "URL query", secrets: []string{odd}, text: "GET /x?p=" + "pw%22%3Cx%3E%2Fy+z%26%C3%A9", hits: 1, say: "URL-encoded"},
		{name: "URL path", secrets: []string{odd}, text: "GET /" + "pw%22%3Cx%3E%2Fy%20z&%C3%A9", hits: 1, say: "URL-encoded"},
		{name: "allowed in this output", secrets: []string{testPass}, text: testPass, allow: []string{testPass}, allowed: 1},
		{name: "short values ignored", secrets: []string{"abc"}, text: "abc abc"},
		{name: "two secrets", secrets: []string{testPass, "token-0123456789"}, text: testPass + " token-0123456789", hits: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewSecretLog(tt.secrets...)
			l.Record("run stdout", tt.text, tt.allow...)
			l.Record("empty", "")
			st, err := l.Scan()
			if st.Hits != tt.hits || st.Allowed != tt.allowed || st.Outputs != 1 || st.Bytes != len(tt.text) {
				t.Errorf("stats %+v, want %d hits, %d allowed, 1 output, %d bytes", st, tt.hits, tt.allowed, len(tt.text))
			}
			if (err != nil) != (tt.hits > 0) {
				t.Fatalf("err = %v, want one: %v", err, tt.hits > 0)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "run stdout") || !strings.Contains(err.Error(), tt.say) {
					t.Errorf("error %q does not name the output and %q", err, tt.say)
				}
				for _, s := range tt.secrets {
					if strings.Contains(err.Error(), s) {
						t.Errorf("the error prints the secret: %v", err)
					}
				}
			}
		})
	}
}

func TestTokens(t *testing.T) {
	var v any
	_ = json.Unmarshal([]byte(`{"sessions":[{"id":"1","token":"tok-aaaaaaaa"}],"queue":{"X-Auth-Token":"tok-bbbbbbbb",
		"items":[{"sessionKey":"tok-cccccccc","name":"not a secret"}]},"user":"admin"}`), &v)
	got := Tokens(v)
	slices.Sort(got)
	if want := []string{"tok-aaaaaaaa", "tok-bbbbbbbb", "tok-cccccccc"}; !slices.Equal(got, want) {
		t.Errorf("Tokens = %v, want %v", got, want)
	}
	direct := Tokens(map[string]any{"sessions": []map[string]any{{"token": "tok-dddddddd"}}})
	if !slices.Equal(direct, []string{"tok-dddddddd"}) {
		t.Errorf("Tokens of an in-process dump = %v", direct)
	}
}

// TestNotLinkedByTheBinary: the shipped module binary does not link the
// harness (it is for _test.go files only).
func TestNotLinkedByTheBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-deps", "../../cmd/fleetfw-ilo").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	if strings.Contains(string(out), "internal/simharness") {
		t.Errorf("cmd/fleetfw-ilo depends on internal/simharness")
	}
	if !strings.Contains(string(out), "internal/ansible") {
		t.Errorf("go list -deps looks wrong (no internal/ansible):\n%s", out)
	}
}
