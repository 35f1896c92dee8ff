package ilo

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/sjson"
)

// reading is one scripted answer of GET UpdateService.
type reading struct{ state, etag, result string }

// scriptUpdateService makes the fake answer GET UpdateService with the
// readings in order (the last one repeats) and counts the reads.
func scriptUpdateService(t *testing.T, f *fakeILO, rs []reading) func() int {
	t.Helper()
	base, err := os.ReadFile("testdata/ilo5-2.70/UpdateService/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	f.hook(http.MethodGet, "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		r0 := rs[min(n, len(rs)-1)]
		n++
		mu.Unlock()
		b, _ := sjson.SetBytes(base, "Oem.Hpe.State", r0.state)
		if r0.etag != "" {
			b, _ = sjson.SetBytes(b, "Oem.Hpe.UploadCurrentEtag", r0.etag)
		}
		if r0.result != "" {
			b, _ = sjson.SetBytes(b, "Oem.Hpe.Result", map[string]any{"MessageId": r0.result, "MessageArgs": []string{}})
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return true
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// TestWaitUpdateCorrelation proves that a final state counts only for the
// operation it belongs to: a sticky Complete of an earlier upload is never
// taken for ours.
func TestWaitUpdateCorrelation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		before    string
		readings  []reading
		wantReads int
		wantErr   string // MessageId key of an *OperationError
	}{
		{"sticky Complete of another upload, then ours",
			StateComplete, []reading{{StateComplete, "old", ""}, {StateComplete, "old", ""}, {StateWriting, "mine", ""}, {StateComplete, "mine", ""}}, 4, ""},
		{"ours ends in Error",
			StateIdle, []reading{{StateVerifying, "mine", ""}, {StateError, "mine", "iLO.2.14.UpdateInvalidFile"}}, 2, "UpdateInvalidFile"},
		{"Error of another upload is not ours",
			StateError, []reading{{StateError, "old", "iLO.2.14.ComponentUploadFailed"}, {StateComplete, "mine", ""}}, 2, ""},
		{"no tags echoed, sticky Complete before: wait for a busy state",
			StateComplete, []reading{{StateComplete, "", ""}, {StateComplete, "", ""}, {StateVerifying, "", ""}, {StateComplete, "", ""}}, 4, ""},
		{"no tags echoed, Idle before: the first Complete is ours",
			StateIdle, []reading{{StateComplete, "", ""}}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reads func() int
			e := newEnv(t, func(f *fakeILO) { reads = scriptUpdateService(t, f, tc.readings) })
			c := e.connect(t)
			start := reads()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var seen []string
			_, err := c.WaitUpdate(ctx, UpdateWait{What: "test upload", ETag: "mine", Before: UpdateService{State: tc.before},
				Every: 20 * time.Millisecond, Seen: func(us UpdateService) { seen = append(seen, us.State+"/"+us.UploadCurrentEtag) }})
			if got := reads() - start; got != tc.wantReads {
				t.Errorf("read the update service %d times (%v), want %d", got, seen, tc.wantReads)
			}
			var oe *OperationError
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want success", err)
			case tc.wantErr != "" && (!errors.As(err, &oe) || oe.Result == nil || oe.Result.Key() != tc.wantErr):
				t.Errorf("got %v, want an OperationError with %s", err, tc.wantErr)
			case tc.wantErr != "" && oe.Result.Meaning == "":
				t.Errorf("OperationError %v has no registry meaning", oe)
			}
		})
	}
}
