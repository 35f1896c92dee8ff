package ilo

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"
)

// Paths into an HpeComponentUpdateTask (reference §6.1).
const (
	pathUTID                = "Id"
	pathUTName              = "Name"
	pathUTCommand           = "Command"
	pathUTFilename          = "Filename"
	pathUTComponent         = "Component"
	pathUTUpdatableBy       = "UpdatableBy"
	pathUTState             = "State"
	pathUTStartAfter        = "StartAfter"
	pathUTExpire            = "Expire"
	pathUTMaintenanceWindow = "MaintenanceWindow"
	pathUTTPMOverride       = "TPMOverride"
	pathUTRecoverySet       = "UpdateRecoverySet"
	pathUTRecoveryPriv      = "RecoveryPrivilege"
	pathUTWaitTime          = "WaitTimeSeconds"
	pathUTExecTimeout       = "ExecutionTimeoutMinutes"
	pathUTTargets           = "Targets"
	pathUTPlacement         = "TaskPlacementMode"
	pathUTResult            = "Result"
	pathUTAdditionalError   = "AdditionalErrorDetails"
	pathUTCreated           = "Created"
	pathUTModified          = "Modified"
)

// Update task states (HpeComponentUpdateTask.State).
const (
	TaskPending    = "Pending"
	TaskInProgress = "InProgress"
	TaskComplete   = "Complete"
	TaskExpired    = "Expired"
	TaskException  = "Exception"
	TaskCanceled   = "Canceled"
)

// UpdateTask is one item of the installation queue (UpdateTaskQueue).
type UpdateTask struct {
	ID   string
	URI  string
	Name string
	// Command is ApplyUpdate, ResetServer, ResetBmc, Wait or PendingReset.
	Command   string
	Filename  string
	Component string
	// UpdatableBy says which agent runs it: Bmc, Uefi or RuntimeAgent.
	UpdatableBy []string
	// State is Pending, InProgress, Complete, Expired, Exception or Canceled.
	State                   string
	StartAfter              string
	Expire                  string
	MaintenanceWindow       string
	TPMOverride             bool
	UpdateRecoverySet       bool
	RecoveryPrivilege       bool
	WaitTimeSeconds         int
	ExecutionTimeoutMinutes int
	Targets                 []string
	TaskPlacementMode       string
	Result                  *Message
	AdditionalError         *Message
	Created                 string
	Modified                string
	ETag                    string
}

// Terminal reports whether the task will not change any more by itself
// (Complete, Expired, Exception, Canceled).
func (t UpdateTask) Terminal() bool {
	switch t.State {
	case TaskComplete, TaskExpired, TaskException, TaskCanceled:
		return true
	}
	return false
}

// ParseUpdateTask reads an HpeComponentUpdateTask resource.
func ParseUpdateTask(body []byte) (UpdateTask, error) {
	r, err := parseObject(body)
	if err != nil {
		return UpdateTask{}, fmt.Errorf("parse update task: %w", err)
	}
	return updateTask(r), nil
}

func updateTask(r gjson.Result) UpdateTask {
	return UpdateTask{
		ID:                      r.Get(pathUTID).String(),
		URI:                     r.Get(pathODataID).String(),
		Name:                    r.Get(pathUTName).String(),
		Command:                 r.Get(pathUTCommand).String(),
		Filename:                r.Get(pathUTFilename).String(),
		Component:               r.Get(pathUTComponent).String(),
		UpdatableBy:             stringList(r.Get(pathUTUpdatableBy)),
		State:                   r.Get(pathUTState).String(),
		StartAfter:              r.Get(pathUTStartAfter).String(),
		Expire:                  r.Get(pathUTExpire).String(),
		MaintenanceWindow:       r.Get(pathUTMaintenanceWindow).String(),
		TPMOverride:             r.Get(pathUTTPMOverride).Bool(),
		UpdateRecoverySet:       r.Get(pathUTRecoverySet).Bool(),
		RecoveryPrivilege:       r.Get(pathUTRecoveryPriv).Bool(),
		WaitTimeSeconds:         int(r.Get(pathUTWaitTime).Int()),
		ExecutionTimeoutMinutes: int(r.Get(pathUTExecTimeout).Int()),
		Targets:                 stringList(r.Get(pathUTTargets)),
		TaskPlacementMode:       r.Get(pathUTPlacement).String(),
		Result:                  optMessage(r.Get(pathUTResult)),
		AdditionalError:         optMessage(r.Get(pathUTAdditionalError)),
		Created:                 r.Get(pathUTCreated).String(),
		Modified:                r.Get(pathUTModified).String(),
		ETag:                    r.Get(pathETag).String(),
	}
}

// NewUpdateTask is what CreateUpdateTask sends. Empty fields are left out.
type NewUpdateTask struct {
	Name              string
	Command           string // always sent (reference §6.2: a missing Command misbehaves)
	Filename          string
	UpdatableBy       []string
	StartAfter        string
	Expire            string
	MaintenanceWindow string
	TPMOverride       bool
	UpdateRecoverySet bool
	WaitTimeSeconds   int
	Targets           []string
	TaskPlacementMode string
}

func (n NewUpdateTask) body() ([]byte, error) {
	return newBody().
		set(pathUTName, n.Name).
		set(pathUTCommand, n.Command).
		setIf(n.Filename != "", pathUTFilename, n.Filename).
		setIf(len(n.UpdatableBy) > 0, pathUTUpdatableBy, n.UpdatableBy).
		setIf(n.StartAfter != "", pathUTStartAfter, n.StartAfter).
		setIf(n.Expire != "", pathUTExpire, n.Expire).
		setIf(n.MaintenanceWindow != "", pathUTMaintenanceWindow, n.MaintenanceWindow).
		setIf(n.TPMOverride, pathUTTPMOverride, true).
		setIf(n.UpdateRecoverySet, pathUTRecoverySet, true).
		setIf(n.Command == "Wait", pathUTWaitTime, n.WaitTimeSeconds).
		setIf(len(n.Targets) > 0, pathUTTargets, n.Targets).
		setIf(n.TaskPlacementMode != "", pathUTPlacement, n.TaskPlacementMode).
		bytes()
}

// TaskQueue lists the installation queue in one expanded request:
// GET {UpdateService.Oem.Hpe.UpdateTaskQueue}?$expand=.
func (c *Client) TaskQueue(ctx context.Context) ([]UpdateTask, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read update task queue: %w", err)
	}
	members, _, err := c.collection(ctx, links.UpdateTaskQueue)
	if err != nil {
		return nil, fmt.Errorf("read update task queue: %w", err)
	}
	out := make([]UpdateTask, 0, len(members))
	for _, m := range members {
		out = append(out, updateTask(m))
	}
	return out, nil
}

// CreateUpdateTask queues a task: POST {UpdateTaskQueue} → 201 with the task.
func (c *Client) CreateUpdateTask(ctx context.Context, n NewUpdateTask) (UpdateTask, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return UpdateTask{}, fmt.Errorf("queue task %q: %w", n.Name, err)
	}
	b, err := n.body()
	if err != nil {
		return UpdateTask{}, fmt.Errorf("queue task %q: %w", n.Name, err)
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: links.UpdateTaskQueue, json: b})
	if err != nil {
		return UpdateTask{}, fmt.Errorf("queue task %q: %w", n.Name, err)
	}
	return created(c, ctx, resp, ParseUpdateTask)
}

// DeleteUpdateTask removes one queued task: DELETE {task.URI}. A task that
// is already gone is success.
func (c *Client) DeleteUpdateTask(ctx context.Context, t UpdateTask) error {
	if err := c.Delete(ctx, t.URI); err != nil {
		return fmt.Errorf("delete update task %q: %w", t.Name, err)
	}
	return nil
}

// DeleteUpdateTaskQueueItems empties the queue:
// POST {UpdateService.Oem.Hpe.Actions.DeleteUpdateTaskQueueItems.target} {}.
func (c *Client) DeleteUpdateTaskQueueItems(ctx context.Context) error {
	return c.updateAction(ctx, "DeleteUpdateTaskQueueItems", func(a UpdateActions) string { return a.DeleteUpdateTaskQueueItems }, []byte("{}"))
}

// created returns the resource a POST or PATCH created: the response body
// when it is the resource, else GET on its Location.
func created[T any](c *Client, ctx context.Context, resp *response, parse func([]byte) (T, error)) (T, error) {
	var zero T
	if gjson.GetBytes(resp.body, pathODataID).String() != "" {
		return parse(resp.body)
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		return zero, fmt.Errorf("%d without the new resource or its Location", resp.status)
	}
	r, err := c.getObject(ctx, loc)
	if err != nil {
		return zero, err
	}
	return parse(r.body)
}

// UpdateUpdateTask changes a queued task in place: PATCH {task.URI} with
// If-Match set to the ETag it was read with (read again when it has none),
// then GET the task. Every setting of n is sent, booleans included, except
// an empty MaintenanceWindow, StartAfter or Expire; Name is not sent.
func (c *Client) UpdateUpdateTask(ctx context.Context, t UpdateTask, n NewUpdateTask) (UpdateTask, error) {
	b, err := newBody().
		set(pathUTCommand, n.Command).
		setIf(n.Filename != "", pathUTFilename, n.Filename).
		setIf(len(n.UpdatableBy) > 0, pathUTUpdatableBy, n.UpdatableBy).
		setIf(n.StartAfter != "", pathUTStartAfter, n.StartAfter).
		setIf(n.Expire != "", pathUTExpire, n.Expire).
		setIf(n.MaintenanceWindow != "", pathUTMaintenanceWindow, n.MaintenanceWindow).
		set(pathUTTPMOverride, n.TPMOverride).
		set(pathUTRecoverySet, n.UpdateRecoverySet).
		setIf(n.Command == "Wait", pathUTWaitTime, n.WaitTimeSeconds).
		bytes()
	if err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	if _, err := c.patchResource(ctx, t.URI, t.ETag, b); err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	r, err := c.getObject(ctx, t.URI)
	if err != nil {
		return UpdateTask{}, fmt.Errorf("update task %q: %w", t.Name, err)
	}
	return ParseUpdateTask(r.body)
}
