package component

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
)

// remove deletes one component (by filename or id) or every unlocked one.
// Locked components are never deleted.
func remove(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, res Result) (Result, error) {
	deleted := []string{}
	res.Deleted = &deleted
	repo, err := c.Repository(ctx)
	if err != nil {
		return res, err
	}
	if a.AllUnlocked {
		return removeUnlocked(ctx, m, c, res, repo)
	}
	var comp *ilo.Component
	if a.ID != "" {
		comp = repo.FindID(a.ID)
		if comp != nil && a.Filename != "" && !strings.EqualFold(comp.Filename, a.Filename) {
			return res, fmt.Errorf("id %s is %s, not %s", a.ID, comp.Filename, a.Filename)
		}
	} else {
		comp = repo.Find(a.Filename)
	}
	if comp == nil {
		res.Msg = "no such component in the repository"
		return res, nil
	}
	res.Component = componentOf(comp)
	if comp.Locked {
		lockers, err := c.Lockers(ctx, comp.Filename)
		return res, errLocked(err, "delete", *comp, lockers)
	}
	res.Changed = true
	deleted = append(deleted, comp.Filename)
	res.Actions = append(res.Actions, Action{Action: "delete", Filename: comp.Filename, SizeBytes: comp.SizeBytes})
	res.Diff = &ansible.Diff{Before: *res.Component, After: nil}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would delete %s (%d bytes)", comp.Filename, comp.SizeBytes)
		return res, nil
	}
	// DeleteComponent reads the entry's Allow header first and refuses
	// when DELETE is not in it.
	if err := c.DeleteComponent(ctx, *comp); err != nil {
		return failed(res, false, false, err)
	}
	res.Msg = fmt.Sprintf("deleted %s (%d bytes)", comp.Filename, comp.SizeBytes)
	return res, nil
}

// removeUnlocked deletes every component that is not Locked with the
// iLO's DeleteUnlockedComponents action, then reads the repository to
// report what went.
func removeUnlocked(ctx context.Context, m *ansible.Run, c *ilo.Client, res Result, repo ilo.Repository) (Result, error) {
	var before, kept []ilo.Component
	for _, comp := range repo.Components {
		before = append(before, comp)
		if comp.Locked {
			kept = append(kept, comp)
			continue
		}
		*res.Deleted = append(*res.Deleted, comp.Filename)
		res.Actions = append(res.Actions, Action{Action: "delete", Filename: comp.Filename, SizeBytes: comp.SizeBytes})
	}
	if len(*res.Deleted) == 0 {
		res.Msg = "no unlocked component in the repository"
		return res, nil
	}
	res.Changed = true
	res.Diff = &ansible.Diff{Before: filenames(before), After: filenames(kept)}
	if m.CheckMode {
		res.Msg = fmt.Sprintf("would delete %d unlocked components", len(*res.Deleted))
		return res, nil
	}
	if err := c.DeleteUnlockedComponents(ctx); err != nil {
		return failed(res, false, false, err)
	}
	after, err := c.Repository(ctx)
	if err != nil {
		return failed(res, true, true, err)
	}
	gone := []string{}
	for _, name := range *res.Deleted {
		if after.Find(name) == nil {
			gone = append(gone, name)
		}
	}
	res.Deleted = &gone
	res.Diff.After = filenames(after.Components)
	res.Msg = fmt.Sprintf("deleted %d unlocked components", len(gone))
	return res, nil
}

// filenames lists the file names of components for diff, one per line:
// Ansible's diff printer renders only strings and dicts (a list crashed it).
func filenames(cs []ilo.Component) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Filename)
		b.WriteByte('\n')
	}
	return b.String()
}
