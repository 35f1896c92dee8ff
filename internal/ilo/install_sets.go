package ilo

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// Paths into an HpeComponentInstallSet (reference §8).
const (
	pathISID          = "Id"
	pathISName        = "Name"
	pathISDescription = "Description"
	pathISRecovery    = "IsRecovery"
	pathISPlatformID  = "PlatformID"
	pathISSequence    = "Sequence"
	pathISInvoke      = `Actions.\#HpeComponentInstallSet\.Invoke.target`
	pathISCreated     = "Created"
	pathISModified    = "Modified"

	pathStepName        = "Name"
	pathStepCommand     = "Command"
	pathStepFilename    = "Filename"
	pathStepComponent   = "Component"
	pathStepUpdatableBy = "UpdatableBy"
	pathStepWaitTime    = "WaitTimeSeconds"
	pathStepExecTimeout = "ExecutionTimeoutMinutes"
	pathStepTargets     = "Targets"

	pathInvokeClearQueue  = "ClearTaskQueue"
	pathInvokeStartAfter  = "StartAfter"
	pathInvokeExpire      = "Expire"
	pathInvokeWindow      = "MaintenanceWindow"
	pathInvokeTPM         = "TPMOverride"
	pathInvokeRecoverySet = "UpdateRecoverySet"
	pathDeleteSetsRecov   = "IncludeRecoverySet"
)

// InstallSet is a named sequence of installation steps.
type InstallSet struct {
	ID          string
	URI         string
	Name        string
	Description string
	// IsRecovery marks the System Recovery Set.
	IsRecovery bool
	PlatformID string
	Sequence   []InstallStep
	// InvokeTarget is Actions.#HpeComponentInstallSet.Invoke.target.
	InvokeTarget string
	Created      string
	Modified     string
	ETag         string
}

// InstallStep is one item of an install set's Sequence.
type InstallStep struct {
	Name                    string
	Command                 string
	Filename                string
	Component               string
	UpdatableBy             []string
	WaitTimeSeconds         int
	ExecutionTimeoutMinutes int
	Targets                 []string
}

// SameSteps reports whether an install set's steps (have) are the steps
// wanted, in order: name, command and file name (case aside); updatable_by
// only when want gives it (the iLO fills it in from the repository); the
// wait time of a Wait step.
func SameSteps(have, want []InstallStep) bool {
	if len(have) != len(want) {
		return false
	}
	for i, w := range want {
		h := have[i]
		if h.Name != w.Name || h.Command != w.Command || !strings.EqualFold(h.Filename, w.Filename) {
			return false
		}
		if len(w.UpdatableBy) > 0 && !SameUpdatableBy(h.UpdatableBy, w.UpdatableBy) {
			return false
		}
		if w.Command == "Wait" && h.WaitTimeSeconds != w.WaitTimeSeconds {
			return false
		}
	}
	return true
}

// SameUpdatableBy reports whether two UpdatableBy lists (of a queue task or
// an install set step) name the same agents: the iLO keeps them in an order
// of its own.
func SameUpdatableBy(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// NewInstallSet is what CreateInstallSet and UpdateInstallSet send.
type NewInstallSet struct {
	Name        string
	Description string
	IsRecovery  bool
	Sequence    []InstallStep
}

func (n NewInstallSet) body() ([]byte, error) {
	b := newBody().
		set(pathISName, n.Name).
		setIf(n.Description != "", pathISDescription, n.Description).
		set(pathISRecovery, n.IsRecovery).
		set(pathISSequence, []any{})
	for i, s := range n.Sequence {
		p := fmt.Sprintf("%s/%d/", pathISSequence, i)
		b.set(p+pathStepName, s.Name).
			set(p+pathStepCommand, s.Command).
			setIf(s.Filename != "", p+pathStepFilename, s.Filename).
			setIf(len(s.UpdatableBy) > 0, p+pathStepUpdatableBy, s.UpdatableBy).
			setIf(s.Command == "Wait", p+pathStepWaitTime, s.WaitTimeSeconds).
			setIf(s.ExecutionTimeoutMinutes > 0, p+pathStepExecTimeout, s.ExecutionTimeoutMinutes).
			setIf(len(s.Targets) > 0, p+pathStepTargets, s.Targets)
	}
	return b.bytes()
}

// ParseInstallSet reads an HpeComponentInstallSet resource.
func ParseInstallSet(body []byte) (InstallSet, error) {
	r, err := parseObject(body)
	if err != nil {
		return InstallSet{}, fmt.Errorf("parse install set: %w", err)
	}
	return installSet(r), nil
}

func installSet(r gjson.Result) InstallSet {
	s := InstallSet{
		ID:           r.Get(pathISID).String(),
		URI:          r.Get(pathODataID).String(),
		Name:         r.Get(pathISName).String(),
		Description:  r.Get(pathISDescription).String(),
		IsRecovery:   r.Get(pathISRecovery).Bool(),
		PlatformID:   r.Get(pathISPlatformID).String(),
		InvokeTarget: r.Get(pathISInvoke).String(),
		Created:      r.Get(pathISCreated).String(),
		Modified:     r.Get(pathISModified).String(),
		ETag:         r.Get(pathETag).String(),
		Sequence:     []InstallStep{},
	}
	r.Get(pathISSequence).ForEach(func(_, st gjson.Result) bool {
		s.Sequence = append(s.Sequence, InstallStep{
			Name:                    st.Get(pathStepName).String(),
			Command:                 st.Get(pathStepCommand).String(),
			Filename:                st.Get(pathStepFilename).String(),
			Component:               st.Get(pathStepComponent).String(),
			UpdatableBy:             stringList(st.Get(pathStepUpdatableBy)),
			WaitTimeSeconds:         int(st.Get(pathStepWaitTime).Int()),
			ExecutionTimeoutMinutes: int(st.Get(pathStepExecTimeout).Int()),
			Targets:                 stringList(st.Get(pathStepTargets)),
		})
		return true
	})
	return s
}

// InstallSets lists the install sets in one expanded request:
// GET {UpdateService.Oem.Hpe.InstallSets}?$expand=.
func (c *Client) InstallSets(ctx context.Context) ([]InstallSet, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read install sets: %w", err)
	}
	members, _, err := c.collection(ctx, links.InstallSets)
	if err != nil {
		return nil, fmt.Errorf("read install sets: %w", err)
	}
	out := make([]InstallSet, 0, len(members))
	for _, m := range members {
		out = append(out, installSet(m))
	}
	return out, nil
}

// CreateInstallSet creates a set: POST {InstallSets} → 201 with the set.
func (c *Client) CreateInstallSet(ctx context.Context, n NewInstallSet) (InstallSet, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return InstallSet{}, fmt.Errorf("create install set %q: %w", n.Name, err)
	}
	b, err := n.body()
	if err != nil {
		return InstallSet{}, fmt.Errorf("create install set %q: %w", n.Name, err)
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: links.InstallSets, json: b})
	if err != nil {
		return InstallSet{}, fmt.Errorf("create install set %q: %w", n.Name, err)
	}
	return created(c, ctx, resp, ParseInstallSet)
}

// UpdateInstallSet replaces a set's name, description and sequence:
// PATCH {set.URI} with If-Match set to the ETag the set was read with (read
// again when the caller has none). iLO answers 201 with the set under a new
// Id and URI (reference §8.3), which is what this returns. A stale ETag
// gives an error for which IsPreconditionFailed is true.
func (c *Client) UpdateInstallSet(ctx context.Context, set InstallSet, n NewInstallSet) (InstallSet, error) {
	b, err := n.body()
	if err != nil {
		return InstallSet{}, fmt.Errorf("update install set %q: %w", set.Name, err)
	}
	resp, err := c.patchResource(ctx, set.URI, set.ETag, b)
	if err != nil {
		return InstallSet{}, fmt.Errorf("update install set %q: %w", set.Name, err)
	}
	if gjson.GetBytes(resp.body, pathODataID).String() == "" && resp.header.Get("Location") == "" {
		r, err := c.getObject(ctx, set.URI)
		if err != nil {
			return InstallSet{}, fmt.Errorf("update install set %q: %w", set.Name, err)
		}
		return ParseInstallSet(r.body)
	}
	return created(c, ctx, resp, ParseInstallSet)
}

// DeleteInstallSet deletes a set: DELETE {set.URI}. Already gone is success.
func (c *Client) DeleteInstallSet(ctx context.Context, set InstallSet) error {
	if err := c.Delete(ctx, set.URI); err != nil {
		return fmt.Errorf("delete install set %q: %w", set.Name, err)
	}
	return nil
}

// DeleteInstallSets deletes every install set, the recovery set only when
// includeRecovery: POST {UpdateService.Oem.Hpe.Actions.DeleteInstallSets.target}.
func (c *Client) DeleteInstallSets(ctx context.Context, includeRecovery bool) error {
	b, err := newBody().set(pathDeleteSetsRecov, includeRecovery).bytes()
	if err != nil {
		return fmt.Errorf("DeleteInstallSets: %w", err)
	}
	return c.updateAction(ctx, "DeleteInstallSets", func(a UpdateActions) string { return a.DeleteInstallSets }, b)
}

// InvokeOptions are the parameters of an install set's Invoke action.
type InvokeOptions struct {
	ClearTaskQueue    bool
	StartAfter        string
	Expire            string
	MaintenanceWindow string // window Id
	TPMOverride       bool
	UpdateRecoverySet bool
}

// InvokeInstallSet queues one task per step of the set:
// POST {set.InvokeTarget} (…/Actions/HpeComponentInstallSet.Invoke/).
// It returns the messages of the iLO's answer (Base.x.Success on iLO 5).
func (c *Client) InvokeInstallSet(ctx context.Context, set InstallSet, o InvokeOptions) ([]Message, error) {
	if set.InvokeTarget == "" {
		return nil, fmt.Errorf("invoke install set %q: the set has no Invoke action", set.Name)
	}
	b, err := newBody().
		setIf(o.ClearTaskQueue, pathInvokeClearQueue, true).
		setIf(o.StartAfter != "", pathInvokeStartAfter, o.StartAfter).
		setIf(o.Expire != "", pathInvokeExpire, o.Expire).
		setIf(o.MaintenanceWindow != "", pathInvokeWindow, o.MaintenanceWindow).
		setIf(o.TPMOverride, pathInvokeTPM, true).
		setIf(o.UpdateRecoverySet, pathInvokeRecoverySet, true).
		bytes()
	if err != nil {
		return nil, fmt.Errorf("invoke install set %q: %w", set.Name, err)
	}
	out, err := c.Post(ctx, set.InvokeTarget, b)
	if err != nil {
		return nil, fmt.Errorf("invoke install set %q: %w", set.Name, err)
	}
	return ParseMessages(out), nil
}
