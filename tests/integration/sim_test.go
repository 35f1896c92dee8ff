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
	// Sim is a running cmd/ilosim serving one iLO per requested profile. The embedded
	// *ILO is the first one, so sim.BaseURI and sim.Counters(t) address it directly.
	Sim = simharness.Fleet
	// ILO is one simulated iLO: Index, BaseURI, Profile and its control endpoint
	// (Counters, ResetCounters, SetFaults, AdvanceClock, Clock, State, WaitIdle, Members).
	ILO = simharness.ILO
	// Faults is the body of POST /_sim/faults: the simulator's own type and keys.
	Faults = simharness.Faults
	// Counters is GET /_sim/counters.
	Counters = simharness.Counters
)

// tokenPoll is how often a running playbook's simulator state is read for session tokens.
const tokenPoll = 100 * time.Millisecond

// startSim starts ilosim with one iLO per profile (ilo5 when none is given), waits until
// it listens and stops it when the test ends. runPlaybook, and the stop before the
// simulator goes, read each iLO's state and register the session tokens for the secrets scan.
func startSim(t *testing.T, profiles ...string) *Sim {
	t.Helper()
	requireSim(t)
	sim := simharness.Start(t, simharness.Config{Profiles: profiles, Username: testUsername, Password: testPassword,
		Binary: suite.simBin})
	sim.OnStop(func() { sim.LearnTokens(suite.secrets) })
	return sim
}

// requireNoSessions fails the test when any iLO of sim still has an open session.
func requireNoSessions(t *testing.T, sim *Sim) {
	t.Helper()
	sim.RequireNoSessions(t)
}

// watchTokens registers the session tokens of sim's iLOs for the secrets scan while a
// playbook runs, until the returned function is called (see simharness.Fleet.WatchTokens).
func watchTokens(sim *Sim) (stop func()) {
	if sim == nil {
		return func() {}
	}
	return sim.WatchTokens(suite.secrets, tokenPoll)
}
