package updateinfo

import "github.com/fleetfw/ilo/internal/ilo"

// The result types carry exactly the keys plugins/modules/update_info.py
// documents under RETURN; the converters below copy them from the client's
// types. Lists are never null: an item without targets has targets: [].

// InventoryItem is one FirmwareInventory or SoftwareInventory member.
type InventoryItem struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Updateable is null when the iLO omits the property (iLO 5 2.4x).
	Updateable    *bool    `json:"updateable"`
	DeviceClass   string   `json:"device_class"`
	DeviceContext string   `json:"device_context"`
	Targets       []string `json:"targets"`
	SoftwareID    string   `json:"software_id"`
}

// Service is the update service and the iLO itself.
type Service struct {
	State string `json:"state"`
	// FlashProgressPercent is null unless the iLO reports a number.
	FlashProgressPercent   *int           `json:"flash_progress_percent"`
	Result                 Message        `json:"result"`
	UploadCurrentEtag      string         `json:"upload_current_etag"`
	CurrentTime            string         `json:"current_time"`
	Capabilities           map[string]any `json:"capabilities"`
	Accept3rdPartyFirmware bool           `json:"accept_3rd_party_firmware"`
	DowngradePolicy        string         `json:"downgrade_policy"`
	HTTPPushURI            string         `json:"http_push_uri"`
	MultipartHTTPPushURI   string         `json:"multipart_http_push_uri"`
	Generation             string         `json:"generation"`
	FirmwareVersion        string         `json:"firmware_version"`
}

// Message is a MessageId with its arguments and registry meaning; all three
// keys are left out when the iLO reported no message (an empty dict).
type Message struct {
	MessageID   string    `json:"message_id,omitempty"`
	MessageArgs *[]string `json:"message_args,omitempty"`
	Meaning     string    `json:"meaning,omitempty"`
}

// Repository is the iLO Repository.
type Repository struct {
	TotalBytes int64       `json:"total_bytes"`
	FreeBytes  int64       `json:"free_bytes"`
	Components []Component `json:"components"`
}

// Component is one file in the iLO Repository.
type Component struct {
	ID           string   `json:"id"`
	Filename     string   `json:"filename"`
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	SizeBytes    int64    `json:"size_bytes"`
	Locked       bool     `json:"locked"`
	Created      string   `json:"created"`
	Activates    string   `json:"activates"`
	UpdatableBy  []string `json:"updatable_by"`
	DeviceClass  string   `json:"device_class"`
	Targets      []string `json:"targets"`
	ComponentURI string   `json:"component_uri"`
}

// Task is one item of the installation queue.
type Task struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Command           string   `json:"command"`
	Filename          string   `json:"filename"`
	State             string   `json:"state"`
	UpdatableBy       []string `json:"updatable_by"`
	StartAfter        string   `json:"start_after"`
	Expire            string   `json:"expire"`
	MaintenanceWindow string   `json:"maintenance_window"`
	TPMOverride       bool     `json:"tpm_override"`
	Result            Message  `json:"result"`
}

// MaintenanceWindow is a time range in which queued tasks may run.
type MaintenanceWindow struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	StartAfter  string `json:"start_after"`
	Expire      string `json:"expire"`
}

// InstallSet is a named sequence of installation steps.
type InstallSet struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	IsRecovery  bool          `json:"is_recovery"`
	Sequence    []InstallStep `json:"sequence"`
}

// InstallStep is one step of an install set.
type InstallStep struct {
	Name            string   `json:"name"`
	Command         string   `json:"command"`
	Filename        string   `json:"filename"`
	UpdatableBy     []string `json:"updatable_by"`
	WaitTimeSeconds int      `json:"wait_time_seconds"`
}

// list returns l, or an empty list instead of nil.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func message(m *ilo.Message) Message {
	if m == nil {
		return Message{}
	}
	return Message{MessageID: m.ID, MessageArgs: ptr(list(m.Args)), Meaning: m.Meaning}
}

func inventory(items []ilo.InventoryItem) []InventoryItem {
	out := make([]InventoryItem, 0, len(items))
	for _, i := range items {
		out = append(out, InventoryItem{
			ID: i.ID, Name: i.Name, Version: i.Version, Updateable: i.Updateable,
			DeviceClass: i.DeviceClass, DeviceContext: i.DeviceContext,
			Targets: list(i.Targets), SoftwareID: i.SoftwareID,
		})
	}
	return out
}

func service(us ilo.UpdateService, generation, firmwareVersion string) *Service {
	caps := us.Capabilities
	if caps == nil {
		caps = map[string]any{}
	}
	return &Service{
		State:                  us.State,
		FlashProgressPercent:   us.FlashProgressPercent,
		Result:                 message(us.Result),
		UploadCurrentEtag:      us.UploadCurrentEtag,
		CurrentTime:            us.CurrentTime,
		Capabilities:           caps,
		Accept3rdPartyFirmware: us.Accept3rdPartyFirmware,
		DowngradePolicy:        us.DowngradePolicy,
		HTTPPushURI:            us.HttpPushUri,
		MultipartHTTPPushURI:   us.MultipartHttpPushUri,
		Generation:             generation,
		FirmwareVersion:        firmwareVersion,
	}
}

func repository(r ilo.Repository) *Repository {
	out := &Repository{TotalBytes: r.TotalBytes, FreeBytes: r.FreeBytes, Components: make([]Component, 0, len(r.Components))}
	for _, c := range r.Components {
		out.Components = append(out.Components, Component{
			ID: c.ID, Filename: c.Filename, Name: c.Name, Version: c.Version, SizeBytes: c.SizeBytes,
			Locked: c.Locked, Created: c.Created, Activates: c.Activates, UpdatableBy: list(c.UpdatableBy),
			DeviceClass: c.DeviceClass, Targets: list(c.Targets), ComponentURI: c.ComponentURI,
		})
	}
	return out
}

func taskQueue(tasks []ilo.UpdateTask) []Task {
	out := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, Task{
			ID: t.ID, Name: t.Name, Command: t.Command, Filename: t.Filename, State: t.State,
			UpdatableBy: list(t.UpdatableBy), StartAfter: t.StartAfter, Expire: t.Expire,
			MaintenanceWindow: t.MaintenanceWindow, TPMOverride: t.TPMOverride, Result: message(t.Result),
		})
	}
	return out
}

func maintenanceWindows(windows []ilo.MaintenanceWindow) []MaintenanceWindow {
	out := make([]MaintenanceWindow, 0, len(windows))
	for _, w := range windows {
		out = append(out, MaintenanceWindow{ID: w.ID, Name: w.Name, Description: w.Description, StartAfter: w.StartAfter, Expire: w.Expire})
	}
	return out
}

func installSets(sets []ilo.InstallSet) []InstallSet {
	out := make([]InstallSet, 0, len(sets))
	for _, s := range sets {
		set := InstallSet{ID: s.ID, Name: s.Name, Description: s.Description, IsRecovery: s.IsRecovery, Sequence: make([]InstallStep, 0, len(s.Sequence))}
		for _, st := range s.Sequence {
			set.Sequence = append(set.Sequence, InstallStep{
				Name: st.Name, Command: st.Command, Filename: st.Filename,
				UpdatableBy: list(st.UpdatableBy), WaitTimeSeconds: st.WaitTimeSeconds,
			})
		}
		out = append(out, set)
	}
	return out
}
