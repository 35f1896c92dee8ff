package ilosim

import (
	"net/http"
	"strings"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Paths below Systems/1. The BIOS link is lower case, as real iLO 5 data
// shows it ("/redfish/v1/systems/1/bios", 2.46 and 2.55/2.70 captures).
const (
	biosPath    = "/redfish/v1/systems/1/bios"
	storagePath = "/redfish/v1/Systems/1/Storage"
	storageID   = "DE07A000" // the controller of the captured drive links
)

// WithTPM gives the simulated host a TPM in use: the BIOS reports
// TpmState PresentEnabled and queue flashes need TPMOverride (default: no
// TPM, TpmState NotPresent).
func WithTPM() Option { return func(i *ILO) { i.server.tpm = true } }

// serveBios answers the BIOS resource (Attributes.TpmState is what
// iLOrest reads before it queues a flash that needs a TPM override).
func (i *ILO) serveBios(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	tpm := i.server.tpm
	rom := i.inventoryVersionLocked("2")
	i.mu.Unlock()
	state := "NotPresent"
	if tpm {
		state = "PresentEnabled"
	}
	family := "A47"
	if k := strings.Index(rom, " "); k > 0 {
		family = rom[:k]
	}
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.context":    "/redfish/v1/$metadata#Bios.Bios",
		"@odata.id":         i.ODataID(biosPath),
		"@odata.type":       "#Bios.v1_0_0.Bios",
		"Id":                "bios",
		"Name":              "BIOS Current Settings",
		"AttributeRegistry": "BiosAttributeRegistry" + family + ".v1_2_68",
		"Attributes": map[string]any{
			"BootMode":        "Uefi",
			"TpmState":        state,
			"TpmType":         map[bool]string{true: "Tpm20", false: "NoTpm"}[tpm],
			"TpmVisibility":   "Visible",
			"WorkloadProfile": "GeneralPowerEfficientCompute",
		},
	})
}

// drives are the drives the FirmwareInventory RelatedItem links name
// (2.70 capture members 26 and 27), by index, with their inventory Id.
var drives = []struct{ index, invID, model string }{
	{"0", "26", "VK000960GXAWL"},
	{"3", "27", ""},
}

func (i *ILO) serveStorage(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, i.collection(r.Request, storagePath, "#StorageCollection.StorageCollection",
		"Storage", "Storage subsystems", []string{storagePath + "/" + storageID},
		func(p string) map[string]any { return i.storageBody() }))
}

func (i *ILO) storageBody() map[string]any {
	var ds []any
	for _, d := range drives {
		ds = append(ds, i.Ref(storagePath+"/"+storageID+"/Drives/"+d.index))
	}
	return map[string]any{
		"@odata.context":                 "/redfish/v1/$metadata#Storage.Storage",
		"@odata.id":                      i.ODataID(storagePath + "/" + storageID),
		"@odata.type":                    "#Storage.v1_7_1.Storage",
		"Id":                             storageID,
		"Name":                           "HPE Smart Storage",
		"Drives":                         ds,
		"Drives@odata.count":             len(ds),
		"Status":                         map[string]any{"Health": "OK", "State": "Enabled"},
		"StorageControllers@odata.count": 0,
	}
}

func (i *ILO) serveStorageMember(w http.ResponseWriter, r *Request) {
	if !strings.EqualFold(r.Args[0], storageID) {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, i.storageBody())
}

// serveDrive answers the drives linked from FirmwareInventory; Revision
// follows the drive's FirmwareInventory Version, so a drive flash shows.
func (i *ILO) serveDrive(w http.ResponseWriter, r *Request) {
	for _, d := range drives {
		if !strings.EqualFold(r.Args[0], storageID) || r.Args[1] != d.index {
			continue
		}
		i.mu.Lock()
		rev := i.inventoryVersionLocked(d.invID)
		i.mu.Unlock()
		it := findInvItem(d.invID)
		ctx, _ := deepGet(it.raw, "Oem", "Hpe", "DeviceContext").(string)
		health, _ := deepGet(it.raw, "Status", "Health").(string)
		WriteResource(w, http.StatusOK, map[string]any{
			"@odata.context": "/redfish/v1/$metadata#Drive.Drive",
			"@odata.id":      i.ODataID(storagePath + "/" + storageID + "/Drives/" + d.index),
			"@odata.type":    "#Drive.v1_7_0.Drive",
			"Id":             d.index,
			"Name":           "Drive " + d.index,
			"Model":          d.model,
			"Revision":       rev,
			"MediaType":      "SSD",
			"Protocol":       "SATA",
			"PhysicalLocation": map[string]any{
				"PartLocation": map[string]any{"ServiceLabel": ctx, "LocationType": "Bay"},
			},
			"Status": map[string]any{"Health": health, "State": "Enabled"},
		})
		return
	}
	wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
}

// deepGet follows keys through nested objects.
func deepGet(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
