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
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
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

// system is what the module reads of a ComputerSystem.
type system struct {
	uri, powerState, target string
	allowed                 []string
}

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		s, err := findSystem(ctx, c, a.SystemID)
		if err != nil {
			return Result{}, err
		}
		res := Result{SystemURI: s.uri, PowerState: s.powerState, AllowedResetTypes: s.allowed}
		if len(s.allowed) > 0 && !slices.Contains(s.allowed, a.ResetType) {
			return res, fmt.Errorf("reset_type=%s: %s accepts only %s; pick one of them", a.ResetType, s.uri, strings.Join(s.allowed, ", "))
		}
		if a.OnlyIfOn && !strings.EqualFold(s.powerState, "On") {
			res.Msg = fmt.Sprintf("%s is %s: not reset (only_if_on)", s.uri, s.powerState)
			return res, nil
		}
		if reached(a.ResetType, s.powerState) {
			res.Msg = fmt.Sprintf("%s is already %s: %s not sent", s.uri, s.powerState, a.ResetType)
			return res, nil
		}
		res.Changed = true
		res.ResetType = a.ResetType
		if m.Diff {
			res.Diff = &ansible.Diff{
				Before: map[string]any{"power_state": s.powerState},
				After:  map[string]any{"power_state": s.powerState, "reset_type": a.ResetType},
			}
		}
		if m.CheckMode {
			res.Msg = fmt.Sprintf("would send %s to %s (PowerState %s)", a.ResetType, s.uri, s.powerState)
			return res, nil
		}
		body, err := sjson.SetBytes([]byte("{}"), "ResetType", a.ResetType)
		if err != nil {
			return res, fmt.Errorf("build the reset request: %w", err)
		}
		if _, err := c.Post(ctx, s.target, body); err != nil {
			if ilo.IsUncertain(err) {
				return res, fmt.Errorf("reset %s with %s: the outcome is unknown (the server may be restarting): %w", s.uri, a.ResetType, err)
			}
			res.Changed = false
			res.ResetType = ""
			return res, fmt.Errorf("reset %s with %s: %w", s.uri, a.ResetType, err)
		}
		res.Msg = fmt.Sprintf("sent %s to %s (PowerState was %s)", a.ResetType, s.uri, s.powerState)
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

// findSystem reads the Systems collection linked from the service root and
// returns the member with Id id (the first member when id is empty).
func findSystem(ctx context.Context, c *ilo.Client, id string) (system, error) {
	coll := c.Root().Systems
	if coll == "" {
		return system{}, errors.New("the iLO's service root links no Systems collection: no server to reset")
	}
	b, err := c.Get(ctx, coll)
	if err != nil {
		return system{}, fmt.Errorf("read the Systems collection: %w", err)
	}
	if !gjson.ValidBytes(b) {
		return system{}, fmt.Errorf("read the Systems collection %s: the answer is not JSON", coll)
	}
	members := gjson.GetBytes(b, "Members.#.@odata\\.id").Array()
	if len(members) == 0 {
		return system{}, fmt.Errorf("the Systems collection %s has no member: no server to reset", coll)
	}
	var seen []string
	for _, mem := range members {
		s, sid, err := readSystem(ctx, c, mem.String())
		if err != nil {
			return system{}, err
		}
		if id == "" || sid == id {
			return s, nil
		}
		seen = append(seen, sid)
	}
	return system{}, fmt.Errorf("system_id=%s: no such system in %s (Ids: %s)", id, coll, strings.Join(seen, ", "))
}

// readSystem reads one ComputerSystem and its reset action.
func readSystem(ctx context.Context, c *ilo.Client, uri string) (system, string, error) {
	b, err := c.Get(ctx, uri)
	if err != nil {
		return system{}, "", fmt.Errorf("read the system: %w", err)
	}
	if !gjson.ValidBytes(b) {
		return system{}, "", fmt.Errorf("read the system %s: the answer is not JSON", uri)
	}
	r := gjson.ParseBytes(b)
	action := r.Get(`Actions.\#ComputerSystem\.Reset`)
	s := system{uri: uri, powerState: r.Get("PowerState").String(), target: action.Get("target").String()}
	for _, v := range action.Get(`ResetType@Redfish\.AllowableValues`).Array() {
		s.allowed = append(s.allowed, v.String())
	}
	if s.allowed == nil {
		s.allowed = []string{}
	}
	if s.target == "" {
		return system{}, "", fmt.Errorf("the system %s offers no ComputerSystem.Reset action", uri)
	}
	return s, r.Get("Id").String(), nil
}
