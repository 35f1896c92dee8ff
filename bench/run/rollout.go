package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// rolloutRun is one run of playbooks/rollout.yml (issue 17) against a fresh simulator.
type rolloutRun struct {
	ilos       int
	pull       bool
	wall, cpu  float64 // seconds; cpu is ansible-playbook and every process it waited for
	rssKiB     int64   // peak RSS of the controller's largest process
	received   int64   // bytes the iLOs received, summed (/_sim/counters)
	imageBytes int64   // bytes of the files staged on one iLO
}

// rolloutResult is the rollout step: the same baseline on one iLO, on the fleet pulling
// from a web server, and on the fleet pushed from the controller.
type rolloutResult struct {
	one, pull, push rolloutRun
	forks           int
	speed           float64
}

// The simulators' clock runs cfg.rolloutSpeed times faster (BENCH_ROLLOUT_SPEED; 5 by default,
// 20 with BENCH_QUICK): a flash takes 60 s of iLO time, an iLO reset 90 s dark and a server's
// restart about five minutes (rolloutPOST), so the realistic durations keep their proportions
// and a run takes minutes, not hours. The makespan ratio depends on it: what the fleet adds to
// one iLO's rollout is the controller's per-host work, a fixed number of seconds the report gives
// (the ratio for a one-server rollout of T seconds is (T + that) / T).

// rolloutPOST is the simulated POST of a server restarted to activate a staged System ROM:
// four minutes, a ProLiant Gen10 that trains memory and flashes the ROM on the way (the
// simulator's default, 90 s, is a plain POST). Unconfirmed: HPE publishes no POST times.
const rolloutPOST = 4 * time.Minute

// rollout measures the fleet rollout (issue 17): mkimage's SPP-like catalog (a System ROM
// that activates at reboot and the iLO's own firmware; the plan holds the rest) rolled out with graceful reboots in one wave, on one iLO and on
// cfg.rolloutILOs iLOs with forks cfg.fleetForks: the makespan ratio, the bytes the controller
// sent in pull mode (the iLOs download from a web server) and push mode, and the controller's
// CPU and peak memory.
func rollout(ctx context.Context, cfg config, rep *report) error {
	dir := filepath.Join(cfg.work, "rollout")
	catalog := filepath.Join(dir, "catalog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if _, err := command(ctx, cfg.work, nil, cfg.bin("mkimage"), "-spp", "-size", cfg.rolloutImage, "-o", catalog); err != nil {
		return fmt.Errorf("write the catalog: %w", err)
	}
	url, stopServer, err := serveDir(ctx, catalog)
	if err != nil {
		return err
	}
	defer stopServer()
	res := &rolloutResult{forks: cfg.fleetForks, speed: float64(cfg.rolloutSpeed)}
	for _, r := range []struct {
		run  *rolloutRun
		ilos int
		pull bool
	}{{&res.one, 1, true}, {&res.pull, cfg.rolloutILOs, true}, {&res.push, cfg.rolloutILOs, false}} {
		src := ""
		if r.pull {
			src = url
		}
		run, err := rolloutOnce(ctx, cfg, dir, catalog, src, r.ilos)
		if err != nil {
			return err
		}
		logf("rollout: %d iLO(s), %s: %.0f s wall, %.0f s CPU, %.0f MiB peak RSS, %d bytes received of %d image bytes per iLO",
			r.ilos, map[bool]string{true: "pull", false: "push"}[r.pull], run.wall, run.cpu, float64(run.rssKiB)/1024, run.received, run.imageBytes)
		*r.run = run
	}
	rep.rollout = res
	return nil
}

// rolloutOnce runs the rollout on n fresh simulated iLOs; url is where the iLOs pull the
// catalog's files from (empty: pushed).
func rolloutOnce(ctx context.Context, cfg config, dir, catalog, url string, n int) (rolloutRun, error) {
	name := fmt.Sprintf("sim-%d-%t", n, url != "")
	s, err := startSim(ctx, cfg.bin("ilosim"), filepath.Join(dir, name), "-count", strconv.Itoa(n),
		"-speed", strconv.Itoa(cfg.rolloutSpeed), "-staged-activation", "-idle-timeout", "24h", "-server-post", rolloutPOST.String())
	if err != nil {
		return rolloutRun{}, err
	}
	defer s.stop()
	inv := filepath.Join(dir, name+".ini")
	if err := s.inventory(inv, ""); err != nil {
		return rolloutRun{}, fmt.Errorf("write inventory: %w", err)
	}
	vars, err := json.Marshal(map[string]any{
		"firmware_baseline_catalog":       catalog,
		"firmware_baseline_catalog_url":   url,
		"firmware_baseline_reboot":        "graceful",
		"firmware_baseline_poll_interval": 2,
		"rollout_serial":                  []string{"100%"},
		"rollout_report_dir":              filepath.Join(dir, name+"-report"),
	})
	if err != nil {
		return rolloutRun{}, err
	}
	varsFile := filepath.Join(dir, name+".json")
	if err := os.WriteFile(varsFile, vars, 0o600); err != nil {
		return rolloutRun{}, fmt.Errorf("write extra vars: %w", err)
	}
	env, err := ansibleEnv(cfg, cfg.fleetForks)
	if err != nil {
		return rolloutRun{}, err
	}
	pb := filepath.Join(cfg.work, "collections", "ansible_collections", "fleetfw", "ilo", "playbooks", "rollout.yml")
	t, err := timed(ctx, cfg.work, env, "ansible-playbook", "-i", inv, "-e", "@"+varsFile, pb)
	if _, perr := parsePlay(t.out, pb, time.Duration(t.wall*float64(time.Second)), nil, err); perr != nil {
		return rolloutRun{}, perr
	}
	c, err := s.counters(ctx)
	if err != nil {
		return rolloutRun{}, err
	}
	staged, err := stagedBytes(filepath.Join(dir, name+"-report", "rollout-report.json"), catalog)
	if err != nil {
		return rolloutRun{}, err
	}
	return rolloutRun{ilos: n, pull: url != "", wall: t.wall, cpu: t.cpu, rssKiB: t.rssKiB, received: c.BytesReceived, imageBytes: staged}, nil
}

// stagedBytes adds up the sizes of the files the rollout installed on the first server of
// its report (every iLO of the step runs the same profile and gets the same files).
func stagedBytes(report, catalog string) (int64, error) {
	b, err := os.ReadFile(report)
	if err != nil {
		return 0, fmt.Errorf("read the rollout report: %w", err)
	}
	var doc struct {
		Servers []struct {
			Status     string `json:"status"`
			Components []struct {
				File    string `json:"file"`
				Install bool   `json:"install"`
			} `json:"components"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Servers) == 0 {
		return 0, fmt.Errorf("read the rollout report %s: %v", report, err)
	}
	seen := map[string]bool{}
	var n int64
	for _, c := range doc.Servers[0].Components {
		if !c.Install || seen[c.File] {
			continue
		}
		seen[c.File] = true
		st, err := os.Stat(filepath.Join(catalog, c.File))
		if err != nil {
			return 0, fmt.Errorf("size of a staged file: %w", err)
		}
		n += st.Size()
	}
	if n == 0 {
		return 0, fmt.Errorf("the rollout report %s says nothing was installed on %s (%s)", report, "the first server", doc.Servers[0].Status)
	}
	return n, nil
}

// serveDir serves dir over HTTP on a free loopback port until stop: Go's file server, which
// sends files with sendfile(2) like the web servers a real catalog sits behind, so that the
// rig's two cores are not spent copying images in user space.
func serveDir(ctx context.Context, dir string) (url string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("find a free port: %w", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	stop = func() { _ = srv.Close() }
	return "http://" + l.Addr().String(), stop, nil
}

// writeRollout is the report's rollout section.
func (r *report) writeRollout(w func(string, ...any)) {
	x := r.rollout
	if x == nil {
		return
	}
	n := x.pull.ilos
	w("## 5. Fleet rollout: playbooks/rollout.yml, 1 and %d simulated iLOs, forks %d, clock ×%.0f\n\n", n, x.forks, x.speed)
	w("mkimage's SPP-like catalog (System ROM stepping stone, activated by a graceful restart; the iLO's own firmware, waited\n")
	w("through its reset), one wave, staged activation. One run each.\n\n")
	w("| | 1 iLO, pull | %d iLOs, pull | %d iLOs, push |\n|---|---|---|---|\n", n, n)
	row := func(name string, f func(rolloutRun) string) {
		w("| %s | %s | %s | %s |\n", name, f(x.one), f(x.pull), f(x.push))
	}
	row("wall time, s", func(r rolloutRun) string { return fmt.Sprintf("%.0f", r.wall) })
	row("controller CPU, s", func(r rolloutRun) string { return fmt.Sprintf("%.0f", r.cpu) })
	row("controller peak RSS (largest process), MiB", func(r rolloutRun) string { return fmt.Sprintf("%.0f", float64(r.rssKiB)/1024) })
	row("bytes the iLOs received ÷ (image bytes × iLOs)", func(r rolloutRun) string {
		return fmt.Sprintf("%.4f", float64(r.received)/float64(r.imageBytes*int64(r.ilos)))
	})
	row("controller CPU per iLO, s", func(r rolloutRun) string { return fmt.Sprintf("%.2f", r.cpu/float64(r.ilos)) })
	extra := x.pull.wall - x.one.wall
	w("\nWhat %d iLOs add to one iLO's rollout (pull): **%.0f s** of wall time, the controller's per-host work (Ansible's\n", n, extra)
	w("per-task cost on every host: the role's checks, the results given to every host, the report); the rounds of\n")
	w("`fleetfw.ilo.firmware_rollout` take about as long for the batch as for one iLO. The makespan ratio for a one-server\n")
	w("rollout of T seconds is therefore about (T + %.0f) / T: ≤ 1.5× once T ≥ %.0f s of wall time. Here T is %.0f s (clock ×%.0f);\n", extra, 2*extra, x.one.wall, x.speed)
	w("a real server's rollout with an iLO flash and a ROM reboot takes 10 to 20 minutes.\n\n")
}

// rolloutHeadline is the rollout's lines of the headline table.
func (r *report) rolloutHeadline(w func(string, ...any)) {
	x := r.rollout
	if x == nil {
		return
	}
	n := x.pull.ilos
	mk := x.pull.wall / x.one.wall
	w("| Rollout, %d iLOs, forks %d ÷ 1 iLO: wall time (makespan) | %.2f× | ≤ 1.5× | %s |\n", n, x.forks, mk, verdict(mk <= 1.5))
	pull := float64(x.pull.received) / float64(x.pull.imageBytes*int64(n))
	w("| same, pull: bytes sent to the iLOs ÷ (image bytes × iLOs) | %.4f | ≤ 0.01 | %s |\n", pull, verdict(pull <= 0.01))
	push := float64(x.push.received) / float64(x.push.imageBytes*int64(n))
	w("| same, push: bytes sent to the iLOs ÷ (image bytes × iLOs) | %.3f | ≈ 1 (one copy) | %s |\n", push, verdict(push >= 1 && push < 1.05))
}
