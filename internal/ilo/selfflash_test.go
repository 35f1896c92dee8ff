package ilo

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/sjson"
)

// selfFlashILO scripts the fake's manager after an iLO flash was Complete:
// it reports before for oldReads readings, then goes dark (503 on every
// request, the service root included, and every session ends) for dark,
// then reports after. dark < 0 means the iLO never resets: it reports
// after once oldReads are done (or never, with oldReads < 0).
type selfFlashILO struct {
	flashScript
	mu       sync.Mutex
	reads    int
	darkFrom time.Time
}

// flashScript is what selfFlashILO plays.
type flashScript struct {
	oldReads      int
	dark          time.Duration
	before, after string
}

func (s *selfFlashILO) install(t *testing.T, f *fakeILO) {
	t.Helper()
	coll, err := os.ReadFile("testdata/ilo5-2.70/Managers/index.json")
	if err != nil {
		t.Fatal(err)
	}
	member, err := os.ReadFile("testdata/ilo5-2.70/Managers/1/index.json")
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile("testdata/ilo5-2.70/index.json")
	if err != nil {
		t.Fatal(err)
	}
	isDark := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.darkFrom.IsZero() && time.Since(s.darkFrom) < s.dark
	}
	f.hook(http.MethodGet, "/redfish/v1/", func(w http.ResponseWriter, r *http.Request) bool {
		if isDark() {
			writeEnvelope(w, http.StatusServiceUnavailable, "Base.1.4.ServiceTemporarilyUnavailable")
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(root)
		return true
	})
	f.hook(http.MethodPost, "/redfish/v1/SessionService/Sessions/", func(w http.ResponseWriter, r *http.Request) bool {
		if isDark() {
			writeEnvelope(w, http.StatusServiceUnavailable, "Base.1.4.ServiceTemporarilyUnavailable")
			return true
		}
		return false
	})
	f.hook(http.MethodGet, "/redfish/v1/Managers/", func(w http.ResponseWriter, r *http.Request) bool {
		if isDark() {
			writeEnvelope(w, http.StatusServiceUnavailable, "Base.1.4.ServiceTemporarilyUnavailable")
			return true
		}
		if !f.hasSession(r.Header.Get("X-Auth-Token")) {
			writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
			return true
		}
		s.mu.Lock()
		s.reads++
		version := s.before
		switch {
		case s.oldReads < 0:
		case s.reads <= s.oldReads:
		case s.dark >= 0 && s.darkFrom.IsZero():
			s.darkFrom = time.Now()
			s.mu.Unlock()
			f.dropSessions()
			writeEnvelope(w, http.StatusServiceUnavailable, "Base.1.4.ServiceTemporarilyUnavailable")
			return true
		default:
			version = s.after
		}
		s.mu.Unlock()
		m, _ := sjson.SetBytes(member, "FirmwareVersion", version)
		b, _ := sjson.SetRawBytes(coll, "Members", append(append([]byte("["), m...), ']'))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return true
	})
}

// TestWaitSelfFlash: after Complete of an iLO flash the wait ends when the
// iLO reset and came back, or reports the new version without a reset; a
// reset longer than expected is waited through; running out of time says
// whether the iLO was dark, never "context deadline exceeded".
func TestWaitSelfFlash(t *testing.T) {
	for _, tc := range []struct {
		name      string
		script    flashScript
		version   string
		timeout   time.Duration
		wantReset bool
		wantVer   string
		wantErr   []string // parts of a timeout message; nil: no error
	}{
		{"reset after a delay", flashScript{oldReads: 3, dark: 200 * time.Millisecond}, "3.10", 20 * time.Second, true, "3.10", nil},
		{"no reset, new version at once", flashScript{oldReads: 0, dark: -1}, "3.10", 20 * time.Second, false, "3.10", nil},
		{"no reset, new version after a while", flashScript{oldReads: 3, dark: -1}, "3.10", 20 * time.Second, false, "3.10", nil},
		{"reset longer than expected", flashScript{oldReads: 1, dark: 3 * time.Second}, "3.10", 20 * time.Second, true, "3.10", nil},
		{"version unknown: a change of FirmwareVersion counts", flashScript{oldReads: 2, dark: -1}, "", 20 * time.Second, false, "3.10", nil},
		{"re-flash of the running version: only the reset ends it", flashScript{oldReads: 3, dark: 100 * time.Millisecond, after: "iLO 5 v2.70"}, "2.70", 20 * time.Second, true, "2.70", nil},
		{"came back with the old version: the caller verifies", flashScript{oldReads: 1, dark: 100 * time.Millisecond, after: "iLO 5 v2.70"}, "3.10", 20 * time.Second, true, "2.70", nil},
		{"dark past wait_timeout", flashScript{oldReads: 1, dark: time.Minute}, "3.10", 1500 * time.Millisecond, true, "",
			[]string{"the iLO to reset or report version 3.10", "last State Complete", "the iLO was in its reset", "went dark and did not answer again"}},
		{"neither reset nor new version", flashScript{oldReads: -1}, "3.10", 1500 * time.Millisecond, false, "",
			[]string{"never went dark", "last reported iLO 5 v2.70", "the iLO was answering"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &selfFlashILO{flashScript: tc.script}
			s.before = "iLO 5 v2.70"
			if s.after == "" {
				s.after = "iLO 5 v3.10"
			}
			e := newEnv(t, func(f *fakeILO) { s.install(t, f) })
			c := e.connect(t)
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			res, err := c.WaitSelfFlash(ctx, SelfFlashWait{What: "the flash of ilo5_310.bin", Version: tc.version, Before: s.before, Every: 100 * time.Millisecond})
			if tc.wantErr != nil {
				var te *WaitTimeoutError
				if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err %v, want a *WaitTimeoutError", err)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("message %q lacks %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "deadline") || te.InReset != tc.wantReset {
					t.Errorf("message %q (in reset %v, want %v)", err, te.InReset, tc.wantReset)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Reset != tc.wantReset || res.Manager.Version != tc.wantVer {
				t.Errorf("reset %v version %q, want %v %q", res.Reset, res.Manager.Version, tc.wantReset, tc.wantVer)
			}
			if got := e.fake.logins; (got > 1) != tc.wantReset {
				t.Errorf("%d logins: a reset needs a new login, no reset none", got)
			}
		})
	}
}

// TestWaitSelfFlashToken: a client on an auth_token cannot log in again
// after the iLO's reset: the wait says so at once instead of reading 401
// until wait_timeout.
func TestWaitSelfFlashToken(t *testing.T) {
	s := &selfFlashILO{flashScript: flashScript{oldReads: 1, dark: 100 * time.Millisecond, before: "iLO 5 v2.70", after: "iLO 5 v3.10"}}
	e := newEnv(t, func(f *fakeILO) { s.install(t, f) })
	owner := e.connect(t)
	token, _ := owner.Session()
	args := e.args
	args.Username, args.Password, args.AuthToken = "", "", token
	c, err := Connect(context.Background(), args, fastOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.WaitSelfFlash(ctx, SelfFlashWait{What: "the flash of ilo5_310.bin", Version: "3.10", Before: "iLO 5 v2.70", Every: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "give Config.Username and Config.Password") || !IsOutcomeUnknown(err) || time.Since(start) > 10*time.Second {
		t.Errorf("err %v after %s, want at once: the session cannot be renewed, outcome unknown", err, time.Since(start))
	}
}
