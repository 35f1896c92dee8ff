package firmwareupdate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetfw/ilo/internal/fwimage"
	"github.com/fleetfw/ilo/internal/ilo"
	"github.com/fleetfw/ilo/internal/modkit"
)

// Device classes of the FirmwareInventory entries whose images a file name
// identifies, as real iLOs report them (Oem.Hpe.DeviceClass of
// FirmwareInventory/1, /2 and /4 in the iLO 5 2.55 and 2.70 captures, and
// of the matching ComponentRepository members).
const (
	classILO  = "2f317b9d-c9e3-4d76-bff6-b9d0d085a952"
	classBIOS = "aa148d2e-6e09-453e-bc6f-63baa5f5ccc4"
	classCPLD = "b1ad439a-9dd1-41c1-a496-2da9313f1f07"
)

// When an image takes effect.
const (
	activatesUnknown     = ""
	activatesNow         = "now"
	activatesAfterReboot = "after_reboot"
)

// image is what the module knows of the image before any request.
type image struct {
	filename string
	typ      string // fwimage.Type
	size     int64  // -1 for a URL
	version  string // the version it carries ("" unknown)
	// deviceClass and targets identify the FirmwareInventory entries it
	// updates; names are the entry names that do when no entry reports the class.
	deviceClass string
	targets     []string
	names       []string
	ilo         bool // iLO firmware: the iLO resets itself at the end of the flash
	iloGen      int
	romFamily   string
	activation  string
}

// inspect reads what the module needs to know of the image, without a
// request to the iLO and without reading the image (except payload.json of
// a .fwpkg), and refuses what the chosen way to send it would never flash.
func inspect(a *Args) (image, error) {
	img := image{size: -1}
	if a.ImageURI != "" {
		u, err := imageURL(a.ImageURI, a.TransferProtocol)
		if err != nil {
			return img, err
		}
		img.filename = path.Base(u.Path)
	} else {
		st, err := os.Stat(a.Path)
		if err != nil {
			return img, fmt.Errorf("read image: %w", err)
		}
		if !st.Mode().IsRegular() {
			return img, fmt.Errorf("read image: %s is not a regular file", a.Path)
		}
		if st.Size() == 0 {
			return img, fmt.Errorf("read image: %s is empty", a.Path)
		}
		img.filename, img.size = filepath.Base(a.Path), st.Size()
	}
	img.typ = fwimage.Type(img.filename)
	var payload *fwimage.Payload
	if a.ImageURI != "" {
		if err := simpleUpdateTakes(img); err != nil {
			return img, err
		}
	} else {
		if img.typ == ".fwpkg" {
			p, err := fwimage.ReadPayload(a.Path)
			if err != nil {
				return img, err
			}
			payload = p
		}
		if err := pushFlashes(img, payload); err != nil {
			return img, err
		}
	}
	img.describe(payload)
	img.version = strings.TrimSpace(a.Version)
	if img.version == "" && payload != nil {
		img.version = payload.Version()
	}
	if img.version == "" {
		img.version = fwimage.NameVersion(img.filename)
	}
	return img, nil
}

// imageURL parses image_uri; one without a scheme takes transfer_protocol.
func imageURL(raw, proto string) (*url.URL, error) {
	s := raw
	if !strings.Contains(raw, "://") {
		if proto == "" {
			return nil, fmt.Errorf("image_uri %q has no scheme: give an http:// or https:// URL, or transfer_protocol", raw)
		}
		s = strings.ToLower(proto) + "://" + raw
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("image_uri %q: want an http or https URL", raw)
	}
	if proto != "" && !strings.EqualFold(u.Scheme, proto) {
		return nil, fmt.Errorf("image_uri %q is %s but transfer_protocol is %s", raw, u.Scheme, proto)
	}
	if b := path.Base(u.Path); b == "/" || b == "." {
		return nil, fmt.Errorf("image_uri %q names no file", raw)
	}
	return u, nil
}

// simpleUpdateTakes refuses, before anything is sent, an image that
// SimpleUpdate accepts with 200 OK and never flashes (reference §3.2,
// §3.4): it flashes only iLO firmware (.bin) and UEFI/BIOS images
// (.signed.flash).
func simpleUpdateTakes(img image) error {
	never := fmt.Sprintf("SimpleUpdate answers 200 OK to %s but never flashes it (the update service ends in Error, ResourceAtUriInUnknownFormat): it flashes only iLO firmware (.bin) and UEFI/BIOS images (.signed.flash)", img.filename)
	switch {
	case img.typ == ".bin" || img.typ == ".signed.flash":
		return nil
	case img.typ == "":
		return fmt.Errorf("%s is no firmware image type the iLO knows (.bin, .signed.flash, .fwpkg, Smart Components …)", img.filename)
	case fwimage.IsSmartComponent(img.typ):
		return fmt.Errorf("%s; a Smart Component is installed by UEFI or an agent in the OS, not by the iLO: put it in the iLO Repository with fleetfw.ilo.component and queue it with fleetfw.ilo.install_set (or fleetfw.ilo.update_task)", never)
	case img.typ == ".fwpkg":
		return fmt.Errorf("%s; have the iLO download and flash the package with fleetfw.ilo.component (image_uri, update_target: true), or give path to push it", never)
	}
	return fmt.Errorf("%s; have the iLO download and flash it with fleetfw.ilo.component (image_uri, update_target: true), or give path to push it", never)
}

// pushFlashes refuses, before anything is sent, an image that the upload
// form would store (or drop) without flashing: the iLO ignores UpdateTarget
// for components that UEFI or an agent in the OS installs (reference §4.2).
func pushFlashes(img image, p *fwimage.Payload) error {
	queue := "put it in the iLO Repository with fleetfw.ilo.component and queue it with fleetfw.ilo.install_set (or fleetfw.ilo.update_task), so that UEFI or the agent in the OS installs it"
	switch {
	case img.typ == "":
		return fmt.Errorf("%s is no firmware image type the iLO knows (.bin, .signed.flash, .fwpkg, Smart Components …)", img.filename)
	case fwimage.IsSmartComponent(img.typ):
		return fmt.Errorf("the iLO would keep %s but not flash it: it ignores UpdateTarget for Smart Components; %s", img.filename, queue)
	case p != nil && !p.DirectFlash():
		return fmt.Errorf("the iLO would not flash %s itself: its payload.json lists UpdatableBy %v and no image with DirectFlashOk; %s", img.filename, p.UpdatableBy, queue)
	}
	return nil
}

// describe sets what identifies the image's FirmwareInventory entries and
// when the image takes effect, from payload.json or the file name.
func (img *image) describe(p *fwimage.Payload) {
	img.iloGen = fwimage.ILOGeneration(img.filename)
	switch {
	case p != nil:
		img.deviceClass, img.targets = p.DeviceClass, p.Targets()
		img.activation = activatesNow
		if p.ResetRequired() {
			img.activation = activatesAfterReboot
		}
	case img.iloGen != 0:
		img.deviceClass = classILO
	case img.typ == ".signed.flash" || img.typ == ".signed.full":
		img.deviceClass, img.names = classBIOS, []string{"System ROM"}
		img.romFamily = fwimage.ROMFamily(img.filename)
		img.activation = activatesAfterReboot
	case img.typ == ".vme":
		img.deviceClass, img.names = classCPLD, []string{"System Programmable Logic Device"}
		img.activation = activatesAfterReboot // after a power cycle
	}
	if strings.EqualFold(img.deviceClass, classILO) {
		img.ilo, img.activation = true, activatesNow
		img.names = []string{"iLO"}
		if img.iloGen != 0 {
			img.names = []string{fmt.Sprintf("iLO %d", img.iloGen), "iLO"}
		}
	}
}

// match returns the FirmwareInventory entries the image updates:
//
//  1. with inventory_name, the entries of that Name;
//  2. else the entries whose Oem.Hpe.DeviceClass is the image's (from
//     payload.json, or the class the file name implies for iLO, BIOS and CPLD
//     images) and, when the image names target GUIDs, that list one of them
//     in Oem.Hpe.Targets (the correlation HPE documents, reference §1.8);
//  3. else, for an iLO that reports no DeviceClass, the entries named as the
//     image type implies ("iLO 5", "System ROM", "System Programmable Logic Device").
func (img image) match(inv []ilo.InventoryItem, name string) []ilo.InventoryItem {
	var out []ilo.InventoryItem
	if name = strings.TrimSpace(name); name != "" {
		for _, it := range inv {
			if strings.EqualFold(strings.TrimSpace(it.Name), name) {
				out = append(out, it)
			}
		}
		return out
	}
	if img.deviceClass != "" {
		for _, it := range inv {
			if !strings.EqualFold(it.DeviceClass, img.deviceClass) {
				continue
			}
			if len(img.targets) > 0 && !slices.ContainsFunc(img.targets, it.HasTarget) {
				continue
			}
			out = append(out, it)
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, n := range img.names {
		for _, it := range inv {
			if strings.EqualFold(strings.TrimSpace(it.Name), n) {
				out = append(out, it)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// atVersion reports whether every target already reports version want.
func atVersion(targets []ilo.InventoryItem, want string) bool {
	if want == "" || len(targets) == 0 {
		return false
	}
	for _, t := range targets {
		if !sameVersion(want, t.Version) {
			return false
		}
	}
	return true
}

// downgrades lists the targets that run a newer version than the image's
// (force does not allow a downgrade: allow_downgrade does).
func downgrades(img image, targets []ilo.InventoryItem) []ilo.Downgrade {
	var ds []ilo.Downgrade
	for _, t := range targets {
		if ilo.Older(img.version, t.Version) {
			ds = append(ds, ilo.Downgrade{File: img.filename, Version: img.version, Device: t.Name, Running: t.Version})
		}
	}
	return ds
}

// sameVersion compares an image version with what the iLO reports: equal
// texts, else equal dotted numbers ("2.70" and "2.70 May 16 2022", "v2.58
// (05/19/2022)" and "A47 v2.58 (05/19/2022)", "1.16.00" and "1.16"), else
// equal hex codes ("0F" and "0x0F").
func sameVersion(want, have string) bool { return modkit.SameVersion(want, have) }

// romFamily returns the ROM family of a System ROM version ("A47 v2.58
// (05/19/2022)" → "A47"), or "".
func romFamily(v string) string {
	f, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.HasPrefix(strings.TrimSpace(rest), "v") || len(f) != 3 {
		return ""
	}
	return strings.ToUpper(f)
}

// noTargetError says that no FirmwareInventory entry matches the image.
func noTargetError(img image, name string, inv []ilo.InventoryItem) error {
	var names []string
	for _, it := range inv {
		if it.Name != "" && !slices.Contains(names, it.Name) {
			names = append(names, it.Name)
		}
	}
	how := "its type does not say which device it is for"
	switch {
	case name != "":
		how = fmt.Sprintf("no entry is named %q", name)
	case img.deviceClass != "":
		how = fmt.Sprintf("no entry reports its DeviceClass %s", img.deviceClass)
		if len(img.targets) > 0 {
			how += fmt.Sprintf(" with one of its targets %v", img.targets)
		}
	}
	return fmt.Errorf("no FirmwareInventory entry matches %s (%s), so its version cannot be compared: give inventory_name, the Name of the entry the image updates (this iLO lists %s), or force=true to flash without comparing",
		img.filename, how, strings.Join(names, ", "))
}

// preflight refuses, before anything is sent, what would fail or change
// nothing: a busy update service, a third-party package the iLO does not
// accept, an image for another iLO generation or ROM family, a target that
// cannot be updated out of band, no room to keep the image, and an iLO
// flash that the module could not wait through.
func preflight(ctx context.Context, c *ilo.Client, a *Args, img image, us ilo.UpdateService, targets []ilo.InventoryItem) error {
	if err := cmp.Or(modkit.CheckIdle(us), modkit.CheckThirdParty(img.filename, img.typ, us)); err != nil {
		return err
	}
	if img.ilo {
		mgr, err := c.Manager(ctx)
		if err != nil {
			return err
		}
		if err := modkit.CheckGeneration(img.filename, img.iloGen, mgr); err != nil {
			return err
		}
		if a.Wait && a.Username == "" {
			return errors.New("flashing the iLO's own firmware resets it and ends every session, so the module must log in again to wait and verify: give username and password (auth_token alone cannot be renewed), or wait=false")
		}
	}
	if a.Force {
		return nil
	}
	for _, t := range targets {
		if img.romFamily != "" {
			if f := romFamily(t.Version); f != "" && f != img.romFamily {
				return fmt.Errorf("%s is for System ROM family %s and %s runs %s (%s): it is for another server model (force=true flashes it anyway)", img.filename, img.romFamily, t.Name, f, t.Version)
			}
		}
	}
	if err := modkit.CheckUpdateable(targets); err != nil {
		return err
	}
	if a.KeepInRepository && img.size > 0 {
		repo, err := c.Repository(ctx)
		if err != nil {
			return err
		}
		return modkit.CheckRoom(repo, img.filename, img.size, "delete components (fleetfw.ilo.component state=absent) or set keep_in_repository=false")
	}
	return nil
}
