// Package reliability is the reliability and security suite of issue 8: a fault matrix
// for every module against the simulator, a bad-input matrix, a scan of every output for
// secrets, a sessions soak and the TLS checks. The tests run the module binary
// (cmd/fleetfw-ilo) exactly as Ansible does (an args file in, one JSON line out) against
// simulated iLOs started in-process, and a representative subset through real
// ansible-playbook. They carry the build tag integration:
//
//	go test -tags integration ./tests/reliability/ -short                  # 200-run soak
//	go test -tags integration ./tests/reliability/ -args -report FILE      # full, JSON report
//
// scripts/reliability-report.sh turns the JSON report into docs/reliability.md.
package reliability
