package main

import (
	"context"
	"os"
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
		{"github.com/fleetfw/ilo/internal/simharness", "the test suites' simulator harness"},
		{"testing", "test code"},
	}
	for _, f := range forbidden {
		if has(f.pkg) {
			t.Errorf("./cmd/fleetfw-ilo depends on %s (%s)", f.pkg, f.why)
		}
	}
}

// TestLinkerPrunesMethods: nothing the module binary reaches calls
// reflect.Value.Method or MethodByName with a name known only at run time.
// Such a call (the linker marks its caller <ReflectMethod>) makes the linker
// keep every exported method of every type: validator/v10's validateFn tag
// (v10.27.0 and later) cost 1.2 MB that Ansible copies on every task.
func TestLinkerPrunesMethods(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", "nethttpomithttp2", "-ldflags=-dumpdep", "-o", os.DevNull, ".")
	out, err := cmd.CombinedOutput() // the linker writes its dependency graph to stderr
	if err != nil {
		t.Fatalf("go build -ldflags=-dumpdep: %v\n%s", err, lastLines(string(out), 20))
	}
	if !strings.Contains(string(out), " -> ") {
		t.Fatalf("go build -ldflags=-dumpdep printed no dependency graph:\n%s", lastLines(string(out), 20))
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		caller, _, ok := strings.Cut(line, " <ReflectMethod> -> ")
		if ok && !seen[caller] {
			seen[caller] = true
			t.Errorf("%s calls reflect.Value.Method or MethodByName with a run-time name: the linker keeps every exported method", caller)
		}
	}
}

// lastLines is the end of s, n lines at most.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
