// Package fwplan decides, for each FirmwareInventory item of one server,
// what a firmware catalog (internal/catalog) offers it and what to do:
// upgrade, downgrade, nothing, or why not. It is pure Go: the caller reads
// the inventory and the catalog.
//
// Applicability (reference §1.8, issue 16): an entry applies to an item when
// one of its target GUIDs is in the item's Oem.Hpe.Targets and its device
// class equals the item's Oem.Hpe.DeviceClass (or the item has none). An
// entry known only by its name and device class (no targets) applies to the
// items of that class. A System ROM family is a target too, and a ROM of
// another family never applies (the item's family comes from its version,
// "A47 v2.58 (05/19/2022)", or its family target). An iLO firmware file
// whose name carries a generation (ilo6_171.bin) applies only to an iLO of
// that generation.
//
// Choice: of the applicable entries that are not for the OS agent only,
// the highest version whose minimum_active_version the item meets; when it
// is not the highest, it is a stepping stone and the item names the highest
// as then_version. Versions compare with internal/fwversion; what it cannot
// compare is "unknown", never a guess. A catalog older than the running
// version is a downgrade, installed only with AllowDowngrade.
//
// Order: System ROM and platform firmware (the System Board) first, then
// other devices, iLO firmware last (its flash resets the iLO); files of one
// rank by name. Files are numbered from 1; an item that installs carries its
// file's number, any other item 0.
//
// Unconfirmed choice: an inventory where no item is Updateable — not even
// the iLO itself — is one whose firmware does not serve the property (iLO 5
// 2.46, reference real-ilo-resources.md); the caller passes Updateable nil
// (unknown) then, and only Updateable false means not_updatable.
package fwplan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/catalog"
	"github.com/fleetfw/ilo/internal/fwversion"
)

// Actions of a plan step.
const (
	Upgrade      = "upgrade"
	Downgrade    = "downgrade"
	Current      = "current"
	Blocked      = "blocked"
	NotInCatalog = "not_in_catalog"
	NotUpdatable = "not_updatable"
	NeedsOSAgent = "needs_os_agent"
	Unknown      = "unknown"
)

// Install ranks: platform firmware first, iLO last.
const (
	rankPlatform = 1
	rankDevice   = 2
	rankILO      = 3
	// systemBoard is the DeviceContext of platform firmware.
	systemBoard = "System Board"
)

// Actions lists every action, in the order the documentation gives them.
func Actions() []string {
	return []string{Upgrade, Downgrade, Current, Blocked, NotInCatalog, NotUpdatable, NeedsOSAgent, Unknown}
}

// Item is one FirmwareInventory item.
type Item struct {
	ID            string
	Name          string
	DeviceContext string
	DeviceClass   string
	Targets       []string
	Version       string
	// Updateable is nil when the iLO does not say.
	Updateable *bool
}

// Server is what the plan says of the server.
type Server struct {
	Model         string `json:"model"`
	Serial        string `json:"serial"`
	ILOGeneration int    `json:"ilo_generation"`
	ILOFirmware   string `json:"ilo_firmware"`
}

// Options change the plan.
type Options struct {
	// AllowDowngrade plans (install: true) a catalog version older than
	// the running one.
	AllowDowngrade bool
}

// Step is the plan for one inventory item.
type Step struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	DeviceContext  string  `json:"device_context"`
	DeviceClass    string  `json:"device_class"`
	CurrentVersion string  `json:"current_version"`
	TargetVersion  *string `json:"target_version"`
	File           *string `json:"file"`
	Action         string  `json:"action"`
	Install        bool    `json:"install"`
	RebootRequired bool    `json:"reboot_required"`
	PowerOff       bool    `json:"power_off"`
	Order          int     `json:"order"`
	ResetsILO      bool    `json:"resets_ilo"`
	ThenVersion    *string `json:"then_version"`
	Reason         string  `json:"reason"`
}

// File is a file to stage, in install order.
type File struct {
	File           string  `json:"file"`
	Path           *string `json:"path"`
	Bytes          int64   `json:"bytes"`
	Version        string  `json:"version"`
	Order          int     `json:"order"`
	RebootRequired bool    `json:"reboot_required"`
	PowerOff       bool    `json:"power_off"`
	ResetsILO      bool    `json:"resets_ilo"`
	// Items are the inventory ids the file installs on.
	Items []string `json:"items"`
}

// Plan is the plan for one server.
type Plan struct {
	Plan      []Step         `json:"plan"`
	Files     []File         `json:"files"`
	Summary   map[string]int `json:"summary"`
	Compliant bool           `json:"compliant"`
}

// Index is a catalog prepared for planning many servers: entries by
// target and by device class, versions parsed once.
type Index struct {
	entries  []catalog.Entry
	versions []fwversion.Version
	family   []string
	byTarget map[string][]int
	byClass  map[string][]int // entries without targets
}

// NewIndex prepares entries.
func NewIndex(entries []catalog.Entry) *Index {
	x := &Index{entries: entries, byTarget: map[string][]int{}, byClass: map[string][]int{}}
	for i, e := range entries {
		x.versions = append(x.versions, fwversion.Parse(e.Version))
		x.family = append(x.family, e.ROMFamily())
		if len(e.Targets) == 0 {
			if e.DeviceClass != "" {
				x.byClass[e.DeviceClass] = append(x.byClass[e.DeviceClass], i)
			}
			continue
		}
		for _, t := range e.Targets {
			x.byTarget[strings.ToLower(t)] = append(x.byTarget[strings.ToLower(t)], i)
		}
	}
	return x
}

// Make plans items against the catalog.
func (x *Index) Make(items []Item, srv Server, opt Options) Plan {
	p := Plan{Plan: make([]Step, 0, len(items)), Files: []File{}, Summary: map[string]int{}}
	for _, a := range Actions() {
		p.Summary[a] = 0
	}
	type pick struct{ step, entry, rank int }
	var picks []pick
	for _, it := range items {
		s, entry := x.step(it, srv, opt)
		p.Summary[s.Action]++
		if s.Install {
			picks = append(picks, pick{len(p.Plan), entry, rank(it, x.entries[entry])})
		}
		p.Plan = append(p.Plan, s)
	}
	// A file flashes every device it applies to, so a file that upgrades
	// one item and is older than what another runs would downgrade that
	// one too (the PSUs of one server, say): without AllowDowngrade it is
	// not installed, and the items it would have upgraded are blocked.
	if !opt.AllowDowngrade {
		kept := picks[:0]
		for _, pk := range picks {
			if hit := x.downgrades(pk.entry, items, srv); len(hit) > 0 {
				st := &p.Plan[pk.step]
				p.Summary[st.Action]--
				p.Summary[Blocked]++
				st.Action, st.Install, st.ThenVersion = Blocked, false, nil
				st.Reason = fmt.Sprintf("%s would also downgrade %s: held (set allow_downgrade: true to install it)",
					x.entries[pk.entry].File, strings.Join(hit, ", "))
				continue
			}
			kept = append(kept, pk)
		}
		picks = kept
	}
	slices.SortStableFunc(picks, func(a, b pick) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return strings.Compare(x.entries[a.entry].File, x.entries[b.entry].File)
	})
	fileNo := map[int]int{} // entry → index in p.Files
	for _, pk := range picks {
		k, seen := fileNo[pk.entry]
		if !seen {
			e := x.entries[pk.entry]
			f := File{File: e.File, Bytes: e.Bytes, Version: e.Version, Order: len(p.Files) + 1,
				RebootRequired: e.RebootRequired, PowerOff: e.PowerOff, ResetsILO: e.ResetsILO(), Items: []string{}}
			if e.Path != "" {
				f.Path = &e.Path
			}
			k = len(p.Files)
			fileNo[pk.entry] = k
			p.Files = append(p.Files, f)
		}
		p.Files[k].Items = append(p.Files[k].Items, p.Plan[pk.step].ID)
		p.Plan[pk.step].Order = p.Files[k].Order
	}
	p.Compliant = len(p.Files) == 0 && p.Summary[Blocked] == 0
	return p
}

// downgrades names the items entry i applies to that run a newer version
// than it ("Power Supply Firmware (Bay 4) 238.00 → 3.11").
func (x *Index) downgrades(i int, items []Item, srv Server) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(x.candidates(it, srv), i) {
			continue
		}
		if c, ok := x.versions[i].Compare(fwversion.Parse(it.Version)); ok && c < 0 {
			name := it.Name
			if it.DeviceContext != "" {
				name += " (" + it.DeviceContext + ")"
			}
			out = append(out, fmt.Sprintf("%s %s → %s", name, it.Version, x.entries[i].Version))
		}
	}
	return out
}

// Make plans items against entries (NewIndex(entries).Make).
func Make(items []Item, entries []catalog.Entry, srv Server, opt Options) Plan {
	return NewIndex(entries).Make(items, srv, opt)
}

// rank is the install rank of entry e on item it.
func rank(it Item, e catalog.Entry) int {
	switch {
	case e.ResetsILO():
		return rankILO
	case strings.EqualFold(e.DeviceClass, catalog.BIOSDeviceClass), e.ROMFamily() != "",
		strings.EqualFold(it.DeviceContext, systemBoard):
		return rankPlatform
	}
	return rankDevice
}

// candidates returns the entries that apply to it, in catalog order.
func (x *Index) candidates(it Item, srv Server) []int {
	seen := map[int]bool{}
	var out []int
	add := func(i int) {
		if !seen[i] && x.applies(i, it, srv) {
			out = append(out, i)
		}
		seen[i] = true
	}
	for _, t := range it.Targets {
		for _, i := range x.byTarget[strings.ToLower(t)] {
			add(i)
		}
	}
	if it.DeviceClass != "" {
		for _, i := range x.byClass[strings.ToLower(it.DeviceClass)] {
			add(i)
		}
	}
	slices.Sort(out)
	return out
}

// applies checks what the target index cannot: device class, ROM family,
// iLO generation.
func (x *Index) applies(i int, it Item, srv Server) bool {
	e := x.entries[i]
	if e.DeviceClass != "" && it.DeviceClass != "" && !strings.EqualFold(e.DeviceClass, it.DeviceClass) {
		return false
	}
	if f := x.family[i]; f != "" {
		if have := itemFamily(it); have != "" && !strings.EqualFold(have, f) {
			return false
		}
	}
	if g := e.ILOGeneration(); g != 0 && srv.ILOGeneration != 0 && g != srv.ILOGeneration {
		return false
	}
	return true
}

// itemFamily is the System ROM family of an item: its version's or a
// family target's ("" when none).
func itemFamily(it Item) string {
	if f := fwversion.Parse(it.Version).Family; f != "" {
		return f
	}
	for _, t := range it.Targets {
		if f := catalog.TargetFamily(t); f != "" {
			return f
		}
	}
	return ""
}

// step decides for one item; entry is the chosen entry (-1: none).
func (x *Index) step(it Item, srv Server, opt Options) (Step, int) {
	s := Step{ID: it.ID, Name: it.Name, DeviceContext: it.DeviceContext, DeviceClass: it.DeviceClass, CurrentVersion: it.Version}
	cands := x.candidates(it, srv)
	if len(cands) == 0 {
		s.Action, s.Reason = NotInCatalog, "no catalog entry targets this device"
		return s, -1
	}
	var oob []int
	for _, i := range cands {
		if !x.entries[i].OSAgentOnly() {
			oob = append(oob, i)
		}
	}
	if len(oob) == 0 {
		best := x.highest(cands)
		x.target(&s, best)
		s.Action = NeedsOSAgent
		s.Reason = fmt.Sprintf("only an agent in the host OS (SUM, SUT or iSUT) installs %s (UpdatableBy: RuntimeAgent); the iLO cannot", x.entries[best].File)
		return s, best
	}
	if it.Updateable != nil && !*it.Updateable {
		best := x.highest(oob)
		x.target(&s, best)
		s.Action = NotUpdatable
		s.Reason = "the iLO reports this device as not updatable (Updateable: false): it cannot be flashed out of band"
		return s, best
	}
	cur := fwversion.Parse(it.Version)
	var known []int
	for _, i := range oob {
		if _, ok := x.versions[i].Compare(cur); ok {
			known = append(known, i)
		}
	}
	if len(known) == 0 {
		x.target(&s, oob[0])
		s.Action = Unknown
		s.Reason = fmt.Sprintf("cannot compare the running version %q with the catalog's %q", it.Version, x.entries[oob[0]].Version)
		return s, oob[0]
	}
	x.sortDesc(known)
	top := known[0]
	c, _ := x.versions[top].Compare(cur)
	switch {
	case c == 0:
		x.target(&s, top)
		s.Action, s.Reason = Current, "runs the catalog's version"
		return s, top
	case c < 0:
		x.target(&s, top)
		s.Action, s.Install = Downgrade, opt.AllowDowngrade
		s.Reason = fmt.Sprintf("runs %s, newer than the catalog's %s; ", it.Version, x.entries[top].Version)
		if opt.AllowDowngrade {
			s.Reason += "downgrade planned (allow_downgrade: true)"
		} else {
			s.Reason += "held (set allow_downgrade: true to install it)"
		}
		return s, top
	}
	for _, i := range known {
		if c, _ := x.versions[i].Compare(cur); c <= 0 {
			break
		}
		if met, _ := x.minimumMet(i, cur); !met {
			continue
		}
		x.target(&s, i)
		s.Action, s.Install = Upgrade, true
		s.Reason = fmt.Sprintf("%s → %s", it.Version, x.entries[i].Version)
		if i != top {
			then := x.entries[top].Version
			s.ThenVersion = &then
			s.Reason = fmt.Sprintf("stepping stone: %s needs %s running first; install %s, then %s", then, x.entries[top].MinimumActiveVersion, x.entries[i].Version, then)
		}
		return s, i
	}
	x.target(&s, top)
	s.Action = Blocked
	_, why := x.minimumMet(top, cur)
	s.Reason = fmt.Sprintf("%s needs %s running first (%s) and the catalog has no version between", x.entries[top].Version, x.entries[top].MinimumActiveVersion, why)
	return s, top
}

// minimumMet reports whether cur meets entry i's minimum_active_version,
// and why not.
func (x *Index) minimumMet(i int, cur fwversion.Version) (bool, string) {
	m := x.entries[i].MinimumActiveVersion
	if m == "" {
		return true, ""
	}
	c, ok := cur.Compare(fwversion.Parse(m))
	if !ok {
		return false, fmt.Sprintf("cannot compare the running %q with %q", cur.Raw, m)
	}
	return c >= 0, fmt.Sprintf("it runs %s", cur.Raw)
}

// target fills the step's target from entry i.
func (x *Index) target(s *Step, i int) {
	e := x.entries[i]
	v, f := e.Version, e.File
	s.TargetVersion, s.File = &v, &f
	s.RebootRequired, s.PowerOff, s.ResetsILO = e.RebootRequired, e.PowerOff, e.ResetsILO()
}

// highest is the entry of the highest version of list (the first when
// their versions do not compare).
func (x *Index) highest(list []int) int {
	l := slices.Clone(list)
	x.sortDesc(l)
	return l[0]
}

// sortDesc sorts entries by version, highest first; equal versions keep a
// file that is at hand (Path) before one only named, then catalog order.
func (x *Index) sortDesc(list []int) {
	slices.SortStableFunc(list, func(a, b int) int {
		if c, ok := x.versions[b].Compare(x.versions[a]); ok && c != 0 {
			return c
		}
		ha, hb := x.entries[a].Path != "", x.entries[b].Path != ""
		if ha != hb {
			if ha {
				return -1
			}
			return 1
		}
		return a - b
	})
}
