package ilo

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Paths into a ComputerSystem (Systems/1; DMTF ComputerSystem, iLO's
// Oem.Hpe.PostState).
const (
	pathSysID          = "Id"
	pathSysPower       = "PowerState"
	pathSysPost        = "Oem.Hpe.PostState"
	pathSysReset       = `Actions.\#ComputerSystem\.Reset`
	pathSysResetTarget = "target"
	pathSysResetTypes  = `ResetType@Redfish\.AllowableValues`
)

// System is a ComputerSystem: the server the iLO manages.
type System struct {
	URI, ID string
	// PowerState is "On", "Off", "PoweringOn" … ("" when not reported).
	PowerState string
	// PostState is iLO's Oem.Hpe.PostState ("FinishedPost", "InPost",
	// "PowerOff" …; "" when not reported).
	PostState string
	// ResetTarget is the ComputerSystem.Reset action's target ("" when the
	// system offers no such action).
	ResetTarget string
	// ResetTypes are the action's ResetType@Redfish.AllowableValues (empty
	// when it lists none).
	ResetTypes []string
}

// ParseSystem reads a ComputerSystem resource.
func ParseSystem(body []byte) (System, error) {
	r, err := parseObject(body)
	if err != nil {
		return System{}, fmt.Errorf("parse system: %w", err)
	}
	return system(r), nil
}

func system(r gjson.Result) System {
	action := r.Get(pathSysReset)
	s := System{
		URI: r.Get(pathODataID).String(), ID: r.Get(pathSysID).String(),
		PowerState: r.Get(pathSysPower).String(), PostState: r.Get(pathSysPost).String(),
		ResetTarget: action.Get(pathSysResetTarget).String(), ResetTypes: []string{},
	}
	for _, v := range action.Get(pathSysResetTypes).Array() {
		s.ResetTypes = append(s.ResetTypes, v.String())
	}
	return s
}

// ErrNoSystems is the error of Systems when the service root links no
// Systems collection.
var ErrNoSystems = errors.New("the iLO's service root links no Systems collection")

// Systems reads the servers the iLO manages: the members of GET
// {root.Systems} (expanded where the iLO offers $expand), in the
// collection's order.
func (c *Client) Systems(ctx context.Context) ([]System, error) {
	coll := c.Root().Systems
	if coll == "" {
		return nil, ErrNoSystems
	}
	members, _, err := c.collection(ctx, coll)
	if err != nil {
		return nil, fmt.Errorf("read the Systems collection: %w", err)
	}
	out := make([]System, 0, len(members))
	for _, m := range members {
		out = append(out, system(m))
	}
	return out, nil
}

// ResetSystem sends ComputerSystem.Reset with resetType to s: POST
// {s.ResetTarget} {"ResetType": resetType}. It does not wait for the
// server. A connection that broke after the request was sent leaves the
// outcome unknown (IsUncertain).
func (c *Client) ResetSystem(ctx context.Context, s System, resetType string) error {
	if s.ResetTarget == "" {
		return fmt.Errorf("the system %s offers no ComputerSystem.Reset action", s.URI)
	}
	body, err := sjson.SetBytes([]byte("{}"), "ResetType", resetType)
	if err != nil {
		return fmt.Errorf("build the reset request: %w", err)
	}
	_, err = c.send(ctx, &request{method: http.MethodPost, uri: s.ResetTarget, json: body})
	return err
}
