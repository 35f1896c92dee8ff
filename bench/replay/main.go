// Command replay is a variant of the fleet benchmark's floor: an Ansible
// binary module that reads its arguments file and prints, unchanged, the
// file named by its replay_output argument (the bench stores one
// update_info run's answer there). Padded to the module binary's size, it
// costs Ansible what update_info costs it (the copy of the binary, the
// handling of the same result) without any of the module's own work, so
// the benchmark can tell the two apart.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fail("replay: no arguments file")
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("replay: read arguments file")
	}
	var args struct {
		ReplayOutput string `json:"replay_output"`
	}
	if err := json.Unmarshal(b, &args); err != nil || args.ReplayOutput == "" {
		fail("replay: replay_output (the file to print) is required")
	}
	out, err := os.ReadFile(args.ReplayOutput)
	if err != nil {
		fail("replay: read replay_output")
	}
	os.Stdout.Write(out)
}

func fail(msg string) {
	os.Stdout.WriteString(`{"failed": true, "msg": "` + msg + `"}` + "\n")
	os.Exit(1)
}
