package ilo

import (
	"strings"

	"github.com/tidwall/sjson"
)

// body builds a JSON request body with sjson, key by key, in order. Keys are
// literal JSON keys; the escaping sjson needs for '.', '@', '#' … happens here
// and nowhere else (house style §4).
type body struct {
	b   []byte
	err error
}

func newBody() *body { return &body{b: []byte("{}")} }

// set sets key (a literal key, or several joined by '/' for nesting such as
// "Oem/Hpe/State") to v.
func (b *body) set(key string, v any) *body {
	if b.err != nil {
		return b
	}
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = sjsonKey(p)
	}
	b.b, b.err = sjson.SetBytes(b.b, strings.Join(parts, "."), v)
	return b
}

// setIf sets key only when cond is true (optional parameters).
func (b *body) setIf(cond bool, key string, v any) *body {
	if !cond {
		return b
	}
	return b.set(key, v)
}

func (b *body) bytes() ([]byte, error) { return b.b, b.err }

// sjsonKey escapes one literal key for an sjson path.
func sjsonKey(k string) string {
	var s strings.Builder
	for _, ch := range k {
		switch ch {
		case '.', '*', '?', '|', '#', '@', '\\', ':', '!', '=', '<', '>', '%':
			s.WriteByte('\\')
		}
		s.WriteRune(ch)
	}
	return s.String()
}
