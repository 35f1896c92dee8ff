//go:build integration

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/simharness"
)

// Credentials every simulator is started with; the password is distinctive so that the
// secrets scan finds it anywhere it leaks.
const (
	testUsername = "fleetfw-rel"
	testPassword = "Fleetfw-REL-pw-4e81b2c7"
)

var (
	reportPath = flag.String("report", "", "write the JSON report of the run to this file")
	soakRuns   = flag.Int("soak", 0, "module runs in the sessions soak (default 1000, 200 with -short)")
)

// suite is prepared once by TestMain and shared by every test.
var suite *harness

type harness struct {
	root    string // repository root
	work    string // temporary directory for this run
	bin     string // cmd/fleetfw-ilo, built
	mkimage string // cmd/mkimage, built
	images  string // directory of test images
	secrets *simharness.SecretLog
	report  *report
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
		fmt.Fprintf(os.Stderr, "reliability: setup failed: %v\n", err)
		return 1
	}
	suite = h
	code := m.Run()
	st, scanErr := h.secrets.Scan()
	fmt.Println(st)
	if scanErr != nil {
		fmt.Printf("--- FAIL: secrets scan\n    %v\n", scanErr)
		code = 1
	}
	h.report.Secrets = st
	h.report.ExitCode = code
	if *reportPath != "" {
		if err := h.report.write(*reportPath); err != nil {
			fmt.Fprintf(os.Stderr, "reliability: %v\n", err)
			return 1
		}
	}
	return code
}

// setup builds the module binary and mkimage, and writes the test images.
func setup() (*harness, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, fmt.Errorf("find repository root: %w", err)
	}
	work, err := os.MkdirTemp("", "fleetfw-reliability-")
	if err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	h := &harness{root: root, work: work, secrets: simharness.NewSecretLog(testPassword),
		report: &report{Started: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version()}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h.bin = filepath.Join(work, "fleetfw-ilo")
	h.mkimage = filepath.Join(work, "mkimage")
	for out, pkg := range map[string]string{h.bin: "./cmd/fleetfw-ilo", h.mkimage: "./cmd/mkimage"} {
		if _, err := command(ctx, root, "go", "build", "-o", out, pkg); err != nil {
			return h, fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	h.images = filepath.Join(work, "images")
	for _, args := range [][]string{
		{"-name", "ilo5_305.bin"},
		{"-name", "cp045678.exe", "-version", "1.2.3"},
		{"-name", "U46_2.90_01_01_2025.signed.flash"},
	} {
		if _, err := command(ctx, root, h.mkimage, append([]string{"-o", h.images}, args...)...); err != nil {
			return h, fmt.Errorf("write test image: %w", err)
		}
	}
	return h, nil
}

// image returns the path of a test image written by setup.
func image(name string) string { return filepath.Join(suite.images, name) }

// command runs name with args in dir and returns its stdout; the error carries stderr.
func command(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// report is the JSON document scripts/reliability-report.sh renders into docs/reliability.md.
type report struct {
	mu        sync.Mutex
	Started   string               `json:"started"`
	GoVersion string               `json:"go_version"`
	ExitCode  int                  `json:"exit_code"`
	Cases     []caseResult         `json:"cases"`
	Soak      *soakResult          `json:"soak,omitempty"`
	Secrets   simharness.ScanStats `json:"secrets"`
}

// caseResult is one row of a matrix.
type caseResult struct {
	Section string `json:"section"` // faults, bad_input, tls, sessions, playbook
	Module  string `json:"module"`
	Case    string `json:"case"`
	Passed  bool   `json:"passed"`
	// Outcome says what the module did: ok, changed, failed.
	Outcome string `json:"outcome"`
	// Detail is the message or the figure that decided the case.
	Detail string `json:"detail,omitempty"`
	// Posts and Writes are what the simulator counted during the case.
	Posts  int `json:"posts"`
	Writes int `json:"writes"`
	// SessionsLeft is the simulator's open sessions after the case.
	SessionsLeft int `json:"sessions_left"`
	// Logins is what the simulator counted during the case (hardening cases).
	Logins int `json:"logins,omitempty"`
	// Class is the issue 14 class a hostile case belongs to (its category).
	Class string `json:"class,omitempty"`
	// PeakRSSKiB is the module process's peak memory; Seconds how long it ran.
	PeakRSSKiB int64   `json:"peak_rss_kib,omitempty"`
	Seconds    float64 `json:"seconds,omitempty"`
}

// soakResult is the sessions soak's figures.
type soakResult struct {
	Runs          int            `json:"runs"`
	Parallelism   int            `json:"parallelism"`
	Kinds         map[string]int `json:"kinds"`
	Outcomes      map[string]int `json:"outcomes"`
	SessionsLeft  int            `json:"sessions_left"`
	SIGKILLRuns   int            `json:"sigkill_runs"`
	SIGKILLLeft   int            `json:"sigkill_sessions_left"`
	Logins        int            `json:"logins"`
	Seconds       float64        `json:"seconds"`
	LimitMessage  string         `json:"limit_message"`
	IdleExpiredOK bool           `json:"idle_expired_ok"`
}

// add records a case when the test ends, passed unless the test failed.
func (r *report) add(t *testing.T, c *caseResult) {
	t.Cleanup(func() {
		c.Passed = !t.Failed()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.Cases = append(r.Cases, *c)
	})
}

func (r *report) write(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.SliceStable(r.Cases, func(a, b int) bool {
		x, y := r.Cases[a], r.Cases[b]
		if x.Section != y.Section {
			return x.Section < y.Section
		}
		if x.Module != y.Module {
			return x.Module < y.Module
		}
		return x.Case < y.Case
	})
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
