package ilo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Paths into a Task (reference §1.7).
const (
	pathTaskID          = "Id"
	pathTaskName        = "Name"
	pathTaskState       = "TaskState"
	pathTaskStatus      = "TaskStatus"
	pathTaskMessages    = "Messages"
	pathTaskMonitor     = "TaskMonitor"
	pathTaskStart       = "StartTime"
	pathTaskEnd         = "EndTime"
	pathTaskPercent     = "PercentComplete"
	pathTaskType        = `@odata\.type`
	taskTypePrefix      = "#Task."
	maxRetryAfterPoll   = 5 * time.Minute
	defaultPollInterval = 2 * time.Second
)

// Task states (Task.TaskState). Note Completed here and Complete in
// Oem.Hpe.State and the update task queue.
const (
	TaskStateNew         = "New"
	TaskStateRunning     = "Running"
	TaskStateCompleted   = "Completed"
	TaskStateException   = "Exception"
	TaskStateKilled      = "Killed"
	TaskStateCancelled   = "Cancelled"
	TaskStateInterrupted = "Interrupted"
)

// Task is a Redfish Task as a task monitor or TaskService/Tasks returns it.
type Task struct {
	ID              string
	URI             string
	Name            string
	State           string
	Status          string
	Messages        []Message
	TaskMonitor     string
	StartTime       string
	EndTime         string
	PercentComplete *int
}

// Finished reports whether the task reached a final state.
func (t Task) Finished() bool {
	switch t.State {
	case TaskStateCompleted, TaskStateException, TaskStateKilled, TaskStateCancelled, TaskStateInterrupted:
		return true
	}
	return false
}

// Failed reports whether the task ended without success.
func (t Task) Failed() bool {
	return t.Finished() && t.State != TaskStateCompleted || strings.EqualFold(t.Status, "Critical")
}

// ParseTask reads a Task resource.
func ParseTask(body []byte) (Task, error) {
	r, err := parseObject(body)
	if err != nil {
		return Task{}, fmt.Errorf("parse task: %w", err)
	}
	return task(r), nil
}

func task(r gjson.Result) Task {
	return Task{
		ID:              r.Get(pathTaskID).String(),
		URI:             r.Get(pathODataID).String(),
		Name:            r.Get(pathTaskName).String(),
		State:           r.Get(pathTaskState).String(),
		Status:          r.Get(pathTaskStatus).String(),
		Messages:        parseMessages(r.Get(pathTaskMessages)),
		TaskMonitor:     r.Get(pathTaskMonitor).String(),
		StartTime:       r.Get(pathTaskStart).String(),
		EndTime:         r.Get(pathTaskEnd).String(),
		PercentComplete: optInt(r.Get(pathTaskPercent)),
	}
}

// isTask reports whether a body is a Task resource.
func isTask(r gjson.Result) bool {
	return strings.HasPrefix(r.Get(pathTaskType).String(), taskTypePrefix) || r.Get(pathTaskState).Exists()
}

// MonitorStatus is one reading of a task monitor (DSP0266 §"Asynchronous
// operations"; iLO: reference §3.3): 202 while the task runs, then the
// final response once, then 404 when the monitor is gone.
type MonitorStatus struct {
	// Running is true for a 202 (or a 200 whose Task is not finished).
	Running bool
	// Gone is true for a 404: the task ended and the monitor expired before
	// the final response was read. Check Oem.Hpe.State instead.
	Gone bool
	// Status is the HTTP status of the reading.
	Status int
	// Task is the Task body, when the response was one.
	Task *Task
	// Messages of the final response (an ExtendedInfo envelope on iLO).
	Messages []Message
	// RetryAfter is the wait the monitor asked for, when HasRetryAfter.
	RetryAfter    time.Duration
	HasRetryAfter bool
}

// Failed reports whether the final response says the operation failed: a
// Task that ended badly, an error status, or a non-success message.
func (s MonitorStatus) Failed() bool {
	if s.Running || s.Gone {
		return false
	}
	if s.Status >= 400 {
		return true
	}
	if s.Task != nil {
		return s.Task.Failed()
	}
	for _, m := range s.Messages {
		if k := m.Key(); !strings.Contains(k, "Success") && k != "Created" && k != "Accepted" && k != "TaskCompletedOK" {
			return true
		}
	}
	return false
}

// ParseMonitorResponse interprets one task-monitor response.
func ParseMonitorResponse(status int, body []byte) MonitorStatus {
	s := MonitorStatus{Status: status}
	switch {
	case status == http.StatusNotFound:
		s.Gone = true
		return s
	case status == http.StatusAccepted:
		s.Running = true
	}
	if !gjson.ValidBytes(body) {
		return s
	}
	r := gjson.ParseBytes(body)
	if isTask(r) {
		t := task(r)
		s.Task = &t
		if status < 300 && !t.Finished() {
			s.Running = true
		}
		s.Messages = t.Messages
	}
	if m := ParseMessages(body); len(m) > 0 {
		s.Messages = m
	}
	return s
}

// TaskMonitor reads a task monitor once: GET {monitor}. A 404 is not an
// error but Gone; a final error status is reported in the MonitorStatus.
func (c *Client) TaskMonitor(ctx context.Context, uri string) (MonitorStatus, error) {
	resp, err := c.send(ctx, &request{method: http.MethodGet, uri: uri})
	if err != nil {
		e, ok := asError(err)
		if ok && e.Status >= 400 && e.Status != http.StatusUnauthorized {
			s := ParseMonitorResponse(e.Status, nil)
			s.Messages = e.Messages
			return s, nil
		}
		return MonitorStatus{}, err
	}
	s := ParseMonitorResponse(resp.status, resp.body)
	s.RetryAfter, s.HasRetryAfter = c.retryAfterHeader(resp.header)
	return s, nil
}

// WaitTask follows a task monitor until the final response (or Gone), every
// `every` or as the monitor's Retry-After asks; ctx bounds the wait.
func (c *Client) WaitTask(ctx context.Context, uri string, every time.Duration) (MonitorStatus, error) {
	if every <= 0 {
		every = defaultPollInterval
	}
	for {
		s, err := c.TaskMonitor(ctx, uri)
		if err != nil && ctx.Err() != nil {
			return s, &WaitTimeoutError{What: "task " + uri, Detail: "its monitor still reported it running"}
		}
		if err != nil {
			return s, fmt.Errorf("wait for task %s: %w", uri, err)
		}
		if !s.Running {
			return s, nil
		}
		d := every
		if s.HasRetryAfter && s.RetryAfter < maxRetryAfterPoll {
			d = s.RetryAfter
		}
		if err := c.wait(ctx, d); err != nil {
			return s, &WaitTimeoutError{What: "task " + uri, Detail: "its monitor still reported it running"}
		}
	}
}

// Done reports whether the polled resource reached a final state (or failed).
type Done func(body []byte) (bool, error)

// Poll reads uri every `every` (or as its Retry-After asks) until done says
// so, done fails, a request fails, or ctx ends (wait_timeout becomes
// context.WithTimeout). It returns the last body read.
func (c *Client) Poll(ctx context.Context, uri string, every time.Duration, done Done) ([]byte, error) {
	return c.poll(ctx, uri, every, done, nil)
}

// PollThroughReset is Poll for an iLO that may reset itself meanwhile (iLO
// firmware flash): errors that ExpectedDuringReset accepts make it
// Reconnect (log in again, with backoff) and continue polling.
func (c *Client) PollThroughReset(ctx context.Context, uri string, every time.Duration, done Done) ([]byte, error) {
	return c.poll(ctx, uri, every, done, ExpectedDuringReset)
}

func (c *Client) poll(ctx context.Context, uri string, every time.Duration, done Done, reset func(error) bool) ([]byte, error) {
	if every <= 0 {
		every = defaultPollInterval
	}
	var last []byte
	for {
		resp, err := c.send(ctx, &request{method: http.MethodGet, uri: uri})
		switch {
		case err != nil && reset != nil && ctx.Err() == nil && reset(err):
			if IsUnauthorized(err) && !c.ownsCredentials() {
				// A session given as auth_token dies with the reset and
				// cannot be renewed here.
				return last, fmt.Errorf("poll %s: the session ended (an iLO reset ends every session; give username and password instead of auth_token to wait through it): %w", uri, err)
			}
			if rerr := c.Reconnect(ctx); rerr != nil {
				if ctx.Err() != nil {
					return last, &WaitTimeoutError{What: uri + " to reach its final state", InReset: true}
				}
				return last, fmt.Errorf("poll %s: %w", uri, rerr)
			}
			if werr := c.wait(ctx, every); werr != nil {
				return last, &WaitTimeoutError{What: uri + " to reach its final state"}
			}
			continue
		case err != nil:
			if ctx.Err() != nil {
				return last, &WaitTimeoutError{What: uri + " to reach its final state"}
			}
			return last, err
		}
		last = resp.body
		ok, err := done(resp.body)
		if err != nil || ok {
			return last, err
		}
		d := every
		if ra, ok := c.retryAfterHeader(resp.header); ok && ra < maxRetryAfterPoll {
			d = ra
		}
		if err := c.wait(ctx, d); err != nil {
			return last, &WaitTimeoutError{What: uri + " to reach its final state"}
		}
	}
}

// retryAfterHeader parses Retry-After (seconds or HTTP date).
func (c *Client) retryAfterHeader(h http.Header) (time.Duration, bool) {
	if h.Get("Retry-After") == "" {
		return 0, false
	}
	d, _ := c.retryAfter(h, 1)
	return d, true
}

// Tasks lists the TaskService's tasks: GET {root.Tasks}.Tasks?$expand=.
func (c *Client) Tasks(ctx context.Context) ([]Task, error) {
	svc := c.Root().TaskService
	if svc == "" {
		return nil, errors.New("read tasks: the service root has no Tasks link")
	}
	r, err := c.getObject(ctx, svc)
	if err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	members, _, err := c.collection(ctx, gjson.GetBytes(r.body, `Tasks.@odata\.id`).String())
	if err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	out := make([]Task, 0, len(members))
	for _, m := range members {
		out = append(out, task(m))
	}
	return out, nil
}
