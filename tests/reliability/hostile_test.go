//go:build integration

package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 14's transport classes, each a category of cases against the hostile server: the
// module binary runs as Ansible runs it and must end with one JSON result, failed (or not)
// with a message naming the problem in words, no Go jargon, no secret, no session left,
// bounded memory and, for a stall, within about the request timeout.

// peakRSSLimit bounds the module's peak memory under any hostile answer (the client reads at
// most 16 MiB of an answer; a 40 MiB message once made an 84 MB result and nesting ~1 GB).
const peakRSSLimit = 160 << 20

// jargon is Go's own wording, which must not reach a user.
var jargon = []string{"context deadline exceeded", "context canceled", "EOF", "tls:", "x509:", "dial tcp", "goroutine"}

// hostileCase is one case of the hostile categories.
type hostileCase struct {
	class      string // the class, the category in the report
	name       string
	module     string // default update_info
	cfg        hostileConfig
	args       map[string]any
	baseURI    func(h *hostile) string   // replaces baseuri when set
	env        func(h *hostile) []string // the module's extra environment
	wantFailed bool
	want       []string // all of them, case-insensitive, in msg
	noLogin    bool     // the case must fail before any login
	noRequest  bool     // the case must fail before any request reaches the server
	logins     int      // logins the server must have seen, when not 0
	maxSeconds float64  // a bound on the run (stalls), when not 0
	maxStdout  int      // a bound on the result's size, when not 0
}

// repeatAnswer sends prefix, n copies of unit, then suffix, streamed (chunked, no
// Content-Length unless length is set), with status.
func repeatAnswer(status int, ctype, prefix, unit string, n int, suffix string, length bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		if length {
			w.Header().Set("Content-Length", strconv.Itoa(len(prefix)+len(unit)*n+len(suffix)))
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(prefix))
		chunk := []byte(strings.Repeat(unit, max(1, 64<<10/max(1, len(unit)))))
		per := len(chunk) / max(1, len(unit))
		for left := n; left > 0; left -= per {
			if left < per {
				chunk = chunk[:left*len(unit)]
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(suffix))
	}
}

// stallAfter sends the headers (and body, when given) of an answer, then nothing.
func stallAfter(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(body))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Minute):
		}
	}
}

// members answers a collection of n bare member links.
func members(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		links := make([]any, n)
		for i := range links {
			links[i] = map[string]any{"@odata.id": fmt.Sprintf("%s%d/", hInventory, i)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hInventory, "Members": links})
	}
}

func hostileCases() []hostileCase {
	on := func(key string, h http.HandlerFunc) hostileConfig {
		return hostileConfig{answers: map[string]http.HandlerFunc{key: h}}
	}
	getUS, getInv := "GET "+hUpdate, "GET "+hInventory
	bigArg := `{"error":{"code":"iLO.0.10.ExtendedInfo","@Message.ExtendedInfo":[{"MessageId":"iLO.2.14.Odd","MessageArgs":["`
	return []hostileCase{
		// Class 1: unbounded answers.
		{class: "1 unbounded answers", name: "10 MB of valid nesting", cfg: on(getUS, repeatAnswer(200, "application/json", "", "[", 5<<20, strings.Repeat("]", 5<<20), false)),
			wantFailed: true, want: []string{hUpdate, "nests JSON more than 64 levels"}},
		{class: "1 unbounded answers", name: "10 MB of invalid nesting", cfg: on(getUS, repeatAnswer(200, "application/json", "", `{"a":`, 2<<20, "", false)),
			wantFailed: true, want: []string{hUpdate, "nests JSON more than 64 levels"}},
		{class: "1 unbounded answers", name: "40 MiB error message (chunked)", cfg: on(getUS, repeatAnswer(400, "application/json", `{"error":{"code":"x","message":"`, "M", 40<<20, `"}}`, false)),
			wantFailed: true, want: []string{hUpdate, "larger than the 16 MiB"}},
		{class: "1 unbounded answers", name: "40 MiB answer declared in Content-Length", cfg: on(getUS, repeatAnswer(200, "application/json", `{"a":"`, "x", 40<<20, `"}`, true)),
			wantFailed: true, want: []string{hUpdate, "40 MiB, more than the 16 MiB"}},
		{class: "1 unbounded answers", name: "10 MiB message argument is cut", cfg: on(getUS, repeatAnswer(400, "application/json", bigArg, "A", 10<<20, `"]}]}}`, false)),
			wantFailed: true, want: []string{hUpdate, "400"}, maxStdout: 64 << 10},
		{class: "1 unbounded answers", name: "5,000 members", cfg: on(getInv, members(5000)),
			wantFailed: true, want: []string{hInventory, "5000 members", "1024"}},
		// Class 2: stalls.
		{class: "2 stalls", name: "headers then nothing (update service)", cfg: on(getUS, stallAfter("")),
			wantFailed: true, want: []string{"sent the headers of its answer to GET " + hUpdate, "3s"}, maxSeconds: 15},
		{class: "2 stalls", name: "half a body then nothing", cfg: on(getUS, stallAfter(`{"@odata.id":"`)),
			wantFailed: true, want: []string{"sent the headers of its answer to GET " + hUpdate, "3s"}, maxSeconds: 15},
		{class: "2 stalls", name: "firmware_update: upload answer headers then nothing", module: "firmware_update", cfg: on("POST "+hUpload, stallAfter("")),
			args:       map[string]any{"gather_subset": nil, "path": "IMAGE", "method": "oem_push", "force": true, "wait_timeout": 1800},
			wantFailed: true, want: []string{"sent the headers of its answer to POST " + hUpload, "3s"}, maxSeconds: 20, logins: 1},
		{class: "2 stalls", name: "a byte every half second, never ending", cfg: on(getUS, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			for range 240 {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(500 * time.Millisecond):
				}
			}
		}), wantFailed: true, want: []string{"sent the headers of its answer to GET " + hUpdate, "not the rest within 3s"}, maxSeconds: 15},
		{class: "2 stalls", name: "headers then nothing (login)", cfg: on("POST "+hSessions, stallAfter("")),
			wantFailed: true, want: []string{"sent the headers of its answer to POST " + hSessions, "3s"}, maxSeconds: 15},
		// Class 5: plain HTTP, and user info in baseuri.
		{class: "5 plain HTTP and connection options", name: "http:// refused", cfg: hostileConfig{plain: true},
			wantFailed: true, want: []string{"plain HTTP", "clear text", "allow_http"}, noRequest: true},
		{class: "5 plain HTTP and connection options", name: "http:// with allow_http", cfg: hostileConfig{plain: true}, args: map[string]any{"allow_http": true}, logins: 1},
		{class: "5 plain HTTP and connection options", name: "user info in baseuri refused, password not echoed", wantFailed: true, want: []string{"baseuri", "user info", "username and password"}, noRequest: true,
			baseURI: func(h *hostile) string {
				return strings.Replace(h.baseURI, "https://", "https://"+testUsername+":"+testPassword+"@", 1)
			}},
		{class: "5 plain HTTP and connection options", name: "ILO_ALLOW_HTTP=true allows http://", cfg: hostileConfig{plain: true}, logins: 1,
			env: func(*hostile) []string { return []string{"ILO_ALLOW_HTTP=true"} }},
		// ca_path: the environment variable the roles read, and files that are no PEM file.
		{class: "5 plain HTTP and connection options", name: "ILO_CA_PATH honoured", args: map[string]any{"ca_path": nil}, logins: 1,
			env: func(h *hostile) []string { return []string{"ILO_CA_PATH=" + h.caPath} }},
		{class: "5 plain HTTP and connection options", name: "ca_path a FIFO refused before login", args: map[string]any{"ca_path": "FIFO"},
			wantFailed: true, want: []string{"ca_path", "FIFO", "regular file"}, noRequest: true, maxSeconds: 15},
		{class: "5 plain HTTP and connection options", name: "ca_path /dev/zero refused", args: map[string]any{"ca_path": "/dev/zero"},
			wantFailed: true, want: []string{"ca_path", "device", "regular file"}, noRequest: true, maxSeconds: 15},
		// Class 6 and 7: secrets and sessions around re-logins and odd logins.
		{class: "6-7 secrets and sessions", name: "401 for a live session: re-login, old session ended", cfg: hostileConfig{unauthorizedOnce: hUpdate}, logins: 2},
		{class: "6-7 secrets and sessions", name: "login answer without Location or @odata.id", cfg: hostileConfig{loginNoLocation: true}, logins: 1},
		{class: "6-7 secrets and sessions", name: "no Location, then 401 and re-login", cfg: hostileConfig{loginNoLocation: true, unauthorizedOnce: hInventory}, logins: 2},
		{class: "6-7 secrets and sessions", name: "redirect to another host not followed with the token", cfg: on(getUS, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://127.0.0.2:9/steal", http.StatusTemporaryRedirect)
		}), wantFailed: true, want: []string{"redirected the request to https://127.0.0.2:9", "baseuri"}, logins: 1},
		{class: "6-7 secrets and sessions", name: "iLO echoes the token and the password in an error", cfg: on(getUS, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "iLO.0.10.ExtendedInfo",
				"message": "session " + r.Header.Get("X-Auth-Token"),
				"@Message.ExtendedInfo": []any{map[string]any{"MessageId": "iLO.2.14.Odd",
					"MessageArgs": []string{r.Header.Get("X-Auth-Token"), testPassword}}}}})
		}), wantFailed: true, want: []string{"GET " + hUpdate, "400", "********"}, logins: 1},
		{class: "6-7 secrets and sessions", name: "login answer 10 MB deep after the token", logins: 1,
			cfg: hostileConfig{loginBody: repeatAnswer(201, "application/json", "", "[", 5<<20, strings.Repeat("]", 5<<20), false)}},
		{class: "6-7 secrets and sessions", name: "login answer stalls after the token", logins: 1, maxSeconds: 15,
			cfg: hostileConfig{loginBody: stallAfter(`{"@odata.id":`)}},
		// Class 9: messages.
		{class: "9 messages", name: "HTML instead of JSON", cfg: on(getUS, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<html><body>iLO login</body></html>"))
		}), wantFailed: true, want: []string{"GET " + hUpdate, "not JSON (text/html)"}},
		{class: "9 messages", name: "connection closed without an answer", cfg: on(getUS, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}), wantFailed: true, want: []string{"GET " + hUpdate, "closed the connection"}},
		{class: "9 messages", name: "plain HTTP behind an https:// baseuri", cfg: hostileConfig{plain: true}, wantFailed: true,
			want: []string{"answers in plain HTTP", "allow_http"}, noLogin: true,
			baseURI: func(h *hostile) string { return strings.Replace(h.baseURI, "http://", "https://", 1) }},
		{class: "9 messages", name: "SHA-1 signed certificate", cfg: hostileConfig{cert: "sha1"}, wantFailed: true, want: []string{"SHA-1", "validate_certs"}, noLogin: true},
		{class: "9 messages", name: "certificate name mismatch", cfg: hostileConfig{cert: "mismatch"}, wantFailed: true, want: []string{`not valid for "127.0.0.1"`, "ilo.invalid"}, noLogin: true},
		{class: "9 messages", name: "expired certificate", cfg: hostileConfig{cert: "expired"}, wantFailed: true, want: []string{"expired on", "ca_path"}, noLogin: true},
		{class: "9 messages", name: "unknown authority", cfg: hostileConfig{}, args: map[string]any{"ca_path": nil}, wantFailed: true, want: []string{"unknown authority", "ca_path"}, noLogin: true},
	}
}

func TestHostile(t *testing.T) {
	for _, hc := range hostileCases() {
		t.Run(strings.ReplaceAll(hc.class, " ", "_")+"/"+hc.name, func(t *testing.T) {
			t.Parallel()
			c := &caseResult{Section: "hostile", Module: "update_info", Class: hc.class, Case: hc.name}
			suite.report.add(t, c)
			h := startHostile(t, hc.cfg)
			args := h.args(hc.args)
			if hc.baseURI != nil {
				args["baseuri"] = hc.baseURI(h)
			}
			if args["path"] == "IMAGE" {
				args["path"] = image("ilo5_305.bin")
			}
			module := hc.module
			if module == "" {
				module = "update_info"
			}
			c.Module = module
			if args["ca_path"] == "FIFO" {
				fifo := filepath.Join(t.TempDir(), "ca.pem")
				if err := syscall.Mkfifo(fifo, 0o600); err != nil {
					t.Fatal(err)
				}
				args["ca_path"] = fifo
			}
			var env []string
			if hc.env != nil {
				env = hc.env(h)
			}
			p := startModule(t, module, args, env...)
			r := p.wait(t, 2*time.Minute)
			if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				c.PeakRSSKiB = ru.Maxrss // KiB on Linux
			}
			c.Seconds = r.Elapsed.Seconds()
			c.Outcome, c.SessionsLeft, c.Detail = r.outcome(), h.openSessions(), short(r.Msg)
			logins, requests := h.counts()
			checkSane(t, r)
			if r.Failed != hc.wantFailed {
				t.Fatalf("failed=%v, want %v (msg %q)", r.Failed, hc.wantFailed, r.Msg)
			}
			for _, w := range hc.want {
				if !mentions(r.Msg, w) {
					t.Errorf("msg does not say %q: %q", w, short(r.Msg))
				}
			}
			for _, j := range jargon {
				if strings.Contains(r.Stdout, j) {
					t.Errorf("output holds Go jargon %q: %s", j, short(r.Stdout))
				}
			}
			if strings.Contains(r.Stdout+r.Stderr, testPassword) {
				t.Errorf("the password is in the output")
			}
			if n := h.openSessions(); n != 0 {
				t.Errorf("%d sessions left on the iLO, want 0", n)
			}
			if c.PeakRSSKiB*1024 > peakRSSLimit {
				t.Errorf("peak memory %d MiB, want at most %d MiB", c.PeakRSSKiB>>10, peakRSSLimit>>20)
			}
			if hc.noLogin && logins != 0 {
				t.Errorf("%d logins, want none", logins)
			}
			if hc.noRequest && requests != 0 {
				t.Errorf("%d requests reached the server, want none", requests)
			}
			if hc.logins != 0 && logins != hc.logins {
				t.Errorf("%d logins, want %d", logins, hc.logins)
			}
			if hc.maxSeconds != 0 && c.Seconds > hc.maxSeconds {
				t.Errorf("failed after %.1f s, want within %.0f s (request timeout 3 s)", c.Seconds, hc.maxSeconds)
			}
			if hc.maxStdout != 0 && len(r.Stdout) > hc.maxStdout {
				t.Errorf("result is %d bytes, want at most %d", len(r.Stdout), hc.maxStdout)
			}
			if !hc.wantFailed {
				var fw struct {
					Firmware []any `json:"firmware"`
				}
				b, _ := json.Marshal(r.Out)
				_ = json.Unmarshal(b, &fw)
				if len(fw.Firmware) != 1 {
					t.Errorf("firmware: %d items, want 1 (result %s)", len(fw.Firmware), short(r.Stdout))
				}
			}
		})
	}
}
