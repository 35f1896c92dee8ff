package ilosim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// downloadTimeout bounds one ImageURI download (wall clock).
const downloadTimeout = 30 * time.Minute

// sharedDownloadClient is the one download client every iLO of the process
// uses by default (read-only after creation).
var sharedDownloadClient = sync.OnceValue(loopbackClient)

// loopbackClient downloads images: it does not verify the image server's
// certificate (iLO does not by default) and refuses every host but loopback.
func loopbackClient() *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test images on loopback
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, fmt.Errorf("dial %s: %w", addr, err)
			}
			ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, fmt.Errorf("resolve %s: %w", host, err)
			}
			for _, ip := range ips {
				if !ip.IP.IsLoopback() {
					return nil, fmt.Errorf("dial %s: the simulator downloads from loopback only", addr)
				}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
	}
	return &http.Client{Transport: tr}
}

// params is an action body decoded with its unknown keys kept.
type params map[string]json.RawMessage

// check returns the first key not in allowed (sorted, for stable errors).
func (p params) unknown(allowed ...string) string {
	var keys []string
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
			}
		}
		if !ok {
			return k
		}
	}
	return ""
}

func (p params) str(k string) (string, bool) {
	var s string
	raw, ok := p[k]
	if !ok {
		return "", true
	}
	return s, json.Unmarshal(raw, &s) == nil
}

func (p params) boolean(k string, def bool) (bool, bool) {
	raw, ok := p[k]
	if !ok {
		return def, true
	}
	var b bool
	return b, json.Unmarshal(raw, &b) == nil
}

func (p params) strings(k string) ([]string, bool) {
	raw, ok := p[k]
	if !ok {
		return nil, true
	}
	var s []string
	return s, json.Unmarshal(raw, &s) == nil
}

func (p params) integer(k string) (*int, bool) {
	raw, ok := p[k]
	if !ok {
		return nil, true
	}
	var n int
	if json.Unmarshal(raw, &n) != nil {
		return nil, false
	}
	return &n, true
}

// imageURL resolves ImageURI with TransferProtocol (a scheme-less ImageURI
// takes the protocol, FW3-fig-6/7).
func imageURL(image, proto string) (*url.URL, error) {
	if !strings.Contains(image, "://") {
		if proto == "" {
			proto = "HTTP"
		}
		image = strings.ToLower(proto) + "://" + image
	}
	u, err := url.Parse(image)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parse image URI %q: not an http(s) URL", image)
	}
	return u, nil
}

// simpleUpdate implements UpdateService.SimpleUpdate (reference §3).
func (i *ILO) simpleUpdate(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	reg := i.prof.Registries
	const action = "UpdateService.SimpleUpdate"
	var p params
	if !i.decodeBody(w, r.Request, &p) {
		return
	}
	// "Action" is the legacy key iLOrest sends and iLO tolerates.
	if k := p.unknown("ImageURI", "TransferProtocol", "Username", "Password", "Targets", "Action"); k != "" {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterUnknown", action, k))
		return
	}
	image, ok := p.str("ImageURI")
	if !ok {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterValueTypeError", string(p["ImageURI"]), "ImageURI", action))
		return
	}
	if image == "" {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", action, "ImageURI"))
		return
	}
	proto, _ := p.str("TransferProtocol")
	if proto != "" && proto != "HTTP" && proto != "HTTPS" {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterNotSupported", proto, "TransferProtocol"))
		return
	}
	targets, ok := p.strings("Targets")
	if !ok {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterValueTypeError", string(p["Targets"]), "Targets", action))
		return
	}
	u, err := imageURL(image, proto)
	if err != nil {
		wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("SimpleUpdateInvalidImageURI", image, action))
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	op, status, m := i.beginOpLocked(now, "")
	if m != nil {
		i.mu.Unlock()
		wire.WriteError(w, status, *m)
		return
	}
	var t *task
	if i.prof.Tasks {
		t = i.newTaskLocked(op, now, simpleUpdatePath, p)
	}
	i.mu.Unlock()
	go i.download(op, u, "", incoming{filename: path.Base(u.Path), simple: true, uri: image, target: true, targets: targets})
	if t == nil {
		wire.WriteSuccess(w, reg)
		return
	}
	i.writeTaskAccepted(w, r.Request, t)
}

// addFromURI implements HpeiLOUpdateServiceExt.AddFromUri (reference §5.4).
func (i *ILO) addFromURI(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	reg := i.prof.Registries
	const action = "HpeiLOUpdateServiceExt.AddFromUri"
	var p params
	if !i.decodeBody(w, r.Request, &p) {
		return
	}
	if k := p.unknown("ImageURI", "CompSigURI", "UpdateRepository", "UpdateTarget", "ComponentFileName", "Section",
		"TPMOverrideFlag", "UpdateRecoverySet", "UploadCurrentEtag", "Targets", "Action"); k != "" {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterUnknown", action, k))
		return
	}
	typeErr := func(k string) {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterValueTypeError", string(p[k]), k, action))
	}
	image, ok1 := p.str("ImageURI")
	sig, ok2 := p.str("CompSigURI")
	name, ok3 := p.str("ComponentFileName")
	etag, ok4 := p.str("UploadCurrentEtag")
	repo, ok5 := p.boolean("UpdateRepository", true)
	target, ok6 := p.boolean("UpdateTarget", false)
	targets, ok7 := p.strings("Targets")
	section, ok8 := p.integer("Section")
	for k, ok := range map[string]bool{"ImageURI": ok1, "CompSigURI": ok2, "ComponentFileName": ok3, "UploadCurrentEtag": ok4,
		"UpdateRepository": ok5, "UpdateTarget": ok6, "Targets": ok7, "Section": ok8} {
		if !ok {
			typeErr(k)
			return
		}
	}
	if image == "" {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", action, "ImageURI"))
		return
	}
	if recovery, _ := p.boolean("UpdateRecoverySet", false); recovery && !r.Privileges[PrivRecoverySet] {
		wire.WriteError(w, http.StatusForbidden, reg.BaseMsg("InsufficientPrivilege"))
		return
	}
	u, err := imageURL(image, "")
	if err != nil {
		wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("SimpleUpdateInvalidImageURI", image, action))
		return
	}
	if len(targets) > 10 {
		wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("TargetsLimitExceeded"))
		return
	}
	for _, tg := range targets {
		if findInvItem(tg[strings.LastIndex(strings.TrimSuffix(tg, "/"), "/")+1:]) == nil {
			wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("InvalidTargetsURI", tg))
			return
		}
	}
	if name == "" {
		name = path.Base(u.Path)
	}
	if name == "" || name == "/" || name == "." {
		wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("SimpleUpdateInvalidImageURI", image, action))
		return
	}
	var sigURL *url.URL
	if sig != "" {
		if sigURL, err = imageURL(sig, ""); err != nil {
			wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("SimpleUpdateInvalidImageURI", sig, action))
			return
		}
	}
	now := i.clock.Now()
	i.mu.Lock()
	op, status, m := i.beginOpLocked(now, etag)
	if m != nil {
		i.mu.Unlock()
		wire.WriteError(w, status, *m)
		return
	}
	var t *task
	if i.prof.Tasks {
		t = i.newTaskLocked(op, now, oemActionsPath+"AddFromUri", p)
	}
	i.mu.Unlock()
	in := incoming{filename: name, repository: repo, target: target, targets: targets}
	if section != nil {
		in.section, in.sectionBase = section, i.sectionBaseURI
	}
	go i.download(op, u, urlString(sigURL), in)
	if t == nil {
		wire.WriteSuccess(w, reg)
		return
	}
	i.writeTaskAccepted(w, r.Request, t)
}

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

// download fetches the image (and its compsig) to disk, then hands it to
// the state machine. Failures end the operation in Error.
func (i *ILO) download(op *updateOp, u *url.URL, sigURL string, in incoming) {
	reg := i.prof.Registries
	fail := func(m wire.Message) {
		now := i.clock.Now()
		i.mu.Lock()
		i.failOpLocked(op, now, m)
		i.mu.Unlock()
	}
	dir, err := i.storageDir()
	if err != nil {
		fail(reg.BaseMsg("InternalError"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), downloadTimeout)
	defer cancel()
	file, size, m := i.fetch(ctx, u.String(), dir)
	if m != nil {
		fail(*m)
		return
	}
	in.file, in.size = file, size
	if sigURL != "" {
		sigFile, _, m := i.fetch(ctx, sigURL, dir)
		if m != nil {
			_ = os.Remove(file)
			fail(*m)
			return
		}
		sig, err := os.ReadFile(sigFile)
		_ = os.Remove(sigFile)
		if err != nil {
			_ = os.Remove(file)
			fail(reg.BaseMsg("InternalError"))
			return
		}
		in.sig = sig
	}
	i.arrived(op, in)
}

// fetch streams url into a new file under dir.
func (i *ILO) fetch(ctx context.Context, rawURL, dir string) (string, int64, *wire.Message) {
	reg := i.prof.Registries
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		m := reg.BaseMsg("CouldNotEstablishConnection", rawURL)
		return "", 0, &m
	}
	res, err := i.httpClient.Do(req)
	if err != nil {
		m := reg.BaseMsg("CouldNotEstablishConnection", rawURL)
		return "", 0, &m
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		m := reg.BaseMsg("ResourceMissingAtURI", rawURL)
		return "", 0, &m
	}
	f, err := os.CreateTemp(dir, "download-")
	if err != nil {
		m := reg.BaseMsg("InternalError")
		return "", 0, &m
	}
	n, err := io.Copy(f, res.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		m := reg.BaseMsg("CouldNotEstablishConnection", rawURL)
		return "", 0, &m
	}
	return f.Name(), n, nil
}
