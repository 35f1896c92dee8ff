package component

import (
	"testing"

	"github.com/fleetfw/ilo/internal/testimage"
)

// TestNameVersion reads the versions HPE file names carry.
func TestNameVersion(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"ilo5_305.bin", "3.05"},
		{"ilo7_11200.bin", "1.12.00"},
		{"ilo6_167.fwpkg", "1.67"},
		{"U46_2.90_01_01_2025.signed.flash", "v2.90 (01/01/2025)"},
		{"NVIDIA_A100_FPGA-3.03-1.fwpkg", "3.03"},
		{"CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", "0F"},
		{"cp045678.exe", ""},
		{"delta-ota.bin", ""},
	} {
		if got := nameVersion(tc.name); got != tc.want {
			t.Errorf("nameVersion(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestFileType sorts file names into what the repository takes.
func TestFileType(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"cp045678.exe", ".exe"}, {"A47_2.58_05_19_2022.signed.full", ".signed.full"},
		{"x.signed.bin", ".signed.bin"}, {"ilo5_305.BIN", ".bin"}, {"pkg.pup", ".pup"},
		{"notes.txt", ""}, {"image.iso", ""},
	} {
		if got := fileType(tc.name); got != tc.want {
			t.Errorf("fileType(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionDecides: a file of the same name and size but another version
// (payload.json of a .fwpkg wins over the name) replaces the entry.
func TestVersionDecides(t *testing.T) {
	e := newEnv(t)
	old := image(t, testimage.Spec{Filename: "ilo5_305.fwpkg", Version: "3.05", Size: 2 * mib})
	next := image(t, testimage.Spec{Filename: "ilo5_305.fwpkg", Version: "3.06", Size: 2 * mib})
	if v, err := fwpkgVersion(next.Image); err != nil || v != "3.06" {
		t.Fatalf("fwpkgVersion = %q, %v; want 3.06 from payload.json", v, err)
	}
	e.mustRun(map[string]any{"path": old.Image}, false)
	e.writes()
	o := e.mustRun(map[string]any{"path": old.Image}, false)
	if o.changed() || e.writes() != 0 {
		t.Errorf("same file again: changed=%v, want false with no writes", o.changed())
	}
	o = e.mustRun(map[string]any{"path": next.Image}, false)
	if !o.changed() || o.component("version") != "3.06" {
		t.Errorf("other version: changed=%v version=%q, want a replacement by 3.06", o.changed(), o.component("version"))
	}
	d, _ := o["diff"].(map[string]any)
	before, _ := d["before"].(map[string]any)
	if before["version"] != "3.05" {
		t.Errorf("diff before %v, want the 3.05 entry", d["before"])
	}
}
