package modkit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/fleetfw/ilo/internal/ilo"
)

// Preflight checks the flashing modules (component, firmware_update) make
// before any byte is sent, so that what the iLO would refuse, or take and
// never flash, fails without a write.

// ErrNoRoom marks a refusal for want of room in the iLO Repository.
var ErrNoRoom = errors.New("the iLO Repository lacks room")

// CheckIdle refuses to start while the update service works on another
// upload or flash.
func CheckIdle(us ilo.UpdateService) error {
	if us.Busy() {
		return fmt.Errorf("the update service is busy (State %s, UploadCurrentEtag %q): another upload or flash is running; run again when it is Idle, Complete or Error", us.State, us.UploadCurrentEtag)
	}
	return nil
}

// CheckThirdParty refuses a third-party package (kind as fwimage names it)
// when the update service does not accept them.
func CheckThirdParty(filename, kind string, us ilo.UpdateService) error {
	if fwimage.IsThirdParty(kind) && !us.Accept3rdPartyFirmware {
		return fmt.Errorf("%s is a third-party package (%s): the iLO takes it only with Oem.Hpe.Accept3rdPartyFirmware enabled on the update service", filename, kind)
	}
	return nil
}

// CheckRoom refuses to store size bytes as filename when the repository
// lacks the room; a file of that name already there is replaced, so its
// room counts as free. fix says how to make room. A size below 0 (unknown)
// passes.
func CheckRoom(repo ilo.Repository, filename string, size int64, fix string) error {
	if size < 0 {
		return nil
	}
	need := size
	if have := repo.Find(filename); have != nil {
		need -= have.SizeBytes
	}
	if need > repo.FreeBytes {
		return fmt.Errorf("%w for %s: it needs %d bytes, %d are free (of %d); %s", ErrNoRoom, filename, size, repo.FreeBytes, repo.TotalBytes, fix)
	}
	return nil
}

// CheckGeneration refuses iLO firmware of another generation than the
// iLO's (imageGen from the file name, fwimage.ILOGeneration; 0 = unknown,
// which passes).
func CheckGeneration(filename string, imageGen int, mgr ilo.Manager) error {
	if imageGen != 0 && mgr.Generation != 0 && imageGen != mgr.Generation {
		return fmt.Errorf("%s is iLO %d firmware and this is an iLO %d (%s)", filename, imageGen, mgr.Generation, mgr.FirmwareVersion)
	}
	return nil
}

// CheckUpdateable refuses targets FirmwareInventory says cannot be updated
// out of band (Updateable false; absent is unknown and passes).
func CheckUpdateable(targets []ilo.InventoryItem) error {
	for _, t := range targets {
		if t.NotUpdateable() {
			return fmt.Errorf("FirmwareInventory says %s (%s) cannot be updated out of band (Updateable false); force=true sends the image anyway", t.Name, t.URI)
		}
	}
	return nil
}

// DowngradeError refuses downgrades made without allow_downgrade.
type DowngradeError struct{ Downgrades []ilo.Downgrade }

// Error names every downgrade and the option.
func (e *DowngradeError) Error() string {
	list := make([]string, 0, len(e.Downgrades))
	for _, d := range e.Downgrades {
		list = append(list, d.String())
	}
	return strings.Join(list, "; ") + ": a downgrade needs allow_downgrade=true (it is then done, with a warning)"
}

// ErrorInfo returns the downgrades for error_info.
func (e *DowngradeError) ErrorInfo() map[string]any {
	return map[string]any{"downgrades": e.Downgrades}
}

// CheckDowngrades refuses ds (the files older than what their devices run)
// unless allowed (allow_downgrade); allowed downgrades are each passed to
// warn. No downgrade: nil.
func CheckDowngrades(ds []ilo.Downgrade, allowed bool, warn func(string, ...any)) error {
	if len(ds) == 0 {
		return nil
	}
	if !allowed {
		return &DowngradeError{Downgrades: ds}
	}
	for _, d := range ds {
		warn("downgrade (allow_downgrade=true): %s", d)
	}
	return nil
}
