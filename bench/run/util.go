package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Credentials of every simulated iLO.
const (
	simUser = "bench"
	simPass = "Bench-pw-4f1c"
)

// command runs name with args in dir with env added and returns stdout; the
// error carries the end of stderr.
func command(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}

// sim is a running cmd/ilosim process.
type sim struct {
	cmd    *exec.Cmd
	CAPath string `json:"ca_path"`
	ILOs   []struct {
		Index   int    `json:"index"`
		BaseURI string `json:"baseuri"`
		Profile string `json:"profile"`
	} `json:"ilos"`
	client *http.Client
}

// startSim starts the simulator built at bin with args and waits for its
// ready line.
func startSim(ctx context.Context, bin, dir string, args ...string) (*sim, error) {
	ready := filepath.Join(dir, "ready.json")
	_ = os.Remove(ready)
	args = append([]string{"-dir", dir, "-username", simUser, "-password", simPass, "-ready-file", ready}, args...)
	log, err := os.Create(filepath.Join(dir + ".log"))
	if err != nil {
		return nil, fmt.Errorf("create simulator log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	s := &sim{cmd: cmd}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		b, err := os.ReadFile(ready)
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			if err := json.Unmarshal(b, s); err != nil {
				s.stop()
				return nil, fmt.Errorf("read simulator ready line: %w", err)
			}
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("simulator %v not ready within 2 minutes (log %s.log)", args, dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pem, err := os.ReadFile(s.CAPath)
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("read simulator CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	s.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 2,
	}}
	return s, nil
}

// stop ends the simulator with SIGTERM and waits for it.
func (s *sim) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// counters is the simulator's /_sim/counters document, summed over iLOs.
type counters struct {
	Requests      map[string]int `json:"requests"`
	Writes        int            `json:"writes"`
	OpenSessions  int            `json:"open_sessions"`
	BytesReceived int64          `json:"bytes_received"`
	Logins        int            `json:"logins"`
}

// total is the number of requests of every method.
func (c counters) total() int {
	n := 0
	for _, v := range c.Requests {
		n += v
	}
	return n
}

func (c *counters) add(o counters) {
	if c.Requests == nil {
		c.Requests = map[string]int{}
	}
	for k, v := range o.Requests {
		c.Requests[k] += v
	}
	c.Writes += o.Writes
	c.OpenSessions += o.OpenSessions
	c.BytesReceived += o.BytesReceived
	c.Logins += o.Logins
}

// eachILO runs f for every iLO, 16 at a time, and returns the first error.
func (s *sim) eachILO(ctx context.Context, f func(ctx context.Context, base string) error) error {
	sem := make(chan struct{}, 16)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, ilo := range s.ILOs {
		wg.Add(1)
		sem <- struct{}{}
		go func(base string) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(ctx, base); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(ilo.BaseURI)
	}
	wg.Wait()
	return first
}

// call sends one control request and decodes the answer into out (if not nil).
func (s *sim) call(ctx context.Context, method, url string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s %s: %w", method, url, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decode %s %s: %w", method, url, err)
		}
	}
	return nil
}

// reset zeroes the counters of every iLO.
func (s *sim) reset(ctx context.Context) error {
	return s.eachILO(ctx, func(ctx context.Context, base string) error {
		return s.call(ctx, http.MethodPost, base+"/_sim/counters/reset", nil, nil)
	})
}

// counters sums the counters of every iLO.
func (s *sim) counters(ctx context.Context) (counters, error) {
	var (
		mu  sync.Mutex
		sum counters
	)
	err := s.eachILO(ctx, func(ctx context.Context, base string) error {
		var c counters
		if err := s.call(ctx, http.MethodGet, base+"/_sim/counters", nil, &c); err != nil {
			return err
		}
		mu.Lock()
		sum.add(c)
		mu.Unlock()
		return nil
	})
	return sum, err
}

// inventory writes an INI inventory of the simulator's iLOs as group ilos,
// every host on the local connection.
func (s *sim) inventory(path string, extra string) error {
	var b strings.Builder
	b.WriteString("[ilos]\n")
	for _, ilo := range s.ILOs {
		fmt.Fprintf(&b, "ilo%d ilo_baseuri=%s ilo_hostport=%s\n", ilo.Index, ilo.BaseURI, strings.TrimPrefix(ilo.BaseURI, "https://"))
	}
	b.WriteString("\n[ilos:vars]\nansible_connection=local\n")
	if !strings.Contains(extra, "ansible_python_interpreter=") {
		b.WriteString("ansible_python_interpreter=/usr/bin/python3\n")
	}
	fmt.Fprintf(&b, "ilo_username=%s\nilo_password=%s\nilo_ca_path=%s\n%s", simUser, simPass, s.CAPath, extra)
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// playResult is what one ansible-playbook run gave.
type playResult struct {
	wall, cpu time.Duration // cpu: ansible-playbook and every process it waited for
	hosts     int
}

// playbook runs ansible-playbook with the JSON callback and fails unless
// every host ended ok.
func playbook(ctx context.Context, cfg config, inv, pb string, forks int, env ...string) (playResult, error) {
	base, err := ansibleEnv(cfg, forks)
	if err != nil {
		return playResult{}, err
	}
	cmd := exec.CommandContext(ctx, "ansible-playbook", "-i", inv, pb)
	cmd.Dir = cfg.work
	cmd.Env = append(append(os.Environ(), base...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	out := stdout.String()
	if err != nil {
		err = fmt.Errorf("ansible-playbook %s: %w: %s", filepath.Base(pb), err, lastLines(stderr.String(), 10))
	}
	return parsePlay(out, pb, wall, cmd.ProcessState, err)
}

// ansibleEnv is the environment every benchmark ansible-playbook runs with: the installed
// collection, the JSON callback, forks, and an empty ansible.cfg in the work directory.
func ansibleEnv(cfg config, forks int) ([]string, error) {
	base := []string{
		"ANSIBLE_COLLECTIONS_PATH=" + filepath.Join(cfg.work, "collections"),
		"ANSIBLE_LIBRARY=" + filepath.Join(cfg.work, "library"),
		"ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_FORKS=" + fmt.Sprint(forks),
		"ANSIBLE_HOST_KEY_CHECKING=0",
		"ANSIBLE_RETRY_FILES_ENABLED=0",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_DEPRECATION_WARNINGS=0",
		"ANSIBLE_LOCAL_TEMP=" + filepath.Join(cfg.work, "ansible-local"),
		"ANSIBLE_REMOTE_TEMP=" + filepath.Join(cfg.work, "ansible-remote"),
		"ANSIBLE_CONFIG=" + filepath.Join(cfg.work, "ansible.cfg"),
	}
	if err := os.WriteFile(filepath.Join(cfg.work, "ansible.cfg"), []byte("[defaults]\n"), 0o644); err != nil {
		return nil, fmt.Errorf("write ansible.cfg: %w", err)
	}
	return base, nil
}

// parsePlay reads the JSON callback's output of playbook pb and fails unless every host
// ended ok; err is the run's own error, if any.
func parsePlay(out, pb string, wall time.Duration, ps *os.ProcessState, err error) (playResult, error) {
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]struct {
					Failed bool            `json:"failed"`
					Msg    json.RawMessage `json:"msg"` // a string, or a list from some modules
				} `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
		Stats map[string]struct {
			Ok, Failures, Unreachable int
		} `json:"stats"`
	}
	if jerr := json.Unmarshal([]byte(out), &doc); jerr != nil {
		if err != nil {
			return playResult{}, err
		}
		return playResult{}, fmt.Errorf("read %s output: %w", filepath.Base(pb), jerr)
	}
	for _, p := range doc.Plays {
		for _, t := range p.Tasks {
			for h, r := range t.Hosts {
				if r.Failed {
					return playResult{}, fmt.Errorf("%s: host %s failed: %s", filepath.Base(pb), h, string(r.Msg))
				}
			}
		}
	}
	bad := 0
	for _, st := range doc.Stats {
		bad += st.Failures + st.Unreachable
	}
	if err != nil || bad > 0 {
		return playResult{}, fmt.Errorf("%s: %d failed or unreachable hosts: %v", filepath.Base(pb), bad, err)
	}
	return playResult{wall: wall, cpu: cpuOf(ps), hosts: len(doc.Stats)}, nil
}

// median of xs (the mean of the two middle values for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread gives the smallest and largest of xs.
func spread(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	return slices.Min(xs), slices.Max(xs)
}

// loadAvg is the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscan(string(b), &l); err != nil {
		return -1
	}
	return l
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
