//go:build integration

package reliability

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

// soakKind is one kind of run in the sessions soak.
type soakKind string

const (
	soakOK        soakKind = "success"
	soakWrite     soakKind = "success with writes"
	soakBadLogin  soakKind = "failure: wrong password"
	soakFailAfter soakKind = "failure after login"
	soakTimeout   soakKind = "timeout after login"
	soakSIGTERM   soakKind = "SIGTERM mid-run"
	soakSIGKILL   soakKind = "SIGKILL mid-run"
)

// kindOf spreads the kinds over the runs: 1 in 100 is killed with SIGKILL.
func kindOf(i int) soakKind {
	if i%100 == 99 {
		return soakSIGKILL
	}
	switch i % 10 {
	case 0, 1, 2:
		return soakOK
	case 3, 4:
		return soakWrite
	case 5:
		return soakBadLogin
	case 6:
		return soakFailAfter
	case 7:
		return soakTimeout
	default:
		return soakSIGTERM
	}
}

// TestSessionsSoak runs 1,000 module runs (200 with -short, -soak N to choose), four at
// a time, against one iLO and asserts that no session is left but the SIGKILLed runs'
// (a killed process cannot log out: those sessions wait for the iLO's idle expiry, which
// the test then checks by moving the iLO clock past it).
func TestSessionsSoak(t *testing.T) {
	runs := *soakRuns
	if runs == 0 {
		runs = 1000
		if testing.Short() {
			runs = 200
		}
	}
	const parallel = 4
	s := startSim(t, simConfig{speed: 1, sessionCap: 64})
	res := &soakResult{Runs: runs, Parallelism: parallel, Kinds: map[string]int{}, Outcomes: map[string]int{}}
	var mu sync.Mutex
	start := time.Now()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for id := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &soakWorker{id: id}
			for i := range jobs {
				k := kindOf(i)
				outcome := soakRun(t, s, w, i, k)
				mu.Lock()
				res.Kinds[string(k)]++
				res.Outcomes[string(k)+": "+outcome]++
				mu.Unlock()
			}
		}()
	}
	for i := range runs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.SIGKILLRuns = res.Kinds[string(soakSIGKILL)]

	// Runs that were told to stop may still be logging out for a moment.
	deadline := time.Now().Add(10 * time.Second)
	for s.Counters(t).OpenSessions > res.SIGKILLRuns && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cn := s.Counters(t)
	res.Logins = cn.Logins
	res.SIGKILLLeft = min(cn.OpenSessions, res.SIGKILLRuns)
	res.SessionsLeft = cn.OpenSessions - res.SIGKILLLeft
	suite.report.mu.Lock()
	suite.report.Soak = res
	suite.report.mu.Unlock()
	t.Logf("soak: %d runs in %.1f s, %d logins, %d sessions left (+%d from %d SIGKILLed runs); outcomes %v",
		runs, res.Seconds, res.Logins, res.SessionsLeft, res.SIGKILLLeft, res.SIGKILLRuns, res.Outcomes)
	if cn.OpenSessions > res.SIGKILLRuns {
		t.Errorf("%d sessions left open, of which at most %d belong to SIGKILLed runs", cn.OpenSessions, res.SIGKILLRuns)
	}
	// The iLO's idle expiry (30 min) clears what SIGKILL left.
	s.AdvanceClock(t, ilosim.DefaultIdleTimeout+time.Minute)
	if n := s.Counters(t).OpenSessions; n != 0 {
		t.Errorf("%d sessions still open after the idle timeout", n)
	} else {
		res.IdleExpiredOK = true
	}
}

// soakWorker is one of the soak's parallel workers.
type soakWorker struct {
	id    int
	holds bool // its maintenance window exists
}

// soakRun performs run i of kind k and returns its outcome.
func soakRun(t *testing.T, s *sim, w *soakWorker, i int, k soakKind) string {
	switch k {
	case soakOK:
		return check(t, k, run(t, "update_info", s.moduleArgs(map[string]any{"gather_subset": []string{"firmware"}})), false)
	case soakWrite:
		// Each worker owns one window and alternately creates and deletes it.
		name := fmt.Sprintf("soak-worker-%d", w.id)
		args := map[string]any{"name": name, "state": "absent"}
		if !w.holds {
			args = map[string]any{"name": name, "start_after": "+1d", "expire": "+2d"}
		}
		w.holds = !w.holds
		return check(t, k, run(t, "maintenance_window", s.moduleArgs(args)), false)
	case soakBadLogin:
		return check(t, k, run(t, "update_info", s.moduleArgs(map[string]any{"password": "wrong-password-soak"})), true)
	case soakFailAfter:
		return check(t, k, run(t, "update_task", s.moduleArgs(map[string]any{"name": fmt.Sprintf("soak-%d", i),
			"command": "ApplyUpdate", "filename": "not-in-the-repository.bin"})), true)
	case soakTimeout:
		p := newProxy(t, s)
		p.delay = 1500 * time.Millisecond
		return check(t, k, run(t, "update_info", p.args(map[string]any{"timeout": 1})), true)
	}
	// SIGTERM or SIGKILL once the run has logged in.
	p := newProxy(t, s)
	p.delay = 5 * time.Second
	proc := startModule(t, "update_info", p.args(nil))
	select {
	case <-p.login:
	case <-time.After(10 * time.Second):
		t.Errorf("run %d (%s): no login within 10 s", i, k)
	}
	time.Sleep(20 * time.Millisecond)
	sig := syscall.SIGTERM
	if k == soakSIGKILL {
		sig = syscall.SIGKILL
	}
	_ = proc.cmd.Process.Signal(sig)
	r := proc.wait(t, 30*time.Second)
	if k == soakSIGKILL {
		return "killed"
	}
	checkSane(t, r)
	if !r.Failed {
		t.Errorf("run %d (%s): did not fail", i, k)
	}
	return r.outcome()
}

// check asserts a soak run's outcome and returns it.
func check(t *testing.T, k soakKind, r result, wantFail bool) string {
	t.Helper()
	checkSane(t, r)
	if r.Failed != wantFail {
		t.Errorf("%s: failed=%v (msg %q)", k, r.Failed, r.Msg)
	}
	return r.outcome()
}

// TestSessionLimit fills the iLO's sessions and checks the module fails saying so.
func TestSessionLimit(t *testing.T) {
	c := &caseResult{Section: "sessions", Module: "update_info", Case: "at the iLO's session limit"}
	suite.report.add(t, c)
	const limit = 3
	s := startSim(t, simConfig{sessionCap: limit})
	var held []result
	for range limit {
		r := run(t, "session", s.moduleArgs(nil))
		if r.Failed {
			t.Fatalf("session present: %s", r.Msg)
		}
		held = append(held, r)
	}
	r := run(t, "update_info", s.moduleArgs(nil))
	record(t, c, s, r)
	checkSane(t, r)
	if !r.Failed {
		t.Fatalf("succeeded with every session taken")
	}
	if !mentions(r.Msg, "session") || !mentions(r.Msg, "limit", "maximum", "too many", "no free") {
		t.Errorf("msg does not say the session limit is reached: %q", r.Msg)
	}
	for _, h := range held {
		tok, _ := h.Out["auth_token"].(string)
		uri, _ := h.Out["session_uri"].(string)
		out := run(t, "session", s.moduleArgs(map[string]any{"state": "absent", "auth_token": tok, "session_uri": uri,
			"username": nil, "password": nil}))
		if out.Failed {
			t.Errorf("session absent: %s", out.Msg)
		}
	}
	finish(t, s, scenario{module: "update_info"}, r)
	c.SessionsLeft = s.Counters(t).OpenSessions
}
