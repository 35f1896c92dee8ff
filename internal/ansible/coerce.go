package ansible

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The type checks below follow ansible-core's module_utils/common/validation.py
// (check_type_str, check_type_bool, …). Their error texts are Python's, because
// users search for them. Values are JSON values decoded with UseNumber:
// string, json.Number, bool, nil, []any, map[string]any; converted values are
// string, bool, int, float64, []any, map[string]any.

// convert coerces v to an Ansible type. lookupEnv is used by "path" only.
func convert(typ string, v any, lookupEnv func(string) (string, bool)) (any, error) {
	switch typ {
	case "str":
		return toStr(v), nil
	case "path":
		return expandPath(toStr(v), lookupEnv), nil
	case "bool":
		return toBool(v)
	case "int":
		return toInt(v)
	case "float":
		return toFloat(v)
	case "list":
		return toList(v)
	case "dict":
		return toDict(v)
	case "raw", "":
		return v, nil
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

// convertElements converts every element of a list (defaults only; option
// values are converted element by element to report which one failed).
func convertElements(typ string, l []any) ([]any, error) {
	out := make([]any, len(l))
	for i, e := range l {
		c, err := convert(typ, e, nil)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// toStr is Python's str() of a JSON value, as check_type_str converts.
func toStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyStr(v)
}

// booleansTrue and booleansFalse are convert_bool.BOOLEANS_TRUE/FALSE.
var (
	booleansTrue  = []string{"y", "yes", "on", "1", "true", "t"}
	booleansFalse = []string{"n", "no", "off", "0", "false", "f"}
)

// errNotBool is convert_bool.boolean's TypeError.
func errNotBool(v any) error {
	return fmt.Errorf("The value '%s' is not a valid boolean.  Valid booleans include: "+
		"'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, True, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0, False", toStr(v))
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		for _, t := range booleansTrue {
			if s == t {
				return true, nil
			}
		}
		for _, f := range booleansFalse {
			if s == f {
				return false, nil
			}
		}
		return nil, errNotBool(v)
	case json.Number, int, float64:
		f, _ := numberValue(x)
		switch f {
		case 1:
			return true, nil
		case 0:
			return false, nil
		}
		return nil, errNotBool(v)
	}
	return nil, fmt.Errorf("%s cannot be converted to a bool", pyType(v))
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case bool: // a Python bool is an int
		if x {
			return 1, nil
		}
		return 0, nil
	case int:
		return x, nil
	case json.Number:
		if isIntLiteral(string(x)) {
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err == nil {
				return int(n), nil
			}
			if errors.Is(err, strconv.ErrRange) {
				return nil, errIntRange(string(x))
			}
		}
	case string:
		n, ok, big := parsePyInt(x)
		if ok {
			return n, nil
		}
		if big {
			return nil, errIntRange(strings.TrimSpace(x))
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to an int", pyType(v))
}

// errIntRange refuses an integer a 64-bit int cannot hold (Python's int
// could; no option of this collection needs one).
func errIntRange(digits string) error {
	return fmt.Errorf("%s is out of range (%d to %d)", digits, math.MinInt64, math.MaxInt64)
}

// fitKind refuses a converted int or float that a Go field of kind k cannot
// hold (an int8, a uint, a float32 …), so that no value wraps or fails to
// decode later.
func fitKind(v any, k reflect.Kind) error {
	var lo, hi int64
	switch k {
	case reflect.Int8:
		lo, hi = math.MinInt8, math.MaxInt8
	case reflect.Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case reflect.Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	case reflect.Uint8:
		hi = math.MaxUint8
	case reflect.Uint16:
		hi = math.MaxUint16
	case reflect.Uint32:
		hi = math.MaxUint32
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		hi = math.MaxInt64
	case reflect.Float32:
		if f, ok := v.(float64); ok && math.Abs(f) > math.MaxFloat32 {
			return fmt.Errorf("%s is out of range (-%g to %g)", pyFloat(f), math.MaxFloat32, math.MaxFloat32)
		}
		return nil
	default:
		return nil
	}
	if n, ok := v.(int); ok && (int64(n) < lo || int64(n) > hi) {
		return fmt.Errorf("%d is out of range (%d to %d)", n, lo, hi)
	}
	return nil
}

func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil && !math.IsInf(f, 0) {
			return f, nil
		}
	case string:
		// Python's float() accepts surrounding blanks and underscores between
		// digits. "inf" and "nan" are refused here: JSON cannot carry them.
		s := strings.TrimSpace(x)
		if validUnderscores(s) {
			s = strings.ReplaceAll(s, "_", "")
			if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) &&
				!strings.ContainsAny(s, "xXpP") {
				return f, nil
			}
		}
	}
	return nil, fmt.Errorf("%s cannot be converted to a float", pyType(v))
}

// toList is check_type_list: a comma-separated string is split (without
// trimming, as Python's str.split does), a number becomes a one-item list.
func toList(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case string:
		parts := strings.Split(x, ",")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case json.Number, int, float64, bool:
		return []any{pyStr(x)}, nil
	}
	return nil, fmt.Errorf("%s cannot be converted to a list", pyType(v))
}

// toDict is check_type_dict: a JSON object string or "k1=v1, k2=v2".
func toDict(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		if strings.HasPrefix(x, "{") {
			d := json.NewDecoder(strings.NewReader(x))
			d.UseNumber()
			var m map[string]any
			if err := d.Decode(&m); err != nil || d.More() {
				// Python falls back to literal_eval here; we accept JSON only.
				return nil, errors.New("unable to evaluate string as dictionary")
			}
			return m, nil
		}
		if strings.Contains(x, "=") {
			return parseKeyValue(x)
		}
		return nil, errors.New("dictionary requested, could not parse JSON or key=value")
	}
	return nil, fmt.Errorf("%s cannot be converted to a dict", pyType(v))
}

// parseKeyValue splits "k1=v1 k2='v 2', k3=v\,3" into a dict, with
// check_type_dict's rules: fields end at unquoted blanks or commas, quotes
// group, a backslash escapes the next character.
func parseKeyValue(s string) (any, error) {
	var fields []string
	var buf strings.Builder
	var quote rune
	escape := false
	flush := func() {
		if buf.Len() > 0 {
			fields = append(fields, buf.String())
		}
		buf.Reset()
	}
	for _, c := range strings.TrimSpace(s) {
		switch {
		case escape:
			buf.WriteRune(c)
			escape = false
		case c == '\\':
			escape = true
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == ',' || c == ' '):
			flush()
		default:
			buf.WriteRune(c)
		}
	}
	flush()
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			// Python: dict() of a 1-element sequence raises ValueError.
			return nil, fmt.Errorf("dictionary update sequence element #%d has length 1; 2 is required", len(m))
		}
		m[k] = val
	}
	return m, nil
}

var envVar = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// expandPath is check_type_path: os.path.expanduser(os.path.expandvars(v)).
// Unknown variables stay as written, as Python leaves them.
func expandPath(p string, lookupEnv func(string) (string, bool)) string {
	if lookupEnv == nil {
		return p
	}
	p = envVar.ReplaceAllStringFunc(p, func(m string) string {
		name := strings.Trim(m[1:], "{}")
		if v, ok := lookupEnv(name); ok {
			return v
		}
		return m
	})
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, ok := lookupEnv("HOME"); ok {
			p = strings.TrimSuffix(home, "/") + p[1:]
			if p == "" {
				p = "/"
			}
		}
	}
	return p
}

// isIntLiteral reports whether a JSON number literal is an integer (Python's
// json module decodes it to int, not float).
func isIntLiteral(s string) bool {
	return !strings.ContainsAny(s, ".eE")
}

// parsePyInt is Python's int(str): blanks around, an optional sign, decimal
// digits with single underscores between them.
// big is true when s is such an integer but too large for an int64.
func parsePyInt(s string) (n int, ok, big bool) {
	s = strings.TrimSpace(s)
	if !validUnderscores(s) {
		return 0, false, false
	}
	s = strings.ReplaceAll(s, "_", "")
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, errors.Is(err, strconv.ErrRange)
	}
	return int(i), true, false
}

// validUnderscores reports whether every underscore in s sits between two digits.
func validUnderscores(s string) bool {
	for i := range len(s) {
		if s[i] != '_' {
			continue
		}
		if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// numberValue returns the numeric value of a JSON number, int or float64.
func numberValue(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// pyType is Python's type(v) as it prints, for JSON values.
func pyType(v any) string {
	name := "NoneType"
	switch x := v.(type) {
	case string:
		name = "str"
	case bool:
		name = "bool"
	case int:
		name = "int"
	case float64:
		name = "float"
	case json.Number:
		name = "float"
		if isIntLiteral(string(x)) {
			name = "int"
		}
	case []any:
		name = "list"
	case map[string]any:
		name = "dict"
	}
	return fmt.Sprintf("<class '%s'>", name)
}

// pyStr is Python's str(v) for JSON values.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr is Python's repr(v) for JSON values.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return pyQuote(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloat(x)
	case json.Number:
		if isIntLiteral(string(x)) {
			return string(x)
		}
		f, err := x.Float64()
		if err != nil {
			return string(x)
		}
		return pyFloat(f)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // Python keeps insertion order; JSON objects have none here.
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyQuote quotes a string as Python's repr does (single quotes unless the
// string holds a single quote and no double quote).
func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyFloat is Python's repr of a float: shortest digits, always a decimal
// point or an exponent, exponent form outside [1e-4, 1e16).
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = "0" + exp
		}
		return mant + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
