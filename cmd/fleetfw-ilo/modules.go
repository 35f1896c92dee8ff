package main

import (
	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/modules/component"
	"github.com/fleetfw/ilo/modules/session"
	updateinfo "github.com/fleetfw/ilo/modules/update_info"
)

// modules lists the modules of the binary, one line each. Each needs a doc
// stub plugins/modules/<name>.py that matches its options (docs_test.go).
func modules() []ansible.Module {
	return []ansible.Module{
		component.Module,
		updateinfo.Module,
		session.Module,
	}
}
