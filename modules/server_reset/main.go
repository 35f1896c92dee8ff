// Package serverreset is the fleetfw.ilo.server_reset module: it restarts
// (or powers on or off) the server an iLO manages, through the Redfish action
// ComputerSystem.Reset, so that firmware that activates at the next reboot
// (System ROM, Smart Components, NICs) activates
// (plugins/modules/server_reset.py documents it).
//
// The system is found from the service root: its Systems collection, the
// first member (or the one whose Id is system_id), the member's
// Actions.#ComputerSystem.Reset target and ResetType allowable values.
package serverreset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	// ResetType is the Redfish ResetType sent with ComputerSystem.Reset.
	ResetType string `json:"reset_type" default:"GracefulRestart" validate:"oneof=GracefulRestart ForceRestart On ForceOff GracefulShutdown PushPowerButton"`
	// SystemID picks a member of the Systems collection; the first when empty.
	SystemID string `json:"system_id"`
	// OnlyIfOn skips a restart when the server is off (a restart of a server
	// that is off would power it on).
	OnlyIfOn bool `json:"only_if_on" default:"false"`
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Msg     string        `json:"msg"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// SystemURI is the ComputerSystem that was (or would be) reset.
	SystemURI string `json:"system_uri"`
	// PowerState is the system's PowerState before the reset.
	PowerState string `json:"power_state"`
	// ResetType is what was sent, or empty when nothing was.
	ResetType string `json:"reset_type"`
	// AllowedResetTypes are the system's ResetType@Redfish.AllowableValues.
	AllowedResetTypes []string `json:"allowed_reset_types"`
}

// Module is fleetfw.ilo.server_reset.
var Module = ansible.New("server_reset", run)

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		s, err := findSystem(ctx, c, a.SystemID)
		if err != nil {
			return Result{}, err
		}
		res := Result{SystemURI: s.URI, PowerState: s.PowerState, AllowedResetTypes: s.ResetTypes}
		if s.ResetTarget == "" {
			return res, fmt.Errorf("the system %s offers no ComputerSystem.Reset action", s.URI)
		}
		if len(s.ResetTypes) > 0 && !slices.Contains(s.ResetTypes, a.ResetType) {
			return res, fmt.Errorf("reset_type=%s: %s accepts only %s; pick one of them", a.ResetType, s.URI, strings.Join(s.ResetTypes, ", "))
		}
		if a.OnlyIfOn && !strings.EqualFold(s.PowerState, "On") {
			res.Msg = fmt.Sprintf("%s is %s: not reset (only_if_on)", s.URI, s.PowerState)
			return res, nil
		}
		if reached(a.ResetType, s.PowerState) {
			res.Msg = fmt.Sprintf("%s is already %s: %s not sent", s.URI, s.PowerState, a.ResetType)
			return res, nil
		}
		res.Changed = true
		res.ResetType = a.ResetType
		if m.Diff {
			res.Diff = &ansible.Diff{
				Before: map[string]any{"power_state": s.PowerState},
				After:  map[string]any{"power_state": s.PowerState, "reset_type": a.ResetType},
			}
		}
		if m.CheckMode {
			res.Msg = fmt.Sprintf("would send %s to %s (PowerState %s)", a.ResetType, s.URI, s.PowerState)
			return res, nil
		}
		if err := c.ResetSystem(ctx, s, a.ResetType); err != nil {
			if ilo.IsUncertain(err) {
				return res, fmt.Errorf("reset %s with %s: the outcome is unknown (the server may be restarting): %w", s.URI, a.ResetType, err)
			}
			res.Changed = false
			res.ResetType = ""
			return res, fmt.Errorf("reset %s with %s: %w", s.URI, a.ResetType, err)
		}
		res.Msg = fmt.Sprintf("sent %s to %s (PowerState was %s)", a.ResetType, s.URI, s.PowerState)
		return res, nil
	})
}

// reached reports whether the system is already in the power state a reset
// type leads to: On when it is on, ForceOff and GracefulShutdown when it is
// off. A real iLO refuses those (400 InvalidOperationForSystemState), so a
// rerun sends nothing and changes nothing. Restarts, Nmi and PushPowerButton
// (a toggle) lead to no state and are always sent.
func reached(resetType, powerState string) bool {
	switch resetType {
	case "On":
		return strings.EqualFold(powerState, "On")
	case "ForceOff", "GracefulShutdown":
		return strings.EqualFold(powerState, "Off")
	}
	return false
}

// findSystem returns the member of the Systems collection with Id id (the
// first member when id is empty).
func findSystem(ctx context.Context, c *ilo.Client, id string) (ilo.System, error) {
	systems, err := c.Systems(ctx)
	if errors.Is(err, ilo.ErrNoSystems) {
		return ilo.System{}, fmt.Errorf("%w: no server to reset", err)
	}
	if err != nil {
		return ilo.System{}, err
	}
	coll := c.Root().Systems
	if len(systems) == 0 {
		return ilo.System{}, fmt.Errorf("the Systems collection %s has no member: no server to reset", coll)
	}
	var seen []string
	for _, s := range systems {
		if id == "" || s.ID == id {
			return s, nil
		}
		seen = append(seen, s.ID)
	}
	return ilo.System{}, fmt.Errorf("system_id=%s: no such system in %s (Ids: %s)", id, coll, strings.Join(seen, ", "))
}
