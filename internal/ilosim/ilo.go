package ilosim

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Default values of the options.
const (
	DefaultUsername    = "admin"
	DefaultPassword    = "password"
	DefaultSessionCap  = 16
	DefaultIdleTimeout = 30 * time.Minute
	DefaultDarkTime    = 90 * time.Second
	// DefaultILOResetDelay is how long State reads Complete after an iLO
	// self-flash before the iLO resets (issue 13: long enough for a client
	// polling every 8 s to see it).
	DefaultILOResetDelay  = 10 * time.Second
	DefaultRepositorySize = 1073168384 // TotalSizeBytes in every capture ("1 GiB")
	// MaxPostBytes is iLO's limit for one component part per POST (32 MiB).
	MaxPostBytes = 33554432
)

// Privileges a simulated user may hold (HpeiLOSession Oem.Hpe.Privileges names).
const (
	PrivLogin          = "LoginPriv"
	PrivConfigureILO   = "iLOConfigPriv"
	PrivRecoverySet    = "SystemRecoveryConfigPriv"
	PrivConfigureUsers = "UserConfigPriv"
)

var allPrivileges = []string{PrivLogin, PrivConfigureILO, PrivConfigureUsers, PrivRecoverySet,
	"HostBIOSConfigPriv", "HostNICConfigPriv", "HostStorageConfigPriv", "RemoteConsolePriv", "VirtualMediaPriv", "VirtualPowerAndResetPriv"}

// user is one local account.
type user struct {
	password string
	privs    map[string]bool
}

// Phases holds the simulated durations of the UpdateService states.
type Phases struct {
	Verifying time.Duration
	Writing   time.Duration
	Updating  time.Duration // flashing; FlashProgressPercent runs 0→100 across it
}

// Option configures an ILO.
type Option func(*ILO)

// WithProfile selects a profile (see Profile and LookupProfile).
func WithProfile(p Profile) Option { return func(i *ILO) { i.prof = p } }

// WithProfileName selects a built-in profile by name; an unknown name panics
// (use LookupProfile to validate user input first).
func WithProfileName(name string) Option {
	p, err := LookupProfile(name)
	if err != nil {
		panic(err)
	}
	return WithProfile(p)
}

// WithFirmwareVersion overrides the profile's iLO firmware version ("2.72").
func WithFirmwareVersion(v string) Option { return func(i *ILO) { i.prof.FirmwareVersion = v } }

// WithTaskEmptyMessage makes running tasks carry "Messages": [{}] as
// captured on iLO 5 2.30 (see Profile.TaskEmptyMessage).
func WithTaskEmptyMessage() Option { return func(i *ILO) { i.prof.TaskEmptyMessage = true } }

// WithCredentials replaces the default administrator's name and password.
func WithCredentials(username, password string) Option {
	return func(i *ILO) {
		i.users = map[string]*user{username: {password: password, privs: privSet(allPrivileges)}}
	}
}

// WithUser adds an account with the given privileges (PrivLogin, …).
func WithUser(username, password string, privs ...string) Option {
	return func(i *ILO) { i.users[username] = &user{password: password, privs: privSet(privs)} }
}

// WithSessionCap sets how many sessions may be open at once (default 16;
// HPE publishes no number, reference §13.7).
func WithSessionCap(n int) Option { return func(i *ILO) { i.sessionCap = n } }

// WithIdleTimeout sets after how much simulated idle time a session expires.
func WithIdleTimeout(d time.Duration) Option { return func(i *ILO) { i.idle = d } }

// WithSpeed sets the clock speed factor (see Clock).
func WithSpeed(f float64) Option { return func(i *ILO) { i.clock = NewClock(f) } }

// WithClock shares a clock (for example between the iLOs of a fleet).
func WithClock(c *Clock) Option { return func(i *ILO) { i.clock = c } }

// WithDarkTime sets how long (simulated) the iLO refuses connections after
// flashing its own firmware.
func WithDarkTime(d time.Duration) Option { return func(i *ILO) { i.darkTime = d } }

// WithILOResetDelay sets how long (simulated) State stays Complete after
// an iLO self-flash before the iLO resets (default DefaultILOResetDelay;
// overrides Profile.ILOResetDelay).
func WithILOResetDelay(d time.Duration) Option {
	return func(i *ILO) { i.iloReset.delay, i.iloReset.delaySet = d, true }
}

// WithILOReset sets whether the iLO resets after flashing its own firmware
// (default true). false: the manager reports the new version at the end of
// the flash, sessions stay, nothing goes dark ("iLO does not always reset").
func WithILOReset(reset bool) Option { return func(i *ILO) { i.iloReset.off = !reset } }

// WithPhases sets the simulated durations of Verifying, Writing and Updating.
func WithPhases(p Phases) Option { return func(i *ILO) { i.phases = p } }

// WithRepositorySize sets TotalSizeBytes of the component repository.
func WithRepositorySize(n int64) Option { return func(i *ILO) { i.repoTotal = n } }

// WithDir sets the directory under which the iLO keeps its repository
// files (a private subdirectory is created on first use).
func WithDir(dir string) Option { return func(i *ILO) { i.baseDir = dir } }

// WithSectionBase sets the first Section number of a chunked upload:
// uploadFile (default 0, as iLOrest sends) and AddFromUri (default 1, as the
// HPE blog shows). Reference §13.3.
func WithSectionBase(uploadFile, addFromURI int) Option {
	return func(i *ILO) { i.sectionBaseUpload, i.sectionBaseURI = uploadFile, addFromURI }
}

// WithHTTPClient sets the client used to download ImageURI and CompSigURI.
func WithHTTPClient(c *http.Client) Option { return func(i *ILO) { i.httpClient = c } }

// WithHost sets the scheme of absolute Location headers and the host used
// when a request carries no Host header (the request's Host wins).
func WithHost(scheme, host string) Option {
	return func(i *ILO) { i.scheme, i.host = scheme, host }
}

func privSet(privs []string) map[string]bool {
	m := make(map[string]bool, len(privs))
	for _, p := range privs {
		m[p] = true
	}
	return m
}

// ILO is one simulated iLO: an http.Handler serving /redfish, /cgi-bin,
// /fwrepo and the control endpoint /_sim. All state is in memory except the
// repository files, which live on disk under a private directory.
type ILO struct {
	// configuration (fixed after New)
	prof              Profile
	users             map[string]*user
	sessionCap        int
	idle              time.Duration
	clock             *Clock
	darkTime          time.Duration
	iloReset          iloResetConfig
	phases            Phases
	repoTotal         int64
	baseDir           string
	sectionBaseUpload int
	sectionBaseURI    int
	httpClient        *http.Client
	scheme, host      string

	mu              sync.Mutex
	routes          []route
	dir             string // private directory, created lazily
	counters        counters
	faults          Faults
	sessions        map[string]*session // by token
	fw              firmware
	inv             map[string]string // FirmwareInventory Id → Version override
	pendingInv      map[string]string // staged versions that activate at the next power-on
	staged          bool              // WithStagedActivation
	repo            map[string]*Component
	staging         map[string]*staged
	op              *updateOp
	settings        *updateSettings
	tasks           map[string]*task
	nextTask        int
	dark            darkness  // outage and reset darkness (dark.go)
	resetAt         time.Time // a scheduled iLO reset (after an iLO flash)
	resetFW         *firmware
	resetting       bool          // the scheduled change resets the iLO (false: firmware only)
	resetDark       time.Duration // how long that reset keeps the iLO dark
	iloResets       int           // resets so far (for /_sim/state)
	server          server        // the host behind the iLO (power.go)
	factoryRecovery bool          // WithFactoryRecoverySet
	locked          func(filename string) bool
	tickers         []func(now time.Time)
	mounts          []func(w http.ResponseWriter, r *Request) bool
	stateSections   map[string]func() any
	closed          bool
}

// firmware is what an iLO self-flash changes.
type firmware struct {
	version, date string
}

// New returns a simulated iLO. Without options it is an ilo5 profile with
// the default credentials admin/password.
func New(opts ...Option) *ILO {
	i := &ILO{
		prof:              profiles["ilo5"],
		users:             map[string]*user{DefaultUsername: {password: DefaultPassword, privs: privSet(allPrivileges)}},
		sessionCap:        DefaultSessionCap,
		idle:              DefaultIdleTimeout,
		darkTime:          DefaultDarkTime,
		phases:            Phases{Verifying: 3 * time.Second, Writing: 5 * time.Second, Updating: 60 * time.Second},
		repoTotal:         DefaultRepositorySize,
		sectionBaseUpload: 0,
		sectionBaseURI:    1,
		sessions:          map[string]*session{},
		tasks:             map[string]*task{},
		server:            newServer(),
	}
	for _, o := range opts {
		o(i)
	}
	if i.clock == nil {
		i.clock = NewClock(1)
	}
	if !i.iloReset.delaySet {
		i.iloReset.delay = DefaultILOResetDelay
		if i.prof.ILOResetDelay > 0 {
			i.iloReset.delay = i.prof.ILOResetDelay
		}
	}
	if i.prof.ILONoReset {
		i.iloReset.off = true
	}
	if i.httpClient == nil {
		i.httpClient = sharedDownloadClient()
	}
	i.fw = firmware{version: i.prof.FirmwareVersion, date: i.prof.FirmwareDate}
	i.counters.requests = map[string]int{}
	i.routes = sharedRoutes()
	if i.factoryRecovery {
		if err := i.storeFactoryImages(); err != nil {
			panic("ilosim: " + err.Error()) // only a broken WithDir gets here
		}
	}
	i.mountQueue() // task queue, maintenance windows, install sets (queue_mount.go)
	return i
}

// Profile returns the iLO's profile.
func (i *ILO) Profile() Profile { return i.prof }

// Clock returns the iLO's simulated clock.
func (i *ILO) Clock() *Clock { return i.clock }

// Now returns the simulated iLO time.
func (i *ILO) Now() time.Time { return i.clock.Now() }

// Registries returns the registry prefixes the iLO cites.
func (i *ILO) Registries() wire.Registries { return i.prof.Registries }

// FirmwareVersion returns the running iLO firmware version ("2.70").
func (i *ILO) FirmwareVersion() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.fw.version
}

// Close removes the iLO's repository directory and stops pending downloads
// from writing into it.
func (i *ILO) Close() error {
	i.mu.Lock()
	dir := i.dir
	i.closed = true
	i.dir = ""
	i.mu.Unlock()
	if dir == "" {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove iLO directory: %w", err)
	}
	return nil
}

// storageDir returns the private directory, creating it on first use.
func (i *ILO) storageDir() (string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.storageDirLocked()
}

func (i *ILO) storageDirLocked() (string, error) {
	if i.closed {
		return "", fmt.Errorf("create iLO directory: simulator closed")
	}
	if i.dir != "" {
		return i.dir, nil
	}
	d, err := os.MkdirTemp(i.baseDir, "ilosim-")
	if err != nil {
		return "", fmt.Errorf("create iLO directory: %w", err)
	}
	i.dir = d
	return d, nil
}

// AddTicker registers f to run with the simulated time before every request
// is served, without the iLO's lock held (f may call iLO methods). The task
// queue engine uses it to progress.
func (i *ILO) AddTicker(f func(now time.Time)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tickers = append(i.tickers, f)
}

// Mount adds a handler tried for every authenticated /redfish request
// before the dispatch table; it returns true when it answered. The task
// queue package mounts its resources with it.
func (i *ILO) Mount(h func(w http.ResponseWriter, r *Request) bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.mounts = append(slices.Clip(i.mounts), h)
}

// tickLocked advances the lazily-evaluated update operation to now.
func (i *ILO) tickLocked(now time.Time) {
	if i.op != nil {
		i.op.advance(i, now)
	}
	i.resetDueLocked(now)
	i.powerDueLocked(now)
}

// ---- identifiers and bodies ----

// ODataID returns the form of a resource path this profile emits: with or
// without a trailing slash.
func (i *ILO) ODataID(p string) string {
	p = strings.TrimSuffix(p, "/")
	if i.prof.TrailingSlash {
		return p + "/"
	}
	return p
}

// Ref returns {"@odata.id": ODataID(p)}.
func (i *ILO) Ref(p string) map[string]any { return map[string]any{"@odata.id": i.ODataID(p)} }

// absolute returns the absolute URL of p for Location headers. Like a real
// iLO it names the host the client asked for (the Host header; WithHost
// only when the request has none) and leaves out the port when it is the
// scheme's default: "https://ilo/redfish/v1/…", never "https://ilo:443/…"
// (real-ilo-resources.md, python-ilorest-library's session_url note).
func (i *ILO) absolute(r *http.Request, p string) string {
	scheme, host := i.scheme, r.Host
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	if host == "" {
		host = i.host
	}
	return scheme + "://" + wire.HostForLocation(scheme, host) + i.ODataID(p)
}

// WriteResource writes a GET body with @odata.etag and a matching ETag
// header (both computed with wire.ETag over the body without volatile
// clock fields, so that If-Match survives the clock ticking).
func WriteResource(w http.ResponseWriter, status int, body map[string]any) {
	tag := resourceETag(body)
	body["@odata.etag"] = tag
	b, err := json.Marshal(body)
	if err != nil {
		wire.WriteError(w, http.StatusInternalServerError, wire.Message{MessageID: "Base.1.4.InternalError"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("ETag", tag)
	if bw, ok := w.(*bufferWriter); ok {
		bw.resource = body
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// volatileKeys are left out of ETag computation.
var volatileKeys = map[string]bool{"@odata.etag": true, "CurrentTime": true, "Time": true, "DateTime": true, "AccessTime": true, "UserExpires": true}

func resourceETag(body map[string]any) string {
	b, _ := json.Marshal(stripVolatile(body))
	return wire.ETag(b)
}

func stripVolatile(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			if !volatileKeys[k] {
				m[k] = stripVolatile(x)
			}
		}
		return m
	case []any:
		s := make([]any, len(t))
		for k, x := range t {
			s[k] = stripVolatile(x)
		}
		return s
	}
	return v
}

// ifMatch reports whether the request's If-Match (if any) matches the
// current body; on mismatch it writes 412 and returns false.
func (i *ILO) ifMatch(w http.ResponseWriter, r *http.Request, current map[string]any) bool {
	want := r.Header.Get("If-Match")
	if want == "" {
		return true
	}
	tag := resourceETag(current)
	for _, t := range strings.Split(want, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == tag || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	wire.WriteError(w, http.StatusPreconditionFailed, i.prof.Registries.BaseMsg("PreconditionFailed"))
	return false
}

// ---- routing ----

// Request is what a route handler receives.
type Request struct {
	*http.Request
	// Args are the path segments matched by "{}" in the route pattern, in
	// the case the client sent them.
	Args []string
	// User is the authenticated user name ("" on unauthenticated routes).
	User string
	// Privileges of the user.
	Privileges map[string]bool
	// sess is the session used, nil for Basic auth and unauthenticated routes.
	sess *session

	ilo *ILO
}

// HandlerFunc handles one method of one route. It runs WITHOUT the iLO's
// lock; use Lock/Unlock around state changes.
type HandlerFunc func(w http.ResponseWriter, r *Request)

// route is one row of the dispatch table.
type route struct {
	segs    []string // lower case; "{}" matches one segment
	prefix  bool     // last "{}" matches the rest of the path
	noAuth  bool
	methods map[string]HandlerFunc
}

// Handle adds (or, for the same pattern, replaces) a row of the dispatch
// table. pattern is a path like "/redfish/v1/UpdateService/UpdateTaskQueue/{}";
// it is matched case-insensitively, with or without a trailing slash.
// The task queue package mounts its resources with it.
func (i *ILO) Handle(pattern string, methods map[string]HandlerFunc) {
	rt := newRoute(pattern, methods)
	i.mu.Lock()
	defer i.mu.Unlock()
	routes := slices.Clone(i.routes) // the base table is shared by every iLO
	for k, r := range routes {
		if strings.Join(r.segs, "/") == strings.Join(rt.segs, "/") {
			routes[k] = rt
			i.routes = routes
			return
		}
	}
	i.routes = append(routes, rt)
}

func newRoute(pattern string, methods map[string]HandlerFunc) route {
	p := strings.Trim(strings.ToLower(pattern), "/")
	rt := route{segs: strings.Split(p, "/"), methods: methods}
	if strings.HasSuffix(p, "{...}") {
		rt.prefix = true
		rt.segs[len(rt.segs)-1] = "{}"
	}
	return rt
}

// Lock takes the iLO's state lock (for handlers mounted with Handle).
func (i *ILO) Lock() { i.mu.Lock() }

// Unlock releases the iLO's state lock.
func (i *ILO) Unlock() { i.mu.Unlock() }

// match finds the route of path p (already cleaned) and its arguments.
func (i *ILO) match(p string) (*route, []string) {
	orig := strings.Split(strings.Trim(p, "/"), "/")
	low := strings.Split(strings.ToLower(strings.Trim(p, "/")), "/")
	i.mu.Lock()
	routes := i.routes
	i.mu.Unlock()
	var best *route
	var bestArgs []string
	for k := range routes {
		rt := &routes[k]
		if len(low) != len(rt.segs) && !(rt.prefix && len(low) >= len(rt.segs)) {
			continue
		}
		var args []string
		ok := true
		for n, s := range rt.segs {
			switch {
			case s == "{}" && rt.prefix && n == len(rt.segs)-1:
				args = append(args, strings.Join(orig[n:], "/"))
			case s == "{}":
				args = append(args, orig[n])
			case s != low[n]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		// Prefer literal matches over wildcards: fewer args wins.
		if best == nil || len(args) < len(bestArgs) {
			best, bestArgs = rt, args
		}
	}
	return best, bestArgs
}

// ServeHTTP implements http.Handler.
func (i *ILO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb := &countingBody{r: r.Body, ilo: i}
	r.Body = cb
	p := path.Clean("/" + r.URL.Path)
	low := strings.ToLower(p)
	if low == "/_sim" || strings.HasPrefix(low, "/_sim/") {
		i.serveControl(w, r, strings.TrimPrefix(low, "/_sim"))
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	i.tickLocked(now)
	tickers := i.tickers
	dark := i.dark.at(now)
	i.counters.requests[r.Method]++
	if isWrite(r.Method, low) {
		i.counters.writes++
	}
	f503 := i.faults.Status503 > 0
	if f503 {
		i.faults.Status503--
	}
	var slow time.Duration
	if i.faults.SlowCount > 0 && i.faults.SlowMS > 0 {
		i.faults.SlowCount--
		slow = time.Duration(i.faults.SlowMS) * time.Millisecond
	}
	i.mu.Unlock()
	for _, f := range tickers {
		f(now) // outside the lock: tickers call back into the iLO
	}
	if dark {
		resetConnection(w)
		return
	}
	if slow > 0 {
		select {
		case <-time.After(slow):
		case <-r.Context().Done():
			return
		}
	}
	if f503 {
		w.Header().Set("Retry-After", "1")
		wire.WriteError(w, http.StatusServiceUnavailable, i.prof.Registries.BaseMsg("ServiceTemporarilyUnavailable", "1"))
		return
	}
	if strings.HasPrefix(low, "/fwrepo/") {
		i.serveFwrepo(w, r, p[len("/fwrepo/"):])
		return
	}
	if strings.HasPrefix(low, "/redfish") {
		i.serveRedfishProtocol(w, r, p, low)
		return
	}
	i.route(w, r, p, low)
}

// route authenticates r, offers it to the mounts and then serves it from
// the dispatch table.
func (i *ILO) route(w http.ResponseWriter, r *http.Request, p, low string) {
	rt, args := i.match(p)
	req := &Request{Request: r, Args: args, ilo: i}
	authed := false
	i.mu.Lock()
	mounts := i.mounts
	i.mu.Unlock()
	if len(mounts) > 0 && strings.HasPrefix(low, "/redfish/") && (rt == nil || !rt.noAuth) {
		if !i.authenticate(w, req) {
			return
		}
		authed = true
		for _, m := range mounts {
			if m(w, req) {
				return
			}
		}
	}
	if rt == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	if !rt.noAuth && !authed {
		if !i.authenticate(w, req) {
			return
		}
	}
	w.Header().Set("Allow", allow(rt.methods))
	method := r.Method
	h, ok := rt.methods[method]
	if !ok && method == http.MethodHead {
		h, ok = rt.methods[http.MethodGet]
	}
	if !ok {
		wire.WriteError(w, http.StatusMethodNotAllowed, i.prof.Registries.BaseMsg("ActionNotSupported", method))
		return
	}
	h(w, req)
}

// allow lists a route's methods in iLO's order ("GET, HEAD, PATCH, DELETE",
// FW3-fig-18); HEAD comes with GET.
func allow(m map[string]HandlerFunc) string {
	var ms []string
	for _, k := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		_, ok := m[k]
		if k == http.MethodHead {
			_, ok = m[http.MethodGet]
		}
		if ok {
			ms = append(ms, k)
		}
	}
	return strings.Join(ms, ", ")
}

// isWrite reports whether a request counts as a write (design.md): POST,
// PATCH, PUT and DELETE under /redfish and /cgi-bin, except session login
// and logout.
func isWrite(method, low string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	if !strings.HasPrefix(low, "/redfish") && !strings.HasPrefix(low, "/cgi-bin") {
		return false
	}
	sess := "/redfish/v1/sessionservice/sessions"
	if method == http.MethodPost && (strings.TrimSuffix(low, "/") == sess || strings.TrimSuffix(low, "/") == sess+"/members") {
		return false
	}
	if method == http.MethodDelete && strings.HasPrefix(low, sess+"/") {
		return false
	}
	return true
}

// resetConnection hijacks the connection and closes it with a TCP reset,
// as a rebooting iLO does.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a recorder: the closest we can do.
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	abort(c)
}

// abort closes c with SO_LINGER 0 so that the peer sees a reset.
func abort(c net.Conn) {
	type netConner interface{ NetConn() net.Conn }
	raw := c
	if nc, ok := c.(netConner); ok {
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = raw.Close()
}

// countingBody counts request body bytes into the iLO's counters.
type countingBody struct {
	r   io.ReadCloser
	ilo *ILO
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.ilo.mu.Lock()
		c.ilo.counters.bytesReceived += int64(n)
		c.ilo.mu.Unlock()
	}
	return n, err
}

func (c *countingBody) Close() error { return c.r.Close() }

// decodeBody reads a JSON object body; on failure it writes iLO's error.
func (i *ILO) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		wire.WriteError(w, http.StatusBadRequest, i.prof.Registries.BaseMsg("MalformedJSON"))
		return false
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, v); err != nil {
		wire.WriteError(w, http.StatusBadRequest, i.prof.Registries.BaseMsg("MalformedJSON"))
		return false
	}
	return true
}

// expandRequested reports whether the query asks for $expand (iLO treats
// ".", "*" and "($levels=n)" alike, reference §1.6).
func expandRequested(r *http.Request) bool {
	_, ok := r.URL.Query()["$expand"]
	return ok
}

// collection builds a collection body; expanded members are produced by body.
func (i *ILO) collection(r *http.Request, id, odataType, name, desc string, members []string, body func(string) map[string]any) map[string]any {
	ms := make([]any, 0, len(members))
	for _, m := range members {
		if expandRequested(r) && body != nil {
			if b := body(m); b != nil {
				b["@odata.etag"] = resourceETag(b)
				ms = append(ms, b)
				continue
			}
		}
		ms = append(ms, i.Ref(m))
	}
	return map[string]any{
		"@odata.context":      "/redfish/v1/$metadata#" + strings.TrimPrefix(odataType, "#"),
		"@odata.id":           i.ODataID(id),
		"@odata.type":         odataType,
		"Name":                name,
		"Description":         desc,
		"Members":             ms,
		"Members@odata.count": len(ms),
	}
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// requirePriv answers 403 Base InsufficientPrivilege unless the user holds priv.
func (i *ILO) requirePriv(w http.ResponseWriter, r *Request, priv string) bool {
	if r.Privileges[priv] {
		return true
	}
	wire.WriteError(w, http.StatusForbidden, i.prof.Registries.BaseMsg("InsufficientPrivilege"))
	return false
}
