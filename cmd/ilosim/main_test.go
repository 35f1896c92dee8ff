package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestRunRefusesBadArguments(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown profile", []string{"-profile", "ilo4", "-dir", t.TempDir()}, `look up profile "ilo4"`},
		{"unknown flag", []string{"-bogus"}, "flag provided but not defined"},
		{"port in use", []string{"-count", "2", "-port", port, "-http", "-dir", t.TempDir()}, "listen for iLO 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}
