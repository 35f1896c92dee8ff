package component

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/fleetfw/ilo/internal/ansible"
	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// restarts is how often one Section is sent again after a broken
// connection, when the update service shows the iLO did not take it.
const restarts = 1

// predicted is the repository entry an upload will create, for diff.
type predicted struct {
	Filename  string `json:"filename"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
	Version   string `json:"version,omitempty"`
}

// entry returns the component as diff shows it (nil stays nil).
func entry(c *ilo.Component) any {
	if c == nil {
		return nil
	}
	return modkit.ComponentOf(*c)
}

// push keeps a local file (inspected by run) in the repository: look,
// compare, pre-flight, then stream it in Sections.
func push(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, f localFile, res Result) (Result, error) {
	repo, err := c.Repository(ctx)
	if err != nil {
		return res, err
	}
	have := repo.Find(f.filename)
	if a.UpdateRepository && have != nil && !a.Force && have.SizeBytes == f.size && sameVersion(f.version, have.Version) {
		res.Component = componentOf(have)
		res.Msg = fmt.Sprintf("%s is in the repository (%d bytes)", have.Filename, have.SizeBytes)
		return res, nil
	}
	if err := checkDowngrade(ctx, m, c, a, f.filename, f.version, f.deviceClass, f.targets); err != nil {
		return res, err
	}
	if err := preflight(ctx, c, a, f.filename, f.kind, f.size, have, repo); err != nil {
		return res, err
	}
	res.Changed = true
	res.Actions = append(res.Actions, Action{Action: "upload", Filename: f.filename, SizeBytes: f.size, Sections: f.sections, Source: f.path})
	res.Diff = &ansible.Diff{Before: entry(have), After: predicted{Filename: f.filename, SizeBytes: f.size, Version: f.version}}
	if m.CheckMode {
		res.Component = componentOf(have)
		res.Msg = fmt.Sprintf("would upload %s (%d bytes in %d sections)", f.filename, f.size, f.sections)
		return res, nil
	}
	wctx, cancel := waitContext(ctx, a)
	defer cancel()
	self, err := watchSelfFlash(wctx, c, a, f.filename)
	if err != nil {
		return failed(res, false, false, err)
	}
	seen := &modkit.Recorder{}
	pr, err := c.Push(wctx, ilo.PushRequest{
		Path: f.path, Filename: f.filename, Compsigs: f.compsigs,
		Params: ilo.UploadParams{UpdateRepository: a.UpdateRepository, UpdateTarget: a.UpdateTarget,
			UpdateRecoverySet: a.UpdateRecoverySet, TPMOverride: a.TPMOverride},
		Wait: a.Wait, Restarts: restarts, Seen: seen.Add,
	})
	res.BytesSent, res.SectionsSent, res.States = pr.BytesSent, pr.Sections, seen.States()
	if pr.Restarted > 0 {
		m.Warn("the connection broke while sending %s; the iLO had not taken that section, so it was sent again (%d time(s))", f.filename, pr.Restarted)
	}
	if err != nil {
		return failed(res, pr.Sections > 0, false, err)
	}
	res.Msg = fmt.Sprintf("uploaded %s (%d bytes in %d sections)", f.filename, pr.BytesSent, pr.Sections)
	if err := settle(wctx, c, self, &res); err != nil {
		return failed(res, true, true, err)
	}
	return finish(ctx, c, a, f.filename, res)
}

// watchSelfFlash starts following a flash of the iLO's own firmware
// (update_target with an ilo<gen>_<version> file, wait): nil when the task
// flashes nothing of the iLO or does not wait.
func watchSelfFlash(ctx context.Context, c *ilo.Client, a *Args, filename string) (*modkit.SelfFlash, error) {
	if !a.UpdateTarget || !a.Wait || fwimage.ILOGeneration(filename) == 0 {
		return nil, nil
	}
	return modkit.WatchSelfFlash(ctx, c, filename, fwimage.NameVersion(filename))
}

// settle waits, when self follows an iLO flash, until the iLO runs its new
// firmware and verifies the version: new_version is what the iLO reports.
func settle(ctx context.Context, c *ilo.Client, self *modkit.SelfFlash, res *Result) error {
	if self == nil {
		return nil
	}
	st, err := self.Settle(ctx, c)
	if modkit.IsOutcomeUnknown(err) {
		return err // Complete, but the iLO's new firmware is not confirmed
	}
	res.ILOReset = st.Reset
	res.NewVersion = st.Manager.FirmwareVersion
	if err != nil {
		return err
	}
	res.Msg += "; " + st.Msg()
	return nil
}

// finish reads the entry the upload or download left in the repository.
func finish(ctx context.Context, c *ilo.Client, a *Args, filename string, res Result) (Result, error) {
	if !a.Wait || !a.UpdateRepository {
		res.Component = nil
		return res, nil
	}
	after, err := c.Component(ctx, filename)
	if err != nil {
		return failed(res, true, true, err)
	}
	if after == nil {
		return failed(res, true, true, fmt.Errorf("the iLO reported Complete for %s but its repository does not list it", filename))
	}
	res.Component = componentOf(after)
	if res.Diff != nil {
		res.Diff.After = *res.Component
	}
	return res, nil
}

// preflight refuses, before any byte is sent, what would fail later: a
// Locked entry to replace, a busy update service, a third-party package the
// iLO does not accept, and a repository without room. size < 0 means the
// size is unknown (a URL that did not say).
func preflight(ctx context.Context, c *ilo.Client, a *Args, filename, kind string, size int64, have *ilo.Component, repo ilo.Repository) error {
	if a.UpdateRepository && have != nil && have.Locked {
		lockers, err := c.Lockers(ctx, have.Filename)
		return errLocked(err, "replace", *have, lockers)
	}
	us, err := c.UpdateService(ctx)
	if err != nil {
		return err
	}
	if err := modkit.CheckIdle(us); err != nil {
		return err
	}
	if err := modkit.CheckThirdParty(filename, kind, us); err != nil {
		return err
	}
	if a.UpdateRepository {
		return modkit.CheckRoom(repo, filename, size, "delete components first (state=absent, all_unlocked=true)")
	}
	return nil
}

// pull has the iLO download a component (AddFromUri), in Sections when
// image_uri lists the parts of a split component.
func pull(ctx context.Context, m *ansible.Run, c *ilo.Client, a *Args, res Result) (Result, error) {
	u, err := url.Parse(a.ImageURI[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return res, fmt.Errorf("image_uri %q: want an http or https URL", a.ImageURI[0])
	}
	filename := a.Filename
	if filename == "" {
		filename = path.Base(u.Path)
	}
	kind := fwimage.Type(filename)
	if kind == "" || filename == "/" || filename == "." {
		return res, fmt.Errorf("%s cannot go to the iLO Repository: give filename with the type of the component; it takes %s", filename, typesText())
	}
	if fwimage.IsSmartComponent(kind) && len(a.CompsigURI) == 0 {
		return res, fmt.Errorf("%s is a Smart Component: the iLO takes it only with its signature; give compsig_uri", filename)
	}
	size, err := c.PullSize(ctx, a.ImageURI)
	if err != nil {
		m.Warn("could not read the size of image_uri (%v): the repository entry is compared by file name and version only, and the free space is not checked", err)
		size = -1
	}
	version := fwimage.NameVersion(filename)
	repo, err := c.Repository(ctx)
	if err != nil {
		return res, err
	}
	have := repo.Find(filename)
	if a.UpdateRepository && have != nil && !a.Force && (size < 0 || have.SizeBytes == size) && sameVersion(version, have.Version) {
		res.Component = componentOf(have)
		res.Msg = fmt.Sprintf("%s is in the repository (%d bytes)", have.Filename, have.SizeBytes)
		return res, nil
	}
	if err := checkDowngrade(ctx, m, c, a, filename, version, "", nil); err != nil {
		return res, err
	}
	if err := preflight(ctx, c, a, filename, kind, size, have, repo); err != nil {
		return res, err
	}
	res.Changed = true
	known := max(size, 0) // 0: unknown, left out of actions and diff
	res.Actions = append(res.Actions, Action{Action: "download", Filename: filename, SizeBytes: known, Sections: len(a.ImageURI), Source: strings.Join(a.ImageURI, " ")})
	res.Diff = &ansible.Diff{Before: entry(have), After: predicted{Filename: filename, SizeBytes: known, Version: version}}
	if m.CheckMode {
		res.Component = componentOf(have)
		res.Msg = fmt.Sprintf("would have the iLO download %s (%s in %d sections)", filename, sizeText(size), len(a.ImageURI))
		return res, nil
	}
	wctx, cancel := waitContext(ctx, a)
	defer cancel()
	self, err := watchSelfFlash(wctx, c, a, filename)
	if err != nil {
		return failed(res, false, false, err)
	}
	seen := &modkit.Recorder{}
	base := ilo.NewETag("fleetfw")
	before, err := c.UpdateService(wctx)
	if err != nil {
		return failed(res, false, false, err)
	}
	for k, image := range a.ImageURI {
		req := ilo.AddFromUriRequest{
			ImageURI: image, UpdateRepository: a.UpdateRepository, UpdateTarget: a.UpdateTarget,
			ComponentFileName: filename, TPMOverrideFlag: a.TPMOverride, UpdateRecoverySet: a.UpdateRecoverySet,
			UploadCurrentEtag: fmt.Sprintf("%s-s%d", base, k+1),
		}
		switch len(a.CompsigURI) {
		case len(a.ImageURI):
			req.CompSigURI = a.CompsigURI[k]
		case 1:
			if k == 0 {
				req.CompSigURI = a.CompsigURI[0]
			}
		}
		what := filename
		if len(a.ImageURI) > 1 {
			sec := k + 1 // AddFromUri numbers Sections from 1 (reference §4.4)
			req.Section = &sec
			what = fmt.Sprintf("section %d of %d of %s", k+1, len(a.ImageURI), filename)
		}
		acc, err := c.AddFromUri(wctx, req)
		if err != nil {
			if !ilo.IsUncertain(err) && !ilo.IsTransport(err) {
				return failed(res, res.SectionsSent > 0, false, fmt.Errorf("add %s: %w", what, err))
			}
			us, rerr := c.UpdateService(wctx)
			if rerr != nil {
				return failed(res, true, false, fmt.Errorf("add %s: %w; then reading the update service failed: %v", what, err, rerr))
			}
			if us.UploadCurrentEtag != req.UploadCurrentEtag {
				// Not taken: a known outcome (%v keeps the uncertain error out of the chain).
				return failed(res, res.SectionsSent > 0, false, fmt.Errorf("add %s: %v; the update service does not show this request, so the iLO did not take it: run the task again", what, err))
			}
			acc = ilo.Accepted{} // taken: follow the update service
		}
		res.SectionsSent++
		if k == len(a.ImageURI)-1 && !a.Wait {
			break
		}
		us, err := c.WaitAccepted(wctx, acc, ilo.UpdateWait{What: what, ETag: req.UploadCurrentEtag, Before: before, Seen: seen.Add,
			ThroughReset: a.UpdateTarget && k == len(a.ImageURI)-1})
		res.States = seen.States()
		if err != nil {
			return failed(res, true, false, err) // it names the section and the file
		}
		before = us
	}
	res.Msg = fmt.Sprintf("the iLO downloaded %s", filename)
	res.States = seen.States()
	if err := settle(wctx, c, self, &res); err != nil {
		return failed(res, true, true, err)
	}
	return finish(ctx, c, a, filename, res)
}

// sizeText is "N bytes", or "size unknown" for a negative size.
func sizeText(size int64) string {
	if size < 0 {
		return "size unknown"
	}
	return fmt.Sprintf("%d bytes", size)
}
