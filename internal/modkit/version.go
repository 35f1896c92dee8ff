package modkit

import "github.com/fleetfw/ilo/internal/fwversion"

// SameVersion reports whether two version strings name the same version,
// by internal/fwversion, the one comparator: "2.70" and "2.70 May 16 2022",
// "v2.58 (05/19/2022)" and "A47 v2.58 (05/19/2022)", "1.16.00" and "1.16",
// "0F" and "0x0F" are the same; versions fwversion cannot compare (two ROM
// families, an empty side) are not.
func SameVersion(a, b string) bool {
	c, ok := fwversion.Compare(a, b)
	return ok && c == 0
}
