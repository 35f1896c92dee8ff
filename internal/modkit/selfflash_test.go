package modkit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/internal/testimage"
)

// TestSelfFlash flashes iLO 5 firmware 3.10 on a simulated iLO (clock 60
// times faster) and follows it with WatchSelfFlash and Settle: through the
// iLO's reset (a new login), without a reset, an image whose version the
// iLO does not come back with (an error naming both, outcome known), and
// an iLO that stays dark past the deadline (outcome unknown).
func TestSelfFlash(t *testing.T) {
	tests := []struct {
		name      string
		opts      []ilosim.Option
		version   string        // what the caller says the image carries
		dark      float64       // an outage (simulated seconds) from the end of the upload
		deadline  time.Duration // of the settle (0: a minute)
		wantReset bool
		wantErr   string // "" when it settles
		unknown   bool
	}{
		{name: "reset", version: "3.10", wantReset: true},
		{name: "no reset", opts: []ilosim.Option{ilosim.WithILOReset(false)}, version: "3.10"},
		{name: "version unknown", version: "", wantReset: true},
		// An outage of 10 s of wall time (longer than the client's retries) from the end of the upload, which the
		// wait sees as the iLO's reset: only the reset ends it.
		{name: "another version", version: "3.20", dark: 600,
			wantReset: true, wantErr: "the update service reported the flash of ilo5_310.bin Complete, but the iLO reports iLO 5 v3.10, not 3.20"},
		{name: "dark past the deadline", version: "3.10", dark: 36000, deadline: 3 * time.Second,
			wantErr: "ilo5_310.bin", unknown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := modtest.StartILO(t, append([]ilosim.Option{ilosim.WithSpeed(60)}, tt.opts...)...)
			img, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "ilo5_310.bin", Size: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			c := x.Connect(t)
			defer func() { _ = c.Close(context.Background()) }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			self, err := modkit.WatchSelfFlash(ctx, c, "ilo5_310.bin", tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if self.What != "the flash of ilo5_310.bin" || self.Before.FirmwareVersion == "" || self.Reset(c) {
				t.Fatalf("watch: what %q, before %q, reset %v", self.What, self.Before.FirmwareVersion, self.Reset(c))
			}
			if _, err := c.Push(ctx, ilo.PushRequest{Path: img.Image, Params: ilo.UploadParams{UpdateTarget: true}, Wait: true}); err != nil {
				t.Fatalf("push: %v", err)
			}
			if tt.dark > 0 {
				x.Sim.SetFaults(ilosim.Faults{DarkSeconds: tt.dark})
			}
			sctx := ctx
			if tt.deadline > 0 {
				var scancel context.CancelFunc
				sctx, scancel = context.WithTimeout(ctx, tt.deadline)
				defer scancel()
			}
			st, err := self.Settle(sctx, c)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("settle: %v, want %q", err, tt.wantErr)
			}
			if got := modkit.IsOutcomeUnknown(err); got != tt.unknown {
				t.Errorf("outcome unknown: %v, want %v (%v)", got, tt.unknown, err)
			}
			if tt.unknown {
				return
			}
			if st.Reset != tt.wantReset || !modkit.SameVersion("3.10", st.Manager.Version) {
				t.Errorf("settled: reset %v, manager %q; want %v, 3.10", st.Reset, st.Manager.Version, tt.wantReset)
			}
			want := "the iLO runs " + st.Manager.FirmwareVersion + " without having reset"
			if tt.wantReset {
				want = "the iLO reset itself and now runs " + st.Manager.FirmwareVersion
			}
			if st.Msg() != want {
				t.Errorf("msg %q, want %q", st.Msg(), want)
			}
		})
	}
}
