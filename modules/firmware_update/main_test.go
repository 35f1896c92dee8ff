package firmwareupdate

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// TestFlashILO flashes iLO firmware on every profile, fetched by the iLO
// (SimpleUpdate) and pushed (upload form, or the multipart push where it is
// advertised): check mode writes nothing, the flash is one write, the
// module waits through the iLO's reset (sessions dropped, dark), logs in
// again, verifies the version, and a second run writes nothing.
func TestFlashILO(t *testing.T) {
	for _, tc := range []struct {
		profile, source, method string
		task                    bool
	}{
		{"ilo5", "image_uri", "simple", true},
		{"ilo5", "path", "oem_push", false},
		{"ilo5-legacy", "image_uri", "simple", false},
		{"ilo5-legacy", "path", "oem_push", false},
		{"ilo6", "image_uri", "simple", true},
		{"ilo6", "path", "oem_push", false},
		{"ilo7", "image_uri", "simple", true},
		{"ilo7", "path", "oem_push", false},
		{"ilo5-multipart", "path", "multipart", true},
		{"ilo5-multipart", "image_uri", "simple", true},
	} {
		t.Run(tc.profile+"/"+tc.source, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ilosim.WithProfileName(tc.profile))
			name, ver := iloImage(tc.profile)
			args := map[string]any{"path": e.image(testimage.Spec{Filename: name, Size: 2 * mib})}
			if tc.source == "image_uri" {
				args = map[string]any{"image_uri": e.publish(testimage.Spec{Filename: name, Size: 2 * mib})}
			}
			before := e.inventory("1")
			e.counters()

			o := e.mustRun(args, true)
			if !o.changed() || o.str("method") != tc.method || o.str("new_version") != ver {
				t.Errorf("check mode: changed=%v method=%q new_version=%q, want true %q %q", o.changed(), o.str("method"), o.str("new_version"), tc.method, ver)
			}
			if c := e.counters(); c.Writes != 0 {
				t.Errorf("check mode wrote %d times, want 0", c.Writes)
			}

			o = e.mustRun(args, false)
			if !o.changed() || o.str("method") != tc.method {
				t.Errorf("flash: changed=%v method=%q, want true %q (%s)", o.changed(), o.str("method"), tc.method, o.msg())
			}
			if o.str("previous_version") != before {
				t.Errorf("previous_version %q, want %q", o.str("previous_version"), before)
			}
			if got := e.sim.FirmwareVersion(); got != ver {
				t.Errorf("simulator runs %q after the flash, want %q", got, ver)
			}
			if !sameVersion(ver, o.str("new_version")) {
				t.Errorf("new_version %q, want %s", o.str("new_version"), ver)
			}
			if !o.flag("ilo_reset") || o.flag("pending_reboot") {
				t.Errorf("ilo_reset=%v pending_reboot=%v, want true false", o.flag("ilo_reset"), o.flag("pending_reboot"))
			}
			if (o.str("task_id") != "") != tc.task {
				t.Errorf("task_id %q, want one: %v", o.str("task_id"), tc.task)
			}
			if st := o.states(); !slices.Contains(st, "Updating") {
				t.Errorf("states %v, want Updating among them", st)
			}
			if o.target("id") != "1" {
				t.Errorf("target %v, want FirmwareInventory/1", o["target"])
			}
			c := e.counters()
			if c.Writes != 1 {
				t.Errorf("flash: %d writes, want 1 (the image)", c.Writes)
			}
			if c.Logins < 2 || c.OpenSessions != 0 {
				t.Errorf("flash: %d logins and %d open sessions, want a login after the reset and none left open", c.Logins, c.OpenSessions)
			}

			o = e.mustRun(args, false)
			if o.changed() {
				t.Errorf("second run: changed, want unchanged (%s)", o.msg())
			}
			if c := e.counters(); c.Writes != 0 {
				t.Errorf("second run wrote %d times, want 0", c.Writes)
			}
		})
	}
}

// TestBIOSStaged flashes a UEFI/BIOS image, fetched and pushed: it ends
// with pending_reboot, not as a failure, and does not reset the iLO.
func TestBIOSStaged(t *testing.T) {
	const name = "A47_2.90_01_01_2025.signed.flash"
	for _, tc := range []struct{ profile, source string }{
		{"ilo5", "image_uri"}, {"ilo5-legacy", "image_uri"}, {"ilo6", "path"}, {"ilo7", "path"}, {"ilo5-multipart", "path"},
	} {
		t.Run(tc.profile+"/"+tc.source, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ilosim.WithProfileName(tc.profile))
			args := map[string]any{"path": e.image(testimage.Spec{Filename: name, Size: mib})}
			if tc.source == "image_uri" {
				args = map[string]any{"image_uri": e.publish(testimage.Spec{Filename: name, Size: mib})}
			}
			o := e.mustRun(args, false)
			if !o.changed() || !o.flag("pending_reboot") || o.flag("ilo_reset") {
				t.Errorf("changed=%v pending_reboot=%v ilo_reset=%v, want true true false (%s)", o.changed(), o.flag("pending_reboot"), o.flag("ilo_reset"), o.msg())
			}
			if o.target("name") != "System ROM" || o.str("previous_version") != "A47 v2.58 (05/19/2022)" {
				t.Errorf("target %v previous %q, want System ROM at A47 v2.58 (05/19/2022)", o["target"], o.str("previous_version"))
			}
			if got := e.inventory("2"); got != "A47 v2.90 (01/01/2025)" {
				t.Errorf("simulator System ROM %q, want A47 v2.90 (01/01/2025)", got)
			}
			if !strings.Contains(o.msg(), "update_task") {
				t.Errorf("msg %q does not say how to queue the reboot", o.msg())
			}
			e.counters()
			if o := e.mustRun(args, false); o.changed() {
				t.Errorf("second run changed (%s)", o.msg())
			}
			if c := e.counters(); c.Writes != 0 {
				t.Errorf("second run wrote %d times, want 0", c.Writes)
			}
		})
	}
}

// TestRefusals: what would never be flashed, or would fail, is refused
// before anything is sent — without a single request when the file name
// says enough, and without a write otherwise.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	smart := e.image(testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3", Size: mib})
	uefiPkg := e.image(testimage.Spec{Filename: "NIC_FW-1.2.3-1.fwpkg", UpdatableBy: []string{testimage.Uefi}})
	garbage := filepath.Join(t.TempDir(), "delta-ota.bin")
	if err := os.WriteFile(garbage, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     map[string]any
		want     []string
		requests bool // whether the module may read from the iLO
	}{
		{"fwpkg by SimpleUpdate", map[string]any{"image_uri": e.web.URL + "/ilo5_310.fwpkg"},
			[]string{"SimpleUpdate answers 200 OK to ilo5_310.fwpkg but never flashes it", "fleetfw.ilo.component (image_uri, update_target: true)"}, false},
		{"Smart Component by SimpleUpdate", map[string]any{"image_uri": e.web.URL + "/cp045678.exe"},
			[]string{"never flashes it", "fleetfw.ilo.install_set"}, false},
		{"signed.full by SimpleUpdate", map[string]any{"image_uri": e.web.URL + "/A47_2.90_01_01_2025.signed.full"},
			[]string{"never flashes it", "update_target"}, false},
		{"Smart Component pushed", map[string]any{"path": smart},
			[]string{"ignores UpdateTarget for Smart Components", "fleetfw.ilo.install_set"}, false},
		{"package only UEFI flashes", map[string]any{"path": uefiPkg},
			[]string{"would not flash NIC_FW-1.2.3-1.fwpkg itself", "UpdatableBy [Uefi]"}, false},
		{"iLO 6 firmware on an iLO 5", map[string]any{"path": e.image(testimage.Spec{Filename: "ilo6_180.bin"})},
			[]string{"ilo6_180.bin is iLO 6 firmware and this is an iLO 5"}, true},
		{"BIOS of another ROM family", map[string]any{"path": e.image(testimage.Spec{Filename: "U46_2.90_01_01_2025.signed.flash"})},
			[]string{"System ROM family U46", "runs A47"}, true},
		{"version unknown", map[string]any{"path": garbage, "inventory_name": "Chassis Firmware"},
			[]string{"cannot tell the version of delta-ota.bin", "give version"}, false},
		{"no matching entry", map[string]any{"path": garbage, "version": "1.0"},
			[]string{"no FirmwareInventory entry matches delta-ota.bin", "inventory_name", "Chassis Firmware"}, true},
		{"not updateable", map[string]any{"path": garbage, "version": "9.9", "inventory_name": "Embedded Video Controller"},
			[]string{"cannot be updated out of band"}, true},
		{"multipart not advertised", map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_311.bin"}), "method": "multipart"},
			[]string{"does not advertise MultipartHttpPushUri"}, true},
		{"simple with a path", map[string]any{"path": smart, "method": "simple"},
			[]string{"method=simple"}, false},
		{"keep with a URL", map[string]any{"image_uri": e.web.URL + "/ilo5_310.bin", "keep_in_repository": true},
			[]string{"SimpleUpdate never keeps the image"}, false},
		{"TPM override with a URL", map[string]any{"image_uri": e.web.URL + "/ilo5_310.bin", "tpm_override": true},
			[]string{"ActionParameterUnknown"}, false},
		{"no scheme, no protocol", map[string]any{"image_uri": "127.0.0.1/ilo5_310.bin"},
			[]string{"has no scheme"}, false},
		{"both sources", map[string]any{"image_uri": e.web.URL + "/ilo5_310.bin", "path": smart},
			[]string{"mutually exclusive"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.counters()
			o := e.run(tc.args, false)
			if !o.failed() {
				t.Fatalf("not refused: %v", o)
			}
			for _, w := range tc.want {
				if !strings.Contains(o.msg(), w) {
					t.Errorf("msg %q does not contain %q", o.msg(), w)
				}
			}
			if o.changed() {
				t.Errorf("refused before any write, but changed")
			}
			c := e.counters()
			if c.Writes != 0 {
				t.Errorf("%d writes, want 0", c.Writes)
			}
			n := 0
			for _, v := range c.Requests {
				n += v
			}
			if !tc.requests && n != 0 {
				t.Errorf("%d requests, want none: the file name says enough", n)
			}
		})
	}
}

// TestBusyRefused: while another flash runs, the module refuses without a write.
func TestBusyRefused(t *testing.T) {
	e := newEnv(t)
	bios := e.image(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash", Size: mib})
	if o := e.mustRun(map[string]any{"path": bios, "wait": false}, false); !o.changed() || len(o.states()) != 0 {
		t.Fatalf("wait=false: changed=%v states=%v, want changed and no states", o.changed(), o.states())
	}
	e.counters()
	o := e.run(map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_310.bin"})}, false)
	if !o.failed() || !strings.Contains(o.msg(), "the update service is busy") {
		t.Errorf("second flash while the first runs: %q, want a busy refusal", o.msg())
	}
	if c := e.counters(); c.Writes != 0 {
		t.Errorf("%d writes, want 0", c.Writes)
	}
}

// TestStateError: an image the iLO cannot read ends in State Error; the
// module fails with Result.MessageId and its meaning, on a profile with a
// Task (Exception) and on one without.
func TestStateError(t *testing.T) {
	for _, tc := range []struct{ profile, source, id string }{
		{"ilo5", "image_uri", "ResourceAtUriInUnknownFormat"},
		{"ilo5-legacy", "image_uri", "ResourceAtUriInUnknownFormat"},
		{"ilo6", "path", "UpdateInvalidFile"},
		{"ilo5-multipart", "path", "UpdateInvalidFile"},
	} {
		t.Run(tc.profile+"/"+tc.source, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ilosim.WithProfileName(tc.profile))
			name, _ := iloImage(tc.profile)
			junk := []byte(strings.Repeat("not firmware ", 4096))
			var args map[string]any
			if tc.source == "image_uri" {
				if err := os.WriteFile(filepath.Join(e.www, name), junk, 0o600); err != nil {
					t.Fatal(err)
				}
				args = map[string]any{"image_uri": e.web.URL + "/" + name}
			} else {
				p := filepath.Join(t.TempDir(), name)
				if err := os.WriteFile(p, junk, 0o600); err != nil {
					t.Fatal(err)
				}
				args = map[string]any{"path": p}
			}
			before := e.sim.FirmwareVersion()
			o := e.run(args, false)
			if !o.failed() || !strings.Contains(o.msg(), "in Error: ") || !strings.Contains(o.msg(), tc.id) {
				t.Fatalf("msg %q, want a failure naming %s", o.msg(), tc.id)
			}
			info, _ := o["error_info"].(map[string]any)
			res, _ := info["result"].(map[string]any)
			if id, _ := res["message_id"].(string); !strings.HasSuffix(id, "."+tc.id) {
				t.Errorf("error_info.result %v, want MessageId …%s", info["result"], tc.id)
			}
			if m, _ := res["meaning"].(string); m == "" {
				t.Errorf("error_info.result %v has no meaning", res)
			}
			if st := o.states(); len(st) == 0 || st[len(st)-1] != "Error" {
				t.Errorf("states %v, want them to end in Error", st)
			}
			if got := e.sim.FirmwareVersion(); got != before {
				t.Errorf("firmware %q after a failed flash, want %q", got, before)
			}
			if o.changed() || o["outcome"] != nil {
				t.Errorf("changed=%v outcome=%v: the iLO ended the flash in Error, nothing took effect", o.changed(), o["outcome"])
			}
		})
	}
}

// TestOutcomeUnknown: a flash the iLO accepted whose wait runs out reports
// changed with outcome unknown and says so, what it waited for and the last
// State, without Go's "context deadline exceeded".
func TestOutcomeUnknown(t *testing.T) {
	e := newEnv(t, ilosim.WithSpeed(1)) // a flash takes a minute
	name := "A47_2.90_01_01_2025.signed.flash"
	o := e.run(map[string]any{"path": e.image(testimage.Spec{Filename: name, Size: mib}), "wait_timeout": 2}, false)
	if !o.failed() || !o.changed() || o.str("outcome") != "unknown" {
		t.Fatalf("failed=%v changed=%v outcome=%q, want a failure, changed, outcome unknown (%s)", o.failed(), o.changed(), o.str("outcome"), o.msg())
	}
	for _, w := range []string{"gave up waiting for ", name, "last State", "outcome: unknown"} {
		if !strings.Contains(o.msg(), w) {
			t.Errorf("msg %q lacks %q", o.msg(), w)
		}
	}
	if strings.Contains(o.msg(), "deadline") {
		t.Errorf("msg %q shows Go's deadline text", o.msg())
	}
}

// TestVersionDecides: a version the target already reports (from the name,
// from payload.json, or given) is not flashed, also in check mode; force
// flashes it anyway.
func TestVersionDecides(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		args map[string]any
	}{
		{"iLO by name", map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_270.bin"})}},
		{"iLO by payload.json", map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_999.fwpkg", Version: "2.70"})}},
		{"BIOS given", map[string]any{"path": e.image(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"}), "version": "v2.58 (05/19/2022)"}},
		{"CPLD hex code", map[string]any{"path": e.image(testimage.Spec{Filename: "CPLD_XL675d_Gen10p_v0F0F_full_signed.vme"})}},
		{"by inventory name", map[string]any{"path": e.image(testimage.Spec{Filename: "chassis.bin", Version: "1.6.10"}), "inventory_name": "Chassis Firmware", "version": "1.6.10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, check := range []bool{true, false} {
				e.counters()
				o := e.mustRun(tc.args, check)
				if o.changed() || !strings.Contains(o.msg(), "already reports version") {
					t.Errorf("check=%v: changed=%v msg %q, want unchanged", check, o.changed(), o.msg())
				}
				if c := e.counters(); c.Writes != 0 {
					t.Errorf("check=%v: %d writes, want 0", check, c.Writes)
				}
			}
		})
	}
	forced := map[string]any{"path": e.image(testimage.Spec{Filename: "CPLD_XL675d_Gen10p_v0F0F_full_signed.vme"}), "force": true}
	o := e.mustRun(forced, false)
	if !o.changed() || !o.flag("pending_reboot") {
		t.Errorf("force: changed=%v pending_reboot=%v, want a re-flash staged for the power cycle", o.changed(), o.flag("pending_reboot"))
	}
}

// TestFwpkgKept pushes an iLO .fwpkg (version from payload.json) and keeps
// it in the repository; the diff shows the versions.
func TestFwpkgKept(t *testing.T) {
	e := newEnv(t)
	p := e.image(testimage.Spec{Filename: "ilo5_311.fwpkg", Version: "3.11", Size: 3 * mib})
	o := e.mustRun(map[string]any{"path": p, "keep_in_repository": true}, false)
	if !o.changed() || !sameVersion("3.11", o.str("new_version")) || o["bytes_sent"] != json.Number("3145728") {
		t.Errorf("changed=%v new_version=%q bytes_sent=%v, want 3.11 and 3 MiB", o.changed(), o.str("new_version"), o["bytes_sent"])
	}
	if _, _, ok := e.sim.ComponentByFilename("ilo5_311.fwpkg"); !ok {
		t.Errorf("keep_in_repository: the repository does not list ilo5_311.fwpkg")
	}
	d, _ := o["diff"].(map[string]any)
	before, _ := d["before"].(map[string]any)
	after, _ := d["after"].(map[string]any)
	if before["version"] != "2.70 May 16 2022" || after["version"] != "3.11" {
		t.Errorf("diff %v, want 2.70 May 16 2022 → 3.11", d)
	}
}

// TestNoWait returns once the iLO accepted the request, with the task Id.
func TestNoWait(t *testing.T) {
	e := newEnv(t)
	url := e.publish(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"})
	o := e.mustRun(map[string]any{"image_uri": url, "wait": false}, false)
	if !o.changed() || o.str("task_id") == "" || o.str("new_version") != "" {
		t.Errorf("changed=%v task_id=%q new_version=%q, want changed, a task and no version", o.changed(), o.str("task_id"), o.str("new_version"))
	}
}

// TestSameVersion compares image versions with what iLOs report.
func TestSameVersion(t *testing.T) {
	for _, tc := range []struct {
		want, have string
		same       bool
	}{
		{"2.70", "2.70 May 16 2022", true},
		{"2.70", "2.72 Sep 04 2022", false},
		{"1.16.00", "1.16.00 Jul 10 2025", true},
		{"v2.58 (05/19/2022)", "A47 v2.58 (05/19/2022)", true},
		{"v2.90 (01/01/2025)", "A47 v2.58 (05/19/2022)", false},
		{"0F", "0x0F", true},
		{"10", "0x0F", false},
		{"HPG1", "HPG1", true},
		{"HPG2", "HPG1", false},
		{"", "2.70", false},
	} {
		if got := sameVersion(tc.want, tc.have); got != tc.same {
			t.Errorf("sameVersion(%q, %q) = %v, want %v", tc.want, tc.have, got, tc.same)
		}
	}
}

// TestAuthTokenILOFlash: a session given as auth_token dies with the iLO's
// reset and cannot be renewed, so an iLO flash that waits is refused before
// a write; a BIOS flash with the same token works.
func TestAuthTokenILOFlash(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ilo.Connect(ctx, ilo.Config{BaseURI: e.srv.URL, Username: modtest.User, Password: modtest.Password, CAPath: e.ca, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	token, _ := c.Detach()
	t.Cleanup(func() { _ = c.Logout(context.Background(), "") })
	tokenOnly := map[string]any{"username": nil, "password": nil, "auth_token": token}
	e.counters()
	args := map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_310.bin"})}
	maps.Copy(args, tokenOnly)
	o := e.run(args, false)
	if !o.failed() || !strings.Contains(o.msg(), "auth_token alone cannot be renewed") {
		t.Errorf("iLO flash with auth_token: %q, want a refusal", o.msg())
	}
	if c := e.counters(); c.Writes != 0 {
		t.Errorf("%d writes, want 0", c.Writes)
	}
	args = map[string]any{"path": e.image(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"})}
	maps.Copy(args, tokenOnly)
	if o := e.mustRun(args, false); !o.changed() || !o.flag("pending_reboot") {
		t.Errorf("BIOS flash with auth_token: changed=%v pending_reboot=%v", o.changed(), o.flag("pending_reboot"))
	}
}

// TestStickyComplete: a Complete left by an earlier, tagged operation is
// not taken for the end of an untagged SimpleUpdate on an iLO without
// Tasks (2.18): the module waits for the flash it asked for.
func TestStickyComplete(t *testing.T) {
	e := newEnv(t, ilosim.WithProfileName("ilo5-legacy"))
	bios := testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"}
	e.mustRun(map[string]any{"path": e.image(bios)}, false)
	if st := e.sim.State(); st["update_state"] != "Complete" {
		t.Fatalf("update state %v after the first flash, want Complete", st["update_state"])
	}
	o := e.mustRun(map[string]any{"image_uri": e.publish(bios), "force": true}, false)
	if st := o.states(); !o.changed() || !slices.Contains(st, "Updating") || st[len(st)-1] != "Complete" {
		t.Errorf("forced SimpleUpdate: changed=%v states %v, want the flash followed to Complete", o.changed(), st)
	}
}

// TestPushSections flashes an image over 32 MiB through the upload form:
// two Sections, each waited for, the flash after the last.
func TestPushSections(t *testing.T) {
	e := newEnv(t)
	p := e.image(testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash", Size: 40 * mib})
	e.counters()
	o := e.mustRun(map[string]any{"path": p, "keep_in_repository": true}, false)
	if !o.changed() || o["bytes_sent"] != json.Number("41943040") || !o.flag("pending_reboot") {
		t.Errorf("changed=%v bytes_sent=%v pending_reboot=%v, want 40 MiB flashed", o.changed(), o["bytes_sent"], o.flag("pending_reboot"))
	}
	if c := e.counters(); c.Writes != 2 {
		t.Errorf("%d writes, want 2 (one per Section)", c.Writes)
	}
	if got := e.inventory("2"); got != "A47 v2.90 (01/01/2025)" {
		t.Errorf("System ROM %q after the flash, want A47 v2.90 (01/01/2025)", got)
	}
	if c, _, ok := e.sim.ComponentByFilename("A47_2.90_01_01_2025.signed.flash"); !ok || c.Size != 40*mib {
		t.Errorf("repository entry %v %v, want the 40 MiB image kept", c, ok)
	}
}

// TestImageURIPasswordScrubbed: a password inside image_uri never reaches
// the output, not even the echoed arguments of a run refused early.
func TestImageURIPasswordScrubbed(t *testing.T) {
	e := newEnv(t)
	const secret = "Image-pw-77f0e3"
	o := e.run(map[string]any{"image_uri": "http://fw:" + secret + "@127.0.0.1:9/ilo5_310.fwpkg"}, false)
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !o.failed() || strings.Contains(string(b), secret) {
		t.Errorf("failed=%v, output %s: want a refusal without the password", o.failed(), b)
	}
}

// TestILOSelfFlashModes: a real iLO shows Complete before it resets after
// flashing its own firmware (long enough for a slow client to read it),
// sometimes does not reset at all, and sometimes stays dark longer than
// expected. The module waits after Complete for the reset or the new
// version, and new_version is what the iLO reports afterwards.
func TestILOSelfFlashModes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []ilosim.Option
		timeout   int
		wantReset bool
		wantErr   []string // a failure naming these (the flash outcome unknown)
	}{
		{"reset 2 minutes after Complete", []ilosim.Option{ilosim.WithILOResetDelay(2 * time.Minute)}, 120, true, nil},
		{"no reset", []ilosim.Option{ilosim.WithILOReset(false)}, 120, false, nil},
		{"reset longer than expected", []ilosim.Option{ilosim.WithILOResetDelay(30 * time.Second), ilosim.WithDarkTime(8 * time.Minute)}, 120, true, nil},
		{"dark past wait_timeout", []ilosim.Option{ilosim.WithILOResetDelay(time.Second), ilosim.WithDarkTime(time.Hour)}, 10, true,
			[]string{"gave up waiting for", "the iLO was in its reset", "outcome: unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts...)
			args := map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_310.bin", Size: mib}), "wait_timeout": tc.timeout}
			e.counters()
			o := e.run(args, false)
			if tc.wantErr != nil {
				if !o.failed() || !o.changed() || o.str("outcome") != "unknown" {
					t.Fatalf("failed=%v changed=%v outcome=%q, want a failure with an unknown outcome (%s)", o.failed(), o.changed(), o.str("outcome"), o.msg())
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(o.msg(), w) {
						t.Errorf("msg %q lacks %q", o.msg(), w)
					}
				}
				return
			}
			if o.failed() {
				t.Fatalf("module failed: %s", o.msg())
			}
			if st := o.states(); !slices.Contains(st, "Complete") {
				t.Errorf("states %v: Complete was never read before the reset", st)
			}
			if o.flag("ilo_reset") != tc.wantReset || !sameVersion("3.10", o.str("new_version")) || e.sim.FirmwareVersion() != "3.10" {
				t.Errorf("ilo_reset=%v new_version=%q (iLO runs %s), want %v and 3.10 (%s)", o.flag("ilo_reset"), o.str("new_version"), e.sim.FirmwareVersion(), tc.wantReset, o.msg())
			}
			c := e.counters()
			if (c.Logins > 1) != tc.wantReset || c.OpenSessions != 0 {
				t.Errorf("%d logins, %d open sessions: a reset needs one more login, no reset none; none left open", c.Logins, c.OpenSessions)
			}
			if o := e.mustRun(args, false); o.changed() {
				t.Errorf("second run changed: %s", o.msg())
			}
		})
	}
}

// TestILO5246: iLO 5 2.46 omits Updateable from every inventory member:
// unknown, not false, so the iLO and the BIOS are flashed without force
// (check mode plans them, a real run does them); an explicit false is still
// refused (TestRefusals).
func TestILO5246(t *testing.T) {
	e := newEnv(t, ilosim.WithProfileName("ilo5-246"), ilosim.WithILOResetDelay(time.Second))
	for _, img := range []struct{ name, id, want string }{
		{"A47_2.90_01_01_2025.signed.flash", "2", "v2.90"},
		{"ilo5_310.bin", "1", "3.10"},
	} {
		args := map[string]any{"path": e.image(testimage.Spec{Filename: img.name, Size: mib})}
		e.counters()
		o := e.mustRun(args, true)
		if !o.changed() || e.counters().Writes != 0 {
			t.Errorf("%s check mode: changed=%v, want a plan without writes (%s)", img.name, o.changed(), o.msg())
		}
		o = e.mustRun(args, false)
		if !o.changed() || !strings.Contains(e.inventory(img.id), img.want) {
			t.Errorf("%s: changed=%v inventory %q, want flashed to %s (%s)", img.name, o.changed(), e.inventory(img.id), img.want, o.msg())
		}
	}
}

// TestDowngrade: an image older than what the target runs is refused
// before any write, naming allow_downgrade, also with force; with
// allow_downgrade it is flashed with a warning.
func TestDowngrade(t *testing.T) {
	e := newEnv(t, ilosim.WithILOResetDelay(time.Second))
	args := map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_266.bin", Size: mib})}
	for _, extra := range []map[string]any{nil, {"force": true}} {
		a := map[string]any{"force": extra["force"]}
		for k, v := range args {
			a[k] = v
		}
		e.counters()
		o := e.run(a, false)
		if !o.failed() || o.changed() || !strings.Contains(o.msg(), "allow_downgrade=true") || !strings.Contains(o.msg(), "ilo5_266.bin (2.66) is older than") {
			t.Errorf("force=%v: failed=%v changed=%v msg %q, want a refusal naming allow_downgrade", extra["force"], o.failed(), o.changed(), o.msg())
		}
		if c := e.counters(); c.Writes != 0 {
			t.Errorf("force=%v: %d writes, want 0", extra["force"], c.Writes)
		}
	}
	o := e.mustRun(map[string]any{"path": args["path"], "allow_downgrade": true}, false)
	ws, _ := o["warnings"].([]any)
	if !o.changed() || e.sim.FirmwareVersion() != "2.66" || len(ws) == 0 || !strings.Contains(fmt.Sprint(ws), "downgrade") {
		t.Errorf("allowed: changed=%v iLO %s warnings %v, want the downgrade done with a warning", o.changed(), e.sim.FirmwareVersion(), ws)
	}
}

// TestWaitTimeoutMax: a wait_timeout that would overflow a duration (issue
// 14: 9,223,372,037 s became an instant timeout) is refused before login,
// naming the option and its maximum.
func TestWaitTimeoutMax(t *testing.T) {
	e := newEnv(t)
	for _, v := range []any{9223372037, 86401} {
		e.counters()
		o := e.run(map[string]any{"path": e.image(testimage.Spec{Filename: "ilo5_310.bin"}), "wait_timeout": v}, false)
		if !o.failed() || o.changed() || !strings.Contains(o.msg(), "wait_timeout") || !strings.Contains(o.msg(), "86400") {
			t.Errorf("wait_timeout %v: failed=%v msg %q, want a refusal naming wait_timeout and 86400", v, o.failed(), o.msg())
		}
		if c := e.counters(); c.Logins != 0 {
			t.Errorf("wait_timeout %v: %d logins, want none", v, c.Logins)
		}
	}
}
