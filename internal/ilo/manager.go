package ilo

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/tidwall/gjson"
)

// Paths into a Manager (Managers/1; reference §1.1).
const (
	pathMgrID        = "Id"
	pathMgrModel     = "Model"
	pathMgrType      = "ManagerType" // "BMC" on iLO 5: not the generation
	pathMgrFirmware  = "FirmwareVersion"
	pathMgrFWCurrent = "Oem.Hpe.Firmware.Current.VersionString" // deprecated on iLO 7
)

// Manager describes the iLO itself.
type Manager struct {
	URI string
	// Generation is 5, 6 or 7 (0 when unknown), from the root's
	// Oem.Hpe.Manager[0].ManagerType ("iLO 5") or the manager's Model. The
	// first digit of FirmwareVersion is not the generation: iLO 7 reports
	// "1.12.00 Mar 28 2025".
	Generation int
	Model      string
	// FirmwareVersion is the manager's text ("iLO 5 v2.70", "iLO 6 v1.67",
	// "1.12.00 Mar 28 2025").
	FirmwareVersion string
	// Version is the bare number ("2.70", "1.67", "1.12.00").
	Version string
}

// ParseManager reads a Manager resource.
func ParseManager(body []byte) (Manager, error) {
	r, err := parseObject(body)
	if err != nil {
		return Manager{}, fmt.Errorf("parse manager: %w", err)
	}
	return manager(r), nil
}

func manager(r gjson.Result) Manager {
	m := Manager{
		URI:             r.Get(pathODataID).String(),
		Model:           r.Get(pathMgrModel).String(),
		FirmwareVersion: r.Get(pathMgrFirmware).String(),
	}
	if m.FirmwareVersion == "" {
		m.FirmwareVersion = r.Get(pathMgrFWCurrent).String()
	}
	m.Generation = Generation(m.Model)
	if m.Generation == 0 {
		m.Generation = Generation(r.Get(pathMgrType).String())
	}
	if m.Generation == 0 {
		m.Generation = Generation(m.FirmwareVersion)
	}
	m.Version = VersionNumber(m.FirmwareVersion)
	return m
}

var (
	generationRE = regexp.MustCompile(`(?i)\bilo\s*(\d+)\b`)
	versionRE    = regexp.MustCompile(`\d+(?:\.\d+)+`)
)

// Generation returns the iLO generation named in a ManagerType or Model
// such as "iLO 5" or "iLO7", or 0.
func Generation(s string) int {
	m := generationRE.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return n
}

// Generation returns the generation from the service root (0 if unknown).
func (r ServiceRoot) Generation() int { return Generation(r.ManagerType) }

// VersionNumber returns the dotted number in a firmware version string:
// "iLO 5 v2.70" → "2.70", "1.12.00 Mar 28 2025" → "1.12.00",
// "2.70 May 16 2022" → "2.70"; "" when there is none.
func VersionNumber(s string) string {
	s = generationRE.ReplaceAllString(s, "") // drop "iLO 5" so its 5 is not taken
	return versionRE.FindString(s)
}

// Manager reads the iLO's own manager resource: the first member of
// GET {root.Managers}?$expand=. (Managers/1 on every iLO). The generation
// prefers the root's Oem.Hpe.Manager[0].ManagerType.
func (c *Client) Manager(ctx context.Context) (Manager, error) {
	root := c.Root()
	members, _, err := c.collection(ctx, root.Managers)
	if err != nil {
		return Manager{}, fmt.Errorf("read manager: %w", err)
	}
	if len(members) == 0 {
		return Manager{}, fmt.Errorf("read manager: %s has no members", root.Managers)
	}
	m := manager(members[0])
	if g := root.Generation(); g != 0 {
		m.Generation = g
	}
	if m.Version == "" {
		m.Version = VersionNumber(root.ManagerFirmwareVersion)
	}
	return m, nil
}
