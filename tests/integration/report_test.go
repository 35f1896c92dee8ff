//go:build integration

package integration

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// chromiumTimeout bounds one headless Chromium run.
const chromiumTimeout = 2 * time.Minute

// TestFirmwareReport runs the firmware_report role's fleet playbook (ilo0 pending, ilo1 and
// ilo2 compliant, ilo3 and ilo4 outdated, "dark" not read), then opens the HTML page in
// headless Chromium: the rendered DOM must hold one row per server with each baseline cell's
// status, and the screenshot must show the compliant, pending and outdated colours. The page
// and its screenshot are kept in build/ for a person to look at.
func TestFirmwareReport(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	t.Parallel() // with TestTargets' runs: this is one of the longest
	sim := startSim(t, "ilo5", "ilo5", "ilo6", "ilo7", "ilo5-legacy")
	dir := t.TempDir()
	r := runPlaybook(t, sim, filepath.Join("targets", "roles_firmware_report", "fleet.yml"), map[string]any{"report_dir": dir}, nil)
	r.RequireOK(t)
	requireNoSessions(t, sim)

	page := filepath.Join(dir, "firmware-report.html")
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("read the report: %v", err)
	}
	// Self-contained: nothing the browser would fetch.
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "href=", "@import", "url("} {
		if strings.Contains(string(src), bad) {
			t.Errorf("report contains %q; want a page with no external or embedded resources", bad)
		}
	}

	dom := runChromium(t, chromium, "--dump-dom", "file://"+page)
	rows := reportRows(dom)
	tests := []struct {
		host   string
		status string
		cells  map[string]string // baseline column -> status shown
	}{
		{"ilo0", "pending", map[string]string{"iLO 5": "compliant", "iLO 6": "n/a", "System ROM": "pending", "Power Supply Firmware": "compliant"}},
		{"ilo1", "compliant", map[string]string{"iLO 5": "compliant", "iLO 7": "n/a", "System ROM": "compliant"}},
		{"ilo2", "compliant", map[string]string{"iLO 5": "n/a", "iLO 6": "compliant", "System ROM": "compliant"}},
		{"ilo3", "outdated", map[string]string{"iLO 7": "outdated", "System ROM": "outdated", "Power Supply Firmware": "compliant"}},
		{"ilo4", "outdated", map[string]string{"iLO 5": "outdated", "System ROM": "outdated"}},
		{"dark", "error", map[string]string{"iLO 5": "n/a", "System ROM": "n/a"}},
	}
	if len(rows) != len(tests) {
		t.Errorf("rendered table has %d server rows, want %d", len(rows), len(tests))
	}
	for _, tt := range tests {
		row, ok := rows[tt.host]
		if !ok {
			t.Errorf("rendered table has no row for %s", tt.host)
			continue
		}
		if row.status != tt.status {
			t.Errorf("%s: status %q, want %q", tt.host, row.status, tt.status)
		}
		for col, want := range tt.cells {
			if got := row.cells[col]; got != want {
				t.Errorf("%s, column %s: %q, want %q", tt.host, col, got, want)
			}
		}
	}
	for _, text := range []string{"A47 v2.90 (01/01/2025)", "2.18 May 21 2020", "connection refused", "Fleet firmware"} {
		if !strings.Contains(dom, text) {
			t.Errorf("rendered page does not show %q", text)
		}
	}

	shot := filepath.Join(dir, "firmware-report.png")
	runChromium(t, chromium, "--screenshot="+shot, "--window-size=1280,900", "file://"+page)
	img := readPNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
		t.Errorf("screenshot is %dx%d, want 1280x900", b.Dx(), b.Dy())
	}
	// The badge backgrounds of the page's CSS, drawn as solid fills.
	for name, c := range map[string]color.RGBA{
		"compliant": {0xe3, 0xf4, 0xea, 0xff},
		"pending":   {0xfd, 0xf1, 0xd8, 0xff},
		"outdated":  {0xfb, 0xe4, 0xe2, 0xff},
	} {
		if n := countPixels(img, c); n < 50 {
			t.Errorf("screenshot has %d pixels of the %s badge colour, want a visible badge", n, name)
		}
	}
	keep(t, page, shot)
}

// reportRow is one server row of the rendered table.
type reportRow struct {
	status string
	cells  map[string]string
}

var (
	rowRE  = regexp.MustCompile(`<tr data-host="([^"]+)" data-status="([^"]+)">`)
	cellRE = regexp.MustCompile(`data-component="([^"]+)" data-status="([^"]+)"`)
)

// reportRows reads the server rows out of Chromium's serialized DOM.
func reportRows(dom string) map[string]reportRow {
	rows := map[string]reportRow{}
	locs := rowRE.FindAllStringSubmatchIndex(dom, -1)
	for i, loc := range locs {
		end := len(dom)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if k := strings.Index(dom[loc[1]:end], "</tr>"); k >= 0 {
			end = loc[1] + k
		}
		row := reportRow{status: dom[loc[4]:loc[5]], cells: map[string]string{}}
		for _, m := range cellRE.FindAllStringSubmatch(dom[loc[1]:end], -1) {
			row.cells[m[1]] = m[2]
		}
		rows[dom[loc[2]:loc[3]]] = row
	}
	return rows
}

// runChromium runs headless Chromium with a fresh profile and no network use of its own, and
// returns its stdout.
func runChromium(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	argv := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
	}, args...)
	out, err := command(ctx, t.TempDir(), nil, chromium, argv...)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return out
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// countPixels counts the pixels of img that are exactly c.
func countPixels(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				n++
			}
		}
	}
	return n
}

// keep copies the files to build/ in the repository, so that the page and its screenshot can
// be looked at after the run.
func keep(t *testing.T, files ...string) {
	t.Helper()
	dir := filepath.Join(suite.root, "build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("keep the report: %v", err)
		return
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
		}
		if err != nil {
			t.Logf("keep %s: %v", f, err)
			continue
		}
		t.Logf("kept %s", filepath.Join(dir, filepath.Base(f)))
	}
}

// TestRolloutFailureBudget runs playbooks/rollout.yml (from the installed collection) on four
// iLOs whose first one's power-supply flash ends in Error, with two failure budgets:
//
//   - a canary wave (serial [1, 50%]) and no budget: the canary fails, the rollout stops there,
//     and the report says ilo0 failed and the other three untouched (staged, never invoked);
//   - waves of two and a budget of 50 %: the first wave's one failure is within it, the second
//     wave runs, and the report says ilo0 failed and the other three done.
//
// Either way ansible-playbook exits 2 (a host failed) and leaves no session open.
func TestRolloutFailureBudget(t *testing.T) {
	catalog := t.TempDir()
	if _, err := command(context.Background(), suite.root, nil, "go", "run", "./cmd/mkimage", "-spp", "-o", catalog); err != nil {
		t.Fatalf("write the catalog: %v", err)
	}
	tests := []struct {
		name   string
		serial []any
		budget int
		want   map[string]string // host -> status in the report
	}{
		{"canary stops the rollout", []any{1, "50%"}, 0, map[string]string{"ilo0": "failed", "ilo1": "untouched", "ilo2": "untouched", "ilo3": "untouched"}},
		{"within the budget", []any{2, 2}, 50, map[string]string{"ilo0": "failed", "ilo1": "done", "ilo2": "done", "ilo3": "done"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, "ilo5", "ilo6", "ilo7", "ilo5")
			if _, err := sim.ILOs[0].Do(http.MethodPost, "/_sim/faults", map[string]any{"flash_error": "Power_Supply_Firmware-3.11-1.fwpkg"}); err != nil {
				t.Fatal(err)
			}
			stop := fastClocks(sim, 20*time.Second)
			defer stop()
			report := t.TempDir()
			r := runPlaybook(t, sim, filepath.Join(suite.installed, "playbooks", "rollout.yml"), map[string]any{
				"firmware_baseline_catalog":       catalog,
				"firmware_baseline_reboot":        "none",
				"firmware_baseline_poll_interval": 1,
				"rollout_serial":                  tt.serial,
				"rollout_max_fail_percentage":     tt.budget,
				"rollout_report_dir":              report,
			}, nil)
			stop()
			if r.ParseErr != nil {
				t.Fatalf("%v\nstderr:\n%s", r.ParseErr, r.Stderr)
			}
			if r.ExitCode != 2 {
				t.Errorf("ansible-playbook exit %d, want 2 (a host failed)", r.ExitCode)
			}
			b, err := os.ReadFile(filepath.Join(report, "rollout-report.json"))
			if err != nil {
				t.Fatalf("the report was not written after the wave that failed: %v", err)
			}
			got := map[string]string{}
			for _, s := range gjson.GetBytes(b, "servers").Array() {
				got[s.Get("host").String()] = s.Get("status").String()
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("report statuses %v, want %v", got, tt.want)
			}
			if reason := gjson.GetBytes(b, `servers.#(host=="ilo0").reason`).String(); !strings.Contains(reason, "ended Exception") {
				t.Errorf("ilo0's reason = %q, want the task that ended in Exception", reason)
			}
			html, err := os.ReadFile(filepath.Join(report, "rollout-report.html"))
			if err != nil {
				t.Fatal(err)
			}
			for host, status := range tt.want {
				if !strings.Contains(string(html), `data-host="`+host+`" data-status="`+status+`"`) {
					t.Errorf("the HTML report does not show %s %s", host, status)
				}
			}
			requireNoSessions(t, sim)
		})
	}
}

// fastClocks moves every simulated iLO's clock on by step every half second until the
// returned function is called (it may be called more than once), so that flashes, iLO
// resets and reboots take seconds; cmd/ilosim is started at speed 1 by startSim.
func fastClocks(sim *Sim, step time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				for _, ilo := range sim.ILOs {
					_, _ = ilo.Do(http.MethodPost, "/_sim/clock", map[string]string{"advance": step.String()})
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-finished
	}
}
