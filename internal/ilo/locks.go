package ilo

import (
	"context"
	"fmt"
	"strings"
)

// Locker is what keeps a repository component Locked: a task of the
// installation queue or an install set that names its file.
type Locker struct {
	// Kind is "task" (UpdateTaskQueue) or "install set".
	Kind string `json:"kind"`
	Name string `json:"name"`
	URI  string `json:"uri"`
	// State is the task's State ("" for an install set).
	State string `json:"state,omitempty"`
}

// String returns `task "Update-1" (Pending)` or `install set "Baseline"`.
func (l Locker) String() string {
	if l.State != "" {
		return fmt.Sprintf("%s %q (%s)", l.Kind, l.Name, l.State)
	}
	return fmt.Sprintf("%s %q", l.Kind, l.Name)
}

// Lockers lists the queue tasks and install sets that reference filename
// (compared case-insensitively, as iLO and iLOrest do), which is why the
// repository shows the component Locked. It reads
// GET {UpdateTaskQueue}?$expand=. and GET {InstallSets}?$expand=.
func (c *Client) Lockers(ctx context.Context, filename string) ([]Locker, error) {
	tasks, err := c.TaskQueue(ctx)
	if err != nil {
		return nil, fmt.Errorf("find what locks %s: %w", filename, err)
	}
	sets, err := c.InstallSets(ctx)
	if err != nil {
		return nil, fmt.Errorf("find what locks %s: %w", filename, err)
	}
	var out []Locker
	for _, t := range tasks {
		if t.Filename != "" && strings.EqualFold(t.Filename, filename) {
			out = append(out, Locker{Kind: "task", Name: t.Name, URI: t.URI, State: t.State})
		}
	}
	for _, s := range sets {
		for _, st := range s.Sequence {
			if st.Filename != "" && strings.EqualFold(st.Filename, filename) {
				out = append(out, Locker{Kind: "install set", Name: s.Name, URI: s.URI})
				break
			}
		}
	}
	return out, nil
}
