package rollout

import (
	"time"

	"github.com/fleetfw/ilo/internal/fwplan"
)

// Reboot policies: what activates at reboot is left pending (none), the
// server is restarted through ComputerSystem.Reset (graceful, force), or
// someone else restarts it and the rollout only waits (wait_external).
const (
	RebootNone     = "none"
	RebootGraceful = "graceful"
	RebootForce    = "force"
	RebootExternal = "wait_external"
)

// Phases of one iLO. The first five are worked through; the wait phases
// are those of the role's former wait_state.json.j2; the last ones end the
// iLO's rollout (Finished).
const (
	PhasePlan          = "plan"           // nothing read yet
	PhaseStage         = "stage"          // files the repository lacks are being sent or downloaded
	PhaseInstallSet    = "install_set"    // the set (and window) are kept next
	PhaseInvoke        = "invoke"         // the set is invoked next
	PhaseFlashing      = "flashing"       // tasks of the set Pending or InProgress
	PhaseILOReset      = "ilo_reset"      // the iLO does not answer (its own reset after an iLO flash?)
	PhaseActivating    = "activating"     // tasks ended, an item not at its target yet (no reboot needed)
	PhaseRebooting     = "rebooting"      // only items that activate at reboot are left
	PhaseDone          = "done"           // every planned item at its target (or nothing to do)
	PhasePendingReboot = "pending_reboot" // reboot none: flashed, activates at the next reboot
	PhaseScheduled     = "scheduled"      // invoked in a maintenance window: not waited for
	PhaseQueued        = "queued"         // invoked, wait false
	PhaseStaged        = "staged"         // staged and set kept, invoke false
	PhasePlanned       = "planned"        // check mode: planned only
	PhaseFailed        = "failed"         // reason says why
)

// Host statuses of a Result.
const (
	StatusDone    = "done"
	StatusPending = "pending"
	StatusFailed  = "failed"
)

// Component results of a Component.
const (
	ResultCurrent       = "current"
	ResultUpdated       = "updated"
	ResultPendingReboot = "pending_reboot"
	ResultQueued        = "queued"
	ResultScheduled     = "scheduled"
	ResultPlanned       = "planned"
	ResultFailed        = "failed"
	ResultSkipped       = "skipped"
)

// Window is the maintenance window the set is invoked in (Name "" : none),
// created or updated as fleetfw.ilo.maintenance_window does.
type Window struct {
	Name        string
	StartAfter  string
	Expire      string
	Description string
}

// Options are the rollout's settings, the same for every iLO.
type Options struct {
	// CatalogURL is where the iLOs download the catalog's files from
	// (<url>/<file>, AddFromUri); "" pushes the local files.
	CatalogURL            string
	AllowDowngrade        bool
	InstallSetName        string
	InstallSetDescription string
	Window                Window
	Stage, Invoke, Wait   bool
	ClearTaskQueue        bool
	// Reboot is RebootNone, RebootGraceful, RebootForce or RebootExternal.
	Reboot string
	// PollInterval is the pause between two readings of one iLO.
	PollInterval time.Duration
	// WaitTimeout bounds the wait from the invocation on; RebootTimeout the
	// wait for the reboot; ILOResetTimeout how long the iLO may stay dark.
	WaitTimeout, RebootTimeout, ILOResetTimeout time.Duration
	// CheckMode plans only and writes nothing.
	CheckMode bool
	// Slots bounds the iLOs worked on at once (nil: no bound): Advance
	// holds a slot while it works on its iLO and gives it up while it
	// pauses between readings, so that a pause never keeps another iLO
	// waiting. Its capacity is the module's parallel.
	Slots chan struct{}
}

// State is what the rollout knows of one iLO between two calls (the
// module's `state` option and return value). It is plain JSON and holds no
// secret. Times are Unix seconds.
type State struct {
	// Round counts the calls that worked on the iLO.
	Round int    `json:"round"`
	Phase string `json:"phase"`
	// Finished is true once the phase ends the iLO's rollout.
	Finished bool   `json:"finished"`
	Reason   string `json:"reason"`
	// Line is the last progress line.
	Line string `json:"line"`
	// Started is when the iLO was planned; StartedAt the same as text.
	Started   float64 `json:"started"`
	StartedAt string  `json:"started_at"`
	// Invoked is true once the set was invoked (or found invoked).
	Invoked bool `json:"invoked"`
	// WaitStarted is when the wait began (the invocation).
	WaitStarted float64 `json:"wait_started"`
	// Plan is the plan made on the first call: every inventory item.
	Plan []fwplan.Step `json:"plan"`
	// Files are the files the plan installs, in install order.
	Files  []fwplan.File `json:"files"`
	Server fwplan.Server `json:"server"`
	// ServerAfter is the server as the last plan read it.
	ServerAfter *fwplan.Server `json:"server_after"`
	// Staging is a download the iLO is busy with (pull mode).
	Staging *Staging `json:"staging"`
	// DarkSince is when the iLO stopped answering (nil: it answers).
	DarkSince   *float64 `json:"dark_since"`
	ResetSent   bool     `json:"reset_sent"`
	ResetAt     *float64 `json:"reset_at"`
	RebootSince *float64 `json:"reboot_since"`
	// CurrentAt is when the plan first saw each item (by key) at its target.
	CurrentAt map[string]float64 `json:"current_at"`
	// Checked is each planned item as the last plan saw it.
	Checked []Checked `json:"checked"`
	// Tasks are the set's tasks as the queue showed them last.
	Tasks []Task `json:"tasks"`
}

// Staging is one AddFromUri the iLO was asked for.
type Staging struct {
	File  string  `json:"file"`
	Tag   string  `json:"tag"`
	Since float64 `json:"since"`
}

// Checked is a planned item as the plan read again saw it.
type Checked struct {
	Key            string  `json:"key"`
	Name           string  `json:"name"`
	DeviceContext  string  `json:"device_context"`
	File           *string `json:"file"`
	RebootRequired bool    `json:"reboot_required"`
	// Version is what the item runs now (nil: the plan has no such item).
	Version *string `json:"version"`
	Current bool    `json:"current"`
}

// Task is a task of the set in the installation queue.
type Task struct {
	Name     string `json:"name"`
	Filename string `json:"filename"`
	State    string `json:"state"`
}

// Result is one iLO's outcome, as the role's result.json.j2 wrote it.
type Result struct {
	Host        string        `json:"host"`
	BaseURI     string        `json:"baseuri"`
	Server      fwplan.Server `json:"server"`
	ServerAfter fwplan.Server `json:"server_after"`
	// Status is done, pending (an item pending a reboot, queued, scheduled
	// or planned, or the iLO not finished) or failed.
	Status string `json:"status"`
	Phase  string `json:"phase"`
	Reason string `json:"reason"`
	// Activated is true when the set was invoked, or nothing had to be.
	Activated bool `json:"activated"`
	// Installed counts the items updated and verified.
	Installed  int         `json:"installed"`
	Started    string      `json:"started"`
	Duration   int         `json:"duration"`
	Components []Component `json:"components"`
	// Files are the files the plan installs, in install order, with their
	// sizes (what staging sends or has the iLO download).
	Files []fwplan.File `json:"files"`
}

// Component is one inventory item of the plan, as the role's
// catalog_report.json.j2 wrote it.
type Component struct {
	Name           string  `json:"name"`
	DeviceContext  string  `json:"device_context"`
	DeviceClass    string  `json:"device_class"`
	File           *string `json:"file"`
	Action         string  `json:"action"`
	Install        bool    `json:"install"`
	RebootRequired bool    `json:"reboot_required"`
	Before         string  `json:"before"`
	Target         *string `json:"target"`
	After          *string `json:"after"`
	// Result is current, updated, pending_reboot, queued, scheduled,
	// planned, failed or skipped.
	Result string `json:"result"`
	// Duration is seconds from the invocation until the plan first saw the
	// item at its target (nil: not seen).
	Duration *int   `json:"duration"`
	Reason   string `json:"reason"`
	Line     string `json:"line"`
}
