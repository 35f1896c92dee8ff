package ilo

import (
	"strings"
	"testing"
)

// TestDowngrades: a repository component is matched to the devices it
// updates (Targets, else a DeviceClass only one device has) and called a
// downgrade only when its version compares as older.
func TestDowngrades(t *testing.T) {
	inv := []InventoryItem{
		{Name: "iLO 5", Version: "2.72 Sep 04 2022", DeviceClass: "ilo", Targets: []string{"4764A662-B342-4FC7-9CE9-258C5D99E815"}},
		{Name: "System ROM", Version: "A47 v2.58 (05/19/2022)", DeviceClass: "rom", Targets: []string{"00000000-0000-0000-0000-00000000022d"}},
		{Name: "Intelligent Platform Abstraction Data", Version: "9.1.0 Build 27", DeviceClass: "ipad", Targets: []string{"00000000-0000-0000-0000-00000000022d"}},
		{Name: "NIC 1", Version: "1.2.3", DeviceClass: "nic"},
		{Name: "NIC 2", Version: "1.2.3", DeviceClass: "nic"},
		{Name: "CPLD", Version: "0x0F", DeviceClass: "cpld"},
		{Name: "Power Supply Firmware", Version: "1.00", DeviceClass: "psu", Targets: []string{"ffffffff-00ff-0000-0000-0cf38db966ea"}},
		{Name: "Power Supply Firmware", Version: "238.00", DeviceClass: "psu", Targets: []string{"ffffffff-00ff-0000-0000-0cf38db966ea"}},
	}
	for _, tc := range []struct {
		name string
		comp Component
		want []string // devices downgraded
	}{
		{"older iLO by target", Component{Filename: "ilo5_266.bin", Version: "2.66", Targets: []string{"4764a662-b342-4fc7-9ce9-258c5d99e815"}}, []string{"iLO 5"}},
		{"newer iLO", Component{Filename: "ilo5_310.bin", Version: "3.10", Targets: []string{"4764a662-b342-4fc7-9ce9-258c5d99e815"}}, nil},
		{"same iLO", Component{Filename: "ilo5_272.bin", Version: "2.72", Targets: []string{"4764a662-b342-4fc7-9ce9-258c5d99e815"}}, nil},
		{"older ROM by class", Component{Filename: "A47_2.52.signed.flash", Version: "v2.52 (10/29/2021)", DeviceClass: "ROM"}, []string{"System ROM"}},
		{"class of two devices says not which", Component{Filename: "nic.fwpkg", Version: "1.0.0", DeviceClass: "nic"}, nil},
		{"a GUID the board's devices share says not which", Component{Filename: "U46.signed.flash", Version: "v2.52 (10/29/2021)", Targets: []string{"00000000-0000-0000-0000-00000000022d"}}, nil},
		{"class and GUID together", Component{Filename: "A47.signed.flash", Version: "v2.52 (10/29/2021)", DeviceClass: "rom", Targets: []string{"00000000-0000-0000-0000-00000000022d"}}, []string{"System ROM"}},
		{"unknown version is not older", Component{Filename: "x.bin", Version: "HPG1", DeviceClass: "cpld"}, nil},
		{"older CPLD in hex", Component{Filename: "cpld_v0E.vme", Version: "0E", DeviceClass: "cpld"}, []string{"CPLD"}},
		// A .fwpkg flashes every device it targets: the bay at 238.00 would
		// be downgraded although the one at 1.00 is upgraded (firmware_plan
		// holds such a file the same way).
		{"power supplies older and newer", Component{Filename: "PSU-3.11-1.fwpkg", Version: "3.11", DeviceClass: "psu", Targets: []string{"ffffffff-00ff-0000-0000-0cf38db966ea"}}, []string{"Power Supply Firmware"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range tc.comp.Downgrades(inv) {
				got = append(got, d.Device)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("downgrades %v, want %v", got, tc.want)
			}
		})
	}
}
