package ilosim

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// WithFactoryRecoverySet gives the iLO what a server leaves the factory
// with: its running iLO firmware, System ROM and CPLD images in the
// component repository (Locked) and the System Recovery Set that names
// them, in flash order (reference §8.6; the CAP255 set's shape). Off by
// default: the modules' tests assume an empty repository (doc.go).
func WithFactoryRecoverySet() Option { return func(i *ILO) { i.factoryRecovery = true } }

// factoryImages are the recovery components of the simulated server: its
// iLO firmware at the running version, the System ROM of FirmwareInventory
// item 2 and the CPLD of item 4 (file names as in the 2.70 capture's
// repository), in the CAP255 set's flash order (iLO, …, CPLD, BIOS).
func (i *ILO) factoryImages() []testimage.Spec {
	ver := i.prof.FirmwareVersion
	return []testimage.Spec{
		{Filename: fmt.Sprintf("ilo%d_%s.bin", i.prof.Generation, strings.ReplaceAll(ver, ".", "")), Version: ver, Size: 64 << 10},
		{Filename: "CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", Version: "0F", Size: 64 << 10},
		{Filename: "A47_2.58_05_19_2022.signed.flash", Size: 64 << 10},
	}
}

// storeFactoryImages writes the factory images into the repository (New
// calls it before the task queue builds the recovery set from them).
func (i *ILO) storeFactoryImages() error {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	dir, err := i.storageDirLocked()
	if err != nil {
		return err
	}
	images := i.factoryImages()
	for k, spec := range images {
		tmp, err := os.MkdirTemp(dir, "factory-")
		if err != nil {
			return fmt.Errorf("factory image %s: %w", spec.Filename, err)
		}
		files, err := testimage.WriteFiles(tmp, spec)
		if err != nil {
			return fmt.Errorf("factory image %s: %w", spec.Filename, err)
		}
		// Created one second apart, so the recovery set keeps this order.
		created := now.Add(time.Duration(k-len(images)) * time.Second)
		if _, m := i.storeComponentLocked(files.Image, spec.Filename, files.Info.Size, files.Info, created); m != nil {
			return fmt.Errorf("store factory image %s: %s", spec.Filename, m.MessageID)
		}
		_ = os.RemoveAll(tmp)
	}
	return nil
}
