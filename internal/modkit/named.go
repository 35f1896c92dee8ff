package modkit

import (
	"context"
	"fmt"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/ilo"
)

// MaxPreconditionRetries is how many 412 answers in a row Ensure takes
// (reading and comparing again each time) before it gives up.
const MaxPreconditionRetries = 3

// Named is a named iLO resource (a maintenance window, a queued task, an
// install set) as Ensure keeps it. T is the client's type of the resource.
type Named[T any] struct {
	// Kind and Name name the resource in messages ("maintenance window", "night").
	Kind, Name string
	// List reads the resources as the iLO has them now, ETags included.
	List func(context.Context) ([]T, error)
	// Find returns the resource of that name in a list, or nil.
	Find func([]T) *T
	// Compare is the module's own comparison: what the options ask of have
	// (nil when there is none; all is the list it was found in), as a Plan;
	// an error refuses the change (a running task, a protected set, no room
	// for one more…) and nothing is written.
	Compare func(ctx context.Context, have *T, all []T) (Plan[T], error)
	// View is a resource as --diff shows it (nil: none).
	View func(*T) any
}

// Plan is what Compare decided.
type Plan[T any] struct {
	// Diffs names the settings that differ; none means the resource is as
	// wanted and nothing is written. A new resource has at least one.
	Diffs []string
	// After is the resource as the write will leave it (what check mode
	// returns).
	After T
	// Write makes the change: creates the resource when have is nil, or
	// changes have with its ETag as If-Match. It returns the resource as the
	// iLO then has it.
	Write func(ctx context.Context, have *T) (T, error)
}

// Outcome is what Ensure did (or, in check mode, would do).
type Outcome[T any] struct {
	Changed bool
	// Before is the resource as it was read last (nil: none).
	Before *T
	// After is the resource after the run: as written, as it would be
	// (check mode), or as it is (nothing to do).
	After *T
	// Diffs are the settings changed (nil when nothing changed).
	Diffs []string
	// Diff is the --diff view (nil when nothing changed).
	Diff *ansible.Diff
	// Raced counts the writes the iLO refused with 412 because the resource
	// had changed since it was read; each was followed by a fresh read and
	// comparison.
	Raced int
}

// Created reports whether the run created the resource.
func (o Outcome[T]) Created() bool { return o.Changed && o.Before == nil }

// Ensure finds the resource named r.Name in items (as read by the module),
// compares it with what the options ask (r.Compare), shows the difference
// and writes it unless m is in check mode.
//
// The If-Match policy: a write the iLO refuses with 412 Precondition Failed
// (the resource changed since it was read) is never sent again as it was.
// Ensure reads the resources again, finds the resource again and compares
// again: when it is now as wanted nothing more is written; when it still
// differs, the new plan is written with the fresh ETag; when it is gone, the
// new plan creates it. After MaxPreconditionRetries refusals in a row it
// fails.
func Ensure[T any](ctx context.Context, m *ansible.Run, r Named[T], items []T) (Outcome[T], error) {
	var out Outcome[T]
	for {
		have := r.Find(items)
		out.Before = have
		plan, err := r.Compare(ctx, have, items)
		if err != nil {
			return out, err
		}
		if len(plan.Diffs) == 0 {
			out.Changed, out.After, out.Diffs, out.Diff = false, have, nil, nil
			return out, nil
		}
		after := plan.After
		out.Changed, out.After, out.Diffs = true, &after, plan.Diffs
		out.Diff = &ansible.Diff{Before: r.View(have), After: r.View(&after)}
		if m.CheckMode {
			return out, nil
		}
		written, err := plan.Write(ctx, have)
		if err == nil {
			out.After = &written
			return out, nil
		}
		if !ilo.IsPreconditionFailed(err) {
			return out, err
		}
		out.Raced++
		if out.Raced > MaxPreconditionRetries {
			return out, fmt.Errorf("%s %q changed on the iLO each time it was written (%d times 412 Precondition Failed); run again when nothing else changes it: %w",
				r.Kind, r.Name, out.Raced, err)
		}
		if items, err = r.List(ctx); err != nil {
			return out, fmt.Errorf("%s %q changed since it was read; read it again: %w", r.Kind, r.Name, err)
		}
	}
}
