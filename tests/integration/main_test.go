//go:build integration

package integration

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// Credentials every simulator is started with. The password is distinctive so that the
// secrets scan finds it anywhere it leaks.
const (
	testUsername = "fleetfw-it"
	testPassword = "Fleetfw-IT-pw-7d3a9c51"
)

// suite is what TestMain prepares once for every test; it is not changed afterwards.
var suite *harness

// harness holds the built and installed collection and the simulator binary.
type harness struct {
	root        string // repository root
	work        string // temporary directory for this run
	tarball     string // the collection tarball built for this run
	collections string // ANSIBLE_COLLECTIONS_PATH holding the installed collection
	installed   string // collections/ansible_collections/fleetfw/ilo
	simBin      string // cmd/ilosim, built
	skip        string // why no test can run here (the collection cannot be built); empty when they can
	skipSim     string // why tests that need the simulator cannot run; empty when they can
	secrets     *simharness.SecretLog
	runs        *runLog
}

// runLog keeps the cost of every ansible-playbook and ansible-runner run, for the summary
// TestMain prints (CPU seconds do not depend on what else the machine is doing).
type runLog struct {
	mu   sync.Mutex
	runs []runCost
}

type runCost struct {
	label     string
	wall, cpu time.Duration
}

func (l *runLog) add(label string, wall time.Duration, ps *os.ProcessState) {
	if ps == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, runCost{label, wall, ps.UserTime() + ps.SystemTime()})
}

// summary writes the number of runs, their total wall and CPU time and the five costliest.
func (l *runLog) summary(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wall, cpu time.Duration
	for _, r := range l.runs {
		wall += r.wall
		cpu += r.cpu
	}
	fmt.Fprintf(w, "integration: %d ansible runs, %.0f s wall, %.0f s CPU (ansible and modules)\n", len(l.runs), wall.Seconds(), cpu.Seconds())
	top := slices.Clone(l.runs)
	slices.SortFunc(top, func(a, b runCost) int { return int(b.cpu - a.cpu) })
	for _, r := range top[:min(5, len(top))] {
		fmt.Fprintf(w, "  %5.1f s CPU %6.1f s wall  %s\n", r.cpu.Seconds(), r.wall.Seconds(), r.label)
	}
}

// killGroupOnCancel runs cmd in its own process group and, when its context ends, kills
// the whole group (ansible-playbook's module processes included), then stops waiting for
// its output after 10 s.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	h, err := setup()
	if h != nil {
		defer os.RemoveAll(h.work)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: setup failed: %v\n", err)
		return 1
	}
	suite = h
	for _, why := range []string{h.skip, h.skipSim} {
		if why == "" {
			continue
		}
		if os.Getenv("FLEETFW_INTEGRATION") == "require" {
			fmt.Fprintf(os.Stderr, "integration: cannot run and FLEETFW_INTEGRATION=require: %s\n", why)
			return 1
		}
		fmt.Printf("integration: SKIPPING tests: %s\n", why)
	}
	code := m.Run()
	h.runs.summary(os.Stdout)
	if h.skip == "" {
		if err := scanSecrets(h.secrets, os.Stdout); err != nil {
			fmt.Printf("--- FAIL: secrets scan\n    %v\n", err)
			code = 1
		}
	}
	return code
}

// setup builds what the tests need, or says in harness.skip why it cannot.
func setup() (*harness, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, fmt.Errorf("find repository root: %w", err)
	}
	if _, err := os.Stat(filepath.Join(root, "galaxy.yml")); err != nil {
		return nil, fmt.Errorf("find repository root: %w", err)
	}
	work, err := os.MkdirTemp("", "fleetfw-integration-")
	if err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	h := &harness{root: root, work: work, secrets: simharness.NewSecretLog(testPassword), runs: &runLog{}}

	var missing []string
	if !hasGoFiles(filepath.Join(root, "cmd", "fleetfw-ilo")) {
		missing = append(missing, "cmd/fleetfw-ilo")
	}
	for _, tool := range []string{"ansible-playbook", "ansible-galaxy", "ansible-doc", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (run make deps)")
		}
	}
	if len(missing) > 0 {
		h.skip = "not written or not installed yet: " + strings.Join(missing, ", ")
		return h, nil
	}
	if !hasGoFiles(filepath.Join(root, "cmd", "ilosim")) {
		h.skipSim = "the simulator (cmd/ilosim) is not written yet"
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dist := filepath.Join(work, "dist")
	if _, err := command(ctx, root, nil, "make", "-s", "collection", "DIST="+dist); err != nil {
		return h, fmt.Errorf("build the collection: %w", err)
	}
	tarballs, _ := filepath.Glob(filepath.Join(dist, "fleetfw-ilo-*.tar.gz"))
	if len(tarballs) != 1 {
		return h, fmt.Errorf("build the collection: want one tarball in %s, found %v", dist, tarballs)
	}
	h.tarball = tarballs[0]
	h.collections = filepath.Join(work, "collections")
	h.installed = filepath.Join(h.collections, "ansible_collections", "fleetfw", "ilo")
	env := []string{"ANSIBLE_COLLECTIONS_PATH=" + h.collections}
	if _, err := command(ctx, work, env, "ansible-galaxy", "collection", "install", "-p", h.collections, h.tarball); err != nil {
		return h, fmt.Errorf("install the collection: %w", err)
	}
	if h.skipSim == "" {
		if h.simBin, err = simharness.Build(ctx, root, work); err != nil {
			return h, fmt.Errorf("build the simulator: %w", err)
		}
	}
	if _, err := command(ctx, work, env, "ansible-doc", "-t", "callback", "ansible.posix.json"); err != nil {
		return h, fmt.Errorf("the ansible.posix.json callback is missing (Debian package ansible; make deps): %w", err)
	}
	return h, nil
}

// requireSuite skips the test when the collection could not be built and installed.
func requireSuite(t *testing.T) {
	t.Helper()
	if suite.skip != "" {
		t.Skip("integration: " + suite.skip)
	}
}

// requireSim skips the test when, in addition, the simulator is not available.
func requireSim(t *testing.T) {
	t.Helper()
	requireSuite(t)
	if suite.skipSim != "" {
		t.Skip("integration: " + suite.skipSim)
	}
}

// hasGoFiles reports whether dir holds a non-test Go file.
func hasGoFiles(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

// command runs name with args in dir, with env added to the current environment, and
// returns its stdout; the error carries stderr.
func command(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	killGroupOnCancel(cmd)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}
