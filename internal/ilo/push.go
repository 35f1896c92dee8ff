package ilo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// maxETag is iLO's limit for UploadCurrentEtag (iLO.ETagTooLong).
const maxETag = 63

// PushRequest is a component file to store in the iLO Repository (or flash)
// through HttpPushUri, split into Sections of SectionSize bytes when larger.
type PushRequest struct {
	// Path is the file on the machine that runs the module.
	Path string
	// Filename is the name in the repository (default: base name of Path);
	// every Section carries it.
	Filename string
	// Compsigs are the signature files: one per Section (per-part
	// signatures), or one for the whole file (sent with the first Section),
	// or none.
	Compsigs []string
	// Params are the upload parameters; ETag and Section are set per Section.
	Params UploadParams
	// Wait makes Push wait for the last Section too (every other Section is
	// always waited for: iLO takes the next one only after the previous one
	// completed).
	Wait bool
	// Restarts is how many times one Section is sent again after the
	// connection broke while sending it and the update service shows that
	// the iLO did not take it (default 0: report instead).
	Restarts int
	// Every is the longest pause between readings of the update service.
	Every time.Duration
	// Seen is called with every update-service reading while waiting.
	Seen func(UpdateService)
}

// PushResult says what Push sent.
type PushResult struct {
	// BytesSent counts component bytes (not the form around them) of the
	// Sections the iLO accepted.
	BytesSent int64
	// Sections counts the upload requests the iLO accepted.
	Sections int
	// Restarted counts Sections sent again after a broken connection.
	Restarted int
	// Last is the update service as last read (Complete when waited for).
	Last UpdateService
}

// SectionCount returns how many Sections a file of size bytes needs (at least 1).
func SectionCount(size int64) int {
	if size <= SectionSize {
		return 1
	}
	return int((size + SectionSize - 1) / SectionSize)
}

// NewETag returns a fresh upload tag "<prefix>-<random hex>" of at most 63
// bytes, so that Oem.Hpe.UploadCurrentEtag identifies one operation.
func NewETag(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on Linux
	t := prefix + "-" + hex.EncodeToString(b[:])
	if len(t) > maxETag {
		t = t[len(t)-maxETag:]
	}
	return t
}

// Push sends a component to HttpPushUri Section by Section (reference
// §4.4): each Section is one streamed POST with its own tag
// (UploadCurrentEtag "<tag>-s<N>") and, when given, its own signature; the
// next Section goes only after the update service reported Complete for the
// previous one under that tag. A Section that ends in Error stops the push
// with an *OperationError.
//
// POSTs are never repeated blindly. When the connection breaks while a
// Section is sent (the error is uncertain), Push reads the update service:
// if it shows the Section's tag, the iLO took it and Push waits for it as
// usual; if not, the iLO did not take it and Push sends that Section again
// (at most Restarts times), else it returns an error saying that a rerun
// sends the component again from its first Section.
func (c *Client) Push(ctx context.Context, p PushRequest) (PushResult, error) {
	var res PushResult
	// One descriptor for every Section: a file replaced or rewritten while
	// it is sent is found (Unchanged) instead of being sent as a mix.
	file, err := OpenLocal(p.Path)
	if err != nil {
		return res, fmt.Errorf("push %s: %w", p.Path, err)
	}
	defer file.Close()
	if p.Filename == "" {
		p.Filename = filepath.Base(p.Path)
	}
	size := file.Size()
	n := SectionCount(size)
	if len(p.Compsigs) > 1 && len(p.Compsigs) != n {
		return res, fmt.Errorf("push %s: %d signatures for %d sections", p.Filename, len(p.Compsigs), n)
	}
	base := NewETag("fleetfw")
	before, err := c.UpdateService(ctx)
	if err != nil {
		return res, fmt.Errorf("push %s: %w", p.Filename, err)
	}
	res.Last = before
	for k := 0; k < n; k++ {
		off := int64(k) * SectionSize
		length := min(SectionSize, size-off)
		u := UploadRequest{Path: p.Path, File: file, Filename: p.Filename, Offset: off, Length: length, Params: p.Params}
		switch {
		case len(p.Compsigs) == n:
			u.CompsigPath = p.Compsigs[k]
		case len(p.Compsigs) == 1 && k == 0:
			u.CompsigPath = p.Compsigs[0]
		}
		if u.CompsigPath != "" {
			// Every Section's signature goes under the component's base
			// name, as iLOrest sends it (reference §4.4).
			u.CompsigFilename = strings.TrimSuffix(p.Filename, filepath.Ext(p.Filename)) + ".compsig"
		}
		if n > 1 {
			sec := k
			u.Params.Section = &sec
		}
		what := p.Filename
		if n > 1 {
			what = fmt.Sprintf("section %d of %d of %s", k+1, n, p.Filename)
		}
		last := k == n-1
		for attempt := 0; ; attempt++ {
			tag := fmt.Sprintf("%s-s%d", base, k)
			if attempt > 0 {
				tag = fmt.Sprintf("%s-s%dr%d", base, k, attempt)
			}
			u.Params.ETag = tag
			if cerr := file.Unchanged(); cerr != nil {
				return res, &FileChangedError{File: p.Filename, Accepted: res.Sections, Err: cerr}
			}
			_, err := c.Upload(ctx, u)
			if cerr := file.Unchanged(); cerr != nil {
				// The file changed while this Section was read: what the
				// iLO got may be a mix. Never wait for it as if whole.
				taken := res.Sections
				if err == nil || IsUncertain(err) {
					taken++
				}
				return res, &FileChangedError{File: p.Filename, Accepted: taken, Err: cerr}
			}
			if err != nil {
				if !IsUncertain(err) && !IsTransport(err) {
					return res, fmt.Errorf("push %s: %w", what, err)
				}
				// The connection broke while the Section was on its way.
				// Only the iLO can say whether it took it.
				us, rerr := c.UpdateService(ctx)
				if rerr != nil {
					return res, fmt.Errorf("push %s: %w; then reading the update service failed: %v", what, err, rerr)
				}
				res.Last = us
				if us.UploadCurrentEtag != tag {
					if attempt >= p.Restarts {
						return res, fmt.Errorf("push %s: %w; the update service does not show this upload (UploadCurrentEtag %q), so the iLO did not take it: run the task again to send %s from its first section", what, err, us.UploadCurrentEtag, p.Filename)
					}
					res.Restarted++
					continue
				}
			}
			res.Sections++
			res.BytesSent += length
			if last && !p.Wait {
				return res, nil
			}
			through := last && p.Params.UpdateTarget
			first := sectionPoll
			if through {
				first = firstUpdatePoll
			}
			us, err := c.WaitUpdate(ctx, UpdateWait{What: what, ETag: tag, Before: before, Every: p.Every, Seen: p.Seen,
				ThroughReset: through, First: first})
			res.Last = us
			if err != nil {
				return res, err // it names the section and the file
			}
			before = us
			break
		}
	}
	return res, nil
}
