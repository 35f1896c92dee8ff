package updateinfo

import (
	"context"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// seed fills the repository, the queue, the windows and the install sets
// of x so that every list the module returns has members, then zeroes the
// counters. The queued task and the install set lock the component.
func seed(t *testing.T, x *modtest.ILO) {
	t.Helper()
	ctx := context.Background()
	c := x.Connect(t)
	defer func() { _ = c.Close(ctx) }()
	token, _ := c.Session()
	img, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3", Size: 1 << 20})
	if err != nil {
		t.Fatalf("write image: %v", err)
	}
	x.Upload(t, token, img)
	x.Sim.Clock().Advance(10 * time.Minute) // verifying and writing take iLO time
	start := x.Sim.Now().Add(48 * time.Hour).UTC()
	w, err := c.CreateMaintenanceWindow(ctx, ilo.NewMaintenanceWindow{Name: "Saturday night", StartAfter: start.Format(time.RFC3339), Expire: start.Add(6 * time.Hour).Format(time.RFC3339)})
	if err != nil {
		t.Fatalf("create window: %v", err)
	}
	if _, err := c.CreateUpdateTask(ctx, ilo.NewUpdateTask{Name: "Update NIC", Command: "ApplyUpdate", Filename: "cp045678.exe", MaintenanceWindow: w.ID}); err != nil {
		t.Fatalf("queue task: %v", err)
	}
	set := ilo.NewInstallSet{Name: "NIC set", Description: "one NIC", Sequence: []ilo.InstallStep{
		{Name: "NIC", Command: "ApplyUpdate", Filename: "cp045678.exe", UpdatableBy: []string{"RuntimeAgent"}},
		{Name: "Pause", Command: "Wait", WaitTimeSeconds: 30},
	}}
	if _, err := c.CreateInstallSet(ctx, set); err != nil {
		t.Fatalf("create install set: %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("log out: %v", err)
	}
	x.Sim.ResetCounters()
}
