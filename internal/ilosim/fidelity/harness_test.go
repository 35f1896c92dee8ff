package fidelity

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The tests in this file check the checkers: a comparison or a schema that
// passes everything would make TestFidelity worthless.

func TestCompareShapeDetects(t *testing.T) {
	capt := `{"@odata.id": "/redfish/v1/UpdateService/ComponentRepository/009ebee5/",
		"@odata.type": "#HpeComponent.v1_0_1.HpeComponent",
		"Name": "iLO 5", "SizeBytes": 33557060, "Locked": false, "Targets": ["a"],
		"Oem": {"Hpe": {"State": "Idle"}},
		"Members": [{"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory/1/"}]}`
	tests := []struct {
		name string
		sim  string
		want []string
	}{
		{"same shape, other ids and no slash",
			`{"@odata.id": "/redfish/v1/UpdateService/ComponentRepository/abc12345",
			"@odata.type": "#HpeComponent.v1_0_1.HpeComponent",
			"Name": "iLO 6", "SizeBytes": 1, "Locked": true, "Targets": ["b", "c"],
			"Oem": {"Hpe": {"State": "Complete"}},
			"Members": [{"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory/27"}]}`, nil},
		{"missing, extra, wrong types",
			`{"@odata.id": "/redfish/v1/UpdateService/ComponentRepository/abc12345",
			"@odata.type": "#HpeComponent.v1_0_1.HpeComponent",
			"Name": 5, "SizeBytes": "1", "Locked": true, "Targets": [1], "Extra": null,
			"Oem": {"Hpe": {}},
			"Members": [{"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory/27"}]}`,
			[]string{"type Name", "type SizeBytes", "type Targets[]", "extra Extra", "missing Oem.Hpe.State"}},
		{"other type version and link",
			`{"@odata.id": "/redfish/v1/UpdateService/InstallSets/abc12345",
			"@odata.type": "#HpeComponent.v1_1_0.HpeComponent",
			"Name": "iLO 6", "SizeBytes": 1, "Locked": true, "Targets": ["b"],
			"Oem": {"Hpe": {"State": "Complete"}},
			"Members": [{"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory"}]}`,
			[]string{"link @odata.id", "value @odata.type", "link Members[].@odata.id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c, s any
			if err := json.Unmarshal([]byte(capt), &c); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.sim), &s); err != nil {
				t.Fatal(err)
			}
			var diffs []diff
			compareShape(s, c, "", &diffs)
			var got []string
			for _, d := range diffs {
				got = append(got, d.Kind+" "+d.Path)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("diffs = %q, want %q", got, want)
			}
		})
	}
}

// TestSchemasAcceptCaptures validates real captures with the same loader:
// they must pass (the loader tweaks are right) and a corrupted one must fail
// (the schemas are really applied).
func TestSchemasAcceptCaptures(t *testing.T) {
	tests := []struct {
		set, hpe, rel string
		corrupt       func(m map[string]any)
		wantErr       string
	}{
		{"ilo5-2.70", "ilo5-2.70", "UpdateService", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/ComponentRepository", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/ComponentRepository/009ebee5", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/FirmwareInventory/1", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/FirmwareInventory/26", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "TaskService", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "SessionService/Sessions/root0000000062a3763eaae842ff", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/UpdateTaskQueue/44c2f1b7", nil, ""},
		{"ilo5-2.55", "ilo5-2.46", "UpdateService", nil, ""},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/ComponentRepository/009ebee5",
			func(m map[string]any) { m["Activates"] = "Bogus" }, "Activates"},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService",
			func(m map[string]any) { delete(m["Oem"].(map[string]any)["Hpe"].(map[string]any), "UpdateTaskQueue") }, "UpdateTaskQueue"},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService",
			func(m map[string]any) { m["HttpPushUri"] = 5 }, "HttpPushUri"},
		{"ilo5-2.70", "ilo5-2.70", "UpdateService/UpdateTaskQueue/44c2f1b7",
			func(m map[string]any) { m["error"].(map[string]any)["code"] = 1 }, "code"},
	}
	vs := map[string]*validators{} // compiled schemas, one set per HPE folder
	for _, tt := range tests {
		if vs[tt.hpe] == nil {
			vs[tt.hpe] = newValidators(t, tt.hpe)
		}
		name := tt.set + "/" + tt.rel
		if tt.corrupt != nil {
			name += " corrupted"
		}
		t.Run(name, func(t *testing.T) {
			body := capture(t, tt.set, tt.rel)
			if tt.corrupt != nil {
				tt.corrupt(body)
			}
			problems, _ := vs[tt.hpe].check(body)
			all := strings.Join(problems, "\n")
			switch {
			case tt.wantErr == "" && len(problems) > 0:
				t.Errorf("capture fails its schemas:\n%s", all)
			case tt.wantErr != "" && !strings.Contains(all, tt.wantErr):
				t.Errorf("corrupted capture: problems %q, want one naming %q", all, tt.wantErr)
			}
		})
	}
}

func TestDMTFLocation(t *testing.T) {
	tests := map[string]string{
		"#UpdateService.v1_11_0.UpdateService":                     dmtfURL + "UpdateService.v1_11_6.json#/definitions/UpdateService",
		"#UpdateService.v1_1_1.UpdateService":                      dmtfURL + "UpdateService.v1_1_1.json#/definitions/UpdateService",
		"#SoftwareInventoryCollection.SoftwareInventoryCollection": dmtfURL + "SoftwareInventoryCollection.json#/definitions/SoftwareInventoryCollection",
		"#HpeComponent.v1_0_1.HpeComponent":                        "",
		"#Bogus.v9_9_9.Bogus":                                      "",
	}
	for typ, want := range tests {
		if got := dmtfLocation(typ); got != want {
			t.Errorf("dmtfLocation(%q) = %q, want %q", typ, got, want)
		}
	}
}
