package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/catalog"
	"github.com/fleetfw/ilo/internal/fwversion"
	"github.com/fleetfw/ilo/internal/testimage"
)

// TestSPP: the folder reads back the same through fwrepo.json and the
// manifest, every image is where the index says and carries its version,
// and the smart component is for the OS agent only.
func TestSPP(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-spp", "-o", dir, "-size", "64KiB"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fwrepo.json", "manifest.json", "cp045678.compsig", "README.txt"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
	repo, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	man, err := catalog.Load(filepath.Join(dir, "manifest", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if repo.Kind != catalog.KindFwrepo || man.Kind != catalog.KindManifest || len(repo.Entries) != len(sppEntries()) || len(man.Entries) != len(repo.Entries) {
		t.Fatalf("fwrepo %s %d entries, manifest %s %d entries", repo.Kind, len(repo.Entries), man.Kind, len(man.Entries))
	}
	for k, r := range repo.Entries {
		m := man.Entries[k]
		info := inspect(t, r.Path)
		if c, ok := fwversion.Compare(r.Version, info.Version); !ok || c != 0 {
			t.Errorf("%s: fwrepo.json version %q, image %q", r.File, r.Version, info.Version)
		}
		if c, ok := fwversion.Compare(r.Version, m.Version); !ok || c != 0 || r.File != m.File || r.DeviceClass != m.DeviceClass ||
			strings.Join(r.Targets, ",") != strings.Join(m.Targets, ",") || r.MinimumActiveVersion != m.MinimumActiveVersion ||
			r.RebootRequired != m.RebootRequired || r.PowerOff != m.PowerOff || r.Bytes != 64<<10 {
			t.Errorf("fwrepo.json and manifest disagree:\n%+v\n%+v", r, m)
		}
		if r.OSAgentOnly() != (r.File == "cp045678.exe") || m.OSAgentOnly() != r.OSAgentOnly() {
			t.Errorf("%s: OS agent only %v / %v", r.File, r.OSAgentOnly(), m.OSAgentOnly())
		}
	}
	if err := run([]string{"-spp", "-name", "x.bin", "-o", dir}, &out, &out); err == nil {
		t.Error("-spp with -name accepted")
	}
}

func inspect(t *testing.T, p string) testimage.Info {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	info, err := testimage.Inspect(f, st.Size(), filepath.Base(p))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return info
}
