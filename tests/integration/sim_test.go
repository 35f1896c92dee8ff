//go:build integration

package integration

import (
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// The simulator comes from internal/simharness, the harness this suite shares with
// tests/reliability: a cmd/ilosim process (built once by TestMain) per test.
type (
	// Faults is the body of POST /_sim/faults: the simulator's own type and keys.
	Faults = simharness.Faults
	// Counters is GET /_sim/counters.
	Counters = simharness.Counters
)

// Sim is a running cmd/ilosim serving one iLO per requested profile. The embedded *ILO is
// the first one, so sim.BaseURI and sim.Counters(t) address it directly.
type Sim struct {
	*ILO
	ILOs   []*ILO
	CAPath string // PEM file of the simulator's CA, for ca_path
	fleet  *simharness.Fleet
}

// ILO is one simulated iLO: Index, BaseURI, Profile and its control endpoint (Counters,
// ResetCounters, SetFaults, AdvanceClock, Clock, State, WaitIdle, Members, Control).
type ILO struct{ *simharness.ILO }

// do sends one request to the iLO's control endpoint and returns the answer's body, for
// code that has no test to fail (goroutines moving clocks).
func (i *ILO) do(method, path string, body any) ([]byte, error) { return i.Control(method, path, body) }

// tokenPoll is how often a running playbook's simulator state is read for session tokens.
const tokenPoll = 100 * time.Millisecond

// startSim starts ilosim with one iLO per profile (ilo5 when none is given), waits until
// it listens and stops it when the test ends. runPlaybook, and the stop before the
// simulator goes, read each iLO's state and register the session tokens for the secrets scan.
func startSim(t *testing.T, profiles ...string) *Sim {
	t.Helper()
	requireSim(t)
	f := simharness.Start(t, simharness.Config{Profiles: profiles, Username: testUsername, Password: testPassword,
		Binary: suite.simBin})
	f.OnStop(func() { f.LearnTokens(suite.secrets) })
	sim := &Sim{CAPath: f.CAPath, fleet: f}
	for _, i := range f.ILOs {
		sim.ILOs = append(sim.ILOs, &ILO{i})
	}
	sim.ILO = sim.ILOs[0]
	return sim
}

// requireNoSessions fails the test when any iLO of sim still has an open session.
func requireNoSessions(t *testing.T, sim *Sim) {
	t.Helper()
	sim.fleet.RequireNoSessions(t)
}

// watchTokens registers the session tokens of sim's iLOs for the secrets scan while a
// playbook runs, until the returned function is called (see simharness.Fleet.WatchTokens).
func watchTokens(sim *Sim) (stop func()) {
	if sim == nil {
		return func() {}
	}
	return sim.fleet.WatchTokens(suite.secrets, tokenPoll)
}
