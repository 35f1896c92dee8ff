package ansible

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// Host is the process a module binary runs in: its arguments, output
// streams, environment and signals. Dispatch fills it from the real process;
// tests fill it with their own.
type Host struct {
	// Args is the command line; Args[1] names the arguments file.
	Args []string
	// Stdout receives the one JSON result.
	Stdout io.Writer
	// Stderr receives diagnostics (a panic's stack at verbosity 3 and more);
	// nil discards them.
	Stderr io.Writer
	// LookupEnv reads an environment variable (os.LookupEnv); nil means an
	// empty environment.
	LookupEnv func(key string) (string, bool)
	// Signals delivers the signals that cancel the module's context; nil
	// means none.
	Signals <-chan os.Signal
	// SetMaxProcs limits how many threads run the module's Go code at once
	// (runtime.GOMAXPROCS); nil leaves the runtime as it is. Dispatch calls
	// it with 1 for every module not built with Concurrent (see there).
	SetMaxProcs func(n int)
}

// Interrupted is the cause (context.Cause) of a module context cancelled
// by a signal.
type Interrupted struct {
	Signal os.Signal // the signal received, SIGTERM or SIGINT
}

// Error names the signal: "interrupted by signal terminated".
func (e *Interrupted) Error() string { return "interrupted by signal " + e.Signal.String() }

// Dispatch runs the module Ansible asked for with the process's stderr,
// environment and SIGTERM/SIGINT, and returns the exit code for os.Exit.
// See Host.Dispatch.
func Dispatch(argv []string, stdout io.Writer, modules ...Module) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sig)
	h := Host{Args: argv, Stdout: stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Signals: sig}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		h.SetMaxProcs = func(n int) { runtime.GOMAXPROCS(n) }
	}
	return h.Dispatch(modules...)
}

// Dispatch reads the arguments file h.Args[1] and runs the module named by
// its _ansible_module_name (last dotted part) or, failing that, by the
// program name without Ansible's "AnsiballZ_" prefix. The module's context
// is cancelled, with an *Interrupted cause, when a signal arrives on
// h.Signals. An unknown name or an unreadable file gives a failed result
// naming the modules the binary has.
func (h Host) Dispatch(modules ...Module) int {
	if len(h.Args) < 2 {
		return failure(h.Stdout, "no arguments file given: ansible runs a module as `MODULE ARGS_FILE`")
	}
	argsJSON, err := readArgsFile(h.Args[1])
	if err != nil {
		return failure(h.Stdout, fmt.Sprintf("read arguments file: %v", err))
	}
	m := pick(argsJSON, h.Args[0], modules)
	if m == nil {
		names := make([]string, len(modules))
		for i, mod := range modules {
			names[i] = mod.Name()
		}
		return failure(h.Stdout, fmt.Sprintf("no module %s in this binary; it has: %s",
			wantedName(argsJSON, h.Args[0]), strings.Join(names, ", ")))
	}
	// A module talks to one iLO, one request after the other: with more than
	// one P the scheduler wakes a second thread at every network wait and
	// spins it, on a controller whose cores the other forks need (update_info,
	// 300 interleaved runs: 5.9 → 5.7 ms of CPU, futex calls 82 → 30; set
	// before the runtime starts, GOMAXPROCS=1 gives 5.4 ms). A Concurrent
	// module keeps every CPU.
	if h.SetMaxProcs != nil && !isConcurrent(m) {
		h.SetMaxProcs(1)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if h.Signals != nil {
		go func() {
			select {
			case s := <-h.Signals:
				cancel(&Interrupted{Signal: s})
			case <-ctx.Done():
			}
		}()
	}
	return m.ExecuteIn(ctx, argsJSON, h)
}

// MaxArgsFileBytes caps the arguments file: Ansible writes a few kilobytes;
// a larger file is refused rather than read without end.
const MaxArgsFileBytes = 16 << 20

// readArgsFile reads the arguments file if it is a regular file of at most
// MaxArgsFileBytes. It is opened without blocking, so that a FIFO with no
// writer does not hang the module, and read with a cap, so that a file that
// grows while it is read does not either.
func readArgsFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if p := infoProblem(fi, MaxArgsFileBytes); p != "" {
		return nil, fmt.Errorf("%s: %s; the arguments file must be a regular file of at most %d bytes (ansible runs a module as `MODULE ARGS_FILE`)", path, p, MaxArgsFileBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxArgsFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxArgsFileBytes {
		return nil, fmt.Errorf("%s grew past the %d bytes a module reads", path, MaxArgsFileBytes)
	}
	return b, nil
}

// pick finds the module by _ansible_module_name, then by program name (a
// redirected or aliased action has a name the binary does not know).
func pick(argsJSON []byte, argv0 string, modules []Module) Module {
	for _, name := range []string{moduleNameArg(argsJSON), programName(argv0)} {
		for _, m := range modules {
			if name != "" && m.Name() == name {
				return m
			}
		}
	}
	return nil
}

// wantedName is the name an unknown-module message reports.
func wantedName(argsJSON []byte, argv0 string) string {
	if n := moduleNameArg(argsJSON); n != "" {
		return fmt.Sprintf("%q (program %q)", n, programName(argv0))
	}
	return fmt.Sprintf("%q", programName(argv0))
}

// moduleNameArg is the last dotted part of _ansible_module_name, or "".
func moduleNameArg(argsJSON []byte) string {
	var a struct {
		Name string `json:"_ansible_module_name"`
	}
	if json.Unmarshal(argsJSON, &a) != nil {
		return ""
	}
	return a.Name[strings.LastIndex(a.Name, ".")+1:]
}

// programName is argv[0]'s base name without "AnsiballZ_" (the name Ansible
// gives the copy of the module it runs).
func programName(argv0 string) string {
	return strings.TrimPrefix(filepath.Base(argv0), "AnsiballZ_")
}

// failure writes a failed result that no module produced.
func failure(w io.Writer, msg string) int {
	r := &response{failed: true, msg: msg}
	return r.write(w)
}
