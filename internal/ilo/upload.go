package ilo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/tidwall/gjson"
)

// Names in iLO's upload form (reference §4.2) and the DMTF multipart push
// (reference §4.5).
const (
	formSessionKey       = "sessionKey"
	formParameters       = "parameters"
	formCompsig          = "compsig"
	formFile             = "file"
	formUpdateParameters = "UpdateParameters"
	formUpdateFile       = "UpdateFile"

	paramUpdateRepository  = "UpdateRepository"
	paramUpdateTarget      = "UpdateTarget"
	paramETag              = "ETag" // the key every working HPE tool sends (reference §4.2)
	paramSection           = "Section"
	paramUpdateRecoverySet = "UpdateRecoverySet"
	paramTPMOverride       = "TPMOverride"

	// SectionSize is iLO's limit for one POST to HttpPushUri: larger files go
	// in sequential Sections of this size (reference §4.4).
	SectionSize = 32 << 20
	// maxCompsig bounds a signature file read into memory.
	maxCompsig = 4 << 20
)

// UploadParams is the "parameters" JSON of iLO's upload form.
type UploadParams struct {
	UpdateRepository bool
	UpdateTarget     bool
	// ETag is echoed by the update service as Oem.Hpe.UploadCurrentEtag, so
	// that completion can be tied to this upload (≤ 63 bytes).
	ETag              string
	UpdateRecoverySet bool
	TPMOverride       bool
	// Section numbers the parts of a file larger than SectionSize, from 0.
	// Nil sends no Section.
	Section *int
}

func (p UploadParams) body() ([]byte, error) {
	b := newBody().
		set(paramUpdateRepository, p.UpdateRepository).
		set(paramUpdateTarget, p.UpdateTarget).
		setIf(p.ETag != "", paramETag, p.ETag)
	if p.Section != nil {
		b.set(paramSection, *p.Section)
	}
	return b.
		setIf(p.UpdateRecoverySet, paramUpdateRecoverySet, true).
		setIf(p.TPMOverride, paramTPMOverride, true).
		bytes()
}

// UploadRequest is one POST of a file, or of a section of it, to the update
// service's HttpPushUri.
type UploadRequest struct {
	// Path is the file on the machine that runs the module.
	Path string
	// Filename is the name in the repository (default: base name of Path).
	// Every section of a split file carries the original file name.
	Filename string
	// Offset and Length select a section of the file; Length 0 means up to
	// the end of the file.
	Offset, Length int64
	// CompsigPath is the signature for this file or section ("" for none).
	CompsigPath string
	// CompsigFilename is the form file name of the signature (default: the
	// Filename with its extension replaced by .compsig).
	CompsigFilename string
	Params          UploadParams
	// File, when set, is the file already opened (OpenLocal) that every
	// Section of one component is read from; Path then only names it.
	File *LocalFile
}

// UploadResult is the iLO's answer to an upload.
type UploadResult struct {
	Status    int
	Messages  []Message
	BytesSent int64
}

// formPart is one part of a multipart body: its headers and its content.
type formPart struct {
	header textproto.MIMEHeader
	open   func() (io.Reader, error) // called once per attempt
	size   int64
}

// quoteParam escapes a Content-Disposition parameter value.
var quoteParam = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func fieldPart(name, contentType string, value []byte) formPart {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"`, quoteParam.Replace(name)))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return formPart{header: h, size: int64(len(value)), open: func() (io.Reader, error) { return bytes.NewReader(value), nil }}
}

func filePart(name, filename string, size int64, open func() (io.Reader, error)) formPart {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteParam.Replace(name), quoteParam.Replace(filename)))
	h.Set("Content-Type", "application/octet-stream")
	return formPart{header: h, size: size, open: open}
}

// multipartBody returns a streamed multipart/form-data body and its exact
// length. The framing (boundaries and part headers) is written by
// mime/multipart into small buffers; the contents are read from their
// sources while the request is sent, so memory does not grow with file size.
func multipartBody(boundary string, parts []formPart) (io.Reader, int64, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if boundary != "" {
		if err := mw.SetBoundary(boundary); err != nil {
			return nil, 0, "", err
		}
	}
	var readers []io.Reader
	var size int64
	for _, p := range parts {
		if _, err := mw.CreatePart(p.header); err != nil {
			return nil, 0, "", err
		}
		frame := bytes.Clone(buf.Bytes())
		buf.Reset()
		r, err := p.open()
		if err != nil {
			return nil, 0, "", err
		}
		readers = append(readers, bytes.NewReader(frame), r)
		size += int64(len(frame)) + p.size
	}
	if err := mw.Close(); err != nil {
		return nil, 0, "", err
	}
	readers = append(readers, bytes.NewReader(bytes.Clone(buf.Bytes())))
	size += int64(buf.Len())
	return io.MultiReader(readers...), size, mw.FormDataContentType(), nil
}

// LocalFile is a local file opened once for an upload: every Section is
// read from this one descriptor, and Unchanged tells whether the file was
// written to or replaced since it was opened (issue 14, class 3), so that
// a file changed between two Sections is never sent as a mix of both.
type LocalFile struct {
	f    *os.File
	path string
	info os.FileInfo // as opened
}

// OpenLocal opens a regular file for reading. A FIFO, device or directory is
// refused without blocking (it is opened non-blocking and checked before
// any read).
func OpenLocal(path string) (*LocalFile, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fwimage.FileKind(st.Mode()))
	}
	return &LocalFile{f: f, path: path, info: st}, nil
}

// Size is the file's size when it was opened.
func (l *LocalFile) Size() int64 { return l.info.Size() }

// Close closes the descriptor.
func (l *LocalFile) Close() error { return l.f.Close() }

// Unchanged returns an error when the file is no longer what was opened:
// its size or modification time changed (written to through any name), or
// its path now names another file (replaced).
func (l *LocalFile) Unchanged() error {
	now, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	if now.Size() != l.info.Size() || !now.ModTime().Equal(l.info.ModTime()) {
		return fmt.Errorf("%s changed while it was being sent (size %d → %d bytes, modified %s → %s)",
			l.path, l.info.Size(), now.Size(), l.info.ModTime().UTC().Format(time.RFC3339Nano), now.ModTime().UTC().Format(time.RFC3339Nano))
	}
	if cur, err := os.Stat(l.path); err != nil || !os.SameFile(cur, now) {
		return fmt.Errorf("%s was replaced or removed while it was being sent", l.path)
	}
	return nil
}

// FileChangedError is an upload stopped because its local file changed
// while it was being sent. Accepted counts the Sections the iLO had already
// taken: when it is not 0 the outcome on the iLO is unknown.
type FileChangedError struct {
	File     string
	Accepted int
	Err      error
}

func (e *FileChangedError) Error() string {
	if e.Accepted == 0 {
		return fmt.Sprintf("stopped before sending anything: %v; run the task again once the file is complete", e.Err)
	}
	return fmt.Sprintf("stopped after the iLO took %d section(s) of %s: %v; what the iLO keeps of it is unknown: run the task again once the file is complete (it compares first)", e.Accepted, e.File, e.Err)
}

func (e *FileChangedError) Unwrap() error { return e.Err }

// section returns the file and byte range of the upload and its size: the
// LocalFile given, or Path opened here (the caller closes what it opened).
func (u UploadRequest) section() (*LocalFile, int64, error) {
	l := u.File
	if l == nil {
		var err error
		if l, err = OpenLocal(u.Path); err != nil {
			return nil, 0, err
		}
	}
	size := l.Size()
	if u.Offset < 0 || u.Offset > size || u.Length < 0 || u.Offset+u.Length > size {
		if u.File == nil {
			l.Close()
		}
		return nil, 0, fmt.Errorf("section at %d of %d bytes is outside %s (%d bytes)", u.Offset, u.Length, u.Path, size)
	}
	n := u.Length
	if n == 0 {
		n = size - u.Offset
	}
	return l, n, nil
}

// Upload sends a file, or one section of it, to the update service's
// HttpPushUri (/cgi-bin/uploadFile on iLO 5) in the form iLO expects: parts
// sessionKey, parameters (JSON), compsig (when given) and file, in that
// order, with Cookie: sessionKey and X-Auth-Token. The body is streamed from
// disk with an exact Content-Length. The iLO processes the file afterwards:
// poll UpdateService until Oem.Hpe.State is Complete or Error with
// UploadCurrentEtag equal to Params.ETag.
//
// An upload is a write: a connection lost while sending gives an error for
// which IsUncertain is true (read the repository and the update service
// before sending again). An empty 400 means missing privileges or session.
func (c *Client) Upload(ctx context.Context, u UploadRequest) (UploadResult, error) {
	us, err := c.cachedUpdateService(ctx)
	if err != nil {
		return UploadResult{}, fmt.Errorf("upload %s: %w", u.Path, err)
	}
	if us.HttpPushUri == "" {
		return UploadResult{}, fmt.Errorf("upload %s: the update service has no HttpPushUri", u.Path)
	}
	if u.Filename == "" {
		u.Filename = filepath.Base(u.Path)
	}
	f, size, err := u.section()
	if err != nil {
		return UploadResult{}, fmt.Errorf("upload %s: %w", u.Path, err)
	}
	if u.File == nil {
		defer f.Close()
	}
	var sig []byte
	if u.CompsigPath != "" {
		sig, err = readSmall(u.CompsigPath, maxCompsig)
		if err != nil {
			return UploadResult{}, fmt.Errorf("upload %s: read compsig: %w", u.Path, err)
		}
		if u.CompsigFilename == "" {
			u.CompsigFilename = strings.TrimSuffix(u.Filename, filepath.Ext(u.Filename)) + ".compsig"
		}
	}
	params, err := u.Params.body()
	if err != nil {
		return UploadResult{}, fmt.Errorf("upload %s: %w", u.Path, err)
	}
	var total int64
	build := func(token string) (io.Reader, int64, string, error) {
		parts := []formPart{
			fieldPart(formSessionKey, "", []byte(token)),
			fieldPart(formParameters, "application/json", params),
		}
		if sig != nil {
			parts = append(parts, filePart(formCompsig, u.CompsigFilename, int64(len(sig)), func() (io.Reader, error) { return bytes.NewReader(sig), nil }))
		}
		parts = append(parts, filePart(formFile, u.Filename, size, func() (io.Reader, error) {
			return io.NewSectionReader(f.f, u.Offset, size), nil
		}))
		r, n, ct, err := multipartBody("", parts)
		total = n
		return r, n, ct, err
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: us.HttpPushUri, body: build, cookie: true, timeout: -1})
	if err != nil {
		return UploadResult{}, fmt.Errorf("upload %s: %w", u.Filename, err)
	}
	return UploadResult{Status: resp.status, Messages: ParseMessages(resp.body), BytesSent: total}, nil
}

// readSmall reads a small regular file (a signature) with a cap: a FIFO,
// device or directory is refused without blocking, a larger file with an
// error.
func readSmall(path string, limit int64) ([]byte, error) {
	l, err := OpenLocal(path)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	b, err := io.ReadAll(io.LimitReader(l.f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// Accepted is the answer to an update action or a multipart push: the task
// monitor to follow (iLO 5 ≥ 2.30 answers 202 with one) and the messages.
type Accepted struct {
	Status int
	// TaskMonitor is the monitor's path, from the body's TaskMonitor or the
	// Location header ("" when the iLO answered 200 without a task).
	TaskMonitor string
	Task        *Task
	Messages    []Message
}

func accepted(resp *response) Accepted {
	a := Accepted{Status: resp.status, Messages: ParseMessages(resp.body)}
	if gjson.ValidBytes(resp.body) {
		r := gjson.ParseBytes(resp.body)
		if isTask(r) {
			t := task(r)
			a.Task = &t
			a.TaskMonitor = t.TaskMonitor
			if len(a.Messages) == 0 {
				a.Messages = t.Messages
			}
		}
	}
	if a.TaskMonitor == "" && resp.status == http.StatusAccepted {
		if u, err := url.Parse(resp.header.Get("Location")); err == nil {
			a.TaskMonitor = u.EscapedPath()
		}
	}
	return a
}

// SimpleUpdateRequest is the body of UpdateService.SimpleUpdate. It has no
// TPM override: iLO rejects TPMOverrideFlag there with
// ActionParameterUnknown (reference §3.1).
type SimpleUpdateRequest struct {
	ImageURI         string
	TransferProtocol string
	// Username and Password are for the image server; they are sent in the
	// body only and never appear in errors.
	Username string
	Password string
	Targets  []string
}

// SimpleUpdate asks the iLO to fetch and flash an image:
// POST {UpdateService.Actions.#UpdateService.SimpleUpdate.target}. iLO 5 ≥
// 2.30 answers 202 with a task monitor; older firmware 200 without one. A
// success only means the request was accepted: follow the task and
// Oem.Hpe.State.
func (c *Client) SimpleUpdate(ctx context.Context, s SimpleUpdateRequest) (Accepted, error) {
	us, err := c.cachedUpdateService(ctx)
	if err != nil {
		return Accepted{}, fmt.Errorf("SimpleUpdate: %w", err)
	}
	if us.Actions.SimpleUpdate == "" {
		return Accepted{}, errors.New("SimpleUpdate: the update service does not offer it")
	}
	b, err := newBody().
		set("ImageURI", s.ImageURI).
		setIf(s.TransferProtocol != "", "TransferProtocol", s.TransferProtocol).
		setIf(s.Username != "", "Username", s.Username).
		setIf(s.Password != "", "Password", s.Password).
		setIf(len(s.Targets) > 0, "Targets", s.Targets).
		bytes()
	if err != nil {
		return Accepted{}, fmt.Errorf("SimpleUpdate: %w", err)
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: us.Actions.SimpleUpdate, json: b})
	if err != nil {
		return Accepted{}, fmt.Errorf("SimpleUpdate: %w", err)
	}
	return accepted(resp), nil
}

// AddFromUriRequest is the body of HpeiLOUpdateServiceExt.AddFromUri
// (reference §5.4). UpdateRepository and UpdateTarget are always sent.
type AddFromUriRequest struct {
	ImageURI          string
	CompSigURI        string
	UpdateRepository  bool
	UpdateTarget      bool
	ComponentFileName string
	// Section numbers the parts of a split image (nil: not sent).
	Section           *int
	TPMOverrideFlag   bool // AddFromUri's name for the TPM override
	UpdateRecoverySet bool
	UploadCurrentEtag string
	Targets           []string
}

// AddFromUri asks the iLO to download a component into the repository
// (and flash it when UpdateTarget):
// POST {UpdateService.Oem.Hpe.Actions.#HpeiLOUpdateServiceExt.AddFromUri.target}.
func (c *Client) AddFromUri(ctx context.Context, a AddFromUriRequest) (Accepted, error) {
	us, err := c.cachedUpdateService(ctx)
	if err != nil {
		return Accepted{}, fmt.Errorf("AddFromUri: %w", err)
	}
	if us.Actions.AddFromUri == "" {
		return Accepted{}, errors.New("AddFromUri: the update service does not offer it")
	}
	bb := newBody().
		set("ImageURI", a.ImageURI).
		setIf(a.CompSigURI != "", "CompSigURI", a.CompSigURI).
		set("UpdateRepository", a.UpdateRepository).
		set("UpdateTarget", a.UpdateTarget).
		setIf(a.ComponentFileName != "", "ComponentFileName", a.ComponentFileName)
	if a.Section != nil {
		bb.set("Section", *a.Section)
	}
	b, err := bb.
		setIf(a.TPMOverrideFlag, "TPMOverrideFlag", true).
		setIf(a.UpdateRecoverySet, "UpdateRecoverySet", true).
		setIf(a.UploadCurrentEtag != "", "UploadCurrentEtag", a.UploadCurrentEtag).
		setIf(len(a.Targets) > 0, "Targets", a.Targets).
		bytes()
	if err != nil {
		return Accepted{}, fmt.Errorf("AddFromUri: %w", err)
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: us.Actions.AddFromUri, json: b})
	if err != nil {
		return Accepted{}, fmt.Errorf("AddFromUri: %w", err)
	}
	return accepted(resp), nil
}

// MultipartPushRequest is a DMTF multipart HTTP push update.
type MultipartPushRequest struct {
	Path     string
	Filename string // default: base name of Path
	// Parameters is the UpdateParameters JSON object (Targets,
	// @Redfish.OperationApplyTime, Oem …); nil sends {}.
	Parameters []byte
}

// MultipartPush sends a file to the update service's MultipartHttpPushUri
// with the DMTF form (UpdateParameters JSON + UpdateFile), streamed from
// disk. No iLO generation documents this URI yet (reference §4.5); use it
// only when UpdateService.MultipartHttpPushUri is set.
func (c *Client) MultipartPush(ctx context.Context, m MultipartPushRequest) (Accepted, error) {
	us, err := c.cachedUpdateService(ctx)
	if err != nil {
		return Accepted{}, fmt.Errorf("multipart push %s: %w", m.Path, err)
	}
	if us.MultipartHttpPushUri == "" {
		return Accepted{}, fmt.Errorf("multipart push %s: the update service has no MultipartHttpPushUri", m.Path)
	}
	if m.Filename == "" {
		m.Filename = filepath.Base(m.Path)
	}
	params := m.Parameters
	if params == nil {
		params = []byte("{}")
	}
	if !gjson.ValidBytes(params) {
		return Accepted{}, fmt.Errorf("multipart push %s: UpdateParameters is not JSON", m.Path)
	}
	f, size, err := UploadRequest{Path: m.Path}.section()
	if err != nil {
		return Accepted{}, fmt.Errorf("multipart push %s: %w", m.Path, err)
	}
	defer f.Close()
	build := func(string) (io.Reader, int64, string, error) {
		if err := f.Unchanged(); err != nil {
			return nil, 0, "", &FileChangedError{File: m.Filename, Err: err}
		}
		return multipartBody("", []formPart{
			fieldPart(formUpdateParameters, "application/json", params),
			filePart(formUpdateFile, m.Filename, size, func() (io.Reader, error) { return io.NewSectionReader(f.f, 0, size), nil }),
		})
	}
	resp, err := c.send(ctx, &request{method: http.MethodPost, uri: us.MultipartHttpPushUri, body: build, timeout: -1})
	if err != nil {
		return Accepted{}, fmt.Errorf("multipart push %s: %w", m.Filename, err)
	}
	if err := f.Unchanged(); err != nil {
		return accepted(resp), &FileChangedError{File: m.Filename, Accepted: 1, Err: err}
	}
	return accepted(resp), nil
}
