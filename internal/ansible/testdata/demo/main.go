// Command demo is a module binary for trying internal/ansible with a real
// ansible-core (see the package's README section in the report): module
// "demo_file" manages a small text file so that check mode and --diff can be
// seen, and echoes a no_log option into its warnings and result to show
// the scrubbing. It is not part of the collection.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/fleetfw/ilo/internal/ansible"
)

type args struct {
	Path    string `json:"path" type:"path" validate:"required"`
	Content string `json:"content" aliases:"text"`
	Token   string `json:"token" no_log:"true" env:"DEMO_TOKEN"`
	State   string `json:"state" default:"present" validate:"oneof=present absent"`
	Mode    int    `json:"mode" default:"420" validate:"min=256,max=511"`
}

func (args) Rules() ansible.Rules {
	return ansible.Rules{RequiredIf: []ansible.RequiredIf{{Key: "state", Value: "present", Requires: []string{"content"}}}}
}

type result struct {
	Changed bool          `json:"changed"`
	Diff    *ansible.Diff `json:"diff,omitempty"`
	Path    string        `json:"path"`
	Note    string        `json:"note,omitempty"`
}

func run(_ context.Context, r *ansible.Run, a *args) (result, error) {
	res := result{Path: a.Path}
	if a.Token != "" {
		r.Warn("used token %s", a.Token)
		res.Note = "authenticated with " + a.Token
	}
	b, err := os.ReadFile(a.Path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("read %s: %w", a.Path, err)
	}
	before := map[string]any{"state": "absent"}
	if exists {
		before = map[string]any{"state": "present", "content": string(b)}
	}
	after := map[string]any{"state": a.State}
	if a.State == "present" {
		after["content"] = a.Content
	}
	res.Changed = fmt.Sprint(before) != fmt.Sprint(after)
	if !res.Changed {
		return res, nil
	}
	if r.Diff {
		res.Diff = &ansible.Diff{Before: before, After: after}
	}
	if r.CheckMode {
		return res, nil
	}
	if a.State == "absent" {
		return res, os.Remove(a.Path)
	}
	if err := os.WriteFile(a.Path, []byte(a.Content), os.FileMode(a.Mode)); err != nil {
		return res, fmt.Errorf("write %s: %w", a.Path, err)
	}
	return res, nil
}

func main() {
	os.Exit(ansible.Dispatch(os.Args, os.Stdout, ansible.New("demo_file", run)))
}
