package ilo

import (
	"context"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Paths into the UpdateService (reference §1.2–§1.5).
const (
	pathUSID                   = `@odata\.id`
	pathUSState                = "Oem.Hpe.State"
	pathUSProgress             = "Oem.Hpe.FlashProgressPercent"
	pathUSResult               = "Oem.Hpe.Result"
	pathUSAdditionalError      = "Oem.Hpe.AdditionalErrorDetails"
	pathUSUploadEtag           = "Oem.Hpe.UploadCurrentEtag"
	pathUSCurrentTime          = "Oem.Hpe.CurrentTime"
	pathUSCapabilities         = "Oem.Hpe.Capabilities"
	pathUSAccept3rdParty       = "Oem.Hpe.Accept3rdPartyFirmware"
	pathUSDowngradePolicy      = "Oem.Hpe.DowngradePolicy"
	pathUSHTTPPush             = "HttpPushUri"
	pathUSMultipartPush        = "MultipartHttpPushUri"
	pathUSSimpleUpdate         = `Actions.\#UpdateService\.SimpleUpdate.target`
	pathUSTransferProtocols    = `Actions.\#UpdateService\.SimpleUpdate.TransferProtocol@Redfish\.AllowableValues`
	pathUSFirmwareInventory    = `FirmwareInventory.@odata\.id`
	pathUSSoftwareInventory    = `SoftwareInventory.@odata\.id`
	pathUSComponentRepository  = `Oem.Hpe.ComponentRepository.@odata\.id`
	pathUSInstallSets          = `Oem.Hpe.InstallSets.@odata\.id`
	pathUSUpdateTaskQueue      = `Oem.Hpe.UpdateTaskQueue.@odata\.id`
	pathUSMaintenanceWindows   = `Oem.Hpe.MaintenanceWindows.@odata\.id`
	pathUSInvalidImages        = `Oem.Hpe.InvalidImageRepository.@odata\.id`
	pathUSFirmwareIntegrity    = "Oem.Hpe.FirmwareIntegrity"
	pathUSOemActionsDocumented = "Oem.Hpe.Actions" // every HPE doc and capture
	pathUSOemActionsAlt        = "Actions.Oem.Hpe" // reported on a live iLO 6 (reference §1.2, 3P-PCLI)
	oemActionPrefix            = "#HpeiLOUpdateServiceExt."
)

// Update service states (Oem.Hpe.State, reference §1.5).
const (
	StateIdle      = "Idle"
	StateUploading = "Uploading"
	StateVerifying = "Verifying"
	StateWriting   = "Writing"
	StateUpdating  = "Updating"
	StateComplete  = "Complete"
	StateError     = "Error"
)

// UpdateService is GET {root.UpdateService}: the state of uploads and
// flashes, where to push files, the action targets and the links to the
// repository, queue, install sets and windows.
type UpdateService struct {
	URI string
	// State is Oem.Hpe.State: Idle, Uploading, Verifying, Writing, Updating,
	// Complete or Error. Complete and Error are sticky until the next operation.
	State string
	// FlashProgressPercent is meaningful only while State is Updating.
	FlashProgressPercent *int
	// Result explains the last Complete or Error (Oem.Hpe.Result).
	Result *Message
	// AdditionalError is Oem.Hpe.AdditionalErrorDetails (iLO 6 1.69+).
	AdditionalError *Message
	// UploadCurrentEtag echoes the tag of the last upload, so that a client
	// can tell that State belongs to its own operation.
	UploadCurrentEtag string
	CurrentTime       string
	Capabilities      map[string]any
	// Accept3rdPartyFirmware must be true to flash third-party packages.
	Accept3rdPartyFirmware bool
	DowngradePolicy        string
	// FirmwareIntegrity is Oem.Hpe.FirmwareIntegrity as the iLO sent it.
	FirmwareIntegrity map[string]any
	// HttpPushUri is iLO's upload form (/cgi-bin/uploadFile on iLO 5).
	HttpPushUri string
	// MultipartHttpPushUri is the DMTF multipart push, when advertised.
	MultipartHttpPushUri string
	TransferProtocols    []string
	Actions              UpdateActions
	Links                UpdateLinks
	ETag                 string
}

// UpdateActions are the targets of the update service's actions ("" when the
// iLO does not offer one). The OEM ones are looked up under Oem.Hpe.Actions
// and under Actions.Oem.Hpe.
type UpdateActions struct {
	SimpleUpdate                string
	AddFromUri                  string
	DeleteInstallSets           string
	DeleteMaintenanceWindows    string
	DeleteUnlockedComponents    string
	DeleteUpdateTaskQueueItems  string
	StartFirmwareIntegrityCheck string
}

// UpdateLinks are the collections below the update service.
type UpdateLinks struct {
	FirmwareInventory      string
	SoftwareInventory      string
	ComponentRepository    string
	InstallSets            string
	UpdateTaskQueue        string
	MaintenanceWindows     string
	InvalidImageRepository string
}

// ParseUpdateService reads an UpdateService body.
func ParseUpdateService(body []byte) (UpdateService, error) {
	r, err := parseObject(body)
	if err != nil {
		return UpdateService{}, fmt.Errorf("parse update service: %w", err)
	}
	caps, _ := r.Get(pathUSCapabilities).Value().(map[string]any)
	integrity, _ := r.Get(pathUSFirmwareIntegrity).Value().(map[string]any)
	return UpdateService{
		URI:                    r.Get(pathUSID).String(),
		State:                  r.Get(pathUSState).String(),
		FlashProgressPercent:   optInt(r.Get(pathUSProgress)),
		Result:                 optMessage(r.Get(pathUSResult)),
		AdditionalError:        optMessage(r.Get(pathUSAdditionalError)),
		UploadCurrentEtag:      r.Get(pathUSUploadEtag).String(),
		CurrentTime:            r.Get(pathUSCurrentTime).String(),
		Capabilities:           caps,
		Accept3rdPartyFirmware: r.Get(pathUSAccept3rdParty).Bool(),
		DowngradePolicy:        r.Get(pathUSDowngradePolicy).String(),
		FirmwareIntegrity:      integrity,
		HttpPushUri:            r.Get(pathUSHTTPPush).String(),
		MultipartHttpPushUri:   r.Get(pathUSMultipartPush).String(),
		TransferProtocols:      stringList(r.Get(pathUSTransferProtocols)),
		Actions: UpdateActions{
			SimpleUpdate:                r.Get(pathUSSimpleUpdate).String(),
			AddFromUri:                  oemAction(r, "AddFromUri"),
			DeleteInstallSets:           oemAction(r, "DeleteInstallSets"),
			DeleteMaintenanceWindows:    oemAction(r, "DeleteMaintenanceWindows"),
			DeleteUnlockedComponents:    oemAction(r, "DeleteUnlockedComponents"),
			DeleteUpdateTaskQueueItems:  oemAction(r, "DeleteUpdateTaskQueueItems"),
			StartFirmwareIntegrityCheck: oemAction(r, "StartFirmwareIntegrityCheck"),
		},
		Links: UpdateLinks{
			FirmwareInventory:      r.Get(pathUSFirmwareInventory).String(),
			SoftwareInventory:      r.Get(pathUSSoftwareInventory).String(),
			ComponentRepository:    r.Get(pathUSComponentRepository).String(),
			InstallSets:            r.Get(pathUSInstallSets).String(),
			UpdateTaskQueue:        r.Get(pathUSUpdateTaskQueue).String(),
			MaintenanceWindows:     r.Get(pathUSMaintenanceWindows).String(),
			InvalidImageRepository: r.Get(pathUSInvalidImages).String(),
		},
		ETag: r.Get(pathETag).String(),
	}, nil
}

// oemAction finds the target of #HpeiLOUpdateServiceExt.<name>, first where
// every HPE document puts it (Oem.Hpe.Actions), then where a live iLO 6 was
// reported to put it (Actions.Oem.Hpe).
func oemAction(r gjson.Result, name string) string {
	key := gjsonKey(oemActionPrefix+name) + ".target"
	for _, base := range []string{pathUSOemActionsDocumented, pathUSOemActionsAlt} {
		if t := r.Get(base + "." + key).String(); t != "" {
			return t
		}
	}
	return ""
}

// gjsonKey escapes a JSON key for use as one element of a gjson path.
func gjsonKey(k string) string {
	var b strings.Builder
	for _, ch := range k {
		switch ch {
		case '.', '*', '?', '|', '#', '@', '\\', '!', '=', '<', '>', '%':
			b.WriteByte('\\')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// Busy reports whether the service is receiving, verifying, writing or
// flashing something, so that a new upload would be refused.
func (u UpdateService) Busy() bool {
	switch strings.ToLower(u.State) {
	case "", "idle", "complete", "completed", "error":
		return false
	}
	return true
}

// Finished reports whether the last operation ended (Complete or Error).
func (u UpdateService) Finished() bool {
	s := strings.ToLower(u.State)
	return s == "complete" || s == "completed" || s == "error"
}

// Failed reports whether the last operation ended in Error.
func (u UpdateService) Failed() bool { return strings.EqualFold(u.State, StateError) }

// Capability reports whether Oem.Hpe.Capabilities has name set to true.
func (u UpdateService) Capability(name string) bool {
	v, _ := u.Capabilities[name].(bool)
	return v
}

// UpdateService reads the update service:
// GET {root.UpdateService} (/redfish/v1/UpdateService/ on iLO 5).
func (c *Client) UpdateService(ctx context.Context) (UpdateService, error) {
	uri := c.Root().UpdateService
	if uri == "" {
		return UpdateService{}, fmt.Errorf("read update service: the service root has no UpdateService link")
	}
	resp, err := c.getObject(ctx, uri)
	if err != nil {
		return UpdateService{}, err
	}
	us, err := ParseUpdateService(resp.body)
	if err != nil {
		return UpdateService{}, err
	}
	if us.URI == "" {
		us.URI = uri
	}
	c.mu.Lock()
	c.update = &us
	c.mu.Unlock()
	return us, nil
}

// updateLinks returns the update service's links and action targets, read
// once per client (they do not change while the iLO runs).
func (c *Client) updateLinks(ctx context.Context) (UpdateLinks, error) {
	us, err := c.cachedUpdateService(ctx)
	return us.Links, err
}

// cachedUpdateService returns the last UpdateService read, reading it when
// there is none. Use it for links and action targets, never for State.
func (c *Client) cachedUpdateService(ctx context.Context) (UpdateService, error) {
	c.mu.Lock()
	us := c.update
	c.mu.Unlock()
	if us != nil {
		return *us, nil
	}
	return c.UpdateService(ctx)
}
