package fwimage

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// TestNameVersion reads the versions HPE file names carry, and agrees with
// the test images' own rule (testimage.InferVersion).
func TestNameVersion(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"ilo5_305.bin", "3.05"},
		{"ilo7_11200.bin", "1.12.00"},
		{"ilo7_1.16.00.fwpkg", "1.16.00"},
		{"ilo6_167.fwpkg", "1.67"},
		{"U46_2.90_01_01_2025.signed.flash", "v2.90 (01/01/2025)"},
		{"A47_2.58_05_19_2022.signed.full", "v2.58 (05/19/2022)"},
		{"NVIDIA_A100_FPGA-3.03-1.fwpkg", "3.03"},
		{"CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", "0F"},
		{"cp045678.exe", ""},
		{"delta-ota.bin", ""},
	} {
		if got := NameVersion(tc.name); got != tc.want {
			t.Errorf("NameVersion(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if v, _ := testimage.InferVersion(tc.name); v != tc.want {
			t.Errorf("testimage.InferVersion(%q) = %q, NameVersion says %q: the two rules disagree", tc.name, v, tc.want)
		}
	}
}

// TestType sorts file names into what the iLO takes.
func TestType(t *testing.T) {
	for _, tc := range []struct {
		name, want   string
		smart, third bool
	}{
		{"cp045678.exe", ".exe", true, false},
		{"A47_2.58_05_19_2022.signed.full", ".signed.full", false, false},
		{"x.signed.bin", ".signed.bin", false, false},
		{"ilo5_305.BIN", ".bin", false, false},
		{"pkg.pup", ".pup", false, true},
		{"notes.txt", "", false, false},
		{"image.iso", "", false, false},
	} {
		got := Type(tc.name)
		if got != tc.want {
			t.Errorf("Type(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if IsSmartComponent(got) != tc.smart || IsThirdParty(got) != tc.third {
			t.Errorf("%s: smart=%v third=%v, want %v %v", tc.name, IsSmartComponent(got), IsThirdParty(got), tc.smart, tc.third)
		}
	}
}

// TestNames reads the generation and ROM family names carry.
func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  int
		rom  string
	}{
		{"ilo5_305.bin", 5, ""}, {"ilo7_1.16.00.bin", 7, ""}, {"ilo6_167.fwpkg", 6, ""},
		{"a47_2.90_01_01_2025.signed.flash", 0, "A47"}, {"cp045678.exe", 0, ""},
	} {
		if g := ILOGeneration(tc.name); g != tc.gen {
			t.Errorf("ILOGeneration(%q) = %d, want %d", tc.name, g, tc.gen)
		}
		if r := ROMFamily(tc.name); r != tc.rom {
			t.Errorf("ROMFamily(%q) = %q, want %q", tc.name, r, tc.rom)
		}
	}
}

// TestReadPayload reads a test .fwpkg's payload.json: version, device class,
// targets, who may flash it and whether it waits for a reboot.
func TestReadPayload(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		spec        testimage.Spec
		direct, rst bool
	}{
		{testimage.Spec{Filename: "ilo5_306.fwpkg", Version: "3.06"}, true, false},
		{testimage.Spec{Filename: "NIC_FW-1.2.3-1.fwpkg", UpdatableBy: []string{testimage.Uefi}, Activates: testimage.AfterReboot}, false, true},
		{testimage.Spec{Filename: "PSU_FW-2.0-1.fwpkg", Activates: testimage.AfterHardPowerCycle}, true, true},
	} {
		f, err := testimage.WriteFiles(dir, tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		want, err := testimage.Resolve(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadPayload(f.Image)
		if err != nil || p == nil {
			t.Fatalf("%s: ReadPayload = %v, %v", tc.spec.Filename, p, err)
		}
		if p.Version() != want.Version || p.DeviceClass != want.DeviceClass {
			t.Errorf("%s: version %q class %q, want %q %q", tc.spec.Filename, p.Version(), p.DeviceClass, want.Version, want.DeviceClass)
		}
		if got := p.Targets(); len(got) != len(want.Targets) || got[0] != want.Targets[0] {
			t.Errorf("%s: targets %v, want %v", tc.spec.Filename, got, want.Targets)
		}
		if p.DirectFlash() != tc.direct || p.ResetRequired() != tc.rst {
			t.Errorf("%s: direct=%v reset=%v, want %v %v", tc.spec.Filename, p.DirectFlash(), p.ResetRequired(), tc.direct, tc.rst)
		}
	}
	plain := filepath.Join(dir, "not-a-zip.fwpkg")
	if err := os.WriteFile(plain, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPayload(plain); err == nil {
		t.Errorf("ReadPayload of a non-zip: no error")
	}
}

// TestReadPayloadCaps: a FIFO is refused without blocking, and a
// payload.json over the cap is refused with a message that says so.
func TestReadPayloadCaps(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.fwpkg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadPayload(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: %v, want a refusal", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadPayload blocked on a FIFO")
	}
	big := filepath.Join(dir, "big.fwpkg")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("payload.json")
	_, _ = w.Write([]byte(`{"Name": "` + strings.Repeat("x", maxPayload) + `"}`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadPayload(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big payload.json: %v, want a refusal naming the cap", err)
	}
}
