// Package simharness is the one simulator harness of the test suites
// (tests/integration, tests/reliability; issue 15 point 5): it starts
// simulated iLOs, either as a cmd/ilosim process or as an in-process
// ilosim fleet, from one Config, waits until they listen (the ready file),
// and gives each test the same handle on them: base URI, ca_path, counters,
// faults, clock, state, session tokens and stop.
//
// The fault settings are the simulator's own type (Faults is ilosim.Faults),
// so the JSON keys a test sends are exactly those the simulator reads
// (status_503 … ilo_reset_delay_seconds, ilo_reset, ilo_reset_dark_seconds,
// flash_error, server_reset_ignored, staged_activation): a copy cannot drift.
//
// SecretLog is the suites' shared secrets scan: every output a test
// produced, every secret it learned (the password, each session token the
// simulator handed out), scanned at the end in the secret's plain,
// JSON-escaped and URL-encoded forms (issue 14 class 6).
//
// Like internal/modtest, it is imported only by _test.go files: the shipped
// binary (cmd/fleetfw-ilo) must not link it (its import of internal/ilosim
// is forbidden there, and TestNotLinkedByTheBinary checks it directly).
package simharness
