package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fwrepo is a fwrepo.json with the traps real ones hold: target as a
// string and as a list, minimum_active_version "null", flags as strings,
// keys capitalised differently.
const fwrepo = `{
  "A47_2.62_01_01_2023.signed.flash": {
    "version": "2.62_01-01-2023", "deviceclass": "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4",
    "target": ["00000000-0000-0000-0000-000001413437", "00000000-0000-0000-0000-00000000022D"],
    "minimum_active_version": "null", "reboot_required": "yes", "server_power_off": "no",
    "date": "2023-01-01", "description": "System ROM A47"
  },
  "ilo5_305.bin": {
    "Version": "3.05", "DeviceClass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952",
    "Target": "c0bcf2b9-1141-49af-aab8-c73791f0349c",
    "Minimum_Active_Version": "2.30", "reboot_required": false, "server_power_off": false
  },
  "firmware-nic-intel-1.2.3-1.1.x86_64.rpm": {
    "version": "1.2.3", "deviceclass": "c", "target": "t", "minimum_active_version": "null"
  }
}`

func TestLoadFwrepo(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "fwrepo.json", fwrepo)
	write(t, dir, "ilo5_305.bin", "12345")
	c, err := Load(filepath.Join(dir, "fwrepo.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindFwrepo || len(c.Entries) != 3 {
		t.Fatalf("kind %s, %d entries; want fwrepo.json with 3", c.Kind, len(c.Entries))
	}
	rom, ilo, rpm := c.Entries[0], c.Entries[1], c.Entries[2]
	if !rpm.OSAgentOnly() || rom.OSAgentOnly() || ilo.OSAgentOnly() {
		t.Errorf("OS agent only: rom %v, ilo %v, rpm %v; want only the rpm", rom.OSAgentOnly(), ilo.OSAgentOnly(), rpm.OSAgentOnly())
	}
	if rom.File != "A47_2.62_01_01_2023.signed.flash" || rom.Version != "2.62_01-01-2023" || rom.MinimumActiveVersion != "" ||
		!rom.RebootRequired || rom.PowerOff || len(rom.Targets) != 2 || rom.Targets[1] != "00000000-0000-0000-0000-00000000022d" ||
		rom.ROMFamily() != "A47" || rom.Path != "" || rom.Bytes != 0 {
		t.Errorf("ROM entry %+v", rom)
	}
	if ilo.Version != "3.05" || ilo.MinimumActiveVersion != "2.30" || len(ilo.Targets) != 1 || !ilo.ResetsILO() ||
		ilo.ILOGeneration() != 5 || ilo.Bytes != 5 || ilo.Path != filepath.Join(dir, "ilo5_305.bin") {
		t.Errorf("iLO entry %+v", ilo)
	}
	if !strings.Contains(ilo.Source, `fwrepo.json entry "ilo5_305.bin"`) {
		t.Errorf("source %q", ilo.Source)
	}
}

const manifest = `[
  {"FileName": "cp045678.exe", "Name": "Smart Array agent", "DeviceClass": "AAAA0000-0000-0000-0000-000000000001",
   "UpdatableBy": ["RuntimeAgent"],
   "Devices": {"Device": [{"Target": "a6b1a447-382a-5a4f-9005-028f103c0602", "Version": "5.10",
     "FirmwareImages": [{"FileName": "x.bin", "ResetRequired": true}]}]}},
  {"name": "PSU", "deviceclass": "6bb86077-0275-4614-aae1-86618e8b1c27", "updatableby": ["Bmc"],
   "devices": {"device": [{"target": "ffffffff-00ff-0000-0000-0cf38db966ea", "version": "3.11",
     "firmwareimages": [{"filename": "psu-3.11.fwpkg", "serverpoweroff": true}]}]}}
]`

func TestLoadManifest(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "manifest/manifest.json", manifest)
	for _, arg := range []string{p, dir} {
		c, err := Load(arg)
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != KindManifest || len(c.Entries) != 2 {
			t.Fatalf("%s: kind %s, %d entries", arg, c.Kind, len(c.Entries))
		}
		agent, psu := c.Entries[0], c.Entries[1]
		if agent.File != "cp045678.exe" || !agent.OSAgentOnly() || agent.Version != "5.10" || !agent.RebootRequired ||
			agent.DeviceClass != "aaaa0000-0000-0000-0000-000000000001" {
			t.Errorf("agent %+v", agent)
		}
		if psu.File != "psu-3.11.fwpkg" || psu.OSAgentOnly() || !psu.PowerOff || !psu.RebootRequired {
			t.Errorf("PSU %+v", psu)
		}
	}
}

// TestLoadFolderBoth: fwrepo.json is the index; the manifest beside it
// adds UpdatableBy.
func TestLoadFolderBoth(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "fwrepo.json", `{"cp045678.exe": {"version": "5.10", "deviceclass": "aaaa0000-0000-0000-0000-000000000001",
		"target": "a6b1a447-382a-5a4f-9005-028f103c0602", "minimum_active_version": "null"}}`)
	write(t, dir, "manifest/manifest.json", manifest)
	for _, arg := range []string{dir, filepath.Join(dir, "fwrepo.json")} {
		c, err := Load(arg)
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != KindFwrepo || len(c.Entries) != 1 || !c.Entries[0].OSAgentOnly() {
			t.Fatalf("%s: %+v", arg, c)
		}
	}
}

func TestLoadComponentFolder(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []testimage.Spec{
		{Filename: "ilo6_171.fwpkg"},
		{Filename: "NVIDIA_FPGA-3.04-1.fwpkg", DeviceClass: "0850b8c7-bee6-497c-9860-3f1403ec5035",
			Targets: []string{"a6b1a447-382a-5a4f-10de-20b010de134f"}, Activates: testimage.AfterReboot},
		{Filename: "U46_2.90_01_01_2025.signed.flash"},
		{Filename: "CPLD_XL675d_Gen10p_v1010_full_signed.vme"},
		{Filename: "cp045678.exe", Version: "1.0.0"},
		{Filename: "cp045679.exe", Version: "2.0.0"},
		{Filename: "delta-ota.bin", Version: "3.5"},
	} {
		if _, err := testimage.WriteFiles(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	// A decoupled <name>.json beside cp045679.exe, as newer packs ship.
	write(t, dir, "cp045679.json", `{"Name": "agent", "DeviceClass": "x", "UpdatableBy": ["RuntimeAgent"],
		"Devices": {"Device": [{"Target": "T1", "Version": "2.0.0"}]}}`)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Entry{}
	for _, e := range c.Entries {
		by[e.File] = e
	}
	if len(by) != 7 {
		t.Fatalf("entries %v", slices.Collect(func(yield func(string) bool) {
			for k := range by {
				yield(k)
			}
		}))
	}
	if e := by["ilo6_171.fwpkg"]; e.Version != "1.71" || !e.ResetsILO() || e.NameOnly || e.Bytes == 0 {
		t.Errorf("ilo6 fwpkg %+v", e)
	}
	if e := by["NVIDIA_FPGA-3.04-1.fwpkg"]; e.Version != "3.04" || e.Targets[0] != "a6b1a447-382a-5a4f-10de-20b010de134f" || !e.RebootRequired {
		t.Errorf("NVIDIA fwpkg %+v", e)
	}
	if e := by["U46_2.90_01_01_2025.signed.flash"]; e.ROMFamily() != "U46" || e.DeviceClass != BIOSDeviceClass || !e.NameOnly ||
		e.Version != "v2.90 (01/01/2025)" || e.Targets[0] != "00000000-0000-0000-0000-000001553436" {
		t.Errorf("U46 ROM %+v", e)
	}
	if e := by["CPLD_XL675d_Gen10p_v1010_full_signed.vme"]; e.Version != "10" || e.DeviceClass != CPLDDeviceClass || !e.PowerOff {
		t.Errorf("CPLD %+v", e)
	}
	if e := by["cp045679.exe"]; e.NameOnly || !e.OSAgentOnly() || e.Version != "2.0.0" {
		t.Errorf("cp045679 with sidecar %+v", e)
	}
	warned := strings.Join(c.Warnings, "\n")
	for _, want := range []string{"cp045678.exe: a Smart Component with no cp045678.json", "delta-ota.bin: only its name is known", "U46_2.90_01_01_2025.signed.flash: only its name"} {
		if !strings.Contains(warned, want) {
			t.Errorf("warnings %q lack %q", warned, want)
		}
	}
	if strings.Contains(warned, "cp045679") {
		t.Errorf("a Smart Component with a sidecar got a warning: %s", warned)
	}
}

func TestFamilyTarget(t *testing.T) {
	if g := FamilyTarget("A43"); g != "00000000-0000-0000-0000-000001413433" {
		t.Errorf("FamilyTarget(A43) = %s", g)
	}
	for guid, want := range map[string]string{
		"00000000-0000-0000-0000-000001413437": "A47",
		"00000000-0000-0000-0000-000001553436": "U46",
		"00000000-0000-0000-0000-00000000022d": "",
		"c0bcf2b9-1141-49af-aab8-c73791f0349c": "",
		"00000000-0000-0000-0000-000001ffffff": "",
	} {
		if got := TargetFamily(guid); got != want {
			t.Errorf("TargetFamily(%s) = %q, want %q", guid, got, want)
		}
	}
}

// TestLoadBad: every bad catalog is refused with a message naming the
// file, the entry and the problem.
func TestLoadBad(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		arg   string // relative to the folder; "" is the folder
		big   int64  // make arg this large (sparse)
		want  []string
	}{
		{name: "truncated", files: map[string]string{"fwrepo.json": fwrepo[:300]}, arg: "fwrepo.json",
			want: []string{"fwrepo.json", "not valid JSON", "line 5", "truncated", `entry "A47_2.62_01_01_2023.signed.flash"`}},
		{name: "mistyped version", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": 2.7, "deviceclass": "c", "target": "t"}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"version": want a string, got the number 2.7`}},
		{name: "target a number", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": "1", "deviceclass": "c", "target": 5}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"target": want a string or a list of strings`}},
		{name: "flag not a boolean", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": "1", "deviceclass": "c", "target": "t", "reboot_required": "maybe"}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"reboot_required": want true/false or "yes"/"no"`}},
		{name: "missing version", files: map[string]string{"fwrepo.json": `{"a.bin": {"deviceclass": "c", "target": "t"}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"version": missing`}},
		{name: "missing target", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": "1", "deviceclass": "c"}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"target": missing`}},
		{name: "duplicate file key", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": "1", "deviceclass": "c", "target": "t"}, "a.bin": {}}`},
			arg: "fwrepo.json", want: []string{"fwrepo.json", `duplicate key "a.bin"`, "line 1"}},
		{name: "duplicate key differently capitalised", files: map[string]string{"fwrepo.json": "{\"a.bin\": {\"version\": \"1\",\n \"Version\": \"2\", \"deviceclass\": \"c\", \"target\": \"t\"}}"},
			arg: "fwrepo.json", want: []string{`duplicate key "Version"`, "line 2", `entry "a.bin"`}},
		{name: "entry not an object", files: map[string]string{"fwrepo.json": `{"a.bin": "1.0"}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin": want an object, got the string "1.0"`}},
		{name: "top level a number", files: map[string]string{"fwrepo.json": `42`},
			arg: "fwrepo.json", want: []string{"want an object keyed by file name", "got the number 42"}},
		{name: "trailing data", files: map[string]string{"fwrepo.json": `{} {}`},
			arg: "fwrepo.json", want: []string{"unexpected data after the top-level value"}},
		{name: "file name a path", files: map[string]string{"fwrepo.json": `{"../a.bin": {"version": "1", "deviceclass": "c", "target": "t"}}`},
			arg: "fwrepo.json", want: []string{`"../a.bin"`, "want a base name"}},
		{name: "manifest device without version", files: map[string]string{"manifest.json": `[{"FileName": "x.fwpkg", "DeviceClass": "c", "Devices": {"Device": [{"Target": "t"}]}}]`},
			arg: "manifest.json", want: []string{`entry [0] "x.fwpkg"`, `Devices.Device[0]: "Version": missing`}},
		{name: "manifest without devices", files: map[string]string{"manifest.json": `[{"FileName": "x.fwpkg", "DeviceClass": "c"}]`},
			arg: "manifest.json", want: []string{`entry [0] "x.fwpkg"`, `"Devices": want an object`}},
		{name: "manifest file twice", files: map[string]string{"manifest.json": `[
			{"FileName": "x.fwpkg", "DeviceClass": "c", "Devices": {"Device": [{"Target": "t", "Version": "1"}]}},
			{"FileName": "X.fwpkg", "DeviceClass": "c", "Devices": {"Device": [{"Target": "t", "Version": "2"}]}}]`},
			arg: "manifest.json", want: []string{`entry [1] "X.fwpkg"`, "again", `entry [0] "x.fwpkg"`}},
		{name: "100 MB index", files: map[string]string{"fwrepo.json": `{}`}, arg: "fwrepo.json", big: 100 << 20,
			want: []string{"fwrepo.json", "104857600 bytes", "more than the 32 MiB"}},
		{name: "unreadable packages", files: map[string]string{"a-1.0-1.fwpkg": "not a zip", "b-1.0-1.fwpkg": "PK nope"},
			want: []string{"a-1.0-1.fwpkg: read", "as a zip", "b-1.0-1.fwpkg"}},
		{name: "bad decoupled json", files: map[string]string{"a-1.0-1.fwpkg": "", "a-1.0-1.json": `{"DeviceClass": "c", "Devices": {"Device": {}}}`},
			want: []string{"a-1.0-1.fwpkg: a-1.0-1.json", `"Devices.Device": want a list of devices, got an object`}},
		{name: "fwrepo without deviceclass", files: map[string]string{"fwrepo.json": `{"a.bin": {"version": "1", "target": "t"}}`},
			arg: "fwrepo.json", want: []string{`entry "a.bin"`, `"deviceclass": missing`}},
		{name: "empty folder", files: map[string]string{"readme.txt": "x"}, want: []string{"no fwrepo.json", "no firmware file"}},
		{name: "missing", arg: "nothing.json", want: []string{"nothing.json", "no such file", "want a fwrepo.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, c := range tt.files {
				write(t, dir, n, c)
			}
			arg := filepath.Join(dir, tt.arg)
			if tt.big > 0 {
				if err := os.Truncate(arg, tt.big); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(arg)
			if err == nil {
				t.Fatalf("loaded %+v; want an error", c)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// BenchmarkLoadFwrepo reads a fwrepo.json of an SPP's size (850 entries).
func BenchmarkLoadFwrepo(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("{\n")
	for i := range 850 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `"cp%06d.fwpkg": {"version": "%d.%d.%d", "deviceclass": "%08x-0000-4000-8000-000000000000", "target": ["a6b1a447-382a-5a4f-%04x-%012x", "t%d"], "minimum_active_version": "null", "reboot_required": "yes", "server_power_off": "no", "date": "2025-01-01", "description": "Firmware package %d"}`,
			40000+i, i%7, i%13, i%29, i%97, i%50, i, i, i)
	}
	sb.WriteString("\n}\n")
	p := filepath.Join(dir, "fwrepo.json")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Load(p)
		if err != nil || len(c.Entries) != 850 {
			b.Fatal(err)
		}
	}
}

// TestLoadSPPLayout: a manifest as public SPPs write it ({"manifest": [...]},
// package.Files[].Name and Bytes, DirectFlashOK, entries for no device),
// components in packages/ with decoupled <name>.json files.
func TestLoadSPPLayout(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "manifest/manifest.json", `{"manifest": [
	  {"DeviceClass": "", "Devices": {"Device": []}, "Type": "Software", "UpdatableBy": ["RuntimeAgent"],
	   "package": {"Files": [{"Name": "cp040000.exe", "Bytes": "100"}]}},
	  {"DeviceClass": "f6de0320-2e0f-489a-b238-6dd8ae7c3811", "Type": "Firmware", "UpdatableBy": ["Bmc"],
	   "Devices": {"Device": [{"DeviceName": "SKHynix", "Target": "562340a5-3052-3030-3936-305959585052", "Version": "HPK2",
	     "FirmwareImages": [{"DirectFlashOK": true, "FileName": "SK.HPb", "ResetRequired": true, "UEFIFlashable": true}]}]},
	   "package": {"Files": [{"Name": "SK_HPK2.fwpkg", "Bytes": "1991848", "FileList": ["payload.json", "SK.HPb"]}]}},
	  {"DeviceClass": "c", "Devices": {"Device": [{"Target": "t", "Version": "1.0"}]},
	   "package": {"Files": [{"Name": "here.fwpkg", "Bytes": 5}]}}
	]}`)
	write(t, dir, "packages/here.fwpkg", "1234567")
	write(t, dir, "packages/here.json", `{"DeviceClass": "c", "Devices": {"Device": [{"Target": "t", "Version": "1.0"}]},
		"Package": {"Files": [{"Name": "here.fwpkg"}]}}`)
	write(t, dir, "packages/driver.json", `{"DeviceClass": "", "Devices": {"Device": []}}`)
	write(t, dir, "packages/driver.fwpkg", "")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindManifest || len(c.Entries) != 2 || c.Skipped != 1 {
		t.Fatalf("kind %s, %d entries, %d skipped: %+v", c.Kind, len(c.Entries), c.Skipped, c.Entries)
	}
	sk, here := c.Entries[0], c.Entries[1]
	if sk.File != "SK_HPK2.fwpkg" || sk.Bytes != 1991848 || sk.Path != "" || sk.Version != "HPK2" || !sk.RebootRequired {
		t.Errorf("declared entry %+v", sk)
	}
	if here.Path != filepath.Join(dir, "packages", "here.fwpkg") || here.Bytes != 7 {
		t.Errorf("local entry %+v", here)
	}
	// The packages folder on its own: decoupled <name>.json files, a
	// driver's skipped.
	c, err = Load(filepath.Join(dir, "packages"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindFolder || len(c.Entries) != 1 || c.Skipped != 1 || c.Entries[0].File != "here.fwpkg" {
		t.Fatalf("packages folder: %+v", c)
	}
}

// TestLoadNotRegular: a catalog (or a folder's index) that is a FIFO, a
// device or a socket is refused at once, never read (a FIFO would block the
// module, /dev/zero would grow it without end).
func TestLoadNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fwrepo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	tests := []struct{ name, path string }{
		{"a FIFO given as the catalog", fifo},
		{"a folder whose fwrepo.json is a FIFO", dir},
		{"a device", "/dev/zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := Load(tt.path); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("Load(%s) = %v, want a refusal naming 'not a regular file'", tt.path, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("Load(%s) blocked", tt.path)
			}
		})
	}
}
