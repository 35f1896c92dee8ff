// Command ilosim serves N simulated iLOs on consecutive ports of 127.0.0.1
// for the demo, the integration tests and the benchmarks. It prints one JSON
// line once every iLO listens (and writes it to -ready-file):
//
//	{"ca_path": "DIR/ca.pem", "ilos": [{"index": 0, "baseuri": "https://127.0.0.1:P", "profile": "ilo5"}]}
//
// and stops on SIGTERM or SIGINT. Each iLO answers the control endpoint
// /_sim/* (counters, faults, clock, state) on its own port; see
// docs/design.md and the ilosim package documentation.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ilosim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("ilosim", flag.ContinueOnError)
	count := fs.Int("count", 1, "number of iLOs")
	port := fs.Int("port", 0, "first port (iLO n listens on port+n); 0 picks free ports")
	profile := fs.String("profile", "ilo5", "profiles, comma-separated, assigned round-robin: "+strings.Join(ilosim.ProfileNames(), ", "))
	plain := fs.Bool("http", false, "serve plain HTTP instead of HTTPS")
	dir := fs.String("dir", "", "directory for ca.pem and repository files (default: a new temporary directory)")
	user := fs.String("username", ilosim.DefaultUsername, "administrator user name")
	pass := fs.String("password", ilosim.DefaultPassword, "administrator password")
	speed := fs.Float64("speed", 1, "simulated clock speed factor (0 stops the clock; POST /_sim/clock moves it)")
	ready := fs.String("ready-file", "", "also write the ready line to this file")
	dark := fs.Duration("dark", ilosim.DefaultDarkTime, "simulated time an iLO refuses connections after flashing its own firmware")
	sessions := fs.Int("session-cap", ilosim.DefaultSessionCap, "sessions per iLO")
	idle := fs.Duration("idle-timeout", ilosim.DefaultIdleTimeout, "simulated idle time after which a session expires (raise it with a high -speed)")
	mismatch := fs.Bool("mismatch-san", false, "issue the server certificate for ilo.invalid (hostname mismatch tests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "ilosim-")
		if err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		defer os.RemoveAll(d)
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	raiseFileLimit()
	fleet, err := ilosim.StartFleet(ilosim.FleetConfig{
		Count: *count, Port: *port, Profiles: strings.Split(*profile, ","), HTTP: *plain, Dir: *dir, MismatchSAN: *mismatch,
		Options: []ilosim.Option{
			ilosim.WithCredentials(*user, *pass), ilosim.WithSpeed(*speed),
			ilosim.WithDarkTime(*dark), ilosim.WithSessionCap(*sessions), ilosim.WithIdleTimeout(*idle),
		},
	})
	if err != nil {
		return err
	}
	line, err := json.Marshal(fleet.Ready)
	if err != nil {
		return fmt.Errorf("encode ready line: %w", err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, append(line, '\n'), 0o644); err != nil {
			_ = fleet.Close()
			return fmt.Errorf("write ready file: %w", err)
		}
	}
	fmt.Println(string(line))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	done := make(chan error, 1)
	go func() { done <- fleet.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("stop: listeners did not close within 10 s")
	}
}

// raiseFileLimit lifts RLIMIT_NOFILE to its hard limit: 1,000 iLOs need a
// listener each plus their connections.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
