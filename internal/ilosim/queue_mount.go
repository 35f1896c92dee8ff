package ilosim

import (
	"net/http"
	"slices"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/queue"
	"github.com/fleetfw/ilo/internal/testimage"
)

// systemResetPath is the ComputerSystem.Reset target Systems/1 advertises.
const systemResetPath = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"

// mountQueue gives the iLO its update task queue, maintenance windows and
// install sets (package queue): the Queue answers their URIs and the three
// bulk actions before the dispatch table, runs on every request's tick,
// locks the repository files it references, and learns of host reboots
// when the simulated server POSTs. New calls it once, after the options.
func (i *ILO) mountQueue() {
	q := queue.New(queueConfig(i.prof), queueHost{i})
	i.SetLockedFunc(func(filename string) bool { return len(q.Locked(filename)) > 0 })
	i.AddTicker(q.Tick)
	i.Mount(func(w http.ResponseWriter, r *Request) bool {
		return q.Handle(w, r.Request, queue.Privileges{SystemRecoveryConfig: r.Privileges[PrivRecoverySet]})
	})
	i.mu.Lock()
	i.server.onBoot = q.HostReset // UEFI processes its queue items during POST
	i.mu.Unlock()
	i.Handle(systemResetPath, map[string]HandlerFunc{http.MethodPost: i.systemReset})
}

// queueConfig maps a profile to the queue's schema versions (reference §6.1,
// §8.1, §10): iLO 5 2.70 serves HpeComponentUpdateTask v1_2_0 and
// HpeComponentInstallSet v1_1_0 (captured schemas); iLO 6 1.70 v1_6_0 and
// v1_5_0; iLO 7 1.14 v1_5_0 and v1_5_0.
func queueConfig(p Profile) queue.Config {
	c := queue.Config{Registries: p.Registries, ServiceURI: updateServicePath, TrailingSlash: p.TrailingSlash}
	switch p.Generation {
	case 6:
		c.TaskVersion, c.InstallSetVersion = "v1_6_0", "v1_5_0"
	case 7:
		c.TaskVersion, c.InstallSetVersion = "v1_5_0", "v1_5_0"
	default:
		c.TaskVersion, c.InstallSetVersion = "v1_2_0", "v1_1_0"
	}
	return c
}

// queueHost is the iLO as the queue's Host. It is a separate type because
// ILO.Apply already has the repository's signature.
type queueHost struct{ i *ILO }

func (h queueHost) Now() time.Time { return h.i.Now() }

func (h queueHost) Component(filename string) (queue.Component, bool) {
	c, uri, ok := h.i.ComponentByFilename(filename)
	if !ok {
		return queue.Component{}, false
	}
	return queue.Component{URI: uri, Name: c.Name, Version: c.Version, UpdatableBy: slices.Clone(c.UpdatableBy)}, true
}

func (h queueHost) Apply(filename, agent string, targets []string, tpmOverride bool) queue.Outcome {
	d, m := h.i.apply(filename, targets, agent == queue.AgentUefi)
	return queue.Outcome{Duration: d, Failure: m}
}

// TPMInUse is false unless WithTPM gave the simulated server a TPM.
func (h queueHost) TPMInUse() bool {
	h.i.mu.Lock()
	defer h.i.mu.Unlock()
	return h.i.server.tpm
}

// RuntimeAgentRunning is false: no SUM/SUT runs in the simulated OS.
func (h queueHost) RuntimeAgentRunning() bool { return false }

// ResetServer reboots the host over simulated time (power.go); the host
// tells the queue when it POSTs, so the queue must not start UEFI itself.
func (h queueHost) ResetServer() bool {
	h.i.ResetServer()
	return true
}

// ResetBMC resets the iLO as Manager.Reset does: sessions end and the iLO
// is dark for the configured time.
func (h queueHost) ResetBMC() { h.i.ResetBMC() }

// RecoveryComponents lists the repository's iLO, BIOS, CPLD, IE and SPS
// images (oldest first): the default System Recovery Set.
func (h queueHost) RecoveryComponents() []string {
	h.i.mu.Lock()
	defer h.i.mu.Unlock()
	var out []string
	for _, c := range h.i.sortedComponentsLocked() {
		switch c.Image.Kind {
		case testimage.KindILO, testimage.KindBIOS, testimage.KindCPLD, testimage.KindSignedBin:
			out = append(out, c.Filename)
		}
	}
	return out
}
