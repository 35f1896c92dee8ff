package ilo_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/testimage"
)

// simEnv is one simulated iLO (internal/ilosim) behind an httptest TLS
// server, reached through the real client.
type simEnv struct {
	sim  *ilosim.ILO
	srv  *httptest.Server
	args ilo.Config
}

func newSim(t *testing.T, opts ...ilosim.Option) *simEnv {
	t.Helper()
	sim := ilosim.New(append([]ilosim.Option{ilosim.WithDir(t.TempDir())}, opts...)...)
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		_ = sim.Close()
	})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, srv: srv, args: ilo.Config{
		BaseURI: srv.URL, Username: ilosim.DefaultUsername, Password: ilosim.DefaultPassword,
		CAPath: ca, Timeout: 10 * time.Second,
	}}
}

func (e *simEnv) connect(t *testing.T) *ilo.Client {
	t.Helper()
	c, err := ilo.Connect(context.Background(), e.args, ilo.WithBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c
}

// TestSimulatorProfiles reads every resource family from each profile and
// checks that the session is gone afterwards.
func TestSimulatorProfiles(t *testing.T) {
	tests := []struct {
		profile string
		gen     int
	}{
		{"ilo5", 5}, {"ilo5-legacy", 5}, {"ilo6", 6}, {"ilo7", 7}, {"ilo5-multipart", 5},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			env := newSim(t, ilosim.WithProfileName(tt.profile))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := env.connect(t)
			us, err := c.UpdateService(ctx)
			if err != nil {
				t.Fatalf("UpdateService: %v", err)
			}
			if us.State == "" || us.Links.ComponentRepository == "" || us.Actions.SimpleUpdate == "" {
				t.Errorf("update service: got %+v", us)
			}
			if tt.profile == "ilo5-multipart" && us.MultipartHttpPushUri == "" {
				t.Errorf("ilo5-multipart: no MultipartHttpPushUri")
			}
			m, err := c.Manager(ctx)
			if err != nil {
				t.Fatalf("Manager: %v", err)
			}
			if m.Generation != tt.gen || m.Version == "" {
				t.Errorf("manager: got %+v, want generation %d", m, tt.gen)
			}
			if _, err := c.Repository(ctx); err != nil {
				t.Errorf("Repository: %v", err)
			}
			inv, err := c.FirmwareInventory(ctx)
			if err != nil || len(inv) == 0 {
				t.Errorf("FirmwareInventory: %d items, %v", len(inv), err)
			}
			if _, err := c.TaskQueue(ctx); err != nil {
				t.Errorf("TaskQueue: %v", err)
			}
			if _, err := c.InstallSets(ctx); err != nil {
				t.Errorf("InstallSets: %v", err)
			}
			if _, err := c.MaintenanceWindows(ctx); err != nil {
				t.Errorf("MaintenanceWindows: %v", err)
			}
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
			if n := env.sim.Counters().OpenSessions; n != 0 {
				t.Errorf("open sessions after Close: got %d, want 0", n)
			}
			if n := env.sim.Writes(); n != 0 {
				t.Errorf("writes by a read-only run: got %d, want 0", n)
			}
		})
	}
}

func TestSimulatorFaults(t *testing.T) {
	t.Run("503 retried for GET", func(t *testing.T) {
		env := newSim(t)
		c := env.connect(t)
		defer c.Close(context.Background())
		env.sim.SetFaults(ilosim.Faults{Status503: 2})
		if _, err := c.UpdateService(context.Background()); err != nil {
			t.Fatalf("UpdateService through two 503s: %v", err)
		}
	})
	t.Run("expired sessions: one re-login", func(t *testing.T) {
		env := newSim(t)
		c := env.connect(t)
		env.sim.SetFaults(ilosim.Faults{ExpireSessions: true})
		if _, err := c.Repository(context.Background()); err != nil {
			t.Fatalf("Repository after expiry: %v", err)
		}
		if c.Logins() != 2 {
			t.Errorf("logins: got %d, want 2", c.Logins())
		}
		c.Close(context.Background())
		if n := env.sim.Counters().OpenSessions; n != 0 {
			t.Errorf("open sessions: got %d, want 0", n)
		}
	})
	t.Run("reset mid-body is uncertain, never repeated", func(t *testing.T) {
		env := newSim(t)
		c := env.connect(t)
		defer c.Close(context.Background())
		path := filepath.Join(t.TempDir(), "cp000001.bin")
		if err := os.WriteFile(path, bytes.Repeat([]byte{1}, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		env.sim.SetFaults(ilosim.Faults{ResetMidBody: 1})
		before := env.sim.Counters().Requests["POST"]
		_, err := c.Upload(context.Background(), ilo.UploadRequest{Path: path, Params: ilo.UploadParams{UpdateRepository: true, ETag: "t1"}})
		if !ilo.IsUncertain(err) {
			t.Fatalf("got %v, want an uncertain error", err)
		}
		if n := env.sim.Counters().Requests["POST"] - before; n != 1 {
			t.Errorf("POSTs: got %d, want 1", n)
		}
	})
}

// TestSimulatorUpload uploads a component, waits for the update service to
// finish with our tag, and finds the component in the repository.
func TestSimulatorUpload(t *testing.T) {
	env := newSim(t, ilosim.WithPhases(ilosim.Phases{Verifying: 50 * time.Millisecond, Writing: 50 * time.Millisecond, Updating: 100 * time.Millisecond}))
	c := env.connect(t)
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	files, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3", Size: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	if files.Compsig == "" {
		t.Fatalf("testimage wrote no compsig for a Smart Component: %+v", files)
	}
	res, err := c.Upload(ctx, ilo.UploadRequest{Path: files.Image, CompsigPath: files.Compsig, Params: ilo.UploadParams{UpdateRepository: true, ETag: "fleetfw-sim-1"}})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.Status != 200 && res.Status != 201 {
		t.Errorf("status: got %d", res.Status)
	}
	if got := env.sim.Counters().BytesReceived; got < res.BytesSent {
		t.Errorf("simulator received %d bytes, client sent %d", got, res.BytesSent)
	}
	last, err := c.WaitUpdate(ctx, ilo.UpdateWait{What: "the upload", ETag: "fleetfw-sim-1", Every: 50 * time.Millisecond})
	if err != nil && !last.Failed() {
		t.Fatalf("wait: %v (last state %q, tag %q)", err, last.State, last.UploadCurrentEtag)
	}
	if last.Failed() {
		t.Fatalf("the update service ended in Error: %v", last.Result)
	}
	comp, err := c.Component(ctx, "cp045678.exe")
	if err != nil || comp == nil || comp.SizeBytes != 200_000 {
		t.Fatalf("component: got %+v, %v", comp, err)
	}
	locked := *comp
	locked.Locked = true
	writes := env.sim.Writes()
	if err := c.DeleteComponent(ctx, locked); err == nil || env.sim.Writes() != writes {
		t.Errorf("deleting a locked component: got %v and %d writes, want a refusal and none", err, env.sim.Writes()-writes)
	}
	if err := c.DeleteComponent(ctx, *comp); err != nil {
		t.Fatalf("DeleteComponent: %v", err)
	}
	if again, err := c.Component(ctx, "cp045678.exe"); err != nil || again != nil {
		t.Errorf("after delete: got %+v, %v", again, err)
	}
	if err := c.DeleteComponent(ctx, *comp); err != nil {
		t.Errorf("deleting it again (already gone): got %v, want nil", err)
	}
}

// TestSimulatorSections sends a 40 MiB Smart Component as two Sections,
// each with its own signature, waiting for Complete between them.
func TestSimulatorSections(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 40 MiB")
	}
	env := newSim(t, ilosim.WithPhases(ilosim.Phases{Verifying: 20 * time.Millisecond, Writing: 20 * time.Millisecond, Updating: 20 * time.Millisecond}))
	c := env.connect(t)
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const size = 40 << 20
	files, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "cp099999.exe", Version: "9.9.9", Size: size})
	if err != nil {
		t.Fatal(err)
	}
	if len(files.Parts) != 2 {
		t.Fatalf("per-part signatures: got %d, want 2", len(files.Parts))
	}
	for k := 0; k < 2; k++ {
		sec, tag := k, "fleetfw-sec-"+string(rune('0'+k))
		off := int64(k) * ilo.SectionSize
		_, err := c.Upload(ctx, ilo.UploadRequest{
			Path: files.Image, Offset: off, Length: min(ilo.SectionSize, size-off), CompsigPath: files.Parts[k],
			Params: ilo.UploadParams{UpdateRepository: true, ETag: tag, Section: &sec},
		})
		if err != nil {
			t.Fatalf("section %d: %v", k, err)
		}
		us, err := c.WaitUpdate(ctx, ilo.UpdateWait{What: "a section", ETag: tag, Every: 20 * time.Millisecond})
		if err != nil && !us.Failed() {
			t.Fatalf("section %d: wait: %v", k, err)
		}
		if us.Failed() {
			t.Fatalf("section %d: %v", k, us.Result)
		}
	}
	comp, err := c.Component(ctx, "cp099999.exe")
	if err != nil || comp == nil || comp.SizeBytes != size {
		t.Errorf("component: got %+v, %v; want %d bytes", comp, err, size)
	}
}

// TestSimulatorMultipartPush pushes an image through the DMTF
// MultipartHttpPushUri of the ilo5-multipart profile and follows the task
// monitor it returns to the end.
func TestSimulatorMultipartPush(t *testing.T) {
	env := newSim(t, ilosim.WithProfileName("ilo5-multipart"),
		ilosim.WithPhases(ilosim.Phases{Verifying: 20 * time.Millisecond, Writing: 20 * time.Millisecond, Updating: 50 * time.Millisecond}))
	c := env.connect(t)
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	files, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "U32_2.90_01_01_2025.signed.flash"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.MultipartPush(ctx, ilo.MultipartPushRequest{Path: files.Image, Parameters: []byte(`{"Targets": []}`)})
	if err != nil {
		t.Fatalf("MultipartPush: %v", err)
	}
	if a.TaskMonitor == "" {
		t.Fatalf("no task monitor in %+v", a)
	}
	us, err := c.WaitAccepted(ctx, a, ilo.UpdateWait{What: "the push", Every: 20 * time.Millisecond})
	if err != nil || us.State != ilo.StateComplete {
		t.Fatalf("WaitAccepted: %v (state %q), want the monitor, then the service, to end Complete", err, us.State)
	}
	if s, err := c.TaskMonitor(ctx, a.TaskMonitor); err != nil || s.Running || s.Failed() {
		t.Errorf("the monitor after the wait: %+v, %v", s, err)
	}
}

// TestSimulatorSimpleUpdate: SimpleUpdate answers 202 with a task monitor on
// the ilo5 profile (iLO 5 ≥ 2.30); the simulated iLO downloads the image
// from a local server and the task completes.
func TestSimulatorSimpleUpdate(t *testing.T) {
	dir := t.TempDir()
	files, err := testimage.WriteFiles(dir, testimage.Spec{Filename: "U32_2.90_01_01_2025.signed.flash"})
	if err != nil {
		t.Fatal(err)
	}
	images := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer images.Close()
	env := newSim(t, ilosim.WithPhases(ilosim.Phases{Verifying: 20 * time.Millisecond, Writing: 20 * time.Millisecond, Updating: 50 * time.Millisecond}))
	c := env.connect(t)
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := c.SimpleUpdate(ctx, ilo.SimpleUpdateRequest{ImageURI: images.URL + "/" + filepath.Base(files.Image)})
	if err != nil {
		t.Fatalf("SimpleUpdate: %v", err)
	}
	if a.Status != http.StatusAccepted || a.TaskMonitor == "" {
		t.Fatalf("SimpleUpdate: got %+v, want 202 with a task monitor", a)
	}
	us, err := c.WaitAccepted(ctx, a, ilo.UpdateWait{What: "the update", Every: 20 * time.Millisecond})
	if err != nil || us.State != ilo.StateComplete {
		t.Fatalf("WaitAccepted: %v (state %q), want Complete", err, us.State)
	}
	if s, err := c.TaskMonitor(ctx, a.TaskMonitor); err != nil || s.Running || s.Failed() {
		t.Errorf("the monitor after the wait: %+v, %v", s, err)
	}
}

func TestSimulatorLoginFailures(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		env := newSim(t)
		a := env.args
		a.Password = "not-the-password"
		_, err := ilo.Connect(context.Background(), a)
		if !ilo.IsUnauthorized(err) {
			t.Fatalf("got %v, want 401", err)
		}
		if bytes.Contains([]byte(err.Error()), []byte(a.Password)) {
			t.Errorf("password in %q", err)
		}
	})
	t.Run("session limit", func(t *testing.T) {
		env := newSim(t, ilosim.WithSessionCap(1))
		c := env.connect(t)
		defer c.Close(context.Background())
		_, err := ilo.Connect(context.Background(), env.args)
		if !ilo.HasMessage(err, "SessionLimitExceeded") || !strings.Contains(err.Error(), "no free session") {
			t.Fatalf("got %v, want SessionLimitExceeded with advice", err)
		}
		if n := env.sim.Counters().OpenSessions; n != 1 {
			t.Errorf("open sessions: got %d, want 1", n)
		}
	})
}

func TestSimulatorLegacySimpleUpdate(t *testing.T) {
	dir := t.TempDir()
	files, err := testimage.WriteFiles(dir, testimage.Spec{Filename: "U32_2.90_01_01_2025.signed.flash"})
	if err != nil {
		t.Fatal(err)
	}
	images := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer images.Close()
	env := newSim(t, ilosim.WithProfileName("ilo5-legacy"))
	c := env.connect(t)
	defer c.Close(context.Background())
	a, err := c.SimpleUpdate(context.Background(), ilo.SimpleUpdateRequest{ImageURI: images.URL + "/" + filepath.Base(files.Image)})
	if err != nil {
		t.Fatalf("SimpleUpdate: %v", err)
	}
	// iLO 5 before 2.30: 200 + Base.Success and no task (reference §3.3).
	if a.Status != http.StatusOK || a.TaskMonitor != "" || len(a.Messages) == 0 || a.Messages[0].Key() != "Success" {
		t.Errorf("got %+v, want 200 Success without a task monitor", a)
	}
}
