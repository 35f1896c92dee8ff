package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestShippedBinaryDeps: the module binary links none of the test packages
// and none of what validator/v10 brings. internal/ansible checks validate tags
// itself and only its tests use the validator, as the reference it must agree
// with (issue #9: the binary must stay at or under 8,000,000 bytes; make build
// gave 9,977,982 bytes with the validator, 7,733,374 without).
func TestShippedBinaryDeps(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	forbidden := []struct{ pkg, why string }{
		{"github.com/fleetfw/ilo/internal/modtest", "test helpers"},
		{"github.com/fleetfw/ilo/internal/ilosim", "the simulator"},
		{"github.com/fleetfw/ilo/internal/testimage", "test image formats"},
		{"github.com/go-playground/validator/v10", "size: tags are checked in internal/ansible"},
		{"github.com/go-playground/universal-translator", "validator dependency"},
		{"github.com/go-playground/locales", "validator dependency"},
		{"github.com/gabriel-vasile/mimetype", "validator dependency"},
		{"github.com/leodido/go-urn", "validator dependency"},
		{"golang.org/x/text/language", "validator dependency"},
	}
	for _, f := range forbidden {
		for _, d := range deps {
			if d == f.pkg || strings.HasPrefix(d, f.pkg+"/") {
				t.Errorf("./cmd/fleetfw-ilo depends on %s (%s)", d, f.why)
			}
		}
	}
}
