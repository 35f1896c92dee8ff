package ansible

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

type pingArgs struct {
	Data string `json:"data" default:"pong"`
}

type pingResult struct {
	Changed bool   `json:"changed"`
	Ping    string `json:"ping"`
}

func ping(_ context.Context, _ *Run, a *pingArgs) (pingResult, error) {
	return pingResult{Ping: a.Data}, nil
}

var pingModule = New("ping", ping)

func writeArgs(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name     string
		argv0    string
		args     string // file content; "" means no argv[1]
		noFile   bool
		wantExit int
		want     map[string]string
	}{
		{
			name: "by _ansible_module_name", argv0: "/tmp/x/AnsiballZ_other",
			args: `{"_ansible_module_name": "fleetfw.ilo.ping", "data": "hi"}`,
			want: map[string]string{"ping": `"hi"`, "failed": `false`},
		},
		{
			name: "short module name", argv0: "whatever",
			args: `{"_ansible_module_name": "ping"}`,
			want: map[string]string{"ping": `"pong"`},
		},
		{
			name: "by program name", argv0: "/home/u/.ansible/tmp/ansible-tmp-1/AnsiballZ_ping",
			args: `{"data": "x"}`,
			want: map[string]string{"ping": `"x"`},
		},
		{
			name: "redirected name falls back to program name", argv0: "AnsiballZ_ping",
			args: `{"_ansible_module_name": "fleetfw.ilo.old_ping"}`,
			want: map[string]string{"ping": `"pong"`},
		},
		{
			name: "unknown module", argv0: "AnsiballZ_nope",
			args: `{"_ansible_module_name": "fleetfw.ilo.nope"}`, wantExit: 1,
			want: map[string]string{"failed": `true`, "changed": `false`, "msg": `"no module \"nope\" (program \"nope\") in this binary; it has: tester, ping"`},
		},
		{
			name: "no arguments file", argv0: "ping", wantExit: 1,
			want: map[string]string{"failed": `true`, "msg": "\"no arguments file given: ansible runs a module as `MODULE ARGS_FILE`\""},
		},
		{
			name: "unreadable arguments file", argv0: "ping", args: "{}", noFile: true, wantExit: 1,
			want: map[string]string{"failed": `true`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv := []string{tt.argv0}
			if tt.args != "" {
				p := writeArgs(t, tt.args)
				if tt.noFile {
					p += ".missing"
				}
				argv = append(argv, p)
			}
			var out strings.Builder
			code := Host{Args: argv, Stdout: &out}.Dispatch(testModule, pingModule)
			if code != tt.wantExit {
				t.Errorf("exit code %d, want %d; output %s", code, tt.wantExit, out.String())
			}
			assertJSON(t, out.String(), tt.want, nil, nil)
		})
	}
}

// TestSignalCancels runs a module that waits for its context and sends it
// SIGTERM: the module sees the cancellation, its partial result is kept and
// the message names the signal.
func TestSignalCancels(t *testing.T) {
	sig := make(chan os.Signal, 1)
	started := make(chan struct{})
	waiter := New("waiter", func(ctx context.Context, _ *Run, _ *pingArgs) (pingResult, error) {
		close(started)
		<-ctx.Done()
		return pingResult{Changed: true, Ping: "partial"}, context.Cause(ctx)
	})
	p := writeArgs(t, `{"_ansible_module_name": "waiter"}`)
	var out strings.Builder
	done := make(chan int)
	go func() {
		done <- Host{Args: []string{"x", p}, Stdout: &out, Signals: sig}.Dispatch(waiter)
	}()
	<-started
	sig <- syscall.SIGTERM
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("module did not stop after SIGTERM")
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	assertJSON(t, out.String(), map[string]string{
		"failed": `true`, "changed": `true`, "ping": `"partial"`,
		"msg": `"interrupted by signal terminated"`,
	}, nil, nil)
}

// TestSignalCancelsWrappedError checks the signal is named when the module
// returns its own error wrapping context.Canceled.
func TestSignalCancelsWrappedError(t *testing.T) {
	sig := make(chan os.Signal, 1)
	sig <- syscall.SIGINT
	p := writeArgs(t, `{"_ansible_module_name": "tester", "name": "wait", "baseuri": "b", "password": "hunter22"}`)
	var out strings.Builder
	code := Host{Args: []string{"x", p}, Stdout: &out, Signals: sig}.Dispatch(testModule)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	assertJSON(t, out.String(), map[string]string{
		"msg": `"interrupted by signal interrupt: wait for task: context canceled"`, "changed": `true`,
	}, nil, []string{"hunter22"})
}

func TestPanicStack(t *testing.T) {
	tests := []struct {
		name      string
		meta      string
		wantStack bool
	}{
		{name: "quiet", meta: `"_ansible_verbosity": 2`},
		{name: "vvv", meta: `"_ansible_verbosity": 3`, wantStack: true},
		{name: "vvv no_log", meta: `"_ansible_verbosity": 4, "_ansible_no_log": true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			args := `{` + tt.meta + `, "name": "panic", "baseuri": "b", "password": "hunter22"}`
			code := testModule.ExecuteIn(context.Background(), []byte(args), Host{Stdout: &out, Stderr: &errOut})
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			assertJSON(t, out.String(), map[string]string{"msg": `"module panicked: boom with ********"`}, nil, []string{"goroutine"})
			if got := strings.Contains(errOut.String(), "goroutine"); got != tt.wantStack {
				t.Errorf("stack on stderr: %v, want %v; stderr %q", got, tt.wantStack, errOut.String())
			}
			if strings.Contains(errOut.String(), "hunter22") {
				t.Errorf("stderr holds the password: %s", errOut.String())
			}
		})
	}
}

// TestMaxProcs: Dispatch limits a module to one P unless it was built
// with Concurrent; without SetMaxProcs it changes nothing.
func TestMaxProcs(t *testing.T) {
	fleet := New("fleet", ping, Concurrent())
	tests := []struct {
		name   string
		module Module
		set    bool // Host.SetMaxProcs given
		want   []int
	}{
		{"one iLO at a time", pingModule, true, []int{1}},
		{"concurrent module keeps every CPU", fleet, true, nil},
		{"no SetMaxProcs", pingModule, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []int
			h := Host{Args: []string{tt.module.Name(), writeArgs(t, `{}`)}, Stdout: &strings.Builder{}}
			if tt.set {
				h.SetMaxProcs = func(n int) { calls = append(calls, n) }
			}
			if code := h.Dispatch(tt.module); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			if !slices.Equal(calls, tt.want) {
				t.Errorf("SetMaxProcs calls %v, want %v", calls, tt.want)
			}
		})
	}
}
