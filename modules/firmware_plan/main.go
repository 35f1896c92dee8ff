// Package firmwareplan is the fleetfw.ilo.firmware_plan module: it reads a
// firmware catalog HPE ships (fwrepo.json, an SPP manifest.json or a folder
// of components) and the iLO's firmware inventory, and says for each
// installed item what the catalog offers it and what to do: upgrade (with
// stepping stones), downgrade (held unless allowed), nothing, or why not.
// It changes nothing (plugins/modules/firmware_plan.py documents it).
package firmwareplan

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tidwall/gjson"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/catalog"
	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	modkit.ConnArgs // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
	// Catalog is a fwrepo.json, a manifest.json or a folder, on the host
	// that runs the module.
	Catalog string `json:"catalog" type:"path" validate:"required"`
	// AllowDowngrade plans a catalog version older than the running one.
	AllowDowngrade bool `json:"allow_downgrade" default:"false"`
}

// Result is the plan (internal/fwplan) and what it was made from.
type Result struct {
	Changed   bool           `json:"changed"`
	Plan      []fwplan.Step  `json:"plan"`
	Files     []fwplan.File  `json:"files"`
	Summary   map[string]int `json:"summary"`
	Compliant bool           `json:"compliant"`
	Server    fwplan.Server  `json:"server"`
	Catalog   CatalogInfo    `json:"catalog"`
}

// CatalogInfo says which catalog was read.
type CatalogInfo struct {
	Kind    string `json:"kind"`
	Path    string `json:"path"`
	Entries int    `json:"entries"`
	// Skipped are entries for no device (drivers, software).
	Skipped int `json:"skipped"`
}

// Module is fleetfw.ilo.firmware_plan.
var Module = ansible.New("firmware_plan", run)

// run reads the catalog first, so that a bad one fails before any request
// to the iLO, then the inventory (one expanded read) and the server's
// identity. It writes nothing: check mode is a normal run.
func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	cat, err := catalog.Load(a.Catalog)
	if err != nil {
		return Result{}, fmt.Errorf("%w; fix the catalog option", err)
	}
	for _, w := range cat.Warnings {
		m.Warn("%s", w)
	}
	index := cat.Index
	if index == "" { // a folder of components
		if index, err = filepath.Abs(a.Catalog); err != nil {
			index = a.Catalog
		}
	}

	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (res Result, err error) {
		srv, err := server(ctx, c)
		if err != nil {
			return Result{}, err
		}
		inv, err := c.FirmwareInventory(ctx)
		if err != nil {
			return Result{}, err
		}
		p := fwplan.Make(items(inv), cat.Entries, srv, fwplan.Options{AllowDowngrade: a.AllowDowngrade})
		return Result{
			Plan: p.Plan, Files: p.Files, Summary: p.Summary, Compliant: p.Compliant, Server: srv,
			Catalog: CatalogInfo{Kind: cat.Kind, Path: index, Entries: len(cat.Entries), Skipped: cat.Skipped},
		}, nil
	})
}

// items converts the inventory. Updateable is a *bool in the client: nil when
// the iLO does not serve the property (iLO 5 2.46), which means unknown, not
// false (fwplan doc).
func items(inv []ilo.InventoryItem) []fwplan.Item {
	out := make([]fwplan.Item, 0, len(inv))
	for _, it := range inv {
		out = append(out, fwplan.Item{ID: it.ID, Name: it.Name, DeviceContext: it.DeviceContext, DeviceClass: it.DeviceClass,
			Targets: it.Targets, Version: it.Version, Updateable: it.Updateable})
	}
	return out
}

// server reads the iLO generation and firmware from the service root the
// client read at Connect, and the model and serial number from the first
// member of the root's Systems collection.
func server(ctx context.Context, c *ilo.Client) (fwplan.Server, error) {
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
