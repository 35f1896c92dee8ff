package fwversion

import "testing"

// TestCompare compares the real strings iLOs and catalogs write (captures,
// simulator inventory, reference) for one and the same component.
func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
		ok   bool
	}{
		// System ROM: inventory vs fwrepo.json vs repository.
		{"A43 v2.52 (10/29/2021)", "2.60_11-04-2021", -1, true},
		{"A43 v2.60 (11/04/2021)", "2.60_11-04-2021", 0, true},
		{"A47 v2.58 (05/19/2022)", "v2.58 (05/19/2022)", 0, true},
		{"A47 v2.58 (05/19/2022)", "v2.56 (01/11/2022)", 1, true},
		{"A47 v2.58 (05/19/2022)", "U46 v2.90 (01/01/2025)", 0, false},
		{"A47 v2.58 (05/19/2022)", "A47 v2.62 (01/01/2023)", -1, true},
		// iLO firmware: inventory, manager and catalog forms.
		{"2.46 May 11 2021", "2.50", -1, true},
		{"2.70 May 16 2022", "2.70", 0, true},
		{"iLO 5 v2.70", "2.70 May 16 2022", 0, true},
		{"1.70 Jun 10 2025", "1.70", 0, true},
		{"1.70", "1.71", -1, true},
		{"1.14.00 Jul 10 2025", "1.14", 0, true},
		{"1.14.00 Jul 10 2025", "1.16.00", -1, true},
		{"3.05", "2.70 May 16 2022", 1, true},
		// CPLD: hexadecimal with and without 0x.
		{"0x0D", "0D", 0, true},
		{"0x0F", "0D", 1, true},
		{"0x0F", "10", -1, true},
		{"0F", "0x0F", 0, true},
		{"0x0F", "2.70", 0, false},
		// Dotted numbers of devices.
		{"08.50.78", "8.50.78", 0, true},
		{"08.50.78", "08.50.80", -1, true},
		{"1.0.7", "1.0.10", -1, true},
		{"92.00.19.00.10", "92.00.19.00.9", 1, true},
		{"1.3082.0", "1.3082", 0, true},
		{"238.00", "3.11", 1, true},
		{"1.6.10", "1.6.8", 1, true},
		{"9.1.0 Build 27", "9.1.0 Build 30", -1, true},
		{"5.00", "5.0", 0, true},
		// NVIDIA VBIOS: dotted hex parts (2.55 and 2.70 captures).
		{"94.02.4B.00.01", "94.02.5C.00.03", -1, true},
		{"94.02.4B.00.01", "95.00.00.00.00", -1, true},
		{"94.02.4B.00.01", "92.00.19.00.10", 1, true},
		{"94.02.4b.00.01", "94.02.4B.00.01", 0, true},
		{"94.02.4B.00.01", "9.1.0 Build 27", 0, false},
		// Unknown formats: never a guess, but equal strings are equal.
		{"0\u0014", "0x0F", 0, false},
		{"HPG1", "HPG2", 0, false},
		{"HPG1", "hpg1", 0, true},
		{"N/A", "1.0", 0, false},
		{"", "", 0, false},
		{"2.70", "", 0, false},
		{"1.0-beta", "1.0", 0, false},
	}
	for _, tt := range tests {
		got, ok := Compare(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Compare(%q, %q) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
		// Antisymmetric.
		back, okBack := Compare(tt.b, tt.a)
		if okBack != ok || back != -got {
			t.Errorf("Compare(%q, %q) = %d, %v; not the reverse of %d, %v", tt.b, tt.a, back, okBack, got, ok)
		}
	}
}

func TestParseString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A43 v2.52 (10/29/2021)", "A43 2.52"},
		{"2.60_11-04-2021", "2.60"},
		{"2.46 May 11 2021", "2.46"},
		{"1.14.00 Jul 10 2025", "1.14.0"},
		{"0x0d", "0xD"},
		{"0D", "0xD"},
		{"iLO 6 v1.70", "1.70"},
		{"9.1.0 Build 27", "9.1.0.27"},
		{"HPK3", "HPK3"},
	}
	for _, tt := range tests {
		v := Parse(tt.in)
		if got := v.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
	if Parse("HPK3").Known || !Parse("0x0F").Known || Parse("99999999999999999999999").Known {
		t.Error("Known is wrong for HPK3, 0x0F or a number too large")
	}
}
