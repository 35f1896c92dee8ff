package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/testimage"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"1048576", 1 << 20, false},
		{"100MiB", 100 << 20, false},
		{"3GiB", 3 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"512KB", 512000, false},
		{"64K", 64 << 10, false},
		{"lots", 0, true},
		{"-1MiB", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantFiles []string
		wantErr   bool
	}{
		{"ilo bin", []string{"-name", "ilo5_305.bin", "-version", "3.05", "-size", "1MiB"}, []string{"ilo5_305.bin"}, false},
		{"smart component with parts", []string{"-name", "cp045678.exe", "-version", "1.0", "-size", "40MiB"},
			[]string{"cp045678.exe", "cp045678.compsig", "cp045678_part1.compsig", "cp045678_part2.compsig"}, false},
		{"forced parts", []string{"-name", "ilo6_167.bin", "-compsig", "-parts"}, []string{"ilo6_167.bin", "ilo6_167.compsig", "ilo6_167_part1.compsig"}, false},
		{"no name", []string{"-size", "1MiB"}, nil, true},
		{"bad size", []string{"-name", "ilo5_305.bin", "-size", "big"}, nil, true},
		{"no version", []string{"-name", "cp000001.exe"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var out, errOut bytes.Buffer
			err := run(append([]string{"-o", dir}, tt.args...), &out, &errOut)
			if (err != nil) != tt.wantErr {
				t.Fatalf("run error = %v, want error %v", err, tt.wantErr)
			}
			var want []string
			for _, f := range tt.wantFiles {
				want = append(want, filepath.Join(dir, f))
			}
			got := strings.Fields(out.String())
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("printed %q, want %q", got, want)
			}
			if len(got) == 0 {
				return
			}
			f, err := os.Open(got[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			if _, err := testimage.Inspect(f, st.Size(), filepath.Base(got[0])); err != nil {
				t.Errorf("Inspect written image: %v", err)
			}
		})
	}
}
