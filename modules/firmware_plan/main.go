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

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/catalog"
	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/fwplan/iloplan"
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
		srv, p, err := iloplan.Make(ctx, c, fwplan.NewIndex(cat.Entries), fwplan.Options{AllowDowngrade: a.AllowDowngrade})
		if err != nil {
			return Result{}, err
		}
		return Result{
			Plan: p.Plan, Files: p.Files, Summary: p.Summary, Compliant: p.Compliant, Server: srv,
			Catalog: CatalogInfo{Kind: cat.Kind, Path: index, Entries: len(cat.Entries), Skipped: cat.Skipped},
		}, nil
	})
}
