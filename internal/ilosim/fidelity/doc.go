// Package fidelity holds only tests: they start the iLO simulator
// (internal/ilosim) in-process for each profile, read its update-service
// resources over HTTP like a client would, and check them two ways:
//
//   - structurally against real iLO 5 captures (testdata/captures, verbatim
//     copies of ../shared/fixtures/ilo/ilo5): the same property names, JSON
//     types and link shapes, with every allowed difference listed in
//     exceptions_test.go together with its reason;
//   - against the HPE and DMTF JSON schemas (testdata/schemas, copies of
//     ../shared/fixtures/schemas): every object that carries an @odata.type
//     is validated with the schema of exactly that type and version, where
//     one exists.
//
// Run them with: go test ./internal/ilosim/fidelity/
package fidelity
