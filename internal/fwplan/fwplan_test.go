package fwplan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/catalog"
)

// GUIDs of the iLO 5 2.70 capture (XL675d Gen10 Plus, System ROM A47).
const (
	iloClass  = catalog.ILODeviceClass
	biosClass = catalog.BIOSDeviceClass
	cpldClass = catalog.CPLDDeviceClass
	psuClass  = "6bb86077-0275-4614-aae1-86618e8b1c27"
	chasClass = "42fc70be-bb87-4bdb-8e7c-db1c9af52957"
	driveDC   = "f6de0320-2e0f-489a-b238-6dd8ae7c3811"
	board     = "00000000-0000-0000-0000-00000000022d"
	a47       = "00000000-0000-0000-0000-000001413437"
	u46       = "00000000-0000-0000-0000-000001553436"
	psuT      = "ffffffff-00ff-0000-0000-0cf38db966ea"
	gpuT      = "a6b1a447-382a-5a4f-10de-20b010de134f"
	saT       = "a6b1a447-382a-5a4f-9005-028f103c0602"
	driveT    = "562340a5-304b-3030-3936-30475841574c"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// inventory is a part of the captured FirmwareInventory (versions as served).
func inventory(updateable func(bool) *bool) []Item {
	return []Item{
		{ID: "1", Name: "iLO 5", DeviceContext: "System Board", DeviceClass: iloClass, Targets: []string{"4764a662-b342-4fc7-9ce9-258c5d99e815", "c0bcf2b9-1141-49af-aab8-c73791f0349c"}, Version: "2.70 May 16 2022", Updateable: updateable(true)},
		{ID: "2", Name: "System ROM", DeviceContext: "System Board", DeviceClass: biosClass, Targets: []string{board, a47}, Version: "A47 v2.58 (05/19/2022)", Updateable: updateable(true)},
		{ID: "4", Name: "System Programmable Logic Device", DeviceContext: "System Board", DeviceClass: cpldClass, Targets: []string{board}, Version: "0x0F", Updateable: updateable(true)},
		{ID: "5", Name: "Power Supply Firmware", DeviceContext: "Bay 1", DeviceClass: psuClass, Targets: []string{psuT}, Version: "3.11", Updateable: updateable(true)},
		{ID: "6", Name: "Power Supply Firmware", DeviceContext: "Bay 2", DeviceClass: psuClass, Targets: []string{psuT}, Version: "2.03", Updateable: updateable(true)},
		{ID: "7", Name: "Power Supply Firmware", DeviceContext: "Bay 3", DeviceClass: psuClass, Targets: []string{psuT}, Version: "1.00", Updateable: updateable(true)},
		{ID: "8", Name: "Power Supply Firmware", DeviceContext: "Bay 4", DeviceClass: psuClass, Targets: []string{psuT}, Version: "238.00", Updateable: updateable(true)},
		{ID: "9", Name: "Chassis Firmware", DeviceContext: "Chassis", DeviceClass: chasClass, Targets: []string{board}, Version: "1.6.10", Updateable: updateable(true)},
		{ID: "10", Name: "Redundant System ROM", DeviceContext: "System Board", Version: "A47 v2.58 (05/19/2022)", Updateable: updateable(true)},
		{ID: "14", Name: "HPE Smart Array P408i-a SR Gen10", DeviceContext: "Storage Slot 25", Targets: []string{saT}, Version: "5.00", Updateable: updateable(true)},
		{ID: "16", Name: "NVIDIA A100-SXM4-40GB", DeviceContext: "PCI-E Slot 1", Targets: []string{gpuT}, Version: "92.00.19.00.10", Updateable: updateable(false)},
		{ID: "26", Name: "960GB 6G SATA SSD", DeviceContext: "Slot=25:Port=1I:Box=3:Bay=4", DeviceClass: driveDC, Targets: []string{driveT}, Version: "HPG1", Updateable: updateable(false)},
	}
}

// baseline is a catalog with a stepping stone, a blocked item, a held
// downgrade, a ROM of another family, an OS-agent-only entry and iLO
// firmware of three generations.
func baseline() []catalog.Entry {
	e := func(file, v, class, min string, targets ...string) catalog.Entry {
		return catalog.Entry{File: file, Version: v, DeviceClass: class, MinimumActiveVersion: min, Targets: targets, Bytes: 100, Path: "/cat/" + file}
	}
	rom62 := e("A47_2.62_01_01_2023.signed.flash", "2.62_01-01-2023", biosClass, "", board, a47)
	rom62.RebootRequired = true
	rom72 := e("A47_2.72_01_01_2024.signed.flash", "2.72_01-01-2024", biosClass, "2.62", board, a47)
	cpld := e("CPLD_XL675d_Gen10p_v1111_full_signed.vme", "11", cpldClass, "0x10", board)
	cpld.PowerOff, cpld.RebootRequired = true, true
	agent := e("cp045678.exe", "5.10", "", "", saT)
	agent.UpdatableBy = []string{"RuntimeAgent"}
	return []catalog.Entry{
		e("ilo5_305.bin", "3.05", iloClass, "", "c0bcf2b9-1141-49af-aab8-c73791f0349c"),
		e("ilo6_171.bin", "1.71", iloClass, "", "c0bcf2b9-1141-49af-aab8-c73791f0349c"),
		e("ilo7_1.16.00.bin", "1.16.00", iloClass, "", "c0bcf2b9-1141-49af-aab8-c73791f0349c"),
		rom62, rom72,
		e("U46_2.90_01_01_2025.signed.flash", "2.90_01-01-2025", biosClass, "", "00000000-0000-0000-0000-000000000230", u46),
		cpld,
		e("PSU-3.11-1.fwpkg", "3.11", psuClass, "", psuT),
		e("Chassis-1.6.8-1.fwpkg", "1.6.8", chasClass, "", board),
		agent,
		e("NVIDIA_FPGA-92.00.20.00.01-1.fwpkg", "92.00.20.00.01", "0850b8c7-bee6-497c-9860-3f1403ec5035", "", gpuT),
		e("drive-HPG2-1.fwpkg", "HPG2", driveDC, "", driveT),
	}
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// want is the expected step of one item.
type want struct {
	id, action, target, file, then string
	install                        bool
	order                          int
	reason                         string
}

func TestMake(t *testing.T) {
	srv := Server{ILOGeneration: 5, ILOFirmware: "2.70"}
	for _, unknownUpdateable := range []bool{false, true} {
		upd := func(b bool) *bool {
			if b {
				return yes()
			}
			return no()
		}
		if unknownUpdateable {
			upd = func(bool) *bool { return nil } // iLO 5 2.46: no Updateable
		}
		p := Make(inventory(upd), baseline(), srv, Options{})
		byID := map[string]Step{}
		for _, s := range p.Plan {
			byID[s.ID] = s
		}
		// The NVIDIA package installs too when Updateable is unknown. The
		// PSU package is held: it would downgrade bay 4 (item 8) while
		// upgrading bays 2 and 3.
		ilo := 2
		if unknownUpdateable {
			ilo = 3
		}
		tests := []want{
			{"1", Upgrade, "3.05", "ilo5_305.bin", "<nil>", true, ilo, "2.70 May 16 2022 → 3.05"},
			{"2", Upgrade, "2.62_01-01-2023", "A47_2.62_01_01_2023.signed.flash", "2.72_01-01-2024", true, 1, "stepping stone"},
			{"4", Blocked, "11", "CPLD_XL675d_Gen10p_v1111_full_signed.vme", "<nil>", false, 0, "needs 0x10 running first"},
			{"5", Current, "3.11", "PSU-3.11-1.fwpkg", "<nil>", false, 0, "runs the catalog's version"},
			{"6", Blocked, "3.11", "PSU-3.11-1.fwpkg", "<nil>", false, 0, "would also downgrade Power Supply Firmware"},
			{"7", Blocked, "3.11", "PSU-3.11-1.fwpkg", "<nil>", false, 0, "allow_downgrade: true"},
			{"8", Downgrade, "3.11", "PSU-3.11-1.fwpkg", "<nil>", false, 0, "held"},
			{"9", Downgrade, "1.6.8", "Chassis-1.6.8-1.fwpkg", "<nil>", false, 0, "allow_downgrade: true"},
			{"10", NotInCatalog, "<nil>", "<nil>", "<nil>", false, 0, "no catalog entry"},
			{"14", NeedsOSAgent, "5.10", "cp045678.exe", "<nil>", false, 0, "RuntimeAgent"},
		}
		if unknownUpdateable {
			tests = append(tests,
				want{"16", Upgrade, "92.00.20.00.01", "NVIDIA_FPGA-92.00.20.00.01-1.fwpkg", "<nil>", true, 2, ""},
				want{"26", Unknown, "HPG2", "drive-HPG2-1.fwpkg", "<nil>", false, 0, "cannot compare"})
		} else {
			tests = append(tests, want{"16", NotUpdatable, "92.00.20.00.01", "NVIDIA_FPGA-92.00.20.00.01-1.fwpkg", "<nil>", false, 0, "Updateable: false"})
		}
		for _, tt := range tests {
			s, ok := byID[tt.id]
			if !ok {
				t.Fatalf("no step for item %s", tt.id)
			}
			if s.Action != tt.action || str(s.TargetVersion) != tt.target || str(s.File) != tt.file || str(s.ThenVersion) != tt.then ||
				s.Install != tt.install || s.Order != tt.order || !strings.Contains(s.Reason, tt.reason) {
				t.Errorf("updateable unknown %v, item %s (%s): got %s %s %s then %s install %v order %d %q; want %s %s %s then %s install %v order %d %q",
					unknownUpdateable, tt.id, s.Name, s.Action, str(s.TargetVersion), str(s.File), str(s.ThenVersion), s.Install, s.Order, s.Reason,
					tt.action, tt.target, tt.file, tt.then, tt.install, tt.order, tt.reason)
			}
		}
		if p.Compliant {
			t.Error("compliant with upgrades planned")
		}
		if p.Summary[Blocked] != 3 || p.Summary[Downgrade] != 2 || p.Summary[NotInCatalog] != 1 || len(p.Summary) != len(Actions()) {
			t.Errorf("summary %v", p.Summary)
		}
	}
}

// TestFiles: one file per component, in install order (platform first,
// iLO last), each with the items it installs on.
func TestFiles(t *testing.T) {
	p := Make(inventory(func(b bool) *bool { return &b }), baseline(), Server{ILOGeneration: 5}, Options{AllowDowngrade: true})
	var got []string
	for _, f := range p.Files {
		got = append(got, fmt.Sprintf("%d %s %v", f.Order, f.File, f.Items))
		if f.Path == nil || f.Bytes != 100 {
			t.Errorf("file %s: path %v, bytes %d", f.File, f.Path, f.Bytes)
		}
	}
	want := []string{
		"1 A47_2.62_01_01_2023.signed.flash [2]",
		"2 Chassis-1.6.8-1.fwpkg [9]",
		"3 PSU-3.11-1.fwpkg [6 7 8]",
		"4 ilo5_305.bin [1]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !p.Files[3].ResetsILO || p.Files[0].ResetsILO || !p.Files[0].RebootRequired {
		t.Errorf("flags: %+v", p.Files)
	}
}

// TestApplicability: per generation the iLO file of that generation; the
// other family's ROM never.
func TestApplicability(t *testing.T) {
	for gen, want := range map[int]string{5: "ilo5_305.bin", 6: "ilo6_171.bin", 7: "ilo7_1.16.00.bin"} {
		items := inventory(func(b bool) *bool { return &b })[:1]
		items[0].Version = map[int]string{5: "2.46 May 11 2021", 6: "1.70 Jun 10 2025", 7: "1.14.00 Jul 10 2025"}[gen]
		p := Make(items, baseline(), Server{ILOGeneration: gen}, Options{})
		if s := p.Plan[0]; str(s.File) != want || s.Action != Upgrade || !s.ResetsILO {
			t.Errorf("iLO %d: %s %s, want upgrade with %s", gen, s.Action, str(s.File), want)
		}
	}
	// A U46 server takes the U46 ROM and not the A47 ones.
	u := []Item{{ID: "2", Name: "System ROM", DeviceClass: biosClass, Targets: []string{"00000000-0000-0000-0000-000000000230", u46}, Version: "U46 v2.80 (01/01/2024)"}}
	if s := Make(u, baseline(), Server{}, Options{}).Plan[0]; str(s.File) != "U46_2.90_01_01_2025.signed.flash" || s.Action != Upgrade {
		t.Errorf("U46 server: %s %s", s.Action, str(s.File))
	}
	// A U46 ROM that names the A47 server's platform target still does not apply.
	cat := []catalog.Entry{{File: "U46_2.99_01_01_2026.signed.flash", Version: "2.99", DeviceClass: biosClass, Targets: []string{board}}}
	if s := Make(inventory(yes2)[1:2], cat, Server{}, Options{}).Plan[0]; s.Action != NotInCatalog {
		t.Errorf("U46 ROM on an A47 server: %s %s", s.Action, str(s.File))
	}
	// Device class must match when both have one.
	cat = []catalog.Entry{{File: "x.fwpkg", Version: "9.99", DeviceClass: "other", Targets: []string{psuT}}}
	if s := Make(inventory(yes2)[3:4], cat, Server{}, Options{}).Plan[0]; s.Action != NotInCatalog {
		t.Errorf("other device class: %s", s.Action)
	}
	// Known only by name (no targets): applies by device class.
	cat = []catalog.Entry{{File: "ilo5_310.bin", Version: "3.10", DeviceClass: iloClass, NameOnly: true}}
	if s := Make(inventory(yes2)[:1], cat, Server{ILOGeneration: 5}, Options{}).Plan[0]; s.Action != Upgrade {
		t.Errorf("name-only iLO file: %s", s.Action)
	}
}

func yes2(bool) *bool { return yes() }

func TestCompliant(t *testing.T) {
	items := inventory(yes2)[3:4] // PSU 3.11
	p := Make(items, baseline(), Server{}, Options{})
	if !p.Compliant || len(p.Files) != 0 || p.Summary[Current] != 1 {
		t.Errorf("%+v", p)
	}
	// Blocked is not compliant even with nothing to install.
	p = Make(inventory(yes2)[2:3], baseline(), Server{}, Options{})
	if p.Compliant || p.Plan[0].Action != Blocked {
		t.Errorf("%+v", p)
	}
}

// BenchmarkPlanSPP plans a full SPP-sized catalog (the baseline plus 840
// entries for other devices) against one inventory.
func BenchmarkPlanSPP(b *testing.B) {
	cat := baseline()
	for i := range 840 {
		cat = append(cat, catalog.Entry{
			File: fmt.Sprintf("cp%06d.fwpkg", 40000+i), Version: fmt.Sprintf("%d.%d.%d", i%7, i%13, i%29),
			DeviceClass: fmt.Sprintf("%08x-0000-4000-8000-%012x", i%97, i), Targets: []string{fmt.Sprintf("a6b1a447-382a-5a4f-%04x-%012x", i%50, i), psuT},
			MinimumActiveVersion: []string{"", "1.0"}[i%2],
		})
	}
	items := inventory(yes2)
	for len(items) < 27 {
		items = append(items, Item{ID: fmt.Sprint(len(items) + 1), Name: "NIC", Targets: []string{fmt.Sprintf("a6b1a447-382a-5a4f-%04x-%012x", len(items), len(items))}, Version: "1.3082.0"})
	}
	b.ReportAllocs()
	for b.Loop() {
		p := Make(items, cat, Server{ILOGeneration: 5}, Options{})
		if len(p.Plan) != len(items) {
			b.Fatal("short plan")
		}
	}
}
