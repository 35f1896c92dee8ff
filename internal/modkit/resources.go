package modkit

import "github.com/fleetfw/ilo/internal/ilo"

// The output types of the iLO resources: update_info returns lists of them
// and the module that manages a resource returns it in the same shape
// (component: Component, update_task: Task, maintenance_window:
// MaintenanceWindow, install_set: InstallSet, firmware_update: the
// InventoryItem it flashes). Each has the keys update_info and the managing
// module returned before (doc.go: the union choice), every key always
// present, as update_info documents its items: lists as [], a missing
// message as {}, a missing string as "".

// Message is a MessageId with its arguments and its registry meaning and
// resolution; every key is left out when the iLO reported no message.
type Message struct {
	MessageID   string    `json:"message_id,omitempty"`
	MessageArgs *[]string `json:"message_args,omitempty"`
	Meaning     string    `json:"meaning,omitempty"`
	Resolution  string    `json:"resolution,omitempty"`
}

// MessageOf returns m as a result shows it ({} for nil).
func MessageOf(m *ilo.Message) Message {
	if m == nil {
		return Message{}
	}
	return Message{MessageID: m.ID, MessageArgs: ptr(list(m.Args)), Meaning: m.Meaning, Resolution: m.Resolution}
}

// InventoryItem is one FirmwareInventory or SoftwareInventory member.
type InventoryItem struct {
	ID      string `json:"id"`
	URI     string `json:"uri"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Updateable is null when the iLO omits the property (iLO 5 2.4x).
	Updateable    *bool    `json:"updateable"`
	DeviceClass   string   `json:"device_class"`
	DeviceContext string   `json:"device_context"`
	Targets       []string `json:"targets"`
	SoftwareID    string   `json:"software_id"`
}

// InventoryItemOf returns an inventory item as a result shows it.
func InventoryItemOf(i ilo.InventoryItem) InventoryItem {
	return InventoryItem{
		ID: i.ID, URI: i.URI, Name: i.Name, Version: i.Version, Updateable: i.Updateable,
		DeviceClass: i.DeviceClass, DeviceContext: i.DeviceContext, Targets: list(i.Targets),
		SoftwareID: i.SoftwareID,
	}
}

// InventoryOf returns a FirmwareInventory or SoftwareInventory ([] for none).
func InventoryOf(items []ilo.InventoryItem) []InventoryItem { return each(items, InventoryItemOf) }

// Service is the update service and the iLO that runs it.
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
	// Generation ("iLO 5") and FirmwareVersion ("2.70") are the iLO's.
	Generation      string `json:"generation"`
	FirmwareVersion string `json:"firmware_version"`
}

// ServiceOf returns the update service as a result shows it, with the iLO's
// generation and firmware version.
func ServiceOf(us ilo.UpdateService, generation, firmwareVersion string) Service {
	caps := us.Capabilities
	if caps == nil {
		caps = map[string]any{}
	}
	return Service{
		State: us.State, FlashProgressPercent: us.FlashProgressPercent,
		Result:            MessageOf(us.Result),
		UploadCurrentEtag: us.UploadCurrentEtag, CurrentTime: us.CurrentTime, Capabilities: caps,
		Accept3rdPartyFirmware: us.Accept3rdPartyFirmware, DowngradePolicy: us.DowngradePolicy,
		HTTPPushURI: us.HttpPushUri, MultipartHTTPPushURI: us.MultipartHttpPushUri,
		Generation: generation, FirmwareVersion: firmwareVersion,
	}
}

// Repository is the iLO Repository: its room and its components.
type Repository struct {
	TotalBytes int64       `json:"total_bytes"`
	FreeBytes  int64       `json:"free_bytes"`
	Components []Component `json:"components"`
}

// RepositoryOf returns the repository as a result shows it.
func RepositoryOf(r ilo.Repository) Repository {
	return Repository{TotalBytes: r.TotalBytes, FreeBytes: r.FreeBytes, Components: each(r.Components, ComponentOf)}
}

// Component is one file in the iLO Repository.
type Component struct {
	ID           string   `json:"id"`
	URI          string   `json:"uri"`
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
	// ComponentType is the image kind iLO names (Oem.Hpe.ComponentType).
	ComponentType       string `json:"component_type"`
	Filepath            string `json:"filepath"`
	Criticality         string `json:"criticality"`
	Configuration       string `json:"configuration"`
	ExecutionParameters string `json:"execution_parameters"`
}

// ComponentOf returns a repository component as a result shows it.
func ComponentOf(c ilo.Component) Component {
	return Component{
		ID: c.ID, URI: c.URI, Filename: c.Filename, Name: c.Name, Version: c.Version, SizeBytes: c.SizeBytes,
		Locked: c.Locked, Created: c.Created, Activates: c.Activates, UpdatableBy: list(c.UpdatableBy),
		DeviceClass: c.DeviceClass, Targets: list(c.Targets), ComponentURI: c.ComponentURI,
		ComponentType: c.Type, Filepath: c.Filepath, Criticality: c.Criticality,
		Configuration: c.Configuration, ExecutionParameters: c.ExecutionParameters,
	}
}

// Task is one item of the installation queue (UpdateTaskQueue).
type Task struct {
	ID                string   `json:"id"`
	URI               string   `json:"uri"`
	Name              string   `json:"name"`
	Command           string   `json:"command"`
	Filename          string   `json:"filename"`
	State             string   `json:"state"`
	UpdatableBy       []string `json:"updatable_by"`
	StartAfter        string   `json:"start_after"`
	Expire            string   `json:"expire"`
	MaintenanceWindow string   `json:"maintenance_window"`
	TPMOverride       bool     `json:"tpm_override"`
	UpdateRecoverySet bool     `json:"update_recovery_set"`
	RecoveryPrivilege bool     `json:"recovery_privilege"`
	Result            Message  `json:"result"`
	AdditionalError   Message  `json:"additional_error"`
	// Component is the repository entry an ApplyUpdate task installs.
	Component               string   `json:"component"`
	WaitTimeSeconds         int      `json:"wait_time_seconds"`
	ExecutionTimeoutMinutes int      `json:"execution_timeout_minutes"`
	Targets                 []string `json:"targets"`
	TaskPlacementMode       string   `json:"task_placement_mode"`
	Created                 string   `json:"created"`
	Modified                string   `json:"modified"`
}

// TaskOf returns a queued task as a result shows it.
func TaskOf(t ilo.UpdateTask) Task {
	return Task{
		ID: t.ID, URI: t.URI, Name: t.Name, Command: t.Command, Filename: t.Filename, State: t.State,
		UpdatableBy: list(t.UpdatableBy), StartAfter: t.StartAfter, Expire: t.Expire,
		MaintenanceWindow: t.MaintenanceWindow, TPMOverride: t.TPMOverride,
		UpdateRecoverySet: t.UpdateRecoverySet, RecoveryPrivilege: t.RecoveryPrivilege,
		Result: MessageOf(t.Result), AdditionalError: MessageOf(t.AdditionalError),
		Component: t.Component, WaitTimeSeconds: t.WaitTimeSeconds, ExecutionTimeoutMinutes: t.ExecutionTimeoutMinutes,
		Targets: list(t.Targets), TaskPlacementMode: t.TaskPlacementMode, Created: t.Created, Modified: t.Modified,
	}
}

// TasksOf returns the installation queue ([] when empty).
func TasksOf(tasks []ilo.UpdateTask) []Task { return each(tasks, TaskOf) }

// MaintenanceWindow is a time range, on the iLO's clock, in which queued
// tasks may run.
type MaintenanceWindow struct {
	ID          string `json:"id"`
	URI         string `json:"uri"`
	Name        string `json:"name"`
	Description string `json:"description"`
	StartAfter  string `json:"start_after"`
	Expire      string `json:"expire"`
	Created     string `json:"created"`
	Modified    string `json:"modified"`
}

// MaintenanceWindowOf returns a window as a result shows it.
func MaintenanceWindowOf(w ilo.MaintenanceWindow) MaintenanceWindow {
	return MaintenanceWindow{ID: w.ID, URI: w.URI, Name: w.Name, Description: w.Description,
		StartAfter: w.StartAfter, Expire: w.Expire, Created: w.Created, Modified: w.Modified}
}

// MaintenanceWindowsOf returns the windows ([] when none).
func MaintenanceWindowsOf(ws []ilo.MaintenanceWindow) []MaintenanceWindow {
	return each(ws, MaintenanceWindowOf)
}

// InstallSet is a named sequence of installation steps.
type InstallSet struct {
	ID          string        `json:"id"`
	URI         string        `json:"uri"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	IsRecovery  bool          `json:"is_recovery"`
	Sequence    []InstallStep `json:"sequence"`
	PlatformID  string        `json:"platform_id"`
	Created     string        `json:"created"`
	Modified    string        `json:"modified"`
}

// InstallStep is one step of an install set.
type InstallStep struct {
	Name            string   `json:"name"`
	Command         string   `json:"command"`
	Filename        string   `json:"filename"`
	UpdatableBy     []string `json:"updatable_by"`
	WaitTimeSeconds int      `json:"wait_time_seconds"`
	// Component is the repository entry an ApplyUpdate step installs.
	Component               string   `json:"component"`
	ExecutionTimeoutMinutes int      `json:"execution_timeout_minutes"`
	Targets                 []string `json:"targets"`
}

// InstallSetOf returns an install set as a result shows it.
func InstallSetOf(s ilo.InstallSet) InstallSet {
	return InstallSet{
		ID: s.ID, URI: s.URI, Name: s.Name, Description: s.Description, IsRecovery: s.IsRecovery,
		Sequence: each(s.Sequence, InstallStepOf), PlatformID: s.PlatformID, Created: s.Created, Modified: s.Modified,
	}
}

// InstallStepOf returns a step as a result shows it.
func InstallStepOf(st ilo.InstallStep) InstallStep {
	return InstallStep{
		Name: st.Name, Command: st.Command, Filename: st.Filename, UpdatableBy: list(st.UpdatableBy),
		WaitTimeSeconds: st.WaitTimeSeconds, Component: st.Component,
		ExecutionTimeoutMinutes: st.ExecutionTimeoutMinutes, Targets: list(st.Targets),
	}
}

// InstallSetsOf returns the install sets ([] when none).
func InstallSetsOf(sets []ilo.InstallSet) []InstallSet { return each(sets, InstallSetOf) }

// each converts a list, never returning nil.
func each[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// list returns l, or [] instead of nil.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func ptr[T any](v T) *T { return &v }
