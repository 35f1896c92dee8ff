package main

import (
	"reflect"
	"testing"
)

func TestParsePerf(t *testing.T) {
	const report = `# Samples: 12K of event 'cpu-clock:ppp'
#
    83.94%     0.00%  [.] runtime.goexit.abi0
    61.37%     0.00%  [.] main.main
    51.33%     0.00%  [.] crypto/x509.SystemCertPool
    23.94%     0.68%  [k] do_syscall_64
    12.02%     0.12%  [.] encoding/pem.Decode
     8.14%     0.00%  [.] crypto/tls.(*Conn).clientHandshake
     2.00%     2.00%  [.] bytes.IndexAny
     4.00%     0.00%  [.] pkg.(*module[go.shape.struct { A []string "json:\"a\"" },go.shape.x]).call - -
     4.00%     0.00%  [.] pkg.(*module[pkg.Args,pkg.Result]).call - -
`
	tests := []struct {
		name   string
		minPct float64
		max    int
		want   []perfEntry
	}{
		{"user-space functions above the threshold, no runtime frames, generics shortened", 3, 10, []perfEntry{
			{"crypto/x509.SystemCertPool", 51.33}, {"encoding/pem.Decode", 12.02}, {"crypto/tls.(*Conn).clientHandshake", 8.14},
			{"pkg.(*module[…]).call", 4}}},
		{"at most max entries", 3, 1, []perfEntry{{"crypto/x509.SystemCertPool", 51.33}}},
		{"lower threshold keeps small entries", 1, 10, []perfEntry{
			{"crypto/x509.SystemCertPool", 51.33}, {"encoding/pem.Decode", 12.02}, {"crypto/tls.(*Conn).clientHandshake", 8.14},
			{"bytes.IndexAny", 2}, {"pkg.(*module[…]).call", 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parsePerf(report, tt.minPct, tt.max); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parsePerf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTimedReportsCPUAndRSS(t *testing.T) {
	// A shell that burns some CPU: GNU time's rusage must include it.
	tm, err := timed(t.Context(), t.TempDir(), nil, "sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo done")
	if err != nil {
		t.Fatalf("timed: %v", err)
	}
	if tm.out != "done\n" {
		t.Errorf("out = %q, want %q", tm.out, "done\n")
	}
	if tm.cpu <= 0 || tm.rssKiB <= 0 || tm.wall <= 0 {
		t.Errorf("timing = %+v, want positive wall, CPU and RSS", tm)
	}
	if _, err := timed(t.Context(), t.TempDir(), nil, "sh", "-c", "echo oops >&2; exit 3"); err == nil {
		t.Error("timed of a failing command: no error")
	}
}
