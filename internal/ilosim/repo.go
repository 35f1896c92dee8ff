package ilosim

import (
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// Component is one file in the iLO Repository (HpeComponent).
type Component struct {
	ID                  string
	Filename            string
	Name                string
	Version             string
	Size                int64
	Created             time.Time
	DeviceClass         string
	Targets             []string
	UpdatableBy         []string
	Activates           string
	Criticality         string
	Configuration       string
	ExecutionParameters string
	// Image is what the image itself says.
	Image ImageInfo
	file  string // path on disk
}

// componentID derives the 8-hex-digit Id from the file name (iLO's scheme
// is unknown; stable ids keep a replaced file at the same URI).
func componentID(filename string) string {
	return fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(strings.ToLower(filename))))
}

// SetLockedFunc installs the function that says whether a task queue item or
// install set references filename; such components show Locked:true and
// cannot be deleted or replaced. The task queue package calls it.
func (i *ILO) SetLockedFunc(f func(filename string) bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.locked = f
}

func (i *ILO) lockedLocked(filename string) bool {
	return i.locked != nil && i.locked(filename)
}

// ComponentByFilename returns a copy of the repository component named
// filename (case-insensitive) and its @odata.id.
func (i *ILO) ComponentByFilename(filename string) (Component, string, bool) {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tickLocked(now)
	c, ok := i.repo[strings.ToLower(filename)]
	if !ok {
		return Component{}, "", false
	}
	return *c, i.ODataID(repositoryPath + "/" + c.ID), true
}

func (i *ILO) sortedComponentsLocked() []*Component {
	cs := make([]*Component, 0, len(i.repo))
	for _, c := range i.repo {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(a, b int) bool {
		return cs[a].Created.Before(cs[b].Created) || (cs[a].Created.Equal(cs[b].Created) && cs[a].ID < cs[b].ID)
	})
	return cs
}

func (i *ILO) usedBytesLocked() int64 {
	var n int64
	for _, c := range i.repo {
		n += c.Size
	}
	return n
}

func (i *ILO) freeBytesLocked() int64 {
	if i.repositoryFullLocked() {
		return 0
	}
	free := i.repoTotal - i.usedBytesLocked()
	if free < 0 {
		return 0
	}
	return free
}

// storeComponentLocked moves file (size bytes) into the repository as
// filename. It refuses a Locked name and a file that does not fit.
func (i *ILO) storeComponentLocked(file, filename string, size int64, info ImageInfo, now time.Time) (*Component, *wire.Message) {
	reg := i.prof.Registries
	key := strings.ToLower(filename)
	old := i.repo[key]
	if old != nil && i.lockedLocked(old.Filename) {
		m := reg.ILOMsg("ComponentUploadFailed")
		return nil, &m
	}
	var oldSize int64
	if old != nil {
		oldSize = old.Size
	}
	if i.repositoryFullLocked() || size > i.freeBytesLocked()+oldSize {
		m := reg.BaseMsg("ResourceExhaustion", "ComponentRepository")
		return nil, &m
	}
	dir, err := i.storageDirLocked()
	if err != nil {
		m := reg.BaseMsg("InternalError")
		return nil, &m
	}
	id := componentID(filename)
	dst := filepath.Join(dir, "repo-"+id)
	if err := os.Rename(file, dst); err != nil {
		m := reg.BaseMsg("InternalError")
		return nil, &m
	}
	name := info.Name
	if name == "" {
		name = filename
	}
	c := &Component{
		ID: id, Filename: filename, Name: name, Version: info.Version, Size: size, Created: now,
		DeviceClass: info.DeviceClass, Targets: info.Targets, UpdatableBy: info.UpdatableBy,
		Activates: info.Activates, Criticality: "Optional", Image: info, file: dst,
	}
	if c.Activates == "" {
		c.Activates = defaultActivates(info.Kind)
	}
	if len(c.UpdatableBy) == 0 {
		c.UpdatableBy = []string{"Bmc"}
	}
	if old != nil {
		c.Created = old.Created
	}
	if i.repo == nil {
		i.repo = map[string]*Component{}
	}
	i.repo[key] = c
	return c, nil
}

func (i *ILO) componentBodyLocked(c *Component) map[string]any {
	targets := c.Targets
	if targets == nil {
		targets = []string{}
	}
	b := map[string]any{
		"@odata.context":      "/redfish/v1/$metadata#HpeComponent.HpeComponent",
		"@odata.id":           i.ODataID(repositoryPath + "/" + c.ID),
		"@odata.type":         "#HpeComponent.v1_0_1.HpeComponent",
		"Id":                  c.ID,
		"Activates":           c.Activates,
		"ComponentUri":        "/fwrepo/" + c.Filename,
		"Configuration":       c.Configuration,
		"Created":             isoTime(c.Created),
		"Criticality":         c.Criticality,
		"ExecutionParameters": c.ExecutionParameters,
		"Filename":            c.Filename,
		"Filepath":            c.Filename,
		"Locked":              i.lockedLocked(c.Filename),
		"Name":                c.Name,
		"SizeBytes":           c.Size,
		"Targets":             targets,
		"UpdatableBy":         c.UpdatableBy,
		"Version":             c.Version,
	}
	if c.DeviceClass != "" {
		b["DeviceClass"] = c.DeviceClass
	}
	return b
}

func (i *ILO) componentByIDLocked(id string) *Component {
	for _, c := range i.repo {
		if strings.EqualFold(c.ID, id) {
			return c
		}
	}
	return nil
}

func (i *ILO) serveRepository(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	cs := i.sortedComponentsLocked()
	ids := make([]string, len(cs))
	for k, c := range cs {
		ids[k] = repositoryPath + "/" + c.ID
	}
	body := i.collection(r.Request, repositoryPath, "#HpeComponentCollection.HpeComponentCollection",
		"Component Collection", "Component Collection", ids,
		func(p string) map[string]any {
			return i.componentBodyLocked(i.componentByIDLocked(p[strings.LastIndex(p, "/")+1:]))
		})
	body["Oem"] = map[string]any{"Hpe": map[string]any{
		"@odata.context": "/redfish/v1/$metadata#HpeComponentRepositoryInformation.HpeComponentRepositoryInformation",
		"@odata.type":    "#HpeComponentRepositoryInformation.v2_0_0.HpeComponentRepositoryInformation",
		"ComponentCount": len(cs),
		"FreeSizeBytes":  i.freeBytesLocked(),
		"TotalSizeBytes": i.repoTotal,
	}}
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

const componentAllow = "GET, HEAD, PATCH, DELETE"

func (i *ILO) serveComponent(w http.ResponseWriter, r *Request) {
	i.mu.Lock()
	c := i.componentByIDLocked(r.Args[0])
	var body map[string]any
	if c != nil {
		body = i.componentBodyLocked(c)
	}
	i.mu.Unlock()
	w.Header().Set("Allow", componentAllow)
	if c == nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, body)
}

// patchComponent accepts Criticality, Configuration and ExecutionParameters
// (reference §5.5); anything else is Base PropertyNotWritable.
func (i *ILO) patchComponent(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	var body map[string]any
	if !i.decodeBody(w, r.Request, &body) {
		return
	}
	reg := i.prof.Registries
	w.Header().Set("Allow", componentAllow)
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.componentByIDLocked(r.Args[0])
	if c == nil {
		wire.WriteError(w, http.StatusNotFound, reg.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	if !i.ifMatch(w, r.Request, i.componentBodyLocked(c)) {
		return
	}
	for k, v := range body {
		s, ok := v.(string)
		switch k {
		case "Criticality", "Configuration", "ExecutionParameters":
			if !ok {
				wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueTypeError", fmt.Sprint(v), k))
				return
			}
		default:
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyNotWritable", k))
			return
		}
		if k == "Criticality" && s != "Optional" && s != "Recommended" && s != "Critical" {
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueNotInList", s, k))
			return
		}
	}
	for k, v := range body {
		switch k {
		case "Criticality":
			c.Criticality = v.(string)
		case "Configuration":
			c.Configuration = v.(string)
		case "ExecutionParameters":
			c.ExecutionParameters = v.(string)
		}
	}
	wire.WriteSuccess(w, reg)
}

// deleteComponent removes an unlocked component; a Locked one is refused
// with 400 Base ResourceInUse (status and MessageId UNCONFIRMED, §13.1).
func (i *ILO) deleteComponent(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	reg := i.prof.Registries
	w.Header().Set("Allow", componentAllow)
	i.mu.Lock()
	c := i.componentByIDLocked(r.Args[0])
	if c == nil {
		i.mu.Unlock()
		wire.WriteError(w, http.StatusNotFound, reg.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	if i.lockedLocked(c.Filename) {
		i.mu.Unlock()
		wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ResourceInUse"))
		return
	}
	if !i.ifMatch(w, r.Request, i.componentBodyLocked(c)) {
		i.mu.Unlock()
		return
	}
	delete(i.repo, strings.ToLower(c.Filename))
	i.mu.Unlock()
	_ = os.Remove(c.file)
	wire.WriteSuccess(w, reg)
}

// deleteUnlockedComponents is the OEM bulk action: 200 + Success.
func (i *ILO) deleteUnlockedComponents(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	i.mu.Lock()
	var files []string
	for k, c := range i.repo {
		if !i.lockedLocked(c.Filename) {
			files = append(files, c.file)
			delete(i.repo, k)
		}
	}
	i.mu.Unlock()
	for _, f := range files {
		_ = os.Remove(f)
	}
	wire.WriteSuccess(w, i.prof.Registries)
}

// serveFwrepo answers GET /fwrepo/<Filename> with the raw file (authenticated).
func (i *ILO) serveFwrepo(w http.ResponseWriter, r *http.Request, name string) {
	req := &Request{Request: r, ilo: i}
	if !i.authenticate(w, req) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		wire.WriteError(w, http.StatusMethodNotAllowed, i.prof.Registries.BaseMsg("ActionNotSupported", r.Method))
		return
	}
	i.mu.Lock()
	c, ok := i.repo[strings.ToLower(name)]
	var file string
	if ok {
		file = c.file
	}
	i.mu.Unlock()
	if !ok {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	f, err := os.Open(file)
	if err != nil {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", wire.ETag(fmt.Appendf(nil, "%s %d %d", c.ID, c.Size, c.Created.UnixNano())))
	http.ServeContent(w, r, "", c.Created, f)
}
