package firmwareupdate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/tidwall/sjson"
)

// Verification after the flash: how often and how long the inventory is
// read until it shows the new version (some devices report it a little
// after the update service says Complete).
const (
	verifyReads = 5
	verifyEvery = 2 * time.Second
)

// restarts is how often one Section is sent again after a broken
// connection, when the update service shows the iLO did not take it.
const restarts = 1

// flash sends the image, waits until the iLO has flashed it (through its
// own reset for iLO firmware) and verifies the version it reports.
func flash(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, img image, us ilo.UpdateService, targets []ilo.InventoryItem, res Result) (Result, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Duration(a.WaitTimeout)*time.Second)
	defer cancel()
	seen := &modkit.Recorder{Progress: true}
	logins := c.Logins()
	start := time.Now()
	// complete: the update service reported the flash Complete, so it took
	// effect whatever verify finds; sent: the iLO accepted the image.
	complete, sent := false, false
	done := func(r Result, err error) (Result, error) {
		r.States = seen.States()
		r.Duration = math.Round(time.Since(start).Seconds()*10) / 10
		r.ILOReset = c.Logins() > logins
		if err != nil {
			r.Changed, r.Outcome, err = modkit.WriteStatus(sent, complete, err)
		}
		return r, err
	}
	w := ilo.UpdateWait{What: "the flash of " + img.filename, Before: us, Seen: seen.Add, ThroughReset: img.ilo, WatchState: true}
	var self *modkit.SelfFlash // follows a flash of the iLO's own firmware
	if img.ilo && a.Wait {
		var err error
		if self, err = modkit.WatchSelfFlash(wctx, c, img.filename, img.version); err != nil {
			return done(res, err)
		}
	}
	var acc ilo.Accepted
	switch res.Method {
	case methodSimple:
		var err error
		acc, err = c.SimpleUpdate(wctx, ilo.SimpleUpdateRequest{ImageURI: a.ImageURI, TransferProtocol: a.TransferProtocol})
		if err != nil {
			return done(res, sendError(err))
		}
	case methodMultipart:
		tag := ilo.NewETag("fleetfw")
		params, err := multipartParams(a, tag, targets, img)
		if err != nil {
			return done(res, err)
		}
		acc, err = c.MultipartPush(wctx, ilo.MultipartPushRequest{Path: a.Path, Parameters: params})
		if err != nil {
			return done(res, sendError(err))
		}
		res.BytesSent = img.size
		w.ETag = tag
	case methodOEMPush:
		pr, err := c.Push(wctx, ilo.PushRequest{
			Path:   a.Path,
			Params: ilo.UploadParams{UpdateRepository: a.KeepInRepository, UpdateTarget: true, TPMOverride: a.TPMOverride},
			Wait:   a.Wait, Restarts: restarts, Seen: seen.Add,
		})
		res.BytesSent = pr.BytesSent
		sent = pr.Sections > 0
		if pr.Restarted > 0 {
			m.Warn("the connection broke while sending %s; the iLO had not taken that section, so it was sent again (%d time(s))", img.filename, pr.Restarted)
		}
		if err != nil {
			return done(res, err)
		}
	}
	sent = true
	if acc.Task != nil {
		res.TaskID = acc.Task.ID
	}
	if !a.Wait {
		res.NewVersion = ""
		res.Msg = fmt.Sprintf("sent %s by %s; not waiting for the flash (wait=false): read the version later with fleetfw.ilo.update_info", img.filename, res.Method)
		return done(res, nil)
	}
	if res.Method != methodOEMPush { // Push waited itself
		if _, err := c.WaitAccepted(wctx, acc, w); err != nil {
			return done(res, err)
		}
	}
	complete = true
	if self != nil {
		// Complete comes before the iLO's reset (or instead of it): wait
		// until it reset and came back, or runs the new firmware without.
		if _, err := self.Wait(wctx, c); err != nil {
			return done(res, err) // Complete, but the iLO's new firmware is not confirmed (outcome unknown)
		}
	}
	res, err := verify(wctx, c, img, self, targets, res, logins)
	return done(res, err)
}

// sendError explains a request whose connection broke on the way: the iLO
// may have taken it, and a rerun compares versions before sending again.
func sendError(err error) error {
	if ilo.IsUncertain(err) {
		return fmt.Errorf("%w; the iLO may have taken the image: run the task again, it compares the version first", err)
	}
	return err
}

// multipartParams builds UpdateParameters of the DMTF multipart push: the
// FirmwareInventory targets when the image's DeviceClass identified them,
// and the iLO's OEM parameters (keep in the repository, the upload tag).
func multipartParams(a *Args, tag string, targets []ilo.InventoryItem, img image) ([]byte, error) {
	b := []byte(`{}`)
	var err error
	if a.InventoryName == "" && img.deviceClass != "" {
		var uris []string
		for _, t := range targets {
			if t.URI != "" && t.DeviceClass != "" {
				uris = append(uris, t.URI)
			}
		}
		if len(uris) > 0 {
			if b, err = sjson.SetBytes(b, "Targets", uris); err != nil {
				return nil, fmt.Errorf("build UpdateParameters: %w", err)
			}
		}
	}
	if b, err = sjson.SetBytes(b, "Oem.Hpe.UpdateRepository", a.KeepInRepository); err != nil {
		return nil, fmt.Errorf("build UpdateParameters: %w", err)
	}
	if b, err = sjson.SetBytes(b, "Oem.Hpe.UploadCurrentEtag", tag); err != nil {
		return nil, fmt.Errorf("build UpdateParameters: %w", err)
	}
	return b, nil
}

// verify reads the targets (and, for iLO firmware, the Manager) after the
// update service reported Complete. An image that takes effect at once must
// show its version; one that takes effect at the next reboot may still show
// the old one (the iLO reports the running firmware), which is reported as
// pending_reboot, not as a failure.
func verify(ctx context.Context, c *ilo.Client, img image, self *modkit.SelfFlash, targets []ilo.InventoryItem, res Result, logins int) (Result, error) {
	if len(targets) == 0 {
		res.NewVersion = ""
		res.Msg = fmt.Sprintf("flashed %s; no FirmwareInventory entry to verify it against (force=true)", img.filename)
		return res, nil
	}
	var now []ilo.InventoryItem
	var mgr ilo.Manager
	pending := false
	_, err := c.Poll(ctx, ilo.Pace{First: verifyEvery, Every: verifyEvery}, ilo.ResetFails, func(ctx context.Context, n ilo.PollResult) (ilo.Reading, error) {
		inv, err := c.FirmwareInventory(ctx)
		if err != nil {
			return ilo.Reading{}, fmt.Errorf("verify the flash of %s: %w", img.filename, err)
		}
		now = now[:0]
		for _, t := range targets {
			for _, it := range inv {
				if it.URI == t.URI && it.ID == t.ID {
					now = append(now, it)
				}
			}
		}
		if len(now) > 0 {
			res.NewVersion = now[0].Version
		}
		ok := img.version == "" || atVersion(now, img.version)
		if ok && self != nil {
			if mgr, err = c.Manager(ctx); err != nil {
				return ilo.Reading{}, fmt.Errorf("verify the flash of %s: %w", img.filename, err)
			}
			ok = self.Runs(mgr)
		}
		if ok {
			return ilo.Reading{Done: true}, nil
		}
		if img.activation == activatesAfterReboot || img.activation == activatesUnknown && !img.ilo {
			pending = true
			return ilo.Reading{Done: true}, nil
		}
		if n.Readings+1 >= verifyReads {
			what := fmt.Sprintf("%s reports %s", targets[0].Name, res.NewVersion)
			if img.ilo && mgr.FirmwareVersion != "" {
				what = fmt.Sprintf("the iLO reports %s", mgr.FirmwareVersion)
			}
			return ilo.Reading{}, fmt.Errorf("the update service reported the flash of %s Complete, but %s, not %s", img.filename, what, img.version)
		}
		return ilo.Reading{}, nil
	})
	var pt *ilo.PollTimeout
	switch {
	case errors.As(err, &pt) && pt.Err != nil:
		return res, pt.Err
	case errors.As(err, &pt):
		return res, &ilo.WaitTimeoutError{What: fmt.Sprintf("%s to report %s after the flash of %s", targets[0].Name, img.version, img.filename),
			State: ilo.StateComplete, Detail: "it reports " + res.NewVersion, Limit: modkit.OptionNames.WaitLimit}
	case err != nil:
		return res, err
	case pending:
		res.PendingReboot = true
		res.Msg = fmt.Sprintf("flashed %s; %s still reports %s until the server reboots (queue a ResetServer with fleetfw.ilo.update_task, or reboot it)", img.filename, targets[0].Name, res.NewVersion)
		return res, nil
	}
	switch {
	case res.PendingReboot:
		res.Msg = fmt.Sprintf("flashed %s; %s reports %s, active after the next reboot (queue a ResetServer with fleetfw.ilo.update_task, or reboot the server)", img.filename, targets[0].Name, res.NewVersion)
	case img.ilo && c.Logins() > logins:
		res.Msg = fmt.Sprintf("flashed %s; the iLO reset itself and now runs %s", img.filename, res.NewVersion)
	case img.ilo:
		res.Msg = fmt.Sprintf("flashed %s; the iLO runs %s without having reset", img.filename, res.NewVersion)
	default:
		res.Msg = fmt.Sprintf("flashed %s; %s reports %s", img.filename, targets[0].Name, res.NewVersion)
	}
	return res, nil
}
