package ilosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// The $-prefixed query options the service implements; any other answers
// 501 (DMTF: a service returns 501 Not Implemented for a query parameter
// it does not support). $select applies only where the root advertises
// SelectQuery and is ignored elsewhere, as iLO 5 2.14 ignores it.
var knownDollarOptions = map[string]bool{"$expand": true, "$select": true, "$filter": true}

// bufferWriter holds an answer so that the query options and the GET
// headers can be applied to it.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
	// resource is the body WriteResource marshalled into buf, so that an
	// answer no query option changes is not parsed back (the simulator's
	// own CPU shows in every benchmark that runs it beside Ansible).
	resource map[string]any
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

// serveRedfishProtocol applies the HTTP protocol rules of a Redfish service
// around every /redfish request: OData-Version other than 4.0 → 412, an
// unknown $ option → 501; on GET and HEAD the answer is buffered so that
// $select, only and $filter can act on it and Link (rel=describedby) and
// Cache-Control headers can be added.
func (i *ILO) serveRedfishProtocol(w http.ResponseWriter, r *http.Request, p, low string) {
	reg := i.prof.Registries
	if v := r.Header.Get("OData-Version"); v != "" && v != "4.0" {
		wire.WriteError(w, http.StatusPreconditionFailed, reg.BaseMsg("PreconditionFailed"))
		return
	}
	q := r.URL.Query()
	for k := range q {
		if strings.HasPrefix(k, "$") && !knownDollarOptions[k] {
			wire.WriteError(w, http.StatusNotImplemented, reg.BaseMsg("QueryNotSupported"))
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		i.route(w, r, p, low)
		return
	}
	bw := &bufferWriter{header: w.Header(), status: http.StatusOK}
	i.route(bw, r, p, low)
	body := bw.buf.Bytes()
	m := bw.resource
	if m == nil || queryShapes(q) {
		m = nil
		if bw.status == http.StatusOK {
			_ = json.Unmarshal(body, &m)
		}
	}
	if bw.status == http.StatusOK && m != nil {
		out, status, msg := i.applyQuery(r, m)
		if msg != nil {
			bw.header.Del("ETag")
			wire.WriteError(w, status, *msg)
			return
		}
		if out != nil {
			bw.header.Del("ETag")
			rec := &bufferWriter{header: bw.header, status: http.StatusOK}
			WriteResource(rec, http.StatusOK, out)
			m, body = out, rec.buf.Bytes()
		}
		if t, _ := m["@odata.type"].(string); t != "" {
			bw.header.Set("Link", "<"+i.schemaStoreURI(t)+">; rel=describedby")
		}
	}
	bw.header.Set("Cache-Control", "no-cache")
	w.WriteHeader(bw.status)
	_, _ = w.Write(body)
}

// queryShapes tells whether applyQuery may change an answer to q: it works
// on the body as JSON gives it back, not as a handler built it.
func queryShapes(q url.Values) bool {
	_, only := q["only"]
	return only || q.Get("$filter") != "" || q.Get("$select") != ""
}

// applyQuery applies $select, only and $filter to a 200 JSON body. It
// returns the new body (nil: unchanged) or an error status and message.
func (i *ILO) applyQuery(r *http.Request, body map[string]any) (map[string]any, int, *wire.Message) {
	q := r.URL.Query()
	reg := i.prof.Registries
	_, isColl := body["Members"].([]any)
	_, only := q["only"]
	if only && !isColl {
		m := reg.BaseMsg("QueryNotSupportedOnResource")
		return nil, http.StatusBadRequest, &m
	}
	var out map[string]any
	if f := q.Get("$filter"); f != "" {
		if !isColl {
			m := reg.BaseMsg("QueryNotSupportedOnResource")
			return nil, http.StatusBadRequest, &m
		}
		expr, err := parseFilter(f)
		if err != nil {
			m := reg.BaseMsg("QueryParameterValueFormatError", f, "$filter")
			return nil, http.StatusBadRequest, &m
		}
		out = i.filterMembers(r, body, expr)
		body = out
	}
	if only {
		if ms := body["Members"].([]any); len(ms) == 1 {
			if mb := i.memberBody(r, ms[0]); mb != nil {
				body, out = mb, mb
			}
		}
	}
	if sel := q.Get("$select"); sel != "" && i.prof.Tasks {
		out = selectPaths(body, sel)
	}
	return out, 0, nil
}

// memberBody returns a member as its body: inline when expanded, else by
// an internal GET with the request's credentials.
func (i *ILO) memberBody(r *http.Request, member any) map[string]any {
	mm, ok := member.(map[string]any)
	if !ok {
		return nil
	}
	id, _ := mm["@odata.id"].(string)
	if len(mm) > 2 || id == "" { // expanded (more than @odata.id and @odata.etag)
		return mm
	}
	sub := r.Clone(r.Context())
	sub.URL = &url.URL{Path: id}
	sub.Method = http.MethodGet
	bw := &bufferWriter{header: http.Header{}, status: http.StatusOK}
	p := "/" + strings.Trim(id, "/")
	i.route(bw, sub, p, strings.ToLower(p))
	var b map[string]any
	if bw.status != http.StatusOK || json.Unmarshal(bw.buf.Bytes(), &b) != nil {
		return nil
	}
	return b
}

// filterMembers keeps the members for which expr holds.
func (i *ILO) filterMembers(r *http.Request, body map[string]any, expr filterExpr) map[string]any {
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	var keep []any
	for _, m := range body["Members"].([]any) {
		if b := i.memberBody(r, m); b != nil && expr.eval(b) {
			keep = append(keep, m)
		}
	}
	if keep == nil {
		keep = []any{}
	}
	out["Members"] = keep
	out["Members@odata.count"] = len(keep)
	delete(out, "@odata.etag")
	return out
}

// selectPaths keeps the @odata properties and the slash paths of sel
// (reference §1.6: "$select=Oem/Hpe/FreeSizeBytes, Oem/Hpe/TotalSizeBytes").
func selectPaths(body map[string]any, sel string) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		if strings.HasPrefix(k, "@odata.") && k != "@odata.etag" {
			out[k] = v
		}
	}
	for _, p := range strings.Split(sel, ",") {
		copyPath(out, body, strings.Split(strings.Trim(strings.TrimSpace(p), "/"), "/"))
	}
	return out
}

// copyPath copies src[path] into dst, creating the objects on the way.
func copyPath(dst, src map[string]any, path []string) {
	if len(path) == 0 || path[0] == "" {
		return
	}
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	sub, ok := v.(map[string]any)
	if !ok {
		return
	}
	d, ok := dst[path[0]].(map[string]any)
	if !ok {
		d = map[string]any{}
		dst[path[0]] = d
	}
	copyPath(d, sub, path[1:])
}

// filterExpr is a $filter expression: comparisons joined by "and" or "or"
// (no parentheses; "and" binds tighter), e.g.
// "Oem/Hpe/DeviceClass eq 'aa148d2e-…' and Updateable eq true".
type filterExpr struct {
	or [][]comparison // any of these groups, each all of its comparisons
}

type comparison struct {
	path []string
	op   string
	val  any // string, float64, bool or nil
}

// parseFilter parses the supported $filter subset.
func parseFilter(s string) (filterExpr, error) {
	var e filterExpr
	for _, alt := range splitWord(s, "or") {
		var group []comparison
		for _, term := range splitWord(alt, "and") {
			c, err := parseComparison(strings.TrimSpace(term))
			if err != nil {
				return e, err
			}
			group = append(group, c)
		}
		e.or = append(e.or, group)
	}
	return e, nil
}

// splitWord splits s on the word w outside quotes.
func splitWord(s, w string) []string {
	var parts []string
	inQuote, start := false, 0
	for k := 0; k < len(s); k++ {
		switch {
		case s[k] == '\'':
			inQuote = !inQuote
		case !inQuote && k > 0 && s[k-1] == ' ' && strings.HasPrefix(s[k:], w+" "):
			parts = append(parts, s[start:k-1])
			start = k + len(w) + 1
			k = start - 1
		}
	}
	return append(parts, s[start:])
}

func parseComparison(s string) (comparison, error) {
	f := strings.SplitN(s, " ", 3)
	if len(f) != 3 {
		return comparison{}, fmt.Errorf("filter %q: want <property> <op> <value>", s)
	}
	c := comparison{path: strings.Split(strings.Trim(f[0], "/"), "/"), op: f[1]}
	switch c.op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return c, fmt.Errorf("filter %q: unsupported operator %s", s, c.op)
	}
	v := strings.TrimSpace(f[2])
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		c.val = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	case v == "true" || v == "false":
		c.val = v == "true"
	case v == "null":
		c.val = nil
	default:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, fmt.Errorf("filter %q: value %s is no string, number, boolean or null", s, v)
		}
		c.val = n
	}
	return c, nil
}

func (e filterExpr) eval(body map[string]any) bool {
	for _, group := range e.or {
		all := true
		for _, c := range group {
			if !c.eval(body) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (c comparison) eval(body map[string]any) bool {
	var v any = body
	for _, k := range c.path {
		m, ok := v.(map[string]any)
		if !ok {
			v = nil
			break
		}
		v = m[k]
	}
	switch c.op {
	case "eq":
		return v == c.val
	case "ne":
		return v != c.val
	}
	a, ok1 := v.(float64)
	b, ok2 := c.val.(float64)
	if !ok1 || !ok2 {
		as, ok1 := v.(string)
		bs, ok2 := c.val.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, b = float64(strings.Compare(as, bs)), 0
	}
	switch c.op {
	case "gt":
		return a > b
	case "ge":
		return a >= b
	case "lt":
		return a < b
	}
	return a <= b
}

// schemaStoreURI is the Link rel=describedby target of a resource of
// @odata.type t: iLO's schema store ("/redfish/v1/SchemaStore/en/
// ComputerSystem.json/" style, HPE's iLO 5 documentation).
func (i *ILO) schemaStoreURI(t string) string {
	return i.ODataID(schemaStorePath + "/" + schemaName(t) + ".json")
}

// schemaName turns "#ComputerSystem.v1_10_0.ComputerSystem" into
// "ComputerSystem".
func schemaName(t string) string {
	t = strings.TrimPrefix(t, "#")
	if k := strings.Index(t, "."); k > 0 {
		return t[:k]
	}
	return t
}
