package queue

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Updater agents, the values of UpdatableBy (reference §6.1).
const (
	AgentBmc          = "Bmc"
	AgentUefi         = "Uefi"
	AgentRuntimeAgent = "RuntimeAgent"
)

// Task states (reference §6.1).
const (
	StatePending    = "Pending"
	StateInProgress = "InProgress"
	StateComplete   = "Complete"
	StateException  = "Exception"
	StateExpired    = "Expired"
	StateCanceled   = "Canceled"
)

// Component is what the Host knows about one repository component.
type Component struct {
	// URI is the component's @odata.id in the ComponentRepository; it
	// becomes the task's and the sequence item's Component property.
	URI string
	// Name is the component's display name ("iLO 5"); the default recovery
	// set names its sequence items after it.
	Name string
	// Version is the component's version string.
	Version string
	// UpdatableBy lists the agents that can apply it (Bmc, Uefi,
	// RuntimeAgent); it is the default UpdatableBy of a task.
	UpdatableBy []string
}

// Outcome is what the Host reports for one ApplyUpdate.
type Outcome struct {
	// Duration is how long, on the iLO clock, the task stays InProgress
	// before it ends (zero: it ends at once).
	Duration time.Duration
	// Failure, when not nil, makes the task end in Exception with this
	// message as its Result (for example iLO.x.UpdateFailed).
	Failure *wire.Message

	hostReboots bool // ResetServer: the host calls HostReset when it POSTs
}

// Host is what the Queue needs from the simulated iLO and server.
//
// The Queue never calls a Host method while it holds its own lock, so a
// Host method may call back into the Queue (Locked, for example). The
// caller of Queue methods must not hold a lock that Host methods take.
type Host interface {
	// Now returns the simulated iLO clock.
	Now() time.Time
	// Component looks a repository component up by its file name.
	Component(filename string) (Component, bool)
	// Apply flashes filename on behalf of agent (Bmc or Uefi; RuntimeAgent
	// when RuntimeAgentRunning says one runs), onto the task's Targets
	// (FirmwareInventory URIs; nil: every matching device). It changes
	// FirmwareInventory and, for iLO firmware, may reset the iLO.
	Apply(filename, agent string, targets []string, tpmOverride bool) Outcome
	// TPMInUse reports whether a TPM is installed and in use, in which case
	// an ApplyUpdate without TPMOverride ends in Exception.
	TPMInUse() bool
	// RuntimeAgentRunning reports whether an OS update agent (SUM/SUT/iSUT)
	// is running and takes RuntimeAgent tasks.
	RuntimeAgentRunning() bool
	// ResetServer reboots the host; it is called when a ResetServer (or
	// BootToUefi) task runs. When it returns false the Queue lets UEFI walk
	// the queue at once; true means the host reboots over time and calls
	// HostReset itself when the server POSTs (or never, when it ignores
	// the reset).
	ResetServer() (callsHostReset bool)
	// ResetBMC resets the iLO; it is called when a ResetBmc task runs.
	ResetBMC()
	// RecoveryComponents lists the repository file names that form the
	// default System Recovery Set (iLO, BIOS, CPLD, IE, SPS), in flash order.
	// New calls it once.
	RecoveryComponents() []string
}

// Privileges are the rights of the session a request comes from.
type Privileges struct {
	// SystemRecoveryConfig is iLO's "Recovery Set" privilege
	// (SystemRecoveryConfigPriv), needed to create, change or delete the
	// System Recovery Set and for UpdateRecoverySet.
	SystemRecoveryConfig bool
}

// Config fixes the per-generation differences and the limits. The zero
// value of each field takes the iLO 5 default given in its comment.
type Config struct {
	// Registries are the registry prefixes cited in MessageIds.
	Registries wire.Registries
	// ServiceURI is the UpdateService URI ("/redfish/v1/UpdateService");
	// the collections and actions below default to paths under it.
	ServiceURI string
	// TaskQueueURI defaults to ServiceURI + "/UpdateTaskQueue".
	TaskQueueURI string
	// MaintenanceWindowsURI defaults to ServiceURI + "/MaintenanceWindows".
	MaintenanceWindowsURI string
	// InstallSetsURI defaults to ServiceURI + "/InstallSets".
	InstallSetsURI string
	// ActionsURI is where the OEM bulk actions sit; it defaults to
	// ServiceURI + "/Actions/Oem/Hpe".
	ActionsURI string
	// TaskVersion is the HpeComponentUpdateTask schema version: v1_2_0
	// (default, iLO 5 ≤ 2.90), v1_4_0 (iLO 5 2.98+, adds Targets), v1_5_0
	// (iLO 7, adds TaskPlacementMode), v1_6_0 (iLO 6 1.70).
	TaskVersion string
	// InstallSetVersion is the HpeComponentInstallSet schema version: v1_1_0
	// (default), v1_3_0 (Sequence[].Targets), v1_4_0 (HostPoweroff), v1_5_0
	// (iLO 6/7).
	InstallSetVersion string
	// MaintenanceWindowVersion defaults to v1_0_1.
	MaintenanceWindowVersion string
	// TrailingSlash makes every emitted @odata.id and target end in "/"
	// (iLO 5 2.14 and 2.70 captures).
	TrailingSlash bool
	// MaxTasks caps the queue length (default 32, UNCONFIRMED).
	MaxTasks int
	// MaxInstallSets caps the install sets (default 8).
	MaxInstallSets int
	// MaxMaintenanceWindows caps the maintenance windows (default 8).
	MaxMaintenanceWindows int
	// CompleteRetention is how long a Complete task stays (default 24 h).
	CompleteRetention time.Duration
}

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.ServiceURI, "/redfish/v1/UpdateService")
	c.ServiceURI = strings.TrimSuffix(c.ServiceURI, "/")
	def(&c.TaskQueueURI, c.ServiceURI+"/UpdateTaskQueue")
	def(&c.MaintenanceWindowsURI, c.ServiceURI+"/MaintenanceWindows")
	def(&c.InstallSetsURI, c.ServiceURI+"/InstallSets")
	def(&c.ActionsURI, c.ServiceURI+"/Actions/Oem/Hpe")
	for _, s := range []*string{&c.TaskQueueURI, &c.MaintenanceWindowsURI, &c.InstallSetsURI, &c.ActionsURI} {
		*s = strings.TrimSuffix(*s, "/")
	}
	def(&c.TaskVersion, "v1_2_0")
	def(&c.InstallSetVersion, "v1_1_0")
	def(&c.MaintenanceWindowVersion, "v1_0_1")
	def(&c.Registries.Base, "Base.1.4")
	def(&c.Registries.ILO, "iLO.2.14")
	if c.MaxTasks <= 0 {
		c.MaxTasks = 32
	}
	if c.MaxInstallSets <= 0 {
		c.MaxInstallSets = 8
	}
	if c.MaxMaintenanceWindows <= 0 {
		c.MaxMaintenanceWindows = 8
	}
	if c.CompleteRetention <= 0 {
		c.CompleteRetention = 24 * time.Hour
	}
	return c
}

// minor returns the minor number of a "v1_4_0" schema version.
func minor(v string) int {
	parts := strings.Split(strings.TrimPrefix(v, "v"), "_")
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}

// Queue is the update task queue, the maintenance windows and the install
// sets of one simulated iLO. Create it with New; it is safe for concurrent
// use.
type Queue struct {
	cfg  Config
	host Host

	mu       sync.Mutex
	tasks    []*task // queue order
	windows  []*window
	sets     []*installSet
	seq      uint64    // feeds the Ids of tasks and install sets
	last     time.Time // iLO time processing has reached
	uefiPass bool      // the host has just reset: UEFI walks the queue
}

// New returns the Queue of one iLO. It calls host.RecoveryComponents and
// host.Component to build the default System Recovery Set, so the
// repository must hold its initial components already.
func New(cfg Config, host Host) *Queue {
	q := &Queue{cfg: cfg.withDefaults(), host: host}
	now := host.Now().UTC()
	q.last = now
	var seq []seqItem
	for _, f := range host.RecoveryComponents() {
		c, ok := host.Component(f)
		if !ok {
			continue
		}
		name := c.Name
		if name == "" {
			name = f
		}
		seq = append(seq, seqItem{Name: name, Command: "ApplyUpdate", Filename: f,
			Component: c.URI, UpdatableBy: []string{AgentBmc}})
	}
	if len(seq) > 0 {
		s := &installSet{Name: "System Recovery Set", Description: "Essential System Firmware Components",
			IsRecovery: true, Sequence: seq, Created: now, Modified: now}
		s.ID = q.newID(s.Name)
		q.sets = append(q.sets, s)
	}
	return q
}

// newID returns 8 hex digits derived from name and a counter, so that a
// re-created or PATCHed resource gets a fresh Id. Caller holds q.mu or owns q.
func (q *Queue) newID(name string) string {
	for {
		q.seq++
		id := hashID(fmt.Sprintf("%s\x00%d", name, q.seq))
		if q.findTask(id) == nil && q.findSet(id) == nil {
			return id
		}
	}
}

// hashID returns 8 lower-case hex digits of a 32-bit FNV-1a hash of s.
func hashID(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// Locked returns the names of the tasks and install sets that reference
// filename (compared case-insensitively, as iLOrest does), in queue order
// then set order. The repository shows Locked while it is not empty and
// refuses to delete or overwrite the file.
func (q *Queue) Locked(filename string) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var names []string
	for _, t := range q.tasks {
		if t.Filename != "" && strings.EqualFold(t.Filename, filename) {
			names = append(names, t.Name)
		}
	}
	for _, s := range q.sets {
		for _, it := range s.Sequence {
			if it.Filename != "" && strings.EqualFold(it.Filename, filename) {
				names = append(names, s.Name)
				break
			}
		}
	}
	return names
}

// HostReset tells the Queue that the host rebooted (a reset outside the
// queue, such as ComputerSystem.Reset): UEFI walks the queue on the next Tick.
func (q *Queue) HostReset() {
	q.mu.Lock()
	q.uefiPass = true
	q.mu.Unlock()
}

// TaskSummary is one task in a Snapshot.
type TaskSummary struct {
	ID, Name, Command, Filename, State string
	UpdatableBy                        []string
	Result                             string `json:",omitempty"`
}

// Snapshot is a plain dump of the Queue for /_sim/state and tests.
type Snapshot struct {
	Tasks              []TaskSummary
	MaintenanceWindows []string // Ids
	InstallSets        []string // Names
}

// Snapshot returns the current state in queue order.
func (q *Queue) Snapshot() Snapshot {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := Snapshot{Tasks: []TaskSummary{}, MaintenanceWindows: []string{}, InstallSets: []string{}}
	for _, t := range q.tasks {
		ts := TaskSummary{ID: t.ID, Name: t.Name, Command: t.Command, Filename: t.Filename,
			State: t.State, UpdatableBy: append([]string(nil), t.UpdatableBy...)}
		if t.Result != nil {
			ts.Result = t.Result.MessageID
		}
		s.Tasks = append(s.Tasks, ts)
	}
	for _, w := range q.windows {
		s.MaintenanceWindows = append(s.MaintenanceWindows, w.ID)
	}
	for _, st := range q.sets {
		s.InstallSets = append(s.InstallSets, st.Name)
	}
	return s
}
