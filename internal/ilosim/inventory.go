package ilosim

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// firmwareInventoryJSON holds the 27 FirmwareInventory members of the real
// iLO 5 2.70 capture (XL675d Gen10 Plus), without @odata.id/etag/context.
//
//go:embed testdata/firmware_inventory.json
var firmwareInventoryJSON []byte

// invItem is one parsed FirmwareInventory member (shared, read-only).
type invItem struct {
	id          string
	raw         map[string]any
	deviceClass string
	targets     []string
	updateable  bool
}

// baseInventory is parsed once and shared read-only by every iLO; an iLO
// stores only the versions it changed.
var baseInventory = sync.OnceValue(func() []invItem {
	var raw []map[string]any
	if err := json.Unmarshal(firmwareInventoryJSON, &raw); err != nil {
		panic("ilosim: embedded firmware inventory: " + err.Error())
	}
	items := make([]invItem, 0, len(raw))
	for _, m := range raw {
		it := invItem{id: m["Id"].(string), raw: m}
		it.updateable, _ = m["Updateable"].(bool)
		if oem, ok := m["Oem"].(map[string]any); ok {
			hpe, _ := oem["Hpe"].(map[string]any)
			it.deviceClass, _ = hpe["DeviceClass"].(string)
			if ts, ok := hpe["Targets"].([]any); ok {
				for _, t := range ts {
					if s, ok := t.(string); ok {
						it.targets = append(it.targets, strings.ToLower(s))
					}
				}
			}
		}
		items = append(items, it)
	}
	return items
})

func findInvItem(id string) *invItem {
	items := baseInventory()
	for k := range items {
		if strings.EqualFold(items[k].id, id) {
			return &items[k]
		}
	}
	return nil
}

// inventoryVersionLocked returns the current Version of item id.
func (i *ILO) inventoryVersionLocked(id string) string {
	if id == "1" {
		return i.prof.inventoryVersion(i.fw.version, i.fw.date)
	}
	if v, ok := i.inv[id]; ok {
		return v
	}
	if it := findInvItem(id); it != nil {
		v, _ := it.raw["Version"].(string)
		return v
	}
	return ""
}

func (i *ILO) inventoryVersionsLocked() map[string]string {
	out := map[string]string{}
	for _, it := range baseInventory() {
		out[it.id] = i.inventoryVersionLocked(it.id)
	}
	return out
}

// inventoryBodyLocked renders one FirmwareInventory member.
func (i *ILO) inventoryBodyLocked(it *invItem) map[string]any {
	b := deepCopy(it.raw).(map[string]any)
	b["@odata.context"] = "/redfish/v1/$metadata#SoftwareInventory.SoftwareInventory"
	b["@odata.id"] = i.ODataID(firmwareInvPath + "/" + it.id)
	b["Version"] = i.inventoryVersionLocked(it.id)
	if it.id == "1" {
		b["Name"] = i.prof.ManagerType
	}
	if i.prof.NoUpdateable {
		delete(b, "Updateable")
	}
	if oem, ok := b["Oem"].(map[string]any); ok {
		if hpe, ok := oem["Hpe"].(map[string]any); ok {
			hpe["@odata.context"] = "/redfish/v1/$metadata#HpeiLOSoftwareInventory.HpeiLOSoftwareInventory"
		}
	}
	return b
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		return slices.Clone(t)
	}
	return v
}

func (i *ILO) serveFirmwareInventory(w http.ResponseWriter, r *Request) {
	items := baseInventory()
	ids := make([]string, len(items))
	for k, it := range items {
		ids[k] = firmwareInvPath + "/" + it.id
	}
	i.mu.Lock()
	body := i.collection(r.Request, firmwareInvPath, "#SoftwareInventoryCollection.SoftwareInventoryCollection",
		"Firmware Inventory Collection", "Firmware Inventory Collection", ids,
		func(p string) map[string]any {
			return i.inventoryBodyLocked(findInvItem(p[strings.LastIndex(p, "/")+1:]))
		})
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

func (i *ILO) serveFirmwareItem(w http.ResponseWriter, r *Request) {
	it := findInvItem(r.Args[0])
	if it == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	i.mu.Lock()
	body := i.inventoryBodyLocked(it)
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

// softwareInventoryJSON holds the 36 SoftwareInventory members of a real iLO 5
// 2.46 server whose OS runs the management agent (testdata/SOURCES.md).
//
//go:embed testdata/software_inventory.json
var softwareInventoryJSON []byte

var baseSoftware = sync.OnceValue(func() []map[string]any {
	var raw []map[string]any
	if err := json.Unmarshal(softwareInventoryJSON, &raw); err != nil {
		panic("ilosim: embedded software inventory: " + err.Error())
	}
	return raw
})

// softwareMembersLocked lists the SoftwareInventory the agent reports: the
// captured entries while the host runs its OS (on, past POST, agent not
// turned off with WithoutOSAgent), none otherwise (the 2.55 and 2.70
// captures, taken without AMS, are empty).
func (i *ILO) softwareMembersLocked() []map[string]any {
	if !i.agentRunningLocked() {
		return nil
	}
	return baseSoftware()
}

func (i *ILO) softwareBodyLocked(raw map[string]any) map[string]any {
	b := deepCopy(raw).(map[string]any)
	b["@odata.context"] = "/redfish/v1/$metadata#SoftwareInventory.SoftwareInventory"
	b["@odata.id"] = i.ODataID(softwareInvPath + "/" + raw["Id"].(string))
	if !i.prof.NoUpdateable {
		b["Updateable"] = false // OS software is not updated through iLO
	}
	if hpe, ok := deepGet(b, "Oem", "Hpe").(map[string]any); ok {
		hpe["@odata.context"] = "/redfish/v1/$metadata#HpeiLOSoftwareInventory.HpeiLOSoftwareInventory"
	}
	return b
}

// serveSoftwareInventory answers the SoftwareInventory collection.
func (i *ILO) serveSoftwareInventory(w http.ResponseWriter, r *Request) {
	now := i.clock.Now()
	i.mu.Lock()
	i.tickLocked(now)
	members := i.softwareMembersLocked()
	ids := make([]string, len(members))
	byID := map[string]map[string]any{}
	for k, m := range members {
		ids[k] = softwareInvPath + "/" + m["Id"].(string)
		byID[ids[k]] = m
	}
	body := i.collection(r.Request, softwareInvPath, "#SoftwareInventoryCollection.SoftwareInventoryCollection",
		"Software Inventory Collection", "Software Inventory Collection", ids,
		func(p string) map[string]any { return i.softwareBodyLocked(byID[p]) })
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

func (i *ILO) serveSoftwareItem(w http.ResponseWriter, r *Request) {
	now := i.clock.Now()
	i.mu.Lock()
	i.tickLocked(now)
	for _, m := range i.softwareMembersLocked() {
		if m["Id"] == r.Args[0] {
			body := i.softwareBodyLocked(m)
			i.mu.Unlock()
			WriteResource(w, http.StatusOK, body)
			return
		}
	}
	i.mu.Unlock()
	wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
}

// matchInventory returns the inventory items an image applies to:
// DeviceClass must match when the item has one, and when the image names
// targets one of them must be in the item's Targets (reference §1.8). With
// explicit target URIs (AddFromUri/task Targets) only those items count.
func matchInventory(info ImageInfo, targetURIs []string) []*invItem {
	var want map[string]bool
	if len(targetURIs) > 0 {
		want = map[string]bool{}
		for _, u := range targetURIs {
			u = strings.TrimSuffix(u, "/")
			want[strings.ToLower(u[strings.LastIndex(u, "/")+1:])] = true
		}
	}
	var out []*invItem
	items := baseInventory()
	for k := range items {
		it := &items[k]
		if want != nil && !want[strings.ToLower(it.id)] {
			continue
		}
		if info.DeviceClass == "" || !strings.EqualFold(it.deviceClass, info.DeviceClass) {
			continue
		}
		if len(info.Targets) > 0 && !intersects(it.targets, info.Targets) {
			continue
		}
		out = append(out, it)
	}
	return out
}

func intersects(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
