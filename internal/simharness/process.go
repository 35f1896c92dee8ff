package simharness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim"
)

// Build compiles cmd/ilosim of the repository at root into dir and returns
// the binary's path, for Config.Binary.
func Build(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "ilosim")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ilosim")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ilosim: %w\n%s", err, bytes.TrimSpace(out))
	}
	return bin, nil
}

// flags is the cmd/ilosim command line of cfg (options is the same mapping
// for an in-process fleet).
func (cfg Config) flags(dir, ready string) []string {
	args := []string{"-count", strconv.Itoa(len(cfg.Profiles)), "-port", "0", "-profile", strings.Join(cfg.Profiles, ","),
		"-dir", dir, "-username", cfg.Username, "-password", cfg.Password, "-ready-file", ready}
	if cfg.Speed > 0 {
		args = append(args, "-speed", strconv.FormatFloat(cfg.Speed, 'g', -1, 64))
	}
	if cfg.SessionCap > 0 {
		args = append(args, "-session-cap", strconv.Itoa(cfg.SessionCap))
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"-dark", cfg.Dark}, {"-idle-timeout", cfg.Idle}, {"-ilo-reset-delay", cfg.ILOResetDelay}} {
		if d.v > 0 {
			args = append(args, d.flag, d.v.String())
		}
	}
	for _, b := range []struct {
		flag string
		on   bool
	}{{"-ilo-reset=false", cfg.NoILOReset}, {"-staged-activation", cfg.StagedActivation}, {"-tpm", cfg.TPM},
		{"-recovery-set", cfg.RecoverySet}, {"-mismatch-san", cfg.MismatchSAN}, {"-http", cfg.PlainHTTP}} {
		if b.on {
			args = append(args, b.flag)
		}
	}
	return args
}

// startProcess runs cfg.Binary and waits for its ready file.
func startProcess(cfg Config, dir string) (*Fleet, error) {
	readyFile := filepath.Join(dir, "ready.json")
	log := &syncBuffer{}
	cmd := exec.Command(cfg.Binary, cfg.flags(dir, readyFile)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Binary, err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	stop := func() error {
		select {
		case <-done:
			return nil // it had exited; Start reported why, or the test saw it
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			return nil
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("ilosim did not stop within 10 s of SIGTERM")
		}
	}
	r, err := waitReady(readyFile, done, cfg.Ready)
	if err != nil {
		_ = stop()
		select {
		case <-done:
			err = fmt.Errorf("%w (exit: %v)", err, waitErr)
		default:
		}
		return nil, fmt.Errorf("%w\nilosim output:\n%s", err, log.String())
	}
	f := &Fleet{CAPath: r.CAPath, Dir: dir, log: log, stopFn: stop}
	if err := f.attach(cfg, r.ILOs, nil); err != nil {
		_ = stop()
		return nil, err
	}
	return f, nil
}

// waitReady waits for the ready file to hold the whole ready line, or for
// the process to exit.
func waitReady(path string, exited <-chan struct{}, limit time.Duration) (*ilosim.Ready, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, errExited
		default:
		}
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(bytes.TrimSpace(b), []byte("}")) {
			var r ilosim.Ready
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, fmt.Errorf("read ready file: %w", err)
			}
			if len(r.ILOs) == 0 {
				return nil, fmt.Errorf("ready file lists no iLOs: %s", b)
			}
			return &r, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("not ready after %s", limit)
}
