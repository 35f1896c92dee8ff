package component

import (
	"testing"

	"github.com/fleetfw/ilo/internal/testimage"
)

// TestVersionDecides: a file of the same name and size but another version
// (payload.json of a .fwpkg wins over the name) replaces the entry.
func TestVersionDecides(t *testing.T) {
	e := newEnv(t)
	old := image(t, testimage.Spec{Filename: "ilo5_305.fwpkg", Version: "3.05", Size: 2 * mib})
	next := image(t, testimage.Spec{Filename: "ilo5_305.fwpkg", Version: "3.06", Size: 2 * mib})
	e.mustRun(map[string]any{"path": old.Image}, false)
	e.writes()
	o := e.mustRun(map[string]any{"path": old.Image}, false)
	if o.changed() || e.writes() != 0 {
		t.Errorf("same file again: changed=%v, want false with no writes", o.changed())
	}
	o = e.mustRun(map[string]any{"path": next.Image}, false)
	if !o.changed() || o.component("version") != "3.06" {
		t.Errorf("other version: changed=%v version=%q, want a replacement by 3.06", o.changed(), o.component("version"))
	}
	d, _ := o["diff"].(map[string]any)
	before, _ := d["before"].(map[string]any)
	if before["version"] != "3.05" {
		t.Errorf("diff before %v, want the 3.05 entry", d["before"])
	}
}
