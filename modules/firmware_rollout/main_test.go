package firmwarerollout

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
)

// speed is the simulators' clock: a 90 s iLO reset or server POST takes
// under a second.
const speed = 150

var spp struct {
	once sync.Once
	dir  string
	err  error
}

// sppDir writes mkimage's SPP-like folder once for the test binary (as
// tests/integration does: go run ./cmd/mkimage -spp).
func sppDir(t testing.TB) string {
	t.Helper()
	spp.once.Do(func() {
		spp.dir, spp.err = os.MkdirTemp("", "rollout-spp-")
		if spp.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "run", "./cmd/mkimage", "-spp", "-o", spp.dir, "-size", "4KiB")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			spp.err = fmt.Errorf("mkimage -spp: %v\n%s", err, out)
		}
	})
	if spp.err != nil {
		t.Fatal(spp.err)
	}
	return spp.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if spp.dir != "" {
		_ = os.RemoveAll(spp.dir)
	}
	os.Exit(code)
}

// startFleet starts one simulated iLO per profile on a fast clock, whose
// flashed System ROM waits for a reboot (staged activation, as the demo).
func startFleet(t *testing.T, profiles ...string) []*modtest.ILO {
	t.Helper()
	var out []*modtest.ILO
	for _, p := range profiles {
		out = append(out, modtest.StartILO(t, ilosim.WithProfileName(p), ilosim.WithSpeed(speed), ilosim.WithStagedActivation()))
	}
	return out
}

// host is the inventory name of fleet member k.
func host(k int) string { return fmt.Sprintf("ilo%d", k) }

// fleetArgs are the module's options for the fleet, merged with extra.
func fleetArgs(t testing.TB, fleet []*modtest.ILO, extra map[string]any) map[string]any {
	var ilos []any
	for k, x := range fleet {
		ilos = append(ilos, map[string]any{"host": host(k), "baseuri": x.Srv.URL, "ca_path": x.CAPath,
			"username": modtest.User, "password": modtest.Password})
	}
	a := map[string]any{"ilos": ilos, "catalog": sppDir(t), "poll_interval": 1, "round_seconds": 3}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// rollout is the calls of one rollout, passing the state back until done.
type rolled struct {
	calls    []modtest.Execution
	changed  bool
	writes   int
	warnings []any // every call's
}

// last is the last call's output.
func (r rolled) last() map[string]any { return r.calls[len(r.calls)-1].Out }

// result is host's result in the last call.
func (r rolled) result(h string) map[string]any {
	return r.last()["host_results"].(map[string]any)[h].(map[string]any)
}

// rollOut calls the module until it says done (at most calls times),
// checking after every call that no session is left open on any iLO and
// that every call reports every host and a line per unfinished host.
func rollOut(t *testing.T, fleet []*modtest.ILO, args, meta map[string]any, calls int) rolled {
	t.Helper()
	return rollOutWith(t, fleet, args, meta, calls, nil)
}

// rollOutWith is rollOut with between called with each call's output
// before the next call.
func rollOutWith(t *testing.T, fleet []*modtest.ILO, args, meta map[string]any, calls int, between func(out map[string]any)) rolled {
	t.Helper()
	var r rolled
	for _, x := range fleet {
		x.Sim.ResetCounters()
	}
	state := map[string]any{}
	if s, ok := args["state"].(map[string]any); ok {
		state = s // the state a test starts from
	}
	for n := 1; n <= calls; n++ {
		a := map[string]any{}
		for k, v := range args {
			a[k] = v
		}
		a["state"] = state
		before := map[int]int{} // requests so far to iLOs already finished
		for k, x := range fleet {
			if st, _ := state[host(k)].(map[string]any); st["finished"] == true && st["phase"] != "planned" && meta["check_mode"] != true {
				before[k] = requests(x)
			}
		}
		e := modtest.Execute(t, Module, a, meta)
		for k, n := range before {
			if got := requests(fleet[k]); got != n {
				t.Errorf("call %d: %s was finished, yet got %d requests", len(r.calls)+1, host(k), got-n)
			}
		}
		if e.Code != 0 {
			t.Fatalf("call %d: exit %d: %s", n, e.Code, e.Raw)
		}
		r.calls = append(r.calls, e)
		if w, ok := e.Out["warnings"].([]any); ok {
			r.warnings = append(r.warnings, w...)
		}
		t.Logf("call %d: %v", n, e.Out["lines"])
		r.changed = r.changed || e.Changed()
		for k, x := range fleet {
			if open := x.Sim.Counters().OpenSessions; open != 0 {
				t.Errorf("call %d: %s has %d sessions open after the call", n, host(k), open)
			}
			if _, ok := e.Out["host_results"].(map[string]any)[host(k)]; !ok {
				t.Fatalf("call %d: no result for %s: %s", n, host(k), e.Raw)
			}
		}
		if e.Out["done"] == true {
			for _, x := range fleet {
				r.writes += x.Sim.Counters().Writes
			}
			return r
		}
		if len(e.Out["lines"].([]any)) == 0 {
			t.Errorf("call %d: not done and no progress line", n)
		}
		state = e.Out["state"].(map[string]any)
		if between != nil {
			between(e.Out)
		}
	}
	t.Fatalf("not done after %d calls; last: %s", calls, r.calls[len(r.calls)-1].Raw)
	return r
}

// components returns host's components by name|device_context.
func components(t *testing.T, res map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, c := range res["components"].([]any) {
		m := c.(map[string]any)
		out[fmt.Sprint(m["name"], "|", m["device_context"])] = m
	}
	return out
}

// requireInstalled checks that host's planned items are all verified:
// every component that installs is updated, after == target.
func requireInstalled(t *testing.T, h string, res map[string]any, want int) {
	t.Helper()
	if res["status"] != "done" || res["phase"] != "done" {
		t.Errorf("%s: status %v phase %v reason %v, want done", h, res["status"], res["phase"], res["reason"])
	}
	n := 0
	for k, c := range components(t, res) {
		if c["install"] != true {
			if c["result"] != "current" && c["result"] != "skipped" {
				t.Errorf("%s: %s not installed but %v", h, k, c["result"])
			}
			continue
		}
		n++
		if c["result"] != "updated" || c["duration"] == nil {
			t.Errorf("%s: %s: result %v duration %v, want updated with a duration (%v)", h, k, c["result"], c["duration"], c["line"])
		}
	}
	if n != want || res["installed"] != float64(want) {
		t.Errorf("%s: %d items installed (installed %v), want %d", h, n, res["installed"], want)
	}
}

// TestRolloutFleet: three iLO generations brought to the SPP-like catalog
// with graceful reboots, in rounds: the System ROM stepping stone (which
// activates at the reboot the module sends) and the iLO firmware (flashed
// last, through the iLO's own reset) verified on each; then the next
// rollout (the ROM after its stepping stone), and a rerun that writes
// nothing. Check mode before writes nothing, plans and says it would change.
func TestRolloutFleet(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5", "ilo6", "ilo7")
	args := fleetArgs(t, fleet, map[string]any{"reboot": "graceful"})

	check := rollOut(t, fleet, args, map[string]any{"check_mode": true}, 1)
	// Check mode reports the change a real run would make, and writes nothing.
	if !check.changed || check.writes != 0 {
		t.Errorf("check mode: changed %v writes %d, want true 0", check.changed, check.writes)
	}
	for k := range fleet {
		res := check.result(host(k))
		if res["status"] != "pending" || res["phase"] != "planned" {
			t.Errorf("check mode %s: status %v phase %v", host(k), res["status"], res["phase"])
		}
		for name, c := range components(t, res) {
			if c["install"] == true && c["result"] != "planned" {
				t.Errorf("check mode %s: %s %v, want planned", host(k), name, c["result"])
			}
		}
		plan := check.last()["plans"].(map[string]any)[host(k)].([]any)
		if len(plan) < 3 || !strings.Contains(plan[0].(string), "2 file(s) to install") || !strings.HasPrefix(plan[1].(string), "1. System ROM") {
			t.Errorf("check mode %s: plan %v", host(k), plan)
		}
	}
	if lines := fmt.Sprint(check.last()["lines"]); !strings.Contains(lines, "would upload") {
		t.Errorf("check mode lines %s do not say what would be uploaded", lines)
	}

	first := rollOut(t, fleet, args, nil, 40)
	if !first.changed || first.writes == 0 {
		t.Errorf("rollout: changed %v writes %d", first.changed, first.writes)
	}
	// Every iLO resets after its own flash: the session that ends with the
	// reset is no failed logout to warn about.
	if len(first.warnings) != 0 {
		t.Errorf("rollout through the iLOs' resets warns %v, want no warning", first.warnings)
	}
	iloFiles := []string{"ilo5_305.bin", "ilo6_171.bin", "ilo7_1.16.00.bin"}
	iloVersions := []string{"3.05", "1.71", "1.16.00"}
	for k, x := range fleet {
		res := first.result(host(k))
		requireInstalled(t, host(k), res, 2)
		comps := components(t, res)
		rom := comps["System ROM|System Board"]
		if rom["before"] != "A47 v2.58 (05/19/2022)" || !strings.Contains(fmt.Sprint(rom["after"]), "2.62") {
			t.Errorf("%s: System ROM %v -> %v, want 2.58 -> 2.62", host(k), rom["before"], rom["after"])
		}
		// iLO firmware last in the set, and the iLO reset for it.
		if steps := setSteps(t, x); len(steps) != 2 || steps[1] != "ApplyUpdate "+iloFiles[k] {
			t.Errorf("%s: install set steps %v, want the System ROM then %s", host(k), steps, iloFiles[k])
		}
		st := x.Sim.State()
		if st["ilo_resets"] == float64(0) || st["ilo_resets"] == 0 {
			t.Errorf("%s: the iLO did not reset for its flash: %v", host(k), st["ilo_resets"])
		}
		if boots := fmt.Sprint(st["server_boots"]); boots == "0" {
			t.Errorf("%s: the server did not reboot", host(k))
		}
		if !strings.Contains(x.Sim.FirmwareVersion(), iloVersions[k]) {
			t.Errorf("%s: iLO runs %s after the rollout, want %s", host(k), x.Sim.FirmwareVersion(), iloVersions[k])
		}
	}

	// The stepping stone done, the next rollout installs the ROM's 2.72.
	second := rollOut(t, fleet, args, nil, 40)
	for k := range fleet {
		requireInstalled(t, host(k), second.result(host(k)), 1)
	}
	rerun := rollOut(t, fleet, args, nil, 1)
	if rerun.changed || rerun.writes != 0 {
		t.Errorf("rerun: changed %v writes %d, want false 0", rerun.changed, rerun.writes)
	}
	for k := range fleet {
		if res := rerun.result(host(k)); res["status"] != "done" || res["installed"] != float64(0) {
			t.Errorf("rerun %s: %v", host(k), res)
		}
	}
}

// TestRolloutOutcomes: each reboot policy and each fault ends its host as
// it should, while the other iLO of the batch is done: reboot none leaves
// the System ROM pending a reboot; wait_external waits for a reboot someone
// else makes; an iLO dark beyond ilo_reset_timeout, a flash that ends in
// Exception, a server that ignores the restart and an unreachable iLO fail
// that host only, with the reason (and the iLO's MessageId).
func TestRolloutOutcomes(t *testing.T) {
	t.Parallel()
	yes := true
	huge := 1e6
	tests := []struct {
		name   string
		args   map[string]any
		fault  *ilosim.Faults // on the second iLO
		closed bool           // the second iLO's address answers nothing
		// password replaces the second iLO's password
		password string
		between  func(t *testing.T, fleet []*modtest.ILO, out map[string]any)
		// what the second iLO ends with; the first ends done unless
		// firstPending
		status, phase, reason string
		firstPending          bool
		// warn is in the one warning the rollout gives ("": none)
		warn string
	}{
		{name: "reboot none", args: map[string]any{"reboot": "none"}, status: "pending", phase: "pending_reboot", firstPending: true},
		{name: "wait_external", args: map[string]any{"reboot": "wait_external"}, status: "done", phase: "done",
			between: func(t *testing.T, fleet []*modtest.ILO, out map[string]any) {
				for k, x := range fleet {
					st := out["state"].(map[string]any)[host(k)].(map[string]any)
					if st["phase"] == "rebooting" && st["reset_sent"] != true {
						x.Sim.ResetServer() // someone else reboots
					}
				}
			}},
		// One round (round_seconds) from the flash to the failure: the
		// module holds the session it had when the iLO went dark, cannot log
		// it out at the end, and says so.
		{name: "dark beyond ilo_reset_timeout", args: map[string]any{"reboot": "graceful", "ilo_reset_timeout": 2, "round_seconds": 60},
			fault: &ilosim.Faults{ILOResetDarkSeconds: &huge}, status: "failed", phase: "failed", reason: "has not answered for",
			warn: "ilo1: could not log out (DELETE /redfish/v1/SessionService/Sessions/"},
		{name: "flash ends in Exception", args: map[string]any{"reboot": "graceful"},
			fault: &ilosim.Faults{FlashError: ptr(ilosim.FlashErrorFault("*"))}, status: "failed", phase: "failed", reason: "UpdateFailed"},
		{name: "server ignores the restart", args: map[string]any{"reboot": "graceful", "reboot_timeout": 1},
			fault: &ilosim.Faults{ServerResetIgnored: &yes}, status: "failed", phase: "failed", reason: "did not reboot"},
		{name: "unreachable", args: map[string]any{"reboot": "graceful"}, closed: true, status: "failed", phase: "failed", reason: "connect to"},
		{name: "one iLO at a time", args: map[string]any{"reboot": "graceful", "parallel": 1}, status: "done", phase: "done"},
		{name: "bad credentials", args: map[string]any{"reboot": "graceful"}, password: "Not-the-pw-7", status: "failed", phase: "failed", reason: "UnauthorizedLoginAttempt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fleet := startFleet(t, "ilo5", "ilo6")
			if tt.fault != nil {
				fleet[1].Sim.SetFaults(*tt.fault)
			}
			args := fleetArgs(t, fleet, tt.args)
			if tt.closed {
				args["ilos"].([]any)[1].(map[string]any)["baseuri"] = "https://" + modtest.ClosedPort(t)
			}
			if tt.password != "" {
				args["ilos"].([]any)[1].(map[string]any)["password"] = tt.password
			}
			var between func(map[string]any)
			if tt.between != nil {
				between = func(out map[string]any) { tt.between(t, fleet, out) }
			}
			r := rollOutWith(t, fleet, args, nil, 40, between)
			first, second := r.result(host(0)), r.result(host(1))
			if tt.firstPending {
				if first["status"] != tt.status || first["phase"] != tt.phase {
					t.Errorf("%s: status %v phase %v, want %s %s", host(0), first["status"], first["phase"], tt.status, tt.phase)
				}
			} else {
				requireInstalled(t, host(0), first, 2)
			}
			if second["status"] != tt.status || second["phase"] != tt.phase || !strings.Contains(fmt.Sprint(second["reason"]), tt.reason) {
				t.Errorf("%s: status %v phase %v reason %q, want %s %s %q", host(1), second["status"], second["phase"], second["reason"], tt.status, tt.phase, tt.reason)
			}
			if tt.status == "failed" && !tt.closed && tt.password == "" {
				for name, c := range components(t, second) {
					if c["install"] == true && c["result"] != "failed" && c["result"] != "updated" {
						t.Errorf("%s: %s result %v, want failed (or updated before the failure)", host(1), name, c["result"])
					}
				}
			}
			// A logout that failed is reported, once; nothing else warns.
			switch {
			case tt.warn == "" && len(r.warnings) != 0:
				t.Errorf("warnings %v, want none", r.warnings)
			case tt.warn != "" && (len(r.warnings) != 1 || !strings.Contains(fmt.Sprint(r.warnings[0]), tt.warn)):
				t.Errorf("warnings %v, want one with %q", r.warnings, tt.warn)
			}
			if tt.phase == "pending_reboot" {
				rom := components(t, second)["System ROM|System Board"]
				if rom["result"] != "pending_reboot" {
					t.Errorf("%s: System ROM %v, want pending_reboot (%v)", host(1), rom["result"], rom["line"])
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRolloutStaging: the iLO downloads the files from catalog_url
// (AddFromUri from an HTTP file server: no image byte from the module), or
// the module uploads them; either way the rollout ends done.
func TestRolloutStaging(t *testing.T) {
	t.Parallel()
	for _, pull := range []bool{true, false} {
		t.Run(fmt.Sprintf("pull=%v", pull), func(t *testing.T) {
			t.Parallel()
			dir := sppDir(t)
			var served sync.Map
			files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				served.Store(r.URL.Path, true)
				http.FileServer(http.Dir(dir)).ServeHTTP(w, r)
			}))
			t.Cleanup(files.Close)
			fleet := startFleet(t, "ilo6")
			extra := map[string]any{"reboot": "graceful"}
			if pull {
				extra["catalog_url"] = files.URL + "/"
			}
			args := fleetArgs(t, fleet, extra)
			var received int64
			r := rollOutWith(t, fleet, args, nil, 40, func(map[string]any) { received += fleet[0].Sim.Counters().BytesReceived })
			received += fleet[0].Sim.Counters().BytesReceived
			requireInstalled(t, host(0), r.result(host(0)), 2)
			_, downloaded := served.Load("/ilo6_171.bin")
			const image = 4096 // mkimage -size 4KiB
			switch {
			case pull && (!downloaded || received >= image):
				t.Errorf("pull: the iLO downloaded ilo6_171.bin: %v; the iLO received %d bytes from the module, want less than one image", downloaded, received)
			case !pull && (downloaded || received < 2*image):
				t.Errorf("push: downloaded %v, received %d bytes, want both images (%d bytes) from the module", downloaded, received, 2*image)
			}
		})
	}
}

// TestBadArguments: the module fails before any request, naming the
// option, for bad options and a catalog it cannot read.
func TestBadArguments(t *testing.T) {
	t.Parallel()
	x := modtest.StartILO(t)
	fleet := []*modtest.ILO{x}
	tests := []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"no catalog", map[string]any{"catalog": t.TempDir()}, "catalog"},
		{"reboot", map[string]any{"reboot": "sometimes"}, "reboot"},
		{"poll_interval", map[string]any{"poll_interval": 0}, "poll_interval"},
		{"install_set_name", map[string]any{"install_set_name": strings.Repeat("x", 65)}, "install_set_name"},
		{"window without a name", map[string]any{"maintenance_window": map[string]any{"start_after": "+1h"}}, "maintenance_window"},
		{"state", map[string]any{"state": map[string]any{"ilo0": "nonsense"}}, "state"},
		{"plain http", map[string]any{"ilos": []any{map[string]any{"host": "a", "baseuri": "http://" + modtest.ClosedPort(t),
			"username": modtest.User, "password": modtest.Password}}}, "allow_http"},
		{"twice", map[string]any{"ilos": []any{
			map[string]any{"host": "a", "baseuri": x.Srv.URL, "username": modtest.User, "password": modtest.Password},
			map[string]any{"host": "a", "baseuri": x.Srv.URL, "username": modtest.User, "password": modtest.Password}}}, "listed twice"},
		{"no credentials", map[string]any{"ilos": []any{map[string]any{"host": "a", "baseuri": x.Srv.URL}}}, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x.Sim.ResetCounters()
			e := modtest.Execute(t, Module, fleetArgs(t, fleet, tt.extra), nil)
			if e.Code != 1 || !strings.Contains(e.Msg(), tt.want) {
				t.Errorf("exit %d msg %q, want a failure naming %q", e.Code, e.Msg(), tt.want)
			}
			if c := x.Sim.Counters(); c.Writes != 0 || c.Logins != 0 {
				t.Errorf("requests were made: %+v", c)
			}
		})
	}
}

// TestRolloutWindow: with a maintenance window the set (with a ResetServer
// step before the iLO firmware, for reboot graceful) is invoked in the
// window the module creates, and the iLO ends scheduled; a rerun finds it
// all as wanted and writes nothing.
func TestRolloutWindow(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5")
	args := fleetArgs(t, fleet, map[string]any{"reboot": "graceful",
		"maintenance_window": map[string]any{"name": "tonight", "start_after": "+2h", "expire": "+8h"}})
	check := rollOut(t, fleet, args, map[string]any{"check_mode": true, "diff": true}, 1)
	if check.writes != 0 || check.last()["diff"] == nil {
		t.Errorf("check mode: writes %d diff %v", check.writes, check.last()["diff"])
	}
	args["state"] = check.last()["state"] // a check mode's state starts a real run afresh
	for n, wantChanged := range []bool{true, false} {
		r := rollOut(t, fleet, args, map[string]any{"diff": true}, 1)
		delete(args, "state")
		res := r.result(host(0))
		if res["status"] != "pending" || res["phase"] != "scheduled" || r.changed != wantChanged || (!wantChanged && r.writes != 0) {
			t.Errorf("run %d: status %v phase %v changed %v writes %d, want pending scheduled changed %v", n+1, res["status"], res["phase"], r.changed, r.writes, wantChanged)
		}
		for name, c := range components(t, res) {
			if c["install"] == true && c["result"] != "scheduled" {
				t.Errorf("run %d: %s %v, want scheduled", n+1, name, c["result"])
			}
		}
		if wantChanged && r.last()["diff"] == nil {
			t.Errorf("run %d: changed without a diff", n+1)
		}
	}
	want := "[ApplyUpdate A47_2.62_01_01_2023.signed.flash ResetServer  ApplyUpdate ilo5_305.bin]"
	if steps := setSteps(t, fleet[0]); fmt.Sprint(steps) != want {
		t.Errorf("install set steps %v, want %s", steps, want)
	}
	c := fleet[0].Connect(t)
	defer func() { _ = c.Close(context.Background()) }()
	queue, err := c.TaskQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 3 || queue[0].MaintenanceWindow == "" || queue[0].State != "Pending" {
		t.Errorf("queue %+v, want the three steps Pending in the window", queue)
	}
}

// setSteps reads the rollout's install set from x: "<command> <file>" per step.
func setSteps(t *testing.T, x *modtest.ILO) []string {
	t.Helper()
	c := x.Connect(t)
	defer func() { _ = c.Close(context.Background()) }()
	sets, err := c.InstallSets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range sets {
		if s.Name == "fleetfw.ilo baseline" {
			for _, st := range s.Sequence {
				steps = append(steps, st.Command+" "+st.Filename)
			}
		}
	}
	return steps
}

// requests counts the requests x has answered since its counters were reset.
func requests(x *modtest.ILO) int {
	n := 0
	for _, c := range x.Sim.Counters().Requests {
		n += c
	}
	return n
}

// BenchmarkRolloutRound measures one call on a batch of 20 iLOs that plans
// every one of them (check mode: a first round's reads, no writes), the
// controller's share of a round.
func BenchmarkRolloutRound(b *testing.B) {
	var fleet []*modtest.ILO
	for range 20 {
		fleet = append(fleet, modtest.StartILO(b, ilosim.WithProfileName("ilo6")))
	}
	args := fleetArgs(b, fleet, map[string]any{"round_seconds": 30})
	b.ResetTimer()
	for range b.N {
		e := modtest.Execute(b, Module, args, map[string]any{"check_mode": true})
		if e.Code != 0 || e.Out["done"] != true {
			b.Fatalf("exit %d: %s", e.Code, e.Raw)
		}
	}
}

// TestRolloutStagingTimeout: a download the iLO does not end within
// wait_timeout (the file server never answers) fails that host, with the
// file named; no session is left behind.
func TestRolloutStagingTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); files.Close() })
	fleet := startFleet(t, "ilo6")
	r := rollOut(t, fleet, fleetArgs(t, fleet, map[string]any{"catalog_url": files.URL, "wait_timeout": 1}), nil, 10)
	res := r.result(host(0))
	if res["status"] != "failed" || !strings.Contains(fmt.Sprint(res["reason"]), "download of A47_2.62_01_01_2023.signed.flash has not ended") {
		t.Errorf("status %v reason %q, want failed for the download", res["status"], res["reason"])
	}
}

// TestRolloutStopped: a call stopped by a signal (its context cancelled)
// returns at once, logs out, and leaves the iLO unfinished, not failed, so
// that the next call goes on.
func TestRolloutStopped(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	start := time.Now()
	e := modtest.ExecuteCtx(t, ctx, Module, fleetArgs(t, fleet, map[string]any{"round_seconds": 60, "reboot": "wait_external"}), nil, nil)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the stopped call took %v", took)
	}
	res, _ := e.Out["host_results"].(map[string]any)[host(0)].(map[string]any)
	if res["status"] == "failed" || e.Out["done"] == true {
		t.Errorf("stopped: %s", e.Raw)
	}
	if open := fleet[0].Sim.Counters().OpenSessions; open != 0 {
		t.Errorf("%d sessions open after the stopped call", open)
	}
	st := e.Out["state"].(map[string]any)
	r := rollOutWith(t, fleet, fleetArgs(t, fleet, map[string]any{"reboot": "wait_external", "state": st}), nil, 40,
		func(out map[string]any) {
			if s := out["state"].(map[string]any)[host(0)].(map[string]any); s["phase"] == "rebooting" {
				fleet[0].Sim.ResetServer()
			}
		})
	requireInstalled(t, host(0), r.result(host(0)), 2)
}

// TestRolloutResultsDir: with results_dir the batch's states and results
// stay in files between calls: every call returns state and host_results
// empty, the next call goes on from the files (no state passed), each
// host's file holds its result, and the call that finds every iLO finished
// words the batch in result_lines.
func TestRolloutResultsDir(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5", "ilo6")
	dir := t.TempDir()
	args := fleetArgs(t, fleet, map[string]any{"reboot": "graceful", "results_dir": dir})
	var out map[string]any
	for n := 1; n <= 20; n++ {
		e := modtest.Execute(t, Module, args, nil)
		if e.Code != 0 {
			t.Fatalf("call %d: exit %d: %s", n, e.Code, e.Raw)
		}
		out = e.Out
		if len(out["state"].(map[string]any)) != 0 || len(out["host_results"].(map[string]any)) != 0 {
			t.Fatalf("call %d: state or host_results not empty with results_dir: %s", n, e.Raw)
		}
		if out["done"] == true {
			break
		}
		if lines := out["result_lines"].([]any); len(lines) != 0 {
			t.Errorf("call %d: result_lines before the batch is finished: %v", n, lines)
		}
	}
	if out["done"] != true {
		t.Fatalf("not done after 20 calls: %v", out["lines"])
	}
	for k := range fleet {
		b, err := os.ReadFile(filepath.Join(dir, host(k)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r["host"] != host(k) || r["status"] != "done" || len(r["files"].([]any)) != 2 {
			t.Errorf("%s: result file says host %v status %v files %v, want %s done with 2 files", host(k), r["host"], r["status"], r["files"], host(k))
		}
		if _, err := os.Stat(filepath.Join(dir, host(k)+".state.json")); err != nil {
			t.Errorf("%s: no state file: %v", host(k), err)
		}
	}
	lines := fmt.Sprint(out["result_lines"])
	for k := range fleet {
		if !strings.Contains(lines, host(k)+": done in ") || !strings.Contains(lines, "System ROM") {
			t.Errorf("result_lines do not word %s done with its System ROM: %s", host(k), lines)
		}
	}
}

// TestRolloutConnectionDefaults: entries of ilos without credentials take
// the module's username, password and ca_path (what the group's
// module_defaults or the environment give), and the group's baseuri is
// accepted and not used.
func TestRolloutConnectionDefaults(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5")
	x := fleet[0]
	args := map[string]any{"ilos": []any{map[string]any{"host": "ilo0", "baseuri": x.Srv.URL}},
		"catalog": sppDir(t), "username": modtest.User, "password": modtest.Password, "ca_path": x.CAPath,
		"baseuri": "https://not-used.example.com", "invoke": false}
	e := modtest.Execute(t, Module, args, map[string]any{"check_mode": true})
	if e.Code != 0 {
		t.Fatalf("exit %d: %s", e.Code, e.Raw)
	}
	r := e.Out["host_results"].(map[string]any)["ilo0"].(map[string]any)
	if r["status"] == "failed" || x.Sim.Counters().Logins != 1 {
		t.Errorf("ilo0: status %v reason %v, %d logins: the module's credentials were not used", r["status"], r["reason"], x.Sim.Counters().Logins)
	}
	if strings.Contains(e.Raw, modtest.Password) {
		t.Errorf("the password is in the output: %s", e.Raw)
	}
}

// TestRolloutPerILOChoices: an entry's own reboot policy overrides the
// call's: in one batch, the iLO left at reboot none ends pending_reboot and
// the one given graceful is restarted and done.
func TestRolloutPerILOChoices(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5", "ilo6")
	args := fleetArgs(t, fleet, map[string]any{"reboot": "none"})
	args["ilos"].([]any)[1].(map[string]any)["reboot"] = "graceful"
	r := rollOut(t, fleet, args, nil, 20)
	if got := r.result(host(0))["status"]; got != "pending" {
		t.Errorf("%s (reboot none): status %v, want pending", host(0), got)
	}
	if got := r.result(host(1))["status"]; got != "done" {
		t.Errorf("%s (its own reboot graceful): status %v, want done", host(1), got)
	}
}

// TestRolloutServerOff: a server that is off when its items wait for a
// reboot is powered on (a restart would be refused), and the rollout ends
// done with the System ROM verified.
func TestRolloutServerOff(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo5")
	c := fleet[0].Connect(t)
	systems, err := c.Systems(context.Background())
	if err != nil || len(systems) == 0 {
		t.Fatalf("systems: %v %v", systems, err)
	}
	if err := c.ResetSystem(context.Background(), systems[0], "ForceOff"); err != nil {
		t.Fatal(err)
	}
	_ = c.Close(context.Background())
	r := rollOut(t, fleet, fleetArgs(t, fleet, map[string]any{"reboot": "graceful"}), nil, 30)
	if got := r.result(host(0)); got["status"] != "done" {
		t.Fatalf("status %v (%v), want done", got["status"], got["reason"])
	}
	if p := fleet[0].Sim.State()["power_state"]; p != ilosim.PowerOn {
		t.Errorf("power state %v after the rollout, want On", p)
	}
}

// TestRolloutDarkReset: an iLO whose own reset keeps it dark for several
// readings (3 s, the poll 1 s) ends the session the module had; the module
// must not warn that it could not log out of it.
func TestRolloutDarkReset(t *testing.T) {
	t.Parallel()
	x := modtest.StartILO(t, ilosim.WithProfileName("ilo5"), ilosim.WithSpeed(speed), ilosim.WithStagedActivation(),
		ilosim.WithDarkTime(3*speed*time.Second))
	fleet := []*modtest.ILO{x}
	r := rollOut(t, fleet, fleetArgs(t, fleet, map[string]any{"reboot": "graceful"}), nil, 30)
	if got := r.result(host(0)); got["status"] != "done" {
		t.Fatalf("status %v (%v), want done", got["status"], got["reason"])
	}
	if n := fmt.Sprint(x.Sim.State()["ilo_resets"]); n != "1" {
		t.Fatalf("the iLO reset %s times, want 1", n)
	}
	if len(r.warnings) != 0 {
		t.Errorf("warnings %v, want none", r.warnings)
	}
}

// TestRolloutOutage: the network drops mid-wave, after the iLO is back from
// its own reset and the module has logged in again. The iLO keeps that
// session through the outage; once the iLO answers again the module logs
// in anew, ends the session from before, and finishes: no session is left
// (rollOut checks after every call) and nothing to warn about.
func TestRolloutOutage(t *testing.T) {
	t.Parallel()
	fleet := startFleet(t, "ilo6")
	x := fleet[0]
	fired := make(chan struct{})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			st := x.Sim.State()
			// Back from its reset, logged in again, and the server not yet
			// rebooted: the module has readings to make.
			if fmt.Sprint(st["ilo_resets"]) == "1" && st["dark"] == false && fmt.Sprint(st["open_sessions"]) == "1" &&
				fmt.Sprint(st["server_boots"]) == "0" {
				// 4 s: longer than a reading and its one retry (0.5 s later)
				x.Sim.SetFaults(ilosim.Faults{DarkSeconds: 4 * speed})
				close(fired)
				return
			}
		}
	}()
	// One call spans the outage (round_seconds), so its session is ended
	// within the call that lost it.
	r := rollOut(t, fleet, fleetArgs(t, fleet, map[string]any{"reboot": "graceful", "round_seconds": 60}), nil, 10)
	select {
	case <-fired:
	default:
		t.Fatal("the outage never started: the iLO did not reset, or the module did not log in again after it")
	}
	if got := r.result(host(0)); got["status"] != "done" {
		t.Fatalf("status %v (%v), want done", got["status"], got["reason"])
	}
	if logins := x.Sim.Counters().Logins; logins < 3 {
		t.Errorf("%d logins, want 3 or more (before the reset, after it, after the outage)", logins)
	}
	if len(r.warnings) != 0 {
		t.Errorf("warnings %v, want none", r.warnings)
	}
}
