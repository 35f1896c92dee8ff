package ilosim

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// shortVersion is root ManagerFirmwareVersion: "2.70", or "1.14.00" on iLO 7.
func (i *ILO) shortVersionLocked() string { return i.fw.version }

// serveRoot answers the service root, readable without authentication.
func (i *ILO) serveRoot(w http.ResponseWriter, r *Request) {
	now := i.clock.Now()
	i.mu.Lock()
	ver := i.shortVersionLocked()
	i.mu.Unlock()
	body := map[string]any{
		"@odata.context": "/redfish/v1/$metadata#ServiceRoot.ServiceRoot",
		"@odata.id":      i.ODataID("/redfish/v1"),
		"@odata.type":    "#ServiceRoot.v1_5_1.ServiceRoot",
		"Id":             "RootService",
		"Name":           "HPE RESTful Root Service",
		"Links":          map[string]any{"Sessions": i.Ref(sessionsPath)},
		"Managers":       i.Ref("/redfish/v1/Managers"),
		"Systems":        i.Ref("/redfish/v1/Systems"),
		"SessionService": i.Ref("/redfish/v1/SessionService"),
		"Tasks":          i.Ref("/redfish/v1/TaskService"),
		"UpdateService":  i.Ref(updateServicePath),
		"Registries":     i.Ref("/redfish/v1/Registries"),
		"JsonSchemas":    i.Ref(jsonSchemasPath),
		"Oem": map[string]any{"Hpe": map[string]any{
			"@odata.context": "/redfish/v1/$metadata#HpeiLOServiceExt.HpeiLOServiceExt",
			"@odata.type":    "#HpeiLOServiceExt.v2_3_0.HpeiLOServiceExt",
			"Links":          map[string]any{"ResourceDirectory": i.Ref("/redfish/v1/ResourceDirectory")},
			"Manager": []any{map[string]any{
				"DefaultLanguage":        "en",
				"ManagerFirmwareVersion": ver,
				"ManagerType":            i.prof.ManagerType,
				"Languages":              []any{map[string]any{"Language": "en", "TranslationName": "English", "Version": ver}},
				"Status":                 map[string]any{"Health": "OK"},
			}},
			"Sessions": map[string]any{
				"LocalLoginEnabled": true,
				"LoginFailureDelay": 0,
				"LoginHint": map[string]any{
					"Hint":         "POST to /Sessions to login using the following JSON object:",
					"HintPOSTData": map[string]any{"Password": "password", "UserName": "username"},
				},
			},
			"Time": isoTime(now),
		}},
		"Product": "ProLiant DL360 Gen10 Plus",
		"ProtocolFeaturesSupported": map[string]any{
			"ExpandQuery":     map[string]any{"ExpandAll": false, "Levels": true, "Links": false, "MaxLevels": 1, "NoLinks": true},
			"FilterQuery":     true,
			"OnlyMemberQuery": true,
			"SelectQuery":     i.prof.Tasks, // false on iLO 5 2.14 (CAP214), true on 2.70
		},
		"RedfishVersion": i.prof.RedfishVersion,
		"UUID":           "51c05933-5bb7-5f73-bfd9-2df48a0c2574",
		"Vendor":         "HPE",
	}
	WriteResource(w, http.StatusOK, body)
}

func (i *ILO) serveOData(w http.ResponseWriter, r *Request) {
	var vals []any
	for _, n := range []string{"Managers", "SessionService", "Systems", "TaskService", "UpdateService"} {
		vals = append(vals, map[string]any{"kind": "Singleton", "name": n, "url": "/redfish/v1/" + n})
	}
	wire.WriteJSON(w, http.StatusOK, map[string]any{"@odata.context": "/redfish/v1/$metadata", "value": vals})
}

func (i *ILO) serveManagers(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, i.collection(r.Request, "/redfish/v1/Managers", "#ManagerCollection.ManagerCollection",
		"Managers", "Managers view", []string{"/redfish/v1/Managers/1"}, nil))
}

// serveManager answers Managers/1 with the version-format of the profile.
func (i *ILO) serveManager(w http.ResponseWriter, r *Request) {
	now := i.clock.Now()
	i.mu.Lock()
	fw := i.fw
	i.mu.Unlock()
	major, minor := splitVersion(fw.version)
	hpe := map[string]any{
		"@odata.type": i.prof.ManagerOemType,
		"Links":       map[string]any{"LicenseService": i.Ref(licenseSvcPath)},
	}
	if i.prof.Generation < 7 {
		// Oem.Hpe.Firmware.Current is deprecated on iLO 7 (reference §1.1).
		hpe["Firmware"] = map[string]any{"Current": map[string]any{
			"Date": fw.date, "DebugBuild": false, "MajorVersion": major, "MinorVersion": minor,
			"VersionString": i.prof.managerVersion(fw.version, fw.date),
		}}
	}
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.context":  "/redfish/v1/$metadata#Manager.Manager",
		"@odata.id":       i.ODataID("/redfish/v1/Managers/1"),
		"@odata.type":     "#Manager.v1_5_1.Manager",
		"Id":              "1",
		"Name":            "Manager",
		"ManagerType":     "BMC",
		"Model":           i.prof.ManagerType,
		"FirmwareVersion": i.prof.managerVersion(fw.version, fw.date),
		"DateTime":        isoTime(now),
		"Actions": map[string]any{"#Manager.Reset": map[string]any{
			"ResetType@Redfish.AllowableValues": []string{"ForceRestart", "GracefulRestart"},
			"target":                            i.ODataID("/redfish/v1/Managers/1/Actions/Manager.Reset"),
		}},
		"Status": map[string]any{"Health": "OK", "State": "Enabled"},
		"Oem":    map[string]any{"Hpe": hpe},
	})
}

// splitVersion turns "2.70" into 2, 70 (and "1.14.00" into 1, 14).
func splitVersion(v string) (int, int) {
	parts := strings.SplitN(v, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major, minor
}

func (i *ILO) serveSystems(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, i.collection(r.Request, "/redfish/v1/Systems", "#ComputerSystemCollection.ComputerSystemCollection",
		"Computer Systems", "Computer Systems view", []string{"/redfish/v1/Systems/1"}, nil))
}

// serveSystem answers Systems/1; BiosVersion follows the System ROM
// FirmwareInventory item, so a BIOS flash shows here too. PowerState and
// Oem.Hpe.PostState follow the simulated host (power.go).
func (i *ILO) serveSystem(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	bios := i.inventoryVersionLocked("2")
	power, post := i.server.power, i.server.post
	discovery := i.deviceDiscoveryLocked()
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.context": "/redfish/v1/$metadata#ComputerSystem.ComputerSystem",
		"@odata.id":      i.ODataID("/redfish/v1/Systems/1"),
		"@odata.type":    "#ComputerSystem.v1_10_0.ComputerSystem",
		"Id":             "1",
		"Name":           "Computer System",
		"Manufacturer":   "HPE",
		"Model":          "ProLiant DL360 Gen10 Plus",
		"SystemType":     "Physical",
		"BiosVersion":    bios,
		"Bios":           i.Ref(biosPath),
		"Storage":        i.Ref(storagePath),
		"PowerState":     power,
		"SerialNumber":   "SIM0000001",
		"Status":         map[string]any{"Health": "OK", "State": "Enabled"},
		"Actions": map[string]any{"#ComputerSystem.Reset": map[string]any{
			"ResetType@Redfish.AllowableValues": []string{"On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"},
			"target":                            i.ODataID("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"),
		}},
		"Oem": map[string]any{"Hpe": map[string]any{
			"@odata.context":          "/redfish/v1/$metadata#HpeComputerSystemExt.HpeComputerSystemExt",
			"@odata.type":             "#HpeComputerSystemExt.v2_9_0.HpeComputerSystemExt",
			"Bios":                    map[string]any{"Current": map[string]any{"VersionString": bios}},
			"DeviceDiscoveryComplete": discovery,
			"PostState":               post,
		}},
	})
}

func (i *ILO) serveTaskService(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.context":                  "/redfish/v1/$metadata#TaskService.TaskService",
		"@odata.id":                       i.ODataID("/redfish/v1/TaskService"),
		"@odata.type":                     "#TaskService.v1_1_1.TaskService",
		"Id":                              "TaskService",
		"CompletedTaskOverWritePolicy":    "Manual",
		"DateTime":                        isoTime(i.clock.Now()),
		"Description":                     "iLO Task Service",
		"LifeCycleEventOnTaskStateChange": true,
		"Name":                            "Task Service",
		"ServiceEnabled":                  true,
		"Status":                          map[string]any{"Health": "OK", "HealthRollup": "OK", "State": "Enabled"},
		"Tasks":                           i.Ref(tasksPath),
	})
}

// emptyCollection answers the collections that the task queue package
// serves once mounted (UpdateTaskQueue, InstallSets, MaintenanceWindows) and
// InvalidImageRepository.
func (i *ILO) emptyCollection(p string) HandlerFunc {
	return func(w http.ResponseWriter, r *Request) {
		types := map[string][3]string{
			taskQueuePath:    {"#HpeComponentUpdateTaskQueueCollection.HpeComponentUpdateTaskQueueCollection", "Update Task Queue", "Update Task Queue Collection"},
			installSetsPath:  {"#HpeComponentInstallSetCollection.HpeComponentInstallSetCollection", "Install Set Collection", "Install Set Collection"},
			windowsPath:      {"#HpeMaintenanceWindowCollection.HpeMaintenanceWindowCollection", "Maintenance Window Collection", "Maintenance Window Collection"},
			invalidImagePath: {"#HpeInvalidImageCollection.HpeInvalidImageCollection", "Invalid Image Collection", "Invalid Image Collection"},
		}
		t := types[p]
		WriteResource(w, http.StatusOK, r.ilo.collection(r.Request, p, t[0], t[1], t[2], nil, nil))
	}
}

// managerReset answers Manager.Reset with 200 + Success, then resets the
// iLO (sessions end, dark for the configured time).
func (i *ILO) managerReset(w http.ResponseWriter, r *Request) {
	var body struct{ ResetType string }
	if !i.decodeBody(w, r.Request, &body) {
		return
	}
	if body.ResetType != "" && body.ResetType != "ForceRestart" && body.ResetType != "GracefulRestart" {
		wire.WriteError(w, http.StatusBadRequest, i.prof.Registries.BaseMsg("ActionParameterNotSupported", body.ResetType, "ResetType"))
		return
	}
	wire.WriteSuccess(w, i.prof.Registries)
	i.ResetBMC()
}

const bundleReportPath = updateServicePath + "/BundleUpdateReport"

// serveBundleReports answers BundleUpdateReport (Current and Completed,
// with no entries: the simulator runs no cloud bundle updates), as in the
// 2.70 capture. Profiles without the link answer 404.
func (i *ILO) serveBundleReports(w http.ResponseWriter, r *Request) {
	if !i.prof.BundleUpdateReport {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	ids := []string{bundleReportPath + "/Current", bundleReportPath + "/Completed"}
	WriteResource(w, http.StatusOK, i.collection(r.Request, bundleReportPath, "#HpeBundleUpdateReportCollection.HpeBundleUpdateReportCollection",
		"Bundle Update Reports", "Bundle Update Reports View", ids,
		func(p string) map[string]any { return i.bundleReportBody(p[strings.LastIndex(p, "/")+1:]) }))
}

func (i *ILO) bundleReportBody(which string) map[string]any {
	return map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeBundleUpdateReport.HpeBundleUpdateReport",
		"@odata.id":      i.ODataID(bundleReportPath + "/" + which),
		"@odata.type":    "#HpeBundleUpdateReport.v1_0_0.HpeBundleUpdateReport",
		"Id":             which,
		"Entries":        i.Ref(bundleReportPath + "/" + which + "/Entries"),
	}
}

// which returns "Current" or "Completed" for a path argument, "" otherwise.
func bundleWhich(arg string) string {
	for _, w := range []string{"Current", "Completed"} {
		if strings.EqualFold(arg, w) {
			return w
		}
	}
	return ""
}

func (i *ILO) serveBundleReport(w http.ResponseWriter, r *Request) {
	which := bundleWhich(r.Args[0])
	if !i.prof.BundleUpdateReport || which == "" {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, i.bundleReportBody(which))
}

func (i *ILO) serveBundleEntries(w http.ResponseWriter, r *Request) {
	which := bundleWhich(r.Args[0])
	if !i.prof.BundleUpdateReport || which == "" {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	name := which + " Bundle Update report view"
	WriteResource(w, http.StatusOK, i.collection(r.Request, bundleReportPath+"/"+which+"/Entries",
		"#HpeComponentUpdateEntryCollection.HpeComponentUpdateEntryCollection", name, name, nil, nil))
}

// serveRunningSoftware answers the iLO 7 RunningSoftwareInventory link
// with an empty collection (no OS agent runs on the simulated host).
func (i *ILO) serveRunningSoftware(w http.ResponseWriter, r *Request) {
	if !i.prof.RunningSoftwareInventory {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, i.collection(r.Request, updateServicePath+"/RunningSoftwareInventory",
		"#HpeiLORunningSoftwareInventoryCollection.HpeiLORunningSoftwareInventoryCollection",
		"Running Software Inventory", "Running Software Inventory", nil, nil))
}
