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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

func main() {
	// Hundreds of iLOs live in a small heap (18 MB resident for 200) that
	// every answer churns: at the default GOGC=100 the collector took a
	// sixth of the simulator's CPU, which the benchmarks count against the
	// modules they run beside it. GOGC in the environment still wins.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ilosim:", err)
		os.Exit(1)
	}
}

// settings are the command line of ilosim.
type settings struct {
	count, port, sessions     int
	profile, dir, user, pass  string
	ready                     string
	plain, mismatch, iloReset bool
	tpm, recoverySet, staged  bool
	speed                     float64
	dark, idle, resetDelay    time.Duration
	shutdown, powerGap, post  time.Duration
}

// parse reads the command line.
func parse(args []string) (*settings, error) {
	s := &settings{}
	fs := flag.NewFlagSet("ilosim", flag.ContinueOnError)
	fs.IntVar(&s.count, "count", 1, "number of iLOs")
	fs.IntVar(&s.port, "port", 0, "first port (iLO n listens on port+n); 0 picks free ports")
	fs.StringVar(&s.profile, "profile", "ilo5", "profiles, comma-separated, assigned round-robin: "+strings.Join(ilosim.ProfileNames(), ", "))
	fs.BoolVar(&s.plain, "http", false, "serve plain HTTP instead of HTTPS")
	fs.StringVar(&s.dir, "dir", "", "directory for ca.pem and repository files (default: a new temporary directory)")
	fs.StringVar(&s.user, "username", ilosim.DefaultUsername, "administrator user name")
	fs.StringVar(&s.pass, "password", ilosim.DefaultPassword, "administrator password")
	fs.Float64Var(&s.speed, "speed", 1, "simulated clock speed factor (0 stops the clock; POST /_sim/clock moves it); every simulated duration below scales with it")
	fs.StringVar(&s.ready, "ready-file", "", "also write the ready line to this file")
	fs.DurationVar(&s.dark, "dark", ilosim.DefaultDarkTime, "simulated time an iLO refuses connections when it resets (after its self-flash or Manager.Reset)")
	fs.DurationVar(&s.resetDelay, "ilo-reset-delay", ilosim.DefaultILOResetDelay, "simulated time State reads Complete after an iLO self-flash before the iLO resets")
	fs.BoolVar(&s.iloReset, "ilo-reset", true, "reset the iLO after its self-flash (-ilo-reset=false: the new version shows at once, no reset)")
	fs.DurationVar(&s.shutdown, "server-shutdown", ilosim.DefaultShutdown, "simulated time of a graceful host shutdown")
	fs.DurationVar(&s.powerGap, "server-power-gap", ilosim.DefaultPowerGap, "simulated time the host stays off within a restart")
	fs.DurationVar(&s.post, "server-post", ilosim.DefaultPOSTTime, "simulated time of the host's POST (pending UEFI components activate as it starts)")
	fs.BoolVar(&s.staged, "staged-activation", false, "keep a direct flash of a component that activates at reboot (BIOS, CPLD, …) pending until the host's next power-on")
	fs.BoolVar(&s.recoverySet, "recovery-set", true, "start each iLO as a real one leaves the factory: its factory images in the repository and a System Recovery Set naming them (-recovery-set=false: an empty repository)")
	fs.BoolVar(&s.tpm, "tpm", false, "give each host a TPM in use (BIOS TpmState PresentEnabled; queue flashes need TPMOverride)")
	fs.IntVar(&s.sessions, "session-cap", ilosim.DefaultSessionCap, "sessions per iLO")
	fs.DurationVar(&s.idle, "idle-timeout", ilosim.DefaultIdleTimeout, "simulated idle time after which a session expires (raise it with a high -speed)")
	fs.BoolVar(&s.mismatch, "mismatch-san", false, "issue the server certificate for ilo.invalid (hostname mismatch tests)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return s, nil
}

// options are the iLO options the settings select.
func (s *settings) options() []ilosim.Option {
	opts := []ilosim.Option{
		ilosim.WithCredentials(s.user, s.pass), ilosim.WithSpeed(s.speed),
		ilosim.WithDarkTime(s.dark), ilosim.WithSessionCap(s.sessions), ilosim.WithIdleTimeout(s.idle),
		ilosim.WithILOResetDelay(s.resetDelay), ilosim.WithILOReset(s.iloReset),
		ilosim.WithServerTimes(ilosim.ServerTimes{Shutdown: s.shutdown, PowerGap: s.powerGap, POST: s.post}),
	}
	if s.tpm {
		opts = append(opts, ilosim.WithTPM())
	}
	if s.recoverySet {
		opts = append(opts, ilosim.WithFactoryRecoverySet())
	}
	if s.staged {
		opts = append(opts, ilosim.WithStagedActivation())
	}
	return opts
}

func run(args []string) error {
	s, err := parse(args)
	if err != nil {
		return err
	}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "ilosim-")
		if err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		defer os.RemoveAll(d)
		s.dir = d
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	raiseFileLimit()
	fleet, err := ilosim.StartFleet(ilosim.FleetConfig{
		Count: s.count, Port: s.port, Profiles: strings.Split(s.profile, ","), HTTP: s.plain, Dir: s.dir, MismatchSAN: s.mismatch,
		Options: s.options(),
	})
	if err != nil {
		return err
	}
	line, err := json.Marshal(fleet.Ready)
	if err != nil {
		return fmt.Errorf("encode ready line: %w", err)
	}
	if s.ready != "" {
		if err := os.WriteFile(s.ready, append(line, '\n'), 0o644); err != nil {
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
