// Package reliability is the reliability and security suite of issue 8: a fault matrix
// for every module against the simulator, a bad-input matrix, a scan of every output for
// secrets, a sessions soak and the TLS checks. The tests run the module binary
// (cmd/fleetfw-ilo) exactly as Ansible does (an args file in, one JSON line out) against
// simulated iLOs started in-process, and a representative subset through real
// ansible-playbook. TestHostile (issue 14) runs the modules against a small hostile
// Redfish server (hostile_server_test.go) that answers as no iLO would: one category per
// transport class (unbounded answers, stalls, plain HTTP and connection options, secrets and
// sessions, messages), each case checking the JSON result, its message, the sessions left,
// the peak memory and, for stalls, the time to fail. They carry the build tag integration:
//
//	go test -tags integration ./tests/reliability/ -short                  # 200-run soak
//	go test -tags integration ./tests/reliability/ -args -report FILE      # full, JSON report
//
// scripts/reliability-report.sh turns the JSON report into docs/reliability.md.
package reliability
