package modkit_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
)

// keysOf returns the JSON keys of v, sorted.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(m))
	for k, raw := range m {
		out = append(out, k)
		if string(raw) == "null" && !slices.Contains([]string{"updateable", "flash_progress_percent"}, k) {
			t.Errorf("%s is null", k)
		}
	}
	sort.Strings(out)
	return out
}

func fields(s string) []string { f := strings.Fields(s); sort.Strings(f); return f }

// TestOutputShapes: each type has exactly the keys update_info and the
// managing module returned before the kit (the union; doc.go), always, be
// the iLO's resource empty or full.
func TestOutputShapes(t *testing.T) {
	yes := true
	pct := 40
	msg := &ilo.Message{ID: "iLO.2.14.UpdateFailed", Args: []string{"x"}, Meaning: "m", Resolution: "r"}
	tests := []struct {
		name    string
		empty   any    // converted from a zero value
		full    any    // converted from a value with every field set
		info    string // the keys update_info returned
		managed string // the keys the managing module returned (its ilo type)
	}{
		{
			name:  "inventory item",
			empty: modkit.InventoryItemOf(ilo.InventoryItem{}),
			full: modkit.InventoryItemOf(ilo.InventoryItem{ID: "1", URI: "/u", Name: "n", Description: "d", Version: "v", Updateable: &yes,
				SoftwareID: "s", DeviceClass: "c", Targets: []string{"t"}, DeviceContext: "x", Health: "OK", State: "Enabled"}),
			info:    "id name version updateable device_class device_context targets software_id",
			managed: "id uri name device_class device_context", // firmware_update's target
		},
		{
			name:  "component",
			empty: modkit.ComponentOf(ilo.Component{}),
			full: modkit.ComponentOf(ilo.Component{ID: "1", URI: "/u", Name: "n", Filename: "f", Filepath: "/f", ComponentURI: "/fwrepo/f",
				Version: "v", SizeBytes: 1, Created: "c", Criticality: "Optional", Activates: "Immediately", Type: "Firmware", DeviceClass: "d",
				Targets: []string{"t"}, UpdatableBy: []string{"Bmc"}, Locked: true, Configuration: "x", ExecutionParameters: "y"}),
			info:    "id filename name version size_bytes locked created activates updatable_by device_class targets component_uri",
			managed: "id uri name filename filepath component_uri version size_bytes created criticality activates component_type device_class targets updatable_by locked configuration execution_parameters",
		},
		{
			name:  "task",
			empty: modkit.TaskOf(ilo.UpdateTask{}),
			full: modkit.TaskOf(ilo.UpdateTask{ID: "1", URI: "/u", Name: "n", Command: "Wait", Filename: "f", Component: "/c", UpdatableBy: []string{"Bmc"},
				State: "Pending", StartAfter: "s", Expire: "e", MaintenanceWindow: "w", TPMOverride: true, UpdateRecoverySet: true, RecoveryPrivilege: true,
				WaitTimeSeconds: 5, ExecutionTimeoutMinutes: 6, Targets: []string{"t"}, TaskPlacementMode: "p", Result: msg, AdditionalError: msg,
				Created: "c", Modified: "m"}),
			info:    "id name command filename state updatable_by start_after expire maintenance_window tpm_override result",
			managed: "id uri name command filename component updatable_by state start_after expire maintenance_window tpm_override update_recovery_set recovery_privilege wait_time_seconds execution_timeout_minutes targets task_placement_mode result additional_error created modified",
		},
		{
			name:    "maintenance window",
			empty:   modkit.MaintenanceWindowOf(ilo.MaintenanceWindow{}),
			full:    modkit.MaintenanceWindowOf(ilo.MaintenanceWindow{ID: "1", URI: "/u", Name: "n", Description: "d", StartAfter: "s", Expire: "e", Created: "c", Modified: "m"}),
			info:    "id name description start_after expire",
			managed: "id uri name description start_after expire created modified",
		},
		{
			name:  "install set",
			empty: modkit.InstallSetOf(ilo.InstallSet{}),
			full: modkit.InstallSetOf(ilo.InstallSet{ID: "1", URI: "/u", Name: "n", Description: "d", IsRecovery: true, PlatformID: "p",
				Sequence: []ilo.InstallStep{{Name: "s"}}, Created: "c", Modified: "m"}),
			info:    "id name description is_recovery sequence",
			managed: "id uri name description is_recovery platform_id sequence created modified",
		},
		{
			name:  "install step",
			empty: modkit.InstallStepOf(ilo.InstallStep{}),
			full: modkit.InstallStepOf(ilo.InstallStep{Name: "n", Command: "Wait", Filename: "f", Component: "/c", UpdatableBy: []string{"Bmc"},
				WaitTimeSeconds: 5, ExecutionTimeoutMinutes: 6, Targets: []string{"t"}}),
			info:    "name command filename updatable_by wait_time_seconds",
			managed: "name command filename component updatable_by wait_time_seconds execution_timeout_minutes targets",
		},
		{
			name:  "update service",
			empty: modkit.ServiceOf(ilo.UpdateService{}, "", ""),
			full: modkit.ServiceOf(ilo.UpdateService{State: "Updating", FlashProgressPercent: &pct, Result: msg, AdditionalError: msg, UploadCurrentEtag: "e",
				CurrentTime: "t", Capabilities: map[string]any{"x": true}, Accept3rdPartyFirmware: true, DowngradePolicy: "AllowDowngrade",
				HttpPushUri: "/cgi-bin/uploadFile", MultipartHttpPushUri: "/m"}, "iLO 5", "2.70"),
			info:    "state flash_progress_percent result upload_current_etag current_time capabilities accept_3rd_party_firmware downgrade_policy http_push_uri multipart_http_push_uri generation firmware_version",
			managed: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := fields(tt.info + " " + tt.managed)
			want = slices.Compact(want)
			if got := keysOf(t, tt.empty); !slices.Equal(got, want) {
				t.Errorf("keys of an empty one %v, want %v", got, want)
			}
			if got := keysOf(t, tt.full); !slices.Equal(got, want) {
				t.Errorf("keys of a full one %v, want %v", got, want)
			}
		})
	}
}

func TestMessageOf(t *testing.T) {
	if b, _ := json.Marshal(modkit.MessageOf(nil)); string(b) != "{}" {
		t.Errorf("no message = %s, want {}", b)
	}
	b, _ := json.Marshal(modkit.MessageOf(&ilo.Message{ID: "Base.1.18.Success"}))
	if string(b) != `{"message_id":"Base.1.18.Success","message_args":[]}` {
		t.Errorf("message without arguments = %s", b)
	}
}

// TestOutputOfSimulator converts what a simulated iLO serves.
func TestOutputOfSimulator(t *testing.T) {
	x := modtest.StartILO(t)
	ctx := context.Background()
	c := x.Client(t)
	inv, err := c.FirmwareInventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	items := modkit.InventoryOf(inv)
	if len(items) == 0 || len(items) != len(inv) {
		t.Fatalf("%d items of %d", len(items), len(inv))
	}
	for _, it := range items {
		if it.ID == "" || it.URI == "" || it.Version == "" || it.Targets == nil { // real captures have items without a Name
			t.Errorf("item %+v lacks a key the iLO gave", it)
		}
	}
	if got := modkit.TasksOf(nil); got == nil || len(got) != 0 {
		t.Errorf("TasksOf(nil) = %#v, want []", got)
	}
	w, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "kit", StartAfter: "2099-01-01T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	got := modkit.MaintenanceWindowOf(w)
	if got.Name != "kit" || got.ID == "" || got.URI == "" || got.StartAfter != "2099-01-01T00:00:00Z" {
		t.Errorf("window %+v", got)
	}
}

// TestUpdateableTriState: updateable is true, false or null (the iLO did
// not say), never left out or turned into false.
func TestUpdateableTriState(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		in   *bool
		want string
	}{{&yes, `"updateable":true`}, {&no, `"updateable":false`}, {nil, `"updateable":null`}} {
		b, _ := json.Marshal(modkit.InventoryItemOf(ilo.InventoryItem{Updateable: tt.in}))
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("%s lacks %s", b, tt.want)
		}
	}
}
