package ilo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// receivedPart is what the fake upload endpoint saw of one form part.
type receivedPart struct {
	name, filename, contentType string
	size                        int64
	sha                         string
	small                       string // content when under 4 KiB
}

type receivedUpload struct {
	contentLength int64
	bodyBytes     int64
	cookie        string
	token         string
	parts         []receivedPart
}

// uploadSink registers a handler for uri that parses the multipart body as
// it streams in and records what it saw.
func uploadSink(f *fakeILO, uri string, status int, reply func(w http.ResponseWriter)) (*sync.Mutex, *[]receivedUpload) {
	var mu sync.Mutex
	var got []receivedUpload
	f.hook("POST", uri, func(w http.ResponseWriter, r *http.Request) bool {
		rec := receivedUpload{contentLength: r.ContentLength, token: r.Header.Get("X-Auth-Token")}
		if ck, err := r.Cookie("sessionKey"); err == nil {
			rec.cookie = ck.Value
		}
		counter := &countingReader{r: r.Body}
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(counter, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			h := sha256.New()
			var small bytes.Buffer
			n, _ := io.Copy(io.MultiWriter(h, &limitedBuffer{b: &small, max: 4096}), p)
			rec.parts = append(rec.parts, receivedPart{
				name: p.FormName(), filename: p.FileName(), contentType: p.Header.Get("Content-Type"),
				size: n, sha: hex.EncodeToString(h.Sum(nil)), small: small.String(),
			})
		}
		_, _ = io.Copy(io.Discard, counter)
		rec.bodyBytes = counter.n
		mu.Lock()
		got = append(got, rec)
		mu.Unlock()
		if reply != nil {
			reply(w)
			return true
		}
		if status == http.StatusBadRequest {
			w.WriteHeader(status) // iLO's empty 400
			return true
		}
		writeEnvelope(w, status, "Base.1.4.Success")
		return true
	})
	return &mu, &got
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestUploadForm(t *testing.T) {
	content := bytes.Repeat([]byte("firmware-bytes-0123456789"), 4000) // 100,000 bytes
	sig := []byte("-----signature-----")
	section := 1
	tests := []struct {
		name      string
		req       func(file, sigPath string) UploadRequest
		wantParts []string
		wantFile  []byte
		wantName  string
		wantParam map[string]any
	}{
		{
			name: "whole file with compsig",
			req: func(file, sigPath string) UploadRequest {
				return UploadRequest{Path: file, CompsigPath: sigPath, Params: UploadParams{UpdateRepository: true, ETag: "fleetfw-1"}}
			},
			wantParts: []string{"sessionKey", "parameters", "compsig", "file"},
			wantFile:  content, wantName: "cp012345.exe",
			wantParam: map[string]any{"UpdateRepository": true, "UpdateTarget": false, "ETag": "fleetfw-1"},
		},
		{
			name: "no compsig, renamed",
			req: func(file, _ string) UploadRequest {
				return UploadRequest{Path: file, Filename: "ilo5_270.bin", Params: UploadParams{UpdateRepository: true, UpdateTarget: true}}
			},
			wantParts: []string{"sessionKey", "parameters", "file"},
			wantFile:  content, wantName: "ilo5_270.bin",
			wantParam: map[string]any{"UpdateRepository": true, "UpdateTarget": true},
		},
		{
			name: "section",
			req: func(file, sigPath string) UploadRequest {
				return UploadRequest{Path: file, Offset: 40000, Length: 30000, CompsigPath: sigPath, Params: UploadParams{UpdateRepository: true, Section: &section, ETag: "e"}}
			},
			wantParts: []string{"sessionKey", "parameters", "compsig", "file"},
			wantFile:  content[40000:70000], wantName: "cp012345.exe",
			wantParam: map[string]any{"Section": float64(1), "ETag": "e"},
		},
		{
			name: "last section to the end",
			req: func(file, _ string) UploadRequest {
				return UploadRequest{Path: file, Offset: 90000, Params: UploadParams{Section: &section}}
			},
			wantParts: []string{"sessionKey", "parameters", "file"},
			wantFile:  content[90000:], wantName: "cp012345.exe",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			mu, got := uploadSink(env.fake, "/cgi-bin/uploadFile", http.StatusOK, nil)
			c := env.connect(t)
			file := writeFile(t, "cp012345.exe", content)
			sigPath := writeFile(t, "cp012345.compsig", sig)
			res, err := c.Upload(context.Background(), tt.req(file, sigPath))
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(*got) != 1 {
				t.Fatalf("uploads received: got %d, want 1", len(*got))
			}
			rec := (*got)[0]
			if rec.contentLength != rec.bodyBytes || rec.bodyBytes != res.BytesSent {
				t.Errorf("Content-Length %d, body %d bytes, BytesSent %d: want all equal", rec.contentLength, rec.bodyBytes, res.BytesSent)
			}
			token, _ := c.Session()
			if rec.token != token || rec.cookie != token {
				t.Errorf("auth: X-Auth-Token %q, Cookie sessionKey %q, want %q", rec.token, rec.cookie, token)
			}
			var names []string
			for _, p := range rec.parts {
				names = append(names, p.name)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantParts, ",") {
				t.Fatalf("parts: got %v, want %v", names, tt.wantParts)
			}
			byName := map[string]receivedPart{}
			for _, p := range rec.parts {
				byName[p.name] = p
			}
			if byName["sessionKey"].small != token {
				t.Errorf("sessionKey field: got %q, want the token", byName["sessionKey"].small)
			}
			fp := byName["file"]
			if fp.sha != sha(tt.wantFile) || fp.size != int64(len(tt.wantFile)) || fp.filename != tt.wantName {
				t.Errorf("file part: got %d bytes named %q, want %d bytes named %q (same content)", fp.size, fp.filename, len(tt.wantFile), tt.wantName)
			}
			if cp, ok := byName["compsig"]; ok && (cp.small != string(sig) || cp.filename != "cp012345.compsig") {
				t.Errorf("compsig part: got %q named %q", cp.small, cp.filename)
			}
			params := byName["parameters"].small
			for k, want := range tt.wantParam {
				if got := gjson.Get(params, k).Value(); got != want {
					t.Errorf("parameters %s: got %v, want %v (in %s)", k, got, want, params)
				}
			}
		})
	}
}

func TestUploadErrors(t *testing.T) {
	content := []byte("0123456789")
	t.Run("empty 400 explains privileges", func(t *testing.T) {
		env := newEnv(t)
		uploadSink(env.fake, "/cgi-bin/uploadFile", http.StatusBadRequest, nil)
		c := env.connect(t)
		_, err := c.Upload(context.Background(), UploadRequest{Path: writeFile(t, "a.bin", content)})
		if e, ok := asError(err); !ok || e.Status != 400 || !strings.Contains(err.Error(), "privilege") {
			t.Fatalf("got %v, want a 400 mentioning privileges", err)
		}
		token, _ := c.Session()
		if strings.Contains(err.Error(), token) {
			t.Errorf("token in error %q", err)
		}
	})
	t.Run("section outside the file", func(t *testing.T) {
		env := newEnv(t)
		c := env.connect(t)
		_, err := c.Upload(context.Background(), UploadRequest{Path: writeFile(t, "a.bin", content), Offset: 5, Length: 10})
		if err == nil || !strings.Contains(err.Error(), "outside") {
			t.Fatalf("got %v, want an out-of-range error", err)
		}
		if env.fake.count("POST /cgi-bin") != 0 {
			t.Errorf("a POST was sent for an invalid section")
		}
	})
	t.Run("session expired: re-login and a new sessionKey", func(t *testing.T) {
		env := newEnv(t)
		var keys []string
		env.fake.hook("POST", "/cgi-bin/uploadFile", func(w http.ResponseWriter, r *http.Request) bool {
			mr, err := r.MultipartReader()
			if err != nil {
				t.Errorf("multipart: %v", err)
				return false
			}
			p, err := mr.NextPart()
			if err != nil || p.FormName() != "sessionKey" {
				t.Errorf("first part: %v %v", p, err)
				return false
			}
			key, _ := io.ReadAll(p)
			io.Copy(io.Discard, r.Body)
			keys = append(keys, string(key))
			if len(keys) == 1 {
				writeEnvelope(w, http.StatusUnauthorized, "Base.1.4.NoValidSession")
				return true
			}
			writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
			return true
		})
		c := env.connect(t)
		old, _ := c.Session()
		if _, err := c.Upload(context.Background(), UploadRequest{Path: writeFile(t, "a.bin", content)}); err != nil {
			t.Fatalf("Upload: %v", err)
		}
		now, _ := c.Session()
		if len(keys) != 2 || keys[0] != old || keys[1] != now || old == now {
			t.Errorf("sessionKeys sent: got %q, want [%q %q]", keys, old, now)
		}
	})
}

func TestUpdateActions(t *testing.T) {
	env := newEnv(t)
	var bodies []string
	var mu sync.Mutex
	env.fake.hook("POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate/", func(w http.ResponseWriter, r *http.Request) bool {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Location", "https://ilo-test.example/redfish/v1/TaskService/TaskMonitors/22/")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"@odata.id": "/redfish/v1/TaskService/Tasks/22/", "@odata.type": "#Task.v1_3_0.Task", "Id": "22", "Messages": [{}], "TaskMonitor": "/redfish/v1/TaskService/TaskMonitors/22/", "TaskState": "New"}`)
		return true
	})
	env.fake.hook("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", func(w http.ResponseWriter, r *http.Request) bool {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Location", "https://ilo-test.example/redfish/v1/TaskService/TaskMonitors/9/")
		w.WriteHeader(http.StatusAccepted) // no body: the monitor comes from Location
		return true
	})
	c := env.connect(t)
	a, err := c.SimpleUpdate(context.Background(), SimpleUpdateRequest{ImageURI: "https://repo/ilo5_270.bin", Password: "image-server-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if a.TaskMonitor != "/redfish/v1/TaskService/TaskMonitors/22/" || a.Task == nil || a.Task.ID != "22" {
		t.Errorf("SimpleUpdate: got %+v", a)
	}
	sec := 2
	a, err = c.AddFromUri(context.Background(), AddFromUriRequest{ImageURI: "https://repo/cp1.exe", CompSigURI: "https://repo/cp1_part2.compsig", UpdateRepository: true, ComponentFileName: "cp1.exe", Section: &sec})
	if err != nil {
		t.Fatal(err)
	}
	if a.TaskMonitor != "/redfish/v1/TaskService/TaskMonitors/9/" {
		t.Errorf("AddFromUri monitor: got %q", a.TaskMonitor)
	}
	if gjson.Get(bodies[0], "TPMOverrideFlag").Exists() || gjson.Get(bodies[0], "ImageURI").String() != "https://repo/ilo5_270.bin" {
		t.Errorf("SimpleUpdate body: %s", bodies[0])
	}
	for k, want := range map[string]any{"UpdateRepository": true, "UpdateTarget": false, "Section": float64(2), "ComponentFileName": "cp1.exe"} {
		if got := gjson.Get(bodies[1], k).Value(); got != want {
			t.Errorf("AddFromUri %s: got %v, want %v", k, got, want)
		}
	}
}

func TestMultipartPush(t *testing.T) {
	env := newEnv(t)
	// Advertise a DMTF MultipartHttpPushUri, which no iLO capture has.
	env.fake.hook("GET", "/redfish/v1/UpdateService/", func(w http.ResponseWriter, r *http.Request) bool {
		b, _ := os.ReadFile("testdata/ilo5-2.70/UpdateService/index.json")
		b, _ = sjson.SetBytes(b, "MultipartHttpPushUri", "/redfish/v1/UpdateService/upload")
		w.Write(b)
		return true
	})
	mu, got := uploadSink(env.fake, "/redfish/v1/UpdateService/upload", 0, func(w http.ResponseWriter) {
		w.Header().Set("Location", "/redfish/v1/TaskService/TaskMonitors/3")
		w.WriteHeader(http.StatusAccepted)
	})
	c := env.connect(t)
	content := bytes.Repeat([]byte{7}, 70000)
	a, err := c.MultipartPush(context.Background(), MultipartPushRequest{Path: writeFile(t, "bios.signed.flash", content), Parameters: []byte(`{"Targets": []}`)})
	if err != nil {
		t.Fatal(err)
	}
	if a.TaskMonitor != "/redfish/v1/TaskService/TaskMonitors/3" {
		t.Errorf("monitor: got %q", a.TaskMonitor)
	}
	mu.Lock()
	defer mu.Unlock()
	rec := (*got)[0]
	if len(rec.parts) != 2 || rec.parts[0].name != "UpdateParameters" || rec.parts[1].name != "UpdateFile" || rec.parts[1].sha != sha(content) {
		t.Errorf("parts: got %+v", rec.parts)
	}
	if rec.contentLength != rec.bodyBytes {
		t.Errorf("Content-Length %d, body %d", rec.contentLength, rec.bodyBytes)
	}
}

// sparseFile creates a file of size bytes without writing them.
func sparseFile(tb testing.TB, size int64) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "big.bin")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return p
}

// TestUploadMemoryBounded uploads 64 MiB and checks that the process
// allocated far less than the file size: the body is streamed.
func TestUploadMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large upload")
	}
	if raceEnabled {
		t.Skip("the race detector inflates allocations; the bound is checked without -race")
	}
	const size = 64 << 20
	env := newEnv(t)
	env.fake.hook("POST", "/cgi-bin/uploadFile", func(w http.ResponseWriter, r *http.Request) bool {
		n, _ := io.Copy(io.Discard, r.Body)
		if n != r.ContentLength {
			writeEnvelope(w, http.StatusBadRequest, "Base.1.4.GeneralError")
			return true
		}
		writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
		return true
	})
	c := env.connect(t)
	path := sparseFile(t, size)
	if _, err := c.UpdateService(context.Background()); err != nil { // warm the cache
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := c.Upload(context.Background(), UploadRequest{Path: path})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if res.BytesSent < size {
		t.Errorf("BytesSent: got %d, want ≥ %d", res.BytesSent, size)
	}
	// Client and server share the process; both stream with small buffers.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/8 {
		t.Errorf("allocated %d bytes for a %d-byte upload: the body is not streamed", alloc, size)
	}
}

// BenchmarkUpload uploads sparse files of 16 MiB and 256 MiB to a server
// that discards them; -benchmem shows that allocations per upload do not
// grow with the file (the body is streamed). The server speaks plain HTTP:
// over TLS its own record reader, in the same process, allocates per record
// and would hide the client's figure.
func BenchmarkUpload(b *testing.B) {
	for _, size := range []int64{16 << 20, 256 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			f := newFake(b)
			srv := httptest.NewServer(f)
			defer srv.Close()
			f.hook("POST", "/cgi-bin/uploadFile", func(w http.ResponseWriter, r *http.Request) bool {
				io.Copy(io.Discard, r.Body)
				writeEnvelope(w, http.StatusOK, "Base.1.4.Success")
				return true
			})
			path := sparseFile(b, size)
			c, err := Connect(context.Background(), Config{BaseURI: srv.URL, Username: f.user, Password: f.pass, Timeout: 30 * time.Second}, fastOptions()...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(context.Background())
			if _, err := c.UpdateService(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Upload(context.Background(), UploadRequest{Path: path}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestUploadStalled: an iLO that stops reading an upload is given up on
// after one request timeout, with a message that says so.
func TestUploadStalled(t *testing.T) {
	env := newEnv(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the server's Close waits for the handler
	env.fake.hook("POST", "/cgi-bin/uploadFile", func(w http.ResponseWriter, r *http.Request) bool {
		_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		<-release // the server stops reading; it cannot see the client leave
		return true
	})
	env.args.Timeout = time.Second
	c := env.connect(t)
	_, err := c.Upload(context.Background(), UploadRequest{Path: sparseFile(t, 64<<20)})
	if !IsTimeout(err) || !strings.Contains(err.Error(), "stopped reading") || !strings.Contains(err.Error(), "POST /cgi-bin/uploadFile") {
		t.Fatalf("got %v, want a stalled-upload timeout naming the request", err)
	}
	if !IsUncertain(err) {
		t.Errorf("a stalled upload may have been applied: want IsUncertain")
	}
}
