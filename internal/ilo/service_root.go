package ilo

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// Paths into the service root, GET /redfish/v1/ (reference §1.1).
const (
	pathRootSessions       = `Links.Sessions.@odata\.id`
	pathRootSessionService = `SessionService.@odata\.id`
	pathRootUpdateService  = `UpdateService.@odata\.id`
	pathRootManagers       = `Managers.@odata\.id`
	pathRootTasks          = `Tasks.@odata\.id` // the TaskService link is named Tasks
	pathRootSystems        = `Systems.@odata\.id`
	pathRootExpand         = "ProtocolFeaturesSupported.ExpandQuery"
	pathRootManagerType    = "Oem.Hpe.Manager.0.ManagerType"
	pathRootManagerFW      = "Oem.Hpe.Manager.0.ManagerFirmwareVersion"
	pathRootProduct        = "Product"
	pathRootRedfishVersion = "RedfishVersion"
	pathRootUUID           = "UUID"
	pathRootLoginDelay     = "Oem.Hpe.Sessions.LoginFailureDelay"
)

// ServiceRoot is what the client learns from GET /redfish/v1/ before it
// logs in: the links below which every other URI is found, and whether
// collections can be read in one request.
type ServiceRoot struct {
	// Sessions is Links.Sessions, where sessions are created.
	Sessions       string
	SessionService string
	UpdateService  string
	Managers       string
	// TaskService is the root's "Tasks" link.
	TaskService string
	Systems     string
	// Expand is true when ProtocolFeaturesSupported.ExpandQuery says that
	// $expand=. works (iLO expands one level; reference §1.6).
	Expand bool
	// ManagerType ("iLO 5") and ManagerFirmwareVersion ("2.70"; "1.12.00" on
	// iLO 7) come from Oem.Hpe.Manager[0].
	ManagerType            string
	ManagerFirmwareVersion string
	Product                string
	RedfishVersion         string
	UUID                   string
	// LoginFailureDelay is the iLO's delay after a failed login, in seconds.
	LoginFailureDelay int
}

// ParseServiceRoot reads a service root body.
func ParseServiceRoot(body []byte) (ServiceRoot, error) {
	r, err := parseObject(body)
	if err != nil {
		return ServiceRoot{}, fmt.Errorf("parse service root: %w", err)
	}
	x := r.Get(pathRootExpand)
	return ServiceRoot{
		Sessions:               r.Get(pathRootSessions).String(),
		SessionService:         r.Get(pathRootSessionService).String(),
		UpdateService:          r.Get(pathRootUpdateService).String(),
		Managers:               r.Get(pathRootManagers).String(),
		TaskService:            r.Get(pathRootTasks).String(),
		Systems:                r.Get(pathRootSystems).String(),
		Expand:                 x.IsObject() && (x.Get("ExpandAll").Bool() || x.Get("Levels").Bool() || x.Get("NoLinks").Bool() || x.Get("Links").Bool()),
		ManagerType:            r.Get(pathRootManagerType).String(),
		ManagerFirmwareVersion: r.Get(pathRootManagerFW).String(),
		Product:                r.Get(pathRootProduct).String(),
		RedfishVersion:         r.Get(pathRootRedfishVersion).String(),
		UUID:                   r.Get(pathRootUUID).String(),
		LoginFailureDelay:      int(r.Get(pathRootLoginDelay).Int()),
	}, nil
}

// parseObject checks that body is a JSON object and returns it.
func parseObject(body []byte) (gjson.Result, error) {
	// Answers were checked as they were read; bodies from elsewhere are
	// checked here, before gjson's recursive validator sees them.
	if jsonDepth(body, MaxDepth) > MaxDepth || !gjson.ValidBytes(body) {
		return gjson.Result{}, errNotJSON
	}
	r := gjson.ParseBytes(body)
	if !r.IsObject() {
		return gjson.Result{}, errNotObject
	}
	return r, nil
}

// strings returns a JSON array of strings as a Go slice (nil when absent).
func stringList(r gjson.Result) []string {
	if !r.IsArray() {
		return nil
	}
	var out []string
	r.ForEach(func(_, v gjson.Result) bool {
		out = append(out, v.String())
		return true
	})
	return out
}

// optInt returns a pointer to the integer at r, nil when absent or null.
func optInt(r gjson.Result) *int {
	if r.Type != gjson.Number {
		return nil
	}
	n := int(r.Int())
	return &n
}

// optMessage reads a {MessageId, MessageArgs} object such as Oem.Hpe.Result.
func optMessage(r gjson.Result) *Message {
	id := r.Get("MessageId").String()
	if id == "" {
		return nil
	}
	m := NewMessage(id, stringList(r.Get("MessageArgs"))...)
	return &m
}
