package ilo

import "testing"

func TestSameSteps(t *testing.T) {
	rom := InstallStep{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash"}
	tests := []struct {
		name       string
		have, want []InstallStep
		same       bool
	}{
		{"equal", []InstallStep{rom}, []InstallStep{rom}, true},
		{"file name case", []InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "a47.FLASH"}}, []InstallStep{rom}, true},
		{"iLO filled updatable_by", []InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash", UpdatableBy: []string{"Uefi"}}}, []InstallStep{rom}, true},
		{"updatable_by asked, other order", []InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash", UpdatableBy: []string{"Uefi", "Bmc"}}},
			[]InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash", UpdatableBy: []string{"Bmc", "Uefi"}}}, true},
		{"updatable_by differs", []InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash", UpdatableBy: []string{"Uefi"}}},
			[]InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: "A47.flash", UpdatableBy: []string{"Bmc"}}}, false},
		{"other name", []InstallStep{{Name: "BIOS", Command: "ApplyUpdate", Filename: "A47.flash"}}, []InstallStep{rom}, false},
		{"other order", []InstallStep{rom, {Name: "Reboot", Command: "ResetServer"}}, []InstallStep{{Name: "Reboot", Command: "ResetServer"}, rom}, false},
		{"one more", []InstallStep{rom}, []InstallStep{rom, {Name: "Reboot", Command: "ResetServer"}}, false},
		{"wait time", []InstallStep{{Name: "W", Command: "Wait", WaitTimeSeconds: 60}}, []InstallStep{{Name: "W", Command: "Wait", WaitTimeSeconds: 90}}, false},
	}
	for _, tt := range tests {
		if got := SameSteps(tt.have, tt.want); got != tt.same {
			t.Errorf("%s: SameSteps = %v, want %v", tt.name, got, tt.same)
		}
	}
}
