package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// profileResult is what dominates one module run.
type profileResult struct {
	direct     []directTiming // one module process, outside Ansible
	initTotal  float64        // ms, sum of package init clocks
	initTop    []initCost     // largest first
	initGroups []initCost     // by dependency group
	strace     string         // strace -c -f summary of one update_info run
	sizes      []sizeShare    // symbol bytes by package group, largest first
	symTotal   int64
	perfRuns   int         // update_info runs sampled by perf (0: perf not installed)
	perfTop    []perfEntry // heaviest call paths, inclusive share of the module's CPU samples
}

// perfEntry is one line of `perf report --children`: a function and the
// share of samples spent in it or below it.
type perfEntry struct {
	symbol   string
	children float64 // percent
}

type directTiming struct {
	name     string
	ms       []float64
	cpuMs    []float64 // user+system
	rssKiB   []float64
	requests float64 // per run, from the simulator counters (0 for runs without an iLO)
}

type initCost struct {
	pkg    string
	ms     float64
	allocs int64
}

type sizeShare struct {
	group string
	bytes int64
}

// profile runs single module processes directly (as Ansible does: binary,
// arguments file) against one simulated iLO and takes them apart.
func profile(ctx context.Context, cfg config, rep *report) error {
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(cfg.work, "sim-profile"), "-count", "1")
	if err != nil {
		return err
	}
	defer s.stop()
	base := s.ILOs[0].BaseURI
	conn := map[string]any{"baseuri": base, "username": simUser, "password": simPass, "ca_path": s.CAPath}
	files := map[string]map[string]any{
		"noop":     conn,
		"argfail":  merge(conn, map[string]any{"gather_subset": []string{}}),
		"firmware": merge(conn, map[string]any{"gather_subset": []string{"firmware"}}),
		"all":      conn,
	}
	for name, a := range files {
		if err := moduleArgs(filepath.Join(cfg.work, "profile-"+name+".json"), "update_info", a); err != nil {
			return err
		}
	}
	arg := func(name string) string { return filepath.Join(cfg.work, "profile-"+name+".json") }
	p := &profileResult{}
	cases := []struct {
		name, bin, args string
		wantFail        bool
	}{
		{"bench/noop (process start floor)", filepath.Join(cfg.work, "library", "bench_noop"), "noop", false},
		{"bench/noopvalidator (noop + validator/v10)", cfg.bin("noop-validator"), "noop", false},
		{"fleetfw-ilo, arguments refused (start + init + decode, no network)", cfg.moduleBin(), "argfail", true},
		{"fleetfw-ilo update_info gather_subset firmware", cfg.moduleBin(), "firmware", false},
		{"fleetfw-ilo update_info gather_subset all", cfg.moduleBin(), "all", false},
	}
	for _, c := range cases {
		d := directTiming{name: c.name}
		var reqs int
		for r := 0; r < cfg.directRuns; r++ {
			if err := s.reset(ctx); err != nil {
				return err
			}
			t, err := timed(ctx, cfg.work, nil, c.bin, arg(c.args))
			if err != nil && !c.wantFail {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if msg := moduleFailed(t.out); (msg != "") != c.wantFail {
				return fmt.Errorf("%s: failed=%v, want %v: %s", c.name, msg != "", c.wantFail, msg)
			}
			cs, err := s.counters(ctx)
			if err != nil {
				return err
			}
			reqs += cs.total()
			d.ms = append(d.ms, t.wall*1000)
			d.cpuMs = append(d.cpuMs, t.cpu*1000)
			d.rssKiB = append(d.rssKiB, float64(t.rssKiB))
		}
		d.requests = float64(reqs) / float64(cfg.directRuns)
		p.direct = append(p.direct, d)
		logf("direct: %s: median %.1f ms", c.name, median(d.ms))
	}

	// Package init costs of the module binary (GODEBUG=inittrace=1 on
	// stderr); the median of several runs per package.
	perPkg := map[string][]float64{}
	allocs := map[string]int64{}
	var totals []float64
	for r := 0; r < 5; r++ {
		out, err := commandStderr(ctx, cfg.work, []string{"GODEBUG=inittrace=1"}, cfg.moduleBin(), arg("argfail"))
		if err != nil {
			return err
		}
		total := 0.0
		for _, l := range strings.Split(out, "\n") {
			// init net/http @2.1 ms, 0.21 ms clock, 1032 bytes, 11 allocs
			f := strings.Fields(l)
			if len(f) < 10 || f[0] != "init" {
				continue
			}
			ms, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				continue
			}
			n, _ := strconv.ParseInt(f[9], 10, 64)
			perPkg[f[1]] = append(perPkg[f[1]], ms)
			allocs[f[1]] = n
			total += ms
		}
		totals = append(totals, total)
	}
	p.initTotal = median(totals)
	groups := map[string]float64{}
	for pkg, ms := range perPkg {
		m := median(ms)
		p.initTop = append(p.initTop, initCost{pkg, m, allocs[pkg]})
		groups[group(pkg)] += m
	}
	slices.SortFunc(p.initTop, func(a, b initCost) int { return cmpDesc(a.ms, b.ms) })
	if len(p.initTop) > 12 {
		p.initTop = p.initTop[:12]
	}
	for g, ms := range groups {
		p.initGroups = append(p.initGroups, initCost{pkg: g, ms: ms})
	}
	slices.SortFunc(p.initGroups, func(a, b initCost) int { return cmpDesc(a.ms, b.ms) })

	// Syscalls of one update_info run.
	straceOut := filepath.Join(cfg.work, "strace.txt")
	if _, err := command(ctx, cfg.work, nil, "strace", "-c", "-f", "-o", straceOut, cfg.moduleBin(), arg("firmware")); err != nil {
		return fmt.Errorf("strace: %w", err)
	}
	b, err := os.ReadFile(straceOut)
	if err != nil {
		return fmt.Errorf("read strace summary: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 14 {
		lines = append(lines[:12], lines[len(lines)-2:]...)
	}
	p.strace = strings.Join(lines, "\n")

	// Binary size by package group (symbol sizes of an unstripped build).
	nm, err := command(ctx, cfg.work, nil, "go", "tool", "nm", "-size", cfg.bin("fleetfw-ilo.syms"))
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	for _, l := range strings.Split(nm, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		// Code and read-only data only: D/B symbols include bss (such
		// as a 32 MiB FIPS DRBG buffer) that takes no room in the file.
		if err != nil || n == 0 || !strings.Contains("TtRr", f[2]) {
			continue
		}
		sym := strings.Join(f[3:], " ")
		sizes[group(symbolPackage(sym))] += n
		p.symTotal += n
	}
	for g, n := range sizes {
		p.sizes = append(p.sizes, sizeShare{g, n})
	}
	slices.SortFunc(p.sizes, func(a, b sizeShare) int { return cmpDesc(float64(a.bytes), float64(b.bytes)) })
	if err := perfTop(ctx, cfg, p, arg("firmware")); err != nil {
		return err
	}
	rep.profile = p
	return nil
}

// perfTop samples many update_info runs of the unstripped binary with
// `perf record -g` and keeps the heaviest call paths. A Go CPU profile
// (pprof) samples at 100 Hz, too coarse for a process that lives ~15 ms, so
// perf's 10 kHz sampling over many runs stands in for it.
func perfTop(ctx context.Context, cfg config, p *profileResult, args string) error {
	if _, err := exec.LookPath("perf"); err != nil {
		logf("profile: perf not installed (apt-get install linux-perf); no call-path profile")
		return nil
	}
	// perf filters on the 15-character process name, so give the binary a short one.
	bin := filepath.Join(cfg.work, "fwsyms")
	b, err := os.ReadFile(cfg.bin("fleetfw-ilo.syms"))
	if err != nil {
		return fmt.Errorf("read unstripped binary: %w", err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		return fmt.Errorf("copy unstripped binary: %w", err)
	}
	const runs = 50
	data := filepath.Join(cfg.work, "perf.data")
	loop := fmt.Sprintf("for i in $(seq %d); do %s %s >/dev/null || exit 1; done", runs, bin, args)
	if _, err := command(ctx, cfg.work, nil, "perf", "record", "-q", "-F", "10000", "-g", "-o", data, "--", "sh", "-c", loop); err != nil {
		logf("profile: perf record failed (perf_event_paranoid?): %v", err)
		return nil
	}
	out, err := command(ctx, cfg.work, nil, "perf", "report", "-i", data, "--comm", "fwsyms", "--children",
		"--sort", "symbol", "-g", "none", "--stdio")
	if err != nil {
		return fmt.Errorf("perf report: %w", err)
	}
	p.perfRuns = runs
	p.perfTop = parsePerf(out, 3, 24)
	return nil
}

// shortSymbol drops what is inside the brackets of a generic instance
// ("f[go.shape.struct {…}]" → "f[…]"), which can run to hundreds of
// characters.
func shortSymbol(sym string) string {
	var b strings.Builder
	depth := 0
	for _, r := range sym {
		switch {
		case r == '[':
			if depth == 0 {
				b.WriteString("[…]")
			}
			depth++
		case r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// perfNoise are frames every goroutine or thread passes through; they say
// nothing about where the time goes.
var perfNoise = []string{"runtime.goexit", "runtime.main", "runtime.mstart", "runtime.systemstack",
	"runtime.mcall", "runtime.rt0_go", "main.main"}

// parsePerf reads `perf report --children --sort symbol -g none --stdio`
// lines ("  61.24%  0.00%  [.] pkg.Func") and returns the user-space
// functions at or above minPct, at most max of them, heaviest first.
func parsePerf(out string, minPct float64, max int) []perfEntry {
	var top []perfEntry
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || f[2] != "[.]" || !strings.HasSuffix(f[0], "%") {
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
		if err != nil || pct < minPct {
			continue
		}
		sym := shortSymbol(strings.TrimSuffix(strings.Join(f[3:], " "), " - -"))
		if slices.ContainsFunc(perfNoise, func(n string) bool { return strings.HasPrefix(sym, n) }) ||
			slices.ContainsFunc(top, func(e perfEntry) bool { return e.symbol == sym }) {
			continue // a shortened generic instance can repeat a line above
		}
		top = append(top, perfEntry{sym, pct})
		if len(top) == max {
			break
		}
	}
	return top
}

// merge returns a copy of a with b laid over it.
func merge(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// symbolPackage is the package path of a Go symbol name such as
// "github.com/go-playground/validator/v10.(*Validate).Struct" or "type:*x".
func symbolPackage(sym string) string {
	sym = strings.TrimPrefix(sym, "go:itab.")
	sym = strings.TrimPrefix(sym, "type:")
	sym = strings.TrimLeft(sym, "*[]")
	slash := strings.LastIndex(sym, "/")
	dot := strings.Index(sym[slash+1:], ".")
	if dot < 0 {
		return sym
	}
	return sym[:slash+1+dot]
}

// group folds a package path into the dependency it belongs to.
func group(pkg string) string {
	for _, g := range []struct{ prefix, name string }{
		{"github.com/go-playground/validator", "validator/v10 and its deps"},
		{"github.com/go-playground/", "validator/v10 and its deps"},
		{"github.com/gabriel-vasile/mimetype", "validator/v10 and its deps"},
		{"github.com/leodido/go-urn", "validator/v10 and its deps"},
		{"golang.org/x/crypto", "validator/v10 and its deps"},
		{"golang.org/x/text", "validator/v10 and its deps"},
		{"golang.org/x/sys", "validator/v10 and its deps"},
		{"github.com/tidwall/", "tidwall/gjson, sjson"},
		{"github.com/fleetfw/ilo/modules/", "fleetfw modules/*"},
		{"github.com/fleetfw/ilo/internal/", "fleetfw internal/*"},
		{"crypto/", "std crypto + TLS"},
		{"vendor/golang.org/x/crypto", "std crypto + TLS"},
		{"net/http", "std net/http"},
		{"vendor/golang.org/x/net", "std net/http"},
		{"net", "std net"},
		{"runtime", "Go runtime"},
		{"internal/", "Go runtime"},
		{"reflect", "std reflect, encoding"},
		{"encoding/", "std reflect, encoding"},
		{"regexp", "std regexp, unicode, text"},
		{"unicode", "std regexp, unicode, text"},
		{"text/", "std regexp, unicode, text"},
	} {
		if strings.HasPrefix(pkg, g.prefix) {
			return g.name
		}
	}
	if !strings.Contains(pkg, ".") || !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
		return "std (other) and Go metadata (go:func.*, type:*)"
	}
	return "other"
}

// commandStderr runs a command that may fail (refused arguments exit 1)
// and returns its stderr.
func commandStderr(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		return "", fmt.Errorf("run %s: %w", name, err)
	}
	return stderr.String(), nil
}
