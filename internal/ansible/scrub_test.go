package ansible

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// leakError carries a secret in its message and in nested error_info values.
type leakError struct{ forms []string }

func (e *leakError) Error() string { return "iLO said: " + strings.Join(e.forms, " | ") }
func (e *leakError) ErrorInfo() map[string]any {
	return map[string]any{"body": map[string]any{"echo": e.forms, "deep": []any{map[string]any{"v": e.forms[0]}}}}
}

type leakArgs struct {
	ImageURI string `json:"image_uri" no_log:"userinfo"`
	Password string `json:"password" no_log:"true"`
	Emit     string `json:"emit"`
}

type leakResult struct {
	Changed bool     `json:"changed"`
	Seen    []string `json:"seen"`
}

// TestSecretForms: a no_log value or a Run.Secret value is scrubbed from
// msg, warnings, result and error_info also when it is written JSON-escaped
// or URL-encoded.
func TestSecretForms(t *testing.T) {
	const secret = `p@ss/w"rd é&<x>+?`
	goJSON := `p@ss/w\"rd é&<x>+?`
	forms := map[string]string{
		"as is":                 secret,
		"JSON":                  goJSON,
		"JSON, HTML-escaped":    `p@ss/w\"rd é\u0026\u003cx\u003e+?`,
		"JSON, ASCII (Python)":  `p@ss/w\"rd \u00e9&<x>+?`,
		"query escaped":         url.QueryEscape(secret),
		"path escaped":          url.PathEscape(secret),
		"user info escaped":     strings.TrimPrefix(url.UserPassword("", secret).String(), ":"),
		"query escaped, lower":  strings.ToLower(url.QueryEscape(secret)),
		"path escaped, in text": "GET /x/" + url.PathEscape(secret) + "/y",
	}
	for _, via := range []string{"run secret", "no_log option"} {
		for name, form := range forms {
			t.Run(via+"/"+name, func(t *testing.T) {
				m := New("leak", func(_ context.Context, r *Run, a *leakArgs) (leakResult, error) {
					if via == "run secret" {
						r.Secret(secret)
					}
					r.Warn("saw %s", a.Emit)
					return leakResult{Seen: []string{a.Emit}}, &leakError{forms: []string{a.Emit}}
				})
				args := `{"emit": ` + jsonString(form) + `}`
				if via == "no_log option" {
					args = `{"emit": ` + jsonString(form) + `, "password": ` + jsonString(secret) + `}`
				}
				var out strings.Builder
				m.Execute(context.Background(), []byte(args), &out)
				got := out.String()
				// The output is JSON: look for the form as Go would write it
				// there, and as it is.
				for _, h := range []string{form, strings.Trim(jsonString(form), `"`), "é&<x>"} {
					if strings.Contains(got, h) {
						t.Errorf("output contains %q: %s", h, got)
					}
				}
				assertJSON(t, got, map[string]string{"failed": "true"}, nil, nil)
				for _, path := range []string{"msg", "warnings.0", "seen.0", "error_info.body.echo.0", "error_info.body.deep.0.v"} {
					if v := gjsonString(got, path); !strings.Contains(v, noLogMask) && v != noLogPlaceholder {
						t.Errorf("%s = %q, want it masked", path, v)
					}
				}
			})
		}
	}
}

// TestUserinfoMasked: the password of a no_log:"userinfo" URL option is
// masked in invocation.module_args and in msg, as written and decoded; the
// rest of the URL stays readable.
func TestUserinfoMasked(t *testing.T) {
	tests := []struct {
		name, uri, hide, wantArg string
	}{
		{"plain", "https://fw:pa55word@repo.example.com/x.bin", "pa55word", "https://fw:********@repo.example.com/x.bin"},
		{"escaped", "https://fw:pa%40ss%2Fword@repo.example.com/x.bin", "pa@ss/word", "https://fw:********@repo.example.com/x.bin"},
		{"no password", "https://fw@repo.example.com/x.bin", "", "https://fw@repo.example.com/x.bin"},
		{"none", "https://repo.example.com/a:b@c", "", "https://repo.example.com/a:b@c"},
	}
	m := New("fw", func(_ context.Context, _ *Run, a *leakArgs) (leakResult, error) {
		u, err := url.Parse(a.ImageURI)
		if err != nil {
			return leakResult{}, err
		}
		p, _ := u.User.Password()
		return leakResult{}, errors.New("cannot fetch " + a.ImageURI + " with password " + p)
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			m.Execute(context.Background(), []byte(`{"image_uri": `+jsonString(tt.uri)+`}`), &out)
			got := out.String()
			want := map[string]string{"invocation.module_args.image_uri": jsonString(tt.wantArg)}
			var hidden []string
			if tt.hide != "" {
				hidden = []string{tt.hide, url.PathEscape(tt.hide)}
				want["msg"] = jsonString("cannot fetch " + tt.wantArg + " with password ********")
			}
			assertJSON(t, got, want, nil, hidden)
		})
	}
}

// TestArgsFileRefused: an arguments file that is not a regular file, or is
// over the cap, gives a JSON failure without being read (a FIFO with no
// writer would block a plain read forever; /dev/zero would never end).
func TestArgsFileRefused(t *testing.T) {
	d := t.TempDir()
	fifo := filepath.Join(d, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(d, "huge")
	if err := os.WriteFile(huge, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, MaxArgsFileBytes+1); err != nil {
		t.Fatal(err)
	}
	atCap := filepath.Join(d, "at-cap")
	body := `{"data": "x"}`
	if err := os.WriteFile(atCap, []byte(body+strings.Repeat(" ", MaxArgsFileBytes-len(body))), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string // want: substring of msg; "" when the module runs
	}{
		{"directory", d, d + ": a directory; the arguments file must be a regular file of at most 16777216 bytes"},
		{"FIFO", fifo, fifo + ": a named pipe (FIFO); the arguments file must be"},
		{"character device", "/dev/zero", "/dev/zero: a character device; the arguments file must be"},
		{"over the cap", huge, huge + ": 16777217 bytes, more than 16777216; the arguments file must be"},
		{"at the cap", atCap, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			code := Host{Args: []string{"ping", tt.path}, Stdout: &out}.Dispatch(pingModule)
			if tt.want == "" {
				assertJSON(t, out.String(), map[string]string{"ping": `"x"`}, nil, nil)
				return
			}
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			assertJSON(t, out.String(), map[string]string{"failed": "true", "changed": "false"}, nil, nil)
			if msg := gjsonString(out.String(), "msg"); !strings.Contains(msg, "read arguments file: "+tt.want) {
				t.Errorf("msg %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}
