package ilo

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// Paths into iLO's extended-error envelope (reference §9.1):
//
//	{"error": {"code": "iLO.0.10.ExtendedInfo", "message": "See @Message.ExtendedInfo …",
//	           "@Message.ExtendedInfo": [{"MessageId": "Base.1.4.Success", "MessageArgs": […]}]}}
const (
	pathExtendedInfo = `error.@Message\.ExtendedInfo`
	pathErrorMessage = "error.message"
	// Some Redfish services put the list at the top level of a resource
	// (Task.Messages, or @Message.ExtendedInfo beside the properties).
	pathTopExtendedInfo = `@Message\.ExtendedInfo`
)

// Message is one MessageId an iLO returned, with its arguments and the
// registry text they fill in (empty when the key is not in the embedded table).
type Message struct {
	ID      string   `json:"message_id"`
	Args    []string `json:"message_args,omitempty"`
	Meaning string   `json:"meaning,omitempty"`
	// Resolution is the registry's advice, when it has any.
	Resolution string `json:"resolution,omitempty"`
}

// Key returns the registry key of the MessageId without the registry name
// and version: "Base.1.18.SessionLimitExceeded" → "SessionLimitExceeded".
func (m Message) Key() string { return messageKey(m.ID) }

// String returns "MessageId: meaning", or the MessageId alone.
func (m Message) String() string {
	if m.Meaning == "" {
		if len(m.Args) > 0 {
			return fmt.Sprintf("%s %q", m.ID, m.Args)
		}
		return m.ID
	}
	return m.ID + ": " + m.Meaning
}

// messageKey strips the registry prefix and version from a MessageId. The key
// is the last dot-separated part (reference §9.1: "match on the key, not the
// version").
func messageKey(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// messageRegistry returns the registry name of a MessageId: "Base" or "iLO".
func messageRegistry(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return ""
}

//go:embed messages.json
var messagesJSON []byte

type registryEntry struct {
	Message    string `json:"m"`
	Resolution string `json:"r"`
}

// registryText is parsed once on first use; it is read-only afterwards.
var registryText = sync.OnceValue(func() map[string]registryEntry {
	m := map[string]registryEntry{}
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		panic("ilo: embedded messages.json: " + err.Error()) // caught by tests
	}
	return m
})

// NewMessage returns the Message for a MessageId and its arguments, with the
// registry meaning filled in when the key is known (%1, %2 … replaced by args).
func NewMessage(id string, args ...string) Message {
	m := Message{ID: id, Args: args}
	e, ok := registryText()[messageRegistry(id)+"."+messageKey(id)]
	if !ok {
		return m
	}
	m.Meaning = substitute(e.Message, args)
	m.Resolution = substitute(e.Resolution, args)
	return m
}

// substitute replaces %1 … %n in a registry text with args, leaving
// placeholders without an argument as they are.
func substitute(text string, args []string) string {
	if !strings.Contains(text, "%") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '%' || i+1 >= len(text) || text[i+1] < '1' || text[i+1] > '9' {
			b.WriteByte(text[i])
			continue
		}
		j := i + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(text[i+1 : j])
		if n >= 1 && n <= len(args) {
			b.WriteString(args[n-1])
		} else {
			b.WriteString(text[i:j])
		}
		i = j - 1
	}
	return b.String()
}

// parseMessages reads a list of {MessageId, MessageArgs} objects. It keeps
// at most maxMessages messages of at most maxMessageArgs arguments, each
// text cut at maxMessageText characters with a marker, so that an iLO's
// answer cannot blow up a module's result.
func parseMessages(list gjson.Result) []Message {
	var out []Message
	list.ForEach(func(_, v gjson.Result) bool {
		id := v.Get("MessageId").String()
		if id == "" {
			return true // iLO sends "Messages": [{}] on new tasks
		}
		if len(out) == maxMessages {
			out = append(out, Message{ID: "fleetfw.Truncated", Meaning: fmt.Sprintf("the iLO sent more than %d messages; the rest are left out", maxMessages)})
			return false
		}
		var args []string
		v.Get("MessageArgs").ForEach(func(_, a gjson.Result) bool {
			if len(args) == maxMessageArgs {
				args = append(args, "… [more arguments left out]")
				return false
			}
			args = append(args, truncate(a.String(), maxMessageText))
			return true
		})
		out = append(out, NewMessage(truncate(id, maxMessageText), args...))
		return true
	})
	return out
}

// ParseMessages returns the messages of an iLO response body: the
// error.@Message.ExtendedInfo list of the envelope, or a top-level
// @Message.ExtendedInfo. It returns nil for anything else, including bodies
// that are not JSON.
func ParseMessages(body []byte) []Message {
	if jsonDepth(body, MaxDepth) > MaxDepth || !gjson.ValidBytes(body) {
		return nil
	}
	r := gjson.ParseBytes(body)
	if l := r.Get(pathExtendedInfo); l.IsArray() {
		return parseMessages(l)
	}
	return parseMessages(r.Get(pathTopExtendedInfo))
}

// Error is the one error type of this package: a request that failed, either
// with an HTTP status (Status ≥ 400, Messages decoded from iLO's
// error.@Message.ExtendedInfo) or without one (Status 0: connection error,
// timeout, TLS failure; Err says which). Error strings never contain
// credentials or request bodies.
type Error struct {
	Method   string
	URI      string // path (and query) on the iLO, never the credentials
	Status   int
	Messages []Message
	// Detail is extra text: the envelope's "message" when it has no
	// MessageIds, or a hint such as "check the user's privileges".
	Detail string
	// Err is the transport error when Status is 0.
	Err error
	// Uncertain is true when a write (POST, PATCH, PUT, DELETE) failed in a
	// way that leaves unknown whether the iLO applied it: the caller must
	// re-read the state before trying again.
	Uncertain bool
}

// Error returns "METHOD URI: status: MessageId: meaning; …".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URI)
	b.WriteString(": ")
	if e.Status == 0 || (e.Status < 400 && e.Err != nil) {
		if e.Err != nil {
			b.WriteString(e.Err.Error())
		} else {
			b.WriteString("request failed")
		}
	} else {
		b.WriteString(strconv.Itoa(e.Status))
		if t := http.StatusText(e.Status); t != "" {
			b.WriteByte(' ')
			b.WriteString(t)
		}
	}
	for i, m := range e.Messages {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(m.String())
	}
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteByte(')')
	}
	if e.Uncertain {
		b.WriteString(" (the iLO may have applied this request: read its state before retrying)")
	}
	return b.String()
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrorInfo returns the details Ansible reports in the result's error_info:
// method, URI, status and the messages with their meanings.
func (e *Error) ErrorInfo() map[string]any {
	info := map[string]any{"method": e.Method, "uri": e.URI}
	if e.Status != 0 {
		info["status"] = e.Status
	}
	if len(e.Messages) > 0 {
		ids := make([]string, len(e.Messages))
		for i, m := range e.Messages {
			ids[i] = m.ID
		}
		info["message_ids"] = ids
		info["messages"] = e.Messages
	}
	if e.Detail != "" {
		info["detail"] = e.Detail
	}
	if e.Uncertain {
		info["uncertain"] = true
	}
	return info
}

// newStatusError builds the *Error for an HTTP status ≥ 400: the single place
// where a response becomes an error.
func newStatusError(method, uri string, status int, body []byte) *Error {
	e := &Error{Method: method, URI: uri, Status: status, Messages: ParseMessages(body)}
	if len(e.Messages) == 0 && gjson.ValidBytes(body) {
		e.Detail = truncate(gjson.GetBytes(body, pathErrorMessage).String(), maxMessageText)
	}
	if len(body) == 0 {
		switch status {
		case http.StatusBadRequest:
			// /cgi-bin/uploadFile answers an empty 400 when the session lacks
			// the privilege (iLOrest prints the same hint; reference §4.3).
			e.Detail = "empty response: check that the user has the Configure iLO Settings privilege and that the session is valid"
		default:
			e.Detail = "empty response"
		}
	}
	return e
}

// asError returns the *Error in err's chain.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is a 404 from the iLO.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusNotFound
}

// IsUnauthorized reports whether err is a 401 from the iLO (no valid session,
// bad credentials, or a session that expired or died with an iLO reset).
func IsUnauthorized(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusUnauthorized
}

// IsPreconditionFailed reports whether err is a 412: the If-Match ETag was
// stale and the resource must be read again.
func IsPreconditionFailed(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusPreconditionFailed
}

// IsUncertain reports whether err is a write that may or may not have been
// applied (the connection failed after the request was sent).
func IsUncertain(err error) bool {
	e, ok := asError(err)
	return ok && e.Uncertain
}

// IsTransport reports whether err failed without an HTTP status: connection
// refused or reset, timeout, TLS failure.
func IsTransport(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == 0
}

// HasMessage reports whether err carries a MessageId with the given registry
// key, whatever the registry version: HasMessage(err, "SessionLimitExceeded")
// matches "Base.1.18.SessionLimitExceeded" and "Base.1.4.SessionLimitExceeded".
// A key with a registry prefix ("iLO.UpdateTaskQueueFull") also checks the
// registry name.
func HasMessage(err error, key string) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	wantReg := ""
	if i := strings.IndexByte(key, '.'); i >= 0 {
		wantReg, key = key[:i], messageKey(key)
	}
	for _, m := range e.Messages {
		if m.Key() == key && (wantReg == "" || messageRegistry(m.ID) == wantReg) {
			return true
		}
	}
	return false
}

// IsTimeout reports whether err is a request that got no response within the
// per-request timeout.
func IsTimeout(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == 0 && errors.Is(e.Err, errTimeout)
}

// IsForbidden reports whether err is a 403 from the iLO: the account lacks
// a privilege (Base.InsufficientPrivilege) or a licence.
func IsForbidden(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusForbidden
}
