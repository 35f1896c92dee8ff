package firmwareplan

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// fwrepo is a catalog for the simulator's inventory (the XL675d A47 of
// the iLO 5 2.70 capture): iLO firmware for each generation, a ROM
// stepping stone, a blocked CPLD, a held chassis downgrade and a U46 ROM.
const fwrepo = `{
  "ilo5_305.bin": {"version": "3.05", "deviceclass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952",
    "target": "c0bcf2b9-1141-49af-aab8-c73791f0349c", "minimum_active_version": "null", "reboot_required": "no", "server_power_off": "no"},
  "ilo6_171.bin": {"version": "1.71", "deviceclass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952",
    "target": "c0bcf2b9-1141-49af-aab8-c73791f0349c", "minimum_active_version": "null", "reboot_required": "no", "server_power_off": "no"},
  "ilo7_1.16.00.bin": {"version": "1.16.00", "deviceclass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952",
    "target": "c0bcf2b9-1141-49af-aab8-c73791f0349c", "minimum_active_version": "null", "reboot_required": "no", "server_power_off": "no"},
  "A47_2.62_01_01_2023.signed.flash": {"version": "2.62_01-01-2023", "deviceclass": "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4",
    "target": ["00000000-0000-0000-0000-00000000022d", "00000000-0000-0000-0000-000001413437"], "minimum_active_version": "null",
    "reboot_required": "yes", "server_power_off": "no"},
  "A47_2.72_01_01_2024.signed.flash": {"version": "2.72_01-01-2024", "deviceclass": "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4",
    "target": ["00000000-0000-0000-0000-00000000022d", "00000000-0000-0000-0000-000001413437"], "minimum_active_version": "2.62",
    "reboot_required": "yes", "server_power_off": "no"},
  "U46_2.90_01_01_2025.signed.flash": {"version": "2.90_01-01-2025", "deviceclass": "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4",
    "target": ["00000000-0000-0000-0000-000000000230", "00000000-0000-0000-0000-000001553436"], "minimum_active_version": "null",
    "reboot_required": "yes", "server_power_off": "no"},
  "CPLD_XL675d_Gen10p_v1111_full_signed.vme": {"version": "11", "deviceclass": "b1ad439a-9dd1-41c1-a496-2da9313f1f07",
    "target": "00000000-0000-0000-0000-00000000022d", "minimum_active_version": "10", "reboot_required": "yes", "server_power_off": "yes"},
  "Chassis_Firmware-1.6.8-1.fwpkg": {"version": "1.6.8", "deviceclass": "42fc70be-bb87-4bdb-8e7c-db1c9af52957",
    "target": "00000000-0000-0000-0000-00000000022d", "minimum_active_version": "null", "reboot_required": "no", "server_power_off": "no"}
}`

func catalogDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fwrepo.json"), []byte(fwrepo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ilo5_305.bin"), make([]byte, 1234), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startCounting starts a simulated iLO that counts reads of the firmware
// inventory.
func startCounting(t *testing.T, profile string) (*modtest.ILO, *atomic.Int32) {
	var inv atomic.Int32
	x := modtest.StartWrappedILO(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "FirmwareInventory") {
				inv.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}, ilosim.WithProfileName(profile))
	return x, &inv
}

type step struct {
	action, target, file, then string
	install                    bool
}

func TestFirmwarePlan(t *testing.T) {
	tests := []struct {
		profile string
		gen     int
		iloFile string
	}{
		{"ilo5", 5, "ilo5_305.bin"},
		{"ilo5-legacy", 5, "ilo5_305.bin"},
		{"ilo5-multipart", 5, "ilo5_305.bin"},
		{"ilo6", 6, "ilo6_171.bin"},
		{"ilo7", 7, "ilo7_1.16.00.bin"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			dir := catalogDir(t)
			x, inv := startCounting(t, tt.profile)
			var first map[string]any
			for _, meta := range []map[string]any{nil, {"check_mode": true}} {
				x.Sim.ResetCounters()
				inv.Store(0)
				r := modtest.Execute(t, Module, x.Args(map[string]any{"catalog": dir}), meta)
				if r.Code != 0 || r.Changed() {
					t.Fatalf("exit %d changed %v: %s", r.Code, r.Changed(), r.Raw)
				}
				if n := inv.Load(); n != 1 {
					t.Errorf("the firmware inventory was read %d times, want 1 (expanded)", n)
				}
				modtest.RequireClean(t, x)
				delete(r.Out, "invocation")
				if first == nil {
					first = r.Out
				} else if !reflect.DeepEqual(first, r.Out) {
					t.Errorf("check mode gave another result:\n%v\n%v", first, r.Out)
				}
			}
			byID := map[string]step{}
			for _, s := range first["plan"].([]any) {
				m := s.(map[string]any)
				str := func(k string) string { v, _ := m[k].(string); return v }
				byID[str("id")] = step{str("action"), str("target_version"), str("file"), str("then_version"), m["install"] == true}
			}
			want := map[string]step{
				"2": {"upgrade", "2.62_01-01-2023", "A47_2.62_01_01_2023.signed.flash", "2.72_01-01-2024", true},
				"4": {"blocked", "11", "CPLD_XL675d_Gen10p_v1111_full_signed.vme", "", false},
				"9": {"downgrade", "1.6.8", "Chassis_Firmware-1.6.8-1.fwpkg", "", false},
				"5": {"not_in_catalog", "", "", "", false},
				"1": {"upgrade", map[int]string{5: "3.05", 6: "1.71", 7: "1.16.00"}[tt.gen], tt.iloFile, "", true},
			}
			for id, w := range want {
				if got := byID[id]; got != w {
					t.Errorf("item %s: %+v, want %+v", id, got, w)
				}
			}
			srv := first["server"].(map[string]any)
			if srv["ilo_generation"] != float64(tt.gen) || srv["serial"] == "" || srv["model"] == "" || srv["ilo_firmware"] == "" {
				t.Errorf("server %v", srv)
			}
			files := first["files"].([]any)
			if len(files) != 2 || files[0].(map[string]any)["file"] != "A47_2.62_01_01_2023.signed.flash" || files[1].(map[string]any)["file"] != tt.iloFile {
				t.Errorf("files %v", files)
			}
			if first["compliant"] != false {
				t.Error("compliant with upgrades planned")
			}
			sum := first["summary"].(map[string]any)
			if sum["upgrade"] != float64(2) || sum["blocked"] != float64(1) || sum["downgrade"] != float64(1) || len(sum) != 8 {
				t.Errorf("summary %v", sum)
			}
		})
	}
}

func TestAllowDowngrade(t *testing.T) {
	x := modtest.StartILO(t)
	r := modtest.Execute(t, Module, x.Args(map[string]any{"catalog": filepath.Join(catalogDir(t), "fwrepo.json"), "allow_downgrade": true}), nil)
	if r.Code != 0 {
		t.Fatal(r.Raw)
	}
	var out struct {
		Plan []struct {
			ID      string `json:"id"`
			Action  string `json:"action"`
			Install bool   `json:"install"`
			Order   int    `json:"order"`
		} `json:"plan"`
		Files []struct {
			File  string  `json:"file"`
			Path  *string `json:"path"`
			Bytes int64   `json:"bytes"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range out.Plan {
		if s.ID == "9" && (s.Action != "downgrade" || !s.Install || s.Order != 2) {
			t.Errorf("chassis: %+v, want a planned downgrade, second", s)
		}
	}
	if len(out.Files) != 3 || out.Files[2].File != "ilo5_305.bin" || out.Files[2].Bytes != 1234 || out.Files[2].Path == nil || out.Files[1].Path != nil {
		t.Errorf("files %+v", out.Files)
	}
	modtest.RequireClean(t, x)
}

// TestBadCatalog: a bad catalog fails before any request to the iLO, with
// the file and the entry named.
func TestBadCatalog(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"truncated", fwrepo[:400], []string{"fwrepo.json", "truncated", `entry "ilo6_171.bin"`, "fix the catalog option"}},
		{"mistyped", `{"a.bin": {"version": "1", "deviceclass": "c", "target": {"x": 1}}}`, []string{`entry "a.bin"`, `"target"`}},
		{"duplicate key", `{"a.bin": {}, "A.bin": {}}`, []string{`duplicate key "A.bin"`}},
		{"missing field", `{"a.bin": {"version": "1", "target": "t"}}`, []string{`entry "a.bin"`, `"deviceclass": missing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := modtest.StartILO(t)
			p := filepath.Join(t.TempDir(), "fwrepo.json")
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			x.Sim.ResetCounters()
			r := modtest.Execute(t, Module, x.Args(map[string]any{"catalog": p}), nil)
			if r.Code != 1 || r.Out["failed"] != true {
				t.Fatalf("exit %d: %s", r.Code, r.Raw)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Msg(), w) {
					t.Errorf("msg %q lacks %q", r.Msg(), w)
				}
			}
			n := 0
			for _, v := range x.Sim.Counters().Requests {
				n += v
			}
			if n != 0 {
				t.Errorf("the iLO saw %d requests before the catalog was refused", n)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	x := modtest.StartILO(t)
	r := modtest.Execute(t, Module, x.Args(nil), nil)
	if r.Code != 1 || !strings.Contains(r.Msg(), "catalog") {
		t.Errorf("without catalog: %s", r.Raw)
	}
	r = modtest.Execute(t, Module, x.Args(map[string]any{"catalog": t.TempDir(), "allow_downgrade": "perhaps"}), nil)
	if r.Code != 1 || !strings.Contains(r.Msg(), "allow_downgrade") {
		t.Errorf("bad allow_downgrade: %s", r.Raw)
	}
	modtest.RequireClean(t, x)
}

func TestReturnDocs(t *testing.T) {
	modtest.CheckReturnDocs(t, "../../plugins/modules/firmware_plan.py", Result{})
}

// TestExamples: the doc stub has one example per catalog kind.
func TestExamples(t *testing.T) {
	b, err := os.ReadFile("../../plugins/modules/firmware_plan.py")
	if err != nil {
		t.Fatal(err)
	}
	_, ex, _ := strings.Cut(string(b), "EXAMPLES = r'''")
	ex, _, _ = strings.Cut(ex, "'''")
	for _, want := range []string{"catalog: /srv/spp/2025.09/fwrepo.json", "catalog: /srv/spp/2025.09/manifest/manifest.json",
		"folder of .fwpkg", "Smart Components"} {
		if !strings.Contains(ex, want) {
			t.Errorf("EXAMPLES lack %q", want)
		}
	}
}

// TestComponentFolder: a folder of files known only by name plans what the
// names say and warns about each.
func TestComponentFolder(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []testimage.Spec{{Filename: "ilo5_305.bin"}, {Filename: "cp045678.exe", Version: "1.0.0"}} {
		if _, err := testimage.WriteFiles(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	x := modtest.StartILO(t)
	r := modtest.Execute(t, Module, x.Args(map[string]any{"catalog": dir}), nil)
	if r.Code != 0 {
		t.Fatal(r.Raw)
	}
	warnings, _ := json.Marshal(r.Out["warnings"])
	for _, w := range []string{"ilo5_305.bin: only its name is known (version 3.05)", "cp045678.exe: a Smart Component with no cp045678.json"} {
		if !strings.Contains(string(warnings), w) {
			t.Errorf("warnings %s lack %q", warnings, w)
		}
	}
	step := r.Out["plan"].([]any)[0].(map[string]any)
	if step["action"] != "upgrade" || step["file"] != "ilo5_305.bin" || step["order"] != float64(1) {
		t.Errorf("iLO step %v", step)
	}
	if c := r.Out["catalog"].(map[string]any); c["kind"] != "folder" || c["entries"] != float64(2) {
		t.Errorf("catalog %v", c)
	}
	modtest.RequireClean(t, x)
}
