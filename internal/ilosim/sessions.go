package ilosim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

const sessionsPath = "/redfish/v1/SessionService/Sessions"

// session is one Redfish session.
type session struct {
	id, token, user string
	login, access   time.Time // simulated
	remote          string
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pruneLocked removes sessions idle for longer than the idle timeout.
func (i *ILO) pruneLocked(now time.Time) {
	if i.idle <= 0 {
		return
	}
	for tok, s := range i.sessions {
		if now.Sub(s.access) > i.idle {
			delete(i.sessions, tok)
		}
	}
}

// checkPassword reports whether the credentials are valid.
func (i *ILO) checkPassword(name, password string) (*user, bool) {
	u, ok := i.users[name]
	if !ok || subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		return nil, false
	}
	return u, true
}

// authenticate accepts X-Auth-Token, a sessionKey cookie or Basic auth
// (Basic leaves no session behind, reference §2). On failure it writes 401
// with Base NoValidSession.
func (i *ILO) authenticate(w http.ResponseWriter, r *Request) bool {
	if name, pass, ok := r.BasicAuth(); ok {
		i.mu.Lock()
		u, ok := i.checkPassword(name, pass)
		i.mu.Unlock()
		if ok {
			r.User, r.Privileges = name, u.privs
			return true
		}
		wire.WriteError(w, http.StatusUnauthorized, i.prof.Registries.BaseMsg("NoValidSession"))
		return false
	}
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		if c, err := r.Cookie("sessionKey"); err == nil {
			tok = c.Value
		}
	}
	if s, u := i.sessionFor(tok); s != nil {
		r.User, r.Privileges, r.sess = s.user, u.privs, s
		return true
	}
	wire.WriteError(w, http.StatusUnauthorized, i.prof.Registries.BaseMsg("NoValidSession"))
	return false
}

// sessionFor returns the live session with token tok and refreshes its
// access time.
func (i *ILO) sessionFor(tok string) (*session, *user) {
	if tok == "" {
		return nil, nil
	}
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.pruneLocked(now)
	s, ok := i.sessions[tok]
	if !ok {
		return nil, nil
	}
	u, ok := i.users[s.user]
	if !ok {
		delete(i.sessions, tok)
		return nil, nil
	}
	s.access = now
	return s, u
}

// dropSessionsLocked ends every session (iLO reset, fault injection).
func (i *ILO) dropSessionsLocked() {
	i.sessions = map[string]*session{}
}

func (i *ILO) sessionBody(s *session, mine bool) map[string]any {
	p := sessionsPath + "/" + s.id
	u := i.users[s.user]
	privs := map[string]any{}
	for _, name := range allPrivileges {
		privs[name] = u != nil && u.privs[name]
	}
	return map[string]any{
		"@odata.context": "/redfish/v1/$metadata#Session.Session",
		"@odata.id":      i.ODataID(p),
		"@odata.type":    "#Session.v1_0_0.Session",
		"Id":             s.id,
		"Description":    "Manager User Session",
		"Name":           "User Session",
		"UserName":       s.user,
		"Oem": map[string]any{"Hpe": map[string]any{
			"@odata.context": "/redfish/v1/$metadata#HpeiLOSession.HpeiLOSession",
			"@odata.type":    "#HpeiLOSession.v2_1_0.HpeiLOSession",
			"AccessTime":     isoTime(s.access),
			"LoginTime":      isoTime(s.login),
			"MySession":      mine,
			"Privileges":     privs,
			"UserExpires":    isoTime(s.access.Add(i.idle)),
			"UserIP":         s.remote,
			"UserTag":        "REST",
			"UserType":       "Local",
		}},
	}
}

func (i *ILO) serveSessionService(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	body := i.sessionServiceLocked()
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

func (i *ILO) sessionServiceLocked() map[string]any {
	body := map[string]any{
		"@odata.context": "/redfish/v1/$metadata#SessionService.SessionService",
		"@odata.id":      i.ODataID("/redfish/v1/SessionService"),
		"@odata.type":    "#SessionService.v1_0_0.SessionService",
		"Id":             "SessionService",
		"Description":    "Session Service",
		"Name":           "Session Service",
		"ServiceEnabled": true,
		"Sessions":       i.Ref(sessionsPath),
		"Status":         map[string]any{"Health": "OK", "State": "Enabled"},
	}
	if i.prof.Generation >= 6 {
		// SessionTimeout appeared in iLO 5 2.90 (CL5); the iLO 5 profiles model 2.70 and older.
		body["SessionTimeout"] = int(i.idle / time.Second)
	}
	return body
}

// patchSessionService sets SessionTimeout (seconds, 0 = never) on the
// profiles that have it (iLO 5 2.90+, modelled as iLO 6/7).
func (i *ILO) patchSessionService(w http.ResponseWriter, r *Request) {
	reg := i.prof.Registries
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	var body map[string]any
	if !i.decodeBody(w, r.Request, &body) {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.ifMatch(w, r.Request, i.sessionServiceLocked()) {
		return
	}
	for k, v := range body {
		n, ok := v.(float64)
		switch {
		case k != "SessionTimeout" || i.prof.Generation < 6:
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyNotWritable", k))
			return
		case !ok || n < 0 || n != float64(int(n)):
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueTypeError", fmt.Sprint(v), k))
			return
		}
		i.idle = time.Duration(n) * time.Second
	}
	wire.WriteSuccess(w, reg)
}

func (i *ILO) serveSessions(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	var ss []*session
	for _, s := range i.sessions {
		ss = append(ss, s)
	}
	sort.Slice(ss, func(a, b int) bool { return ss[a].id < ss[b].id })
	ids := make([]string, len(ss))
	byPath := map[string]*session{}
	for k, s := range ss {
		ids[k] = sessionsPath + "/" + s.id
		byPath[ids[k]] = s
	}
	body := i.collection(r.Request, sessionsPath, "#SessionCollection.SessionCollection", "Sessions", "Manager User Sessions", ids,
		func(p string) map[string]any { return i.sessionBody(byPath[p], byPath[p] == r.sess) })
	if r.sess != nil {
		body["Oem"] = map[string]any{"Hpe": map[string]any{
			"@odata.context": "/redfish/v1/$metadata#HpeiLOSessionsSummary.HpeiLOSessionsSummary",
			"@odata.type":    "#HpeiLOSessionsSummary.v2_0_0.HpeiLOSessionsSummary",
			"Links":          map[string]any{"MySession": i.Ref(sessionsPath + "/" + r.sess.id)},
		}}
	}
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

// login creates a session: 201, X-Auth-Token, absolute Location, and the
// session body; beyond the cap 503 Base SessionLimitExceeded (status
// UNCONFIRMED); bad credentials 401 iLO UnauthorizedLoginAttempt.
func (i *ILO) login(w http.ResponseWriter, r *Request) {
	var cred struct {
		UserName string
		Password string
	}
	if !i.decodeBody(w, r.Request, &cred) {
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	if _, ok := i.checkPassword(cred.UserName, cred.Password); !ok {
		i.mu.Unlock()
		wire.WriteError(w, http.StatusUnauthorized, i.prof.Registries.ILOMsg("UnauthorizedLoginAttempt"))
		return
	}
	i.pruneLocked(now)
	if i.sessionCap > 0 && len(i.sessions) >= i.sessionCap {
		i.mu.Unlock()
		wire.WriteError(w, http.StatusServiceUnavailable, i.prof.Registries.BaseMsg("SessionLimitExceeded"))
		return
	}
	s := &session{
		id:     fmt.Sprintf("%s%08x%08x%s", strings.ReplaceAll(strings.ToLower(cred.UserName), " ", "%20"), 0, now.Unix(), randomHex(4)),
		token:  randomHex(16),
		user:   cred.UserName,
		login:  now,
		access: now,
		remote: hostOnly(r.RemoteAddr),
	}
	i.sessions[s.token] = s
	i.counters.logins++
	body := i.sessionBody(s, true)
	i.mu.Unlock()
	w.Header().Set("X-Auth-Token", s.token)
	w.Header().Set("Location", i.absolute(r.Request, sessionsPath+"/"+s.id))
	WriteResource(w, http.StatusCreated, body)
}

func hostOnly(addr string) string {
	if k := strings.LastIndex(addr, ":"); k > 0 {
		return strings.Trim(addr[:k], "[]")
	}
	return addr
}

func (i *ILO) findSessionLocked(id string) *session {
	for _, s := range i.sessions {
		if strings.EqualFold(s.id, id) {
			return s
		}
	}
	return nil
}

func (i *ILO) getSession(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	s := i.findSessionLocked(r.Args[0])
	var body map[string]any
	if s != nil {
		body = i.sessionBody(s, s == r.sess)
	}
	i.mu.Unlock()
	if s == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, body)
}

// logout deletes a session: 200 + Base Success.
func (i *ILO) logout(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	s := i.findSessionLocked(r.Args[0])
	if s != nil {
		delete(i.sessions, s.token)
	}
	i.mu.Unlock()
	if s == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	wire.WriteSuccess(w, i.prof.Registries)
}

// openSessions counts live sessions.
func (i *ILO) openSessionsLocked(now time.Time) int {
	i.pruneLocked(now)
	return len(i.sessions)
}
