package ilosim

import (
	"net/http"
	"sync"
)

// sharedRoutes is the base dispatch table, built once and shared read-only
// by every iLO (1,000 iLOs in one process must stay small).
var sharedRoutes = sync.OnceValue(baseRoutes)

// Paths of the update service resources (canonical case, no trailing slash).
const (
	updateServicePath = "/redfish/v1/UpdateService"
	firmwareInvPath   = updateServicePath + "/FirmwareInventory"
	softwareInvPath   = updateServicePath + "/SoftwareInventory"
	repositoryPath    = updateServicePath + "/ComponentRepository"
	taskQueuePath     = updateServicePath + "/UpdateTaskQueue"
	installSetsPath   = updateServicePath + "/InstallSets"
	windowsPath       = updateServicePath + "/MaintenanceWindows"
	invalidImagePath  = updateServicePath + "/InvalidImageRepository"
	simpleUpdatePath  = updateServicePath + "/Actions/UpdateService.SimpleUpdate"
	oemActionsPath    = updateServicePath + "/Actions/Oem/Hpe/HpeiLOUpdateServiceExt."
	multipartPushPath = updateServicePath + "/upload"
	httpPushPath      = "/cgi-bin/uploadFile"
	tasksPath         = "/redfish/v1/TaskService/Tasks"
	monitorsPath      = "/redfish/v1/TaskService/TaskMonitors"
)

// methods maps an HTTP method to its handler.
type methods = map[string]HandlerFunc

// baseRoutes is the dispatch table. Add a row to serve a new resource; the
// task queue package adds its rows with ILO.Handle.
func baseRoutes() []route {
	rows := []struct {
		pattern string
		noAuth  bool
		m       func(i *ILO) methods
	}{
		{"/redfish", true, func(i *ILO) methods { return methods{http.MethodGet: i.serveRedfish} }},
		{"/redfish/v1", true, func(i *ILO) methods { return methods{http.MethodGet: i.serveRoot} }},
		{"/redfish/v1/odata", true, func(i *ILO) methods { return methods{http.MethodGet: i.serveOData} }},
		{metadataPath, true, func(i *ILO) methods { return methods{http.MethodGet: i.serveMetadata} }},
		{jsonSchemasPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveJSONSchemas} }},
		{jsonSchemasPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveJSONSchema} }},
		{schemaStorePath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveSchemaStore} }},
		{licenseSvcPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveLicenseService} }},
		{licenseSvcPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveLicense} }},
		{sessionsMembersAt, true, func(i *ILO) methods { return methods{http.MethodPost: i.login} }},
		{registriesPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveRegistries} }},
		{registriesPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveRegistryFile} }},
		{"/redfish/v1/RegistryStore/registries/en/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveRegistry} }},
		{resourceDirPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveResourceDirectory} }},
		{"/redfish/v1/SessionService", false, func(i *ILO) methods {
			return methods{http.MethodGet: i.serveSessionService, http.MethodPatch: i.patchSessionService}
		}},
		{sessionsPath, true, func(i *ILO) methods {
			return methods{http.MethodGet: i.authed(i.serveSessions), http.MethodPost: i.login}
		}},
		{sessionsPath + "/{}", false, func(i *ILO) methods {
			return methods{http.MethodGet: i.getSession, http.MethodDelete: i.logout}
		}},
		{"/redfish/v1/Managers", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveManagers} }},
		{"/redfish/v1/Managers/1", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveManager} }},
		{"/redfish/v1/Managers/1/Actions/Manager.Reset", false, func(i *ILO) methods { return methods{http.MethodPost: i.managerReset} }},
		{"/redfish/v1/Systems", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveSystems} }},
		{"/redfish/v1/Systems/1", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveSystem} }},
		{biosPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveBios} }},
		{storagePath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveStorage} }},
		{storagePath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveStorageMember} }},
		{storagePath + "/{}/Drives/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveDrive} }},
		{"/redfish/v1/TaskService", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveTaskService} }},
		{tasksPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveTasks} }},
		{tasksPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveTask} }},
		{monitorsPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveMonitor} }},
		{updateServicePath, false, func(i *ILO) methods {
			return methods{http.MethodGet: i.serveUpdateService, http.MethodPatch: i.patchUpdateService}
		}},
		{firmwareInvPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveFirmwareInventory} }},
		{firmwareInvPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveFirmwareItem} }},
		{softwareInvPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveSoftwareInventory} }},
		{softwareInvPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveSoftwareItem} }},
		{repositoryPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveRepository} }},
		{repositoryPath + "/{}", false, func(i *ILO) methods {
			return methods{http.MethodGet: i.serveComponent, http.MethodPatch: i.patchComponent, http.MethodDelete: i.deleteComponent}
		}},
		{taskQueuePath, false, func(i *ILO) methods { return methods{http.MethodGet: i.emptyCollection(taskQueuePath)} }},
		{installSetsPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.emptyCollection(installSetsPath)} }},
		{windowsPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.emptyCollection(windowsPath)} }},
		{invalidImagePath, false, func(i *ILO) methods { return methods{http.MethodGet: i.emptyCollection(invalidImagePath)} }},
		{bundleReportPath, false, func(i *ILO) methods { return methods{http.MethodGet: i.serveBundleReports} }},
		{bundleReportPath + "/{}", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveBundleReport} }},
		{bundleReportPath + "/{}/Entries", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveBundleEntries} }},
		{updateServicePath + "/RunningSoftwareInventory", false, func(i *ILO) methods { return methods{http.MethodGet: i.serveRunningSoftware} }},
		{simpleUpdatePath, false, func(i *ILO) methods { return methods{http.MethodPost: i.simpleUpdate} }},
		{oemActionsPath + "AddFromUri", false, func(i *ILO) methods { return methods{http.MethodPost: i.addFromURI} }},
		{oemActionsPath + "DeleteUnlockedComponents", false, func(i *ILO) methods {
			return methods{http.MethodPost: i.deleteUnlockedComponents}
		}},
		{oemActionsPath + "StartFirmwareIntegrityCheck", false, func(i *ILO) methods {
			return methods{http.MethodPost: i.startIntegrityCheck}
		}},
		{oemActionsPath + "SetDefaultLanguage", false, func(i *ILO) methods { return methods{http.MethodPost: i.languageAction(false)} }},
		{oemActionsPath + "RemoveLanguagePack", false, func(i *ILO) methods { return methods{http.MethodPost: i.languageAction(true)} }},
		{httpPushPath, true, func(i *ILO) methods { return methods{http.MethodPost: i.uploadFile} }},
		{multipartPushPath, false, func(i *ILO) methods { return methods{http.MethodPost: i.multipartPush} }},
	}
	var out []route
	for _, row := range rows {
		// The methods need an *ILO; bind lazily through a trampoline so the
		// table itself stays free of per-iLO state.
		out = append(out, route{segs: newRoute(row.pattern, nil).segs, noAuth: row.noAuth, methods: bindLater(row.m)})
	}
	return out
}

// bindLater turns a per-iLO method set into a static one: each handler looks
// up the iLO from the request context set by ServeHTTP.
func bindLater(m func(i *ILO) methods) map[string]HandlerFunc {
	proto := m(nil)
	out := make(map[string]HandlerFunc, len(proto))
	for method := range proto {
		method := method
		out[method] = func(w http.ResponseWriter, r *Request) {
			m(r.ilo)[method](w, r)
		}
	}
	return out
}

// authed wraps a handler of an unauthenticated route with authentication.
func (i *ILO) authed(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *Request) {
		if i.authenticate(w, r) {
			h(w, r)
		}
	}
}
