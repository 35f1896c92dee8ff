// Package iloplan plans one iLO: it reads the server's identity and its
// firmware inventory with the client and hands them to internal/fwplan
// (which stays pure Go). fleetfw.ilo.firmware_plan and internal/rollout
// both plan through it, so that the rollout decides exactly as the plan
// module reports.
package iloplan

import (
	"context"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/ilo"
)

// Make reads the server's identity (Server) and the firmware inventory (one
// expanded read) and plans them against the catalog x.
func Make(ctx context.Context, c *ilo.Client, x *fwplan.Index, opt fwplan.Options) (fwplan.Server, fwplan.Plan, error) {
	srv, err := Server(ctx, c)
	if err != nil {
		return srv, fwplan.Plan{}, err
	}
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		return srv, fwplan.Plan{}, err
	}
	return srv, x.Make(Items(inv), srv, opt), nil
}

// Items converts the inventory. Updateable is a *bool in the client: nil when
// the iLO does not serve the property (iLO 5 2.46), which means unknown, not
// false (fwplan doc).
func Items(inv []ilo.InventoryItem) []fwplan.Item {
	out := make([]fwplan.Item, 0, len(inv))
	for _, it := range inv {
		out = append(out, fwplan.Item{ID: it.ID, Name: it.Name, DeviceContext: it.DeviceContext, DeviceClass: it.DeviceClass,
			Targets: it.Targets, Version: it.Version, Updateable: it.Updateable})
	}
	return out
}

// Server reads the iLO generation and firmware from the service root the
// client read at Connect (the manager when the root does not say), and the
// model and serial number from the first member of the root's Systems
// collection.
func Server(ctx context.Context, c *ilo.Client) (fwplan.Server, error) {
	root := c.Root()
	s := fwplan.Server{ILOGeneration: root.Generation(), ILOFirmware: ilo.VersionNumber(root.ManagerFirmwareVersion), Model: root.Product}
	if s.ILOGeneration == 0 || s.ILOFirmware == "" {
		mgr, err := c.Manager(ctx)
		if err != nil {
			return s, err
		}
		s.ILOGeneration, s.ILOFirmware = mgr.Generation, mgr.Version
	}
	if root.Systems == "" {
		return s, nil
	}
	body, err := c.Get(ctx, root.Systems)
	if err != nil {
		return s, fmt.Errorf("read the systems collection: %w", err)
	}
	first := gjson.GetBytes(body, `Members.0.@odata\.id`).String()
	if first == "" {
		return s, nil
	}
	if body, err = c.Get(ctx, first); err != nil {
		return s, fmt.Errorf("read the system: %w", err)
	}
	if model := gjson.GetBytes(body, "Model").String(); model != "" {
		s.Model = model
	}
	s.Serial = gjson.GetBytes(body, "SerialNumber").String()
	return s, nil
}
