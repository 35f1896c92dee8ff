// Package wire writes HTTP responses the way an iLO does: JSON bodies with
// an ETag, and the extended-error envelope that every non-GET response and
// every error uses (reference §9.1):
//
//	{"error": {"code": "iLO.0.10.ExtendedInfo",
//	           "message": "See @Message.ExtendedInfo for more information.",
//	           "@Message.ExtendedInfo": [{"MessageId": "Base.1.4.Success"}]}}
//
// It is shared by the simulator's packages and by nothing else: the client in
// internal/ilo must never import it.
package wire

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"strings"
)

// Message is one entry of error.@Message.ExtendedInfo.
type Message struct {
	MessageID   string   `json:"MessageId"`
	MessageArgs []string `json:"MessageArgs,omitempty"`
}

// Registries holds the registry prefixes a firmware generation cites in its
// MessageIds, for example Base "Base.1.4" and iLO "iLO.2.14" on iLO 5 2.30.
type Registries struct {
	Base string
	ILO  string
}

// BaseMsg returns a Message from the DMTF Base registry, e.g.
// BaseMsg("ResourceMissingAtURI", uri) → Base.1.18.ResourceMissingAtURI.
func (r Registries) BaseMsg(key string, args ...string) Message {
	return Message{MessageID: r.Base + "." + key, MessageArgs: args}
}

// ILOMsg returns a Message from the iLO registry, e.g.
// ILOMsg("UpdateTaskQueueFull") → iLO.2.14.UpdateTaskQueueFull.
func (r Registries) ILOMsg(key string, args ...string) Message {
	return Message{MessageID: r.ILO + "." + key, MessageArgs: args}
}

// ETag returns the weak entity tag iLO puts in @odata.etag and the ETag
// header, derived from the body (W/"886F108C" style).
func ETag(body []byte) string {
	return fmt.Sprintf("W/%q", fmt.Sprintf("%08X", crc32.ChecksumIEEE(body)))
}

// WriteJSON writes v as JSON with status, Content-Type, OData-Version and an
// ETag header computed from the encoded body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("ETag", ETag(body))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Envelope returns iLO's extended-info envelope around msgs.
func Envelope(msgs ...Message) map[string]any {
	if msgs == nil {
		msgs = []Message{}
	}
	return map[string]any{"error": map[string]any{
		"code":                  "iLO.0.10.ExtendedInfo",
		"message":               "See @Message.ExtendedInfo for more information.",
		"@Message.ExtendedInfo": msgs,
	}}
}

// WriteError writes the extended-info envelope with status. iLO uses the same
// envelope for successes (200 + Base.x.Success), so status may be 2xx.
func WriteError(w http.ResponseWriter, status int, msgs ...Message) {
	WriteJSON(w, status, Envelope(msgs...))
}

// WriteSuccess writes 200 OK with the Base Success message.
func WriteSuccess(w http.ResponseWriter, r Registries) {
	WriteError(w, http.StatusOK, r.BaseMsg("Success"))
}

// HostForLocation returns host as an absolute Location header names it:
// without the scheme's default port ("ilo" for "ilo:443" over https, "ilo"
// for "ilo:80" over http), as a real iLO does (real-ilo-resources.md).
func HostForLocation(scheme, host string) string {
	h, port, err := net.SplitHostPort(host)
	if err != nil || !((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
		return host
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
