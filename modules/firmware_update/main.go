// Package firmwareupdate is the fleetfw.ilo.firmware_update module: it
// flashes one firmware image now — fetched by the iLO through SimpleUpdate,
// or pushed from a local file through the iLO's upload form or the DMTF
// multipart push — waits through the iLO's own reset, and verifies the
// version the iLO reports afterwards (plugins/modules/firmware_update.py
// documents it).
package firmwareupdate

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	// ImageURI is the URL the iLO fetches and flashes (SimpleUpdate).
	ImageURI string `json:"image_uri"`
	// TransferProtocol goes with an ImageURI without a scheme.
	TransferProtocol string `json:"transfer_protocol" validate:"omitempty,oneof=HTTP HTTPS"`
	// Path is a local image file, pushed to the iLO.
	Path string `json:"path" type:"path" validate:"omitempty,regular_file"`
	// Method chooses how the image reaches the iLO.
	Method string `json:"method" default:"auto" validate:"oneof=auto simple oem_push multipart"`
	// Version is the version the image carries (read from it when not given).
	Version string `json:"version"`
	// InventoryName is the FirmwareInventory Name of the device the image updates.
	InventoryName    string `json:"inventory_name" validate:"omitempty,nocontrol"`
	KeepInRepository bool   `json:"keep_in_repository" default:"false"`
	TPMOverride      bool   `json:"tpm_override" default:"false"`
	Force            bool   `json:"force" default:"false"`
	// AllowDowngrade lets an image older than what the target runs be
	// flashed (with a warning); without it such a flash is refused.
	AllowDowngrade bool `json:"allow_downgrade" default:"false"`
	Wait           bool `json:"wait" default:"true"`
	WaitTimeout    int  `json:"wait_timeout" default:"1800" validate:"min=1,max=86400"`
}

// The values of method.
const (
	methodAuto      = "auto"
	methodSimple    = "simple"
	methodOEMPush   = "oem_push"
	methodMultipart = "multipart"
)

// Rules: exactly one source.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"image_uri", "path"}},
		RequiredOneOf:     [][]string{{"image_uri", "path"}},
	}
}

// Check refuses combinations the rules cannot express.
func (a Args) Check() error {
	switch {
	case a.Path != "" && a.Method == methodSimple:
		return errors.New("method=simple has the iLO fetch image_uri (SimpleUpdate); for a local path use method auto, oem_push or multipart")
	case a.ImageURI != "" && (a.Method == methodOEMPush || a.Method == methodMultipart):
		return fmt.Errorf("method=%s pushes a local file: give path, or use method auto or simple with image_uri", a.Method)
	case a.TransferProtocol != "" && a.ImageURI == "":
		return errors.New("transfer_protocol goes with image_uri")
	case a.KeepInRepository && a.ImageURI != "":
		return errors.New("keep_in_repository applies to path: SimpleUpdate never keeps the image; to have the iLO download and keep it, use fleetfw.ilo.component with image_uri")
	case a.TPMOverride && a.ImageURI != "":
		return errors.New("tpm_override applies to path: SimpleUpdate refuses a TPM override (ActionParameterUnknown); use path, or fleetfw.ilo.component with image_uri and tpm_override")
	case a.TPMOverride && a.Method == methodMultipart:
		return errors.New("tpm_override goes with the iLO upload form (method oem_push or auto); the multipart push has no TPM override")
	}
	return nil
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg,omitempty"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// Image is the image's file name.
	Image string `json:"image"`
	// Method is how the image was (or would be) sent: simple, oem_push or multipart.
	Method string `json:"method,omitempty"`
	// Target is the FirmwareInventory entry the image updates.
	Target *modkit.InventoryItem `json:"target,omitempty"`
	// PreviousVersion is the target's version before the task.
	PreviousVersion string `json:"previous_version"`
	// NewVersion is the target's version after the task (in check mode, the
	// version it would get).
	NewVersion string `json:"new_version"`
	// TaskID is the Id of the Task the iLO created for the request.
	TaskID string `json:"task_id,omitempty"`
	// States are the update-service states seen while waiting.
	States []modkit.State `json:"states"`
	// Duration is the seconds from sending the image to the end of the wait.
	Duration float64 `json:"duration"`
	// PendingReboot is true when the image takes effect at the next reboot.
	PendingReboot bool `json:"pending_reboot"`
	// ILOReset is true when the iLO reset itself (its own firmware) and the
	// module logged in again.
	ILOReset bool `json:"ilo_reset"`
	// BytesSent counts image bytes pushed to the iLO.
	BytesSent int64 `json:"bytes_sent"`
	// Outcome is "unknown" when the module failed after the iLO accepted
	// the image and cannot tell whether it flashed it.
	Outcome string `json:"outcome,omitempty"`
}

// version is the diff's view of a target.
type version struct {
	Target  string `json:"target"`
	Version string `json:"version"`
}

// Module is fleetfw.ilo.firmware_update.
var Module = ansible.New("firmware_update", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	// A password in image_uri (user:password@host) is scrubbed like a no_log option.
	if u, err := url.Parse(a.ImageURI); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			m.Secret(p)
		}
	}
	// The image is looked at before logging in: what the iLO would take and
	// never flash is refused without a request.
	img, err := inspect(a)
	if err != nil {
		return Result{}, err
	}
	res := Result{Image: img.filename, States: []modkit.State{}}
	if img.version == "" && !a.Force {
		return res, fmt.Errorf("cannot tell the version of %s (neither its name nor its content says): give version, the version the image carries, so that a run compares it with the iLO's and flashes only when needed, or force=true to flash on every run", img.filename)
	}
	connected := false
	out, err := modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		connected = true
		return update(ctx, m, c, a, img, res)
	})
	if !connected {
		return res, err // the result still names the image
	}
	return out, err
}

// update compares the image with the inventory and flashes it when needed.
func update(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, img image, res Result) (Result, error) {
	us, err := c.UpdateService(ctx)
	if err != nil {
		return res, err
	}
	if res.Method, err = chooseMethod(a, us); err != nil {
		return res, err
	}
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		return res, err
	}
	targets := img.match(inv, a.InventoryName)
	if len(targets) > 0 {
		res.Target = targetOf(targets[0])
		res.PreviousVersion = targets[0].Version
	}
	if len(targets) == 0 && !a.Force {
		return res, noTargetError(img, a.InventoryName, inv)
	}
	if !a.Force && atVersion(targets, img.version) {
		res.NewVersion = res.PreviousVersion
		res.Msg = fmt.Sprintf("%s already reports version %s", targets[0].Name, targets[0].Version)
		return res, nil
	}
	if err := preflight(ctx, c, a, img, us, targets); err != nil {
		return res, err
	}
	if err := modkit.CheckDowngrades(downgrades(img, targets), a.AllowDowngrade, m.Warn); err != nil {
		return res, err
	}
	res.Changed = true
	res.NewVersion = img.version
	res.PendingReboot = img.activation == activatesAfterReboot
	before := version{Version: res.PreviousVersion}
	if res.Target != nil {
		before.Target = res.Target.Name
	}
	res.Diff = &ansible.Diff{Before: before, After: version{Target: before.Target, Version: img.version}}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would flash %s (%s) by %s", img.filename, orUnknown(img.version), res.Method)
		return res, nil
	}
	return flash(ctx, m, c, a, img, us, targets, res)
}

// chooseMethod picks how the image reaches the iLO: SimpleUpdate for a URL;
// for a local file the DMTF multipart push when the service advertises it
// (and no TPM override is asked for), else the iLO upload form.
func chooseMethod(a *Args, us ilo.UpdateService) (string, error) {
	method := a.Method
	if method == methodAuto {
		switch {
		case a.ImageURI != "":
			method = methodSimple
		case us.MultipartHttpPushUri != "" && !a.TPMOverride:
			method = methodMultipart
		default:
			method = methodOEMPush
		}
	}
	switch {
	case method == methodSimple && us.Actions.SimpleUpdate == "":
		return method, errors.New("the update service does not offer SimpleUpdate: give path to push the image instead")
	case method == methodOEMPush && us.HttpPushUri == "":
		return method, errors.New("the update service has no HttpPushUri (the iLO upload form): use image_uri")
	case method == methodMultipart && us.MultipartHttpPushUri == "":
		return method, errors.New("the update service does not advertise MultipartHttpPushUri (no iLO generation documents it yet): use method auto or oem_push")
	}
	return method, nil
}

func targetOf(it ilo.InventoryItem) *modkit.InventoryItem {
	t := modkit.InventoryItemOf(it)
	return &t
}

func orUnknown(v string) string {
	if v == "" {
		return "version unknown"
	}
	return "version " + v
}
