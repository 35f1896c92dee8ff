package updateinfo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/modtest"
	"github.com/fleetfw/ilo/modules/session"
)

// TestSessionSoak runs 1,000 module runs against one iLO — successes,
// wrong passwords, runs interrupted at a random moment as SIGTERM would,
// session module login/logout pairs — and a few runs that time out against
// a slow iLO, then requires that no session is left open and nothing was
// written (issue 8 §4). A process killed with SIGKILL cannot log out; the
// iLO's idle timeout is the only remedy there, so it is not part of this test.
func TestSessionSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	const runs = 1000
	x := modtest.StartILO(t)
	var (
		mu       sync.Mutex
		outcomes = map[string]int{}
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	count := func(kind string, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		outcomes[fmt.Sprintf("%s ok=%v", kind, ok)]++
	}
	subsets := append([]string{"all"}, subsets...)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, 1))
			for {
				n := next.Add(1)
				if n > runs {
					return
				}
				switch k := n % 10; {
				case k < 6:
					r := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"gather_subset": subsets[rnd.IntN(len(subsets))]}), nil, nil)
					count("read", r.Code == 0)
					if r.Code != 0 {
						t.Errorf("run %d: %s", n, r.Raw)
					}
				case k == 6:
					r := modtest.ExecuteEnv(t, Module, x.Args(map[string]any{"password": "wrong"}), nil, nil)
					count("wrong password", r.Code == 0)
					if r.Code == 0 {
						t.Errorf("run %d: a wrong password succeeded", n)
					}
				case k == 7:
					// Interrupted like a SIGTERM at a random moment of the run.
					ctx, cancel := context.WithCancelCause(context.Background())
					stop := time.AfterFunc(time.Duration(rnd.IntN(40000))*time.Microsecond, func() {
						cancel(&ansible.Interrupted{Signal: syscall.SIGTERM})
					})
					r := modtest.ExecuteCtx(t, ctx, Module, x.Args(nil), nil, nil)
					stop.Stop()
					cancel(nil)
					count("interrupted", r.Code == 0)
					if r.Code != 0 && !strings.Contains(fmt.Sprint(r.Out["msg"]), "interrupted by signal") {
						t.Errorf("run %d: interrupted, msg %q does not say so", n, r.Out["msg"])
					}
				default:
					// k is 8 or 9: a session module login, then its logout.
					in := modtest.ExecuteEnv(t, session.Module, x.Args(nil), nil, nil)
					count("session login", in.Code == 0)
					if in.Code != 0 {
						t.Errorf("run %d: login: %s", n, in.Raw)
						continue
					}
					next.Add(1) // the logout is a run of its own
					out := modtest.ExecuteEnv(t, session.Module, x.Args(map[string]any{
						"state": "absent", "username": nil, "password": nil,
						"auth_token": in.Out["auth_token"], "session_uri": in.Out["session_uri"],
					}), nil, nil)
					count("session logout", out.Code == 0 && out.Out["changed"] == true)
				}
			}
		}(uint64(w))
	}
	wg.Wait()

	// Runs that time out: the firmware inventory answers after 1.5 s, the
	// timeout is 1 s. The module fails naming the request and logs out.
	slow := modtest.StartWrappedILO(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "FirmwareInventory") {
				select {
				case <-time.After(1500 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	for i := 0; i < 3; i++ {
		r := modtest.ExecuteEnv(t, Module, slow.Args(map[string]any{"timeout": 1, "gather_subset": "firmware"}), nil, nil)
		count("timeout", r.Code == 0)
		if msg := fmt.Sprint(r.Out["msg"]); r.Code == 0 || !strings.Contains(msg, "FirmwareInventory") || !strings.Contains(msg, "timeout") {
			t.Errorf("timeout run: exit %d, msg %q; want a failure naming the request and the timeout", r.Code, msg)
		}
	}

	t.Logf("soak outcomes: %v", outcomes)
	t.Logf("iLO counters: %+v", x.Sim.Counters())
	modtest.RequireClean(t, x)
	modtest.RequireClean(t, slow)
}
