package installset

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

const (
	bios = "A47_2.62_11_01_2026.signed.flash"
	cpld = "cpld_v1C.vme"
)

// Operator credentials: an account without the Recovery Set privilege.
const (
	operator   = "operator"
	operatorPW = "Op-pw-77c3e1"
)

var twoSteps = []map[string]any{
	{"name": "System ROM 2.62", "filename": bios},
	{"name": "CPLD 1C", "filename": cpld},
}

// seeded is an iLO with two components in the repository and a window
// opening tomorrow by its clock.
func seeded(t *testing.T, opts ...ilosim.Option) (*modtest.ILO, ilo.MaintenanceWindow) {
	t.Helper()
	opts = append([]ilosim.Option{ilosim.WithUser(operator, operatorPW, ilosim.PrivLogin, ilosim.PrivConfigureILO)}, opts...)
	x := modtest.StartILO(t, opts...)
	x.AddComponents(t, testimage.Spec{Filename: bios}, testimage.Spec{Filename: cpld})
	start := x.Sim.Now().Add(24 * time.Hour)
	w, err := x.Client(t).CreateMaintenanceWindow(context.Background(), ilo.NewMaintenanceWindow{Name: "tomorrow", StartAfter: ilo.FormatTime(start), Expire: ilo.FormatTime(start.Add(4 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	return x, w
}

func sets(t *testing.T, x *modtest.ILO) []ilo.InstallSet {
	t.Helper()
	s, err := x.Client(t).InstallSets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func queue(t *testing.T, x *modtest.ILO) []ilo.UpdateTask {
	t.Helper()
	q, err := x.Client(t).TaskQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestLifecycle: check mode, create, again, change the sequence (new Id),
// again, remove, remove again.
func TestLifecycle(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			x, _ := seeded(t, ilosim.WithProfileName(profile))
			create := x.Args(map[string]any{"name": "baseline", "description": "BIOS and CPLD", "sequence": twoSteps})
			oneStep := x.Args(map[string]any{"name": "baseline", "sequence": twoSteps[:1]})
			gone := x.Args(map[string]any{"name": "baseline", "state": "absent"})
			steps := []struct {
				name        string
				args        map[string]any
				check       bool
				wantChanged bool
				wantWrites  int
				wantSteps   int // 0: no set
				wantNewID   bool
			}{
				{"check mode", create, true, true, 0, 0, false},
				{"create", create, false, true, 1, 2, false},
				{"again", create, false, false, 0, 2, false},
				{"description only, not compared when left out", x.Args(map[string]any{"name": "baseline"}), false, false, 0, 2, false},
				{"one step: PATCH", oneStep, false, true, 1, 1, true},
				{"again", oneStep, false, false, 0, 1, false},
				{"absent, check mode", gone, true, true, 0, 1, false},
				{"absent", gone, false, true, 1, 0, false},
				{"absent again", gone, false, false, 0, 0, false},
			}
			for _, s := range steps {
				before := sets(t, x)
				r := modtest.Step(t, x, Module, s.name, s.args, s.check, s.wantChanged, s.wantWrites)
				after := sets(t, x)
				if s.wantSteps == 0 {
					if len(after) != 0 {
						t.Errorf("%s: sets %+v, want none", s.name, after)
					}
					continue
				}
				if len(after) != 1 || len(after[0].Sequence) != s.wantSteps {
					t.Fatalf("%s: sets %+v, want one with %d steps", s.name, after, s.wantSteps)
				}
				got, _ := r.Out["install_set"].(map[string]any)
				if !s.check && got["id"] != after[0].ID {
					t.Errorf("%s: returned Id %v, the iLO has %s", s.name, got["id"], after[0].ID)
				}
				if s.wantNewID {
					if after[0].ID == before[0].ID || r.Out["previous_id"] != before[0].ID {
						t.Errorf("%s: Id %s → %s, previous_id %v", s.name, before[0].ID, after[0].ID, r.Out["previous_id"])
					}
				}
			}
		})
	}
}

// TestMissingComponents are all named, and nothing is written.
func TestMissingComponents(t *testing.T) {
	x, _ := seeded(t)
	seq := append([]map[string]any{{"name": "iLO", "filename": "ilo5_305.bin"}}, twoSteps...)
	seq = append(seq, map[string]any{"name": "NIC", "filename": "cp099999.exe"}, map[string]any{"name": "pause", "command": "Wait", "wait_time_seconds": 30})
	r, writes := modtest.Counted(t, x, Module, x.Args(map[string]any{"name": "s", "sequence": seq}), nil)
	if r.Code == 0 || writes != 0 {
		t.Fatalf("exit %d writes %d: %s", r.Code, writes, r.Raw)
	}
	for _, f := range []string{"ilo5_305.bin", "cp099999.exe", "2 components"} {
		if !strings.Contains(r.Msg(), f) {
			t.Errorf("message %q does not contain %q", r.Msg(), f)
		}
	}
	if strings.Contains(r.Msg(), bios) {
		t.Errorf("message %q names a component that is there", r.Msg())
	}
}

// TestNinthSet: the error names the eight sets the iLO has.
func TestNinthSet(t *testing.T) {
	x, _ := seeded(t)
	for i := range 8 {
		if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": fmt.Sprintf("set %d", i), "sequence": twoSteps[:1]}), nil); r.Code != 0 {
			t.Fatal(r.Raw)
		}
	}
	r, writes := modtest.Counted(t, x, Module, x.Args(map[string]any{"name": "ninth", "sequence": twoSteps[:1]}), nil)
	if r.Code == 0 || writes != 0 {
		t.Fatalf("exit %d writes %d: %s", r.Code, writes, r.Raw)
	}
	for i := range 8 {
		if !strings.Contains(r.Msg(), fmt.Sprintf(`"set %d"`, i)) {
			t.Errorf("message does not name set %d: %s", i, r.Msg())
		}
	}
}

// TestInvoked: idempotency of state=invoked, force, other parameters, and
// the tasks completing when the window opens.
func TestInvoked(t *testing.T) {
	x, w := seeded(t)
	if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "baseline", "sequence": twoSteps}), nil); r.Code != 0 {
		t.Fatal(r.Raw)
	}
	inWindow := x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow"})
	byID := x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": w.ID})
	steps := []struct {
		name        string
		args        map[string]any
		meta        map[string]any
		wantChanged bool
		wantWrites  int
	}{
		{"check mode", inWindow, map[string]any{"check_mode": true}, true, 0},
		{"invoke", inWindow, nil, true, 1},
		{"again", inWindow, nil, false, 0},
		{"window by Id, same tasks", byID, nil, false, 0},
		{"force: delete both, invoke", x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow", "force": true}), nil, true, 3},
		{"other parameters: delete both, invoke", x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow", "tpm_override": true}), nil, true, 3},
		{"again", x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow", "tpm_override": true}), nil, false, 0},
	}
	for _, s := range steps {
		r, writes := modtest.Counted(t, x, Module, s.args, s.meta)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d: %s", s.name, r.Code, r.Raw)
		}
		if r.Changed() != s.wantChanged || writes != s.wantWrites {
			t.Errorf("%s: changed %v writes %d, want %v %d (%s)", s.name, r.Changed(), writes, s.wantChanged, s.wantWrites, r.Msg())
		}
		tasks, _ := r.Out["tasks"].([]any)
		if len(tasks) != 2 {
			t.Errorf("%s: tasks %v, want 2", s.name, tasks)
		}
		q := queue(t, x)
		if s.meta == nil && (len(q) != 2 || q[0].State != ilo.TaskPending || q[0].MaintenanceWindow != w.ID) {
			t.Errorf("%s: queue %+v, want two Pending tasks in %s", s.name, q, w.ID)
		}
	}
	x.Sim.Clock().Advance(26 * time.Hour)
	if q := queue(t, x); len(q) != 2 {
		t.Errorf("queue after the window opened: %+v, want the two tasks", q)
	}
	for _, tk := range queue(t, x) {
		if tk.State != ilo.TaskComplete {
			t.Errorf("task %s after the window opened: %s", tk.Name, tk.State)
		}
	}
	fw, err := x.Client(t).FirmwareInventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var rom string
	for _, it := range fw {
		if it.Name == "System ROM" || strings.HasPrefix(it.Name, "System ROM") {
			rom = it.Version
			break
		}
	}
	if !strings.Contains(rom, "2.62") {
		t.Errorf("System ROM version after the install: %q, want 2.62 (queue %+v)", rom, queue(t, x))
	}
}

// TestWait returns every task's state and result; a task that cannot run
// in time fails the module after wait_timeout.
func TestWait(t *testing.T) {
	x, _ := seeded(t, ilosim.WithPhases(ilosim.Phases{Verifying: time.Millisecond, Writing: time.Millisecond, Updating: 200 * time.Millisecond}))
	if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "baseline", "sequence": twoSteps}), nil); r.Code != 0 {
		t.Fatal(r.Raw)
	}
	r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "baseline", "state": "invoked", "wait": true, "wait_timeout": 60}), nil)
	if r.Code != 0 || !r.Changed() {
		t.Fatalf("exit %d: %s", r.Code, r.Raw)
	}
	tasks, _ := r.Out["tasks"].([]any)
	if len(tasks) != 2 {
		t.Fatalf("tasks = %v", tasks)
	}
	for _, tk := range tasks {
		m := tk.(map[string]any)
		res, _ := m["result"].(map[string]any)
		if m["state"] != ilo.TaskComplete || res == nil || !strings.Contains(fmt.Sprint(res["message_id"]), "Success") {
			t.Errorf("task %v, want Complete with a Success result", m)
		}
	}

	// In tomorrow's window nothing runs before the timeout.
	r = modtest.Execute(t, Module, x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow", "wait": true, "wait_timeout": 2}), nil)
	if r.Code == 0 || !strings.Contains(r.Msg(), "wait_timeout") || !strings.Contains(r.Msg(), "Pending") {
		t.Errorf("exit %d, msg %q, want a timeout naming the Pending tasks", r.Code, r.Msg())
	}
	if tasks, _ := r.Out["tasks"].([]any); !r.Changed() || len(tasks) != 2 || tasks[0].(map[string]any)["state"] != ilo.TaskPending {
		t.Errorf("after the timeout: changed %v, tasks %v; want changed (the set was invoked) and both tasks Pending", r.Changed(), r.Out["tasks"])
	}
	if n := x.Sim.Counters().OpenSessions; n > 3 { // the test's own clients only
		t.Errorf("open sessions = %d", n)
	}
}

// TestRecoverySet: never changed or deleted without is_recovery: true,
// kept by all: true, and a missing privilege is named.
func TestRecoverySet(t *testing.T) {
	x, _ := seeded(t)
	rec, err := x.Client(t).CreateInstallSet(context.Background(), ilo.NewInstallSet{Name: "System Recovery Set", IsRecovery: true,
		Sequence: []ilo.InstallStep{{Name: "ROM", Command: "ApplyUpdate", Filename: bios, UpdatableBy: []string{"Bmc"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "ordinary", "sequence": twoSteps}), nil); r.Code != 0 {
		t.Fatal(r.Raw)
	}
	asOperator := map[string]any{"username": operator, "password": operatorPW}
	with := func(extra ...map[string]any) map[string]any {
		a := x.Args(nil)
		for _, e := range extra {
			for k, v := range e {
				a[k] = v
			}
		}
		return a
	}
	cases := []struct {
		name       string
		args       map[string]any
		wantErr    string // "" for success
		wantWrites int
	}{
		{"change without is_recovery", with(map[string]any{"name": rec.Name, "sequence": twoSteps[:1], "description": "x"}), "only when is_recovery: true", 0},
		{"delete without is_recovery", with(map[string]any{"name": rec.Name, "state": "absent"}), "only when is_recovery: true", 0},
		{"delete without the privilege", with(map[string]any{"name": rec.Name, "state": "absent", "is_recovery": true}, asOperator), "Recovery Set privilege", 1},
		{"update_recovery_set without the privilege", with(map[string]any{"name": "ordinary", "state": "invoked", "update_recovery_set": true}, asOperator), "Recovery Set privilege", 1},
		{"invoke the recovery set", with(map[string]any{"name": rec.Name, "state": "invoked", "maintenance_window": "tomorrow"}, asOperator), "", 1},
		{"all keeps it", with(map[string]any{"all": true, "state": "absent"}), "", 1},
		{"all again", with(map[string]any{"all": true, "state": "absent"}), "", 0},
	}
	for _, c := range cases {
		r, writes := modtest.Counted(t, x, Module, c.args, nil)
		switch {
		case c.wantErr == "" && r.Code != 0:
			t.Errorf("%s: exit %d: %s", c.name, r.Code, r.Raw)
		case c.wantErr != "" && (r.Code == 0 || !strings.Contains(r.Msg(), c.wantErr)):
			t.Errorf("%s: exit %d, msg %q, want a failure containing %q", c.name, r.Code, r.Msg(), c.wantErr)
		}
		if writes != c.wantWrites {
			t.Errorf("%s: writes %d, want %d", c.name, writes, c.wantWrites)
		}
		if strings.Contains(r.Raw, operatorPW) {
			t.Errorf("%s: output holds the operator's password", c.name)
		}
	}
	left := sets(t, x)
	if len(left) != 1 || !left[0].IsRecovery {
		t.Errorf("sets left: %+v, want the recovery set only", left)
	}
}

// TestInvokeTouchesOnlyItsTasks: a queued task that only shares a step's
// name — the user's own, or another set's with another file — is never
// deleted: the invocation is refused before any write, naming the task and
// the ways out. Another set's tasks are not reported or waited for as ours,
// and a re-invocation replaces only the set's own tasks.
func TestInvokeTouchesOnlyItsTasks(t *testing.T) {
	x, _ := seeded(t)
	c := x.Client(t)
	ctx := context.Background()
	if r := modtest.Execute(t, Module, x.Args(map[string]any{"name": "baseline", "sequence": twoSteps}), nil); r.Code != 0 {
		t.Fatal(r.Raw)
	}
	// The user's own task named like the first step, with another command.
	users, err := c.CreateUpdateTask(ctx, ilo.NewUpdateTask{Name: "System ROM 2.62", Command: "Wait", WaitTimeSeconds: 30,
		StartAfter: ilo.FormatTime(x.Sim.Now().Add(48 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	args := x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow"})
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code == 0 || r.Changed() || writes != 0 {
		t.Fatalf("exit %d changed %v writes %d, want a refusal without a write (%s)", r.Code, r.Changed(), writes, r.Msg())
	}
	for _, w := range []string{`"System ROM 2.62"`, "Id " + users.ID, "not made by it", "clear_task_queue"} {
		if !strings.Contains(r.Msg(), w) {
			t.Errorf("msg %q lacks %q", r.Msg(), w)
		}
	}
	q := queue(t, x)
	if len(q) != 1 || q[0].ID != users.ID || q[0].Command != "Wait" {
		t.Fatalf("queue %+v, want only the user's task, untouched", q)
	}

	// Without the name clash the set is invoked; the user's task stays.
	if err := c.DeleteUpdateTask(ctx, users); err != nil {
		t.Fatal(err)
	}
	mine, err := c.CreateUpdateTask(ctx, ilo.NewUpdateTask{Name: "mine", Command: "Wait", WaitTimeSeconds: 30,
		StartAfter: ilo.FormatTime(x.Sim.Now().Add(48 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		a := x.Args(map[string]any{"name": "baseline", "state": "invoked", "maintenance_window": "tomorrow", "force": force})
		r = modtest.Execute(t, Module, a, nil)
		if r.Code != 0 || !r.Changed() {
			t.Fatalf("force=%v: exit %d: %s", force, r.Code, r.Raw)
		}
		tasks, _ := r.Out["tasks"].([]any)
		if len(tasks) != 2 {
			t.Errorf("force=%v: tasks %v, want the set's 2", force, tasks)
		}
		q = queue(t, x)
		var kept bool
		for _, tk := range q {
			kept = kept || tk.ID == mine.ID
		}
		if len(q) != 3 || !kept {
			t.Errorf("force=%v: queue %+v, want the set's two tasks and the user's own", force, q)
		}
	}
}

// TestRecoverySetInstalls: invoking the System Recovery Set lists the
// files and versions it installs against what runs, warns about every one
// older than what runs, and, as every downgrade, needs allow_downgrade.
func TestRecoverySetInstalls(t *testing.T) {
	x, _ := seeded(t)
	x.AddComponents(t, testimage.Spec{Filename: "ilo5_266.bin"})
	if _, err := x.Client(t).CreateInstallSet(context.Background(), ilo.NewInstallSet{Name: "System Recovery Set", IsRecovery: true,
		Sequence: []ilo.InstallStep{{Name: "iLO", Command: "ApplyUpdate", Filename: "ilo5_266.bin", UpdatableBy: []string{"Bmc"}}}}); err != nil {
		t.Fatal(err)
	}
	args := x.Args(map[string]any{"name": "System Recovery Set", "state": "invoked", "maintenance_window": "tomorrow"})
	for _, check := range []bool{true, false} {
		r, writes := modtest.Counted(t, x, Module, args, map[string]any{"check_mode": check})
		if r.Code == 0 || writes != 0 || !strings.Contains(r.Msg(), "allow_downgrade=true") {
			t.Errorf("check=%v: exit %d writes %d msg %q, want a refusal naming allow_downgrade", check, r.Code, writes, r.Msg())
		}
		ins, _ := r.Out["installs"].([]any)
		if len(ins) != 1 {
			t.Fatalf("check=%v: installs %v, want the iLO file", check, r.Out["installs"])
		}
		in := ins[0].(map[string]any)
		devs, _ := in["devices"].([]any)
		if in["filename"] != "ilo5_266.bin" || !strings.Contains(fmt.Sprint(in["version"]), "2.66") || in["older"] != true || len(devs) != 1 ||
			!strings.Contains(fmt.Sprint(devs[0]), "2.70") {
			t.Errorf("check=%v: install %v, want ilo5_266.bin 2.66, older than the 2.70 the iLO runs", check, in)
		}
		if ws := fmt.Sprint(r.Out["warnings"]); !strings.Contains(ws, "System Recovery Set installs ilo5_266.bin") {
			t.Errorf("check=%v: warnings %s, want the older file named", check, ws)
		}
	}
	args["allow_downgrade"] = true
	r, writes := modtest.Counted(t, x, Module, args, nil)
	if r.Code != 0 || !r.Changed() || writes != 1 || !strings.Contains(fmt.Sprint(r.Out["warnings"]), "allow_downgrade") {
		t.Errorf("allowed: exit %d changed %v writes %d warnings %v (%s)", r.Code, r.Changed(), writes, r.Out["warnings"], r.Msg())
	}
}
