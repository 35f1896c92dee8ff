// Package updateinfo is the fleetfw.ilo.update_info module: it reads the
// firmware and software inventory, the update service, the iLO Repository,
// the installation queue, the maintenance windows and the install sets of an
// iLO, and changes nothing (plugins/modules/update_info.py documents it).
package updateinfo

import (
	"context"
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
	// GatherSubset says what to read; "all" reads everything.
	GatherSubset []string `json:"gather_subset" default:"all" validate:"dive,oneof=all firmware software service repository task_queue maintenance_windows install_sets"`
}

// Check refuses an empty gather_subset, which would read nothing.
func (a Args) Check() error {
	if a.GatherSubset != nil && len(a.GatherSubset) == 0 {
		return fmt.Errorf("gather_subset is empty; give at least one of: all, %s (or leave it out to read everything)", strings.Join(subsets, ", "))
	}
	return nil
}

// Result is what the module returns: one key per gathered subset, each
// absent when it was not asked for. The items have the shapes the modules
// that manage them return (internal/modkit).
type Result struct {
	Changed            bool                        `json:"changed"`
	Firmware           *[]modkit.InventoryItem     `json:"firmware,omitempty"`
	Software           *[]modkit.InventoryItem     `json:"software,omitempty"`
	Service            *modkit.Service             `json:"service,omitempty"`
	Repository         *modkit.Repository          `json:"repository,omitempty"`
	TaskQueue          *[]modkit.Task              `json:"task_queue,omitempty"`
	MaintenanceWindows *[]modkit.MaintenanceWindow `json:"maintenance_windows,omitempty"`
	InstallSets        *[]modkit.InstallSet        `json:"install_sets,omitempty"`
}

// Module is fleetfw.ilo.update_info.
var Module = ansible.New("update_info", run)

// subsets are the gather_subset values "all" stands for, in the order the
// documentation lists them (never changed).
var subsets = []string{"firmware", "software", "service", "repository", "task_queue", "maintenance_windows", "install_sets"}

// run reads each subset asked for, one request per collection when the iLO
// offers $expand. It writes nothing, so check mode changes nothing either.
func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	return modkit.Use(ctx, m, a.ConnArgs, func(ctx context.Context, c *ilo.Client) (Result, error) {
		return gather(ctx, m, c, wanted(a.GatherSubset))
	})
}

// gather reads each subset wanted. The update service comes first: the
// collections are found through its links, which the client keeps from
// this read.
func gather(ctx context.Context, m *ansible.Run, c *ilo.Client, want map[string]bool) (res Result, err error) {
	us, err := c.UpdateService(ctx)
	if err != nil {
		return Result{}, err
	}
	// offered says whether the iLO links to a collection asked for. An iLO
	// whose firmware predates a feature has no link to it; that is a
	// warning, not a failure of the whole read.
	offered := func(subset, link string) bool {
		if !want[subset] {
			return false
		}
		if link == "" {
			m.Warn("the iLO's update service has no link to %s, so %s is not returned (is its firmware older than the feature?)", subset, subset)
			return false
		}
		return true
	}
	if want["service"] {
		gen, version, err := manager(ctx, c)
		if err != nil {
			return Result{}, err
		}
		res.Service = ptr(modkit.ServiceOf(us, gen, version))
	}
	if offered("firmware", us.Links.FirmwareInventory) {
		if res.Firmware, err = read(ctx, c.FirmwareInventory, modkit.InventoryOf); err != nil {
			return Result{}, err
		}
	}
	if offered("software", us.Links.SoftwareInventory) {
		if res.Software, err = read(ctx, c.SoftwareInventory, modkit.InventoryOf); err != nil {
			return Result{}, err
		}
	}
	if offered("repository", us.Links.ComponentRepository) {
		if res.Repository, err = read(ctx, c.Repository, modkit.RepositoryOf); err != nil {
			return Result{}, err
		}
	}
	if offered("task_queue", us.Links.UpdateTaskQueue) {
		if res.TaskQueue, err = read(ctx, c.TaskQueue, modkit.TasksOf); err != nil {
			return Result{}, err
		}
	}
	if offered("maintenance_windows", us.Links.MaintenanceWindows) {
		if res.MaintenanceWindows, err = read(ctx, c.MaintenanceWindows, modkit.MaintenanceWindowsOf); err != nil {
			return Result{}, err
		}
	}
	if offered("install_sets", us.Links.InstallSets) {
		if res.InstallSets, err = read(ctx, c.InstallSets, modkit.InstallSetsOf); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// read reads a subset and converts it to the result's shape.
func read[T, U any](ctx context.Context, get func(context.Context) (T, error), conv func(T) U) (*U, error) {
	v, err := get(ctx)
	if err != nil {
		return nil, err
	}
	return ptr(conv(v)), nil
}

// wanted expands gather_subset ("all" stands for every subset) into a set.
func wanted(list []string) map[string]bool {
	want := map[string]bool{}
	if slices.Contains(list, "all") {
		list = subsets
	}
	for _, s := range list {
		want[s] = true
	}
	return want
}

func ptr[T any](v T) *T { return &v }

// manager returns the iLO generation ("iLO 5") and firmware version
// ("2.70") from the service root's Oem.Hpe.Manager[0], which the client read
// at Connect, and reads the manager resource only when the root lacks them.
func manager(ctx context.Context, c *ilo.Client) (generation, version string, err error) {
	root := c.Root()
	gen, version := root.Generation(), ilo.VersionNumber(root.ManagerFirmwareVersion)
	if gen == 0 || version == "" {
		m, err := c.Manager(ctx)
		if err != nil {
			return "", "", err
		}
		gen, version = m.Generation, m.Version
	}
	if gen == 0 {
		return "", version, nil
	}
	return fmt.Sprintf("iLO %d", gen), version, nil
}
