package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestShippedBinaryDeps: the module binary links go-playground/validator/v10,
// which checks the validate tags (issue 15: the design's named dependency, not
// a hand-written copy of it; make build: binary 7,733,374 -> 10,006,654 bytes, budget 12 MB),
// and none of the test packages.
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
	has := func(pkg string) bool {
		for _, d := range deps {
			if d == pkg || strings.HasPrefix(d, pkg+"/") {
				return true
			}
		}
		return false
	}
	if !has("github.com/go-playground/validator/v10") {
		t.Error("./cmd/fleetfw-ilo does not link github.com/go-playground/validator/v10: validate tags must be checked by it")
	}
	forbidden := []struct{ pkg, why string }{
		{"github.com/fleetfw/ilo/internal/modtest", "test helpers"},
		{"github.com/fleetfw/ilo/internal/ilosim", "the simulator"},
		{"github.com/fleetfw/ilo/internal/testimage", "test image formats"},
		{"testing", "test code"},
	}
	for _, f := range forbidden {
		if has(f.pkg) {
			t.Errorf("./cmd/fleetfw-ilo depends on %s (%s)", f.pkg, f.why)
		}
	}
}
