package queue

import (
	"encoding/json"
	"net/http"
	"time"
)

// window is one HpeMaintenanceWindow.
type window struct {
	ID, Name, Description string
	StartAfter            time.Time
	Expire                *time.Time
	Created, Modified     time.Time
}

// open reports whether iLO time at lies inside the window.
func (w *window) open(at time.Time) bool {
	return !at.Before(w.StartAfter) && (w.Expire == nil || !at.After(*w.Expire))
}

func (q *Queue) findWindow(id string) *window {
	for _, w := range q.windows {
		if w.ID == id {
			return w
		}
	}
	return nil
}

// windowID derives a window's Id from its Name (reference §7: "Id is
// derived from Name"), 8 hex digits like the captured "7ada2ed8".
func windowID(name string) string { return hashID("mw\x00" + name) }

func (q *Queue) windowURI(id string) string { return q.uri(q.cfg.MaintenanceWindowsURI + "/" + id) }

func (q *Queue) renderWindow(w *window) map[string]any {
	m := map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeMaintenanceWindow.HpeMaintenanceWindow",
		"@odata.id":      q.windowURI(w.ID),
		"@odata.type":    "#HpeMaintenanceWindow." + q.cfg.MaintenanceWindowVersion + ".HpeMaintenanceWindow",
		"Id":             w.ID,
		"Name":           w.Name,
		"Description":    w.Description,
		"StartAfter":     fmtTime(w.StartAfter),
		"Created":        fmtTime(w.Created),
		"Modified":       fmtTime(w.Modified),
	}
	if w.Expire != nil {
		m["Expire"] = fmtTime(*w.Expire)
	}
	return m
}

var windowProps = map[string]bool{"Name": true, "Description": true, "StartAfter": true, "Expire": true}
var windowReadOnly = []string{"Id", "Created", "Modified"}

// applyWindow validates body onto w (a copy); create requires Name and
// StartAfter.
func (q *Queue) applyWindow(w *window, body map[string]json.RawMessage, create bool) *apiError {
	if e := q.checkProps(body, windowProps, windowReadOnly); e != nil {
		return e
	}
	if create {
		for _, p := range []string{"Name", "StartAfter"} {
			if _, ok := body[p]; !ok {
				return q.bad(q.cfg.Registries.BaseMsg("PropertyMissing", p))
			}
		}
	}
	if raw, ok := body["Name"]; ok {
		s, e := q.str(raw, "Name")
		if e != nil {
			return e
		}
		if s == "" {
			return q.bad(q.cfg.Registries.BaseMsg("PropertyValueFormatError", s, "Name"))
		}
		w.Name = s
	}
	if raw, ok := body["Description"]; ok {
		s, e := q.str(raw, "Description")
		if e != nil {
			return e
		}
		w.Description = s
	}
	for _, p := range []string{"Name", "Description"} {
		v := w.Name
		if p == "Description" {
			v = w.Description
		}
		if len(v) > 64 { // UNCONFIRMED server-side (iLOrest and the schema say 64)
			return q.bad(q.cfg.Registries.BaseMsg("StringValueTooLong", v, "64"))
		}
	}
	if raw, ok := body["StartAfter"]; ok {
		t, e := q.timeProp(raw, "StartAfter")
		if e != nil {
			return e
		}
		if t == nil {
			return q.bad(q.cfg.Registries.BaseMsg("PropertyValueTypeError", "null", "StartAfter"))
		}
		w.StartAfter = *t
	}
	if raw, ok := body["Expire"]; ok {
		t, e := q.timeProp(raw, "Expire")
		if e != nil {
			return e
		}
		w.Expire = t
	}
	if w.Expire != nil && !w.Expire.After(w.StartAfter) {
		return q.bad(q.cfg.Registries.ILOMsg("PropertyValueIncompatible", fmtTime(*w.Expire), "Expire", "StartAfter"))
	}
	return nil
}

func (q *Queue) postWindow(w http.ResponseWriter, r *http.Request, body map[string]json.RawMessage, now time.Time) {
	win := &window{Created: now, Modified: now}
	if e := q.applyWindow(win, body, true); e != nil {
		q.writeErr(w, e)
		return
	}
	if len(q.windows) >= q.cfg.MaxMaintenanceWindows {
		q.writeErr(w, q.bad(q.cfg.Registries.BaseMsg("CreateLimitReachedForResource")))
		return
	}
	win.ID = windowID(win.Name)
	if q.findWindow(win.ID) != nil {
		q.writeErr(w, q.bad(q.cfg.Registries.BaseMsg("ResourceAlreadyExists", "HpeMaintenanceWindow", "Name", win.Name)))
		return
	}
	q.windows = append(q.windows, win)
	q.writeCreated(w, r, q.windowURI(win.ID), q.renderWindow(win))
}

func (q *Queue) patchWindow(w http.ResponseWriter, r *http.Request, win *window, body map[string]json.RawMessage, now time.Time) {
	c := *win
	if e := q.applyWindow(&c, body, false); e != nil {
		q.writeErr(w, e)
		return
	}
	c.Modified = now
	if newID := windowID(c.Name); newID != win.ID {
		// The Id follows the Name: the URI changes and tasks that reference
		// the old Id keep it (reference §7: renaming breaks references).
		if q.findWindow(newID) != nil {
			q.writeErr(w, q.bad(q.cfg.Registries.BaseMsg("ResourceAlreadyExists", "HpeMaintenanceWindow", "Name", c.Name)))
			return
		}
		c.ID = newID
	}
	*win = c
	// PATCHing a window reschedules every Pending task that references it.
	for _, t := range q.tasks {
		if t.MaintenanceWindow == win.ID && t.State == StatePending {
			q.scheduleInWindow(t, win)
			t.Modified = now
		}
	}
	q.writeSuccess(w)
}

// scheduleInWindow copies the window's times into the task (UNCONFIRMED:
// iLO shows the window's times on the task).
func (q *Queue) scheduleInWindow(t *task, w *window) {
	sa := w.StartAfter
	t.StartAfter = &sa
	t.Expire = nil
	if w.Expire != nil {
		ex := *w.Expire
		t.Expire = &ex
	}
}

// deleteWindow removes a window and cancels the Pending tasks scheduled in
// it. Caller holds q.mu.
func (q *Queue) deleteWindow(id string, now time.Time) {
	for i, w := range q.windows {
		if w.ID == id {
			q.windows = append(q.windows[:i], q.windows[i+1:]...)
			break
		}
	}
	for _, t := range q.tasks {
		if t.MaintenanceWindow == id && t.State == StatePending {
			t.State = StateCanceled
			t.Modified = now
		}
	}
}
