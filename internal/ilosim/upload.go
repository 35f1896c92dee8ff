package ilosim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
	"github.com/fleetfw/ilo/internal/testimage"
)

// staged is a component being reassembled from Sections.
type staged struct {
	file   string
	next   int
	size   int64
	sig0   []byte // a whole-file (part 0) compsig, verified at the end
	hasSig bool
}

// arrived runs when all bytes of a POST or download are on disk:
// Section reassembly and signature checks (outside the lock, they read
// files), then the state machine takes over.
func (i *ILO) arrived(op *updateOp, in incoming) {
	reg := i.prof.Registries
	fail := func(m wire.Message) {
		if in.file != "" {
			_ = os.Remove(in.file)
		}
		now := i.clock.Now()
		i.mu.Lock()
		i.failOpLocked(op, now, m)
		i.mu.Unlock()
	}
	sig0 := in.sig
	if in.section != nil {
		var m *wire.Message
		in, sig0, m = i.stage(in)
		if m != nil {
			fail(*m)
			return
		}
	} else if in.sig != nil {
		in.hasSig = true
	}
	if !in.partial && sig0 != nil && in.sigErr == nil {
		in.sigErr = verifyCompsig(sig0, in.file)
	}
	if in.sigErr != nil && !errors.Is(in.sigErr, testimage.ErrSignatureInvalid) {
		fail(reg.ILOMsg("ComponentUploadFailed"))
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		_ = os.Remove(in.file)
		return
	}
	i.receivedLocked(op, now, in)
}

// stage adds one Section to the reassembly of in.filename. Sections must
// arrive in order from the configured base; the component is complete when
// a part is shorter than 32 MiB or the image's header says its size is
// reached. It returns the whole-file compsig to verify at the end, if any.
func (i *ILO) stage(in incoming) (incoming, []byte, *wire.Message) {
	reg := i.prof.Registries
	key := strings.ToLower(in.filename)
	sec := *in.section
	i.mu.Lock()
	if i.staging == nil {
		i.staging = map[string]*staged{}
	}
	st := i.staging[key]
	first := sec == in.sectionBase
	switch {
	case first:
		if st != nil {
			_ = os.Remove(st.file)
		}
		st = &staged{file: in.file, next: sec + 1, size: in.size}
		i.staging[key] = st
	case st == nil || sec != st.next:
		i.mu.Unlock()
		m := reg.ILOMsg("ComponentUploadFailed")
		return in, nil, &m
	default:
		st.next++
	}
	i.mu.Unlock()
	if !first {
		if in.file != st.file { // AddFromUri downloads land in their own file
			if err := appendFile(st.file, in.file); err != nil {
				m := reg.ILOMsg("ComponentUploadFailed")
				return in, nil, &m
			}
			_ = os.Remove(in.file)
		}
		st.size += in.size
	}
	if in.sig != nil {
		st.hasSig = true
		c, err := testimage.ParseCompsig(in.sig)
		switch {
		case err != nil:
			in.sigErr = err
		case c.Part == 0:
			st.sig0 = in.sig
		default:
			in.sigErr = verifyCompsig(in.sig, st.file)
		}
	}
	final := in.size < MaxPostBytes
	if !final {
		_, err := inspectImage(st.file, in.filename)
		final = err == nil
	}
	in.file, in.size, in.hasSig, in.partial = st.file, st.size, st.hasSig, !final
	if final || in.sigErr != nil {
		i.mu.Lock()
		delete(i.staging, key)
		i.mu.Unlock()
	}
	if in.sigErr != nil {
		in.partial = false
	}
	return in, st.sig0, nil
}

func appendFile(dst, src string) error {
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		out.Close()
		return err
	}
	defer in.Close()
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// uploadParameters is the `parameters` part of an uploadFile POST
// (reference §4.2).
type uploadParameters struct {
	UpdateRepository  *bool
	UpdateTarget      *bool
	ETag              string
	UploadCurrentEtag string
	Section           *int
	UpdateRecoverySet bool
	TPMOverride       bool
}

// emptyBadRequest is iLO's answer to an uploadFile POST without a valid
// session or privilege: 400 with no body (reference §4.3).
func emptyBadRequest(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusBadRequest)
}

// uploadFile implements HttpPushUri /cgi-bin/uploadFile: a multipart form
// with sessionKey, parameters, optional compsig and file, streamed to disk.
func (i *ILO) uploadFile(w http.ResponseWriter, r *Request) {
	reg := i.prof.Registries
	tok := ""
	if c, err := r.Cookie("sessionKey"); err == nil {
		tok = c.Value
	}
	if tok == "" {
		tok = r.Header.Get("X-Auth-Token")
	}
	s, u := i.sessionFor(tok)
	if s == nil || !u.privs[PrivConfigureILO] {
		emptyBadRequest(w)
		return
	}
	if i.takeResetFault() {
		// Read a little of the body, then drop the connection.
		_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		resetConnection(w)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		emptyBadRequest(w)
		return
	}
	var (
		key    string
		params uploadParameters
		sig    []byte
		op     *updateOp
	)
	abort := func(status int, m wire.Message) { i.failUpload(w, op, status, m) }
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			abort(http.StatusBadRequest, reg.ILOMsg("ComponentUploadFailed"))
			return
		}
		name := part.FormName()
		switch {
		case name == "sessionKey":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			key = strings.TrimSpace(string(b))
		case name == "parameters":
			b, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			if err := json.Unmarshal(b, &params); err != nil {
				abort(http.StatusBadRequest, reg.BaseMsg("MalformedJSON"))
				return
			}
		case name == "compsig":
			b, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				abort(http.StatusBadRequest, reg.ILOMsg("ComponentUploadFailed"))
				return
			}
			sig = b
		case part.FileName() != "":
			// "file", or the OLD5 minimal variant whose part name is the file name.
			if key != tok || (params.UpdateRecoverySet && !u.privs[PrivRecoverySet]) {
				emptyBadRequest(w) // iLOrest: "check if the user has all privileges"
				return
			}
			filename := path.Base(part.FileName())
			etag := params.ETag
			if params.UploadCurrentEtag != "" {
				etag = params.UploadCurrentEtag
			}
			now := i.clock.Now()
			i.mu.Lock()
			o, status, m := i.beginOpLocked(now, etag)
			i.mu.Unlock()
			if m != nil {
				wire.WriteError(w, status, *m)
				return
			}
			op = o
			in, ok := i.receivePart(part, filename, i.stagingFor(filename, params.Section), abort)
			if !ok {
				return
			}
			in.sig = sig
			in.repository = params.UpdateRepository == nil || *params.UpdateRepository
			in.target = params.UpdateTarget != nil && *params.UpdateTarget
			if params.Section != nil {
				in.section, in.sectionBase = params.Section, i.sectionBaseUpload
			}
			i.arrived(op, in)
			wire.WriteSuccess(w, reg)
			return
		}
	}
	if key != tok {
		emptyBadRequest(w)
		return
	}
	abort(http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", "uploadFile", "file"))
}

// receivePart streams one file part to disk, refusing more than 32 MiB. With
// appendTo it appends to that staging file (a later Section) instead of
// creating a new one, so that a 1 GiB component is written once; a failed
// part is cut off again.
func (i *ILO) receivePart(part io.Reader, filename, appendTo string, abort func(int, wire.Message)) (incoming, bool) {
	reg := i.prof.Registries
	var (
		f    *os.File
		err  error
		orig int64
	)
	if appendTo != "" {
		f, err = os.OpenFile(appendTo, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			var st os.FileInfo
			if st, err = f.Stat(); err == nil {
				orig = st.Size()
			}
		}
	} else {
		var dir string
		if dir, err = i.storageDir(); err == nil {
			f, err = os.CreateTemp(dir, "upload-")
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		abort(http.StatusInternalServerError, reg.BaseMsg("InternalError"))
		return incoming{}, false
	}
	n, err := io.Copy(f, io.LimitReader(part, MaxPostBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n > MaxPostBytes {
		if appendTo != "" {
			_ = os.Truncate(appendTo, orig)
		} else {
			_ = os.Remove(f.Name())
		}
		abort(http.StatusBadRequest, reg.ILOMsg("ComponentUploadFailed"))
		return incoming{}, false
	}
	return incoming{file: f.Name(), filename: filename, size: n}, true
}

// stagingFor returns the staging file that Section sec of filename extends,
// or "" when sec starts a component or does not follow the staged ones.
func (i *ILO) stagingFor(filename string, sec *int) string {
	if sec == nil || *sec == i.sectionBaseUpload {
		return ""
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if st := i.staging[strings.ToLower(filename)]; st != nil && st.next == *sec {
		return st.file
	}
	return ""
}

// takeResetFault consumes one reset_mid_body fault.
func (i *ILO) takeResetFault() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.faults.ResetMidBody > 0 {
		i.faults.ResetMidBody--
		return true
	}
	return false
}

// multipartPush implements the DMTF MultipartHttpPushUri (profile
// ilo5-multipart only; no real iLO has it): parts UpdateParameters (JSON)
// and UpdateFile; 202 + task monitor. The file is flashed when iLO can, and
// kept in the repository (Oem.Hpe.UpdateRepository may say false).
func (i *ILO) multipartPush(w http.ResponseWriter, r *Request) {
	reg := i.prof.Registries
	if !i.prof.MultipartPush {
		wire.WriteError(w, http.StatusNotFound, reg.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	if !r.Privileges[PrivConfigureILO] {
		wire.WriteError(w, http.StatusForbidden, reg.BaseMsg("InsufficientPrivilege"))
		return
	}
	if i.takeResetFault() {
		_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		resetConnection(w)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("UnrecognizedRequestBody"))
		return
	}
	var up struct {
		Targets []string
		Oem     struct {
			Hpe struct {
				UpdateRepository  *bool
				UploadCurrentEtag string
			}
		}
	}
	var op *updateOp
	abort := func(status int, m wire.Message) { i.failUpload(w, op, status, m) }
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			abort(http.StatusBadRequest, reg.BaseMsg("UnrecognizedRequestBody"))
			return
		}
		switch part.FormName() {
		case "UpdateParameters":
			b, _ := io.ReadAll(io.LimitReader(part, 64<<10))
			if err := json.Unmarshal(b, &up); err != nil {
				abort(http.StatusBadRequest, reg.BaseMsg("MalformedJSON"))
				return
			}
		case "UpdateFile":
			now := i.clock.Now()
			i.mu.Lock()
			o, status, m := i.beginOpLocked(now, up.Oem.Hpe.UploadCurrentEtag)
			var t *task
			if m == nil {
				t = i.newTaskLocked(o, now, multipartPushPath, up)
			}
			i.mu.Unlock()
			if m != nil {
				wire.WriteError(w, status, *m)
				return
			}
			op = o
			dir, err := i.storageDir()
			if err != nil {
				abort(http.StatusInternalServerError, reg.BaseMsg("InternalError"))
				return
			}
			f, err := os.CreateTemp(dir, "push-")
			if err != nil {
				abort(http.StatusInternalServerError, reg.BaseMsg("InternalError"))
				return
			}
			n, err := io.Copy(f, part)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				_ = os.Remove(f.Name())
				abort(http.StatusBadRequest, reg.ILOMsg("ComponentUploadFailed"))
				return
			}
			in := incoming{file: f.Name(), filename: path.Base(part.FileName()), size: n,
				repository: up.Oem.Hpe.UpdateRepository == nil || *up.Oem.Hpe.UpdateRepository,
				target:     true, targets: up.Targets}
			if in.filename == "." || in.filename == "/" || in.filename == "" {
				abort(http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", "MultipartHttpPushUri", "UpdateFile"))
				return
			}
			i.arrived(op, in)
			i.writeTaskAccepted(w, r.Request, t)
			return
		}
	}
	abort(http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", "MultipartHttpPushUri", "UpdateFile"))
}

// failUpload ends a refused upload: the update operation it started (if any)
// goes to State Error with m as its Result, and the client gets m with status.
func (i *ILO) failUpload(w http.ResponseWriter, op *updateOp, status int, m wire.Message) {
	if op != nil {
		now := i.clock.Now()
		i.mu.Lock()
		i.failOpLocked(op, now, m)
		i.mu.Unlock()
	}
	wire.WriteError(w, status, m)
}
