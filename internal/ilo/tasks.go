package ilo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Paths into a Task (reference §1.7).
const (
	pathTaskID        = "Id"
	pathTaskName      = "Name"
	pathTaskState     = "TaskState"
	pathTaskStatus    = "TaskStatus"
	pathTaskMessages  = "Messages"
	pathTaskMonitor   = "TaskMonitor"
	pathTaskStart     = "StartTime"
	pathTaskEnd       = "EndTime"
	pathTaskPercent   = "PercentComplete"
	pathTaskType      = `@odata\.type`
	taskTypePrefix    = "#Task."
	maxRetryAfterPoll = 5 * time.Minute
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

// retryAfterHeader parses Retry-After (seconds or HTTP date).
func (c *Client) retryAfterHeader(h http.Header) (time.Duration, bool) {
	if h.Get("Retry-After") == "" {
		return 0, false
	}
	d, _ := c.retryAfter(h, 1)
	return d, true
}
