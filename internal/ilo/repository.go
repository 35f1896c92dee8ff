package ilo

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// Paths into the ComponentRepository collection and its members (reference §5).
const (
	pathRepoFree           = "Oem.Hpe.FreeSizeBytes"
	pathRepoTotal          = "Oem.Hpe.TotalSizeBytes"
	pathRepoCount          = "Oem.Hpe.ComponentCount"
	pathCompID             = "Id"
	pathCompName           = "Name"
	pathCompFilename       = "Filename"
	pathCompFilepath       = "Filepath"
	pathCompURI            = "ComponentUri"
	pathCompVersion        = "Version"
	pathCompSize           = "SizeBytes"
	pathCompCreated        = "Created"
	pathCompCriticality    = "Criticality"
	pathCompActivates      = "Activates"
	pathCompType           = "ComponentType"
	pathCompDeviceClass    = "DeviceClass"
	pathCompTargets        = "Targets"
	pathCompUpdatableBy    = "UpdatableBy"
	pathCompLocked         = "Locked"
	pathCompConfiguration  = "Configuration"
	pathCompExecParameters = "ExecutionParameters"
)

// Component is one file in the iLO Repository.
type Component struct {
	ID   string
	URI  string
	Name string
	// Filename is the repository's unique key.
	Filename string
	Filepath string
	// ComponentURI downloads the file (/fwrepo/<Filename>).
	ComponentURI string
	Version      string
	SizeBytes    int64
	Created      string
	Criticality  string
	Activates    string
	Type         string
	DeviceClass  string
	Targets      []string
	UpdatableBy  []string
	// Locked is true while an install set or a queued task references it: it
	// can then be neither replaced nor deleted.
	Locked              bool
	Configuration       string
	ExecutionParameters string
	ETag                string
}

// Repository is the iLO Repository: its components and its space.
type Repository struct {
	URI        string
	Components []Component
	// TotalBytes and FreeBytes come from Oem.Hpe of the collection; there is
	// no used-bytes field (used = total − free).
	TotalBytes int64
	FreeBytes  int64
	Count      int
}

// ParseComponent reads an HpeComponent resource.
func ParseComponent(body []byte) (Component, error) {
	r, err := parseObject(body)
	if err != nil {
		return Component{}, fmt.Errorf("parse component: %w", err)
	}
	return component(r), nil
}

func component(r gjson.Result) Component {
	return Component{
		ID:                  r.Get(pathCompID).String(),
		URI:                 r.Get(pathODataID).String(),
		Name:                r.Get(pathCompName).String(),
		Filename:            r.Get(pathCompFilename).String(),
		Filepath:            r.Get(pathCompFilepath).String(),
		ComponentURI:        r.Get(pathCompURI).String(),
		Version:             r.Get(pathCompVersion).String(),
		SizeBytes:           r.Get(pathCompSize).Int(),
		Created:             r.Get(pathCompCreated).String(),
		Criticality:         r.Get(pathCompCriticality).String(),
		Activates:           r.Get(pathCompActivates).String(),
		Type:                r.Get(pathCompType).String(),
		DeviceClass:         r.Get(pathCompDeviceClass).String(),
		Targets:             stringList(r.Get(pathCompTargets)),
		UpdatableBy:         stringList(r.Get(pathCompUpdatableBy)),
		Locked:              r.Get(pathCompLocked).Bool(),
		Configuration:       r.Get(pathCompConfiguration).String(),
		ExecutionParameters: r.Get(pathCompExecParameters).String(),
		ETag:                r.Get(pathETag).String(),
	}
}

// ParseRepository reads an expanded ComponentRepository collection (members
// that are bare links are left out).
func ParseRepository(body []byte) (Repository, error) {
	r, err := parseObject(body)
	if err != nil {
		return Repository{}, fmt.Errorf("parse repository: %w", err)
	}
	var members []gjson.Result
	r.Get(pathMembers).ForEach(func(_, m gjson.Result) bool {
		if expanded(m) {
			members = append(members, m)
		}
		return true
	})
	return repository(r, members), nil
}

func repository(coll gjson.Result, members []gjson.Result) Repository {
	repo := Repository{
		URI:        coll.Get(pathODataID).String(),
		TotalBytes: coll.Get(pathRepoTotal).Int(),
		FreeBytes:  coll.Get(pathRepoFree).Int(),
		Count:      int(coll.Get(pathRepoCount).Int()),
		Components: make([]Component, 0, len(members)),
	}
	for _, m := range members {
		repo.Components = append(repo.Components, component(m))
	}
	if repo.Count == 0 {
		repo.Count = len(repo.Components)
	}
	return repo
}

// Find returns the component with that file name (iLO compares names
// case-insensitively; iLOrest does too), or nil.
func (r Repository) Find(filename string) *Component {
	for i := range r.Components {
		if strings.EqualFold(r.Components[i].Filename, filename) {
			return &r.Components[i]
		}
	}
	return nil
}

// FindID returns the component with that Id, or nil.
func (r Repository) FindID(id string) *Component {
	for i := range r.Components {
		if r.Components[i].ID == id {
			return &r.Components[i]
		}
	}
	return nil
}

// Repository reads the iLO Repository in one expanded request:
// GET {UpdateService.Oem.Hpe.ComponentRepository}?$expand=.
func (c *Client) Repository(ctx context.Context) (Repository, error) {
	links, err := c.updateLinks(ctx)
	if err != nil {
		return Repository{}, fmt.Errorf("read repository: %w", err)
	}
	members, coll, err := c.collection(ctx, links.ComponentRepository)
	if err != nil {
		return Repository{}, fmt.Errorf("read repository: %w", err)
	}
	repo := repository(coll, members)
	if repo.URI == "" {
		repo.URI = links.ComponentRepository
	}
	return repo, nil
}

// Component returns the repository component with that file name, or nil
// (and no error) when there is none.
func (c *Client) Component(ctx context.Context, filename string) (*Component, error) {
	repo, err := c.Repository(ctx)
	if err != nil {
		return nil, err
	}
	return repo.Find(filename), nil
}

// DeleteComponent deletes a component: DELETE {component.URI}. A component
// that is already gone is success. It refuses a Locked component before
// sending anything, and a component whose Allow header lacks DELETE.
func (c *Client) DeleteComponent(ctx context.Context, comp Component) error {
	if comp.Locked {
		return fmt.Errorf("delete component %s: it is locked by an install set or a queued task", comp.Filename)
	}
	ok, err := c.Allows(ctx, comp.URI, http.MethodDelete)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete component %s: %w", comp.Filename, err)
	}
	if !ok {
		return fmt.Errorf("delete component %s: the iLO does not allow DELETE on %s", comp.Filename, comp.URI)
	}
	if err := c.Delete(ctx, comp.URI); err != nil {
		return fmt.Errorf("delete component %s: %w", comp.Filename, err)
	}
	return nil
}

// DeleteUnlockedComponents deletes every component that is not Locked:
// POST {UpdateService.Oem.Hpe.Actions.DeleteUnlockedComponents.target}.
func (c *Client) DeleteUnlockedComponents(ctx context.Context) error {
	return c.updateAction(ctx, "DeleteUnlockedComponents", func(a UpdateActions) string { return a.DeleteUnlockedComponents }, []byte("{}"))
}

// updateAction posts body to one of the update service's OEM actions.
func (c *Client) updateAction(ctx context.Context, name string, target func(UpdateActions) string, body []byte) error {
	us, err := c.cachedUpdateService(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	uri := target(us.Actions)
	if uri == "" {
		return fmt.Errorf("%s: the iLO's update service does not offer this action", name)
	}
	if _, err := c.Post(ctx, uri, body); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
