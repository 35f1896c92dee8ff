package modkit

import (
	"context"
	"fmt"

	"github.com/fleetfw/ilo/internal/ilo"
)

// SelfFlash follows a flash of the iLO's own firmware, from before the
// image is sent until the iLO runs it: the manager read before, and the
// client's logins then, so that a reset of the iLO (after which the client
// logs in again) is told apart from a flash without one. Modules that flash
// iLO firmware (component with update_target, firmware_update) share it.
type SelfFlash struct {
	// What names the flash in messages: "the flash of <file name>".
	What string
	// Version is the version the image carries ("" when unknown: then any
	// change of the manager's FirmwareVersion counts as the new firmware).
	Version string
	// Before is the manager as it was before the flash.
	Before ilo.Manager
	logins int
}

// WatchSelfFlash reads the manager before the iLO firmware file filename
// (carrying version, "" when unknown) is sent, and counts the client's
// logins, so that the end of the flash can be told apart from the firmware
// that ran before. Call it before sending the image.
func WatchSelfFlash(ctx context.Context, c *ilo.Client, filename, version string) (*SelfFlash, error) {
	mgr, err := c.Manager(ctx)
	if err != nil {
		return nil, err
	}
	return &SelfFlash{What: "the flash of " + filename, Version: version, Before: mgr, logins: c.Logins()}, nil
}

// Reset reports whether the iLO reset itself since WatchSelfFlash: c logged
// in again.
func (s *SelfFlash) Reset(c *ilo.Client) bool { return c.Logins() > s.logins }

// Wait waits, after the update service reported the flash Complete, until
// the iLO reset and came back or reports the new firmware without a reset
// (a real iLO shows Complete first, and does not always reset), and returns
// the manager as read at the end. It does not judge the version (Runs and
// Settle do). A failure leaves the outcome unknown (Unknown): the flash was
// Complete, but the iLO's new firmware is not confirmed.
func (s *SelfFlash) Wait(ctx context.Context, c *ilo.Client) (ilo.Manager, error) {
	r, err := c.WaitSelfFlash(ctx, ilo.SelfFlashWait{What: s.What, Version: s.Version, Before: s.Before.FirmwareVersion, Reset: s.Reset(c)})
	if err != nil {
		return r.Manager, Unknown(err)
	}
	return r.Manager, nil
}

// Runs reports whether mgr runs the image's version (always true when the
// version is unknown).
func (s *SelfFlash) Runs(mgr ilo.Manager) bool {
	return s.Version == "" || SameVersion(s.Version, mgr.Version)
}

// Settled is the iLO once its flash settled.
type Settled struct {
	// Manager is the manager as read at the end of the wait.
	Manager ilo.Manager
	// Reset is true when the iLO reset itself (the client logged in again).
	Reset bool
}

// Msg says how the flash ended: "the iLO reset itself and now runs …" or
// "the iLO runs … without having reset".
func (s Settled) Msg() string {
	if s.Reset {
		return "the iLO reset itself and now runs " + s.Manager.FirmwareVersion
	}
	return fmt.Sprintf("the iLO runs %s without having reset", s.Manager.FirmwareVersion)
}

// Settle is Wait followed by the check that the iLO runs the image's
// version: an iLO that came back with another version is an error naming
// both (the iLO reported Complete, so the outcome is known).
func (s *SelfFlash) Settle(ctx context.Context, c *ilo.Client) (Settled, error) {
	mgr, err := s.Wait(ctx, c)
	st := Settled{Manager: mgr, Reset: s.Reset(c)}
	if err != nil {
		return st, err
	}
	if !s.Runs(mgr) {
		return st, fmt.Errorf("the update service reported %s Complete, but the iLO reports %s, not %s", s.What, mgr.FirmwareVersion, s.Version)
	}
	return st, nil
}
