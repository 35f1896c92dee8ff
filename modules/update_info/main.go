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
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	ilo.ConnArgs // baseuri, username, password, auth_token, validate_certs, ca_path, timeout
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
// absent when it was not asked for.
type Result struct {
	Changed            bool                 `json:"changed"`
	Firmware           *[]InventoryItem     `json:"firmware,omitempty"`
	Software           *[]InventoryItem     `json:"software,omitempty"`
	Service            *Service             `json:"service,omitempty"`
	Repository         *Repository          `json:"repository,omitempty"`
	TaskQueue          *[]Task              `json:"task_queue,omitempty"`
	MaintenanceWindows *[]MaintenanceWindow `json:"maintenance_windows,omitempty"`
	InstallSets        *[]InstallSet        `json:"install_sets,omitempty"`
}

// Module is fleetfw.ilo.update_info.
var Module = ansible.New("update_info", run)

// subsets are the gather_subset values "all" stands for, in the order they
// are read.
var subsets = []string{"firmware", "software", "service", "repository", "task_queue", "maintenance_windows", "install_sets"}

// run reads each subset asked for, one request per collection when the iLO
// offers $expand. It writes nothing, so check mode changes nothing either.
func run(ctx context.Context, m *ansible.Run, a *Args) (res Result, err error) {
	c, err := ilo.Connect(ctx, a.ConnArgs)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		if cerr := c.Close(ctx); cerr != nil && err == nil {
			m.Warn("%v", cerr) // everything was read; a failed logout does not undo that
		}
	}()

	// The update service comes first: the collections below are found
	// through its links, which the client keeps from this read.
	want := wanted(a.GatherSubset)
	if want["service"] {
		us, err := c.UpdateService(ctx)
		if err != nil {
			return Result{}, err
		}
		gen, version, err := manager(ctx, c)
		if err != nil {
			return Result{}, err
		}
		res.Service = service(us, gen, version)
	}
	if want["firmware"] {
		items, err := c.FirmwareInventory(ctx)
		if err != nil {
			return Result{}, err
		}
		res.Firmware = ptr(inventory(items))
	}
	if want["software"] {
		items, err := c.SoftwareInventory(ctx)
		if err != nil {
			return Result{}, err
		}
		res.Software = ptr(inventory(items))
	}
	if want["repository"] {
		repo, err := c.Repository(ctx)
		if err != nil {
			return Result{}, err
		}
		res.Repository = repository(repo)
	}
	if want["task_queue"] {
		tasks, err := c.TaskQueue(ctx)
		if err != nil {
			return Result{}, err
		}
		res.TaskQueue = ptr(taskQueue(tasks))
	}
	if want["maintenance_windows"] {
		windows, err := c.MaintenanceWindows(ctx)
		if err != nil {
			return Result{}, err
		}
		res.MaintenanceWindows = ptr(maintenanceWindows(windows))
	}
	if want["install_sets"] {
		sets, err := c.InstallSets(ctx)
		if err != nil {
			return Result{}, err
		}
		res.InstallSets = ptr(installSets(sets))
	}
	return res, nil
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
