//go:build integration

package integration

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	secrets     *secretLog
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
	if h.skip == "" {
		if err := h.secrets.scan(os.Stdout); err != nil {
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
	h := &harness{root: root, work: work, secrets: newSecretLog(testPassword)}

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
		h.simBin = filepath.Join(work, "ilosim")
		if _, err := command(ctx, root, nil, "go", "build", "-o", h.simBin, "./cmd/ilosim"); err != nil {
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
