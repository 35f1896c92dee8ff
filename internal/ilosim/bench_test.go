package ilosim

import (
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/fleetfw/ilo/internal/testimage"
)

func benchGet(b *testing.B, p string) {
	e := newEnv(b)
	tok := e.login()
	c := e.srv.Client()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		req, _ := http.NewRequest("GET", e.srv.URL+p, nil)
		req.Header.Set("X-Auth-Token", tok)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

func BenchmarkGetUpdateService(b *testing.B) { benchGet(b, "/redfish/v1/UpdateService") }

func BenchmarkExpandFirmwareInventory(b *testing.B) {
	benchGet(b, "/redfish/v1/UpdateService/FirmwareInventory?$expand=.")
}

// BenchmarkUpload32MiB posts one 32 MiB part to uploadFile (streamed to disk).
func BenchmarkUpload32MiB(b *testing.B) {
	e := newEnv(b, fastPhases)
	tok := e.login()
	img, err := testimage.WriteFiles(b.TempDir(), testimage.Spec{Filename: "cp033333.exe", Version: "1", Size: MaxPostBytes})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(MaxPostBytes)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if res := e.upload(img.Image, nil, "cp033333.exe", img.Compsig, map[string]any{}, tok); res.status != 200 {
			b.Fatalf("upload: %d %s", res.status, res.body)
		}
		e.ilo.Clock().Advance(10 * time.Minute)
		e.service()
	}
}

// BenchmarkFleet100 starts 100 plain-HTTP iLOs and reports heap bytes per iLO.
func BenchmarkFleet100(b *testing.B) {
	for n := 0; n < b.N; n++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f, err := StartFleet(FleetConfig{Count: 100, HTTP: true, Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/100, "heap-B/iLO")
		f.Close()
	}
}
