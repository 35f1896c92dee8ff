package ilosim

import (
	_ "embed"
	"net/http"
	"sort"
	"strings"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Paths of the service's self-description.
const (
	jsonSchemasPath   = "/redfish/v1/JsonSchemas"
	schemaStorePath   = "/redfish/v1/SchemaStore/en"
	metadataPath      = "/redfish/v1/$metadata"
	resourceDirPath   = "/redfish/v1/ResourceDirectory"
	licenseSvcPath    = "/redfish/v1/Managers/1/LicenseService"
	sessionsMembersAt = sessionsPath + "/Members"
)

// The CSDL documents iLO 5 serves at /redfish/v1/$metadata (captures 2.70,
// with trailing slashes, and 2.55, without).
var (
	//go:embed testdata/metadata/ilo5-2.70.xml
	metadataSlash []byte
	//go:embed testdata/metadata/ilo5-2.55.xml
	metadataNoSlash []byte
)

// serveRedfish answers GET /redfish: {"v1": "/redfish/v1/"} on every
// generation (DMTF; a real iLO 6 answers it with the slash).
func (i *ILO) serveRedfish(w http.ResponseWriter, r *Request) {
	wire.WriteJSON(w, http.StatusOK, map[string]any{"v1": "/redfish/v1/"})
}

// serveMetadata answers the OData CSDL document.
func (i *ILO) serveMetadata(w http.ResponseWriter, r *Request) {
	doc := metadataNoSlash
	if i.prof.TrailingSlash {
		doc = metadataSlash
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("OData-Version", "4.0")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// servedTypes are the @odata.type values the simulator serves, for the
// JsonSchemas collection (each names its schema store file).
func (i *ILO) servedTypes() []string {
	p := i.prof
	types := []string{
		"#ServiceRoot.v1_5_1.ServiceRoot", "#Manager.v1_5_1.Manager", "#ManagerCollection.ManagerCollection",
		"#ComputerSystem.v1_10_0.ComputerSystem", "#ComputerSystemCollection.ComputerSystemCollection",
		"#Bios.v1_0_0.Bios", "#Storage.v1_7_1.Storage", "#StorageCollection.StorageCollection", "#Drive.v1_7_0.Drive",
		"#SessionService.v1_0_0.SessionService", "#Session.v1_0_0.Session", "#SessionCollection.SessionCollection",
		"#TaskService.v1_1_1.TaskService", "#Task.v1_3_0.Task", "#TaskCollection.TaskCollection",
		p.UpdateServiceType, "#SoftwareInventory.v1_2_0.SoftwareInventory",
		"#SoftwareInventoryCollection.SoftwareInventoryCollection",
		"#MessageRegistryFile.v1_1_0.MessageRegistryFile", "#MessageRegistryFileCollection.MessageRegistryFileCollection",
		"#JsonSchemaFile.v1_0_2.JsonSchemaFile", "#JsonSchemaFileCollection.JsonSchemaFileCollection",
		"#HpeComponent.v1_0_1.HpeComponent", "#HpeComponentCollection.HpeComponentCollection",
		"#HpeComponentUpdateTaskQueueCollection.HpeComponentUpdateTaskQueueCollection",
		"#HpeComponentInstallSetCollection.HpeComponentInstallSetCollection",
		"#HpeMaintenanceWindowCollection.HpeMaintenanceWindowCollection",
		"#HpeInvalidImageCollection.HpeInvalidImageCollection",
		"#HpeiLOResourceDirectory.v2_0_0.HpeiLOResourceDirectory",
		licenseType(p), "#HpeiLOLicenseCollection.HpeiLOLicenseCollection",
		p.HpeUpdateServiceType, p.ManagerOemType, "#HpeiLOSoftwareInventory.v2_0_0.HpeiLOSoftwareInventory",
		"#HpeComputerSystemExt.v2_9_0.HpeComputerSystemExt", "#HpeiLOSessionsSummary.v2_0_0.HpeiLOSessionsSummary",
	}
	sort.Strings(types)
	return types
}

// serveJSONSchemas answers the JsonSchemas collection (linked from the
// service root; iLOrest reads the link at login and the collection after
// every write, real-ilo-resources.md).
func (i *ILO) serveJSONSchemas(w http.ResponseWriter, r *Request) {
	types := i.servedTypes()
	ids := make([]string, len(types))
	for k, t := range types {
		ids[k] = jsonSchemasPath + "/" + schemaName(t)
	}
	byID := map[string]string{}
	for k, id := range ids {
		byID[id] = types[k]
	}
	WriteResource(w, http.StatusOK, i.collection(r.Request, jsonSchemasPath, "#JsonSchemaFileCollection.JsonSchemaFileCollection",
		"Schema File Collection", "Schema File Collection", ids,
		func(p string) map[string]any { return i.schemaFileBody(byID[p]) }))
}

func (i *ILO) schemaFileBody(t string) map[string]any {
	name := schemaName(t)
	return map[string]any{
		"@odata.context": "/redfish/v1/$metadata#JsonSchemaFile.JsonSchemaFile",
		"@odata.id":      i.ODataID(jsonSchemasPath + "/" + name),
		"@odata.type":    "#JsonSchemaFile.v1_0_2.JsonSchemaFile",
		"Id":             name,
		"Name":           name + " Schema File",
		"Description":    name + " Schema File Location",
		"Languages":      []string{"en"},
		"Schema":         t,
		"Location":       []any{map[string]any{"Language": "en", "Uri": i.schemaStoreURI(t)}},
	}
}

func (i *ILO) serveJSONSchema(w http.ResponseWriter, r *Request) {
	for _, t := range i.servedTypes() {
		if strings.EqualFold(schemaName(t), r.Args[0]) {
			WriteResource(w, http.StatusOK, i.schemaFileBody(t))
			return
		}
	}
	wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
}

// serveSchemaStore answers a schema store file. The simulator carries no
// schema texts: a DMTF type's file refers to its published schema
// (http://redfish.dmtf.org/schemas/v1/<Name>.json), an HPE one only names
// itself (UNCONFIRMED, doc.go).
func (i *ILO) serveSchemaStore(w http.ResponseWriter, r *Request) {
	file := strings.TrimSuffix(r.Args[0], ".json")
	for _, t := range i.servedTypes() {
		name := schemaName(t)
		if !strings.EqualFold(name, file) {
			continue
		}
		body := map[string]any{"$schema": "http://json-schema.org/draft-04/schema#", "title": "#" + name, "$id": i.schemaStoreURI(t)}
		if !strings.HasPrefix(name, "Hpe") {
			body["$ref"] = "http://redfish.dmtf.org/schemas/v1/" + name + ".json"
		}
		wire.WriteJSON(w, http.StatusOK, body)
		return
	}
	wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
}

// licenseType is HpeiLOLicense v2_3_0 on iLO 5 (3.09 definition) and
// v2_5_0 on iLO 6 1.70 and iLO 7 1.14.
func licenseType(p Profile) string {
	if p.Generation >= 6 {
		return "#HpeiLOLicense.v2_5_0.HpeiLOLicense"
	}
	return "#HpeiLOLicense.v2_3_0.HpeiLOLicense"
}

func (i *ILO) serveLicenseService(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, i.collection(r.Request, licenseSvcPath, "#HpeiLOLicenseCollection.HpeiLOLicenseCollection",
		"License Service", "Manager License Service", []string{licenseSvcPath + "/1"},
		func(string) map[string]any { return i.licenseBody() }))
}

func (i *ILO) serveLicense(w http.ResponseWriter, r *Request) {
	if r.Args[0] != "1" {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, i.licenseBody())
}

// licenseBody is the installed license: iLO Advanced Premium Security
// Edition, whose features include FWScan (the firmware integrity scan
// iLOrest's fwintegritycheck looks for).
func (i *ILO) licenseBody() map[string]any {
	return map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeiLOLicense.HpeiLOLicense",
		"@odata.id":      i.ODataID(licenseSvcPath + "/1"),
		"@odata.type":    licenseType(i.prof),
		"Id":             "1",
		"Name":           "iLO License",
		"License":        "iLO Advanced Premium Security Edition",
		"LicenseClass":   "FQL",
		"LicenseKey":     "XXXXX-XXXXX-XXXXX-XXXXX-SIM01",
		"LicenseTier":    "ADV",
		"LicenseType":    "Perpetual",
		"LicenseFeatures": map[string]any{
			"AutoCertEnroll": true, "DirectoryAuth": true, "DowngradePolicy": true, "EmergencyRecovery": true,
			"FWScan": true, "Federation": true, "Kerberos": true, "KeyMgr": true, "PowerReg": true,
			"Recovery": true, "RemoteConsole": true, "SecureErase": true, "SuiteB": true,
			"TwoFactorAuth": true, "VirtualMedia": true, "VSPLogging": true,
		},
	}
}

// directoryEntries are the instances the ResourceDirectory lists: every
// resource the simulator serves that a client may look up by type, and the
// FirmwareInventory members.
func (i *ILO) directoryEntries() []string {
	out := []string{
		"/redfish/v1", "/redfish/v1/Managers", "/redfish/v1/Managers/1", licenseSvcPath, licenseSvcPath + "/1",
		"/redfish/v1/Systems", "/redfish/v1/Systems/1", biosPath, storagePath, storagePath + "/" + storageID,
		"/redfish/v1/SessionService", sessionsPath, "/redfish/v1/TaskService", tasksPath,
		updateServicePath, firmwareInvPath, softwareInvPath, repositoryPath, taskQueuePath, installSetsPath,
		windowsPath, invalidImagePath, registriesPath, jsonSchemasPath,
	}
	for _, it := range baseInventory() {
		out = append(out, firmwareInvPath+"/"+it.id)
	}
	return out
}

// serveResourceDirectory answers the HPE index of instances: each with
// @odata.id, @odata.type, ETag and HttpMethods, as iLOrest reads them
// (HpeiLOResourceDirectory; real-ilo-resources.md).
func (i *ILO) serveResourceDirectory(w http.ResponseWriter, r *Request) {
	var inst []any
	for _, p := range i.directoryEntries() {
		b := i.memberBody(r.Request, i.Ref(p))
		if b == nil {
			continue
		}
		rt, _ := i.match(p)
		methods := []string{}
		if rt != nil {
			methods = strings.Split(allow(rt.methods), ", ")
		}
		tag, _ := b["@odata.etag"].(string)
		inst = append(inst, map[string]any{"@odata.id": i.ODataID(p), "@odata.type": b["@odata.type"], "ETag": tag, "HttpMethods": methods})
	}
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeiLOResourceDirectory.HpeiLOResourceDirectory",
		"@odata.id":      i.ODataID(resourceDirPath),
		"@odata.type":    "#HpeiLOResourceDirectory.v2_0_0.HpeiLOResourceDirectory",
		"Id":             "ResourceDirectory",
		"Name":           "iLO Resource Directory",
		"Description":    "iLO Resource Directory",
		"Instances":      inst,
	})
}
