package modtest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestShippedBinaryDeps: the module binary depends on none of the test
// packages (this one, the simulator, the test image formats).
func TestShippedBinaryDeps(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "list", "-deps", "./cmd/fleetfw-ilo")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, forbidden := range []string{
		"github.com/fleetfw/ilo/internal/modtest",
		"github.com/fleetfw/ilo/internal/ilosim",
		"github.com/fleetfw/ilo/internal/testimage",
	} {
		for _, d := range deps {
			if d == forbidden || strings.HasPrefix(d, forbidden+"/") {
				t.Errorf("./cmd/fleetfw-ilo depends on %s", d)
			}
		}
	}
}
