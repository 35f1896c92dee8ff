// Package firmwarerollout is the fleetfw.ilo.firmware_rollout module: one
// call works on every iLO of a batch at once (internal/rollout, one
// goroutine per iLO, at most parallel at a time) and returns after at most
// round_seconds with each iLO's state, result and progress line; the play
// calls it again with the state it returned until every iLO is finished
// (plugins/modules/firmware_rollout.py documents it).
//
// A host's failure (unreachable, bad credentials, a task in Exception, a
// timeout) is that host's result, not the module's: the module fails only
// for bad arguments or a catalog it cannot read, before any request.
package firmwarerollout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/catalog"
	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/rollout"
)

// Args are the module's options, in the order the documentation lists them.
type Args struct {
	// ILOs are the iLOs of the batch.
	ILOs []ILO `json:"ilos" validate:"required,min=1"`
	// Catalog is a fwrepo.json, a manifest.json or a folder, on the host
	// that runs the module.
	Catalog string `json:"catalog" type:"path" validate:"required"`
	// CatalogURL is where the iLOs download the catalog's files
	// (<catalog_url>/<file>); empty: the local files are pushed.
	CatalogURL            string `json:"catalog_url" default:"" validate:"omitempty,http_url,nouserinfo"`
	AllowDowngrade        bool   `json:"allow_downgrade" default:"false"`
	InstallSetName        string `json:"install_set_name" default:"fleetfw.ilo baseline" validate:"min=1,max=64,nocontrol"`
	InstallSetDescription string `json:"install_set_description" default:"" validate:"omitempty,max=64,nocontrol"`
	// MaintenanceWindow: the set is invoked in it (created or updated as
	// fleetfw.ilo.maintenance_window does) and the iLO ends scheduled.
	MaintenanceWindow Window `json:"maintenance_window"`
	Stage             bool   `json:"stage" default:"true"`
	Invoke            bool   `json:"invoke" default:"true"`
	Wait              bool   `json:"wait" default:"true"`
	ClearTaskQueue    bool   `json:"clear_task_queue" default:"false"`
	Reboot            string `json:"reboot" default:"none" validate:"oneof=none graceful force wait_external"`
	PollInterval      int    `json:"poll_interval" default:"10" validate:"min=1,max=3600"`
	RoundSeconds      int    `json:"round_seconds" default:"30" validate:"min=1,max=3600"`
	WaitTimeout       int    `json:"wait_timeout" default:"3600" validate:"min=1,max=604800"`
	RebootTimeout     int    `json:"reboot_timeout" default:"1800" validate:"min=1,max=604800"`
	ILOResetTimeout   int    `json:"ilo_reset_timeout" default:"600" validate:"min=1,max=604800"`
	Parallel          int    `json:"parallel" default:"100" validate:"min=1,max=1000"`
	// Timeout is the limit for one HTTP request, in seconds.
	Timeout int `json:"timeout" default:"30" validate:"min=1,max=3600"`
	// Username, Password, CAPath, ValidateCerts and AllowHTTP are the
	// defaults of every entry of ilos that does not set its own: the
	// module_defaults of group/fleetfw.ilo.ilo and the environment (an AWX
	// credential) apply here. An entry's validate_certs false, or this one,
	// turns verification off; allow_http likewise turns it on.
	Username      string `json:"username" env:"ILO_USERNAME"`
	Password      string `json:"password" no_log:"true" env:"ILO_PASSWORD"`
	CAPath        string `json:"ca_path" type:"path" env:"ILO_CA_PATH" validate:"omitempty,max_bytes=1048576"`
	ValidateCerts bool   `json:"validate_certs" default:"true"`
	AllowHTTP     bool   `json:"allow_http" default:"false" env:"ILO_ALLOW_HTTP"`
	// BaseURI and AuthToken are accepted so that the group's module_defaults
	// apply without error, and not used: each iLO's address (and token) is
	// its own, under ilos.
	BaseURI   string `json:"baseuri"`
	AuthToken string `json:"auth_token" no_log:"true"`
	// State is the state the previous call returned ({}: the first call).
	State map[string]any `json:"state"`
	// ResultsDir, when set, keeps the batch between calls: each iLO's
	// result (<host>.json) and state (<host>.state.json); state and
	// host_results are then returned empty and the state option is not
	// needed. A play reads each host's own file rather than templating the
	// whole batch's result for every host.
	ResultsDir string `json:"results_dir" type:"path" default:""`
}

// ILO is one iLO of the batch: the connection options of modkit.ConnArgs,
// with the same meaning and checks, and the inventory name.
type ILO struct {
	// Host is the inventory name: the key of state, results and plans.
	Host          string `json:"host" validate:"required,nocontrol"`
	BaseURI       string `json:"baseuri" validate:"required,nouserinfo"`
	Username      string `json:"username"`
	Password      string `json:"password" no_log:"true"`
	AuthToken     string `json:"auth_token" no_log:"true"`
	CAPath        string `json:"ca_path" type:"path" validate:"omitempty,max_bytes=1048576"`
	ValidateCerts bool   `json:"validate_certs" default:"true"`
	AllowHTTP     bool   `json:"allow_http" default:"false"`
	// CatalogURL, Reboot and AllowDowngrade, when given, are this iLO's
	// own catalog_url, reboot and allow_downgrade (a mixed batch: some iLOs
	// pull and others are pushed to, a reboot policy per server).
	CatalogURL     *string `json:"catalog_url" validate:"omitempty,http_url,nouserinfo"`
	Reboot         *string `json:"reboot" validate:"omitempty,oneof=none graceful force wait_external"`
	AllowDowngrade *bool   `json:"allow_downgrade"`
}

// options is the engine's options for this iLO: the call's, with the
// entry's own catalog_url, reboot and allow_downgrade.
func (i ILO) options(opt rollout.Options) rollout.Options {
	if i.CatalogURL != nil {
		opt.CatalogURL = *i.CatalogURL
	}
	if i.Reboot != nil && *i.Reboot != "" {
		opt.Reboot = *i.Reboot
	}
	if i.AllowDowngrade != nil {
		opt.AllowDowngrade = *i.AllowDowngrade
	}
	return opt
}

// Window is the maintenance_window option.
type Window struct {
	Name        string `json:"name" validate:"omitempty,max=64,nocontrol"`
	StartAfter  string `json:"start_after"`
	Expire      string `json:"expire"`
	Description string `json:"description" validate:"omitempty,max=64,nocontrol"`
}

// conn is the iLO's connection options as modkit has them, with the
// module's defaults where the entry sets none.
func (i ILO) conn(a *Args) modkit.ConnArgs {
	or := func(v, def string) string {
		if v != "" {
			return v
		}
		return def
	}
	return modkit.ConnArgs{BaseURI: i.BaseURI, Username: or(i.Username, a.Username), Password: or(i.Password, a.Password),
		AuthToken: i.AuthToken, ValidateCerts: i.ValidateCerts && a.ValidateCerts, CAPath: or(i.CAPath, a.CAPath),
		AllowHTTP: i.AllowHTTP || a.AllowHTTP, Timeout: a.Timeout}
}

// Check refuses what the tags cannot: each iLO's connection options (as
// modkit.ConnArgs checks them), hosts named twice, a window without a name,
// a state that is not the module's.
func (a Args) Check() error {
	seen := map[string]bool{}
	for k, i := range a.ILOs {
		if err := i.conn(&a).Check(); err != nil {
			return fmt.Errorf("ilos[%d] (host %s): %w", k, i.Host, err)
		}
		if seen[i.Host] {
			return fmt.Errorf("ilos[%d]: host %s is listed twice; give each iLO once, under its inventory name", k, i.Host)
		}
		seen[i.Host] = true
	}
	w := a.MaintenanceWindow
	if w.Name == "" && (w.StartAfter != "" || w.Expire != "" || w.Description != "") {
		return fmt.Errorf("maintenance_window needs a name (and start_after to create it)")
	}
	if _, err := states(a.State); err != nil {
		return err
	}
	return nil
}

// Result is what the module returns.
type Result struct {
	Changed bool          `json:"changed"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	// Done is true when every iLO is finished (done, pending, scheduled or failed).
	Done bool `json:"done"`
	// State is each iLO's state, to pass back as the state option.
	State map[string]rollout.State `json:"state"`
	// HostResults is each iLO's result, finished or not. (Not "results":
	// Ansible keeps that key for loops and renames it in a module's
	// return to ansible_module_results.)
	HostResults map[string]rollout.Result `json:"host_results"`
	// Lines is one progress line per iLO worked on by this call.
	Lines []string `json:"lines"`
	// Plans is each iLO's plan, as lines, for the iLOs planned by this call.
	Plans map[string][]string `json:"plans"`
	// Summary counts the iLOs by status and by phase.
	Summary Summary `json:"summary"`
	// ResultLines, once every iLO is finished: per iLO its status, then
	// each item the plan installs or holds back (before -> after, result).
	ResultLines []string `json:"result_lines"`
}

// Summary counts the iLOs.
type Summary struct {
	ILOs     int            `json:"ilos"`
	Finished int            `json:"finished"`
	Status   map[string]int `json:"status"`
	Phase    map[string]int `json:"phase"`
}

// Module is fleetfw.ilo.firmware_rollout. It is Concurrent: one run works
// on up to `parallel` iLOs at once and keeps every CPU of the controller.
var Module = ansible.New("firmware_rollout", run, ansible.Concurrent())

func run(ctx context.Context, m *ansible.Run, a *Args) (Result, error) {
	m.Secret(a.Password)
	m.Secret(a.AuthToken)
	for _, i := range a.ILOs {
		m.Secret(i.Password)
		m.Secret(i.AuthToken)
	}
	prev, err := states(a.State)
	if err != nil {
		return Result{}, err
	}
	if a.ResultsDir != "" && len(a.State) == 0 {
		if prev, err = readStates(a.ResultsDir, a.ILOs); err != nil {
			return Result{}, err
		}
	}
	cat, err := loadCatalog(m, a.Catalog)
	if err != nil {
		return Result{}, err
	}
	opt := options(a, m.CheckMode)
	deadline := time.Now().Add(time.Duration(a.RoundSeconds) * time.Second)
	res := Result{State: map[string]rollout.State{}, HostResults: map[string]rollout.Result{}, Lines: []string{}, Plans: map[string][]string{},
		ResultLines: []string{},
		Summary:     Summary{ILOs: len(a.ILOs), Status: map[string]int{}, Phase: map[string]int{}}}
	outs := make([]rollout.Outcome, len(a.ILOs))
	opt.Slots = make(chan struct{}, a.Parallel)
	var wg sync.WaitGroup
	for k, i := range a.ILOs {
		st := prev[i.Host]
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[k] = rollout.Advance(ctx, target(m, i, a), cat, i.options(opt), st, deadline)
		}()
	}
	wg.Wait()
	for k, i := range a.ILOs {
		o := outs[k]
		res.Changed = res.Changed || o.Changed
		for _, w := range o.Warnings {
			m.Warn("%s", w)
		}
		res.State[i.Host] = o.State
		r := rollout.Report(i.Host, i.BaseURI, o.State, i.options(opt))
		res.HostResults[i.Host] = r
		if o.Planned {
			lines := rollout.PlanLines(o.State)
			if len(lines) > 0 { // the header names the host: the play prints the batch's plans together
				lines[0] = i.Host + ": " + lines[0]
			}
			res.Plans[i.Host] = lines
		}
		if o.State.Round > prev[i.Host].Round {
			res.Lines = append(res.Lines, o.State.Line)
		}
		if o.State.Finished {
			res.Summary.Finished++
		}
		res.Summary.Status[r.Status]++
		res.Summary.Phase[o.State.Phase]++
	}
	res.Done = res.Summary.Finished == len(a.ILOs)
	if res.Done {
		res.ResultLines = resultLines(a.ILOs, res.HostResults)
	}
	if m.Diff && (res.Changed || m.CheckMode) {
		res.Diff = diff(res.HostResults)
	}
	if a.ResultsDir != "" {
		if err := writeResults(a.ResultsDir, res.HostResults, res.State); err != nil {
			return res, err
		}
		res.HostResults = map[string]rollout.Result{}
		res.State = map[string]rollout.State{}
	}
	return res, nil
}

// resultLines words the finished batch for the play output: per iLO its
// status, duration and reason, then the items the plan installs or holds
// back.
func resultLines(ilos []ILO, results map[string]rollout.Result) []string {
	var out []string
	for _, i := range ilos {
		r := results[i.Host]
		line := fmt.Sprintf("%s: %s in %d s", i.Host, r.Status, r.Duration)
		if r.Reason != "" {
			line += ": " + r.Reason
		}
		out = append(out, line)
		for _, c := range r.Components {
			if c.Action != "current" && c.Action != "not_in_catalog" {
				out = append(out, "  "+c.Line)
			}
		}
	}
	return out
}

// options turns the module's options into the engine's.
func options(a *Args, check bool) rollout.Options {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	w := a.MaintenanceWindow
	return rollout.Options{CatalogURL: a.CatalogURL, AllowDowngrade: a.AllowDowngrade, InstallSetName: a.InstallSetName,
		InstallSetDescription: a.InstallSetDescription,
		Window:                rollout.Window{Name: w.Name, StartAfter: w.StartAfter, Expire: w.Expire, Description: w.Description},
		Stage:                 a.Stage, Invoke: a.Invoke, Wait: a.Wait, ClearTaskQueue: a.ClearTaskQueue, Reboot: a.Reboot,
		PollInterval: sec(a.PollInterval), WaitTimeout: sec(a.WaitTimeout), RebootTimeout: sec(a.RebootTimeout),
		ILOResetTimeout: sec(a.ILOResetTimeout), CheckMode: check}
}

// target is one iLO for the engine: each Connect opens a session whose
// token goes to m.Secret before it is used. A failed request is retried
// once only: the rollout reads again on its own pace.
func target(m *ansible.Run, i ILO, a *Args) rollout.Target {
	cfg := i.conn(a).Config()
	return rollout.Target{Host: i.Host, BaseURI: i.BaseURI, Connect: func(ctx context.Context) (*ilo.Client, error) {
		return ilo.Connect(ctx, cfg, ilo.WithNames(modkit.OptionNames), ilo.WithHide(m.Secret), ilo.WithRetries(1), ilo.WithBackoff(500*time.Millisecond, 2*time.Second))
	}}
}

// loadCatalog reads the catalog before any request: a bad one fails the
// module.
func loadCatalog(m *ansible.Run, path string) (*rollout.Catalog, error) {
	cat, err := catalog.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w; fix the catalog option", err)
	}
	for _, w := range cat.Warnings {
		m.Warn("%s", w)
	}
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
	return &rollout.Catalog{Index: fwplan.NewIndex(cat.Entries), Dir: dir}, nil
}

// states decodes the state option: host -> the state a previous call
// returned.
func states(raw map[string]any) (map[string]rollout.State, error) {
	out := map[string]rollout.State{}
	if len(raw) == 0 {
		return out, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("state: %w; pass back the state the module returned", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("state: %v; pass back the state the module returned", err)
	}
	return out, nil
}

// diff shows, per host, the version of each item the plan installs before
// the rollout and after this call (in check mode: the target).
func diff(results map[string]rollout.Result) *ansible.Diff {
	before, after := map[string]any{}, map[string]any{}
	for h, r := range results {
		b, a := map[string]string{}, map[string]string{}
		for _, c := range r.Components {
			if !c.Install {
				continue
			}
			name := c.Name
			if c.DeviceContext != "" {
				name += " (" + c.DeviceContext + ")"
			}
			b[name] = c.Before
			switch {
			case c.Result == rollout.ResultUpdated && c.After != nil:
				a[name] = *c.After
			case c.Target != nil:
				a[name] = *c.Target + " (" + c.Result + ")"
			}
		}
		if len(b) > 0 {
			before[h], after[h] = b, a
		}
	}
	return &ansible.Diff{Before: before, After: after}
}

// writeResults writes each iLO's result and state to dir/<host>.json and
// dir/<host>.state.json.
func writeResults(dir string, results map[string]rollout.Result, states map[string]rollout.State) error {
	for host, r := range results {
		if err := writeJSON(filepath.Join(dir, filepath.Base(host)+".json"), r); err != nil {
			return fmt.Errorf("results_dir: the result of %s: %w", host, err)
		}
	}
	for host, st := range states {
		if err := writeJSON(filepath.Join(dir, filepath.Base(host)+".state.json"), st); err != nil {
			return fmt.Errorf("results_dir: the state of %s: %w", host, err)
		}
	}
	return nil
}

// writeJSON writes v to path (0600; a temporary file renamed into place,
// so that a reader never sees half a file).
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".result-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(f.Name())
	}
	return werr
}

// readStates reads back the states an earlier call left in dir; an iLO
// without one starts afresh.
func readStates(dir string, ilos []ILO) (map[string]rollout.State, error) {
	out := map[string]rollout.State{}
	for _, i := range ilos {
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(i.Host)+".state.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("results_dir: %w", err)
		}
		var st rollout.State
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("results_dir: the state of %s: %v; give a new results_dir", i.Host, err)
		}
		out[i.Host] = st
	}
	return out, nil
}
