package main

import (
	"github.com/fleetfw/ilo/internal/ansible"
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

// modules lists the modules of the binary, one line each. Each needs a doc
// stub plugins/modules/<name>.py that matches its options (docs_test.go).
func modules() []ansible.Module {
	return []ansible.Module{
		component.Module,
		updateinfo.Module,
		session.Module,
		maintenancewindow.Module,
		updatetask.Module,
		installset.Module,
		firmwareupdate.Module,
		firmwareplan.Module,
		serverreset.Module,
		firmwarerollout.Module,
	}
}
