package ansible

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

// Module is one Ansible module of a binary. New makes one; Dispatch runs the
// one Ansible asked for.
type Module interface {
	// Name is the module's short name ("update_info"), the last part of its
	// fully qualified name.
	Name() string
	// Spec describes the module's options, as its argument struct's tags do.
	Spec() []Option
	// Execute runs the module on the content of an arguments file, writes one
	// JSON object to stdout and returns the exit code (1 when failed). It reads
	// environment fallbacks from the process environment; ExecuteIn takes them
	// from a Host.
	Execute(ctx context.Context, argsJSON []byte, stdout io.Writer) int
	// ExecuteIn is Execute with the output streams and environment of h
	// (h.Args and h.Signals are not used: Dispatch handles them).
	ExecuteIn(ctx context.Context, argsJSON []byte, h Host) int
}

// Run is what a module knows about its invocation, and how it adds warnings
// and secrets to its result. It is safe for concurrent use.
type Run struct {
	// CheckMode is true under --check: report what would change, write nothing.
	CheckMode bool
	// Diff is true under --diff: a Result's diff is shown only then.
	Diff bool
	// Verbosity is the number of -v given to Ansible.
	Verbosity int
	// ModuleName is the name Ansible called the module by (often fully
	// qualified, "fleetfw.ilo.update_info"), or the module's Name.
	ModuleName string

	mu       sync.Mutex
	warnings []string
	secrets  []string
}

// Warn adds a warning to the result (Ansible prints it in purple).
func (r *Run) Warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// Secret marks a value learned at run time (a session token, say) so that it
// is scrubbed from the output like a no_log option. Empty values are ignored.
func (r *Run) Secret(value string) {
	if value == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, value)
}

// Diff is a result's diff, shown by Ansible under --diff.
type Diff struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// New makes a module named name that runs run on arguments decoded into A.
// A is a struct whose tags form the argument spec (see the package comment);
// R is marshalled as the result and should have `json:"changed"` and, for
// --diff, a `json:"diff"` field. A spec error (a bad tag) makes every
// execution fail with a message naming it; Spec returns nil then.
func New[A any, R any](name string, run func(context.Context, *Run, *A) (R, error), opts ...ModuleOption) Module {
	m := &module[A, R]{name: name, run: run}
	for _, o := range opts {
		o(&m.cfg)
	}
	return m
}

// ModuleOption changes how New builds a module.
type ModuleOption func(*moduleConfig)

type moduleConfig struct {
	concurrent bool
}

// Concurrent marks a module that works on many iLOs at once: Dispatch
// leaves it every CPU of the controller, where the others run their Go code
// on one thread (Host.SetMaxProcs).
func Concurrent() ModuleOption {
	return func(c *moduleConfig) { c.concurrent = true }
}

// isConcurrent tells whether m was built with Concurrent.
func isConcurrent(m Module) bool {
	c, ok := m.(interface{ concurrent() bool })
	return ok && c.concurrent()
}

func (m *module[A, R]) concurrent() bool { return m.cfg.concurrent }

// load builds the validator and the argument spec on first use: the binary
// registers every module but runs one, so the others cost nothing at start.
func (m *module[A, R]) load() {
	m.once.Do(func() {
		m.v, m.specErr = newValidator()
		if m.specErr == nil {
			m.spec, m.specErr = buildSpec(reflect.TypeFor[A](), m.v)
		}
	})
}

type module[A any, R any] struct {
	name    string
	run     func(context.Context, *Run, *A) (R, error)
	cfg     moduleConfig
	once    sync.Once
	v       *validator.Validate
	spec    *structSpec
	specErr error
}

func (m *module[A, R]) Name() string { return m.name }

func (m *module[A, R]) Spec() []Option {
	m.load()
	if m.spec == nil {
		return nil
	}
	return m.spec.options()
}

func (m *module[A, R]) Execute(ctx context.Context, argsJSON []byte, stdout io.Writer) int {
	return m.ExecuteIn(ctx, argsJSON, Host{Stdout: stdout, LookupEnv: os.LookupEnv})
}

func (m *module[A, R]) ExecuteIn(ctx context.Context, argsJSON []byte, h Host) int {
	resp := &response{}
	m.execute(ctx, argsJSON, h, resp)
	return resp.write(h.Stdout)
}

// execute does the work of ExecuteIn, filling resp.
func (m *module[A, R]) execute(ctx context.Context, argsJSON []byte, h Host, resp *response) {
	m.load()
	params, meta, err := splitArgs(argsJSON)
	if err != nil {
		resp.fail(fmt.Errorf("read module arguments: %w", err))
		return
	}
	if m.specErr != nil {
		resp.fail(fmt.Errorf("module %s has a bad argument spec: %w", m.name, m.specErr))
		return
	}
	c := &validation{lookupEnv: h.LookupEnv, v: m.v}
	// Secrets first, so that even a failure on the _ansible_* keys is scrubbed.
	c.rawSecrets(m.spec, params)
	run := &Run{ModuleName: m.name}
	if err := meta.apply(run); err != nil {
		resp.secrets = c.secrets
		resp.fail(err)
		return
	}
	resp.diff, resp.noLog = run.Diff, meta.noLog

	c.check(m.spec, params, nil, "")
	resp.invocation = params
	resp.secrets = c.secrets
	resp.warnings = c.warnings
	if msg := c.firstError(run.ModuleName, meta.ignoreUnknownOpts); msg != "" {
		resp.fail(errors.New(msg)) // validation errors fail even in check mode
		return
	}

	a := new(A)
	if err := decode(params, a); err != nil {
		resp.fail(fmt.Errorf("decode module arguments: %w", err))
		return
	}
	if err := runChecks(reflect.ValueOf(a).Elem(), nil); err != nil {
		resp.fail(err)
		return
	}

	res, err, stack := m.call(ctx, run, a)
	run.mu.Lock()
	resp.warnings = append(resp.warnings, run.warnings...)
	resp.secrets = append(resp.secrets, run.secrets...)
	run.mu.Unlock()
	if err := resp.setResult(res); err != nil {
		resp.fail(fmt.Errorf("encode module result: %w", err))
		return
	}
	if stack != nil && run.Verbosity >= 3 && !meta.noLog && h.Stderr != nil {
		_, _ = io.WriteString(h.Stderr, newScrubber(resp.secrets).string(string(stack)))
	}
	if err != nil {
		var intr *Interrupted
		if errors.As(context.Cause(ctx), &intr) && !errors.Is(err, intr) {
			err = fmt.Errorf("%w: %w", intr, err)
		}
		resp.fail(err)
	}
}

// call runs the module, turning a panic into an error (and its stack).
func (m *module[A, R]) call(ctx context.Context, run *Run, a *A) (res R, err error, stack []byte) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("module panicked: %v", r)
			stack = debug.Stack()
		}
	}()
	res, err = m.run(ctx, run, a)
	return res, err, nil
}

// decode stores validated parameters in the argument struct.
func decode(params map[string]any, a any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, a)
}

// runChecks calls Check on the argument struct, its embedded structs and its
// suboption structs, innermost first, each once (a struct that only promotes
// an embedded struct's Check is not checked again), and words the first
// failure with the suboption's path.
func runChecks(v reflect.Value, path []string) error {
	t := v.Type()
	embedded := false // an embedded struct with a Check was checked
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if name == "" {
			name = f.Name
		}
		sub := path
		if !f.Anonymous {
			sub = append(append([]string(nil), path...), name)
		}
		if err := checkValue(fv, sub); err != nil {
			return err
		}
		if f.Anonymous && checkedStruct(fv) {
			embedded = true
		}
	}
	// A Check the struct only promotes from an embedded struct ran above.
	if c, ok := v.Addr().Interface().(checker); ok && !(embedded && promotedCheck(t)) {
		if err := c.Check(); err != nil {
			return fmt.Errorf("%w%s", err, foundIn(path))
		}
	}
	return nil
}

// checkedStruct reports whether runChecks visited v, an embedded field, as
// a struct with a Check of its own or promoted (a nil pointer is skipped).
func checkedStruct(v reflect.Value) bool {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || !v.CanAddr() {
		return false
	}
	_, ok := v.Addr().Interface().(checker)
	return ok
}

// promotedCheck reports whether struct type t has Check only by promotion
// from an embedded field, not declared on t: the method Go gives t for a
// promoted one is a wrapper the compiler generates ("<autogenerated>").
// When that cannot be told, it says declared, so that Check runs (twice
// rather than never).
func promotedCheck(t reflect.Type) bool {
	m, ok := t.MethodByName("Check")
	if !ok {
		m, ok = reflect.PointerTo(t).MethodByName("Check")
	}
	if !ok {
		return false
	}
	pc := m.Func.Pointer()
	f := runtime.FuncForPC(pc)
	if f == nil {
		return false
	}
	file, _ := f.FileLine(pc)
	return file == "<autogenerated>"
}

func checkValue(v reflect.Value, path []string) error {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		return runChecks(v, path)
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkValue(v.Index(i), path); err != nil {
				return err
			}
		}
	}
	return nil
}

// meta holds the _ansible_* keys the framework honours.
type meta struct {
	raw               map[string]any
	noLog             bool
	ignoreUnknownOpts bool
}

// splitArgs decodes an arguments file and separates the _ansible_* keys.
func splitArgs(argsJSON []byte) (map[string]any, meta, error) {
	d := json.NewDecoder(bytes.NewReader(argsJSON))
	d.UseNumber()
	var all map[string]any
	if err := d.Decode(&all); err != nil {
		return nil, meta{}, err
	}
	if all == nil {
		return nil, meta{}, errors.New("arguments are not a JSON object")
	}
	m := meta{raw: map[string]any{}}
	params := map[string]any{}
	for k, v := range all {
		if strings.HasPrefix(k, "_ansible_") {
			m.raw[strings.TrimPrefix(k, "_ansible_")] = v
		} else {
			params[k] = v
		}
	}
	return params, m, nil
}

// apply sets the Run fields from the _ansible_* keys (AnsibleModule's
// PASS_VARS; booleans are converted with Ansible's boolean(), and an invalid
// one fails as it does there). Keys it does not know are ignored.
func (m *meta) apply(r *Run) error {
	flag := func(key string) (bool, error) {
		v, ok := m.raw[key]
		if !ok || v == nil {
			return false, nil
		}
		b, err := toBool(v)
		if err != nil {
			return false, err
		}
		return b.(bool), nil
	}
	var err error
	if r.CheckMode, err = flag("check_mode"); err != nil {
		return err
	}
	if r.Diff, err = flag("diff"); err != nil {
		return err
	}
	if m.noLog, err = flag("no_log"); err != nil {
		return err
	}
	if m.ignoreUnknownOpts, err = flag("ignore_unknown_opts"); err != nil {
		return err
	}
	if v, ok := m.raw["verbosity"]; ok {
		if n, err := toInt(v); err == nil {
			r.Verbosity = n.(int)
		}
	}
	if s, ok := m.raw["module_name"].(string); ok && s != "" {
		r.ModuleName = s
	}
	return nil
}
