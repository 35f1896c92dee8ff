// Command noop is the floor of the fleet benchmark: an Ansible binary module
// that reads its arguments file and reports {"changed": false}. It uses only
// package os, so its size and start-up are what any Go binary module pays
// at least; the benchmark runs it with the same play as update_info.
package main

import "os"

func main() {
	if len(os.Args) < 2 {
		os.Stdout.WriteString(`{"failed": true, "msg": "noop: no arguments file"}` + "\n")
		os.Exit(1)
	}
	if _, err := os.ReadFile(os.Args[1]); err != nil {
		os.Stdout.WriteString(`{"failed": true, "msg": "noop: read arguments file"}` + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(`{"changed": false}` + "\n")
}
