package ilosim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

// fastPhases keep phase arithmetic simple: tests move the clock by minutes.
var fastPhases = WithPhases(Phases{Verifying: 2 * time.Second, Writing: 3 * time.Second, Updating: 60 * time.Second})

func mkImage(t *testing.T, s testimage.Spec) testimage.Files {
	t.Helper()
	f, err := testimage.WriteFiles(t.TempDir(), s)
	if err != nil {
		t.Fatalf("write image %s: %v", s.Filename, err)
	}
	return f
}

// part is a byte range of a file sent as one uploadFile POST.
type part struct {
	off, n int64
}

// upload POSTs one multipart form to /cgi-bin/uploadFile, streaming the file range.
func (e *env) upload(file string, rng *part, formName, compsig string, params map[string]any, key string) response {
	e.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("sessionKey", key); err != nil {
				return err
			}
			pj, _ := json.Marshal(params)
			if err := mw.WriteField("parameters", string(pj)); err != nil {
				return err
			}
			if compsig != "" {
				w, err := mw.CreateFormFile("compsig", filepath.Base(compsig))
				if err != nil {
					return err
				}
				b, err := os.ReadFile(compsig)
				if err != nil {
					return err
				}
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			w, err := mw.CreateFormFile("file", formName)
			if err != nil {
				return err
			}
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			var r io.Reader = f
			if rng != nil {
				r = io.NewSectionReader(f, rng.off, rng.n)
			}
			if _, err := io.Copy(w, r); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/cgi-bin/uploadFile", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", "sessionKey="+key)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return response{status: -1, body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// service returns GET UpdateService Oem.Hpe.
func (e *env) service() map[string]any {
	e.t.Helper()
	res := e.do("GET", "/redfish/v1/UpdateService", nil, nil)
	if res.status != 200 {
		e.t.Fatalf("GET UpdateService: %d %s", res.status, res.body)
	}
	return get(res.json(e.t), "Oem.Hpe").(map[string]any)
}

// waitReceived waits (wall clock) until a download left state Uploading.
func (e *env) waitReceived() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		e.ilo.mu.Lock()
		receiving := e.ilo.op != nil && e.ilo.op.receiving
		e.ilo.mu.Unlock()
		if !receiving {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("download did not finish")
}

func TestUpdateServiceShape(t *testing.T) {
	for _, name := range ProfileNames() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, WithProfileName(name))
			e.login()
			p := e.ilo.Profile()
			m := e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t)
			if get(m, "HttpPushUri") != "/cgi-bin/uploadFile" || get(m, "Oem.Hpe.State") != "Idle" {
				t.Errorf("HttpPushUri %v State %v", get(m, "HttpPushUri"), get(m, "Oem.Hpe.State"))
			}
			if got := get(m, "@odata.type"); got != p.UpdateServiceType {
				t.Errorf("@odata.type %v, want %s", got, p.UpdateServiceType)
			}
			target, _ := get(m, "Oem.Hpe.Actions.#HpeiLOUpdateServiceExt.AddFromUri.target").(string)
			if target != e.ilo.ODataID(oemActionsPath+"AddFromUri") {
				t.Errorf("AddFromUri target %q", target)
			}
			if _, ok := get(m, "Oem.Hpe.Capabilities").(map[string]any); ok != (p.Capabilities != nil) {
				t.Errorf("Capabilities present %v, want %v", ok, p.Capabilities != nil)
			}
			if _, ok := m["MultipartHttpPushUri"]; ok != p.MultipartPush {
				t.Errorf("MultipartHttpPushUri present %v, want %v", ok, p.MultipartPush)
			}
			for _, l := range []string{"ComponentRepository", "UpdateTaskQueue", "InstallSets", "MaintenanceWindows", "InvalidImageRepository",
				"BundleUpdateReport", "RunningSoftwareInventory"} {
				link, _ := get(m, "Oem.Hpe."+l+".@odata.id").(string)
				if link == "" && (l == "BundleUpdateReport" || l == "RunningSoftwareInventory") {
					continue // not on every profile
				}
				if res := e.do("GET", link, nil, nil); res.status != 200 {
					t.Errorf("GET %s (%s): %d", l, link, res.status)
				}
			}
		})
	}
}

func TestExpandCollections(t *testing.T) {
	e := newEnv(t)
	e.login()
	plain := e.do("GET", "/redfish/v1/UpdateService/FirmwareInventory", nil, nil).json(t)
	exp := e.do("GET", "/redfish/v1/UpdateService/FirmwareInventory?$expand=.", nil, nil).json(t)
	pm, em := plain["Members"].([]any), exp["Members"].([]any)
	if len(pm) != 27 || len(em) != 27 {
		t.Fatalf("members %d/%d, want 27", len(pm), len(em))
	}
	if _, ok := pm[0].(map[string]any)["Version"]; ok {
		t.Errorf("unexpanded member carries Version")
	}
	if get(em[0], "Version") != "2.70 May 16 2022" || get(em[0], "Name") != "iLO 5" {
		t.Errorf("expanded member 0: %v", em[0])
	}
}

func TestUploadToRepository(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "cp045678.exe", Version: "1.2.3", Size: 3 << 20})
	res := e.upload(img.Image, nil, "cp045678.exe", img.Compsig, map[string]any{"UpdateRepository": true, "UpdateTarget": false, "ETag": "sumcp045678", "Section": 0}, tok)
	if res.status != 200 {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	s := e.service()
	if s["State"] != "Verifying" || s["UploadCurrentEtag"] != "sumcp045678" {
		t.Errorf("after POST: State %v etag %v, want Verifying sumcp045678", s["State"], s["UploadCurrentEtag"])
	}
	e.ilo.Clock().Advance(2500 * time.Millisecond)
	if s := e.service(); s["State"] != "Writing" {
		t.Errorf("State %v, want Writing", s["State"])
	}
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Complete" {
		t.Fatalf("State %v (%v), want Complete", s["State"], s["Result"])
	}
	coll := e.do("GET", "/redfish/v1/UpdateService/ComponentRepository/?$expand=.", nil, nil).json(t)
	members := coll["Members"].([]any)
	if len(members) != 1 {
		t.Fatalf("repository has %d members, want 1", len(members))
	}
	c := members[0]
	if get(c, "Filename") != "cp045678.exe" || get(c, "Version") != "1.2.3" || get(c, "SizeBytes") != float64(3<<20) || get(c, "Locked") != false {
		t.Errorf("component %v", c)
	}
	if free := get(coll, "Oem.Hpe.FreeSizeBytes").(float64); free != float64(DefaultRepositorySize-(3<<20)) {
		t.Errorf("FreeSizeBytes %v", free)
	}
	id, _ := get(c, "@odata.id").(string)
	if res := e.do("GET", id, nil, nil); res.header.Get("Allow") != "GET, HEAD, PATCH, DELETE" {
		t.Errorf("Allow %q", res.header.Get("Allow"))
	}
	dl := e.do("GET", "/fwrepo/cp045678.exe", nil, nil)
	want, _ := os.ReadFile(img.Image)
	if dl.status != 200 || !bytes.Equal(dl.body, want) {
		t.Errorf("download: %d, %d bytes, want %d", dl.status, len(dl.body), len(want))
	}
	if res := e.do("PATCH", id, map[string]any{"ExecutionParameters": "-s"}, nil); res.status != 200 {
		t.Errorf("PATCH component: %d %s", res.status, res.body)
	}
	if res := e.do("PATCH", id, map[string]any{"Version": "9"}, nil); res.status != 400 {
		t.Errorf("PATCH Version: %d, want 400", res.status)
	}
	if res := e.do("DELETE", id, nil, nil); res.status != 200 {
		t.Errorf("DELETE: %d", res.status)
	}
	if res := e.do("GET", "/fwrepo/cp045678.exe", nil, nil); res.status != 404 {
		t.Errorf("download after delete: %d, want 404", res.status)
	}
}

func TestLockedComponent(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok)
	e.ilo.Clock().Advance(time.Minute)
	e.ilo.SetLockedFunc(func(f string) bool { return f == "ilo5_272.bin" })
	c, uri, ok := e.ilo.ComponentByFilename("ILO5_272.BIN")
	if !ok || c.Version != "2.72" {
		t.Fatalf("ComponentByFilename: %v %+v", ok, c)
	}
	if get(e.do("GET", uri, nil, nil).json(t), "Locked") != true {
		t.Errorf("Locked not shown")
	}
	if res := e.do("DELETE", uri, nil, nil); res.status != 400 {
		t.Errorf("DELETE locked: %d, want 400", res.status)
	}
	e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteUnlockedComponents/", map[string]any{}, nil)
	if _, _, ok := e.ilo.ComponentByFilename("ilo5_272.bin"); !ok {
		t.Errorf("DeleteUnlockedComponents removed a locked component")
	}
	e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok)
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Error" {
		t.Errorf("replacing a locked component: State %v, want Error", s["State"])
	}
}

func TestUploadRefusals(t *testing.T) {
	e := newEnv(t, fastPhases, WithUser("reader", "pw", PrivLogin), WithUser("config", "pw", PrivLogin, PrivConfigureILO))
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", nil, "bogus"); res.status != 400 || len(res.body) != 0 {
		t.Errorf("bad session: %d %q, want empty 400", res.status, res.body)
	}
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", nil, ""); res.status != 400 || len(res.body) != 0 {
		t.Errorf("no session: %d %q, want empty 400", res.status, res.body)
	}
	e.tok = ""
	r := e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "reader", "Password": "pw"}, nil)
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", nil, r.header.Get("X-Auth-Token")); res.status != 400 || len(res.body) != 0 {
		t.Errorf("no iLOConfigPriv: %d %q, want empty 400", res.status, res.body)
	}
	e.tok = ""
	r = e.do("POST", "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "config", "Password": "pw"}, nil)
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{"UpdateRecoverySet": true}, r.header.Get("X-Auth-Token")); res.status != 400 || len(res.body) != 0 {
		t.Errorf("UpdateRecoverySet without the Recovery Set privilege: %d %q, want empty 400", res.status, res.body)
	}
	e.tok = tok
	smart := mkImage(t, testimage.Spec{Filename: "cp000001.exe", Version: "1.0"})
	if res := e.upload(smart.Image, nil, "cp000001.exe", "", map[string]any{}, tok); res.status != 200 {
		t.Fatalf("upload without compsig: %d", res.status)
	}
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Error" || get(s, "Result.MessageId") != "iLO.2.14.ComponentUploadFailed" {
		t.Errorf("smart component without compsig: %v %v", s["State"], s["Result"])
	}
	big := mkImage(t, testimage.Spec{Filename: "cp000002.exe", Version: "1.0", Size: MaxPostBytes + 10})
	if res := e.upload(big.Image, nil, "cp000002.exe", big.Compsig, map[string]any{}, tok); res.status != 400 {
		t.Errorf("33 MiB POST: %d, want 400", res.status)
	}
}

func TestBusyRefusals(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{"UpdateTarget": true, "UpdateRepository": false}, tok); res.status != 200 {
		t.Fatalf("upload: %d", res.status)
	}
	res := e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok)
	if res.status != 400 || msgID(t, res) != "iLO.2.14.ComponentUploadAlreadyInProgress" {
		t.Errorf("while verifying: %d %s", res.status, res.body)
	}
	e.ilo.Clock().Advance(30 * time.Second)
	s := e.service()
	if s["State"] != "Updating" || s["FlashProgressPercent"] == nil {
		t.Fatalf("State %v pct %v, want Updating with a percentage", s["State"], s["FlashProgressPercent"])
	}
	if pct := s["FlashProgressPercent"].(float64); pct < 1 || pct > 99 {
		t.Errorf("FlashProgressPercent %v, want within (0,100)", pct)
	}
	res = e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok)
	if res.status != 400 || msgID(t, res) != "iLO.2.14.FirmwareFlashAlreadyInProgress" {
		t.Errorf("while updating: %d %s", res.status, res.body)
	}
}

func TestILOSelfFlash(t *testing.T) {
	e := newEnv(t, fastPhases, WithDarkTime(90*time.Second))
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin", Size: 1 << 20})
	e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{"UpdateTarget": true, "UpdateRepository": true}, tok)
	e.ilo.Clock().Advance(70 * time.Second) // phases end at 65 s: Complete for 10 s, then the reset
	if s := e.service(); s["State"] != "Complete" {
		t.Fatalf("State %v 5 s after the flash, want Complete before the reset", s["State"])
	}
	if got := get(e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t), "FirmwareVersion"); got != "iLO 5 v2.70" {
		t.Errorf("FirmwareVersion %v before the reset, want the old iLO 5 v2.70", got)
	}
	e.ilo.Clock().Advance(6 * time.Second) // the reset: dark for 90 s
	req, _ := http.NewRequest("GET", e.srv.URL+"/redfish/v1/", nil)
	if res, err := e.srv.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("iLO answered while resetting: %d", res.StatusCode)
	}
	e.ilo.Clock().Advance(91 * time.Second)
	if res := e.do("GET", "/redfish/v1/Managers/1", nil, nil); res.status != 401 {
		t.Errorf("old session after reset: %d, want 401", res.status)
	}
	e.login()
	if got := get(e.do("GET", "/redfish/v1/Managers/1", nil, nil).json(t), "FirmwareVersion"); got != "iLO 5 v2.72" {
		t.Errorf("FirmwareVersion %v, want iLO 5 v2.72", got)
	}
	root := e.do("GET", "/redfish/v1/", nil, nil).json(t)
	if mgr := get(root, "Oem.Hpe.Manager").([]any)[0]; get(mgr, "ManagerFirmwareVersion") != "2.72" {
		t.Errorf("root ManagerFirmwareVersion %v", get(mgr, "ManagerFirmwareVersion"))
	}
	if _, _, ok := e.ilo.ComponentByFilename("ilo5_272.bin"); !ok {
		t.Errorf("repository lost the component across the reset")
	}
	if s := e.service(); s["State"] != "Complete" {
		t.Errorf("State %v after reset, want Complete (sticky)", s["State"])
	}
}

func TestSectionReassembly(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	size := int64(2*MaxPostBytes + 1<<20)
	img := mkImage(t, testimage.Spec{Filename: "cp099999.exe", Version: "5.0", Size: size})
	if len(img.Parts) != 3 {
		t.Fatalf("want 3 part compsigs, got %d", len(img.Parts))
	}
	for n := 0; n < 3; n++ {
		off := int64(n) * MaxPostBytes
		rng := &part{off, min(MaxPostBytes, size-off)}
		res := e.upload(img.Image, rng, "cp099999.exe", img.Parts[n], map[string]any{"Section": n, "ETag": "sumcp099999"}, tok)
		if res.status != 200 {
			t.Fatalf("section %d: %d %s", n, res.status, res.body)
		}
		e.ilo.Clock().Advance(time.Minute)
		if s := e.service(); s["State"] != "Complete" {
			t.Fatalf("after section %d: State %v %v", n, s["State"], s["Result"])
		}
		_, _, ok := e.ilo.ComponentByFilename("cp099999.exe")
		if ok != (n == 2) {
			t.Errorf("after section %d: in repository %v", n, ok)
		}
	}
	c, _, _ := e.ilo.ComponentByFilename("cp099999.exe")
	if c.Size != size || c.Version != "5.0" {
		t.Errorf("assembled component %d bytes version %q, want %d 5.0", c.Size, c.Version, size)
	}
	// Out of order: section 1 without 0.
	res := e.upload(img.Image, &part{MaxPostBytes, MaxPostBytes}, "cp099999.exe", img.Parts[1], map[string]any{"Section": 1}, tok)
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); res.status != 200 || s["State"] != "Error" {
		t.Errorf("section out of order: %d, State %v", res.status, s["State"])
	}
}

// imageServer serves the files of dir over HTTP on loopback.
func imageServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(s.Close)
	return s
}

func TestSimpleUpdate(t *testing.T) {
	bios := testimage.Spec{Filename: "A47_2.90_01_01_2025.signed.flash"}
	tests := []struct {
		name       string
		profile    string
		file       testimage.Spec
		body       func(url string) map[string]any
		wantStatus int
		wantMsg    string // first MessageId of a 4xx answer
		wantState  string
		wantResult string
	}{
		{name: "bios flashes", profile: "ilo5", file: bios, wantStatus: 202, wantState: "Complete"},
		{name: "legacy 200", profile: "ilo5-legacy", file: bios, wantStatus: 200, wantState: "Complete"},
		{name: "smart component unknown format", profile: "ilo5", file: testimage.Spec{Filename: "cp012345.exe", Version: "1"},
			wantStatus: 202, wantState: "Error", wantResult: "Base.1.4.ResourceAtUriInUnknownFormat"},
		{name: "legacy fwpkg unknown format", profile: "ilo5-legacy", file: testimage.Spec{Filename: "ilo5_272.fwpkg"},
			wantStatus: 200, wantState: "Error", wantResult: "Base.1.4.ResourceAtUriInUnknownFormat"},
		{name: "TPMOverrideFlag refused", profile: "ilo5", file: bios,
			body:       func(u string) map[string]any { return map[string]any{"ImageURI": u, "TPMOverrideFlag": true} },
			wantStatus: 400, wantMsg: "Base.1.4.ActionParameterUnknown"},
		{name: "missing ImageURI", profile: "ilo6", file: bios,
			body:       func(string) map[string]any { return map[string]any{"TransferProtocol": "HTTP"} },
			wantStatus: 400, wantMsg: "Base.1.18.ActionParameterMissing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fastPhases, WithProfileName(tt.profile))
			e.login()
			img := mkImage(t, tt.file)
			srv := imageServer(t, filepath.Dir(img.Image))
			uri := srv.URL + "/" + tt.file.Filename
			body := map[string]any{"ImageURI": uri}
			if tt.body != nil {
				body = tt.body(uri)
			}
			res := e.do("POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate/", body, nil)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.status, tt.wantStatus, res.body)
			}
			if tt.wantMsg != "" {
				if got := msgID(t, res); got != tt.wantMsg {
					t.Errorf("MessageId %q, want %q", got, tt.wantMsg)
				}
				return
			}
			loc := res.header.Get("Location")
			if (loc != "") != (tt.wantStatus == 202) {
				t.Errorf("Location %q with status %d", loc, res.status)
			}
			e.waitReceived()
			e.ilo.Clock().Advance(5 * time.Minute)
			s := e.service()
			if s["State"] != tt.wantState || (tt.wantResult != "" && get(s, "Result.MessageId") != tt.wantResult) {
				t.Errorf("State %v Result %v, want %s %s", s["State"], s["Result"], tt.wantState, tt.wantResult)
			}
			if tt.wantState == "Complete" {
				sys := e.do("GET", "/redfish/v1/Systems/1", nil, nil).json(t)
				if got := sys["BiosVersion"]; got != "A47 v2.90 (01/01/2025)" {
					t.Errorf("BiosVersion %v after flash", got)
				}
			}
		})
	}
}

func TestTaskMonitorLifecycle(t *testing.T) {
	e := newEnv(t, fastPhases)
	e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	srv := imageServer(t, filepath.Dir(img.Image))
	res := e.do("POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate", map[string]any{"ImageURI": srv.URL + "/ilo5_272.bin"}, nil)
	if res.status != 202 || get(res.json(t), "TaskState") != "New" {
		t.Fatalf("SimpleUpdate: %d %s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	mon := strings.TrimPrefix(loc, e.srv.URL)
	if mon == loc || get(res.json(t), "TaskMonitor") != mon {
		t.Fatalf("Location %q vs TaskMonitor %v", loc, get(res.json(t), "TaskMonitor"))
	}
	e.waitReceived()
	if r := e.do("GET", mon, nil, nil); r.status != 202 || get(r.json(t), "TaskState") != "Running" {
		t.Errorf("monitor while running: %d %s", r.status, r.body)
	}
	e.ilo.Clock().Advance(65 * time.Second)
	e.ilo.Clock().Advance(DefaultILOResetDelay + DefaultDarkTime + time.Second)
	e.login() // the iLO flash ended every session
	if r := e.do("GET", mon, nil, nil); r.status != 200 || msgID(t, r) != "Base.1.4.Success" {
		t.Errorf("monitor final: %d %s", r.status, r.body)
	}
	if r := e.do("GET", mon, nil, nil); r.status != 404 || msgID(t, r) != "Base.1.4.ResourceMissingAtURI" {
		t.Errorf("monitor after final: %d %s", r.status, r.body)
	}
	tasks := e.do("GET", "/redfish/v1/TaskService/Tasks?$expand=.", nil, nil).json(t)
	if m := tasks["Members"].([]any); len(m) != 1 || get(m[0], "TaskState") != "Completed" || get(m[0], "Payload.TargetUri") == nil {
		t.Errorf("tasks %v", tasks["Members"])
	}
}

func TestAddFromURI(t *testing.T) {
	e := newEnv(t, fastPhases)
	e.login()
	img := mkImage(t, testimage.Spec{Filename: "cp011111.exe", Version: "3.1"})
	srv := imageServer(t, filepath.Dir(img.Image))
	body := map[string]any{"ImageURI": srv.URL + "/cp011111.exe", "CompSigURI": srv.URL + "/cp011111.compsig",
		"UpdateRepository": true, "UpdateTarget": false, "UploadCurrentEtag": "afu1"}
	res := e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", body, nil)
	if res.status != 202 || res.header.Get("Location") == "" {
		t.Fatalf("AddFromUri: %d %s", res.status, res.body)
	}
	e.waitReceived()
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Complete" || s["UploadCurrentEtag"] != "afu1" {
		t.Fatalf("State %v %v etag %v", s["State"], s["Result"], s["UploadCurrentEtag"])
	}
	if c, _, ok := e.ilo.ComponentByFilename("cp011111.exe"); !ok || c.Version != "3.1" {
		t.Errorf("component %v %+v", ok, c)
	}
	// A bad signature ends in Error.
	bad := filepath.Join(filepath.Dir(img.Image), "bad.compsig")
	os.WriteFile(bad, []byte(`{"Format":"fleetfw-compsig/1","SHA256":"00"}`), 0o644)
	body["CompSigURI"] = srv.URL + "/bad.compsig"
	e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", body, nil)
	e.waitReceived()
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Error" {
		t.Errorf("bad compsig: State %v", s["State"])
	}
	// Unreachable image: accepted, then Error.
	body = map[string]any{"ImageURI": srv.URL + "/missing.bin"}
	if res := e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", body, nil); res.status != 202 {
		t.Errorf("missing image: %d", res.status)
	}
	e.waitReceived()
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Error" {
		t.Errorf("missing image: State %v", s["State"])
	}
	if res := e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", map[string]any{"ImageURI": "x", "Bogus": 1}, nil); res.status != 400 || msgID(t, res) != "Base.1.4.ActionParameterUnknown" {
		t.Errorf("unknown parameter: %d %s", res.status, res.body)
	}
}

func TestAddFromURISections(t *testing.T) {
	e := newEnv(t, fastPhases)
	e.login()
	size := int64(MaxPostBytes + 5<<20)
	img := mkImage(t, testimage.Spec{Filename: "cp022222.exe", Version: "7.7", Size: size})
	dir := filepath.Dir(img.Image)
	// Split the file as a user would for AddFromUri: part files on the web server.
	data, _ := os.Open(img.Image)
	for n := 1; n <= 2; n++ {
		f, _ := os.Create(filepath.Join(dir, "cp022222.exe.part"+string(rune('0'+n))))
		io.Copy(f, io.NewSectionReader(data, int64(n-1)*MaxPostBytes, MaxPostBytes))
		f.Close()
	}
	data.Close()
	srv := imageServer(t, dir)
	for n := 1; n <= 2; n++ {
		body := map[string]any{"ImageURI": srv.URL + "/cp022222.exe.part" + string(rune('0'+n)),
			"CompSigURI":        srv.URL + "/" + filepath.Base(img.Parts[n-1]),
			"ComponentFileName": "cp022222.exe", "Section": n}
		if res := e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri", body, nil); res.status != 202 {
			t.Fatalf("section %d: %d %s", n, res.status, res.body)
		}
		e.waitReceived()
		e.ilo.Clock().Advance(time.Minute)
		if s := e.service(); s["State"] != "Complete" {
			t.Fatalf("section %d: State %v %v", n, s["State"], s["Result"])
		}
	}
	if c, _, ok := e.ilo.ComponentByFilename("cp022222.exe"); !ok || c.Size != size {
		t.Errorf("assembled: %v %d bytes, want %d", ok, c.Size, size)
	}
}

func TestIfMatch(t *testing.T) {
	e := newEnv(t)
	e.login()
	res := e.do("GET", "/redfish/v1/UpdateService", nil, nil)
	tag := res.header.Get("ETag")
	if r := e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"Accept3rdPartyFirmware": true}}}, map[string]string{"If-Match": `W/"00000000"`}); r.status != 412 {
		t.Errorf("stale If-Match: %d, want 412", r.status)
	}
	if r := e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"Accept3rdPartyFirmware": true}}}, map[string]string{"If-Match": tag}); r.status != 200 {
		t.Errorf("current If-Match: %d %s", r.status, r.body)
	}
	if get(e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t), "Oem.Hpe.Accept3rdPartyFirmware") != true {
		t.Errorf("PATCH not applied")
	}
	if r := e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"Accept3rdPartyFirmware": false}}}, map[string]string{"If-Match": tag}); r.status != 412 {
		t.Errorf("If-Match of the old state: %d, want 412", r.status)
	}
}

func TestRepositoryFullFault(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	e.do("POST", "/_sim/faults", map[string]any{"repository_full": true}, nil)
	coll := e.do("GET", "/redfish/v1/UpdateService/ComponentRepository", nil, nil).json(t)
	if get(coll, "Oem.Hpe.FreeSizeBytes") != float64(0) {
		t.Errorf("FreeSizeBytes %v, want 0", get(coll, "Oem.Hpe.FreeSizeBytes"))
	}
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok)
	e.ilo.Clock().Advance(time.Minute)
	if s := e.service(); s["State"] != "Error" || get(s, "Result.MessageId") != "Base.1.4.ResourceExhaustion" {
		t.Errorf("full repository: %v %v", s["State"], s["Result"])
	}
}

func TestResetMidBodyFault(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	e.do("POST", "/_sim/faults", map[string]any{"reset_mid_body": 1}, nil)
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin", Size: 4 << 20})
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok); res.status != -1 {
		t.Errorf("upload survived a reset: %d", res.status)
	}
	if res := e.upload(img.Image, nil, "ilo5_272.bin", "", map[string]any{}, tok); res.status != 200 {
		t.Errorf("next upload: %d %s", res.status, res.body)
	}
}

func TestMultipartPush(t *testing.T) {
	e := newEnv(t, fastPhases, WithProfileName("ilo5-multipart"))
	e.login()
	img := mkImage(t, testimage.Spec{Filename: "A47_2.91_02_02_2025.signed.flash"})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, _ := mw.CreateFormField("UpdateParameters")
	pw.Write([]byte(`{"Targets": []}`))
	fw, _ := mw.CreateFormFile("UpdateFile", "A47_2.91_02_02_2025.signed.flash")
	b, _ := os.ReadFile(img.Image)
	fw.Write(b)
	mw.Close()
	uri := get(e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t), "MultipartHttpPushUri").(string)
	res := e.do("POST", uri, buf.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
	if res.status != 202 || res.header.Get("Location") == "" {
		t.Fatalf("multipart push: %d %s", res.status, res.body)
	}
	e.ilo.Clock().Advance(5 * time.Minute)
	if got := e.do("GET", "/redfish/v1/Systems/1", nil, nil).json(t)["BiosVersion"]; got != "A47 v2.91 (02/02/2025)" {
		t.Errorf("BiosVersion %v", got)
	}
}

func TestRunningTaskMessages(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"default", nil, `[]`},
		{"captured shape", []Option{WithTaskEmptyMessage()}, `[{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, append([]Option{fastPhases}, tt.opts...)...)
			e.login()
			img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
			srv := imageServer(t, filepath.Dir(img.Image))
			res := e.do("POST", "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate", map[string]any{"ImageURI": srv.URL + "/ilo5_272.bin"}, nil)
			got, _ := json.Marshal(get(res.json(t), "Messages"))
			if string(got) != tt.want {
				t.Errorf("Messages %s, want %s", got, tt.want)
			}
			e.waitReceived()
		})
	}
}

func TestUploadingWhileBodyArrives(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin", Size: 2 << 20})
	data, _ := os.ReadFile(img.Image)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.srv.URL+"/cgi-bin/uploadFile", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Cookie", "sessionKey="+tok)
		res, err := e.srv.Client().Do(req)
		if err != nil {
			done <- response{status: -1}
			return
		}
		res.Body.Close()
		done <- response{status: res.StatusCode}
	}()
	mw.WriteField("sessionKey", tok)
	mw.WriteField("parameters", `{"UploadCurrentEtag":"half"}`)
	fw, _ := mw.CreateFormFile("file", "ilo5_272.bin")
	fw.Write(data[:1<<20])
	// The server has read the first half once the state says Uploading.
	deadline := time.Now().Add(10 * time.Second)
	state := ""
	for time.Now().Before(deadline) && state != "Uploading" {
		state, _ = e.service()["State"].(string)
	}
	if state != "Uploading" {
		t.Errorf("State %q while the body arrives, want Uploading", state)
	}
	fw.Write(data[1<<20:])
	mw.Close()
	pw.Close()
	if res := <-done; res.status != 200 {
		t.Fatalf("upload: %d", res.status)
	}
	if s := e.service(); s["State"] != "Verifying" || s["UploadCurrentEtag"] != "half" {
		t.Errorf("after upload: %v %v", s["State"], s["UploadCurrentEtag"])
	}
}

func TestAddFromURILegacyAnswers200(t *testing.T) {
	e := newEnv(t, fastPhases, WithProfileName("ilo5-legacy"))
	e.login()
	img := mkImage(t, testimage.Spec{Filename: "ilo5_272.bin"})
	srv := imageServer(t, filepath.Dir(img.Image))
	res := e.do("POST", "/redfish/v1/UpdateService/Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/", map[string]any{"ImageURI": srv.URL + "/ilo5_272.bin"}, nil)
	if res.status != 200 || msgID(t, res) != "Base.1.4.Success" || res.header.Get("Location") != "" {
		t.Fatalf("legacy AddFromUri: %d %s (Location %q)", res.status, res.body, res.header.Get("Location"))
	}
	e.waitReceived()
	e.ilo.Clock().Advance(time.Minute)
	if _, _, ok := e.ilo.ComponentByFilename("ilo5_272.bin"); !ok {
		t.Errorf("component not stored")
	}
	if n := len(e.do("GET", "/redfish/v1/TaskService/Tasks", nil, nil).json(t)["Members"].([]any)); n != 0 {
		t.Errorf("legacy profile created %d tasks", n)
	}
	dl := e.do("GET", "/fwrepo/ilo5_272.bin", nil, nil)
	if dl.status != 200 || dl.header.Get("ETag") == "" {
		t.Errorf("download: %d ETag %q", dl.status, dl.header.Get("ETag"))
	}
}

func TestActionsUnderActionsOem(t *testing.T) {
	p, _ := LookupProfile("ilo6")
	p.ActionsUnderActionsOem = true
	e := newEnv(t, WithProfile(p))
	e.login()
	m := e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t)
	if get(m, "Actions.Oem.Hpe.#HpeiLOUpdateServiceExt.AddFromUri.target") == nil || get(m, "Oem.Hpe.Actions") != nil {
		t.Errorf("actions: Actions=%v Oem.Hpe.Actions=%v", m["Actions"], get(m, "Oem.Hpe.Actions"))
	}
}

func TestEveryAdvertisedActionAnswers(t *testing.T) {
	e := newEnv(t)
	e.login()
	m := e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t)
	for name, a := range get(m, "Oem.Hpe.Actions").(map[string]any) {
		target := get(a, "target").(string)
		body := map[string]any{}
		want := 200
		if strings.Contains(name, "Language") {
			body["Language"] = "en"
		}
		if strings.HasSuffix(name, "RemoveLanguagePack") {
			want = 400 // English cannot be removed
		}
		if strings.HasSuffix(name, "AddFromUri") {
			continue // needs an image server: TestAddFromURI
		}
		res := e.do("POST", target, body, nil)
		if res.status != want {
			t.Errorf("POST %s: %d, want %d: %s", name, res.status, want, res.body)
		}
	}
	before := get(m, "Oem.Hpe.FirmwareIntegrity.LastScanTime").(string)
	after := get(e.do("GET", "/redfish/v1/UpdateService", nil, nil).json(t), "Oem.Hpe.FirmwareIntegrity.LastScanTime").(string)
	if after <= before {
		t.Errorf("LastScanTime %s after an integrity check, was %s", after, before)
	}
}

func TestBundleUpdateReport(t *testing.T) {
	tests := []struct {
		profile string
		want    int
	}{{"ilo5", 200}, {"ilo5-legacy", 404}}
	for _, tt := range tests {
		e := newEnv(t, WithProfileName(tt.profile))
		e.login()
		for _, p := range []string{"/redfish/v1/UpdateService/BundleUpdateReport", "/redfish/v1/UpdateService/BundleUpdateReport/Current", "/redfish/v1/UpdateService/BundleUpdateReport/completed/Entries/"} {
			if res := e.do("GET", p, nil, nil); res.status != tt.want {
				t.Errorf("%s GET %s: %d, want %d", tt.profile, p, res.status, tt.want)
			}
		}
	}
}

func TestApplyShowsInUpdateService(t *testing.T) {
	e := newEnv(t, fastPhases, WithClock(NewClock(0)))
	tok := e.login()
	img := mkImage(t, testimage.Spec{Filename: "A47_2.95_03_03_2025.signed.flash"})
	e.upload(img.Image, nil, "A47_2.95_03_03_2025.signed.flash", "", map[string]any{}, tok)
	e.ilo.Clock().Advance(time.Minute)
	if d, m := e.ilo.Apply("nope.bin", nil); m == nil || d != 0 {
		t.Errorf("Apply of a missing file: %v %v", d, m)
	}
	d, m := e.ilo.Apply("a47_2.95_03_03_2025.signed.flash", nil)
	if m != nil || d != time.Minute {
		t.Fatalf("Apply: %v %v, want 1m and no failure", d, m)
	}
	e.ilo.Clock().Advance(30 * time.Second)
	if s := e.service(); s["State"] != "Updating" || s["FlashProgressPercent"] != float64(50) {
		t.Errorf("during a queue flash: %v %v", s["State"], s["FlashProgressPercent"])
	}
	e.ilo.Clock().Advance(31 * time.Second)
	if s := e.service(); s["State"] != "Complete" {
		t.Errorf("after a queue flash: State %v", s["State"])
	}
	if v := e.do("GET", "/redfish/v1/Systems/1", nil, nil).json(t)["BiosVersion"]; v != "A47 v2.95 (03/03/2025)" {
		t.Errorf("BiosVersion %v after the flash", v)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.65", "2.70 May 16 2022", -1},
		{"2.72", "2.70 May 16 2022", 1},
		{"2.70", "2.70 May 16 2022", 0},
		{"v2.50 (01/01/2021)", "A47 v2.58 (05/19/2022)", -1},
		{"1.14.01", "1.14.00 Jul 10 2025", 1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNoDowngradePolicy(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"DowngradePolicy": "NoDowngrade"}}}, nil)
	img := mkImage(t, testimage.Spec{Filename: "ilo5_265.bin"})
	e.upload(img.Image, nil, "ilo5_265.bin", "", map[string]any{"UpdateTarget": true}, tok)
	e.ilo.Clock().Advance(5 * time.Minute)
	if s := e.service(); s["State"] != "Error" || get(s, "Result.MessageId") != "iLO.2.14.DowngradeNotAllowed" {
		t.Errorf("downgrade under NoDowngrade: %v %v", s["State"], s["Result"])
	}
	if v := e.ilo.FirmwareVersion(); v != "2.70" {
		t.Errorf("firmware %s after a refused downgrade", v)
	}
	if res := e.do("PATCH", "/redfish/v1/UpdateService", map[string]any{"Oem": map[string]any{"Hpe": map[string]any{"DowngradePolicy": "AllowDowngrade"}}}, nil); res.status != 400 {
		t.Errorf("leaving NoDowngrade: %d, want 400 (permanent)", res.status)
	}
}

// TestUploadStreamsToDisk uploads a 160 MiB component in five Sections and
// checks that the process allocated far less than the image: neither the
// simulator nor the test client holds it in memory.
func TestUploadStreamsToDisk(t *testing.T) {
	e := newEnv(t, fastPhases)
	tok := e.login()
	size := int64(5 * MaxPostBytes)
	img := mkImage(t, testimage.Spec{Filename: "cp055555.exe", Version: "2.0", Size: size})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for n := int64(0); n < 5; n++ {
		res := e.upload(img.Image, &part{n * MaxPostBytes, MaxPostBytes}, "cp055555.exe", img.Parts[n], map[string]any{"Section": n}, tok)
		if res.status != 200 {
			t.Fatalf("section %d: %d %s", n, res.status, res.body)
		}
		e.ilo.Clock().Advance(time.Minute)
		e.service()
	}
	runtime.ReadMemStats(&after)
	if c, _, ok := e.ilo.ComponentByFilename("cp055555.exe"); !ok || c.Size != size {
		t.Fatalf("component %v %d bytes, want %d", ok, c.Size, size)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d bytes for a %d-byte upload", alloc, size)
	if alloc > uint64(size/4) {
		t.Errorf("allocated %d bytes for a %d-byte upload: the image is being buffered", alloc, size)
	}
}
