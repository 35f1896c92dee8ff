//go:build integration

package reliability

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

func ilosimExpire() simharness.Faults { return simharness.Faults{ExpireSessions: true} }

func boolp(b bool) *bool { return &b }

// scenario is one module's representative run for the fault matrix and how to check the
// iLO's final state after it.
type scenario struct {
	module string
	args   map[string]any
	// coll and name: the collection that must hold exactly one member called name.
	coll, name string
	// uploads: the run sends a file (reset-mid-upload applies).
	uploads bool
	// writes: the run changes the iLO (lost-write-reply applies).
	writes bool
}

func scenarios() []scenario {
	return []scenario{
		{module: "update_info", args: map[string]any{"gather_subset": []string{"all"}}},
		{module: "session", args: map[string]any{}},
		{module: "component", args: map[string]any{"path": image("cp045678.exe")},
			coll: "/redfish/v1/UpdateService/ComponentRepository", name: "cp045678.exe", uploads: true, writes: true},
		{module: "maintenance_window", args: map[string]any{"name": "rel-window", "start_after": "+1d", "expire": "+2d"},
			coll: "/redfish/v1/UpdateService/MaintenanceWindows", name: "rel-window", writes: true},
		{module: "update_task", args: map[string]any{"name": "rel-task", "command": "Wait", "wait_time_seconds": 10, "start_after": "+1d"},
			coll: "/redfish/v1/UpdateService/UpdateTaskQueue", name: "rel-task", writes: true},
		{module: "install_set", args: map[string]any{"name": "rel-set",
			"sequence": []map[string]any{{"name": "pause", "command": "Wait", "wait_time_seconds": 5}}},
			coll: "/redfish/v1/UpdateService/InstallSets", name: "rel-set", writes: true},
		{module: "firmware_update", args: map[string]any{"path": image("ilo5_305.bin")}, uploads: true, writes: true},
	}
}

// checkFinal asserts the iLO's final state after sc ran: exactly one resource (no
// duplicate), the flashed version for firmware_update, no session left.
func checkFinal(t *testing.T, s *sim, sc scenario) {
	t.Helper()
	if sc.uploads {
		s.waitIdle(t)
	}
	if sc.coll != "" {
		names := s.Members(t, sc.coll)
		if n := count(names, sc.name); n != 1 {
			t.Errorf("%s holds %d members named %q, want 1: %v", sc.coll, n, sc.name, names)
		}
	}
	if sc.module == "firmware_update" {
		if v, _ := s.StateMap(t)["firmware_version"].(string); !strings.HasPrefix(v, "3.05") {
			t.Errorf("iLO firmware version %q, want 3.05", v)
		}
	}
}

func count(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

// finish runs the cleanup a session scenario needs (log the session out) and checks that
// no session is left.
func finish(t *testing.T, s *sim, sc scenario, r result) {
	t.Helper()
	if sc.module == "session" && !r.Failed {
		tok, _ := r.Out["auth_token"].(string)
		uri, _ := r.Out["session_uri"].(string)
		out := run(t, "session", s.moduleArgs(map[string]any{"state": "absent", "auth_token": tok, "session_uri": uri,
			"username": nil, "password": nil}))
		if out.Failed {
			t.Errorf("session absent: %s", out.Msg)
		}
	}
	// A module that failed while the iLO was dark may still be logging out; give it a moment.
	deadline := time.Now().Add(5 * time.Second)
	for s.Counters(t).OpenSessions > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.Counters(t).OpenSessions; n != 0 {
		t.Errorf("%d sessions left open", n)
	}
}

// converge reruns sc and asserts it succeeds without a change (the iLO already holds the
// desired state). update_info and session never report a change.
func converge(t *testing.T, s *sim, sc scenario, args map[string]any) {
	t.Helper()
	if !sc.writes {
		return
	}
	if sc.uploads {
		s.waitIdle(t)
	}
	r := run(t, sc.module, args)
	checkSane(t, r)
	if r.Failed || r.changed() {
		t.Errorf("rerun did not converge: outcome %s, msg %q", r.outcome(), r.Msg)
	}
}

// faultCase runs one cell of the fault matrix.
type faultCase struct {
	name    string
	applies func(sc scenario) bool
	cfg     simConfig
	run     func(t *testing.T, s *sim, sc scenario, c *caseResult)
}

func TestFaultMatrix(t *testing.T) {
	all := func(scenario) bool { return true }
	cases := []faultCase{
		{name: "503 burst (3)", applies: all, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			s.SetFaults(t, simharness.Faults{Status503: 3})
			r := run(t, sc.module, s.moduleArgs(sc.args))
			record(t, c, s, r)
			checkSane(t, r)
			if r.Failed {
				t.Errorf("failed after a 503 burst of 3: %s", r.Msg)
			}
			checkFinal(t, s, sc)
			finish(t, s, sc, r)
			converge(t, s, sc, s.moduleArgs(sc.args))
		}},
		{name: "write executed, reply lost as 503", applies: func(sc scenario) bool { return sc.writes }, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			p := newProxy(t, s)
			p.loseWriteReply = true
			r := run(t, sc.module, p.args(sc.args))
			record(t, c, s, r)
			checkSane(t, r)
			if p.lost != 1 {
				t.Fatalf("the proxy lost %d write replies, want 1", p.lost)
			}
			// The module may re-read and decide, but must not send the same write again
			// blindly: it cannot know whether the iLO executed it.
			if p.repeats != 0 {
				t.Errorf("the module sent %s %d more times after its reply was lost (a blind repeat)", p.lostAt, p.repeats)
			}
			c.Detail = fmt.Sprintf("lost %s; repeated %d times; ", p.lostAt, p.repeats) + short(r.Msg)
			if r.Failed && !mentions(r.Msg, "503", "unavailable") {
				t.Errorf("failed without naming the 503: %q", r.Msg)
			}
			checkFinal(t, s, sc)
			finish(t, s, sc, r)
			converge(t, s, sc, s.moduleArgs(sc.args))
			checkFinal(t, s, sc)
		}},
		{name: "connection reset mid-upload", applies: func(sc scenario) bool { return sc.uploads }, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			s.SetFaults(t, simharness.Faults{ResetMidBody: 1})
			r := run(t, sc.module, s.moduleArgs(sc.args))
			record(t, c, s, r)
			checkSane(t, r)
			finish(t, s, sc, r)
			if r.Failed {
				// A failed run must converge when rerun.
				again := run(t, sc.module, s.moduleArgs(sc.args))
				checkSane(t, again)
				if again.Failed {
					t.Errorf("rerun after a reset mid-upload failed: %s", again.Msg)
				}
				c.Detail = "first run failed (" + short(r.Msg) + "); rerun " + again.outcome()
			}
			checkFinal(t, s, sc)
			converge(t, s, sc, s.moduleArgs(sc.args))
		}},
		{name: "dark 30 s during the flash", applies: func(sc scenario) bool { return sc.module == "firmware_update" },
			cfg: simConfig{dark: 30 * time.Second}, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
				r := run(t, sc.module, s.moduleArgs(sc.args))
				record(t, c, s, r)
				checkSane(t, r)
				if r.Failed {
					t.Errorf("failed across a 30 s dark iLO reset: %s", r.Msg)
				}
				if reset, _ := r.Out["ilo_reset"].(bool); !reset {
					t.Errorf("ilo_reset is not true: the flash did not go dark")
				}
				checkFinal(t, s, sc)
				finish(t, s, sc, r)
				converge(t, s, sc, s.moduleArgs(sc.args))
			}},
		{name: "dark 30 s before the run", applies: func(sc scenario) bool { return sc.module != "firmware_update" },
			run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
				s.SetFaults(t, simharness.Faults{DarkSeconds: 30})
				r := run(t, sc.module, s.moduleArgs(merge(sc.args, map[string]any{"timeout": 5})))
				record(t, c, s, r)
				checkSane(t, r)
				if c.Writes != 0 && r.Failed {
					t.Errorf("a failed run counted %d writes", c.Writes)
				}
				if r.Failed && !mentions(r.Msg, "connection", "reset", "EOF", "refused", "unreachable") {
					t.Errorf("failure does not name the connection problem: %q", r.Msg)
				}
				finish(t, s, sc, r)
			}},
		{name: "session expired mid-run", applies: all, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			p := newProxy(t, s)
			p.expireAt = 2
			r := run(t, sc.module, p.args(sc.args))
			record(t, c, s, r)
			checkSane(t, r)
			if p.afterLogin < 2 {
				c.Detail = fmt.Sprintf("run made only %d requests after login; session never expired mid-run", p.afterLogin)
				finish(t, s, sc, r)
				return
			}
			if r.Failed {
				t.Errorf("failed after its session expired: %s", r.Msg)
			}
			// firmware_update logs in once more after the iLO reset.
			want := 2
			if sc.module == "firmware_update" {
				want = 3
			}
			if l := s.Counters(t).Logins; l != want {
				t.Errorf("%d logins, want %d (log in again once)", l, want)
			}
			checkFinal(t, s, sc)
			finish(t, s, sc, r)
		}},
		{name: "responses slower than timeout", applies: all, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			s.SetFaults(t, simharness.Faults{SlowMS: 2500, SlowCount: 50})
			r := run(t, sc.module, s.moduleArgs(merge(sc.args, map[string]any{"timeout": 1})))
			record(t, c, s, r)
			checkSane(t, r)
			if !r.Failed {
				t.Fatalf("succeeded although every response took 2.5 s with timeout 1")
			}
			if !mentions(r.Msg, "GET", "POST") || !mentions(r.Msg, "/redfish") {
				t.Errorf("msg does not name the request (method and URI): %q", r.Msg)
			}
			if !mentions(r.Msg, "timeout", "timed out", "deadline") {
				t.Errorf("msg does not say it timed out: %q", r.Msg)
			}
			if c.Writes != 0 {
				t.Errorf("%d writes", c.Writes)
			}
			s.SetFaults(t, simharness.Faults{SlowMS: 1, SlowCount: 1})
			finish(t, s, sc, r)
		}},
		{name: "repository full", applies: all, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			s.SetFaults(t, simharness.Faults{RepositoryFull: boolp(true)})
			r := run(t, sc.module, s.moduleArgs(sc.args))
			record(t, c, s, r)
			checkSane(t, r)
			if sc.module == "component" {
				if !r.Failed {
					t.Errorf("uploaded into a full repository")
				} else if !mentions(r.Msg, "full", "space", "free") {
					t.Errorf("msg does not say the repository is full: %q", r.Msg)
				}
			}
			finish(t, s, sc, r)
		}},
		{name: "two runs at once", applies: func(sc scenario) bool { return sc.writes }, run: func(t *testing.T, s *sim, sc scenario, c *caseResult) {
			p := newProxy(t, s)
			var wg sync.WaitGroup
			rs := make([]result, 2)
			for k := range rs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rs[k] = startModule(t, sc.module, p.args(sc.args)).wait(t, 3*time.Minute)
				}()
			}
			wg.Wait()
			record(t, c, s, rs[0])
			var outcomes []string
			for _, r := range rs {
				checkSane(t, r)
				outcomes = append(outcomes, r.outcome()+" "+short(r.Msg))
			}
			c.Outcome = rs[0].outcome() + "+" + rs[1].outcome()
			c.Detail = strings.Join(outcomes, " | ")
			if rs[0].Failed && rs[1].Failed {
				t.Errorf("both runs failed: %v", outcomes)
			}
			if p.patchesNoIfMatch > 0 {
				t.Errorf("%d of %d PATCH requests carried no If-Match", p.patchesNoIfMatch, p.patches)
			}
			checkFinal(t, s, sc)
			finish(t, s, sc, rs[0])
			converge(t, s, sc, s.moduleArgs(sc.args))
		}},
	}
	for _, fc := range cases {
		for _, sc := range scenarios() {
			if !fc.applies(sc) {
				continue
			}
			t.Run(fc.name+"/"+sc.module, func(t *testing.T) {
				t.Parallel()
				c := &caseResult{Section: "faults", Module: sc.module, Case: fc.name}
				suite.report.add(t, c)
				s := startSim(t, fc.cfg)
				fc.run(t, s, sc, c)
			})
		}
	}
}

// record copies a run's outcome and the simulator's counters into the case.
func record(t *testing.T, c *caseResult, s *sim, r result) {
	cn := s.Counters(t)
	c.Outcome, c.Posts, c.Writes, c.SessionsLeft = r.outcome(), cn.Requests["POST"], cn.Writes, cn.OpenSessions
	if c.Detail == "" {
		c.Detail = short(r.Msg)
	}
}

// mentions reports whether msg contains any of words (case-insensitive).
func mentions(msg string, words ...string) bool {
	low := strings.ToLower(msg)
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(low, strings.ToLower(w)) })
}

// merge returns a copy of a with b laid over it.
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
