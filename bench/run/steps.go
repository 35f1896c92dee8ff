package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// goBuild are the flags of the Makefile's GOBUILD: static, stripped,
// reproducible (what ships).
var goBuild = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

func (c config) bin(name string) string { return filepath.Join(c.work, "bin", name) }

// moduleBin is the multi-call binary of the installed collection.
func (c config) moduleBin() string {
	return filepath.Join(c.work, "collections", "ansible_collections", "fleetfw", "ilo", "plugins", "bin", "fleetfw-ilo")
}

func (c config) playbook(name string) string {
	return filepath.Join(c.root, "bench", "playbooks", name)
}

// build packages and installs the collection as `make install` does (into
// the work directory) and builds the simulator, mkimage and the no-op module.
func build(ctx context.Context, cfg config, rep *report) error {
	dist := filepath.Join(cfg.work, "dist")
	if _, err := command(ctx, cfg.root, nil, "make", "-s", "collection", "DIST="+dist); err != nil {
		return fmt.Errorf("build the collection: %w", err)
	}
	tarballs, _ := filepath.Glob(filepath.Join(dist, "fleetfw-ilo-*.tar.gz"))
	if len(tarballs) != 1 {
		return fmt.Errorf("build the collection: want one tarball in %s, found %v", dist, tarballs)
	}
	coll := filepath.Join(cfg.work, "collections")
	if _, err := command(ctx, cfg.work, []string{"ANSIBLE_COLLECTIONS_PATH=" + coll},
		"ansible-galaxy", "collection", "install", "--force", "-p", coll, tarballs[0]); err != nil {
		return fmt.Errorf("install the collection: %w", err)
	}
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}
	for _, b := range []struct{ out, pkg string }{
		{cfg.bin("ilosim"), "./cmd/ilosim"},
		{cfg.bin("mkimage"), "./cmd/mkimage"},
		{filepath.Join(cfg.work, "library", "bench_noop"), "./bench/noop"},
		{cfg.bin("noop-validator"), "./bench/noopvalidator"},
		{cfg.bin("replay"), "./bench/replay"},
	} {
		if _, err := command(ctx, cfg.root, env, "go", append(goBuild, "-o", b.out, b.pkg)...); err != nil {
			return fmt.Errorf("build %s: %w", b.pkg, err)
		}
	}
	// Unstripped, for the size attribution (symbols by package).
	if _, err := command(ctx, cfg.root, env, "go", "build", "-trimpath", "-tags", "nethttpomithttp2", "-o", cfg.bin("fleetfw-ilo.syms"), "./cmd/fleetfw-ilo"); err != nil {
		return fmt.Errorf("build unstripped fleetfw-ilo: %w", err)
	}
	st, err := os.Stat(cfg.moduleBin())
	if err != nil {
		return fmt.Errorf("find the installed module binary: %w", err)
	}
	rep.binaryBytes = st.Size()
	if st, err = os.Stat(tarballs[0]); err != nil {
		return fmt.Errorf("stat tarball: %w", err)
	}
	rep.tarballBytes, rep.tarball = st.Size(), filepath.Base(tarballs[0])
	if st, err = os.Stat(filepath.Join(cfg.work, "library", "bench_noop")); err != nil {
		return fmt.Errorf("stat noop: %w", err)
	}
	rep.noopBytes = st.Size()
	if st, err = os.Stat(cfg.bin("noop-validator")); err != nil {
		return fmt.Errorf("stat noop-validator: %w", err)
	}
	rep.noopValidatorBytes = st.Size()
	if err := padNoop(filepath.Join(cfg.work, "library", "bench_noop"), filepath.Join(cfg.work, "library", "bench_noop_sized"), rep.binaryBytes); err != nil {
		return err
	}
	return padNoop(cfg.bin("replay"), filepath.Join(cfg.work, "library", "bench_replay_sized"), rep.binaryBytes)
}

// padNoop writes a copy of the no-op module padded with zeros to size bytes
// (the module binary's size; the ELF loader ignores what follows the last
// segment), so the fleet benchmark can tell what Ansible's per-task copy of a
// larger binary costs from what the module's own run costs.
func padNoop(src, dst string, size int64) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read noop: %w", err)
	}
	if int64(len(b)) < size {
		b = append(b, make([]byte, size-int64(len(b)))...)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		return fmt.Errorf("write padded noop: %w", err)
	}
	return nil
}

// machine records the hardware, the versions and the load.
func machine(ctx context.Context, cfg config, rep *report) error {
	m := map[string]string{}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m["cpu"] = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	m["cores"] = strconv.Itoa(runtime.NumCPU())
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m["memory"] = strings.Join(strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:], " ")
	}
	first := func(name string, args ...string) string {
		out, err := command(ctx, cfg.root, nil, name, args...)
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	}
	m["kernel"] = first("uname", "-sr")
	m["os"] = strings.Trim(strings.TrimPrefix(first("grep", "^PRETTY_NAME=", "/etc/os-release"), "PRETTY_NAME="), `"`)
	m["go"] = first("go", "version")
	m["ansible-core"] = first("ansible", "--version")
	m["python"] = first("python3", "--version")
	m["curl"] = first("curl", "--version")
	out, _ := command(ctx, cfg.work, nil, "ansible-galaxy", "collection", "list", "community.general")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "community.general" {
			m["community.general"] = f[1]
		}
	}
	m["commit"] = first("git", "rev-parse", "--short", "HEAD")
	m["load (1 min) at start"] = fmt.Sprintf("%.1f", loadAvg())
	rep.machine = m
	return nil
}

// run is one measured ansible-playbook run.
type runResult struct {
	wall, cpu float64 // seconds
	c         counters
	load      float64
}

// measure resets the counters, runs the playbook, and reads the counters.
func measure(ctx context.Context, cfg config, s *sim, inv, pb string, forks int, env ...string) (runResult, error) {
	if err := s.reset(ctx); err != nil {
		return runResult{}, err
	}
	pr, err := playbook(ctx, cfg, inv, pb, forks, env...)
	if err != nil {
		return runResult{}, err
	}
	if pr.hosts != len(s.ILOs) {
		return runResult{}, fmt.Errorf("%s: %d hosts ran, want %d", filepath.Base(pb), pr.hosts, len(s.ILOs))
	}
	c, err := s.counters(ctx)
	if err != nil {
		return runResult{}, err
	}
	return runResult{wall: pr.wall.Seconds(), cpu: pr.cpu.Seconds(), c: c, load: loadAvg()}, nil
}

// fleetVariants are the three plays of the fleet benchmark, in the report's order.
var fleetVariants = []struct{ name, playbook string }{
	{"fleetfw.ilo.update_info", "fleet_update_info.yml"},
	{"community.general.redfish_info", "fleet_redfish_info.yml"},
	{"no-op Go module (floor)", "fleet_noop.yml"},
	{"no-op padded to the module binary's size", "fleet_noop_sized.yml"},
	{"update_info's answer replayed by a module of its size", "fleet_replay_sized.yml"},
}

// fleet runs the plays against the same simulated fleet, rotating their
// order each round so that none always runs first.
func fleet(ctx context.Context, cfg config, rep *report) error {
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(cfg.work, "sim-fleet"), "-count", strconv.Itoa(cfg.fleetILOs))
	if err != nil {
		return err
	}
	defer s.stop()
	replay, err := saveAnswer(ctx, cfg, s)
	if err != nil {
		return err
	}
	if st, err := os.Stat(replay); err == nil {
		rep.replayBytes = st.Size()
	}
	inv := filepath.Join(cfg.work, "fleet.ini")
	if err := s.inventory(inv, "bench_replay_output="+replay+"\n"); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	res := make([][]runResult, len(fleetVariants))
	for r := 0; r < cfg.fleetRuns; r++ {
		for k := range fleetVariants {
			i := (k + r) % len(fleetVariants)
			v := fleetVariants[i]
			rr, err := measure(ctx, cfg, s, inv, cfg.playbook(v.playbook), cfg.fleetForks)
			if err != nil {
				return err
			}
			logf("fleet round %d: %s %.1f s, %.1f requests/iLO, load %.1f", r+1, v.name, rr.wall, float64(rr.c.total())/float64(len(s.ILOs)), rr.load)
			res[i] = append(res[i], rr)
		}
	}
	rep.fleet = res
	return nil
}

// saveAnswer runs update_info (gather_subset firmware) once on the fleet's
// first iLO, as the fleet play does, and saves its answer for bench/replay.
func saveAnswer(ctx context.Context, cfg config, s *sim) (string, error) {
	args := filepath.Join(cfg.work, "replay-args.json")
	conn := map[string]any{"baseuri": s.ILOs[0].BaseURI, "username": simUser, "password": simPass, "ca_path": s.CAPath,
		"gather_subset": []string{"firmware"}}
	if err := moduleArgs(args, "update_info", conn); err != nil {
		return "", err
	}
	t, err := timed(ctx, cfg.work, nil, cfg.moduleBin(), args)
	if err != nil {
		return "", fmt.Errorf("update_info for the replay: %w", err)
	}
	if msg := moduleFailed(t.out); msg != "" {
		return "", fmt.Errorf("update_info for the replay failed: %s", msg)
	}
	out := filepath.Join(cfg.work, "replay-update_info.json")
	if err := os.WriteFile(out, []byte(t.out), 0o600); err != nil {
		return "", fmt.Errorf("save the answer to replay: %w", err)
	}
	return out, s.reset(ctx)
}

// idempotent brings a small fleet to a baseline with the firmware_baseline
// role, opens the window so the queue flashes, then measures reruns.
func idempotent(ctx context.Context, cfg config, rep *report) error {
	role := filepath.Join(cfg.work, "collections", "ansible_collections", "fleetfw", "ilo", "roles", "firmware_baseline", "tasks", "main.yml")
	if _, err := os.Stat(role); err != nil {
		return fmt.Errorf("the firmware_baseline role is not in the collection: %w", err)
	}
	images := filepath.Join(cfg.work, "images")
	for _, name := range []string{"A47_2.90_01_01_2025.signed.flash", "cpld_v1C.vme"} {
		if _, err := command(ctx, cfg.work, nil, cfg.bin("mkimage"), "-o", images, "-name", name); err != nil {
			return err
		}
	}
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(cfg.work, "sim-idem"), "-count", strconv.Itoa(cfg.idemILOs), "-profile", "ilo5,ilo6,ilo7")
	if err != nil {
		return err
	}
	defer s.stop()
	inv := filepath.Join(cfg.work, "idem.ini")
	if err := s.inventory(inv, "bench_images="+images+"\n"); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	pb := cfg.playbook("baseline.yml")
	if _, err := playbook(ctx, cfg, inv, pb, cfg.fleetForks); err != nil {
		return fmt.Errorf("first run: %w", err)
	}
	if err := s.eachILO(ctx, func(ctx context.Context, base string) error {
		return s.call(ctx, http.MethodPost, base+"/_sim/clock", []byte(`{"advance": "2h"}`), nil)
	}); err != nil {
		return fmt.Errorf("open the window: %w", err)
	}
	if _, err := playbook(ctx, cfg, inv, pb, cfg.fleetForks, "BENCH_BASELINE_WAIT=true"); err != nil {
		return fmt.Errorf("run after the window: %w", err)
	}
	for r := 0; r < cfg.idemRuns; r++ {
		rr, err := measure(ctx, cfg, s, inv, pb, cfg.fleetForks)
		if err != nil {
			return err
		}
		logf("idempotent run %d: %.1f requests/iLO, %d writes", r+1, float64(rr.c.total())/float64(len(s.ILOs)), rr.c.Writes)
		rep.idem = append(rep.idem, rr)
	}
	rep.idemILOs = len(s.ILOs)
	return nil
}

// scale runs update_info over the large fleet.
func scale(ctx context.Context, cfg config, rep *report) error {
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(cfg.work, "sim-scale"), "-count", strconv.Itoa(cfg.scaleILOs))
	if err != nil {
		return err
	}
	defer s.stop()
	inv := filepath.Join(cfg.work, "scale.ini")
	if err := s.inventory(inv, ""); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	for r := 0; r < cfg.scaleRuns; r++ {
		rr, err := measure(ctx, cfg, s, inv, cfg.playbook("fleet_update_info.yml"), cfg.scaleForks)
		if err != nil {
			return err
		}
		logf("scale run %d: %.1f s for %d iLOs, load %.1f", r+1, rr.wall, len(s.ILOs), rr.load)
		rep.scale = append(rep.scale, rr)
	}
	return nil
}

// timing is one command run under GNU time.
type timing struct {
	wall   float64 // seconds
	cpu    float64 // user+system seconds of the command and its children
	rssKiB int64   // peak RSS of the largest process
	out    string  // stdout
}

// timed runs a command under GNU time and returns its wall and CPU seconds,
// peak RSS and stdout. Peak RSS is GNU time's %M: taken from wait4 in a
// small process, as a process forked from this (large) Go program would
// carry this program's high-water mark across exec. CPU comes from the
// rusage of GNU time, which waits for the command (microseconds, where -f
// %U prints hundredths); it includes GNU time's own start, well under 1 ms.
func timed(ctx context.Context, dir string, env []string, name string, args ...string) (timing, error) {
	f, err := os.CreateTemp("", "bench-time-")
	if err != nil {
		return timing{}, fmt.Errorf("create time output: %w", err)
	}
	f.Close()
	defer os.Remove(f.Name())
	cmd := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", "-o", f.Name(), name}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	runErr := cmd.Run()
	t := timing{wall: time.Since(t0).Seconds(), out: stdout.String(), cpu: cpuOf(cmd.ProcessState).Seconds()}
	if runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		runErr = fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), runErr, msg)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return t, errors.Join(runErr, fmt.Errorf("read time output: %w", err))
	}
	// "Command exited with non-zero status N" comes first when it failed.
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return t, errors.Join(runErr, errors.New("read time output: empty"))
	}
	if t.rssKiB, err = strconv.ParseInt(fields[len(fields)-1], 10, 64); err != nil {
		return t, errors.Join(runErr, fmt.Errorf("read time output %q: %w", b, err))
	}
	return t, runErr
}

// moduleArgs writes an Ansible arguments file for the multi-call binary.
func moduleArgs(path, module string, args map[string]any) error {
	a := map[string]any{"_ansible_module_name": module, "_ansible_check_mode": false, "_ansible_no_log": false,
		"_ansible_diff": false, "_ansible_verbosity": 0}
	for k, v := range args {
		a[k] = v
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode module args: %w", err)
	}
	return os.WriteFile(path, b, 0o600)
}

// moduleFailed reports the msg of a failed module result, or "" when it
// succeeded.
func moduleFailed(stdout string) string {
	var r struct {
		Failed bool   `json:"failed"`
		Msg    string `json:"msg"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		return "unreadable result: " + stdout
	}
	if r.Failed {
		return r.Msg
	}
	return ""
}

// cpuOf is the user+system time of a finished process and its waited-for
// children.
func cpuOf(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
