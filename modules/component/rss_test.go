package component

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// childArgs names the arguments file when the test binary runs as the
// module process (BenchmarkUploadRSS), the way Ansible runs the module.
const childArgs = "FLEETFW_COMPONENT_MODULE_ARGS"

// moduleBin, when set, names a built module binary (plugins/bin/fleetfw-ilo)
// to measure instead of this test binary.
const moduleBin = "FLEETFW_MODULE_BIN"

func TestMain(m *testing.M) {
	if f := os.Getenv(childArgs); f != "" {
		os.Exit(ansible.Dispatch([]string{"component", f}, os.Stdout, Module))
	}
	os.Exit(m.Run())
}

// BenchmarkUploadRSS runs the module as its own process (this test binary
// in module mode, or the binary FLEETFW_MODULE_BIN names) uploading 16 MiB
// and 1 GiB, and reports the process's
// peak resident set size (getrusage ru_maxrss): the body is streamed from
// disk, so the figure must not grow with the file size.
func BenchmarkUploadRSS(b *testing.B) {
	for _, size := range []int64{16 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			e := newEnv(b, ilosim.WithRepositorySize(4<<30))
			img := image(b, testimage.Spec{Filename: "cp045700.exe", Version: "1.0.0", Size: size})
			args := map[string]any{"baseuri": e.srv.URL, "username": modtest.User, "password": modtest.Password,
				"ca_path": e.ca, "path": img.Image, "force": true, "wait_timeout": 600,
				"_ansible_module_name": "fleetfw.ilo.component"}
			argsFile := writeArgs(b, args)
			var peak int64
			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				rss, o := runChild(b, argsFile)
				if o["changed"] != true || o["bytes_sent"] != json.Number(fmt.Sprint(size)) {
					b.Fatalf("module did not upload %d bytes: %v", size, o)
				}
				peak = max(peak, rss)
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		})
	}
}

// TestUploadMemoryFlat runs the module process uploading 4 MiB and 100 MiB
// and requires the same peak RSS within 8 MiB: the body is streamed, never
// held in memory (BenchmarkUploadRSS reports the figures).
func TestUploadMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 100 MiB through a module process")
	}
	var rss []int64
	for _, size := range []int64{4 << 20, 100 << 20} {
		e := newEnv(t)
		img := image(t, testimage.Spec{Filename: "cp045701.exe", Version: "1.0.0", Size: size})
		r, o := runChild(t, writeArgs(t, map[string]any{"baseuri": e.srv.URL, "username": modtest.User, "password": modtest.Password,
			"ca_path": e.ca, "path": img.Image, "_ansible_module_name": "fleetfw.ilo.component"}))
		if o["bytes_sent"] != json.Number(fmt.Sprint(size)) {
			t.Fatalf("module did not upload %d bytes: %v", size, o)
		}
		rss = append(rss, r)
	}
	t.Logf("peak RSS of the module process: %d KiB uploading 4 MiB, %d KiB uploading 100 MiB", rss[0], rss[1])
	if grow := rss[1] - rss[0]; grow > 8<<10 {
		t.Errorf("peak RSS %d KiB for 4 MiB, %d KiB for 100 MiB: grew by %d KiB, want under 8 MiB", rss[0], rss[1], grow)
	}
}

// writeArgs writes an arguments file as Ansible does.
func writeArgs(t testing.TB, args map[string]any) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "args.json")
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runChild runs the module process on argsFile and returns its peak RSS in
// KiB and its result.
func runChild(b testing.TB, argsFile string) (int64, map[string]any) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgs+"="+argsFile)
	if bin := os.Getenv(moduleBin); bin != "" {
		cmd = exec.Command(bin, argsFile) // as Ansible runs it
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	d := json.NewDecoder(&stdout)
	d.UseNumber()
	var o map[string]any
	if derr := d.Decode(&o); derr != nil {
		b.Fatalf("module process: %v %v\n%s%s", err, derr, stdout.String(), stderr.String())
	}
	if err != nil {
		b.Fatalf("module process failed: %v: %v", err, o["msg"])
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage for the module process")
	}
	return ru.Maxrss, o // kilobytes on Linux
}
