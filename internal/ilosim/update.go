package ilosim

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
	"github.com/fleetfw/ilo/internal/testimage"
)

// The values of UpdateService Oem.Hpe.State (reference §1.5).
const (
	StateIdle      = "Idle"
	StateUploading = "Uploading"
	StateVerifying = "Verifying"
	StateWriting   = "Writing"
	StateUpdating  = "Updating"
	StateComplete  = "Complete"
	StateError     = "Error"
)

// phase is one timed step of an update operation.
type phase struct {
	state string
	d     time.Duration
}

// updateOp is the one upload or flash the UpdateService runs at a time. It
// is evaluated lazily against the simulated clock: no goroutine runs per
// iLO, so a fleet of 1,000 costs nothing while idle.
type updateOp struct {
	etag      string
	receiving bool      // the POST body or the ImageURI download is still arriving
	start     time.Time // simulated start of phases
	phases    []phase
	fail      *wire.Message                     // outcome decided when the bytes arrived
	effect    func(end time.Time) *wire.Message // runs once, under the lock, at the end
	done      bool
	end       time.Time
	result    *wire.Message
}

func (o *updateOp) total() time.Duration {
	var d time.Duration
	for _, p := range o.phases {
		d += p.d
	}
	return d
}

// advance finishes the operation when its phases have elapsed.
func (o *updateOp) advance(i *ILO, now time.Time) {
	if o.done || o.receiving {
		return
	}
	end := o.start.Add(o.total())
	if now.Before(end) {
		return
	}
	o.done, o.end = true, end
	switch {
	case o.fail != nil:
		o.result = o.fail
	case o.effect != nil:
		o.result = o.effect(end)
	}
}

// stateAt returns the State and, while Updating, FlashProgressPercent.
func (o *updateOp) stateAt(now time.Time) (string, *int) {
	switch {
	case o.done && o.result != nil:
		return StateError, nil
	case o.done:
		return StateComplete, nil
	case o.receiving:
		return StateUploading, nil
	}
	el := now.Sub(o.start)
	for _, p := range o.phases {
		if el < p.d {
			if p.state == StateUpdating {
				pct := int(el * 100 / p.d)
				return p.state, &pct
			}
			return p.state, nil
		}
		el -= p.d
	}
	return StateVerifying, nil
}

// updateStateLocked returns State, FlashProgressPercent (or nil), Result
// (or nil) and UploadCurrentEtag.
func (i *ILO) updateStateLocked(now time.Time) (string, any, any, string) {
	if i.op == nil {
		return StateIdle, nil, nil, ""
	}
	st, pct := i.op.stateAt(now)
	var p, res any
	if pct != nil {
		p = *pct
	}
	if st == StateError && i.op.result != nil {
		args := i.op.result.MessageArgs
		if args == nil {
			args = []string{}
		}
		res = map[string]any{"MessageId": i.op.result.MessageID, "MessageArgs": args}
	}
	return st, p, res, i.op.etag
}

// busyLocked returns the refusal for a new upload or flash while one runs.
func (i *ILO) busyLocked(now time.Time) *wire.Message {
	if i.op == nil || i.op.done {
		return nil
	}
	st, _ := i.op.stateAt(now)
	m := i.prof.Registries.ILOMsg("ComponentUploadAlreadyInProgress")
	if st == StateUpdating {
		m = i.prof.Registries.ILOMsg("FirmwareFlashAlreadyInProgress")
	}
	return &m
}

// beginOpLocked starts a new operation in state Uploading, or returns the
// message that refuses it.
func (i *ILO) beginOpLocked(now time.Time, etag string) (*updateOp, int, *wire.Message) {
	if m := i.busyLocked(now); m != nil {
		return nil, http.StatusBadRequest, m
	}
	if len(etag) > 63 {
		m := i.prof.Registries.ILOMsg("ETagTooLong")
		return nil, http.StatusBadRequest, &m
	}
	i.op = &updateOp{etag: etag, receiving: true}
	return i.op, 0, nil
}

// failOpLocked ends op at once with m as its Result.
func (i *ILO) failOpLocked(op *updateOp, now time.Time, m wire.Message) {
	op.receiving = false
	op.start = now
	op.phases = nil
	op.fail = &m
	op.advance(i, now)
}

// incoming is a component whose bytes have all arrived.
type incoming struct {
	file        string // on disk
	filename    string // name in the repository
	size        int64
	sig         []byte // the .compsig sent with this part (nil: none)
	section     *int   // Section parameter (nil: the file is whole)
	sectionBase int
	sigErr      error // compsig verification outcome (nil: valid or none)
	hasSig      bool
	repository  bool
	target      bool
	targets     []string
	simple      bool   // SimpleUpdate: flash only, file type by name
	uri         string // ImageURI, for SimpleUpdate's Result
	partial     bool   // a Section that is not the last: store nothing yet
}

// receivedLocked schedules the phases that follow the arrival of a
// component and the effect at their end.
func (i *ILO) receivedLocked(op *updateOp, now time.Time, in incoming) {
	reg := i.prof.Registries
	op.receiving = false
	op.start = now
	verify := phase{StateVerifying, i.phases.Verifying}
	if in.partial {
		op.phases = []phase{{StateWriting, i.phases.Writing / 4}}
		return
	}
	info, err := inspectImage(in.file, in.filename)
	if in.simple {
		if !simpleUpdateFlashable(in.filename) || err != nil {
			_ = os.Remove(in.file)
			m := reg.BaseMsg("ResourceAtUriInUnknownFormat", in.uri)
			op.phases, op.fail = []phase{verify}, &m
			return
		}
		op.phases = []phase{verify, {StateUpdating, i.phases.Updating}}
		op.effect = func(end time.Time) *wire.Message {
			_ = os.Remove(in.file)
			return i.applyLocked(in.filename, info, in.targets, end)
		}
		return
	}
	switch {
	case err != nil && isUnknownFormat(err):
		m := reg.ILOMsg("UpdateInvalidFile")
		op.phases, op.fail = []phase{verify}, &m
	case err != nil:
		m := reg.ILOMsg("ComponentUploadFailed")
		op.phases, op.fail = []phase{verify}, &m
	case info.NeedsCompsig && !in.hasSig, in.sigErr != nil:
		m := reg.ILOMsg("ComponentUploadFailed")
		if i.prof.Generation == 6 {
			// Added in iLO 6 1.69; absent from the iLO 5 and iLO 7 1.14 registries (§9.4).
			m = reg.ILOMsg("UpdateSignatureValidationFailed")
		}
		op.phases, op.fail = []phase{verify}, &m
	}
	if op.fail != nil {
		_ = os.Remove(in.file)
		return
	}
	flash := in.target && info.DirectFlash
	op.phases = []phase{verify}
	if in.repository {
		op.phases = append(op.phases, phase{StateWriting, i.phases.Writing})
	}
	if flash {
		op.phases = append(op.phases, phase{StateUpdating, i.phases.Updating})
	}
	op.effect = func(end time.Time) *wire.Message {
		if in.repository {
			if _, m := i.storeComponentLocked(in.file, in.filename, in.size, info, end); m != nil {
				_ = os.Remove(in.file)
				return m
			}
		} else {
			defer os.Remove(in.file)
		}
		if flash {
			return i.applyLocked(in.filename, info, in.targets, end)
		}
		return nil
	}
}

// applicableLocked returns the inventory items an image flashes, or why it
// cannot: no matching item, or a downgrade under NoDowngrade.
func (i *ILO) applicableLocked(info ImageInfo, targetURIs []string) ([]*invItem, *wire.Message) {
	items := matchInventory(info, targetURIs)
	if len(items) == 0 {
		m := i.prof.Registries.ILOMsg("UpdateNotApplicable")
		return nil, &m
	}
	if i.settingsLocked().downgrade == "NoDowngrade" {
		for _, it := range items {
			if compareVersions(info.Version, i.inventoryVersionLocked(it.id)) < 0 {
				m := i.prof.Registries.ILOMsg("DowngradeNotAllowed")
				return nil, &m
			}
		}
	}
	return items, nil
}

// applyLocked flashes an image: every matching FirmwareInventory item takes
// the image's version. Flashing iLO firmware ends at time at; the iLO then
// resets after the reset delay (State reads Complete meanwhile), or, with
// the reset turned off, reports the new version at once.
func (i *ILO) applyLocked(filename string, info ImageInfo, targetURIs []string, at time.Time) *wire.Message {
	return i.applyStagedLocked(filename, info, targetURIs, at, i.stagedActivationLocked() && activatesAtBoot(info))
}

// applyStagedLocked is applyLocked; staged keeps the new versions of the
// items pending until the host's next power-on (power.go).
func (i *ILO) applyStagedLocked(filename string, info ImageInfo, targetURIs []string, at time.Time, staged bool) *wire.Message {
	items, m := i.applicableLocked(info, targetURIs)
	if m != nil {
		return m
	}
	if m := i.flashErrorLocked(filename); m != nil {
		return m
	}
	for _, it := range items {
		if it.id == "1" {
			fw := &firmware{version: info.Version, date: at.Format("Jan 02 2006")}
			if i.iloResetOffLocked() {
				i.scheduleResetLocked(fw, at, false, 0)
			} else {
				i.scheduleResetLocked(fw, at.Add(i.iloResetDelayLocked()), true, i.iloResetDarkLocked())
			}
			continue
		}
		v := info.Version
		if old, _ := it.raw["Version"].(string); info.Kind == testimage.KindBIOS && strings.HasPrefix(v, "v") {
			// FirmwareInventory prefixes the ROM family ("A47 v2.58 (…)").
			if k := strings.Index(old, " "); k > 0 {
				v = old[:k+1] + v
			}
		}
		if staged {
			if i.pendingInv == nil {
				i.pendingInv = map[string]string{}
			}
			i.pendingInv[it.id] = v
			continue
		}
		if i.inv == nil {
			i.inv = map[string]string{}
		}
		i.inv[it.id] = v
	}
	return nil
}

// scheduleResetLocked makes the firmware become fw (nil: unchanged) at time
// at and, when reset, the iLO reset then: every session ends and the iLO is
// dark for dark. Repository, queue and settings survive.
func (i *ILO) scheduleResetLocked(fw *firmware, at time.Time, reset bool, dark time.Duration) {
	i.resetAt, i.resetFW, i.resetting, i.resetDark = at, fw, reset, dark
}

// resetDueLocked performs a scheduled reset whose time has come.
func (i *ILO) resetDueLocked(now time.Time) {
	if i.resetAt.IsZero() || now.Before(i.resetAt) {
		return
	}
	if i.resetFW != nil {
		i.fw = *i.resetFW
	}
	if i.resetting {
		i.dropSessionsLocked()
		i.darkTill = i.resetAt.Add(i.resetDark)
		i.iloResets++
	}
	i.resetAt, i.resetFW, i.resetting, i.resetDark = time.Time{}, nil, false, 0
}

// ResetBMC resets the iLO now (Manager.Reset, a ResetBmc queue task).
func (i *ILO) ResetBMC() {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	fw := i.resetFW // an iLO flash waiting for its reset takes effect now
	i.scheduleResetLocked(fw, now, true, i.darkTime)
	i.resetDueLocked(now)
}

// Apply flashes repository component filename now (for the task queue): it
// returns how long the flash takes on the iLO clock and, when the image
// fits no FirmwareInventory item or would downgrade under NoDowngrade, the
// failure. While no upload runs, the flash shows in the UpdateService as
// State Updating with FlashProgressPercent. Versions change at once;
// flashing iLO firmware resets the iLO at the end of the flash.
func (i *ILO) Apply(filename string, targetURIs []string) (time.Duration, *wire.Message) {
	return i.apply(filename, targetURIs, false)
}

// apply is Apply; duringPOST (a UEFI flash while the host boots) makes the
// new versions active at once even under staged activation.
func (i *ILO) apply(filename string, targetURIs []string, duringPOST bool) (time.Duration, *wire.Message) {
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tickLocked(now)
	c, ok := i.repo[strings.ToLower(filename)]
	if !ok {
		m := i.prof.Registries.ILOMsg("UpdateRepositoryUnavailable")
		return 0, &m
	}
	if _, m := i.applicableLocked(c.Image, targetURIs); m != nil {
		return 0, m
	}
	d := i.phases.Updating
	var shown *updateOp
	if i.op == nil || i.op.done {
		// Show the flash in the UpdateService while no upload runs.
		shown = &updateOp{start: now, phases: []phase{{StateUpdating, d}}}
		i.op = shown
	}
	// Versions change at once: the queue replays a clock jump in order and
	// reports the task Complete when its own instants have passed, so the
	// inventory must not lag behind it. An iLO reset still waits for the end.
	staged := !duringPOST && i.stagedActivationLocked() && activatesAtBoot(c.Image)
	m := i.applyStagedLocked(c.Filename, c.Image, targetURIs, now.Add(d), staged)
	if m != nil && shown != nil {
		shown.fail = m // the flash shown in the UpdateService ends in Error too
	}
	return d, m
}

// ---- UpdateService resource ----

// updateSettings are the PATCHable UpdateService properties.
type updateSettings struct {
	lastScan        time.Time
	accept3rdParty  bool
	downgrade       string
	backgroundScan  bool
	onIntegrityFail string
	scanEveryDays   int
}

func (i *ILO) settingsLocked() *updateSettings {
	if i.settings == nil {
		i.settings = &updateSettings{downgrade: "AllowDowngrade", onIntegrityFail: "LogOnly", scanEveryDays: 7,
			lastScan: i.clock.Now().Add(-24 * time.Hour).Truncate(time.Second)}
	}
	return i.settings
}

func (i *ILO) action(p string) map[string]any { return map[string]any{"target": i.ODataID(p)} }

// updateServiceLocked renders GET /redfish/v1/UpdateService (captures 2.55/2.70).
func (i *ILO) updateServiceLocked(now time.Time) map[string]any {
	s := i.settingsLocked()
	oemActions := map[string]any{}
	for _, a := range []string{"AddFromUri", "DeleteInstallSets", "DeleteMaintenanceWindows", "DeleteUnlockedComponents",
		"DeleteUpdateTaskQueueItems", "RemoveLanguagePack", "SetDefaultLanguage", "StartFirmwareIntegrityCheck"} {
		oemActions["#HpeiLOUpdateServiceExt."+a] = i.action(oemActionsPath + a)
	}
	hpe := map[string]any{
		"@odata.context":      "/redfish/v1/$metadata#HpeiLOUpdateServiceExt.HpeiLOUpdateServiceExt",
		"@odata.type":         i.prof.HpeUpdateServiceType,
		"ComponentRepository": i.Ref(repositoryPath),
		"CurrentTime":         isoTime(now),
		"DowngradePolicy":     s.downgrade,
		"FirmwareIntegrity": map[string]any{
			"EnableBackgroundScan": s.backgroundScan, "LastScanResult": "OK",
			"LastScanTime": isoTime(s.lastScan), "OnIntegrityFailure": s.onIntegrityFail, "ScanEveryDays": s.scanEveryDays,
		},
		"InstallSets":            i.Ref(installSetsPath),
		"InvalidImageRepository": i.Ref(invalidImagePath),
		"MaintenanceWindows":     i.Ref(windowsPath),
		"UpdateTaskQueue":        i.Ref(taskQueuePath),
	}
	st, pct, res, etag := i.updateStateLocked(now)
	hpe["State"] = st
	if pct != nil {
		hpe["FlashProgressPercent"] = pct
	}
	if res != nil {
		hpe["Result"] = res
	}
	if etag != "" {
		hpe["UploadCurrentEtag"] = etag
	}
	if i.prof.Capabilities != nil {
		hpe["Capabilities"] = i.prof.Capabilities
		hpe["Accept3rdPartyFirmware"] = s.accept3rdParty
	}
	if i.prof.BundleUpdateReport {
		hpe["BundleUpdateReport"] = i.Ref(updateServicePath + "/BundleUpdateReport")
	}
	if i.prof.RunningSoftwareInventory {
		hpe["RunningSoftwareInventory"] = i.Ref(updateServicePath + "/RunningSoftwareInventory")
	}
	actions := map[string]any{
		"#UpdateService.SimpleUpdate": map[string]any{
			"TransferProtocol@Redfish.AllowableValues": []string{"HTTP", "HTTPS"},
			"target": i.ODataID(simpleUpdatePath),
		},
	}
	if i.prof.ActionsUnderActionsOem {
		actions["Oem"] = map[string]any{"Hpe": oemActions}
	} else {
		hpe["Actions"] = oemActions
	}
	body := map[string]any{
		"@odata.context":    "/redfish/v1/$metadata#UpdateService.UpdateService",
		"@odata.id":         i.ODataID(updateServicePath),
		"@odata.type":       i.prof.UpdateServiceType,
		"Id":                "UpdateService",
		"Actions":           actions,
		"Description":       "iLO Update Service",
		"FirmwareInventory": i.Ref(firmwareInvPath),
		"HttpPushUri":       httpPushPath,
		"Name":              "Update Service",
		"Oem":               map[string]any{"Hpe": hpe},
		"ServiceEnabled":    true,
		"SoftwareInventory": i.Ref(softwareInvPath),
	}
	if i.prof.MultipartPush {
		body["MultipartHttpPushUri"] = multipartPushPath
	}
	if i.prof.HttpPushURIOptions {
		body["HttpPushUriOptions"] = map[string]any{"ForceUpdate": false,
			"HttpPushUriApplyTime": map[string]any{"ApplyTime": "Immediate"}}
	}
	return body
}

func (i *ILO) serveUpdateService(w http.ResponseWriter, r *Request) {
	now := i.clock.Now()
	i.mu.Lock()
	body := i.updateServiceLocked(now)
	i.mu.Unlock()
	WriteResource(w, http.StatusOK, body)
}

// patchUpdateService accepts the documented PATCHable OEM properties
// (reference §1.2) and honours If-Match.
func (i *ILO) patchUpdateService(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	var body struct {
		Oem struct {
			Hpe map[string]any
		}
	}
	if !i.decodeBody(w, r.Request, &body) {
		return
	}
	reg := i.prof.Registries
	now := i.clock.Now()
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.ifMatch(w, r.Request, i.updateServiceLocked(now)) {
		return
	}
	s := *i.settingsLocked()
	for k, v := range body.Oem.Hpe {
		bad := func() {
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueTypeError", fmt.Sprint(v), k))
		}
		switch k {
		case "Accept3rdPartyFirmware":
			b, ok := v.(bool)
			if !ok || i.prof.Capabilities == nil {
				bad()
				return
			}
			s.accept3rdParty = b
		case "DowngradePolicy":
			d, _ := v.(string)
			if d != "AllowDowngrade" && d != "RecoveryDowngrade" && d != "NoDowngrade" {
				wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueNotInList", fmt.Sprint(v), k))
				return
			}
			if s.downgrade == "NoDowngrade" && d != "NoDowngrade" {
				wire.WriteError(w, http.StatusBadRequest, reg.ILOMsg("DowngradePolicyAlreadySet"))
				return
			}
			s.downgrade = d
		case "FirmwareIntegrity":
			fi, ok := v.(map[string]any)
			if !ok {
				bad()
				return
			}
			for fk, fv := range fi {
				switch fk {
				case "EnableBackgroundScan":
					s.backgroundScan, _ = fv.(bool)
				case "OnIntegrityFailure":
					s.onIntegrityFail, _ = fv.(string)
				case "ScanEveryDays":
					n, _ := fv.(float64)
					if n < 1 || n > 365 {
						wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyValueNotInList", fmt.Sprint(fv), fk))
						return
					}
					s.scanEveryDays = int(n)
				default:
					wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyNotWritable", fk))
					return
				}
			}
		default:
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("PropertyNotWritable", k))
			return
		}
	}
	*i.settings = s
	wire.WriteSuccess(w, reg)
}

// startIntegrityCheck implements StartFirmwareIntegrityCheck: the scan
// finishes at once with LastScanResult OK and LastScanTime now (iLOrest
// polls LastScanTime against CurrentTime).
func (i *ILO) startIntegrityCheck(w http.ResponseWriter, r *Request) {
	if !i.requirePriv(w, r, PrivConfigureILO) {
		return
	}
	now := i.clock.Now()
	i.mu.Lock()
	i.settingsLocked().lastScan = now.Add(time.Second).Truncate(time.Second)
	i.mu.Unlock()
	wire.WriteSuccess(w, i.prof.Registries)
}

// languageAction implements SetDefaultLanguage and RemoveLanguagePack for
// the one language the simulator has, English: setting "en" succeeds,
// anything else (and removing "en") is refused.
func (i *ILO) languageAction(remove bool) HandlerFunc {
	return func(w http.ResponseWriter, r *Request) {
		reg := i.prof.Registries
		if !i.requirePriv(w, r, PrivConfigureILO) {
			return
		}
		var body struct{ Language string }
		if !i.decodeBody(w, r.Request, &body) {
			return
		}
		if body.Language == "" {
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterMissing", "Language"))
			return
		}
		if remove || body.Language != "en" {
			wire.WriteError(w, http.StatusBadRequest, reg.BaseMsg("ActionParameterNotSupported", body.Language, "Language"))
			return
		}
		wire.WriteSuccess(w, reg)
	}
}

// compareVersions compares the numbers in two version strings in order
// ("2.72" < "2.72 May 16 2022"? equal numbers first: 2, 72), so that
// "v2.58 (05/19/2022)" and "A47 v2.58 (05/19/2022)" compare by 2, 58, …
// Letters are ignored; it is enough for DowngradePolicy.
func compareVersions(a, b string) int {
	na, nb := versionNumbers(a), versionNumbers(b)
	for k := 0; k < len(na) && k < len(nb); k++ {
		if na[k] != nb[k] {
			if na[k] < nb[k] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// versionNumbers returns the digit groups of v, skipping a ROM family
// prefix such as "A47 " and anything after a date in parentheses.
func versionNumbers(v string) []int {
	if k := strings.Index(v, " v"); k >= 0 {
		v = v[k+2:]
	}
	if k := strings.IndexAny(v, "( "); k >= 0 {
		v = v[:k]
	}
	var out []int
	n, in := 0, false
	for _, r := range v + "." {
		if r >= '0' && r <= '9' {
			n, in = n*10+int(r-'0'), true
			continue
		}
		if in {
			out = append(out, n)
		}
		n, in = 0, false
	}
	return out
}
