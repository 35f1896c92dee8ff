package ilosim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// task is a TaskService task that follows one update operation.
type task struct {
	id          string
	op          *updateOp
	created     time.Time
	target      string // the action URI the client POSTed to
	jsonBody    string
	finalServed bool // the monitor answered its one final response
}

// newTaskLocked creates the task that tracks op.
func (i *ILO) newTaskLocked(op *updateOp, now time.Time, target string, body any) *task {
	i.nextTask++
	b, _ := json.Marshal(body)
	t := &task{id: strconv.Itoa(i.nextTask), op: op, created: now, target: target, jsonBody: string(b)}
	i.tasks[t.id] = t
	return t
}

// taskState maps the operation onto Task.TaskState.
func (t *task) state() string {
	switch {
	case t.op.done && t.op.result != nil:
		return "Exception"
	case t.op.done:
		return "Completed"
	}
	return "Running"
}

func (i *ILO) taskBodyLocked(t *task, state string) map[string]any {
	msgs := []any{}
	if i.prof.TaskEmptyMessage {
		msgs = []any{map[string]any{}} // FW3-fig-10
	}
	status := "OK"
	if t.op.done {
		m := i.prof.Registries.BaseMsg("Success")
		if t.op.result != nil {
			m = *t.op.result
			status = "Critical"
		}
		args := m.MessageArgs
		if args == nil {
			args = []string{}
		}
		msgs = []any{map[string]any{"MessageId": m.MessageID, "MessageArgs": args}}
	}
	b := map[string]any{
		"@odata.context": "/redfish/v1/$metadata#Task.Task",
		"@odata.id":      i.ODataID(tasksPath + "/" + t.id),
		"@odata.type":    "#Task.v1_3_0.Task",
		"Id":             t.id,
		"Name":           "Task " + t.id,
		"Description":    "iLO Task",
		"Messages":       msgs,
		"Payload": map[string]any{
			"HttpOperation": "POST",
			"JsonBody":      t.jsonBody,
			"TargetUri":     i.ODataID(t.target),
			"HttpHeaders":   []string{},
		},
		"StartTime":   isoTime(t.created),
		"TaskMonitor": i.ODataID(monitorsPath + "/" + t.id),
		"TaskState":   state,
		"TaskStatus":  status,
	}
	if t.op.done {
		b["EndTime"] = isoTime(t.op.end)
	}
	return b
}

// writeTaskAccepted answers an action with 202, Location: the task monitor
// (absolute URL, as in FW3-fig-24), and the Task body with TaskState New.
func (i *ILO) writeTaskAccepted(w http.ResponseWriter, r *http.Request, t *task) {
	i.mu.Lock()
	body := i.taskBodyLocked(t, "New")
	i.mu.Unlock()
	w.Header().Set("Location", i.absolute(r, monitorsPath+"/"+t.id))
	wire.WriteJSON(w, http.StatusAccepted, body)
}

func (i *ILO) serveTasks(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	ids := make([]string, 0, len(i.tasks))
	for id := range i.tasks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { x, _ := strconv.Atoi(ids[a]); y, _ := strconv.Atoi(ids[b]); return x < y })
	paths := make([]string, len(ids))
	for k, id := range ids {
		paths[k] = tasksPath + "/" + id
	}
	body := i.collection(r.Request, tasksPath, "#TaskCollection.TaskCollection", "Tasks", "iLO Tasks", paths,
		func(p string) map[string]any {
			t := i.tasks[p[strings.LastIndex(p, "/")+1:]]
			return i.taskBodyLocked(t, t.state())
		})
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

func (i *ILO) serveTask(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	t := i.tasks[r.Args[0]]
	var body map[string]any
	if t != nil {
		body = i.taskBodyLocked(t, t.state())
	}
	i.mu.Unlock()
	if t == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, body)
}

// serveMonitor implements the task monitor lifecycle (reference §3.3):
// 202 + Task while running, one final response (200 + Base Success, or
// 400 + the Result message when the task ended in Exception — status
// UNCONFIRMED), then 404 ResourceMissingAtURI.
func (i *ILO) serveMonitor(w http.ResponseWriter, r *Request) {
	reg := i.prof.Registries
	i.mu.Lock()
	t := i.tasks[r.Args[0]]
	if t == nil || t.finalServed {
		i.mu.Unlock()
		wire.WriteError(w, http.StatusNotFound, reg.BaseMsg("ResourceMissingAtURI", i.ODataID(monitorsPath+"/"+r.Args[0])))
		return
	}
	if !t.op.done {
		body := i.taskBodyLocked(t, t.state())
		i.mu.Unlock()
		w.Header().Set("Location", i.absolute(r.Request, monitorsPath+"/"+t.id))
		wire.WriteJSON(w, http.StatusAccepted, body)
		return
	}
	t.finalServed = true
	res := t.op.result
	i.mu.Unlock()
	if res != nil {
		wire.WriteError(w, http.StatusBadRequest, *res)
		return
	}
	wire.WriteSuccess(w, reg)
}
