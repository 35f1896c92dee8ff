package ilo

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock records the pauses asked of it and returns at once; it cancels
// the poll's context after limit pauses (0: never).
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	limit  int
	cancel context.CancelFunc
}

func (k *fakeClock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.now
}

func (k *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	k.mu.Lock()
	k.sleeps = append(k.sleeps, d)
	k.now = k.now.Add(d)
	over := k.limit > 0 && len(k.sleeps) >= k.limit
	k.mu.Unlock()
	if over && k.cancel != nil {
		k.cancel()
	}
	return ctx.Err()
}

// TestPoll: the pace, Retry-After, the deadline and the reset policies, on
// a fake clock (no test waits for real time).
func TestPoll(t *testing.T) {
	dark := &Error{Method: "GET", URI: "/redfish/v1/UpdateService/", Status: http.StatusServiceUnavailable}
	refused := &Error{Method: "GET", URI: "/redfish/v1/UpdateService/", Status: http.StatusForbidden}
	ms := time.Millisecond
	tests := []struct {
		name    string
		pace    Pace
		onReset OnReset
		limit   int // pauses before the deadline (0: none)
		// readings: what each reading returns, the last one repeating
		readings   []Reading
		errs       []error
		wantSleeps []time.Duration
		wantErr    func(error) bool
		wantReads  int
	}{
		{
			name: "growing by half to the cap", pace: Pace{First: 250 * ms, Every: 2 * time.Second},
			readings:   []Reading{{}, {}, {}, {}, {}, {}, {}, {}, {Done: true}},
			wantSleeps: []time.Duration{250 * ms, 375 * ms, 562500 * time.Microsecond, 843750 * time.Microsecond, 1265625 * time.Microsecond, 1898437500, 2 * time.Second, 2 * time.Second},
			wantReads:  9,
		},
		{
			name: "doubling", pace: Pace{First: time.Second, Every: 15 * time.Second, Growth: 2},
			readings:   []Reading{{}, {}, {}, {}, {}, {Done: true}},
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second},
			wantReads:  6,
		},
		{
			name: "Retry-After when shorter than five minutes", pace: Pace{First: time.Second, Every: time.Second},
			readings:   []Reading{{RetryAfter: 10 * ms}, {RetryAfter: time.Hour}, {Done: true}},
			wantSleeps: []time.Duration{10 * ms, time.Second},
			wantReads:  3,
		},
		{
			name: "done at once", pace: Pace{First: time.Second, Every: time.Second},
			readings: []Reading{{Done: true}}, wantReads: 1,
		},
		{
			name: "the deadline cuts a pause", pace: Pace{First: time.Second, Every: time.Second}, limit: 3,
			readings:   []Reading{{}},
			wantSleeps: []time.Duration{time.Second, time.Second, time.Second},
			wantErr: func(err error) bool {
				var pt *PollTimeout
				return errors.As(err, &pt) && !pt.InReset && pt.Err == nil && errors.Is(err, context.DeadlineExceeded)
			},
			wantReads: 3,
		},
		{
			name: "a failed reading ends the poll", pace: Pace{First: time.Second, Every: time.Second}, onReset: ResetReconnects,
			readings: []Reading{{}}, errs: []error{nil, refused},
			wantSleeps: []time.Duration{time.Second},
			wantErr:    func(err error) bool { return errors.Is(err, refused) },
			wantReads:  2,
		},
		{
			name: "ResetFails: a dark iLO is an error", pace: Pace{First: time.Second, Every: time.Second},
			readings: []Reading{{}}, errs: []error{dark},
			wantErr:   func(err error) bool { return errors.Is(err, dark) },
			wantReads: 1,
		},
		{
			name: "ResetEnds hands over", pace: Pace{First: time.Second, Every: time.Second}, onReset: ResetEnds,
			readings: []Reading{{}}, errs: []error{nil, dark},
			wantSleeps: []time.Duration{time.Second},
			wantErr:    func(err error) bool { return errors.Is(err, ErrReset) },
			wantReads:  2,
		},
	}
	env := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			k := &fakeClock{limit: tt.limit, cancel: cancel}
			c := env.connect(t, WithClock(k))
			defer c.Close(context.Background())
			reads := 0
			pr, err := c.Poll(ctx, tt.pace, tt.onReset, func(_ context.Context, n PollResult) (Reading, error) {
				if n.Readings != reads {
					t.Errorf("reading %d is told %d readings", reads, n.Readings)
				}
				i := min(reads, len(tt.readings)-1)
				var err error
				if reads < len(tt.errs) {
					err = tt.errs[reads]
				}
				reads++
				return tt.readings[i], err
			})
			if (tt.wantErr == nil) != (err == nil) || err != nil && !tt.wantErr(err) {
				t.Errorf("err = %v", err)
			}
			if reads != tt.wantReads || pr.Readings != reads {
				t.Errorf("%d readings (poll says %d), want %d", reads, pr.Readings, tt.wantReads)
			}
			if !slices.Equal(k.sleeps, tt.wantSleeps) {
				t.Errorf("pauses %v, want %v", k.sleeps, tt.wantSleeps)
			}
		})
	}
}

// TestPollResetWithToken: a session given as a token cannot be renewed
// after an iLO reset: the poll says so instead of waiting until its deadline.
func TestPollResetWithToken(t *testing.T) {
	env := newEnv(t)
	owner := env.connect(t)
	token, _ := owner.Session()
	c := env.connect(t, WithClock(&fakeClock{}))
	c.mu.Lock()
	c.user, c.pass, c.token = "", "", token // as Connect leaves a client given auth_token
	c.mu.Unlock()
	expired := &Error{Method: "GET", URI: "/redfish/v1/UpdateService/", Status: http.StatusUnauthorized}
	_, err := c.Poll(context.Background(), Pace{First: time.Second, Every: time.Second}, ResetReconnects, func(context.Context, PollResult) (Reading, error) {
		return Reading{}, expired
	})
	if err == nil || !strings.Contains(err.Error(), "give Config.Username and Config.Password instead of Config.AuthToken") || !errors.Is(err, expired) {
		t.Errorf("err = %v", err)
	}
}
