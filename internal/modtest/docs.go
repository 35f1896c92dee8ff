package modtest

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// CheckReturnDocs checks that the JSON keys of result's struct type (but
// changed and diff, which Ansible documents itself) are exactly the
// RETURN keys of the module's doc stub at stubPath.
func CheckReturnDocs(t testing.TB, stubPath string, result any) {
	t.Helper()
	b, err := os.ReadFile(stubPath)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)RETURN = r'''\n(.*?)'''`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no RETURN block")
	}
	var doc map[string]any
	if err := yaml.Unmarshal(m[1], &doc); err != nil {
		t.Fatalf("parse RETURN: %v", err)
	}
	var documented, returned []string
	for k := range doc {
		documented = append(documented, k)
	}
	rt := reflect.TypeOf(result)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "changed" && name != "diff" {
			returned = append(returned, name)
		}
	}
	slices.Sort(documented)
	slices.Sort(returned)
	if !slices.Equal(documented, returned) {
		t.Errorf("Result keys %v, RETURN documents %v", returned, documented)
	}
}
