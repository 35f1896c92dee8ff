package ilosim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// selectWriter buffers a GET answer so that $select can trim it
// (reference §1.6: "$select=Oem/Hpe/FreeSizeBytes, Oem/Hpe/TotalSizeBytes").
type selectWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (s *selectWriter) WriteHeader(status int) { s.status = status }

func (s *selectWriter) Write(b []byte) (int, error) { return s.buf.Write(b) }

// withSelect serves h and, for a 200 JSON answer, keeps only the @odata
// properties and the paths $select names. Profiles whose root says
// SelectQuery false ignore the option, as iLO ignores unsupported ones.
func (i *ILO) withSelect(w http.ResponseWriter, r *Request, h HandlerFunc) {
	sel := r.URL.Query().Get("$select")
	if sel == "" || r.Method != http.MethodGet || !i.prof.Tasks {
		h(w, r)
		return
	}
	sw := &selectWriter{ResponseWriter: w, status: http.StatusOK}
	h(sw, r)
	var body map[string]any
	if sw.status != http.StatusOK || json.Unmarshal(sw.buf.Bytes(), &body) != nil {
		w.WriteHeader(sw.status)
		_, _ = w.Write(sw.buf.Bytes())
		return
	}
	out := map[string]any{}
	for k, v := range body {
		if strings.HasPrefix(k, "@odata.") && k != "@odata.etag" {
			out[k] = v
		}
	}
	for _, p := range strings.Split(sel, ",") {
		copyPath(out, body, strings.Split(strings.Trim(strings.TrimSpace(p), "/"), "/"))
	}
	w.Header().Del("ETag")
	WriteResource(w, http.StatusOK, out)
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
