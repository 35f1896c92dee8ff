package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

func TestRunRefusesBadArguments(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown profile", []string{"-profile", "ilo4", "-dir", t.TempDir()}, `look up profile "ilo4"`},
		{"unknown flag", []string{"-bogus"}, "flag provided but not defined"},
		{"port in use", []string{"-count", "2", "-port", port, "-http", "-dir", t.TempDir()}, "listen for iLO 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestFlagsReachTheILOs: the reset, host-timing and TPM flags become iLO
// options that change what a client sees.
func TestFlagsReachTheILOs(t *testing.T) {
	s, err := parse([]string{"-ilo-reset-delay", "30s", "-ilo-reset=false", "-server-post", "20s",
		"-server-power-gap", "2s", "-tpm", "-recovery-set", "-staged-activation", "-speed", "0", "-profile", "ilo5-246"})
	if err != nil {
		t.Fatal(err)
	}
	if s.resetDelay != 30*time.Second || s.iloReset || s.post != 20*time.Second || !s.tpm || !s.recoverySet || !s.staged || s.profile != "ilo5-246" {
		t.Fatalf("parsed %+v", s)
	}
	d, err := parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.resetDelay != ilosim.DefaultILOResetDelay || !d.iloReset || d.post != ilosim.DefaultPOSTTime || d.tpm || d.recoverySet || d.staged {
		t.Errorf("defaults %+v", d)
	}
	i := ilosim.New(append(s.options(), ilosim.WithDir(t.TempDir()))...)
	defer i.Close()
	srv := httptest.NewServer(i)
	defer srv.Close()
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.SetBasicAuth(ilosim.DefaultUsername, ilosim.DefaultPassword)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return m
	}
	bios := call("GET", "/redfish/v1/systems/1/bios", "")
	if got := bios["Attributes"].(map[string]any)["TpmState"]; got != "PresentEnabled" {
		t.Errorf("-tpm: TpmState %v", got)
	}
	if sets := call("GET", "/redfish/v1/UpdateService/InstallSets", "")["Members"].([]any); len(sets) != 1 {
		t.Errorf("-recovery-set: %d install sets, want the System Recovery Set", len(sets))
	}
	call("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset", `{"ResetType":"ForceRestart"}`)
	i.Clock().Advance(2*time.Second + 19*time.Second)
	if got := i.State()["post_state"]; got != "InPost" {
		t.Errorf("19 s into a 20 s POST: %v", got)
	}
	i.Clock().Advance(2 * time.Second)
	if got := i.State()["post_state"]; got != "FinishedPost" {
		t.Errorf("after a 20 s POST: %v", got)
	}
}
