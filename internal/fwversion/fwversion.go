// Package fwversion is the one firmware version comparator of the
// collection. It normalises what iLOs and HPE catalogs write for the same
// version and compares the results; a format it cannot read is unknown,
// never a guess.
//
// Formats read (real strings from the captures, the simulator inventory and
// the reference):
//
//	"A43 v2.52 (10/29/2021)"  System ROM in FirmwareInventory: family A43, 2.52
//	"v2.58 (05/19/2022)"      System ROM in the iLO Repository: 2.58
//	"2.60_11-04-2021"         System ROM in fwrepo.json: 2.60
//	"2.46 May 11 2021"        iLO 5 in FirmwareInventory: 2.46
//	"1.14.00 Jul 10 2025"     iLO 7 in FirmwareInventory: 1.14.00 (= 1.14)
//	"iLO 5 v2.70"             Managers/1 FirmwareVersion: 2.70
//	"0x0F", "0F"              CPLD (inventory, catalog): hexadecimal 15
//	"08.50.78", "1.0.7", "92.00.19.00.10", "1.3082.0"   dotted numbers
//	"9.1.0 Build 27"          IPAD: 9.1.0.27
//	"94.02.4B.00.01"          NVIDIA VBIOS: dotted hexadecimal parts
//
// Dotted numbers compare part by part, a missing part counting as 0
// ("1.14.00" equals "1.14"). Dates that follow a version are dropped: two
// builds of one version are the same version here. A bare number made of
// hexadecimal digits ("10", "0D") is read as hexadecimal when the other side
// is hexadecimal ("0x0F" or a digit string holding A-F), as CPLD versions
// are; likewise a dotted version with a part holding A-F reads every part,
// on both sides, as hexadecimal (digit strings order the same either way). Two ROM versions of different families ("A43 …" and "U46 …") do not
// compare. Anything else ("HPG1", "N/A", "") is unknown; two unknown
// strings that are equal (ignoring case and surrounding space) are equal,
// which is the one thing that can be said of them without guessing.
package fwversion

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Version is a parsed version string.
type Version struct {
	// Raw is the string as given.
	Raw string
	// Family is the System ROM family ("A43") a ROM version names, or "".
	Family string
	// Parts are the numbers of a dotted version (nil when unknown or hex).
	Parts []uint64
	// Hex is the value of a hexadecimal version ("0x0F", "0F"); HexOK
	// says whether the version reads as one.
	Hex   uint64
	HexOK bool
	// hexOnly: the version has a 0x prefix or a digit A-F, so it is not a
	// decimal number.
	hexOnly bool
	// hexParts are the parts of a dotted version read as hexadecimal
	// (nil when a part is not hex digits); dottedHex says a part holds A-F
	// ("94.02.4B.00.01", NVIDIA VBIOS), so Parts is nil and hexParts count.
	hexParts  []uint64
	dottedHex bool
	// Known is false when the format is not one this package reads.
	Known bool
}

// patterns are the regular expressions Parse uses, compiled on its first
// call: every module links this package and most never read a version
// (compiled at package init they were 0.3 ms of an update_info run's 6 ms).
var patterns = sync.OnceValue(func() *versionPatterns {
	return &versionPatterns{
		ILOPrefix: regexp.MustCompile(`(?i)^ilo\s*\d+\s+`),
		Family:    regexp.MustCompile(`^([A-Z]\d{2})\s+(.+)$`),
		DateParen: regexp.MustCompile(`\s*\(\d{1,2}/\d{1,2}/\d{4}\)$`),
		DateUnder: regexp.MustCompile(`[_ ]\d{1,2}-\d{1,2}-\d{4}$`),
		DateMonth: regexp.MustCompile(`\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{1,2},?\s+\d{4}$`),
		Build:     regexp.MustCompile(`(?i)^(.*?)\s+build\s+(\d+)$`),
		Dotted:    regexp.MustCompile(`^\d+(?:\.\d+)*$`),
		DottedHex: regexp.MustCompile(`^[0-9A-Fa-f]{1,15}(?:\.[0-9A-Fa-f]{1,15})+$`),
		HexPrefix: regexp.MustCompile(`^0[xX]([0-9A-Fa-f]{1,16})$`),
		HexDigits: regexp.MustCompile(`^[0-9A-Fa-f]{1,16}$`),
		HexLetter: regexp.MustCompile(`[A-Fa-f]`),
	}
})

type versionPatterns struct {
	ILOPrefix *regexp.Regexp
	Family    *regexp.Regexp
	DateParen *regexp.Regexp
	DateUnder *regexp.Regexp
	DateMonth *regexp.Regexp
	Build     *regexp.Regexp
	Dotted    *regexp.Regexp
	DottedHex *regexp.Regexp
	HexPrefix *regexp.Regexp
	HexDigits *regexp.Regexp
	HexLetter *regexp.Regexp
}

// Parse reads s. It never fails: a version it cannot read has Known false.
func Parse(s string) Version {
	p := patterns()
	v := Version{Raw: s}
	t := strings.TrimSpace(s)
	t = p.ILOPrefix.ReplaceAllString(t, "")
	if m := p.Family.FindStringSubmatch(t); m != nil {
		v.Family, t = m[1], strings.TrimSpace(m[2])
	}
	for _, date := range []*regexp.Regexp{p.DateParen, p.DateUnder, p.DateMonth} {
		t = date.ReplaceAllString(t, "")
	}
	if len(t) > 1 && (t[0] == 'v' || t[0] == 'V') && t[1] >= '0' && t[1] <= '9' {
		t = t[1:]
	}
	var build string
	if m := p.Build.FindStringSubmatch(t); m != nil {
		t, build = m[1], m[2]
	}
	if m := p.HexPrefix.FindStringSubmatch(t); m != nil && build == "" && v.Family == "" {
		v.Hex, _ = strconv.ParseUint(m[1], 16, 64)
		v.HexOK, v.hexOnly, v.Known = true, true, true
		return v
	}
	if p.HexDigits.MatchString(t) && build == "" && v.Family == "" {
		v.Hex, _ = strconv.ParseUint(t, 16, 64)
		v.HexOK = true
		if p.HexLetter.MatchString(t) {
			v.hexOnly, v.Known = true, true
			return v
		}
	}
	if build == "" && v.Family == "" && p.DottedHex.MatchString(t) {
		for _, p := range strings.Split(t, ".") {
			n, _ := strconv.ParseUint(p, 16, 64)
			v.hexParts = append(v.hexParts, n)
		}
		if p.HexLetter.MatchString(t) {
			v.dottedHex, v.Known = true, true
			return v
		}
	}
	if !p.Dotted.MatchString(t) {
		v.HexOK = false
		return v
	}
	if build != "" {
		t += "." + build
	}
	for _, p := range strings.Split(t, ".") {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil { // more digits than 64 bits hold
			return Version{Raw: s}
		}
		v.Parts = append(v.Parts, n)
	}
	v.Known = true
	return v
}

// String is the normalised version: "A43 2.52", "2.46", "0x0F", or the raw
// string when unknown.
func (v Version) String() string {
	if !v.Known {
		return v.Raw
	}
	if v.hexOnly {
		return "0x" + strings.ToUpper(strconv.FormatUint(v.Hex, 16))
	}
	if v.dottedHex {
		return strings.ToUpper(strings.TrimSpace(v.Raw))
	}
	parts := make([]string, len(v.Parts))
	for i, p := range v.Parts {
		parts[i] = strconv.FormatUint(p, 10)
	}
	s := strings.Join(parts, ".")
	if v.Family != "" {
		s = v.Family + " " + s
	}
	return s
}

// Compare compares a and b: -1, 0 or +1, and ok false when they cannot be
// compared (an unknown format, different ROM families, hexadecimal against
// a dotted version).
func (a Version) Compare(b Version) (c int, ok bool) {
	if !a.Known || !b.Known {
		if strings.EqualFold(strings.TrimSpace(a.Raw), strings.TrimSpace(b.Raw)) && strings.TrimSpace(a.Raw) != "" {
			return 0, true
		}
		return 0, false
	}
	if a.Family != "" && b.Family != "" && a.Family != b.Family {
		return 0, false
	}
	if a.hexOnly || b.hexOnly {
		if !a.HexOK || !b.HexOK {
			return 0, false
		}
		return cmp(a.Hex, b.Hex), true
	}
	if a.dottedHex || b.dottedHex {
		// Digit strings order the same read as hex or decimal, so a dotted
		// decimal version compares with a dotted hex one part by part.
		if a.hexParts == nil || b.hexParts == nil {
			return 0, false
		}
		return cmpParts(a.hexParts, b.hexParts), true
	}
	return cmpParts(a.Parts, b.Parts), true
}

// cmpParts compares dotted parts, a missing part counting as 0.
func cmpParts(a, b []uint64) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y uint64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmp(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// Compare parses and compares two version strings (see Version.Compare).
func Compare(a, b string) (int, bool) { return Parse(a).Compare(Parse(b)) }

func cmp(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
