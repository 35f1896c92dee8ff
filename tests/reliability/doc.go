// Package reliability is the reliability and security suite of issues 8 and 14: a fault
// matrix for every module against the simulator, a bad-input matrix, a scan of every output
// for secrets, a sessions soak and the TLS checks. The tests run the module binary
// (cmd/fleetfw-ilo) exactly as Ansible does (an args file in, one JSON line out) against
// simulated iLOs started in-process by internal/simharness (the harness tests/integration
// shares: faults are the simulator's own Faults, the secrets scan is simharness.SecretLog),
// and a representative subset through real ansible-playbook.
//
// Issue 14 adds one category per class. TestHostile runs the modules against a small hostile
// Redfish server (hostile_server_test.go) that answers as no iLO would: unbounded answers,
// stalls, plain HTTP and connection options, secrets and sessions, messages; each case
// checks the JSON result, its message, the sessions left, the peak memory and, for stalls,
// the time to fail. TestHardening (hardening_test.go) covers local files (FIFOs, devices,
// directories, caps, a file changed between two 32 MiB Sections), arguments (overflow, user
// info, control characters, limits in characters, odd arguments files) and status (changed
// false before any write, an unknown outcome said so) with real files and the simulator.
// They carry the build tag integration:
//
//	go test -tags integration ./tests/reliability/ -short                  # 200-run soak
//	go test -tags integration ./tests/reliability/ -args -report FILE      # full, JSON report
//
// scripts/reliability-report.sh turns the JSON report into docs/reliability.md
// (ONLY='TestHostile|TestHardening' regenerates just those sections).
package reliability
