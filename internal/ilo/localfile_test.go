package ilo

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// tagEcho makes the fake's upload form accept every Section and its update
// service report Complete for the tag of the last one; after runs (once per
// Section, with its number from 1) before the iLO answers.
func tagEcho(t *testing.T, f *fakeILO, after func(n int)) func() int {
	t.Helper()
	base, err := os.ReadFile("testdata/ilo5-2.70/UpdateService/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var posts atomic.Int32
	tag := ""
	f.hook(http.MethodPost, "/cgi-bin/uploadFile", func(w http.ResponseWriter, r *http.Request) bool {
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		var etag string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			if p.FormName() == "parameters" {
				etag = gjson.GetBytes(b, "ETag").String()
			}
		}
		mu.Lock()
		tag = etag
		mu.Unlock()
		if n := int(posts.Add(1)); after != nil {
			after(n)
		}
		writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
		return true
	})
	f.hook(http.MethodGet, "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		b, _ := sjson.SetBytes(base, "Oem.Hpe.State", "Complete")
		b, _ = sjson.SetBytes(b, "Oem.Hpe.UploadCurrentEtag", tag)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return true
	})
	return func() int { return int(posts.Load()) }
}

// TestPushFileChanged: every Section comes from one descriptor, and a file
// written to or replaced between Sections (or while one is read) stops the
// push with a *FileChangedError that says how many Sections the iLO took,
// never a success.
func TestPushFileChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("a two-Section file")
	}
	const size = SectionSize + 1<<20 // two Sections
	for _, tc := range []struct {
		name     string
		change   func(t *testing.T, path string)
		at       int // after which POST the file changes
		posts    int // POSTs sent
		accepted int
		want     string
	}{
		{"appended between Sections", func(t *testing.T, p string) { appendTo(t, p, []byte("more")) }, 1, 1, 1, "changed while it was being sent"},
		{"rewritten in place, same size", func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.WriteAt([]byte("other"), SectionSize+10)
			f.Close()
			later := time.Now().Add(time.Minute)
			_ = os.Chtimes(p, later, later)
		}, 1, 1, 1, "changed while it was being sent"},
		{"replaced by rename", func(t *testing.T, p string) {
			tmp := sparseFile(t, size)
			if err := os.Rename(tmp, p); err != nil {
				t.Fatal(err)
			}
		}, 1, 1, 1, "replaced or removed"},
		{"removed", func(t *testing.T, p string) { _ = os.Remove(p) }, 1, 1, 1, "replaced or removed"},
		{"changed during the last Section", func(t *testing.T, p string) { appendTo(t, p, []byte("x")) }, 2, 2, 2, "changed while it was being sent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			path := sparseFile(t, size)
			posts := tagEcho(t, env.fake, func(n int) {
				if n == tc.at {
					tc.change(t, path)
				}
			})
			c := env.connect(t)
			res, err := c.Push(context.Background(), PushRequest{Path: path, Wait: true, Every: 10 * time.Millisecond})
			var fc *FileChangedError
			if !errors.As(err, &fc) {
				t.Fatalf("Push: %v (%+v), want a *FileChangedError", err, res)
			}
			if fc.Accepted != tc.accepted || posts() != tc.posts || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("accepted %d posts %d err %q, want %d %d %q", fc.Accepted, posts(), err, tc.accepted, tc.posts, tc.want)
			}
			if !strings.Contains(err.Error(), "unknown") {
				t.Errorf("err %q does not say the outcome is unknown", err)
			}
		})
	}
	t.Run("unchanged: both Sections from one descriptor", func(t *testing.T) {
		env := newEnv(t)
		path := sparseFile(t, size)
		posts := tagEcho(t, env.fake, nil)
		c := env.connect(t)
		res, err := c.Push(context.Background(), PushRequest{Path: path, Wait: true, Every: 10 * time.Millisecond})
		if err != nil || res.Sections != 2 || res.BytesSent != size || posts() != 2 {
			t.Fatalf("Push: %v %+v (%d posts), want 2 Sections of %d bytes", err, res, posts(), size)
		}
	})
}

func appendTo(t *testing.T, p string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// TestLocalFilesNotRegular: a FIFO, a device or a directory as the
// component or its signature is refused at once (a FIFO used to block the
// module forever), without a POST.
func TestLocalFilesNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.bin")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	img := writeFile(t, "a.bin", []byte("0123456789"))
	for _, tc := range []struct {
		name string
		req  UploadRequest
		want string
	}{
		{"FIFO component", UploadRequest{Path: fifo}, "a FIFO"},
		{"FIFO compsig", UploadRequest{Path: img, CompsigPath: fifo}, "a FIFO"},
		{"device", UploadRequest{Path: "/dev/zero"}, "a device"},
		{"device compsig", UploadRequest{Path: img, CompsigPath: "/dev/zero"}, "a device"},
		{"directory", UploadRequest{Path: dir}, "a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			c := env.connect(t)
			done := make(chan error, 1)
			go func() { _, err := c.Upload(context.Background(), tc.req); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("got %v, want a refusal naming %q", err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Upload blocked on a non-regular file")
			}
			if env.fake.count("POST /cgi-bin") != 0 {
				t.Errorf("a POST was sent")
			}
		})
	}
	t.Run("compsig over the cap", func(t *testing.T) {
		env := newEnv(t)
		c := env.connect(t)
		big := sparseFile(t, maxCompsig+1)
		_, err := c.Upload(context.Background(), UploadRequest{Path: img, CompsigPath: big})
		if err == nil || !strings.Contains(err.Error(), "larger than") || env.fake.count("POST /cgi-bin") != 0 {
			t.Errorf("got %v, want a refusal without a POST", err)
		}
	})
}
