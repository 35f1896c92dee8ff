package ilosim

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Profile holds the per-generation knobs of a simulated iLO (reference §10).
// Profiles are values: New copies the one it is given, so tests may change a
// field of a copy without affecting other iLOs.
type Profile struct {
	// Name is the profile name used on the command line (ilo5, ilo6, …).
	Name string
	// Generation is 5, 6 or 7.
	Generation int
	// ManagerType is Oem.Hpe.Manager[0].ManagerType in the service root.
	ManagerType string
	// FirmwareVersion is the short iLO firmware version ("2.70", "1.14.00").
	FirmwareVersion string
	// FirmwareDate is the build date that long version strings carry.
	FirmwareDate string
	// TrailingSlash makes every emitted @odata.id, target and link end in
	// "/" (iLO 5 2.14 and 2.70 captures) instead of not (2.55 capture, iLO 6/7 docs).
	TrailingSlash bool
	// Registries are the Base and iLO registry prefixes cited in MessageIds.
	Registries wire.Registries
	// RedfishVersion is the service root RedfishVersion.
	RedfishVersion string
	// UpdateServiceType is the @odata.type of the UpdateService.
	UpdateServiceType string
	// HpeUpdateServiceType is the @odata.type of UpdateService Oem.Hpe.
	HpeUpdateServiceType string
	// Tasks makes SimpleUpdate and AddFromUri answer 202 + Task + Location
	// (iLO 5 ≥ 2.30); false answers 200 + Base Success and creates no task.
	Tasks bool
	// Capabilities is UpdateService Oem.Hpe.Capabilities; nil omits it
	// together with Accept3rdPartyFirmware (iLO 5 < 2.30).
	Capabilities map[string]any
	// ActionsUnderActionsOem puts the HPE OEM actions under
	// Actions.Oem.Hpe instead of Oem.Hpe.Actions (third-party claim for
	// iLO 6, UNCONFIRMED; off in every built-in profile).
	ActionsUnderActionsOem bool
	// MultipartPush advertises the DMTF MultipartHttpPushUri (no real iLO does).
	MultipartPush bool
	// BundleUpdateReport adds the Oem.Hpe.BundleUpdateReport link.
	BundleUpdateReport bool
	// RunningSoftwareInventory adds the iLO 7 Oem.Hpe.RunningSoftwareInventory link.
	RunningSoftwareInventory bool
	// ManagerOemType is the @odata.type of Managers/1 Oem.Hpe.
	ManagerOemType string
	// TaskEmptyMessage makes a running Task carry "Messages": [{}] as the
	// iLO 5 2.30 capture shows (FW3-fig-10). Off by default: that shape
	// violates the DMTF Task schema and crashes community.general's
	// redfish_command SimpleUpdate (KeyError 'MessageId'); running tasks
	// then carry "Messages": [].
	TaskEmptyMessage bool
	// HttpPushURIOptions adds the DMTF HttpPushUriOptions block (iLO 6 1.70).
	HttpPushURIOptions bool
	// NoUpdateable leaves the Updateable property out of every
	// FirmwareInventory and SoftwareInventory member, as iLO 5 2.46 does
	// (real-ilo-resources.md "Update service"): absent means unknown.
	NoUpdateable bool
	// ILOResetDelay is how long State reads Complete after an iLO
	// self-flash before the iLO resets (0: DefaultILOResetDelay).
	ILOResetDelay time.Duration
	// ILONoReset makes the iLO take its new firmware without a reset.
	ILONoReset bool
}

// profiles are the built-in profiles by name.
var profiles = map[string]Profile{
	"ilo5": {
		Name: "ilo5", Generation: 5, ManagerType: "iLO 5",
		FirmwareVersion: "2.70", FirmwareDate: "May 16 2022",
		TrailingSlash:        true,
		Registries:           wire.Registries{Base: "Base.1.4", ILO: "iLO.2.14"},
		RedfishVersion:       "1.6.0",
		UpdateServiceType:    "#UpdateService.v1_1_1.UpdateService",
		HpeUpdateServiceType: "#HpeiLOUpdateServiceExt.v2_2_0.HpeiLOUpdateServiceExt",
		ManagerOemType:       "#HpeiLO.v2_8_1.HpeiLO",
		Tasks:                true,
		Capabilities: map[string]any{
			"OfflineRuntimeBundleUpdate": "ProductionMode",
			"PLDMFirmwareUpdate":         true,
			"UpdateFWPKG":                true,
		},
		BundleUpdateReport: true,
	},
	"ilo5-legacy": {
		Name: "ilo5-legacy", Generation: 5, ManagerType: "iLO 5",
		FirmwareVersion: "2.18", FirmwareDate: "May 21 2020",
		TrailingSlash:        true,
		Registries:           wire.Registries{Base: "Base.1.4", ILO: "iLO.2.8"},
		RedfishVersion:       "1.6.0",
		UpdateServiceType:    "#UpdateService.v1_1_1.UpdateService",
		HpeUpdateServiceType: "#HpeiLOUpdateServiceExt.v2_1_4.HpeiLOUpdateServiceExt",
		ManagerOemType:       "#HpeiLO.v2_8_0.HpeiLO",
		Tasks:                false,
	},
	"ilo6": {
		Name: "ilo6", Generation: 6, ManagerType: "iLO 6",
		FirmwareVersion: "1.70", FirmwareDate: "Jun 10 2025",
		TrailingSlash:        false,
		Registries:           wire.Registries{Base: "Base.1.18", ILO: "iLO.2.34"},
		RedfishVersion:       "1.13.0",
		UpdateServiceType:    "#UpdateService.v1_11_0.UpdateService",
		HpeUpdateServiceType: "#HpeiLOUpdateServiceExt.v2_4_0.HpeiLOUpdateServiceExt", // no iLO 6/7 capture: a version after 2.70's v2_2_0 (UNCONFIRMED)
		ManagerOemType:       "#HpeiLO.v2_8_1.HpeiLO",
		Tasks:                true,
		Capabilities: map[string]any{
			"BundleDowngradeSupport":         true,
			"BundleUpdateForceStopSupport":   true,
			"COMBootToUefiShellSupport":      true,
			"COMVCSupport":                   true,
			"FirmwareUpdateConnectivityTest": true,
			"HostPoweroffSupport":            true,
			"OfflineRuntimeBundleUpdate":     "ProductionMode",
			"PLDMFirmwareUpdate":             true,
			"UpdateFWPKG":                    true,
		},
		BundleUpdateReport: true,
		HttpPushURIOptions: true,
	},
	"ilo7": {
		Name: "ilo7", Generation: 7, ManagerType: "iLO 7",
		FirmwareVersion: "1.14.00", FirmwareDate: "Jul 10 2025",
		TrailingSlash:        false,
		Registries:           wire.Registries{Base: "Base.1.18", ILO: "iLO.2.31"},
		RedfishVersion:       "1.20.0",
		UpdateServiceType:    "#UpdateService.v1_2_1.UpdateService",
		HpeUpdateServiceType: "#HpeiLOUpdateServiceExt.v2_4_0.HpeiLOUpdateServiceExt", // see ilo6
		ManagerOemType:       "#HpeiLO.v2_8_1.HpeiLO",
		Tasks:                true,
		Capabilities: map[string]any{
			"BundleDowngradeSupport":     true,
			"COMBootToUefiShellSupport":  true,
			"COMVCSupport":               true,
			"HostPoweroffSupport":        true,
			"OfflineRuntimeBundleUpdate": "SecureStandardMode",
			"PLDMFirmwareUpdate":         true,
			"UpdateFWPKG":                true,
		},
		BundleUpdateReport:       true,
		RunningSoftwareInventory: true,
	},
}

func init() {
	// ilo5-246: iLO 5 2.46, the older firmware of issue 13. It omits
	// Updateable and, like the 2.55 capture, emits no trailing slash (the
	// reference: "no trailing slash on 2.46 and 2.55 firmware"); its
	// UpdateService Oem.Hpe is HpeiLOUpdateServiceExt v2_1_4 (the 2.46
	// SchemaStore and the 2.55 capture) with the 2.55 Capabilities and no
	// BundleUpdateReport.
	profiles["ilo5-246"] = Profile{
		Name: "ilo5-246", Generation: 5, ManagerType: "iLO 5",
		FirmwareVersion: "2.46", FirmwareDate: "Jun 03 2021", // build date UNCONFIRMED (doc.go)
		TrailingSlash:        false,
		Registries:           wire.Registries{Base: "Base.1.4", ILO: "iLO.2.14"},
		RedfishVersion:       "1.6.0",
		UpdateServiceType:    "#UpdateService.v1_1_1.UpdateService",
		HpeUpdateServiceType: "#HpeiLOUpdateServiceExt.v2_1_4.HpeiLOUpdateServiceExt",
		ManagerOemType:       "#HpeiLO.v2_8_0.HpeiLO",
		Tasks:                true,
		Capabilities:         map[string]any{"PLDMFirmwareUpdate": true, "UpdateFWPKG": true},
		NoUpdateable:         true,
	}
	p := profiles["ilo5"]
	p.Name = "ilo5-multipart"
	p.MultipartPush = true
	// MultipartHttpPushUri appeared in DMTF UpdateService v1_6_0.
	p.UpdateServiceType = "#UpdateService.v1_6_0.UpdateService"
	profiles["ilo5-multipart"] = p
}

// ProfileNames lists the built-in profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupProfile returns the built-in profile called name.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Profile{}, fmt.Errorf("look up profile %q: unknown (have %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// managerVersion is Managers/1.FirmwareVersion for version v: "iLO 5 v2.70"
// on iLO 5/6, "1.14.00 Jul 10 2025" on iLO 7 (reference §1.1, A7).
func (p *Profile) managerVersion(v, date string) string {
	if p.Generation >= 7 {
		return v + " " + date
	}
	return fmt.Sprintf("%s v%s", p.ManagerType, v)
}

// inventoryVersion is the FirmwareInventory Version of the iLO itself:
// "2.70 May 16 2022" (capture) or "1.14.00 Jul 10 2025" (iLO 7).
func (p *Profile) inventoryVersion(v, date string) string {
	return v + " " + date
}
