package modkit_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/ilosim"
	"github.com/fleetfw/ilo/internal/modkit"
	"github.com/fleetfw/ilo/internal/modtest"
)

func TestSameVersion(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"2.70", "2.70 May 16 2022", true},
		{"v2.58 (05/19/2022)", "A47 v2.58 (05/19/2022)", true},
		{"1.16.00", "1.16", true},
		{"0F", "0x0F", true},
		{"2.46", "iLO 5 v2.46", true},
		{"HPG1", "hpg1", true}, // unknown formats: equal text only
		{"HPG1", "HPG2", false},
		{"1.2.3", "1.2.4", false},
		{"A43 v2.52 (10/29/2021)", "U46 v2.52 (10/29/2021)", false}, // other family: no comparison
		{"", "", false},
		{"2.70", "", false},
	}
	for _, tt := range tests {
		if got := modkit.SameVersion(tt.a, tt.b); got != tt.want {
			t.Errorf("SameVersion(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := modkit.SameVersion(tt.b, tt.a); got != tt.want {
			t.Errorf("SameVersion(%q, %q) = %v, want %v (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestRecorder(t *testing.T) {
	p := func(n int) *int { return &n }
	readings := []ilo.UpdateService{
		{State: "Idle"}, {State: "Idle"}, {State: "Updating", FlashProgressPercent: p(10)},
		{State: "Updating", FlashProgressPercent: p(10)}, {State: "Updating", FlashProgressPercent: p(60)},
		{State: "Updating"}, {State: "Complete"}, {State: "Complete"},
	}
	tests := []struct {
		name     string
		progress bool
		want     string // state/percent of each record
	}{
		{"state changes", false, "Idle Updating/10 Complete"},
		{"with progress", true, "Idle Updating/10 Updating/60 Complete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			r := &modkit.Recorder{Progress: tt.progress, Now: func() time.Time { tick = tick.Add(1500 * time.Microsecond); return tick }}
			if got := r.States(); got == nil || len(got) != 0 {
				t.Fatalf("States before any reading = %#v, want []", got)
			}
			for _, us := range readings {
				r.Add(us)
			}
			var got []string
			var last time.Time
			for _, s := range r.States() {
				v := s.State
				if s.Percent != nil {
					v += "/" + strconv.Itoa(*s.Percent)
				}
				got = append(got, v)
				if !s.Time.After(last) || s.Time.Nanosecond()%int(time.Millisecond) != 0 {
					t.Errorf("time %v: not after %v, or finer than a millisecond", s.Time, last)
				}
				last = s.Time
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("states %v, want %s", got, tt.want)
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	no, yes := false, true
	repo := ilo.Repository{TotalBytes: 1000, FreeBytes: 100, Components: []ilo.Component{{Filename: "cp1.exe", SizeBytes: 300}}}
	tests := []struct {
		name, want string
		err        error
	}{
		{"idle", "", modkit.CheckIdle(ilo.UpdateService{State: "Idle"})},
		{"complete", "", modkit.CheckIdle(ilo.UpdateService{State: "Complete"})},
		{"busy", "the update service is busy (State Updating", modkit.CheckIdle(ilo.UpdateService{State: "Updating"})},
		{"own package", "", modkit.CheckThirdParty("ilo5_305.bin", ".bin", ilo.UpdateService{})},
		{"third party refused", "x.pup is a third-party package (.pup): the iLO takes it only with Oem.Hpe.Accept3rdPartyFirmware", modkit.CheckThirdParty("x.pup", ".pup", ilo.UpdateService{})},
		{"third party accepted", "", modkit.CheckThirdParty("x.pup", ".pup", ilo.UpdateService{Accept3rdPartyFirmware: true})},
		{"room", "", modkit.CheckRoom(repo, "new.bin", 100, "fix")},
		{"no room", "lacks room for new.bin: it needs 101 bytes, 100 are free (of 1000); delete some", modkit.CheckRoom(repo, "new.bin", 101, "delete some")},
		{"replaced file frees its room", "", modkit.CheckRoom(repo, "CP1.exe", 400, "fix")},
		{"unknown size", "", modkit.CheckRoom(repo, "x", -1, "fix")},
		{"same generation", "", modkit.CheckGeneration("ilo5_305.bin", 5, ilo.Manager{Generation: 5})},
		{"unknown generation", "", modkit.CheckGeneration("x.bin", 0, ilo.Manager{Generation: 5})},
		{"other generation", "ilo6_180.bin is iLO 6 firmware and this is an iLO 5 (iLO 5 v2.70)", modkit.CheckGeneration("ilo6_180.bin", 6, ilo.Manager{Generation: 5, FirmwareVersion: "iLO 5 v2.70"})},
		{"updateable unknown", "", modkit.CheckUpdateable([]ilo.InventoryItem{{Name: "a"}, {Name: "b", Updateable: &yes}})},
		{"not updateable", "FirmwareInventory says b (/b) cannot be updated out of band", modkit.CheckUpdateable([]ilo.InventoryItem{{Name: "a"}, {Name: "b", URI: "/b", Updateable: &no}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.want == "") != (tt.err == nil) || tt.err != nil && !strings.Contains(tt.err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", tt.err, tt.want)
			}
		})
	}
	if err := modkit.CheckRoom(repo, "new.bin", 101, "fix"); !errors.Is(err, modkit.ErrNoRoom) {
		t.Errorf("no room: %v is not ErrNoRoom", err)
	}
}

// TestPreflightOfSimulator: a full repository, as the iLO reports it.
func TestPreflightOfSimulator(t *testing.T) {
	x := modtest.StartILO(t)
	full := true
	x.Sim.SetFaults(ilosim.Faults{RepositoryFull: &full})
	c := x.Client(t)
	ctx := context.Background()
	repo, err := c.Repository(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := modkit.CheckRoom(repo, "ilo5_306.bin", 5<<20, "delete components first"); !errors.Is(err, modkit.ErrNoRoom) {
		t.Errorf("full repository: %v", err)
	}
	us, err := c.UpdateService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := modkit.CheckIdle(us); err != nil {
		t.Errorf("a fresh iLO: %v", err)
	}
}

func TestCheckDowngrades(t *testing.T) {
	ds := []ilo.Downgrade{{File: "ilo5_266.bin", Version: "2.66", Device: "iLO 5", Running: "2.72 Sep 04 2022"}}
	var warned []string
	warn := func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }
	err := modkit.CheckDowngrades(ds, false, warn)
	var de *modkit.DowngradeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "allow_downgrade=true") || !strings.Contains(err.Error(), "ilo5_266.bin (2.66) is older than the 2.72 Sep 04 2022 that iLO 5 runs") || len(warned) != 0 {
		t.Errorf("not allowed: %v (warned %v)", err, warned)
	}
	if info := de.ErrorInfo(); len(info["downgrades"].([]ilo.Downgrade)) != 1 {
		t.Errorf("error_info %v", info)
	}
	if err := modkit.CheckDowngrades(ds, true, warn); err != nil || len(warned) != 1 || !strings.Contains(warned[0], "downgrade (allow_downgrade=true): ilo5_266.bin") {
		t.Errorf("allowed: %v, warned %v, want nil and one warning", err, warned)
	}
	if err := modkit.CheckDowngrades(nil, false, warn); err != nil {
		t.Errorf("no downgrade: %v", err)
	}
}
