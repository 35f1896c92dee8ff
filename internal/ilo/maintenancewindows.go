// This file is maintenancewindows.go, not maintenance_windows.go: the Go
// toolchain reads a _windows suffix as a GOOS build constraint.

package ilo

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"
)

// Paths into an HpeMaintenanceWindow (reference §7).
const (
	pathMWID          = "Id"
	pathMWName        = "Name"
	pathMWDescription = "Description"
	pathMWStartAfter  = "StartAfter"
	pathMWExpire      = "Expire"
	pathMWCreated     = "Created"
	pathMWModified    = "Modified"
)

// MaintenanceWindow is a time range in which queued tasks may run, on the
// iLO's clock.
type MaintenanceWindow struct {
	ID          string
	URI         string
	Name        string
	Description string
	StartAfter  string
	Expire      string
	Created     string
	Modified    string
	ETag        string
}

// NewMaintenanceWindow is what CreateMaintenanceWindow and
// UpdateMaintenanceWindow send; empty times are left out.
type NewMaintenanceWindow struct {
	Name        string
	Description string
	StartAfter  string
	Expire      string
}

func (n NewMaintenanceWindow) body() ([]byte, error) {
	return newBody().
		setIf(n.Name != "", pathMWName, n.Name).
		setIf(n.Description != "", pathMWDescription, n.Description).
		setIf(n.StartAfter != "", pathMWStartAfter, n.StartAfter).
		setIf(n.Expire != "", pathMWExpire, n.Expire).
		bytes()
}

// ParseMaintenanceWindow reads an HpeMaintenanceWindow resource.
func ParseMaintenanceWindow(body []byte) (MaintenanceWindow, error) {
	r, err := parseObject(body)
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("parse maintenance window: %w", err)
	}
	return maintenanceWindow(r), nil
}

func maintenanceWindow(r gjson.Result) MaintenanceWindow {
	return MaintenanceWindow{
		ID:          r.Get(pathMWID).String(),
		URI:         r.Get(pathODataID).String(),
		Name:        r.Get(pathMWName).String(),
		Description: r.Get(pathMWDescription).String(),
		StartAfter:  r.Get(pathMWStartAfter).String(),
		Expire:      r.Get(pathMWExpire).String(),
		Created:     r.Get(pathMWCreated).String(),
		Modified:    r.Get(pathMWModified).String(),
		ETag:        r.Get(pathETag).String(),
	}
}

// MaintenanceWindows lists the maintenance windows in one expanded request:
// GET {UpdateService.Oem.Hpe.MaintenanceWindows}?$expand=.
func (c *Client) MaintenanceWindows(ctx context.Context) ([]MaintenanceWindow, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read maintenance windows: %w", err)
	}
	members, _, err := c.collection(ctx, links.MaintenanceWindows)
	if err != nil {
		return nil, fmt.Errorf("read maintenance windows: %w", err)
	}
	out := make([]MaintenanceWindow, 0, len(members))
	for _, m := range members {
		out = append(out, maintenanceWindow(m))
	}
	return out, nil
}

// CreateMaintenanceWindow creates a window: POST {MaintenanceWindows} → 201.
func (c *Client) CreateMaintenanceWindow(ctx context.Context, n NewMaintenanceWindow) (MaintenanceWindow, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("create maintenance window %q: %w", n.Name, err)
	}
	b, err := n.body()
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("create maintenance window %q: %w", n.Name, err)
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: links.MaintenanceWindows, json: b})
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("create maintenance window %q: %w", n.Name, err)
	}
	return created(c, ctx, resp, ParseMaintenanceWindow)
}

// UpdateMaintenanceWindow changes a window: PATCH {window.URI} with If-Match
// set to the ETag it was read with. The iLO reschedules every task that
// references the window. Renaming a window changes its Id.
func (c *Client) UpdateMaintenanceWindow(ctx context.Context, w MaintenanceWindow, n NewMaintenanceWindow) (MaintenanceWindow, error) {
	b, err := n.body()
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("update maintenance window %q: %w", w.Name, err)
	}
	resp, err := c.patchResource(ctx, w.URI, w.ETag, b)
	if err != nil {
		return MaintenanceWindow{}, fmt.Errorf("update maintenance window %q: %w", w.Name, err)
	}
	if gjson.GetBytes(resp.body, pathODataID).String() == "" && resp.header.Get("Location") == "" {
		r, err := c.getObject(ctx, w.URI)
		if err != nil {
			return MaintenanceWindow{}, fmt.Errorf("update maintenance window %q: %w", w.Name, err)
		}
		return ParseMaintenanceWindow(r.body)
	}
	return created(c, ctx, resp, ParseMaintenanceWindow)
}

// DeleteMaintenanceWindow deletes a window: DELETE {window.URI}; tasks
// scheduled in it become Canceled. A window already gone is success.
func (c *Client) DeleteMaintenanceWindow(ctx context.Context, w MaintenanceWindow) error {
	if err := c.Delete(ctx, w.URI); err != nil {
		return fmt.Errorf("delete maintenance window %q: %w", w.Name, err)
	}
	return nil
}

// DeleteMaintenanceWindows deletes every window:
// POST {UpdateService.Oem.Hpe.Actions.DeleteMaintenanceWindows.target} {}.
func (c *Client) DeleteMaintenanceWindows(ctx context.Context) error {
	return c.updateAction(ctx, "DeleteMaintenanceWindows", func(a UpdateActions) string { return a.DeleteMaintenanceWindows }, []byte("{}"))
}

// patchResource PATCHes uri with If-Match. When the caller has no ETag, it
// reads the resource first and uses its ETag header (or @odata.etag).
func (c *Client) patchResource(ctx context.Context, uri, etag string, b []byte) (*response, error) {
	if etag == "" {
		r, err := c.getObject(ctx, uri)
		if err != nil {
			return nil, err
		}
		etag = r.header.Get("ETag")
		if etag == "" {
			etag = gjson.GetBytes(r.body, pathETag).String()
		}
	}
	req := &request{method: http.MethodPatch, uri: uri, json: b}
	if etag != "" {
		req.header = http.Header{"If-Match": {etag}}
	}
	return c.send(ctx, req)
}
