package testimage

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"
	"time"
)

// Payload is payload.json of a .fwpkg: the subset of HPE's FWPKG format that
// iLOrest's flashfwpkg reads.
type Payload struct {
	PackageFormat string   `json:"PackageFormat"`
	Name          string   `json:"Name"`
	Description   string   `json:"Description"`
	Type          string   `json:"Type"`
	DeviceClass   string   `json:"DeviceClass"`
	UpdatableBy   []string `json:"UpdatableBy"`
	Devices       struct {
		Device []PayloadDevice `json:"Device"`
	} `json:"Devices"`
}

// PayloadDevice is one Devices.Device entry of payload.json.
type PayloadDevice struct {
	DeviceName     string          `json:"DeviceName"`
	Target         string          `json:"Target"`
	Version        string          `json:"Version"`
	FirmwareImages []FirmwareImage `json:"FirmwareImages"`
}

// FirmwareImage is one FirmwareImages entry of a payload.json device.
type FirmwareImage struct {
	FileName           string `json:"FileName"`
	Order              int    `json:"Order"`
	DirectFlashOk      bool   `json:"DirectFlashOk"`
	UefiFlashable      bool   `json:"UefiFlashable"`
	ResetRequired      bool   `json:"ResetRequired"`
	ServerPowerOff     bool   `json:"ServerPowerOff"`
	PLDMImage          bool   `json:"PLDMImage"`
	InstallDurationSec int    `json:"InstallDurationSec"`
	Type               string `json:"Type"`
}

// zipTime is the modification time of every zip entry, so that equal specs
// give equal bytes.
var zipTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// payloadOf builds payload.json for s, whose image file is inner.
func payloadOf(s Spec, inner string) Payload {
	p := Payload{
		PackageFormat: "FWPKG-v2", Name: s.Name, Description: s.Name + " (fleetfw test image)",
		Type: "Firmware", DeviceClass: s.DeviceClass, UpdatableBy: s.UpdatableBy,
	}
	img := FirmwareImage{
		FileName: inner, Order: 1,
		DirectFlashOk:      slices.Contains(s.UpdatableBy, Bmc),
		UefiFlashable:      slices.Contains(s.UpdatableBy, Uefi),
		ResetRequired:      s.Activates == AfterReboot || s.Activates == AfterHardPowerCycle,
		ServerPowerOff:     s.Activates == AfterHardPowerCycle,
		InstallDurationSec: s.InstallDurationSec, Type: "Firmware",
	}
	for _, t := range s.Targets {
		p.Devices.Device = append(p.Devices.Device, PayloadDevice{
			DeviceName: s.Name, Target: t, Version: s.Version, FirmwareImages: []FirmwareImage{img},
		})
	}
	return p
}

// innerSpec is the header-format image a fwpkg carries.
func innerSpec(s Spec) Spec {
	base := strings.TrimSuffix(s.Filename, path.Ext(s.Filename))
	kind := KindFirmware
	if s.DeviceClass == ILODeviceClass {
		kind = KindILO
	}
	in := s
	in.Filename, in.Kind = base+".bin", kind
	return in
}

// writeFwpkg writes the zip: payload.json then the inner image, stored.
func writeFwpkg(w io.Writer, s Spec) error {
	in := innerSpec(s)
	payload, err := json.MarshalIndent(payloadOf(s, in.Filename), "", "    ")
	if err != nil {
		return fmt.Errorf("encode payload.json: %w", err)
	}
	// The zip overhead does not depend on the stored sizes below 4 GiB.
	var probe countWriter
	in.Size = 0
	if err := writeZip(&probe, payload, in); err != nil {
		return err
	}
	minInner, _, err := header(in)
	if err != nil {
		return err
	}
	overhead := probe.n - int64(len(minInner))
	if s.Size != 0 {
		if s.Size >= math.MaxUint32 {
			return fmt.Errorf("image %s: fwpkg test images are limited to 4 GiB, got %d bytes", s.Filename, s.Size)
		}
		in.Size = s.Size - overhead
		if in.Size < int64(len(minInner)) {
			return fmt.Errorf("image %s: size %d is below the smallest fwpkg (%d bytes)", s.Filename, s.Size, probe.n)
		}
	}
	return writeZip(w, payload, in)
}

func writeZip(w io.Writer, payload []byte, in Spec) error {
	zw := zip.NewWriter(w)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "payload.json", Method: zip.Store, Modified: zipTime})
	if err != nil {
		return fmt.Errorf("write fwpkg payload.json: %w", err)
	}
	if _, err := f.Write(payload); err != nil {
		return fmt.Errorf("write fwpkg payload.json: %w", err)
	}
	f, err = zw.CreateHeader(&zip.FileHeader{Name: in.Filename, Method: zip.Store, Modified: zipTime})
	if err != nil {
		return fmt.Errorf("write fwpkg %s: %w", in.Filename, err)
	}
	if err := writeHeaderImage(f, in); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write fwpkg: %w", err)
	}
	return nil
}

// inspectFwpkg reads payload.json of a fwpkg (or a fwpkg renamed .zip, as
// iLOrest uploads type C packages).
func inspectFwpkg(r io.ReaderAt, size int64, filename string) (Info, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Info{}, fmt.Errorf("open fwpkg %s: %w: %w", filename, ErrCorrupt, err)
	}
	names := map[string]bool{}
	var pf *zip.File
	for _, f := range zr.File {
		names[f.Name] = true
		if f.Name == "payload.json" {
			pf = f
		}
	}
	if pf == nil {
		return Info{}, fmt.Errorf("fwpkg %s has no payload.json: %w", filename, ErrCorrupt)
	}
	rc, err := pf.Open()
	if err != nil {
		return Info{}, fmt.Errorf("open %s payload.json: %w: %w", filename, ErrCorrupt, err)
	}
	defer rc.Close()
	var p Payload
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&p); err != nil {
		return Info{}, fmt.Errorf("decode %s payload.json: %w: %w", filename, ErrCorrupt, err)
	}
	if len(p.Devices.Device) == 0 {
		return Info{}, fmt.Errorf("fwpkg %s payload.json lists no device: %w", filename, ErrCorrupt)
	}
	s := Spec{
		Kind: KindFwpkg, Filename: filename, Name: p.Name, Version: p.Devices.Device[0].Version,
		DeviceClass: p.DeviceClass, UpdatableBy: p.UpdatableBy, Activates: Immediately, Size: size,
	}
	var files []string
	for _, d := range p.Devices.Device {
		if !slices.Contains(s.Targets, d.Target) {
			s.Targets = append(s.Targets, d.Target)
		}
		for _, img := range d.FirmwareImages {
			if !names[img.FileName] {
				return Info{}, fmt.Errorf("fwpkg %s: payload.json names %s, not in the package: %w", filename, img.FileName, ErrCorrupt)
			}
			if !slices.Contains(files, img.FileName) {
				files = append(files, img.FileName)
				s.InstallDurationSec += img.InstallDurationSec
			}
			switch {
			case img.ServerPowerOff:
				s.Activates = AfterHardPowerCycle
			case img.ResetRequired && s.Activates != AfterHardPowerCycle:
				s.Activates = AfterReboot
			}
		}
	}
	i := info(s)
	i.PayloadFiles = files
	return i, nil
}

// countWriter counts and discards.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
