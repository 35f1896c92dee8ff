package testimage

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

func TestInferVersion(t *testing.T) {
	tests := []struct {
		name     string
		wantKind Kind
		want     string
		wantOK   bool
	}{
		{"ilo5_305.bin", KindILO, "3.05", true},
		{"ilo6_167.bin", KindILO, "1.67", true},
		{"ilo7_11200.bin", KindILO, "1.12.00", true},
		{"ilo7_1.16.00.fwpkg", KindFwpkg, "1.16.00", true},
		{"ilo7_1.16.00.bin", KindILO, "1.16.00", true},
		{"ilo5_270.fwpkg", KindFwpkg, "2.70", true},
		{"U46_2.90_01_01_2025.signed.flash", KindBIOS, "v2.90 (01/01/2025)", true},
		{"A47_2.58_05_19_2022.signed.full", KindBIOS, "v2.58 (05/19/2022)", true},
		{"NVIDIA_HGX_A100_x8_SXM4_40GB-80GB_Air-Cooled_FPGA-3.03-1.fwpkg", KindFwpkg, "3.03", true},
		{"delta-cecv3.5-ota.bin.hpepkg.signed.ilo-3.5-1.fwpkg", KindFwpkg, "3.5", true},
		{"CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", KindCPLD, "0F", true},
		{"cp045678.exe", KindSmartComponent, "", false},
		{"firmware-nic.rpm", KindSmartComponent, "", false},
		{"sps_e5_04_04.signed.bin", KindSignedBin, "", false},
		{"pmc.hex", KindHex, "", false},
		{"ilo5_3051.bin", KindFirmware, "", false},
		{"readme.txt", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.name); got != tt.wantKind {
				t.Errorf("KindOf = %q, want %q", got, tt.wantKind)
			}
			got, ok := InferVersion(tt.name)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("InferVersion = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestRoundTrip writes one image per kind and checks that Inspect reads
// back what was asked for, and the byte size.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		spec             Spec
		want             Info // fields compared: see below
		wantSimpleUpdate bool
		wantDirect       bool
		wantCompsig      bool
	}{
		{spec: Spec{Filename: "ilo5_305.bin", Size: 100 << 10},
			want:             Info{Kind: KindILO, Name: "iLO 5", Version: "3.05", DeviceClass: ILODeviceClass, Targets: []string{ILOTarget}, UpdatableBy: []string{Bmc}, Activates: AfterDeviceReset},
			wantSimpleUpdate: true, wantDirect: true},
		{spec: Spec{Filename: "ilo7_11200.bin", Version: "1.12.00"},
			want:             Info{Kind: KindILO, Name: "iLO 7", Version: "1.12.00", DeviceClass: ILODeviceClass, Targets: []string{ILOTarget}, UpdatableBy: []string{Bmc}, Activates: AfterDeviceReset},
			wantSimpleUpdate: true, wantDirect: true},
		{spec: Spec{Filename: "U46_2.90_01_01_2025.signed.flash", Size: 1 << 20},
			want:             Info{Kind: KindBIOS, Name: "System BIOS - U46", Version: "v2.90 (01/01/2025)", DeviceClass: BIOSDeviceClass, Targets: []string{SystemBoardTarget}, UpdatableBy: []string{Bmc}, Activates: AfterReboot},
			wantSimpleUpdate: true, wantDirect: true},
		{spec: Spec{Filename: "A47_2.58_05_19_2022.signed.full", Size: 4096},
			want:       Info{Kind: KindBIOS, Name: "System BIOS - A47", Version: "v2.58 (05/19/2022)", DeviceClass: BIOSDeviceClass, Targets: []string{SystemBoardTarget}, UpdatableBy: []string{Bmc}, Activates: AfterReboot},
			wantDirect: true},
		{spec: Spec{Filename: "CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", Size: 5000},
			want:       Info{Kind: KindCPLD, Name: "System Programmable Logic Device", Version: "0F", DeviceClass: CPLDDeviceClass, Targets: []string{SystemBoardTarget}, UpdatableBy: []string{Bmc}, Activates: AfterHardPowerCycle},
			wantDirect: true},
		{spec: Spec{Filename: "sps.signed.bin", Version: "04.04.04.053", Name: "Server Platform Services", DeviceClass: "11111111-2222-4333-8444-555555555555", Targets: []string{"t1", "t2"}, Activates: Immediately},
			want:       Info{Kind: KindSignedBin, Name: "Server Platform Services", Version: "04.04.04.053", DeviceClass: "11111111-2222-4333-8444-555555555555", Targets: []string{"t1", "t2"}, UpdatableBy: []string{Bmc}, Activates: Immediately},
			wantDirect: true},
		{spec: Spec{Filename: "pmc.hex", Version: "1.0"},
			want:       Info{Kind: KindHex, Name: "Power Management Controller Firmware", Version: "1.0", DeviceClass: testGUID("class", "pmc"), Targets: []string{testGUID("target", "pmc")}, UpdatableBy: []string{Bmc}, Activates: AfterHardPowerCycle},
			wantDirect: true},
		{spec: Spec{Filename: "cp045678.exe", Version: "5.00", Size: 300 << 10},
			want:        Info{Kind: KindSmartComponent, Name: "Smart Component cp045678", Version: "5.00", DeviceClass: testGUID("class", "cp045678"), Targets: []string{testGUID("target", "cp045678")}, UpdatableBy: []string{Uefi, RuntimeAgent}, Activates: AfterReboot},
			wantCompsig: true},
		{spec: Spec{Filename: "nic.rpm", Version: "1.2.3", Kind: KindSmartComponent},
			want:        Info{Kind: KindSmartComponent, Name: "Smart Component nic", Version: "1.2.3", DeviceClass: testGUID("class", "nic"), Targets: []string{testGUID("target", "nic")}, UpdatableBy: []string{RuntimeAgent}, Activates: AfterReboot},
			wantCompsig: true},
		{spec: Spec{Filename: "ilo5_270.fwpkg", Size: 2 << 20},
			want:       Info{Kind: KindFwpkg, Name: "Online ROM Flash Firmware Package - HPE Integrated Lights-Out 5", Version: "2.70", DeviceClass: ILODeviceClass, Targets: []string{ILOTarget}, UpdatableBy: []string{Bmc}, Activates: Immediately, PayloadFiles: []string{"ilo5_270.bin"}},
			wantDirect: true},
		{spec: Spec{Filename: "GPU-FPGA-3.03-1.fwpkg", Targets: []string{"a", "b"}, Activates: AfterHardPowerCycle, UpdatableBy: []string{Bmc, Uefi}},
			want:       Info{Kind: KindFwpkg, Name: "GPU-FPGA Firmware Package", Version: "3.03", DeviceClass: testGUID("class", "GPU-FPGA"), Targets: []string{"a", "b"}, UpdatableBy: []string{Bmc, Uefi}, Activates: AfterHardPowerCycle, PayloadFiles: []string{"GPU-FPGA-3.03-1.bin"}},
			wantDirect: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Filename, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.spec); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if tt.spec.Size != 0 && int64(buf.Len()) != tt.spec.Size {
				t.Errorf("wrote %d bytes, want %d", buf.Len(), tt.spec.Size)
			}
			got, err := Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), tt.spec.Filename)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if got.Size != int64(buf.Len()) {
				t.Errorf("Size = %d, want %d", got.Size, buf.Len())
			}
			if got.SimpleUpdate != tt.wantSimpleUpdate || got.DirectFlash != tt.wantDirect || got.NeedsCompsig != tt.wantCompsig {
				t.Errorf("SimpleUpdate, DirectFlash, NeedsCompsig = %v, %v, %v; want %v, %v, %v",
					got.SimpleUpdate, got.DirectFlash, got.NeedsCompsig, tt.wantSimpleUpdate, tt.wantDirect, tt.wantCompsig)
			}
			if got.InstallDurationSec <= 0 {
				t.Errorf("InstallDurationSec = %d, want > 0", got.InstallDurationSec)
			}
			got.Filename, got.Size, got.SimpleUpdate, got.DirectFlash, got.NeedsCompsig, got.InstallDurationSec = "", 0, false, false, false, 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Inspect =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestWriteDeterministic(t *testing.T) {
	s := Spec{Filename: "cp012345.exe", Version: "1.0", Size: 200 << 10}
	var a, b bytes.Buffer
	if err := Write(&a, s); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of one spec differ")
	}
	s.Version = "1.1"
	var c bytes.Buffer
	if err := Write(&c, s); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes()[64<<10:], c.Bytes()[64<<10:]) {
		t.Error("filler of versions 1.0 and 1.1 is equal, want it to differ")
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"no name", Spec{}},
		{"path in name", Spec{Filename: "dir/ilo5_305.bin"}},
		{"unknown extension", Spec{Filename: "notes.txt", Version: "1"}},
		{"no version", Spec{Filename: "cp000001.exe"}},
		{"size below header", Spec{Filename: "ilo5_305.bin", Size: 20}},
		{"fwpkg below zip", Spec{Filename: "ilo5_305.fwpkg", Size: 300}},
		{"fwpkg over 4 GiB", Spec{Filename: "ilo5_305.fwpkg", Size: 5 << 30}},
		{"bad activates", Spec{Filename: "ilo5_305.bin", Activates: "Never"}},
		{"bad agent", Spec{Filename: "ilo5_305.bin", UpdatableBy: []string{"SUM"}}},
		{"bad kind", Spec{Filename: "ilo5_305.bin", Kind: "rom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Write(io.Discard, tt.spec); err == nil {
				t.Error("Write succeeded, want an error")
			}
		})
	}
}

func TestInspectRejects(t *testing.T) {
	var good bytes.Buffer
	if err := Write(&good, Spec{Filename: "ilo5_305.bin", Size: 8192}); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	badMeta := bytes.Clone(g)
	copy(badMeta[12:], "!!!!")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnknownFormat},
		{"real exe", append([]byte("MZ\x90\x00"), make([]byte, 4096)...), ErrUnknownFormat},
		{"truncated", g[:len(g)-1], ErrCorrupt},
		{"padded", append(bytes.Clone(g), 0), ErrCorrupt},
		{"bad metadata", badMeta, ErrCorrupt},
		{"zip without payload.json", zipWithout(t), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(bytes.NewReader(tt.data), int64(len(tt.data)), "x.bin")
			if !errors.Is(err, tt.want) {
				t.Errorf("Inspect error = %v, want %v", err, tt.want)
			}
		})
	}
}

// zipWithout returns a fwpkg whose payload.json was renamed.
func zipWithout(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, Spec{Filename: "ilo5_305.fwpkg"}); err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte("payload.json"), []byte("payload.jsox"))
}

// TestInspectRenamedFwpkg: iLOrest uploads a type C fwpkg renamed .zip; the
// content still decides.
func TestInspectRenamedFwpkg(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Spec{Filename: "nic-22.49-1.fwpkg", UpdatableBy: []string{Uefi}}); err != nil {
		t.Fatal(err)
	}
	got, err := Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "nic-22.49-1.zip")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != KindFwpkg || got.Version != "22.49" || got.Filename != "nic-22.49-1.zip" || got.DirectFlash {
		t.Errorf("got Kind %q Version %q Filename %q DirectFlash %v; want fwpkg 22.49 nic-22.49-1.zip false",
			got.Kind, got.Version, got.Filename, got.DirectFlash)
	}
}

func TestWriteFilesParts(t *testing.T) {
	const size = 100 << 20
	dir := t.TempDir()
	files, err := WriteFiles(dir, Spec{Filename: "cp045678.exe", Version: "4.10", Size: size})
	if err != nil {
		t.Fatal(err)
	}
	wantParts := []string{
		filepath.Join(dir, "cp045678_part1.compsig"), filepath.Join(dir, "cp045678_part2.compsig"),
		filepath.Join(dir, "cp045678_part3.compsig"), filepath.Join(dir, "cp045678_part4.compsig"),
	}
	if files.Compsig != filepath.Join(dir, "cp045678.compsig") || !reflect.DeepEqual(files.Parts, wantParts) {
		t.Fatalf("files = %+v, want compsig cp045678.compsig and parts %v", files, wantParts)
	}
	img, err := os.ReadFile(files.Image)
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != size || files.Info.Size != size {
		t.Fatalf("image is %d bytes (Info %d), want %d", len(img), files.Info.Size, size)
	}
	sig, err := os.ReadFile(files.Compsig)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Verify(sig, bytes.NewReader(img)); err != nil || c.Part != 0 || c.Component != "cp045678.exe" {
		t.Errorf("Verify whole = %+v, %v; want part 0 of cp045678.exe", c, err)
	}
	for i, p := range files.Parts {
		sig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := i*PartSize, min((i+1)*PartSize, size)
		c, err := Verify(sig, bytes.NewReader(img[lo:hi]))
		if err != nil {
			t.Errorf("part %d: %v", i+1, err)
			continue
		}
		if c.Part != i+1 || c.Offset != int64(lo) || c.Length != int64(hi-lo) {
			t.Errorf("part %d: Part %d Offset %d Length %d, want %d %d %d", i+1, c.Part, c.Offset, c.Length, i+1, lo, hi-lo)
		}
		if _, err := VerifyAt(sig, bytes.NewReader(img), size); err != nil {
			t.Errorf("VerifyAt part %d: %v", i+1, err)
		}
		// A part checked against its neighbour's bytes must fail: the filler
		// differs per block, so parts are not interchangeable.
		other := (i + 1) % len(files.Parts)
		olo, ohi := other*PartSize, min((other+1)*PartSize, size)
		if _, err := Verify(sig, bytes.NewReader(img[olo:ohi])); !errors.Is(err, ErrSignatureInvalid) {
			t.Errorf("part %d verified against part %d: err %v, want ErrSignatureInvalid", i+1, other+1, err)
		}
	}
	if n := PartCount(size); n != 4 {
		t.Errorf("PartCount(100 MiB) = %d, want 4", n)
	}
}

func TestWriteFilesSignatures(t *testing.T) {
	tests := []struct {
		spec        Spec
		wantCompsig bool
		wantParts   int
	}{
		{Spec{Filename: "ilo5_305.bin", Size: 1 << 20}, false, 0},
		{Spec{Filename: "ilo5_305.bin", Size: 1 << 20, Compsig: true}, true, 0},
		{Spec{Filename: "cp000002.exe", Version: "1", Size: 1 << 20}, true, 0},
		{Spec{Filename: "cp000003.exe", Version: "1", Size: 1 << 20, Parts: true}, true, 1},
		{Spec{Filename: "cp000004.exe", Version: "1", Size: PartSize + 1}, true, 2},
		{Spec{Filename: "cp000005.exe", Version: "1", Size: PartSize}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Filename, func(t *testing.T) {
			files, err := WriteFiles(t.TempDir(), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if (files.Compsig != "") != tt.wantCompsig || len(files.Parts) != tt.wantParts {
				t.Errorf("compsig %q, %d parts; want compsig %v, %d parts", files.Compsig, len(files.Parts), tt.wantCompsig, tt.wantParts)
			}
			for _, p := range files.All() {
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestVerifyTampered(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteFiles(dir, Spec{Filename: "cp099999.exe", Version: "2.0", Size: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(files.Image)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := os.ReadFile(files.Compsig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCompsig(sig)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(img)
	flipped[len(flipped)/2] ^= 1
	otherDigest := c
	otherDigest.SHA256 = "00" + c.SHA256[2:]
	otherLength := c
	otherLength.Length++
	tests := []struct {
		name string
		sig  []byte
		data []byte
		want error
	}{
		{"intact", sig, img, nil},
		{"image byte flipped", sig, flipped, ErrSignatureInvalid},
		{"image truncated", sig, img[:len(img)-1], ErrSignatureInvalid},
		{"digest edited", otherDigest.Marshal(), img, ErrSignatureInvalid},
		{"length edited", otherLength.Marshal(), img, ErrSignatureInvalid},
		{"not a compsig", []byte("\x30\x82\x05\x00binary"), img, ErrSignatureInvalid},
		{"empty", nil, img, ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.sig, bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCompsigName(t *testing.T) {
	tests := []struct {
		component string
		part      int
		want      string
	}{
		{"cp045678.exe", 0, "cp045678.compsig"},
		{"cp045678.exe", 3, "cp045678_part3.compsig"},
		{"firmware-nic-1.2.3-1.1.x86_64.rpm", 1, "firmware-nic-1.2.3-1.1.x86_64_part1.compsig"},
	}
	for _, tt := range tests {
		if got := CompsigName(tt.component, tt.part); got != tt.want {
			t.Errorf("CompsigName(%q, %d) = %q, want %q", tt.component, tt.part, got, tt.want)
		}
	}
}

// BenchmarkWrite3GiB streams a 3 GiB image to io.Discard and reports the
// heap in use afterwards and the bytes allocated per image, which must stay
// far below the image size.
func BenchmarkWrite3GiB(b *testing.B) {
	const size = 3 << 30
	for _, name := range []string{"cp045678.exe", "ilo5_305.fwpkg"} {
		b.Run(name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.SetBytes(size)
			for b.Loop() {
				if err := Write(io.Discard, Spec{Filename: name, Version: "1.0", Size: size}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			perOp := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N)
			b.ReportMetric(perOp, "alloc-B/image")
			b.ReportMetric(float64(after.HeapInuse), "heap-inuse-B")
			if perOp > 16<<20 {
				b.Errorf("allocated %.0f bytes per 3 GiB image, want under 16 MiB", perOp)
			}
		})
	}
}
