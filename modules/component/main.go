// Package component is the fleetfw.ilo.component module: it keeps a firmware
// component in the iLO Repository — streamed from a local file in 32 MiB
// Sections, or downloaded by the iLO from a URL — or removes components
// (plugins/modules/component.py documents it).
package component

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs        // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	State           string `json:"state" default:"present" validate:"oneof=present absent"`
	// Path is a local component file (on the host that runs the module).
	Path string `json:"path" type:"path" validate:"omitempty,regular_file"`
	// Compsig is the signature of Path; found beside it when not given.
	Compsig string `json:"compsig" type:"path" validate:"omitempty,max_bytes=4194304"`
	// ImageURI is the URL the iLO downloads, or the URLs of its 32 MiB parts.
	ImageURI []string `json:"image_uri"`
	// CompsigURI is the signature URL (one per part for a split image).
	CompsigURI []string `json:"compsig_uri"`
	// Filename is the name in the repository.
	Filename string `json:"filename" validate:"omitempty,nocontrol"`
	// ID is the repository Id of the component to delete.
	ID string `json:"id"`
	// AllUnlocked deletes every component that nothing locks.
	AllUnlocked       bool `json:"all_unlocked" default:"false"`
	UpdateRepository  bool `json:"update_repository" default:"true"`
	UpdateTarget      bool `json:"update_target" default:"false"`
	UpdateRecoverySet bool `json:"update_recovery_set" default:"false"`
	TPMOverride       bool `json:"tpm_override" default:"false"`
	Force             bool `json:"force" default:"false"`
	// AllowDowngrade lets update_target flash a file older than what its
	// device runs (with a warning); without it that is refused.
	AllowDowngrade bool `json:"allow_downgrade" default:"false"`
	Wait           bool `json:"wait" default:"true"`
	WaitTimeout    int  `json:"wait_timeout" default:"1800" validate:"min=1,max=86400"`
}

// Rules: one source for state=present.
func (Args) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"path", "image_uri"}, {"all_unlocked", "filename"}, {"all_unlocked", "id"}},
		RequiredIf: []ansible.RequiredIf{
			{Key: "state", Value: "present", Requires: []string{"path", "image_uri"}, Any: true},
		},
	}
}

// Check refuses combinations the rules cannot express.
func (a Args) Check() error {
	switch {
	case a.State == "absent" && !a.AllUnlocked && a.Filename == "" && a.ID == "":
		return errors.New("state=absent needs filename, id or all_unlocked=true")
	case a.State == "absent" && (a.Path != "" || len(a.ImageURI) > 0):
		return errors.New("path and image_uri apply to state=present; to remove a component give filename or id")
	case a.State == "present" && (a.ID != "" || a.AllUnlocked):
		return errors.New("id and all_unlocked apply to state=absent")
	case a.Compsig != "" && a.Path == "":
		return errors.New("compsig is the signature of path; for image_uri give compsig_uri")
	case len(a.CompsigURI) > 0 && len(a.ImageURI) == 0:
		return errors.New("compsig_uri is the signature of image_uri; for path give compsig")
	case len(a.CompsigURI) > 1 && len(a.CompsigURI) != len(a.ImageURI):
		return fmt.Errorf("compsig_uri has %d URLs for %d image_uri parts: give one signature per part", len(a.CompsigURI), len(a.ImageURI))
	case len(a.ImageURI) > 1 && a.Filename == "":
		return errors.New("image_uri lists the parts of a split component: give filename, the name iLO stores the reassembled file under")
	case !a.UpdateRepository && !a.UpdateTarget:
		return errors.New("update_repository=false without update_target=true would send the component for nothing")
	case a.AllowDowngrade && !a.UpdateTarget:
		return errors.New("allow_downgrade goes with update_target=true (only a flash can downgrade)")
	case a.UpdateRecoverySet && !a.UpdateTarget:
		return errors.New("update_recovery_set needs update_target=true (iLO updates the System Recovery Set entry when it flashes)")
	}
	return nil
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg,omitempty"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// Component is the repository entry after the task (before it, with
	// state=absent).
	Component *modkit.Component `json:"component,omitempty"`
	// Actions lists what was (or, in check mode, would be) done.
	Actions []Action `json:"actions"`
	// BytesSent counts component bytes the module sent to the iLO.
	BytesSent int64 `json:"bytes_sent"`
	// SectionsSent counts the upload requests the iLO accepted.
	SectionsSent int `json:"sections_sent"`
	// Deleted lists the file names deleted (state=absent only).
	Deleted *[]string `json:"deleted,omitempty"`
	// States are the update-service states seen while waiting.
	States []modkit.State `json:"states,omitempty"`
	// NewVersion is the firmware the iLO reports after flashing its own
	// firmware (update_target with an iLO firmware file).
	NewVersion string `json:"new_version,omitempty"`
	// ILOReset is true when the iLO reset itself after flashing its own
	// firmware and the module logged in again.
	ILOReset bool `json:"ilo_reset,omitempty"`
	// Outcome is "unknown" when the task failed after the iLO accepted a
	// write and cannot tell whether it took effect.
	Outcome string `json:"outcome,omitempty"`
}

// failed is what a task that failed with err returns: changed only when a
// write may have taken effect (sent: the iLO accepted one; complete: it is
// known to have taken effect), outcome unknown when that cannot be told.
func failed(res Result, sent, complete bool, err error) (Result, error) {
	res.Changed, res.Outcome, err = modkit.WriteStatus(sent, complete, err)
	return res, err
}

// Action is one write the module made or would make.
type Action struct {
	// Action is upload, download (AddFromUri) or delete.
	Action   string `json:"action"`
	Filename string `json:"filename"`
	// SizeBytes is left out when the size is unknown (a URL that did not say).
	SizeBytes int64 `json:"size_bytes,omitempty"`
	// Sections is how many requests the upload takes (32 MiB each).
	Sections int    `json:"sections,omitempty"`
	Source   string `json:"source,omitempty"`
}

// Module is fleetfw.ilo.component.
var Module = ansible.New("component", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	// A local file is looked at before logging in: what cannot go to the
	// repository is refused without a request.
	var f localFile
	if a.State == "present" && a.Path != "" {
		var warnings []string
		var err error
		if f, warnings, err = inspect(a); err != nil {
			return Result{}, err
		}
		for _, w := range warnings {
			m.Warn("%s", w)
		}
	}
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		res := Result{Actions: []Action{}}
		switch {
		case a.State == "absent":
			return remove(ctx, m, c, a, res)
		case len(a.ImageURI) > 0:
			return pull(ctx, m, c, a, res)
		}
		return push(ctx, m, c, a, f, res)
	})
}

// componentOf returns a repository entry as the result shows it (nil stays nil).
func componentOf(c *ilo.Component) *modkit.Component {
	if c == nil {
		return nil
	}
	out := modkit.ComponentOf(*c)
	return &out
}

// waitContext bounds the writes and the wait with wait_timeout.
func waitContext(ctx context.Context, a *Args) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, time.Duration(a.WaitTimeout)*time.Second)
}
