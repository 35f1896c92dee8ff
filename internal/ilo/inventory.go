package ilo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/fwversion"
	"github.com/tidwall/gjson"
)

// Paths into a FirmwareInventory or SoftwareInventory member (reference §1.8).
const (
	pathInvID            = "Id"
	pathInvName          = "Name"
	pathInvDescription   = "Description"
	pathInvVersion       = "Version"
	pathInvUpdateable    = "Updateable"
	pathInvSoftwareID    = "SoftwareId"
	pathInvDeviceClass   = "Oem.Hpe.DeviceClass"
	pathInvDeviceContext = "Oem.Hpe.DeviceContext"
	pathInvTargets       = "Oem.Hpe.Targets"
	pathInvHealth        = "Status.Health"
	pathInvState         = "Status.State"
)

// InventoryItem is one installed firmware or software item.
type InventoryItem struct {
	ID          string
	URI         string
	Name        string
	Description string
	// Version as the iLO reports it ("2.70 May 16 2022", "1.12.00 Mar 28 2025").
	Version string
	// Updateable is true or false as the iLO says, and nil when it omits
	// the property, as iLO 5 2.4x firmware does for every member: absent
	// means unknown, never "cannot be updated" (see NotUpdateable).
	Updateable *bool
	SoftwareID string
	// DeviceClass and Targets correlate the item with repository components.
	DeviceClass string
	Targets     []string
	// DeviceContext locates the device ("System Board", "Slot=1:…").
	DeviceContext string
	Health        string
	State         string
}

// ParseInventoryItem reads a SoftwareInventory resource.
func ParseInventoryItem(body []byte) (InventoryItem, error) {
	r, err := parseObject(body)
	if err != nil {
		return InventoryItem{}, fmt.Errorf("parse inventory item: %w", err)
	}
	return inventoryItem(r), nil
}

func inventoryItem(r gjson.Result) InventoryItem {
	return InventoryItem{
		ID:            r.Get(pathInvID).String(),
		URI:           r.Get(pathODataID).String(),
		Name:          r.Get(pathInvName).String(),
		Description:   r.Get(pathInvDescription).String(),
		Version:       r.Get(pathInvVersion).String(),
		Updateable:    optionalBool(r.Get(pathInvUpdateable)),
		SoftwareID:    r.Get(pathInvSoftwareID).String(),
		DeviceClass:   r.Get(pathInvDeviceClass).String(),
		Targets:       stringList(r.Get(pathInvTargets)),
		DeviceContext: r.Get(pathInvDeviceContext).String(),
		Health:        r.Get(pathInvHealth).String(),
		State:         r.Get(pathInvState).String(),
	}
}

// NotUpdateable reports whether the iLO explicitly says the item cannot be
// flashed out of band (Updateable false). An item without the property
// (iLO 5 2.4x) may be updateable: only the iLO's answer to a flash tells.
func (i InventoryItem) NotUpdateable() bool {
	return i.Updateable != nil && !*i.Updateable
}

// optionalBool is the JSON boolean r holds, or nil when r is absent, null or
// not a boolean.
func optionalBool(r gjson.Result) *bool {
	if !r.IsBool() {
		return nil
	}
	b := r.Bool()
	return &b
}

// HasTarget reports whether the item lists the target GUID (case-insensitive).
func (i InventoryItem) HasTarget(guid string) bool {
	for _, t := range i.Targets {
		if strings.EqualFold(t, guid) {
			return true
		}
	}
	return false
}

// FirmwareInventory lists the installed firmware:
// GET {UpdateService.FirmwareInventory}?$expand=. (member by member when
// the iLO does not offer $expand).
func (c *Client) FirmwareInventory(ctx context.Context) ([]InventoryItem, error) {
	return c.inventory(ctx, func(l UpdateLinks) string { return l.FirmwareInventory }, "firmware inventory")
}

// SoftwareInventory lists the installed software (drivers and agents
// reported by the host OS): GET {UpdateService.SoftwareInventory}?$expand=.
func (c *Client) SoftwareInventory(ctx context.Context) ([]InventoryItem, error) {
	return c.inventory(ctx, func(l UpdateLinks) string { return l.SoftwareInventory }, "software inventory")
}

func (c *Client) inventory(ctx context.Context, link func(UpdateLinks) string, what string) ([]InventoryItem, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	members, _, err := c.collection(ctx, link(links))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	items := make([]InventoryItem, 0, len(members))
	for _, m := range members {
		items = append(items, inventoryItem(m))
	}
	return items, nil
}

// Downgrade is a component file older than what a device it updates runs
// (issue 14: downgrades need an explicit opt-in).
type Downgrade struct {
	File    string
	Version string
	Device  string
	Running string
}

// String returns "<file> (<version>) is older than the <running> <device> runs".
func (d Downgrade) String() string {
	return fmt.Sprintf("%s (%s) is older than the %s that %s runs", d.File, d.Version, d.Running, d.Device)
}

// Older reports whether version is older than running, by the collection's
// one comparator (fwversion). Versions that do not compare (unknown
// formats, other ROM families) are never called older.
func Older(version, running string) bool {
	c, ok := fwversion.Compare(version, running)
	return ok && c < 0
}

// Updates returns the FirmwareInventory items a repository component
// updates, by the correlation HPE documents: the items of its DeviceClass
// that list one of its Targets (Oem.Hpe.Targets GUIDs). Without Targets,
// the only item of its DeviceClass; without a DeviceClass, the items that
// list a Target when they are all of one class (the System ROM, the CPLD
// and other board firmware share the server's GUID). Anything less certain
// matches nothing.
func (comp Component) Updates(inv []InventoryItem) []InventoryItem {
	if comp.DeviceClass == "" && len(comp.Targets) == 0 {
		return nil
	}
	var out []InventoryItem
	classes := map[string]bool{}
	for _, it := range inv {
		if comp.DeviceClass != "" && !strings.EqualFold(it.DeviceClass, comp.DeviceClass) {
			continue
		}
		if len(comp.Targets) > 0 && !slices.ContainsFunc(comp.Targets, it.HasTarget) {
			continue
		}
		out = append(out, it)
		classes[strings.ToLower(it.DeviceClass)] = true
	}
	switch {
	case comp.DeviceClass == "" && len(classes) > 1:
		return nil
	case len(comp.Targets) == 0 && len(out) != 1:
		return nil // a class shared by several devices says not which one
	}
	return out
}

// Downgrades returns what installing comp would downgrade.
func (comp Component) Downgrades(inv []InventoryItem) []Downgrade {
	var out []Downgrade
	for _, it := range comp.Updates(inv) {
		if Older(comp.Version, it.Version) {
			out = append(out, Downgrade{File: comp.Filename, Version: comp.Version, Device: it.Name, Running: it.Version})
		}
	}
	return out
}
