package ilosim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// counters are what GET /_sim/counters reports.
type counters struct {
	requests      map[string]int
	writes        int
	bytesReceived int64
	logins        int
}

// Counters is the JSON of GET /_sim/counters (design.md).
type Counters struct {
	Requests      map[string]int `json:"requests"`
	Writes        int            `json:"writes"`
	OpenSessions  int            `json:"open_sessions"`
	BytesReceived int64          `json:"bytes_received"`
	Logins        int            `json:"logins"`
}

// Faults are injected with POST /_sim/faults or SetFaults. Counts are
// consumed one per matching request; zero fields leave the current value.
type Faults struct {
	// Status503 answers the next N requests with 503 + Retry-After.
	Status503 int `json:"status_503,omitempty"`
	// ResetMidBody resets the connection in the middle of the body of the
	// next N uploads (uploadFile and MultipartHttpPushUri).
	ResetMidBody int `json:"reset_mid_body,omitempty"`
	// SlowMS delays the next SlowCount requests by SlowMS wall-clock ms.
	SlowMS    int `json:"slow_ms,omitempty"`
	SlowCount int `json:"slow_count,omitempty"`
	// ExpireSessions ends every session now (not stored).
	ExpireSessions bool `json:"expire_sessions,omitempty"`
	// RepositoryFull makes the repository report no free space and refuse
	// new components (false in a later POST clears it).
	RepositoryFull *bool `json:"repository_full,omitempty"`
	// DarkSeconds makes the iLO reset every connection for S simulated
	// seconds from now (large: an iLO that never comes back in time).
	DarkSeconds float64 `json:"dark_seconds,omitempty"`
	// ILOResetDelaySeconds: after an iLO self-flash, State reads Complete
	// this long (simulated) before the iLO resets (default 10).
	ILOResetDelaySeconds *float64 `json:"ilo_reset_delay_seconds,omitempty"`
	// ILOReset false: the iLO does not reset after its self-flash; the
	// manager reports the new version at once (default true).
	ILOReset *bool `json:"ilo_reset,omitempty"`
	// ILOResetDarkSeconds: how long (simulated) the self-flash reset keeps
	// the iLO dark (default: the dark time, 90 s).
	ILOResetDarkSeconds *float64 `json:"ilo_reset_dark_seconds,omitempty"`
	// FlashError: a component file name (or "*", or true) whose flash ends
	// in State Error iLO.UpdateFailed; "" or false clears it.
	FlashError *FlashErrorFault `json:"flash_error,omitempty"`
	// ServerResetIgnored: ComputerSystem.Reset and ResetServer are
	// accepted but the server does not reboot (false clears it).
	ServerResetIgnored *bool `json:"server_reset_ignored,omitempty"`
	// StagedActivation true: a direct flash of a component that activates
	// at reboot stays pending until the host's next power-on (see
	// WithStagedActivation); false: it shows at once (default).
	StagedActivation *bool `json:"staged_activation,omitempty"`
}

// Counters returns a snapshot of the counters.
func (i *ILO) Counters() Counters {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	req := map[string]int{}
	for k, v := range i.counters.requests {
		req[k] = v
	}
	return Counters{Requests: req, Writes: i.counters.writes, OpenSessions: i.openSessionsLocked(now),
		BytesReceived: i.counters.bytesReceived, Logins: i.counters.logins}
}

// Writes returns how many writes the iLO has served (see design.md).
func (i *ILO) Writes() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.counters.writes
}

// ResetCounters zeroes the counters.
func (i *ILO) ResetCounters() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.counters = counters{requests: map[string]int{}}
}

// SetFaults injects faults (see Faults).
func (i *ILO) SetFaults(f Faults) {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	if f.Status503 > 0 {
		i.faults.Status503 = f.Status503
	}
	if f.ResetMidBody > 0 {
		i.faults.ResetMidBody = f.ResetMidBody
	}
	if f.SlowMS > 0 || f.SlowCount > 0 {
		i.faults.SlowMS, i.faults.SlowCount = f.SlowMS, f.SlowCount
	}
	if f.ExpireSessions {
		i.dropSessionsLocked()
	}
	if f.RepositoryFull != nil {
		v := *f.RepositoryFull
		i.faults.RepositoryFull = &v
	}
	if f.DarkSeconds > 0 {
		i.darkTill = now.Add(time.Duration(f.DarkSeconds * float64(time.Second)))
	}
	if f.ILOResetDelaySeconds != nil && *f.ILOResetDelaySeconds >= 0 {
		v := *f.ILOResetDelaySeconds
		i.faults.ILOResetDelaySeconds = &v
	}
	if f.ILOReset != nil {
		v := *f.ILOReset
		i.faults.ILOReset = &v
	}
	if f.ILOResetDarkSeconds != nil && *f.ILOResetDarkSeconds >= 0 {
		v := *f.ILOResetDarkSeconds
		i.faults.ILOResetDarkSeconds = &v
	}
	if f.FlashError != nil {
		v := *f.FlashError
		i.faults.FlashError = &v
		if v == "" {
			i.faults.FlashError = nil
		}
	}
	if f.ServerResetIgnored != nil {
		v := *f.ServerResetIgnored
		i.faults.ServerResetIgnored = &v
	}
	if f.StagedActivation != nil {
		v := *f.StagedActivation
		i.faults.StagedActivation = &v
	}
}

func (i *ILO) repositoryFullLocked() bool {
	return i.faults.RepositoryFull != nil && *i.faults.RepositoryFull
}

// serveControl answers /_sim/* (no auth, no faults, served even while dark).
func (i *ILO) serveControl(w http.ResponseWriter, r *http.Request, sub string) {
	sub = strings.TrimSuffix(sub, "/")
	switch {
	case sub == "/counters" && r.Method == http.MethodGet:
		wire.WriteJSON(w, http.StatusOK, i.Counters())
	case sub == "/counters/reset" && r.Method == http.MethodPost:
		i.ResetCounters()
		wire.WriteJSON(w, http.StatusOK, i.Counters())
	case sub == "/faults" && r.Method == http.MethodPost:
		var f Faults
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			wire.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "decode faults: " + err.Error()})
			return
		}
		i.SetFaults(f)
		i.mu.Lock()
		cur := i.faults
		i.mu.Unlock()
		wire.WriteJSON(w, http.StatusOK, cur)
	case sub == "/clock" && r.Method == http.MethodGet:
		wire.WriteJSON(w, http.StatusOK, i.clockJSON())
	case sub == "/clock" && r.Method == http.MethodPost:
		var c struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			wire.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "decode clock: " + err.Error()})
			return
		}
		d, err := time.ParseDuration(c.Advance)
		if err != nil || d < 0 {
			wire.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "parse advance: want a positive Go duration like 26h"})
			return
		}
		i.clock.Advance(d)
		wire.WriteJSON(w, http.StatusOK, i.clockJSON())
	case sub == "/state" && r.Method == http.MethodGet:
		wire.WriteJSON(w, http.StatusOK, i.State())
	default:
		wire.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown control request " + r.Method + " /_sim" + sub})
	}
}

// optTime is isoTime(t), or nil for the zero time.
func optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return isoTime(t)
}

func (i *ILO) clockJSON() map[string]any {
	return map[string]any{"now": isoTime(i.clock.Now()), "speed": i.clock.Speed()}
}

// State returns a JSON-able dump of the iLO's state (GET /_sim/state),
// session tokens included (tests scan their output for leaked secrets).
func (i *ILO) State() map[string]any {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tickLocked(now)
	var comps []map[string]any
	for _, c := range i.sortedComponentsLocked() {
		comps = append(comps, map[string]any{"id": c.ID, "filename": c.Filename, "version": c.Version,
			"size": c.Size, "locked": i.lockedLocked(c.Filename)})
	}
	var tasks []string
	for id := range i.tasks {
		tasks = append(tasks, id)
	}
	sort.Strings(tasks)
	st, pct, res, etag := i.updateStateLocked(now)
	var sessions []map[string]any
	for _, s := range i.sessions {
		sessions = append(sessions, map[string]any{"id": s.id, "user": s.user, "token": s.token,
			"login": isoTime(s.login), "access": isoTime(s.access)})
	}
	sort.Slice(sessions, func(a, b int) bool { return sessions[a]["id"].(string) < sessions[b]["id"].(string) })
	out := map[string]any{
		"profile":            i.prof.Name,
		"now":                isoTime(now),
		"dark":               now.Before(i.darkTill),
		"ilo_resets":         i.iloResets,
		"power_state":        i.server.power,
		"post_state":         i.server.post,
		"server_boots":       i.server.boots,
		"pending_activation": i.pendingInv,
		"ilo_reset_at":       optTime(i.resetAt),
		"firmware_version":   i.fw.version,
		"update_state":       st,
		"flash_percent":      pct,
		"result":             res,
		"upload_etag":        etag,
		"open_sessions":      i.openSessionsLocked(now),
		"components":         comps,
		"inventory":          i.inventoryVersionsLocked(),
		"tasks":              tasks,
		"faults":             i.faults,
		"sessions":           sessions,
	}
	for name, f := range i.stateSections {
		out[name] = f()
	}
	return out
}

// AddStateSection adds a named section to GET /_sim/state; f runs with the
// iLO's lock held and must not call back into the iLO (the task queue adds
// its Snapshot).
func (i *ILO) AddStateSection(name string, f func() any) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stateSections == nil {
		i.stateSections = map[string]func() any{}
	}
	i.stateSections[name] = f
}
