//go:build integration

package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// maxTarballBytes is our limit for the collection tarball (Galaxy accepts 20 MB).
const maxTarballBytes = 10 << 20

// TestInstalledCollection checks the tarball as users install it: size, the multi-call
// binary, one symlink per documented module, and ansible-doc rendering every module.
func TestInstalledCollection(t *testing.T) {
	requireSuite(t)
	st, err := os.Stat(suite.tarball)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > maxTarballBytes {
		t.Errorf("tarball %s is %d bytes, limit %d", filepath.Base(suite.tarball), st.Size(), maxTarballBytes)
	}
	bin := filepath.Join(suite.installed, "plugins", "bin", "fleetfw-ilo")
	bst, err := os.Lstat(bin)
	if err != nil {
		t.Fatalf("installed binary: %v", err)
	}
	if !bst.Mode().IsRegular() || bst.Mode().Perm()&0o100 == 0 {
		t.Errorf("installed %s: mode %s, want an executable file", bin, bst.Mode())
	}
	t.Logf("tarball %d bytes, binary %d bytes", st.Size(), bst.Size())

	modules := actionGroup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := []string{"ANSIBLE_COLLECTIONS_PATH=" + suite.collections, "ANSIBLE_NOCOLOR=1"}
	list, err := command(ctx, suite.work, env, "ansible-doc", "-t", "module", "-l", "fleetfw.ilo")
	if err != nil {
		t.Fatalf("ansible-doc -l: %v", err)
	}
	for _, m := range modules {
		t.Run(m, func(t *testing.T) {
			stub := filepath.Join(suite.installed, "plugins", "modules", m+".py")
			if _, err := os.Stat(stub); err != nil {
				t.Skipf("module %s has no doc stub yet: %v", m, err)
			}
			link := filepath.Join(suite.installed, "plugins", "modules", m)
			target, err := os.Readlink(link)
			if err != nil {
				t.Fatalf("plugins/modules/%s in the installed collection: %v", m, err)
			}
			if target != "../bin/fleetfw-ilo" {
				t.Errorf("plugins/modules/%s -> %s, want ../bin/fleetfw-ilo", m, target)
			}
			if !strings.Contains(list, "fleetfw.ilo."+m+" ") {
				t.Errorf("ansible-doc -l fleetfw.ilo does not list %s:\n%s", m, list)
			}
			doc, err := command(ctx, suite.work, env, "ansible-doc", "-t", "module", "fleetfw.ilo."+m)
			if err != nil {
				t.Fatalf("ansible-doc fleetfw.ilo.%s: %v", m, err)
			}
			for _, want := range []string{"> FLEETFW.ILO." + strings.ToUpper(m), "baseuri", "EXAMPLES:", "RETURN VALUES:"} {
				if !strings.Contains(doc, want) {
					t.Errorf("ansible-doc fleetfw.ilo.%s lacks %q", m, want)
				}
			}
		})
	}
}

// TestModuleRunsInstalledBinary runs a module ad hoc with no options: the installed binary
// (not the .py stub, not the source tree) must answer with a failed result naming baseuri.
func TestModuleRunsInstalledBinary(t *testing.T) {
	requireSuite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	env := []string{
		"ANSIBLE_COLLECTIONS_PATH=" + suite.collections, "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_LOCAL_TEMP=" + filepath.Join(dir, "l"), "ANSIBLE_REMOTE_TEMP=" + filepath.Join(dir, "r"),
	}
	out, err := command(ctx, dir, env, "ansible", "localhost", "-vvv", "-m", "fleetfw.ilo.update_info")
	suite.secrets.Record(t.Name()+" stdout", out)
	if err == nil {
		t.Fatalf("update_info without baseuri succeeded:\n%s", out)
	}
	if want := "PUT " + filepath.Join(suite.installed, "plugins", "bin", "fleetfw-ilo"); !strings.Contains(out+err.Error(), want) {
		t.Errorf("the module was not transferred from the installed binary (want %q in the -vvv output):\n%s\n%v", want, out, err)
	}
	if !strings.Contains(out+err.Error(), "baseuri") {
		t.Errorf("the failure does not name baseuri:\n%s\n%v", out, err)
	}
}
