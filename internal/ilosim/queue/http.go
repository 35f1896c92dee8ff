package queue

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Allow header values, in the style of the captured repository member
// ("GET, HEAD, PATCH, DELETE", FW3-fig-18); the reference pages list
// collections as GET POST and members as GET PATCH DELETE.
const (
	allowCollection = "GET, HEAD, POST"
	allowMember     = "GET, HEAD, PATCH, DELETE"
	allowAction     = "POST"
)

// Bulk actions on UpdateService (reference §1.4), under Config.ActionsURI.
const (
	actDeleteInstallSets          = "HpeiLOUpdateServiceExt.DeleteInstallSets"
	actDeleteMaintenanceWindows   = "HpeiLOUpdateServiceExt.DeleteMaintenanceWindows"
	actDeleteUpdateTaskQueueItems = "HpeiLOUpdateServiceExt.DeleteUpdateTaskQueueItems"
)

// maxBody bounds a request body; queue requests are small JSON documents.
const maxBody = 1 << 20

// Handle serves r when its path is one of the Queue's — the three
// collections and their members, the install-set Invoke targets and the
// three bulk actions — and reports whether it did. Paths match
// case-insensitively, with or without a trailing slash, query ignored.
// priv are the rights of the request's (already authenticated) session.
// Handle runs Tick with the Host's clock before it answers, and again
// after a write.
func (q *Queue) Handle(w http.ResponseWriter, r *http.Request, priv Privileges) bool {
	rt, ok := q.route(r.URL.Path)
	if !ok {
		return false
	}
	now := q.host.Now().UTC()
	q.Tick(now)

	var body map[string]json.RawMessage
	comps := map[string]Component{}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		var e *apiError
		if body, e = q.readBody(r); e != nil {
			q.writeErr(w, e)
			return true
		}
		// Look the named components up before taking q.mu (see Host).
		for _, f := range filenames(body) {
			if c, ok := q.host.Component(f); ok {
				comps[f] = c
			}
		}
	}

	q.mu.Lock()
	q.dispatch(w, r, rt, body, comps, priv, now)
	q.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		q.Tick(now) // a new Bmc task at the top starts at once (reference §6.3)
	}
	return true
}

// route is a parsed request path.
type route struct {
	kind   string // "tasks", "windows", "sets", "invoke", "action"
	id     string // member Id, or the action name for "action"
	member bool
}

// route matches path against the Queue's URIs.
func (q *Queue) route(path string) (route, bool) {
	p := strings.ToLower(strings.TrimRight(path, "/"))
	rest := func(base string) (string, bool) {
		b := strings.ToLower(base)
		if p == b {
			return "", true
		}
		if strings.HasPrefix(p, b+"/") {
			return p[len(b)+1:], true
		}
		return "", false
	}
	for _, c := range []struct{ kind, base string }{
		{"tasks", q.cfg.TaskQueueURI}, {"windows", q.cfg.MaintenanceWindowsURI}, {"sets", q.cfg.InstallSetsURI},
	} {
		tail, ok := rest(c.base)
		if !ok {
			continue
		}
		if tail == "" {
			return route{kind: c.kind}, true
		}
		parts := strings.Split(tail, "/")
		switch {
		case len(parts) == 1:
			return route{kind: c.kind, id: parts[0], member: true}, true
		case c.kind == "sets" && len(parts) == 3 && parts[1] == "actions" &&
			parts[2] == strings.ToLower("HpeComponentInstallSet.Invoke"):
			return route{kind: "invoke", id: parts[0]}, true
		}
		return route{}, false
	}
	if tail, ok := rest(q.cfg.ActionsURI); ok {
		for _, a := range []string{actDeleteInstallSets, actDeleteMaintenanceWindows, actDeleteUpdateTaskQueueItems} {
			if tail == strings.ToLower(a) {
				return route{kind: "action", id: a}, true
			}
		}
	}
	return route{}, false
}

func (q *Queue) dispatch(w http.ResponseWriter, r *http.Request, rt route, body map[string]json.RawMessage, comps map[string]Component, priv Privileges, now time.Time) {
	reg := q.cfg.Registries
	notFound := func() {
		q.writeErr(w, &apiError{status: http.StatusNotFound, msgs: msgs(reg.BaseMsg("ResourceMissingAtURI", r.URL.Path))})
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	switch rt.kind {
	case "action", "invoke":
		if method != http.MethodPost {
			q.notAllowed(w, allowAction)
			return
		}
		if rt.kind == "invoke" {
			s := q.findSet(rt.id)
			if s == nil {
				notFound()
				return
			}
			q.invoke(w, s, body, priv, now)
			return
		}
		q.bulk(w, rt.id, body, priv, now)
		return
	}
	if !rt.member {
		switch method {
		case http.MethodGet:
			q.getCollection(w, r, rt.kind)
		case http.MethodPost:
			switch rt.kind {
			case "tasks":
				q.postTask(w, r, body, comps, priv, now)
			case "windows":
				q.postWindow(w, r, body, now)
			case "sets":
				q.postSet(w, r, body, comps, priv, now)
			}
		default:
			q.notAllowed(w, allowCollection)
		}
		return
	}

	// Members.
	var render func() map[string]any
	var t *task
	var win *window
	var s *installSet
	switch rt.kind {
	case "tasks":
		if t = q.findTask(rt.id); t != nil {
			render = func() map[string]any { return q.renderTask(t) }
		}
	case "windows":
		if win = q.findWindow(rt.id); win != nil {
			render = func() map[string]any { return q.renderWindow(win) }
		}
	case "sets":
		if s = q.findSet(rt.id); s != nil {
			render = func() map[string]any { return q.renderSet(s) }
		}
	}
	if render == nil {
		notFound()
		return
	}
	switch method {
	case http.MethodGet:
		w.Header().Set("Allow", allowMember)
		q.writeResource(w, http.StatusOK, render())
	case http.MethodPatch:
		if m := r.Header.Get("If-Match"); m != "" && m != "*" && m != etagOf(render()) {
			q.writeErr(w, &apiError{status: http.StatusPreconditionFailed, msgs: msgs(reg.BaseMsg("PreconditionFailed"))})
			return
		}
		switch rt.kind {
		case "tasks":
			q.patchTask(w, t, body, comps, priv, now)
		case "windows":
			q.patchWindow(w, r, win, body, now)
		case "sets":
			q.patchSet(w, r, s, body, comps, priv, now)
		}
	case http.MethodDelete:
		switch rt.kind {
		case "tasks":
			q.deleteTask(t.ID)
		case "windows":
			q.deleteWindow(win.ID, now)
		case "sets":
			if s.IsRecovery && !priv.SystemRecoveryConfig {
				q.writeErr(w, forbidden(reg))
				return
			}
			q.deleteSets(func(x *installSet) bool { return x == s })
		}
		q.writeSuccess(w)
	default:
		q.notAllowed(w, allowMember)
	}
}

// collection describes one collection's fixed properties (as captured on
// iLO 5 2.55 and 2.70).
func (q *Queue) collection(kind string) (uri, typ, name, desc string) {
	switch kind {
	case "tasks":
		return q.cfg.TaskQueueURI, "HpeComponentUpdateTaskQueueCollection", "Component Update Task Queue", "Component Update Task Queue"
	case "windows":
		return q.cfg.MaintenanceWindowsURI, "HpeMaintenanceWindowCollection", "Maintenance Window Collection", "Maintenance Window Collection"
	default:
		return q.cfg.InstallSetsURI, "HpeComponentInstallSetCollection", "Component Install Set Collection", "Component Install Set Collection"
	}
}

// getCollection answers a collection GET; any $expand expands the members
// one level, as iLO does for $expand=., * and ($levels=n) (reference §1.6).
func (q *Queue) getCollection(w http.ResponseWriter, r *http.Request, kind string) {
	expand := r.URL.Query().Has("$expand")
	var members []map[string]any
	switch kind {
	case "tasks":
		for _, t := range q.tasks {
			members = append(members, q.renderTask(t))
		}
	case "windows":
		for _, x := range q.windows {
			members = append(members, q.renderWindow(x))
		}
	default:
		for _, s := range q.sets {
			members = append(members, q.renderSet(s))
		}
	}
	list := make([]map[string]any, 0, len(members))
	for _, m := range members {
		if expand {
			withETag(m)
			list = append(list, m)
		} else {
			list = append(list, map[string]any{"@odata.id": m["@odata.id"]})
		}
	}
	uri, typ, name, desc := q.collection(kind)
	body := map[string]any{
		"@odata.context":      "/redfish/v1/$metadata#" + typ + "." + typ,
		"@odata.id":           q.uri(uri),
		"@odata.type":         "#" + typ + "." + typ,
		"Name":                name,
		"Description":         desc,
		"Members":             list,
		"Members@odata.count": len(list),
	}
	w.Header().Set("Allow", allowCollection)
	q.writeResource(w, http.StatusOK, body)
}

// bulk runs one of the three OEM bulk actions; 200 + Success.
func (q *Queue) bulk(w http.ResponseWriter, name string, body map[string]json.RawMessage, priv Privileges, now time.Time) {
	reg := q.cfg.Registries
	allowed := map[string]bool{"Action": true}
	if name == actDeleteInstallSets {
		allowed["IncludeRecoverySet"] = true
	}
	for k := range body {
		if !allowed[k] {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterUnknown", name, k)))
			return
		}
	}
	switch name {
	case actDeleteUpdateTaskQueueItems:
		q.tasks = nil
	case actDeleteMaintenanceWindows:
		for len(q.windows) > 0 {
			q.deleteWindow(q.windows[0].ID, now)
		}
	case actDeleteInstallSets:
		include := false // UNCONFIRMED default
		if raw, ok := body["IncludeRecoverySet"]; ok && json.Unmarshal(raw, &include) != nil {
			q.writeErr(w, q.bad(reg.BaseMsg("ActionParameterValueTypeError", string(raw), "IncludeRecoverySet", name)))
			return
		}
		if include && q.recoverySet() != nil && !priv.SystemRecoveryConfig {
			q.writeErr(w, forbidden(reg))
			return
		}
		q.deleteSets(func(s *installSet) bool { return include || !s.IsRecovery })
	}
	q.writeSuccess(w)
}

// apiError is an error answer: a status and the ExtendedInfo messages.
type apiError struct {
	status int
	msgs   []wire.Message
}

func msgs(m ...wire.Message) []wire.Message { return m }

func (q *Queue) bad(m wire.Message) *apiError {
	return &apiError{status: http.StatusBadRequest, msgs: msgs(m)}
}

func forbidden(reg wire.Registries) *apiError {
	return &apiError{status: http.StatusForbidden, msgs: msgs(reg.BaseMsg("InsufficientPrivilege"))}
}

func (q *Queue) writeErr(w http.ResponseWriter, e *apiError) { wire.WriteError(w, e.status, e.msgs...) }

func (q *Queue) writeSuccess(w http.ResponseWriter) { wire.WriteSuccess(w, q.cfg.Registries) }

func (q *Queue) notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	// UNCONFIRMED: iLO's 405 body; Base.OperationNotAllowed is the DMTF key.
	wire.WriteError(w, http.StatusMethodNotAllowed, q.cfg.Registries.BaseMsg("OperationNotAllowed"))
}

// writeCreated answers 201 with the new resource and its Location.
func (q *Queue) writeCreated(w http.ResponseWriter, r *http.Request, uri string, body map[string]any) {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	w.Header().Set("Location", scheme+"://"+wire.HostForLocation(scheme, r.Host)+uri)
	q.writeResource(w, http.StatusCreated, body)
}

// writeResource adds @odata.etag to body and writes it with the same
// value in the ETag header.
func (q *Queue) writeResource(w http.ResponseWriter, status int, body map[string]any) {
	tag := withETag(body)
	wire.WriteJSON(etagWriter{ResponseWriter: w, etag: tag}, status, body)
}

// withETag sets body's @odata.etag to the tag of the rest of the body and
// returns it.
func withETag(body map[string]any) string {
	tag := etagOf(body)
	body["@odata.etag"] = tag
	return tag
}

// etagOf returns the entity tag of a resource body, ignoring @odata.etag.
func etagOf(body map[string]any) string {
	c := make(map[string]any, len(body))
	for k, v := range body {
		if k != "@odata.etag" {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return wire.ETag(b)
}

// etagWriter replaces the ETag header wire.WriteJSON computes over the
// whole body with the resource's @odata.etag, so that a client may send
// either back in If-Match.
type etagWriter struct {
	http.ResponseWriter
	etag string
}

func (e etagWriter) WriteHeader(status int) {
	e.Header().Set("ETag", e.etag)
	e.ResponseWriter.WriteHeader(status)
}

// readBody decodes a JSON object body; an empty body is an empty object.
func (q *Queue) readBody(r *http.Request) (map[string]json.RawMessage, *apiError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, q.bad(q.cfg.Registries.BaseMsg("UnrecognizedRequestBody"))
	}
	body := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return body, nil
	}
	if json.Unmarshal(b, &body) != nil {
		return nil, q.bad(q.cfg.Registries.BaseMsg("MalformedJSON"))
	}
	return body, nil
}

// filenames lists the Filename values a task or install-set body names.
func filenames(body map[string]json.RawMessage) []string {
	var out []string
	var f string
	if json.Unmarshal(body["Filename"], &f) == nil && f != "" {
		out = append(out, f)
	}
	var seq []struct{ Filename string }
	if json.Unmarshal(body["Sequence"], &seq) == nil {
		for _, it := range seq {
			if it.Filename != "" && !slices.Contains(out, it.Filename) {
				out = append(out, it.Filename)
			}
		}
	}
	return out
}

// uri returns path in the profile's form (trailing slash or not).
func (q *Queue) uri(path string) string {
	if q.cfg.TrailingSlash {
		return path + "/"
	}
	return path
}

// isAnnotation reports whether a body key is an OData annotation, which
// iLO ignores in request bodies (UNCONFIRMED).
func isAnnotation(k string) bool { return strings.HasPrefix(k, "@") || strings.Contains(k, "@odata.") }

// checkProps refuses unknown (PropertyUnknown) and read-only
// (PropertyNotWritable) properties.
func (q *Queue) checkProps(body map[string]json.RawMessage, writable map[string]bool, readOnly []string) *apiError {
	for k := range body {
		switch {
		case writable[k], isAnnotation(k):
		case slices.Contains(readOnly, k):
			return q.bad(q.cfg.Registries.BaseMsg("PropertyNotWritable", k))
		default:
			return q.bad(q.cfg.Registries.BaseMsg("PropertyUnknown", k))
		}
	}
	return nil
}

func (q *Queue) typeErr(raw json.RawMessage, prop string) *apiError {
	return q.bad(q.cfg.Registries.BaseMsg("PropertyValueTypeError", string(raw), prop))
}

func (q *Queue) str(raw json.RawMessage, prop string) (string, *apiError) {
	var s string
	if json.Unmarshal(raw, &s) != nil || string(raw) == "null" {
		return "", q.typeErr(raw, prop)
	}
	return s, nil
}

func (q *Queue) boolean(raw json.RawMessage, prop string) (bool, *apiError) {
	var b bool
	if json.Unmarshal(raw, &b) != nil || string(raw) == "null" {
		return false, q.typeErr(raw, prop)
	}
	return b, nil
}

func (q *Queue) enum(raw json.RawMessage, prop string, allowed []string) (string, *apiError) {
	s, e := q.str(raw, prop)
	if e != nil {
		return "", e
	}
	if !slices.Contains(allowed, s) {
		return "", q.bad(q.cfg.Registries.BaseMsg("PropertyValueNotInList", s, prop))
	}
	return s, nil
}

func (q *Queue) enumList(raw json.RawMessage, prop string, allowed []string) ([]string, *apiError) {
	var l []string
	if json.Unmarshal(raw, &l) != nil || string(raw) == "null" {
		return nil, q.typeErr(raw, prop)
	}
	for _, s := range l {
		if !slices.Contains(allowed, s) {
			return nil, q.bad(q.cfg.Registries.BaseMsg("PropertyValueNotInList", s, prop))
		}
	}
	return l, nil
}

// intRange reads an integer in [lo, hi]. Base 1.4 has no
// PropertyValueOutOfRange, so out-of-range values get PropertyValueNotInList
// (UNCONFIRMED).
func (q *Queue) intRange(raw json.RawMessage, prop string, lo, hi int) (int, *apiError) {
	var n int
	if json.Unmarshal(raw, &n) != nil || string(raw) == "null" {
		return 0, q.typeErr(raw, prop)
	}
	if n < lo || n > hi {
		return 0, q.bad(q.cfg.Registries.BaseMsg("PropertyValueNotInList", itoa(n), prop))
	}
	return n, nil
}

// timeProp reads a nullable ISO 8601 time. "2020-12-25T00:00:00Z" is the
// documented form; the Z-less form iLOrest allows is read as UTC (the iLO
// clock), UNCONFIRMED.
func (q *Queue) timeProp(raw json.RawMessage, prop string) (*time.Time, *apiError) {
	if string(raw) == "null" {
		return nil, nil
	}
	s, e := q.str(raw, prop)
	if e != nil {
		return nil, e
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, q.bad(q.cfg.Registries.BaseMsg("PropertyValueFormatError", s, prop))
}

// fmtTime formats an iLO time the way iLO does: "2020-09-21T15:06:28Z".
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
