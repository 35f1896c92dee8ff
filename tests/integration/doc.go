// Package integration runs real ansible-playbook against the iLO simulator, through the
// fleetfw.ilo collection built and installed the way users get it.
//
// The tests need the build tag:
//
//	go test -tags integration ./tests/integration/
//
// TestMain builds the module binary and the collection tarball once (make collection),
// installs the tarball into a temporary ANSIBLE_COLLECTIONS_PATH, and builds cmd/ilosim.
// Tests start their own simulator with startSim (a cmd/ilosim process through
// internal/simharness, the harness tests/reliability shares), run playbooks with runPlaybook (or with
// runAWX, through ansible-runner as AWX does) and check the simulator's counters with
// requireNoSessions and sim.Counters, and arm faults with sim.SetFaults (the simulator's own
// Faults type and JSON keys); every output is kept and scanned (simharness.SecretLog) for the
// test password and the session tokens the simulator issued when the suite ends.
//
// Playbooks live in targets/<module>/*.yml. TestTargets runs each of them against a fresh
// simulator (profiles from a "# profiles: ilo5,ilo6" comment, ilo5 by default) and expects
// the play to succeed (assertions belong in the playbook) with no session left open.
// Inventory variables every playbook gets: ilo_baseuri, ilo_ca_path, ilo_username,
// ilo_password, ilo_profile; group "ilos" holds one host per simulated iLO.
//
// Until cmd/fleetfw-ilo and cmd/ilosim exist the tests skip, saying what is missing;
// with FLEETFW_INTEGRATION=require in the environment they fail instead.
package integration
