// Command mkimage writes a test firmware image of any size, streamed to
// disk, with its .compsig and per-32-MiB-part signatures when the kind needs
// them (formats: internal/testimage). It prints the path of every file it
// wrote, one per line, image first.
//
//	mkimage -o DIR -name ilo5_305.bin [-version 3.05] [-size 100MiB] [-kind ilo] [-compsig] [-parts]
//	mkimage -o DIR -spp [-size 1MiB]
//
// With -spp it writes an SPP-like folder instead (spp.go): images,
// fwrepo.json, manifest/manifest.json and README.txt, with entries that do
// and do not apply to each simulator profile.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/fleetfw/ilo/internal/testimage"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir      = fs.String("o", ".", "output `directory`")
		name     = fs.String("name", "", "image file `name`, e.g. ilo5_305.bin, U46_2.90_01_01_2025.signed.flash, cp045678.exe (required)")
		version  = fs.String("version", "", "component version (default: from the name; required for Smart Components)")
		size     = fs.String("size", "0", "image size: bytes or with a unit B, KiB, MiB, GiB, KB, MB, GB (0: smallest image)")
		kind     = fs.String("kind", "", fmt.Sprintf("image kind %v (default: from the name)", testimage.AllKinds()))
		comp     = fs.String("component-name", "", "component Name (default per kind, e.g. \"iLO 5\")")
		class    = fs.String("device-class", "", "DeviceClass GUID (default per kind)")
		targets  = fs.String("targets", "", "comma-separated target GUIDs (default per kind)")
		by       = fs.String("updatable-by", "", "comma-separated update agents: Bmc, Uefi, RuntimeAgent (default per kind)")
		activate = fs.String("activates", "", "Immediately, AfterReboot, AfterDeviceReset or AfterHardPowerCycle (default per kind)")
		compsig  = fs.Bool("compsig", false, "write a .compsig even for kinds that carry their own signature")
		parts    = fs.Bool("parts", false, "write per-part <base>_partN.compsig even for a file of one 32 MiB part")
		spp      = fs.Bool("spp", false, "write an SPP-like folder (images, fwrepo.json, manifest/manifest.json) instead of one image; -size applies to each image")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n, err := parseSize(*size)
	if err != nil {
		return err
	}
	if *spp {
		if *name != "" {
			return fmt.Errorf("-spp writes a whole folder; leave out -name")
		}
		return writeSPP(*dir, n, stdout)
	}
	if *name == "" {
		return fmt.Errorf("-name is required")
	}
	spec := testimage.Spec{
		Filename: *name, Kind: testimage.Kind(*kind), Name: *comp, Version: *version, Size: n,
		DeviceClass: *class, Targets: splitList(*targets), UpdatableBy: splitList(*by), Activates: *activate,
		Compsig: *compsig, Parts: *parts,
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	files, err := testimage.WriteFiles(*dir, spec)
	if err != nil {
		return err
	}
	for _, f := range files.All() {
		fmt.Fprintln(stdout, f)
	}
	return nil
}

// splitList splits a comma-separated flag; empty gives nil (the default).
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseSize reads "100MiB", "3GiB", "512KB", "1.5GiB" or a plain byte count.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && n >= 0 {
		return int64(float64(n) * mult), nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("size %q: want a byte count such as 1048576, 100MiB or 3GiB", s)
	}
	return int64(f * mult), nil
}
