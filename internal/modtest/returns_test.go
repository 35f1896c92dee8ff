package modtest_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/modules/component"
	firmwareplan "github.com/fleetfw/ilo/modules/firmware_plan"
	firmwarerollout "github.com/fleetfw/ilo/modules/firmware_rollout"
	firmwareupdate "github.com/fleetfw/ilo/modules/firmware_update"
	installset "github.com/fleetfw/ilo/modules/install_set"
	maintenancewindow "github.com/fleetfw/ilo/modules/maintenance_window"
	serverreset "github.com/fleetfw/ilo/modules/server_reset"
	"github.com/fleetfw/ilo/modules/session"
	updateinfo "github.com/fleetfw/ilo/modules/update_info"
	updatetask "github.com/fleetfw/ilo/modules/update_task"
)

// TestReturnDocs: for every module, the keys of its Result (but changed and
// diff) are exactly the RETURN keys of its doc stub, and every doc stub
// has a module here.
func TestReturnDocs(t *testing.T) {
	results := map[string]any{
		"component":          component.Result{},
		"firmware_plan":      firmwareplan.Result{},
		"firmware_update":    firmwareupdate.Result{},
		"install_set":        installset.Result{},
		"maintenance_window": maintenancewindow.Result{},
		"server_reset":       serverreset.Result{},
		"session":            session.Result{},
		"firmware_rollout":   firmwarerollout.Result{},
		"update_info":        updateinfo.Result{},
		"update_task":        updatetask.Result{},
	}
	names := stubNames(t)
	for name, result := range results {
		if !slices.Contains(names, name) {
			t.Errorf("module %s has no doc stub", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			modtest.CheckReturnDocs(t, "../../plugins/modules/"+name+".py", result)
		})
	}
	for _, n := range names {
		if _, ok := results[n]; !ok {
			t.Errorf("doc stub %s.py has no module in this test: add its Result", n)
		}
	}
}

// stubNames returns the names of the modules that have a doc stub.
func stubNames(t *testing.T) []string {
	t.Helper()
	stubs, err := filepath.Glob("../../plugins/modules/*.py")
	if err != nil || len(stubs) == 0 {
		t.Fatalf("no doc stubs: %v", err)
	}
	var names []string
	for _, s := range stubs {
		names = append(names, strings.TrimSuffix(filepath.Base(s), ".py"))
	}
	return names
}
