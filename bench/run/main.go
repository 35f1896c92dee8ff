// Command run is `make bench`: it builds the collection, starts simulated
// iLOs and measures fleetfw.ilo against community.general, curl and a no-op
// Go module in one run, then writes a Markdown report (docs/benchmarks.md).
//
//	go run ./bench/run [-out docs/benchmarks.md] [-work DIR] [-keep]
//
// BENCH_QUICK=1 uses fewer iLOs, runs and bytes (a check that every step
// works, not figures to quote). BENCH_FLEET_ILOS, BENCH_FLEET_RUNS,
// BENCH_SCALE_ILOS, BENCH_SCALE_RUNS, BENCH_UPLOAD_RUNS, BENCH_UPLOAD_MIB and
// BENCH_PY_UPLOAD_MIB (the Python multipart push's file) override single sizes. Every figure is a median of several runs and
// every comparison is a ratio of runs taken in the same round, on the same
// simulator, so that a noisy machine moves both sides alike.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is what one benchmark run measures; quick mode shrinks it.
type config struct {
	root, work, out string
	quick           bool

	fleetILOs, fleetForks, fleetRuns int
	scaleILOs, scaleForks, scaleRuns int
	rolloutILOs                      int
	rolloutSpeed                     int    // the simulators' clock speed in the rollout step
	rolloutImage                     string // mkimage -size of each catalog image
	idemILOs, idemRuns               int
	uploadBytes                      int64
	uploadRuns                       int
	pyUploadBytes                    int64 // the Python multipart push's file (default: uploadBytes)
	pyUploadRuns                     int
	directRuns                       int
	overrides                        []string // BENCH_* size variables given
}

func defaults(quick bool) config {
	if quick {
		return config{quick: true,
			fleetILOs: 10, fleetForks: 20, fleetRuns: 3,
			scaleILOs: 100, scaleForks: 50, scaleRuns: 1,
			rolloutILOs: 10, rolloutImage: "1MiB", rolloutSpeed: 20,
			idemILOs: 3, idemRuns: 2,
			uploadBytes: 96 << 20, uploadRuns: 2, pyUploadRuns: 1,
			directRuns: 5,
		}
	}
	return config{
		fleetILOs: 200, fleetForks: 20, fleetRuns: 5,
		scaleILOs: 1000, scaleForks: 50, scaleRuns: 3,
		rolloutILOs: 100, rolloutImage: "16MiB", rolloutSpeed: 5,
		idemILOs: 10, idemRuns: 5,
		uploadBytes: 1000 << 20, uploadRuns: 5, pyUploadRuns: 1,
		directRuns: 20,
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := defaults(os.Getenv("BENCH_QUICK") == "1")
	out := flag.String("out", "docs/benchmarks.md", "report to write (relative to the repository root)")
	work := flag.String("work", "", "work directory (default: a new temporary directory, removed at the end)")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	for name, p := range map[string]*int{"BENCH_FLEET_RUNS": &cfg.fleetRuns, "BENCH_SCALE_RUNS": &cfg.scaleRuns,
		"BENCH_SCALE_ILOS": &cfg.scaleILOs, "BENCH_FLEET_ILOS": &cfg.fleetILOs, "BENCH_UPLOAD_RUNS": &cfg.uploadRuns,
		"BENCH_ROLLOUT_ILOS": &cfg.rolloutILOs, "BENCH_ROLLOUT_SPEED": &cfg.rolloutSpeed} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("read %s: want a positive integer, got %q", name, v)
			}
			*p = n
			cfg.overrides = append(cfg.overrides, name+"="+v)
		}
	}
	if v := os.Getenv("BENCH_UPLOAD_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("read BENCH_UPLOAD_MIB: want a positive integer, got %q", v)
		}
		cfg.uploadBytes = int64(n) << 20
		cfg.overrides = append(cfg.overrides, "BENCH_UPLOAD_MIB="+v)
	}
	cfg.pyUploadBytes = cfg.uploadBytes
	if v := os.Getenv("BENCH_PY_UPLOAD_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("read BENCH_PY_UPLOAD_MIB: want a positive integer, got %q", v)
		}
		cfg.pyUploadBytes = int64(n) << 20
		cfg.overrides = append(cfg.overrides, "BENCH_PY_UPLOAD_MIB="+v)
	}
	slices.Sort(cfg.overrides)
	root, err := repoRoot()
	if err != nil {
		return err
	}
	cfg.root = root
	cfg.out = *out
	if !filepath.IsAbs(cfg.out) {
		cfg.out = filepath.Join(root, cfg.out)
	}
	if *work == "" {
		d, err := os.MkdirTemp("", "fleetfw-bench-")
		if err != nil {
			return fmt.Errorf("create work directory: %w", err)
		}
		if !*keep {
			defer os.RemoveAll(d)
		}
		*work = d
	}
	cfg.work, err = filepath.Abs(*work)
	if err != nil {
		return fmt.Errorf("resolve work directory: %w", err)
	}
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Minute)
	defer cancel()

	rep := &report{cfg: cfg, started: time.Now().UTC()}
	steps := []struct {
		name string
		f    func(context.Context, config, *report) error
	}{
		{"build", build},
		{"machine", machine},
		{"fleet", fleet},
		{"idempotent", idempotent},
		{"upload", upload},
		{"scale", scale},
		{"rollout", rollout},
		{"profile", profile},
	}
	only := map[string]bool{"build": true, "machine": true}
	for _, name := range strings.Split(os.Getenv("BENCH_STEPS"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			only[name] = true
		}
	}
	for _, s := range steps {
		if len(only) > 2 && !only[s.name] {
			logf("== %s skipped (BENCH_STEPS=%s)", s.name, os.Getenv("BENCH_STEPS"))
			continue
		}
		t0 := time.Now()
		logf("== %s", s.name)
		if err := s.f(ctx, cfg, rep); err != nil {
			if s.name == "build" || ctx.Err() != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			logf("%s FAILED: %v", s.name, err)
			rep.failures = append(rep.failures, fmt.Sprintf("%s: %v", s.name, err))
		}
		rep.stepTimes = append(rep.stepTimes, stepTime{s.name, time.Since(t0)})
		logf("== %s done in %s", s.name, time.Since(t0).Round(time.Second))
	}
	rep.finished = time.Now().UTC()
	if err := rep.write(cfg.out); err != nil {
		return err
	}
	logf("wrote %s", cfg.out)
	if len(rep.failures) > 0 {
		return fmt.Errorf("%d step(s) failed (see the report): %v", len(rep.failures), rep.failures)
	}
	return nil
}

// repoRoot finds the repository root (the directory holding galaxy.yml)
// from the working directory upwards.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "galaxy.yml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no galaxy.yml above the working directory")
		}
		dir = parent
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}
