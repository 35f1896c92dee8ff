package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tidwall/gjson"
)

// object is a JSON object that keeps its keys in order and is read
// case-tolerantly: "MinimumActiveVersion", "minimum_active_version" and
// "minimumactiveversion" are one key (fold).
type object struct {
	keys []string
	vals map[string]any // by fold(key)
}

// fold is the case- and separator-tolerant form of a key.
func fold(k string) string {
	clean := true
	for i := 0; i < len(k) && clean; i++ {
		c := k[i]
		clean = !(c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == ' ' || c >= 0x80)
	}
	if clean { // the usual case: nothing to change, nothing allocated
		return k
	}
	b := make([]rune, 0, len(k))
	for _, r := range strings.ToLower(k) {
		if r != '_' && r != '-' && r != ' ' {
			b = append(b, r)
		}
	}
	return string(b)
}

// get returns the value of the first of names the object has.
func (o *object) get(names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := o.vals[fold(n)]; ok {
			return v, true
		}
	}
	return nil, false
}

// syntaxError is a JSON error with the line and column it happened at and
// the entry (first-level key or index) it happened in.
type syntaxError struct {
	line, col int
	entry     string
	err       error
}

func (e *syntaxError) Error() string {
	in := ""
	if e.entry != "" {
		in = fmt.Sprintf(" (in entry %s)", e.entry)
	}
	return fmt.Sprintf("line %d, column %d%s: %v", e.line, e.col, in, e.err)
}

// decodeJSON reads one JSON value into *object, []any, string, json.Number,
// bool or nil. Duplicate keys (after fold) are an error, as is anything
// after the value. Valid input is read with gjson (fast); anything else is
// read again token by token to say where and in which entry it goes wrong.
func decodeJSON(data []byte) (any, error) {
	if json.Valid(data) {
		if v, ok := fromGJSON(gjson.ParseBytes(data), 0); ok {
			return v, nil
		}
	}
	return decodeTokens(data)
}

// fromGJSON converts a valid document; ok is false on a duplicate key or
// too deep a nesting (decodeTokens then says where).
func fromGJSON(r gjson.Result, depth int) (v any, ok bool) {
	if depth > 64 {
		return nil, false
	}
	ok = true
	switch {
	case r.IsObject():
		o := &object{vals: map[string]any{}}
		r.ForEach(func(k, x gjson.Result) bool {
			key := k.String()
			if _, dup := o.vals[fold(key)]; dup {
				ok = false
				return false
			}
			var val any
			if val, ok = fromGJSON(x, depth+1); !ok {
				return false
			}
			o.keys = append(o.keys, key)
			o.vals[fold(key)] = val
			return true
		})
		return o, ok
	case r.IsArray():
		list := []any{}
		r.ForEach(func(_, x gjson.Result) bool {
			var val any
			if val, ok = fromGJSON(x, depth+1); ok {
				list = append(list, val)
			}
			return ok
		})
		return list, ok
	}
	switch r.Type {
	case gjson.String:
		return r.String(), true
	case gjson.Number:
		return json.Number(r.Raw), true
	case gjson.True, gjson.False:
		return r.Bool(), true
	}
	return nil, true
}

// decodeTokens is decodeJSON token by token, with the line, column and
// entry of the first problem.
func decodeTokens(data []byte) (any, error) {
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	d.dec.UseNumber()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, d.fail(errors.New("unexpected data after the top-level value"))
	}
	return v, nil
}

type decoder struct {
	dec   *json.Decoder
	data  []byte
	entry string // the first-level key or index being read
}

func (d *decoder) fail(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of the file; is it truncated?")
	}
	off := int(d.dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	off = min(off, len(d.data))
	line := 1 + bytes.Count(d.data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(d.data[:off], '\n')
	return &syntaxError{line: line, col: col, entry: d.entry, err: err}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > 64 {
		return nil, d.fail(errors.New("nested more than 64 levels deep"))
	}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.fail(err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		o := &object{vals: map[string]any{}}
		for d.dec.More() {
			kt, err := d.dec.Token()
			if err != nil {
				return nil, d.fail(err)
			}
			k := kt.(string)
			if depth == 0 {
				d.entry = fmt.Sprintf("%q", k)
			}
			if _, dup := o.vals[fold(k)]; dup {
				return nil, d.fail(fmt.Errorf("duplicate key %q", k))
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k)
			o.vals[fold(k)] = v
		}
		if _, err := d.dec.Token(); err != nil {
			return nil, d.fail(err)
		}
		return o, nil
	case '[':
		var list []any
		for d.dec.More() {
			if depth == 0 {
				d.entry = fmt.Sprintf("[%d]", len(list))
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := d.dec.Token(); err != nil {
			return nil, d.fail(err)
		}
		if list == nil {
			list = []any{}
		}
		return list, nil
	}
	return nil, d.fail(fmt.Errorf("unexpected %q", delim))
}

// kind names a decoded value's JSON type for messages.
func kind(v any) string {
	switch t := v.(type) {
	case *object:
		return "an object"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", t)
	case json.Number:
		return "the number " + t.String()
	case bool:
		return fmt.Sprintf("%v", t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// fieldError is a problem with one field of an entry.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return fmt.Sprintf("%q: %s", e.field, e.msg) }

// str reads a string field; required says whether it must be there.
func str(o *object, required bool, names ...string) (string, error) {
	v, ok := o.get(names...)
	if !ok || v == nil {
		if required {
			return "", &fieldError{names[0], "missing"}
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", &fieldError{names[0], "want a string, got " + kind(v)}
	}
	if required && strings.TrimSpace(s) == "" {
		return "", &fieldError{names[0], "empty"}
	}
	return s, nil
}

// strList reads a field that is a string or a list of strings.
func strList(o *object, required bool, names ...string) ([]string, error) {
	v, ok := o.get(names...)
	if !ok || v == nil {
		if required {
			return nil, &fieldError{names[0], "missing"}
		}
		return nil, nil
	}
	var out []string
	switch t := v.(type) {
	case string:
		out = []string{t}
	case []any:
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, &fieldError{names[0], fmt.Sprintf("item %d: want a string, got %s", i, kind(x))}
			}
			out = append(out, s)
		}
	default:
		return nil, &fieldError{names[0], "want a string or a list of strings, got " + kind(v)}
	}
	var clean []string
	for _, s := range out {
		if s = strings.TrimSpace(s); s != "" {
			clean = append(clean, s)
		}
	}
	if required && len(clean) == 0 {
		return nil, &fieldError{names[0], "empty"}
	}
	return clean, nil
}

// flag reads a boolean field that catalogs write as true/false or as the
// strings "yes"/"no"/"true"/"false" (absent: false).
func flag(o *object, names ...string) (bool, error) {
	v, ok := o.get(names...)
	if !ok || v == nil {
		return false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "yes", "true", "y", "1":
			return true, nil
		case "no", "false", "n", "0", "":
			return false, nil
		}
	}
	return false, &fieldError{names[0], "want true/false or \"yes\"/\"no\", got " + kind(v)}
}
