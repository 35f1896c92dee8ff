package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestBinaryLeavesOutValidator: the module binary does not link
// go-playground/validator or the packages it brings (issue #9: the binary
// must stay at or under 8,000,000 bytes; make build gave 9,977,982 bytes
// with them, 7,733,374 without). internal/ansible checks
// validate tags itself and only its tests use the validator, as a reference.
// internal/modtest's TestShippedBinaryDeps keeps the test packages out.
func TestBinaryLeavesOutValidator(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "list", "-deps", ".")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, forbidden := range []string{
		"github.com/go-playground/validator/v10",
		"github.com/go-playground/universal-translator",
		"github.com/go-playground/locales",
		"github.com/gabriel-vasile/mimetype",
		"github.com/leodido/go-urn",
		"golang.org/x/text/language",
	} {
		for _, d := range deps {
			if d == forbidden || strings.HasPrefix(d, forbidden+"/") {
				t.Errorf("./cmd/fleetfw-ilo depends on %s", d)
			}
		}
	}
}
