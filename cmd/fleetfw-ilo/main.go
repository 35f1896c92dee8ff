// Command fleetfw-ilo is the multi-call binary behind every fleetfw.ilo
// module. Ansible runs it as plugins/modules/<name> (a symlink) with the
// path of an arguments file; it runs the module named by the file's
// _ansible_module_name, or by its own program name, and prints one JSON
// result. The modules it has are listed in modules.go.
package main

import (
	"os"

	"github.com/fleetfw/ilo/internal/ansible"
)

func main() {
	os.Exit(ansible.Dispatch(os.Args, os.Stdout, modules()...))
}
