package ansible

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"
)

// The validate tag's rules are go-playground/validator's, run by the
// validator itself on each option's converted value (and, after "dive", on
// each element of a list). Beside its rules, the framework registers its own
// (newValidator):
//
//	nocontrol       a string without control characters (CR, LF, tab, NUL, DEL, C1 …)
//	regular_file    a path that names an existing regular file (not a directory,
//	                FIFO, device or socket); symlinks are followed
//	max_bytes=N     a path that names a regular file of at most N bytes
//	nouserinfo      a URL without user info (user:password@); the password of
//	                such a URL is scrubbed from the output as a no_log value
//
// A tag is checked when the module's spec is built (its first run): an
// unknown rule, a parameter the rule cannot read, a rule that cannot apply to
// the option's Go type, or a rule that compares with another struct field
// (those belong in Rules or Check) is a spec error.

// newValidator returns a validator with the framework's rules registered.
func newValidator() (*validator.Validate, error) {
	v := validator.New()
	for name, fn := range map[string]validator.Func{
		"nocontrol":    noControl,
		"regular_file": regularFile,
		"max_bytes":    maxBytes,
		"nouserinfo":   noUserinfo,
	} {
		if err := v.RegisterValidation(name, fn); err != nil {
			return nil, fmt.Errorf("register validate rule %s: %w", name, err)
		}
	}
	return v, nil
}

// stringField returns the field's string, panicking as the validator's own
// rules do for another kind (the spec check turns the panic into an error).
func stringField(fl validator.FieldLevel) string {
	f := fl.Field()
	if f.Kind() != reflect.String {
		panic(fmt.Sprintf("Bad field type %s", f.Type()))
	}
	return f.String()
}

// noControl is the nocontrol rule.
func noControl(fl validator.FieldLevel) bool {
	_, found := firstControl(stringField(fl))
	return !found
}

// firstControl finds the first control character of s and its 1-based
// position in characters.
func firstControl(s string) (pos int, found bool) {
	i := 0
	for _, r := range s {
		i++
		if unicode.IsControl(r) {
			return i, true
		}
	}
	return 0, false
}

// regularFile is the regular_file rule.
func regularFile(fl validator.FieldLevel) bool {
	return fileProblem(stringField(fl), -1) == ""
}

// maxBytes is the max_bytes=N rule.
func maxBytes(fl validator.FieldLevel) bool {
	limit, err := strconv.ParseInt(fl.Param(), 0, 64)
	if err != nil || limit < 0 {
		panic(fmt.Sprintf("max_bytes=%s: the parameter is not a number of bytes", fl.Param()))
	}
	return fileProblem(stringField(fl), limit) == ""
}

// fileProblem says why path is not a regular file of at most limit bytes
// (no limit when limit < 0), or "" when it is one.
func fileProblem(path string, limit int64) string {
	if path == "" {
		return "no path given"
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	case err != nil:
		return "cannot be read: " + err.Error()
	}
	if p := infoProblem(fi, limit); p != "" {
		return p
	}
	// A regular file (never a FIFO: opening one could block) that stat can
	// see may still be unreadable to this user.
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return "permission denied"
		}
		return "cannot be read: " + err.Error()
	}
	f.Close()
	return ""
}

// infoProblem is fileProblem for a file already looked at.
func infoProblem(fi os.FileInfo, limit int64) string {
	m := fi.Mode()
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case !m.IsRegular():
		return "not a regular file"
	case limit >= 0 && fi.Size() > limit:
		return fmt.Sprintf("%d bytes, more than %d", fi.Size(), limit)
	}
	return ""
}

// noUserinfo is the nouserinfo rule.
func noUserinfo(fl validator.FieldLevel) bool {
	_, _, found := userinfo(stringField(fl))
	return !found
}

// userinfo finds the user info of a URL written scheme://user:password@host/…:
// the whole user info and the password as written (still percent-encoded,
// "" when there is none). It reads the text itself rather than
// url.Parse, so that a URL Go refuses is still found and masked.
func userinfo(s string) (info, password string, found bool) {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", false
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", "", false
	}
	info = rest[:at]
	_, password, _ = strings.Cut(info, ":")
	return info, password, true
}

// redactURL masks the password of a URL's user info.
func redactURL(s string) string {
	info, password, found := userinfo(s)
	if !found || password == "" {
		return s
	}
	user, _, _ := strings.Cut(info, ":")
	return strings.Replace(s, info+"@", user+":"+noLogMask+"@", 1)
}

// crossField lists the validator rules that compare with another struct
// field: the framework validates each option alone, so they cannot work.
func crossField(rule string) bool {
	return strings.HasSuffix(rule, "field") || strings.HasPrefix(rule, "required_") ||
		strings.HasPrefix(rule, "excluded_") || rule == "skip_unless" || rule == "fieldcontains" ||
		rule == "fieldexcludes"
}

// checkTag makes the validator read tag now, rule by rule, with the zero
// value of t (for an any field: a string, an int, a float and a list, one of
// which must work), so that a tag error is a spec error at the module's
// first run rather than a panic, or a rule that never runs, later.
func checkTag(v *validator.Validate, tag string, t reflect.Type) error {
	if tag == "" {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	samples := []any{reflect.Zero(t).Interface()}
	if t == typeAny {
		samples = []any{"", 0, 0.0, []any{}}
	}
	for _, term := range strings.Split(tag, ",") {
		name, _, hasParam := strings.Cut(term, "=")
		switch {
		case name == "dive":
			return fmt.Errorf("validate tag %q: dive inside a list element (lists of lists are not supported)", tag)
		case name == "required" || name == "omitempty" || name == "omitnil":
			if hasParam {
				return fmt.Errorf("validate tag %q: %s takes no parameter", tag, name)
			}
			continue
		case name == "keys" || name == "endkeys":
			return fmt.Errorf("validate tag %q: %s is not supported (give the dict suboptions instead)", tag, name)
		case crossField(name):
			return fmt.Errorf("validate tag %q: %s compares with another field; say it with Rules() or Check()", tag, name)
		}
		for _, alt := range strings.Split(term, "|") {
			var err error
			for _, s := range samples {
				if err = tryRule(v, s, alt); err == nil {
					break
				}
			}
			if err != nil {
				return fmt.Errorf("validate tag %q: %w", tag, err)
			}
		}
	}
	return nil
}

// tryRule runs one rule on val and turns the validator's panic (unknown
// rule, unreadable parameter, value of a kind the rule cannot check) into an
// error. A value that merely fails the rule is no error.
func tryRule(v *validator.Validate, val any, rule string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = ruleError(rule, val, r)
		}
	}()
	_ = v.Var(val, rule)
	return nil
}

// ruleError words a validator panic.
func ruleError(rule string, val any, r any) error {
	name, _, _ := strings.Cut(rule, "=")
	msg := fmt.Sprint(r)
	switch {
	case strings.HasPrefix(msg, "Undefined validation function"):
		return fmt.Errorf("unknown rule %q (known: go-playground/validator's rules and nocontrol, regular_file, max_bytes, nouserinfo)", name)
	case strings.HasPrefix(msg, "Bad field type"):
		return fmt.Errorf("%s does not apply to a %s", name, kindName(val))
	}
	return fmt.Errorf("%s: %s", rule, msg)
}

// kindName is the Go kind of a value, for messages.
func kindName(val any) string {
	if val == nil {
		return "null"
	}
	return reflect.TypeOf(val).Kind().String()
}

// runRules checks val with tag and returns the message Ansible users see,
// or "" when it passes.
func runRules(v *validator.Validate, name string, val any, tag string) (msg string) {
	if tag == "" {
		return ""
	}
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("value of %s cannot be checked with %q: %v", name, tag, ruleError(tag, val, r))
		}
	}()
	err := v.Var(val, tag)
	if err == nil {
		return ""
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return fmt.Sprintf("value of %s: %v", name, err)
	}
	return tagMessage(name, val, ves[0].Tag(), ves[0].Param())
}

// ruleWords says what some of the validator's rules ask for, in words a user
// can act on.
var ruleWords = map[string]string{
	"url":           "a URL (scheme://host/path)",
	"http_url":      "an http:// or https:// URL",
	"https_url":     "an https:// URL",
	"uri":           "a URI",
	"hostname":      "a host name",
	"fqdn":          "a fully qualified domain name",
	"hostname_port": "host:port (a host name or IP address, a colon and a port number)",
	"ip":            "an IP address",
	"ipv4":          "an IPv4 address",
	"ipv6":          "an IPv6 address",
	"uuid":          "a UUID (8-4-4-4-12 hexadecimal digits)",
	"datetime":      "a date and time in Go's layout ",
	"startswith":    "text starting with ",
	"endswith":      "text ending with ",
	"contains":      "text containing ",
	"excludes":      "text without ",
	"alphanum":      "letters and digits only",
	"numeric":       "a number",
	"ascii":         "ASCII text",
	"printascii":    "printable ASCII text",
}

// tagMessage words a failed rule in Ansible's style: "value of X must …, got: V".
func tagMessage(name string, val any, rule, p string) string {
	s, isString := val.(string)
	switch rule {
	case "nocontrol":
		pos, _ := firstControl(s)
		r := []rune(s)[pos-1]
		return fmt.Sprintf("value of %s must not contain control characters (CR, LF, tab, …), got: %s "+
			"(character %d is %s); remove them", name, pyQuote(s), pos, pyQuote(string(r)))
	case "regular_file", "max_bytes":
		limit := int64(-1)
		what := "a regular file (not a directory, pipe or device)"
		if rule == "max_bytes" {
			limit, _ = strconv.ParseInt(p, 0, 64)
			what = fmt.Sprintf("a regular file of at most %s bytes", p)
		}
		return fmt.Sprintf("value of %s must be %s, got: %s (%s); give the path of a file this host can read",
			name, what, s, fileProblem(s, limit))
	case "nouserinfo":
		return fmt.Sprintf("value of %s must not contain user info (user:password@), got: %s; "+
			"give username and password as options instead", name, redactURL(s))
	case "required":
		return fmt.Sprintf("value of %s must not be empty", name)
	}
	var unit, what string
	switch val.(type) {
	case string:
		unit = " characters long"
	case []any:
		unit = " elements"
	case map[string]any:
		unit = " keys"
	}
	switch rule {
	case "min", "gte":
		what = "at least " + p + unit
	case "max", "lte":
		what = "at most " + p + unit
	case "len":
		what = "exactly " + p + unit
	case "gt":
		what = "more than " + p + unit
	case "lt":
		what = "less than " + p + unit
	default:
		if w, ok := ruleWords[rule]; ok {
			what = w
			if strings.HasSuffix(w, " ") {
				what += pyQuote(p)
			}
		} else {
			what = "a valid " + rule
			if p != "" {
				what += "=" + p
			}
		}
	}
	got := pyStr(val)
	switch v := val.(type) {
	case []any:
		got = fmt.Sprintf("%d elements", len(v))
	case map[string]any:
		got = fmt.Sprintf("%d keys", len(v))
	case string:
		if unit != "" && isBoundRule(rule) {
			got = fmt.Sprintf("%s (%d characters)", v, len([]rune(v)))
		}
	}
	if isString && strings.ContainsFunc(s, unicode.IsControl) {
		got = pyQuote(s)
	}
	return fmt.Sprintf("value of %s must be %s, got: %s", name, what, got)
}

// isBoundRule reports whether rule compares a length or a number.
func isBoundRule(rule string) bool {
	switch rule {
	case "min", "max", "len", "gt", "gte", "lt", "lte":
		return true
	}
	return false
}
