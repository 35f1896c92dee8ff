package ilo

import (
	"context"
	"fmt"
	"strings"

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
	ID          string `json:"id"`
	URI         string `json:"uri"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Version as the iLO reports it ("2.70 May 16 2022", "1.12.00 Mar 28 2025").
	Version string `json:"version"`
	// Updateable is false for items that cannot be flashed out of band and
	// nil when the iLO does not say: iLO 5 2.4x firmware omits the property
	// from every member, so absent means unknown, never false.
	Updateable *bool  `json:"updateable"`
	SoftwareID string `json:"software_id,omitempty"`
	// DeviceClass and Targets correlate the item with repository components.
	DeviceClass string   `json:"device_class,omitempty"`
	Targets     []string `json:"targets,omitempty"`
	// DeviceContext locates the device ("System Board", "Slot=1:…").
	DeviceContext string `json:"device_context,omitempty"`
	Health        string `json:"health,omitempty"`
	State         string `json:"state,omitempty"`
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
	if r.Type != gjson.True && r.Type != gjson.False {
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
