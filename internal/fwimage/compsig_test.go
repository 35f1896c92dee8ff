package fwimage

import "testing"

func TestCompsigName(t *testing.T) {
	for _, tt := range []struct {
		file string
		part int
		want string
	}{
		{"cp045678.exe", 0, "cp045678.compsig"},
		{"cp045678.exe", 2, "cp045678_part2.compsig"},
		{"U46_2.90_01_01_2025.signed.flash", 0, "U46_2.90_01_01_2025.signed.compsig"},
		{"ilo5_305.bin", 1, "ilo5_305_part1.compsig"},
	} {
		if got := CompsigName(tt.file, tt.part); got != tt.want {
			t.Errorf("CompsigName(%q, %d) = %q, want %q", tt.file, tt.part, got, tt.want)
		}
	}
}
