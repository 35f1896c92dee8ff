package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/testimage"
)

// sppEntry is one component of the SPP-like folder: the image and what
// the catalog says of it beyond the image.
type sppEntry struct {
	spec testimage.Spec
	// repoVersion is the version as fwrepo.json writes it ("" = spec's).
	repoVersion string
	// min is minimum_active_version ("" = none, written "null").
	min string
	// why says what the entry is for, on each simulator profile.
	why string
}

// GUIDs of the simulator's inventory (the iLO 5 2.70 XL675d capture).
const (
	sppBoard     = "00000000-0000-0000-0000-00000000022d"
	sppA47       = "00000000-0000-0000-0000-000001413437"
	sppU46       = "00000000-0000-0000-0000-000001553436"
	sppOtherSrv  = "00000000-0000-0000-0000-000000000230"
	sppPSUClass  = "6bb86077-0275-4614-aae1-86618e8b1c27"
	sppPSU       = "ffffffff-00ff-0000-0000-0cf38db966ea"
	sppChassisDC = "42fc70be-bb87-4bdb-8e7c-db1c9af52957"
	sppArray     = "a6b1a447-382a-5a4f-9005-028f103c0602"
)

// sppEntries are the components of the SPP-like folder. Against the
// simulator (every profile serves the XL675d A47 inventory; only the iLO
// differs):
func sppEntries() []sppEntry {
	return []sppEntry{
		{spec: testimage.Spec{Filename: "ilo5_305.bin"}, why: "iLO 5 upgrade (ilo5, ilo5-legacy, ilo5-multipart); not for iLO 6/7"},
		{spec: testimage.Spec{Filename: "ilo6_171.bin"}, why: "iLO 6 upgrade (ilo6); not for iLO 5/7"},
		{spec: testimage.Spec{Filename: "ilo7_1.16.00.bin"}, why: "iLO 7 upgrade (ilo7); not for iLO 5/6"},
		{spec: testimage.Spec{Filename: "A47_2.62_01_01_2023.signed.flash", Targets: []string{sppBoard, sppA47}},
			repoVersion: "2.62_01-01-2023", why: "System ROM stepping stone (A47 v2.58 → 2.62)"},
		{spec: testimage.Spec{Filename: "A47_2.72_01_01_2024.signed.flash", Targets: []string{sppBoard, sppA47}},
			repoVersion: "2.72_01-01-2024", min: "2.62", why: "System ROM after the stepping stone (needs 2.62 running)"},
		{spec: testimage.Spec{Filename: "U46_2.90_01_01_2025.signed.flash", Targets: []string{sppOtherSrv, sppU46}},
			repoVersion: "2.90_01-01-2025", why: "a ROM of another family: never applies"},
		{spec: testimage.Spec{Filename: "CPLD_XL675d_Gen10p_v1111_full_signed.vme"}, min: "10",
			why: "CPLD 0x11 needs 0x10 running (0x0F runs) and nothing bridges: blocked"},
		{spec: testimage.Spec{Filename: "Chassis_Firmware-1.6.8-1.fwpkg", Name: "Chassis Firmware", DeviceClass: sppChassisDC,
			Targets: []string{sppBoard}, Activates: testimage.AfterReboot}, why: "older than the running 1.6.10: a held downgrade"},
		{spec: testimage.Spec{Filename: "Power_Supply_Firmware-3.11-1.fwpkg", Name: "Power Supply Firmware", DeviceClass: sppPSUClass,
			Targets: []string{sppPSU}, Activates: testimage.Immediately}, why: "PSUs: bay 1 current, bays 2-3 upgrade, bay 4 (238.00) downgrade"},
		{spec: testimage.Spec{Filename: "cp045678.exe", Version: "5.10", Name: "Smart Array P408i-a SR Gen10 agent",
			Targets: []string{sppArray}, UpdatableBy: []string{testimage.RuntimeAgent}}, why: "only the OS agent installs it: needs_os_agent"},
	}
}

// writeSPP writes an SPP-like folder into dir: the images (each size
// bytes, 0 for the smallest), fwrepo.json, manifest/manifest.json (shaped
// as public SPP manifests: {"manifest": [...]}, each entry payload.json-like
// with its file in package.Files) and README.txt saying what each entry is
// for. It prints every path written.
func writeSPP(dir string, size int64, stdout io.Writer) error {
	if err := os.MkdirAll(filepath.Join(dir, "manifest"), 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	var repo bytes.Buffer
	var manifest []map[string]any
	var readme strings.Builder
	repo.WriteString("{\n")
	for k, e := range sppEntries() {
		e.spec.Size = size
		files, err := testimage.WriteFiles(dir, e.spec)
		if err != nil {
			return err
		}
		for _, f := range files.All() {
			fmt.Fprintln(stdout, f)
		}
		info := files.Info
		version := cmp(e.repoVersion, info.Version)
		reboot := info.Activates == testimage.AfterReboot || info.Activates == testimage.AfterHardPowerCycle
		off := info.Activates == testimage.AfterHardPowerCycle
		var target any = info.Targets // fwrepo.json writes one target as a string, several as a list
		if len(info.Targets) == 1 {
			target = info.Targets[0]
		}
		val, err := json.Marshal(map[string]any{
			"version": version, "deviceclass": info.DeviceClass, "target": target,
			"minimum_active_version": cmp(e.min, "null"), "reboot_required": yesNo(reboot), "server_power_off": yesNo(off),
			"date": "2025-01-01", "description": info.Name,
		})
		if err != nil {
			return err
		}
		key, _ := json.Marshal(info.Filename)
		sep := ",\n"
		if k == len(sppEntries())-1 {
			sep = "\n"
		}
		fmt.Fprintf(&repo, "  %s: %s%s", key, val, sep)
		manifest = append(manifest, manifestEntry(info, e.min, reboot, off))
		fmt.Fprintf(&readme, "%-45s %s\n", info.Filename, e.why)
	}
	repo.WriteString("}\n")
	man, err := json.MarshalIndent(map[string]any{"manifest": manifest}, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"fwrepo.json", repo.Bytes()},
		{filepath.Join("manifest", "manifest.json"), append(man, '\n')},
		{"README.txt", []byte("SPP-like test folder written by cmd/mkimage -spp (not HPE media).\n\n" + readme.String())},
	} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// manifestEntry is a payload.json-shaped manifest entry for info.
func manifestEntry(info testimage.Info, min string, reboot, off bool) map[string]any {
	var devices []map[string]any
	for _, t := range info.Targets {
		devices = append(devices, map[string]any{
			"DeviceName": info.Name, "Target": t, "Version": info.Version,
			"FirmwareImages": []map[string]any{{
				"FileName": info.Filename, "DirectFlashOk": slices.Contains(info.UpdatableBy, testimage.Bmc),
				"UefiFlashable": slices.Contains(info.UpdatableBy, testimage.Uefi), "ResetRequired": reboot, "ServerPowerOff": off,
			}},
		})
	}
	// The shape of public SPP manifests: the file is package.Files[0].
	e := map[string]any{
		"Name": info.Name, "DeviceClass": info.DeviceClass, "UpdatableBy": info.UpdatableBy, "Type": "Firmware",
		"Devices": map[string]any{"Device": devices},
		"package": map[string]any{"Files": []map[string]any{{"Name": info.Filename, "Bytes": fmt.Sprint(info.Size)}}},
	}
	if min != "" {
		e["MinimumActiveVersion"] = min
	}
	return e
}

func cmp(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
