package ilosim

import (
	"net/http"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Values of Systems/1 PowerState and Oem.Hpe.PostState (2.55 and 2.70
// captures: "On", "FinishedPost").
const (
	PowerOn         = "On"
	PowerOff        = "Off"
	PostFinished    = "FinishedPost"
	PostInPost      = "InPost"
	PostPowerOff    = "PowerOff"
	DefaultShutdown = 30 * time.Second
	DefaultPowerGap = 5 * time.Second
	DefaultPOSTTime = 90 * time.Second
)

// ServerTimes are the simulated durations of the host's power sequence.
type ServerTimes struct {
	// Shutdown is how long a graceful shutdown takes before power is off.
	Shutdown time.Duration
	// PowerGap is how long power stays off within a restart.
	PowerGap time.Duration
	// POST is how long the server stays InPost after power-on; pending
	// UEFI components activate as POST begins.
	POST time.Duration
}

// WithServerTimes sets the host's power-sequence durations (simulated;
// zero fields keep the defaults 30 s, 5 s and 90 s).
func WithServerTimes(st ServerTimes) Option {
	return func(i *ILO) {
		if st.Shutdown > 0 {
			i.server.times.Shutdown = st.Shutdown
		}
		if st.PowerGap > 0 {
			i.server.times.PowerGap = st.PowerGap
		}
		if st.POST > 0 {
			i.server.times.POST = st.POST
		}
	}
}

// powerStep is one scheduled transition of the host.
type powerStep struct {
	at          time.Time
	power, post string
	boot        bool // power-on: UEFI processes its queue items in this POST
}

// server is the simulated host behind the iLO (Systems/1).
type server struct {
	times       ServerTimes
	power, post string
	steps       []powerStep
	boots       int
	tpm         bool
	noAgent     bool   // WithoutOSAgent: no AMS in the host OS
	onBoot      func() // the task queue's HostReset; runs under the iLO lock
}

func newServer() server {
	return server{times: ServerTimes{Shutdown: DefaultShutdown, PowerGap: DefaultPowerGap, POST: DefaultPOSTTime},
		power: PowerOn, post: PostFinished}
}

// powerDueLocked performs the host transitions whose time has come.
func (i *ILO) powerDueLocked(now time.Time) {
	s := &i.server
	for len(s.steps) > 0 && !now.Before(s.steps[0].at) {
		st := s.steps[0]
		s.steps = s.steps[1:]
		s.power, s.post = st.power, st.post
		if st.boot {
			s.boots++
			i.activatePendingLocked()
			if s.onBoot != nil {
				s.onBoot()
			}
		}
	}
}

// bootStepsFrom returns power-on at t followed by the end of POST.
func (i *ILO) bootStepsFrom(t time.Time) []powerStep {
	return []powerStep{
		{at: t, power: PowerOn, post: PostInPost, boot: true},
		{at: t.Add(i.server.times.POST), power: PowerOn, post: PostFinished},
	}
}

// resetSystemLocked runs ComputerSystem.Reset resetType (reference: DMTF
// ResetType; iLO lists On, ForceOff, GracefulShutdown, ForceRestart, Nmi,
// PushPowerButton, GracefulRestart). It returns the refusal, if any.
func (i *ILO) resetSystemLocked(now time.Time, resetType string) *wire.Message {
	reg := i.prof.Registries
	s := &i.server
	on := s.power == PowerOn
	wrongState := func() *wire.Message {
		m := reg.ILOMsg("InvalidOperationForSystemState", resetType)
		return &m
	}
	if resetType == "PushPowerButton" {
		resetType = "On"
		if on {
			resetType = "GracefulShutdown"
		}
	}
	t := i.server.times
	var steps []powerStep
	switch resetType {
	case "On":
		if on {
			return wrongState()
		}
		steps = i.bootStepsFrom(now)
	case "ForceOff", "GracefulShutdown":
		if !on {
			return wrongState()
		}
		at := now
		if resetType == "GracefulShutdown" {
			at = now.Add(t.Shutdown)
		}
		steps = []powerStep{{at: at, power: PowerOff, post: PostPowerOff}}
	case "ForceRestart", "GracefulRestart":
		if !on {
			return wrongState()
		}
		off := now
		if resetType == "GracefulRestart" {
			off = now.Add(t.Shutdown)
		}
		steps = append([]powerStep{{at: off, power: PowerOff, post: PostPowerOff}}, i.bootStepsFrom(off.Add(t.PowerGap))...)
	case "Nmi":
		if !on {
			return wrongState()
		}
		return nil
	default:
		m := reg.BaseMsg("ActionParameterNotSupported", resetType, "ResetType")
		return &m
	}
	if i.serverResetIgnoredLocked() {
		return nil // accepted; the server does not react
	}
	s.steps = steps
	i.powerDueLocked(now)
	return nil
}

func (i *ILO) serverResetIgnoredLocked() bool {
	return i.faults.ServerResetIgnored != nil && *i.faults.ServerResetIgnored
}

// ResetServer reboots the host for the task queue's ResetServer (and
// BootToUefi) step: a ForceRestart when it runs, a power-on when it is off.
// UEFI processes its queue items when the server POSTs.
func (i *ILO) ResetServer() {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tickLocked(now)
	rt := "ForceRestart"
	if i.server.power == PowerOff {
		rt = "On"
	}
	_ = i.resetSystemLocked(now, rt)
}

// systemReset answers POST Systems/1/Actions/ComputerSystem.Reset.
func (i *ILO) systemReset(w http.ResponseWriter, r *Request) {
	var body struct{ ResetType string }
	if !i.decodeBody(w, r.Request, &body) {
		return
	}
	if body.ResetType == "" {
		wire.WriteError(w, http.StatusBadRequest, i.prof.Registries.BaseMsg("ActionParameterMissing", "ComputerSystem.Reset", "ResetType"))
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	i.tickLocked(now)
	m := i.resetSystemLocked(now, body.ResetType)
	i.mu.Unlock()
	if m != nil {
		wire.WriteError(w, http.StatusBadRequest, *m)
		return
	}
	wire.WriteSuccess(w, i.prof.Registries)
}

// deviceDiscoveryLocked is Systems/1 Oem.Hpe.DeviceDiscoveryComplete for
// the host's state (the 2.46 values with the agent running once POST is
// finished; the in-POST and powered-off values are UNCONFIRMED, doc.go).
func (i *ILO) deviceDiscoveryLocked() map[string]any {
	switch {
	case i.server.power == PowerOff:
		return map[string]any{"AMSDeviceDiscovery": "NoAMS", "DeviceDiscovery": "vAuxDeviceDiscoveryComplete", "SmartArrayDiscovery": "Initial"}
	case i.server.post != PostFinished:
		return map[string]any{"AMSDeviceDiscovery": "NoAMS", "DeviceDiscovery": "Busy", "SmartArrayDiscovery": "Busy"}
	}
	ams := "Complete"
	if i.server.noAgent {
		ams = "NoAMS"
	}
	return map[string]any{"AMSDeviceDiscovery": ams, "DeviceDiscovery": "vMainDeviceDiscoveryComplete", "SmartArrayDiscovery": "Complete"}
}

// agentRunningLocked reports whether the host OS and its management agent
// (AMS) run: the server is on and past POST.
func (i *ILO) agentRunningLocked() bool {
	return !i.server.noAgent && i.server.power == PowerOn && i.server.post == PostFinished
}

// WithoutOSAgent runs the host OS without HPE's management agent (AMS), as
// in the 2.55 and 2.70 captures: SoftwareInventory stays empty and
// DeviceDiscoveryComplete says NoAMS.
func WithoutOSAgent() Option { return func(i *ILO) { i.server.noAgent = true } }

// WithStagedActivation keeps a direct (Bmc) flash of a component that
// activates at reboot (Activates AfterReboot or AfterHardPowerCycle: System
// ROM, CPLD, most Smart Components) pending: FirmwareInventory shows the
// old version until the host's next power-on. Off by default (the fault
// staged_activation switches it at run time).
func WithStagedActivation() Option { return func(i *ILO) { i.staged = true } }

func (i *ILO) stagedActivationLocked() bool {
	if f := i.faults.StagedActivation; f != nil {
		return *f
	}
	return i.staged
}

// activatesAtBoot reports whether an image takes effect at the host's next
// boot rather than at once.
func activatesAtBoot(info ImageInfo) bool {
	if info.IsILO() {
		return false
	}
	a := info.Activates
	if a == "" {
		a = defaultActivates(info.Kind)
	}
	return a == testimage.AfterReboot || a == testimage.AfterHardPowerCycle
}

// activatePendingLocked makes the staged versions current (power-on).
func (i *ILO) activatePendingLocked() {
	if len(i.pendingInv) == 0 {
		return
	}
	if i.inv == nil {
		i.inv = map[string]string{}
	}
	for id, v := range i.pendingInv {
		i.inv[id] = v
	}
	i.pendingInv = nil
}
