package ilosim

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// TestOutageAndResetDarkCombine: the dark_seconds outage and the iLO's own
// reset after a self-flash are independent; the iLO answers only when
// neither holds it dark, so it comes back when the later of the two ends.
// Times are seconds from the start of the reset (R); the clock is stopped,
// so every instant is exact.
func TestOutageAndResetDarkCombine(t *testing.T) {
	type post struct {
		at     float64 // seconds from R
		faults map[string]any
	}
	type probe struct {
		at   float64
		dark bool
	}
	cases := []struct {
		name      string
		resetDark float64 // ilo_reset_dark_seconds
		posts     []post
		probes    []probe
	}{
		{"reset alone", 60, nil,
			[]probe{{-1, false}, {0, true}, {59, true}, {60, false}}},
		{"outage longer than the reset", 30,
			[]post{{-5, map[string]any{"dark_seconds": 200}}}, // outage till R+195
			[]probe{{-1, true}, {29, true}, {31, true}, {100, true}, {194, true}, {195, false}}},
		{"reset longer than the outage", 90,
			[]post{{-5, map[string]any{"dark_seconds": 20}}}, // outage till R+15
			[]probe{{-1, true}, {16, true}, {50, true}, {89, true}, {90, false}}},
		{"outage ends before the reset starts", 30,
			[]post{{-20, map[string]any{"dark_seconds": 10}}}, // outage till R-10
			[]probe{{-15, true}, {-5, false}, {0, true}, {29, true}, {30, false}}},
		{"short outage starting during the reset", 90,
			[]post{{10, map[string]any{"dark_seconds": 30}}}, // outage till R+40
			[]probe{{5, true}, {41, true}, {89, true}, {90, false}}},
		{"long outage starting during the reset", 90,
			[]post{{10, map[string]any{"dark_seconds": 200}}}, // outage till R+210
			[]probe{{89, true}, {91, true}, {209, true}, {210, false}}},
		{"outage cut short by a shorter dark_seconds", 60,
			[]post{{-5, map[string]any{"dark_seconds": 1000000}}, {10, map[string]any{"dark_seconds": 5}}}, // outage till R+15
			[]probe{{12, true}, {16, true}, {59, true}, {60, false}}},
		{"outage replaced after the reset ended", 30,
			[]post{{-5, map[string]any{"dark_seconds": 1000000}}, {100, map[string]any{"dark_seconds": 5}}}, // outage till R+105
			[]probe{{31, true}, {104, true}, {105, false}}},
		// dark_seconds 0 is "absent" (doc.go: absent keys leave the current
		// value): it neither clears the outage nor cuts the reset short.
		{"dark_seconds 0 leaves the outage", 30,
			[]post{{-5, map[string]any{"dark_seconds": 200}}, {10, map[string]any{"dark_seconds": 0}}},
			[]probe{{31, true}, {194, true}, {195, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, WithSpeed(0), fastPhases)
			e.login()
			if r := e.do("POST", "/_sim/faults", map[string]any{"ilo_reset_delay_seconds": 30, "ilo_reset_dark_seconds": c.resetDark}, nil); r.status != 200 {
				t.Fatalf("faults: %d %s", r.status, r.body)
			}
			e.flashILO(t)
			e.ilo.Clock().Advance(63 * time.Second) // the flash is over, the reset 30 s after its end
			at, _ := e.ilo.State()["ilo_reset_at"].(string)
			r, err := time.Parse(time.RFC3339, at)
			if err != nil {
				t.Fatalf("ilo_reset_at %q: %v", at, err)
			}
			if d := r.Sub(e.ilo.Clock().Now()); d < 21*time.Second {
				t.Fatalf("reset %v from now, the table needs 20 s before it", d)
			}
			type step struct {
				at    float64
				post  map[string]any
				probe *probe
			}
			var steps []step
			for _, p := range c.posts {
				steps = append(steps, step{at: p.at, post: p.faults})
			}
			for k := range c.probes {
				steps = append(steps, step{at: c.probes[k].at, probe: &c.probes[k]})
			}
			sort.SliceStable(steps, func(a, b int) bool { return steps[a].at < steps[b].at }) // posts first at equal times
			for _, s := range steps {
				e.ilo.Clock().Advance(r.Add(seconds(s.at)).Sub(e.ilo.Clock().Now()))
				if now := e.ilo.Clock().Now(); !now.Equal(r.Add(seconds(s.at))) {
					t.Fatalf("clock at R%+.0fs, want R%+gs", now.Sub(r).Seconds(), s.at)
				}
				if s.post != nil {
					if res := e.do("POST", "/_sim/faults", s.post, nil); res.status != 200 {
						t.Fatalf("R%+gs faults %v: %d %s", s.at, s.post, res.status, res.body)
					}
					continue
				}
				answers := e.answers()
				state := e.ilo.State()["dark"]
				if answers == s.probe.dark {
					t.Errorf("R%+gs: iLO dark %v (answers %v), want dark %v", s.at, !answers, answers, s.probe.dark)
				}
				if state != s.probe.dark {
					t.Errorf("R%+gs: /_sim/state dark %v, want %v", s.at, state, s.probe.dark)
				}
			}
			if n := e.ilo.State()["ilo_resets"]; n != 1 {
				t.Errorf("ilo_resets %v, want 1", n)
			}
		})
	}
}

// TestOutageDuringManagerReset: a Manager.Reset (the iLO's own reset, dark
// for the dark time) does not end an outage that is still running, and an
// outage does not cut the reset short.
func TestOutageDuringManagerReset(t *testing.T) {
	cases := []struct {
		outage float64 // dark_seconds posted right before the reset
		back   float64 // seconds after the reset the iLO answers again
	}{
		{outage: 120, back: 120},
		{outage: 10, back: 30},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.outage), func(t *testing.T) {
			e := newEnv(t, WithSpeed(0), WithDarkTime(30*time.Second))
			e.login()
			e.do("POST", "/_sim/faults", map[string]any{"dark_seconds": c.outage}, nil)
			e.ilo.ResetBMC() // the reset arrives (a queued ResetBmc) while the network is down
			e.ilo.Clock().Advance(seconds(c.back - 1))
			if e.answers() {
				t.Fatalf("iLO answers 1 s before %v s", c.back)
			}
			e.ilo.Clock().Advance(time.Second)
			if !e.answers() {
				t.Fatalf("iLO still dark after %v s", c.back)
			}
		})
	}
}
