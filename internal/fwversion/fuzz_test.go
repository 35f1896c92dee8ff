package fwversion

import "testing"

// FuzzCompare: Compare never panics, is antisymmetric, and a version equals
// itself whenever it is known.
func FuzzCompare(f *testing.F) {
	for _, s := range [][2]string{
		{"A43 v2.52 (10/29/2021)", "2.60_11-04-2021"}, {"0x0D", "0D"}, {"2.46 May 11 2021", "2.50"},
		{"94.02.4B.00.01", "92.00.19.00.10"}, {"9.1.0 Build 27", "HPG1"}, {"1.14.00 Jul 10 2025", "iLO 7 v1.14"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		c, ok := Compare(a, b)
		back, okBack := Compare(b, a)
		if ok != okBack || c != -back {
			t.Fatalf("Compare(%q, %q) = %d, %v but reversed %d, %v", a, b, c, ok, back, okBack)
		}
		if v := Parse(a); v.Known {
			if c, ok := v.Compare(v); !ok || c != 0 {
				t.Fatalf("%q does not equal itself: %d, %v", a, c, ok)
			}
		}
	})
}
