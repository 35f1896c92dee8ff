package ilo_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
)

// TestParseSystem reads the ComputerSystem of the iLO 5 2.70 capture.
func TestParseSystem(t *testing.T) {
	b, err := os.ReadFile("testdata/ilo5-2.70/Systems/1/index.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ilo.ParseSystem(b)
	if err != nil {
		t.Fatal(err)
	}
	want := ilo.System{URI: "/redfish/v1/Systems/1/", ID: "1", PowerState: "On", PostState: "FinishedPost",
		ResetTarget: "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/",
		ResetTypes:  []string{"On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"}}
	if s.URI != want.URI || s.ID != want.ID || s.PowerState != want.PowerState || s.PostState != want.PostState ||
		s.ResetTarget != want.ResetTarget || !slices.Equal(s.ResetTypes, want.ResetTypes) {
		t.Errorf("ParseSystem = %+v, want %+v", s, want)
	}
	bare, err := ilo.ParseSystem([]byte(`{"@odata.id": "/redfish/v1/Systems/2/", "Id": "2"}`))
	if err != nil || bare.ResetTarget != "" || bare.ResetTypes == nil || len(bare.ResetTypes) != 0 {
		t.Errorf("a system without the action: %+v %v, want no target and an empty list", bare, err)
	}
	if _, err := ilo.ParseSystem([]byte(`<html>`)); err == nil {
		t.Error("ParseSystem accepted HTML")
	}
}

// TestSystemsAndReset reads the system of each profile and resets it:
// ForceOff powers it off (one write), On in the wrong state is the iLO's
// 400, a system without a reset action is refused before any request.
func TestSystemsAndReset(t *testing.T) {
	for _, profile := range []string{"ilo5", "ilo5-legacy", "ilo6", "ilo7"} {
		t.Run(profile, func(t *testing.T) {
			e := newSim(t, ilosim.WithProfileName(profile))
			c := e.connect(t)
			defer func() { _ = c.Close(context.Background()) }()
			ctx := context.Background()
			systems, err := c.Systems(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(systems) != 1 {
				t.Fatalf("%d systems, want 1", len(systems))
			}
			s := systems[0]
			if s.ID != "1" || s.PowerState != "On" || s.PostState != ilosim.PostFinished || s.ResetTarget == "" || !slices.Contains(s.ResetTypes, "ForceOff") {
				t.Fatalf("system %+v", s)
			}
			e.sim.ResetCounters()
			if err := c.ResetSystem(ctx, s, "ForceOff"); err != nil {
				t.Fatalf("ForceOff: %v", err)
			}
			if w := e.sim.Counters().Writes; w != 1 {
				t.Errorf("ForceOff: %d writes, want 1", w)
			}
			if again, err := c.Systems(ctx); err != nil || again[0].PowerState != "Off" {
				t.Errorf("after ForceOff: %+v %v, want PowerState Off", again, err)
			}
			var ie *ilo.Error
			if err := c.ResetSystem(ctx, s, "ForceOff"); !errors.As(err, &ie) || ie.Status != 400 {
				t.Errorf("ForceOff when off: %v, want the iLO's 400", err)
			}
			e.sim.ResetCounters()
			if err := c.ResetSystem(ctx, ilo.System{URI: s.URI}, "On"); err == nil {
				t.Error("a system without a reset action was reset")
			}
			if n := e.sim.Counters().Requests["POST"]; n != 0 {
				t.Errorf("%d POSTs for a system without a reset action, want 0", n)
			}
		})
	}
}
