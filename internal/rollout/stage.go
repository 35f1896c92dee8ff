package rollout

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/fleetfw/ilo/internal/fwplan"
	"github.com/fleetfw/ilo/internal/ilo"
)

// stage sends the first file the repository lacks, or follows the
// download the iLO is busy with; it moves on to the install set once the
// repository lists every file. wait is true while a download runs.
func (r *run) stage(ctx context.Context) (wait bool, err error) {
	c, err := r.client(ctx)
	if err != nil {
		return false, err
	}
	if s := r.st.Staging; s != nil {
		us, err := c.UpdateService(ctx)
		if err != nil {
			return false, err
		}
		if us.UploadCurrentEtag == s.Tag {
			switch us.State {
			case ilo.StateError:
				return false, fmt.Errorf("the iLO's download of %s ended in Error: %s", s.File, messageText(us.Result))
			case ilo.StateComplete:
			default:
				if waited := seconds(now() - s.Since); waited > int(r.opt.WaitTimeout.Seconds()) {
					return false, fmt.Errorf("the iLO's download of %s has not ended after %d s (wait_timeout %d): update service %s",
						s.File, waited, int(r.opt.WaitTimeout.Seconds()), us.State)
				}
				r.st.Line = r.line(fmt.Sprintf("staging: the iLO downloads %s (%s)", s.File, us.State))
				return true, nil
			}
		}
		r.st.Staging = nil
		repo, err := c.Repository(ctx)
		if err != nil {
			return false, err
		}
		if repo.Find(s.File) == nil {
			return false, fmt.Errorf("the iLO ended its download of %s (update service %s) but its repository does not list it", s.File, us.State)
		}
	}
	repo, err := c.Repository(ctx)
	if err != nil {
		return false, err
	}
	var next *fwplan.File
	left := 0
	for i, f := range r.st.Files {
		if repo.Find(f.File) == nil {
			left++
			if next == nil {
				next = &r.st.Files[i]
			}
		}
	}
	if next == nil {
		r.st.Phase = PhaseInstallSet
		return false, nil
	}
	if r.opt.CatalogURL != "" {
		return true, r.pull(ctx, c, *next, left)
	}
	return false, r.push(ctx, c, *next, left)
}

// pull asks the iLO to download f from the catalog URL, with its
// signature when the catalog folder has one.
func (r *run) pull(ctx context.Context, c *ilo.Client, f fwplan.File, left int) error {
	base := strings.TrimRight(r.opt.CatalogURL, "/")
	req := ilo.AddFromUriRequest{ImageURI: base + "/" + f.File, UpdateRepository: true, ComponentFileName: f.File,
		UploadCurrentEtag: ilo.NewETag("fleetfw-rollout")}
	dir := r.cat.Dir
	if f.Path != nil {
		dir = filepath.Dir(*f.Path)
	}
	if sig := fwimage.CompsigName(f.File, 0); fileExists(filepath.Join(dir, sig)) {
		req.CompSigURI = base + "/" + sig
	}
	r.wrote = true
	if _, err := c.AddFromUri(ctx, req); err != nil {
		return fmt.Errorf("stage %s (AddFromUri %s): %w", f.File, req.ImageURI, err)
	}
	r.st.Staging = &Staging{File: f.File, Tag: req.UploadCurrentEtag, Since: now()}
	r.st.Line = r.line(fmt.Sprintf("staging: the iLO downloads %s (%d file(s) to stage)", f.File, left))
	return nil
}

// push sends the local file f (and its signatures found beside it) and
// waits until the iLO has stored it.
func (r *run) push(ctx context.Context, c *ilo.Client, f fwplan.File, left int) error {
	if f.Path == nil {
		return fmt.Errorf("stage %s: the catalog has no local file for it; give catalog_url", f.File)
	}
	sigs, err := compsigs(*f.Path)
	if err != nil {
		return err
	}
	r.wrote = true
	if _, err := c.Push(ctx, ilo.PushRequest{Path: *f.Path, Filename: f.File, Compsigs: sigs,
		Params: ilo.UploadParams{UpdateRepository: true}, Wait: true}); err != nil {
		return fmt.Errorf("stage %s (upload): %w", f.File, err)
	}
	r.st.Line = r.line(fmt.Sprintf("staging: uploaded %s (%d file(s) were left to stage)", f.File, left))
	return nil
}

// compsigs finds the signatures beside path: one per Section when every
// per-part signature is there, else the whole file's, else none.
func compsigs(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("stage: %w", err)
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	if n := ilo.SectionCount(st.Size()); n > 1 {
		var parts []string
		for k := 1; k <= n; k++ {
			if p := filepath.Join(dir, fwimage.CompsigName(base, k)); fileExists(p) {
				parts = append(parts, p)
			}
		}
		if len(parts) == n {
			return parts, nil
		}
	}
	if p := filepath.Join(dir, fwimage.CompsigName(base, 0)); fileExists(p) {
		return []string{p}, nil
	}
	return nil, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
