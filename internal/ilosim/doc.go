// Package ilosim simulates HPE iLO 5, 6 and 7 update services for tests,
// the demo and benchmarks. An *ILO is an http.Handler for one iLO:
//
//	sim := ilosim.New(ilosim.WithProfileName("ilo6"), ilosim.WithSpeed(60))
//	srv := httptest.NewServer(sim)
//	defer srv.Close()
//	defer sim.Close()
//
// StartFleet serves N iLOs on 127.0.0.1, one listener each, over HTTPS with a
// CA it generates (cmd/ilosim is the command around it). The servers' error
// log goes to FleetConfig.ErrorLog (default stderr), without TLS handshake
// errors: a handler panic is always reported. The package shares
// no code with the client in internal/ilo, so that the two can disagree and
// the tests notice. Facts come from ../shared/reference/ilo-update-service.md
// (cited as §n) and the iLO 5 captures in ../shared/fixtures/ilo/ilo5/.
//
// # Resources
//
// The dispatch table (routes.go) matches paths case-insensitively, with or
// without a trailing slash; a row per resource. /redfish/v1 is readable
// without authentication; everything else wants X-Auth-Token, the
// sessionKey cookie or Basic auth (which leaves no session behind) and
// answers 401 Base NoValidSession otherwise; update writes need
// iLOConfigPriv (403 Base InsufficientPrivilege). Served: service root,
// ResourceDirectory, Registries and RegistryStore (the 2.70 Base and iLO
// messages under the profile's prefixes), SessionService (SessionTimeout
// PATCHable on iLO 6/7) and Sessions (201 + X-Auth-Token + absolute
// Location, DELETE 200, cap, idle expiry), Managers/1 (+ Manager.Reset),
// Systems/1, TaskService, Tasks, TaskMonitors, UpdateService (GET, PATCH of
// Accept3rdPartyFirmware, DowngradePolicy, FirmwareIntegrity), SimpleUpdate,
// every Oem.Hpe action (AddFromUri, DeleteUnlockedComponents,
// StartFirmwareIntegrityCheck, SetDefaultLanguage, RemoveLanguagePack; the
// queue's three bulk actions come from package queue), FirmwareInventory (the
// 27 members of the 2.70 capture), SoftwareInventory (36 entries captured
// on a 2.46 server with its agent, listed while the host runs its OS past
// POST; empty while it is off or in POST and with WithoutOSAgent, as the
// 2.55/2.70 captures),
// BundleUpdateReport (empty), RunningSoftwareInventory (iLO 7, empty),
// ComponentRepository and members, /fwrepo/<Filename>, /cgi-bin/uploadFile
// and, on ilo5-multipart, the DMTF MultipartHttpPushUri. The task queue,
// maintenance windows, install sets and their bulk actions live in package
// queue and are mounted by queue_mount.go; its hooks here are Mount, Handle,
// AddTicker, SetLockedFunc, ComponentByFilename, Apply, ResetBMC and
// AddStateSection.
//
// Also served, as real clients (HPE's iLOrest, DMTF's validators) read
// them: GET /redfish ({"v1": "/redfish/v1/"} on every generation),
// $metadata (the captured CSDL, no authentication), JsonSchemas (linked
// from the root; a JsonSchemaFile per served type) and the SchemaStore files
// its Location and the Link headers name, Managers/1/LicenseService and its
// license (LicenseFeatures with FWScan), and a session POST to
// Sessions/Members as to Sessions. The ResourceDirectory lists every served
// singleton and collection and the FirmwareInventory members, each with
// @odata.id, @odata.type, ETag (equal to the resource's) and HttpMethods.
//
// Protocol (query.go): a request with OData-Version other than 4.0 answers
// 412; an unknown $ option (anything but $expand, $select, $filter) 501
// Base.QueryNotSupported. Collections answer $expand (".", "*" and
// "($levels=1)" alike); "only" on a one-member collection answers the member
// (on a resource: 400 Base.QueryNotSupportedOnResource); $filter takes
// comparisons (eq ne gt ge lt le, slash paths, 'strings', numbers, true,
// false, null) joined by and/or (400 Base.QueryParameterValueFormatError
// otherwise). On profiles that advertise SelectQuery, every GET answers
// $select with slash paths (Oem/Hpe/FreeSizeBytes). GET and HEAD answers
// carry Link: </redfish/v1/SchemaStore/en/<Type>.json/>; rel=describedby and
// Cache-Control: no-cache.
//
// Every GET carries @odata.etag and an equal ETag header (wire.ETag over the
// body without its clock fields); PATCH and DELETE honour If-Match (412 on
// mismatch). Every other answer uses iLO's error envelope from package wire.
//
// # Update operations and time
//
// One operation runs at a time and drives Oem.Hpe.State: Uploading while the
// POST body or the ImageURI download arrives, then Verifying, Writing (when
// stored in the repository), Updating with FlashProgressPercent (when
// flashed), then Complete or Error with Result; the terminal state is sticky
// until the next operation. UploadCurrentEtag echoes the client's tag. A new
// upload or flash while one runs is refused with 400
// iLO.ComponentUploadAlreadyInProgress, or FirmwareFlashAlreadyInProgress
// while Updating. Phases are measured on a simulated Clock (WithSpeed,
// WithPhases, POST /_sim/clock {"advance": "26h"}; speed 0 stops it) and
// evaluated lazily
// on every request, so an idle iLO costs no goroutine: 1,000 iLOs idle in
// about 25 MB.
//
// Every duration of this package — phases, the iLO reset delay and dark
// time, the host's shutdown, power gap and POST, session idle time — is
// simulated time, so WithSpeed (cmd/ilosim -speed) shortens them all alike.
//
// A flash by the task queue (Apply) shows as State Updating the same way
// when no upload runs; its versions change at once (the queue replays clock
// jumps on its own timeline) and an iLO reset waits for its end.
//
// Images are read with internal/testimage. Applying one sets the Version of
// every FirmwareInventory item whose DeviceClass matches and whose Targets
// share a GUID with the image (or the items named by Targets).
//
// # iLO self-flash
//
// Flashing iLO firmware ends like any flash (State Complete), and the iLO
// keeps running the old firmware, sessions alive, for the reset delay
// (WithILOResetDelay, Profile.ILOResetDelay, fault ilo_reset_delay_seconds;
// default DefaultILOResetDelay = 10 s of iLO time, so a client polling every
// 8 s reads Complete, as HPE's CLI expects). Then the iLO resets: every
// session ends, every connection is reset (hijacked and closed with
// SO_LINGER 0) for the dark time (WithDarkTime, fault
// ilo_reset_dark_seconds; default 90 s), then the iLO answers with the new
// version; repository, queue, windows, install sets, settings and the sticky
// Complete stay. With WithILOReset(false), Profile.ILONoReset or the fault
// ilo_reset false ("iLO does not always reset") the manager reports the new
// version at the end of the flash and nothing goes dark. /_sim stays
// reachable while dark; GET /_sim/state shows ilo_resets and ilo_reset_at.
//
// Uploads are streamed to files under WithDir (a private directory per iLO,
// created on first use): a 1 GiB component never sits in memory. uploadFile
// takes at most 33,554,432 bytes per POST; Sections are appended in order and
// the component is complete when a part is shorter than 32 MiB or the
// image's header size is reached. Smart Components need a .compsig (one per
// 32 MiB part is accepted, or one for the whole file).
//
// # The host: power, reboots and pending components
//
// Systems/1 models the server (power.go): PowerState On/Off and
// Oem.Hpe.PostState FinishedPost/InPost/PowerOff move over simulated time.
// ComputerSystem.Reset ForceRestart: Off at once, On after the power gap
// (5 s), InPost for the POST time (90 s), then FinishedPost;
// GracefulRestart: the same after a graceful shutdown (30 s);
// GracefulShutdown/ForceOff: Off (after 30 s / at once); On: boots;
// PushPowerButton: GracefulShutdown when on, On when off; Nmi: no change.
// WithServerTimes (cmd/ilosim -server-shutdown, -server-power-gap,
// -server-post) sets the durations. The task queue's ResetServer and
// BootToUefi steps are a ForceRestart (an On when the server is off). Every
// power-on starts POST, and with it the UEFI pass of the task queue: UEFI
// items (BIOS .signed.flash, Smart Components, anything pending a reboot)
// activate then, not before. The fault server_reset_ignored makes both
// accepted with no effect (pending items stay pending). With staged
// activation (WithStagedActivation, cmd/ilosim -staged-activation, fault
// staged_activation) a direct (Bmc) flash of a component that activates at
// reboot (AfterReboot or AfterHardPowerCycle: System ROM, CPLD, Smart
// Components) stays pending too — FirmwareInventory, Systems/1 BiosVersion
// and drive Revisions keep the old version until the next power-on, and
// GET /_sim/state lists pending_activation.
// Oem.Hpe.DeviceDiscoveryComplete follows the host state; the BIOS resource
// (lower-case systems/1/bios, as real iLOs link it) carries
// Attributes.TpmState (NotPresent, or PresentEnabled with WithTPM / -tpm,
// which also makes queue flashes need TPMOverride). Systems/1/Storage, its
// controller and the Drives that FirmwareInventory RelatedItem links name
// are served; a drive's Revision follows its inventory Version.
//
// # Control endpoint
//
// /_sim/counters, /_sim/counters/reset, /_sim/faults, /_sim/clock and
// /_sim/state, as docs/design.md describes; no auth, no faults apply.
// Faults (POST /_sim/faults, JSON; absent keys leave the current value):
//
//	status_503               int     next N requests answer 503 + Retry-After: 1
//	reset_mid_body           int     next N uploads are reset mid-body
//	slow_ms, slow_count      int     delay the next slow_count requests (wall ms)
//	expire_sessions          bool    end every session now
//	repository_full          bool    no free space in the repository (false clears)
//	dark_seconds             number  dark from now for S simulated seconds (large:
//	                                 an iLO that never comes back in time)
//	ilo_reset_delay_seconds  number  Complete this long after an iLO flash before
//	                                 the reset (default 10)
//	ilo_reset                bool    false: no reset after an iLO flash (default true)
//	ilo_reset_dark_seconds   number  dark time of the self-flash reset (default the
//	                                 dark time, 90)
//	flash_error              string  file name, "*" or true: that flash ends in
//	                                 State Error iLO.UpdateFailed ["50"]; "" or
//	                                 false clears
//	server_reset_ignored     bool    ComputerSystem.Reset and ResetServer are
//	                                 accepted, the server does not reboot
//	staged_activation        bool    direct flashes of reboot-activated components
//	                                 stay pending until the next power-on
//
// # Profiles (§10)
//
//	                    ilo5          ilo5-legacy  ilo6            ilo7                 ilo5-multipart
//	firmware            2.70          2.18         1.70            1.14.00              2.70
//	Managers/1 version  iLO 5 v2.70   iLO 5 v2.18  iLO 6 v1.70     1.14.00 Jul 10 2025  as ilo5
//	Oem.Hpe.Firmware    yes           yes          yes             no (deprecated)      yes
//	@odata.id slash     trailing      trailing     none            none                 trailing
//	registries          Base.1.4      Base.1.4     Base.1.18       Base.1.18            Base.1.4
//	                    iLO.2.14      iLO.2.8      iLO.2.34        iLO.2.31             iLO.2.14
//	UpdateService type  v1_1_1        v1_1_1       v1_11_0         v1_2_1               v1_6_0
//	HpeiLOUpdateSvcExt  v2_2_0        v2_1_4       v2_4_0 (*)      v2_4_0 (*)           v2_2_0
//	SimpleUpdate /      202 + Task +  200 + Base   202             202                  202
//	AddFromUri          Location      Success
//	Capabilities,       yes           no           + ForceStop,    SecureStandardMode   yes
//	Accept3rdParty…                                ConnectivityTest
//	extra               BundleUpdate  —            HttpPushUri-    RunningSoftware-     MultipartHttpPushUri
//	                    Report                     Options         Inventory
//	SessionTimeout      no            no           yes             yes                  no
//
// (*) no capture or schema: an assumption; so is ilo5-legacy's iLO.2.8 (no
// capture of a 2.18 registry).
//
// ilo5-246 is iLO 5 firmware 2.46 (issue 13): "iLO 5 v2.46", no Updateable
// on any FirmwareInventory/SoftwareInventory member (absent = unknown), no
// trailing slash on any @odata.id (the JsonSchemas and ResourceDirectory
// links included, as 2.46 and 2.55 serve them), UpdateService v1_1_1 with
// HpeiLOUpdateServiceExt v2_1_4 and Capabilities {PLDMFirmwareUpdate,
// UpdateFWPKG} (2.55 capture, 2.46 SchemaStore), HpeiLO v2_8_0, Base.1.4 and
// iLO.2.14, 202 + Task, no BundleUpdateReport. The fidelity test holds it to
// the 2.55 capture and the 2.46 schemas. Profile.ActionsUnderActionsOem
// moves the OEM actions to Actions.Oem.Hpe (a third-party claim for iLO 6);
// every built-in profile keeps Oem.Hpe.Actions as all HPE documents do.
//
// # UNCONFIRMED choices (§13) and how to switch them
//
//   - Section base: 0 for uploadFile (iLOrest, HPE doc), 1 for AddFromUri
//     (HPE blog screenshot). WithSectionBase(upload, addFromURI).
//   - uploadFile tag: UploadCurrentEtag wins when both it and ETag are sent;
//     either alone is echoed in Oem.Hpe.UploadCurrentEtag. Not switchable.
//   - uploadFile success body: 200 with Base Success (iLOrest reads only the
//     status). Bad or missing session, missing iLOConfigPriv, Basic auth and
//     a sessionKey field that differs from the cookie: 400 with an empty body.
//   - uploadFile over 32 MiB in one POST: 400 iLO.ComponentUploadFailed and
//     State Error. Sections out of order: State Error ComponentUploadFailed.
//   - Unknown image bytes: State Error iLO.UpdateInvalidFile; missing or bad
//     compsig: iLO.ComponentUploadFailed (iLO 5) or
//     iLO.UpdateSignatureValidationFailed (iLO 6 only: the key is absent from
//     the iLO 5 and iLO 7 1.14 registries).
//   - Full repository (or the repository_full fault): State Error
//     Base.ResourceExhaustion ["ComponentRepository"].
//   - Replacing or deleting a Locked component: State Error
//     ComponentUploadFailed, DELETE 400 Base.ResourceInUse.
//   - SimpleUpdate accepts only .bin and .signed.flash (HPE docs); .fwpkg and
//     Smart Components end in State Error Base.ResourceAtUriInUnknownFormat on
//     every profile, after 202 + Task on ≥ 2.30 profiles (the Task ends in
//     Exception).
//   - SimpleUpdate/AddFromUri download failure: State Error
//     Base.CouldNotEstablishConnection (no answer) or Base.ResourceMissingAtURI
//     (non-200); downloads are allowed from loopback only.
//   - A running Task carries "Messages": [] although the 2.30 capture shows
//     [{}] (FW3-fig-10), which breaks the DMTF schema and community.general;
//     WithTaskEmptyMessage restores the captured shape.
//   - Task monitor: 202 + Task while running (no Retry-After), one final
//     answer (200 Base Success, or 400 with the Result when the task ended in
//     Exception), then 404 Base.ResourceMissingAtURI. Tasks stay listed.
//   - Session cap: 16 (WithSessionCap), refused with 503 Base.SessionLimitExceeded.
//     Idle expiry 30 min of iLO time (WithIdleTimeout). Bad credentials: 401
//     iLO.UnauthorizedLoginAttempt.
//   - 412 on If-Match mismatch cites Base.PreconditionFailed (absent from
//     Base 1.4; no source shows iLO's id). 405 cites Base.ActionNotSupported.
//   - Component Id: 8 hex digits of the CRC-32 of the lower-case file name,
//     so a replaced file keeps its URI.
//   - Busy refusals answer 400; status 409 is never used.
//   - DowngradePolicy NoDowngrade (permanent, iLO.DowngradePolicyAlreadySet)
//     makes a flash to a lower version end in State Error
//     iLO.DowngradeNotAllowed; versions compare by their numbers.
//     RecoveryDowngrade behaves as AllowDowngrade.
//   - Reset delay 10 s (Complete before the iLO resets; HPE gives no figure,
//     an 8 s poller must see it): WithILOResetDelay. A flash_error flash
//     reports iLO.UpdateFailed ["50"] as the 2.55 capture's Result does.
//   - ilo_reset false: the new version shows at the end of the flash and the
//     sessions stay; with a reset, State stays Complete after the iLO comes
//     back (sticky, as before). A Manager.Reset while a self-flash waits for
//     its reset applies the new firmware then.
//   - After an iLO flash the version string carries the flash date: test
//     images carry no build date (internal/testimage), while a real iLO shows
//     the image's build date ("3.05 Jun 28 2024").
//   - Dark time 90 s after an iLO flash or Manager.Reset (WithDarkTime);
//     connections are reset rather than refused, so that one listener keeps
//     serving /_sim.
//   - ilo5-246: build date "Jun 03 2021", registry iLO.2.14 and the 2.55
//     shapes for everything but Updateable are assumptions (no 2.46 capture
//     here); change the "ilo5-246" entry in profile.go.
//   - Location headers name the request's Host and drop the scheme's
//     default port (:443/:80); WithHost only fills in a missing Host.
//   - Host timings 30 s shutdown, 5 s off, 90 s POST (no HPE figure): change
//     them with WithServerTimes. Reset types refused in the wrong power
//     state (On when on; ForceOff, GracefulShutdown, *Restart, Nmi when off)
//     answer 400 iLO.InvalidOperationForSystemState [ResetType]; an unknown
//     type 400 Base.ActionParameterNotSupported. A queue ResetServer task is
//     Complete when the reboot starts. DeviceDiscoveryComplete in POST
//     (Busy) and when off (vAuxDeviceDiscoveryComplete, NoAMS) is a guess;
//     after POST it is the real 2.46 value (AMS Complete).
//   - The host has no TPM by default (BIOS TpmState NotPresent, no
//     TPMOverride needed); WithTPM switches both.
//   - Link headers point at /redfish/v1/SchemaStore/en/<Type>.json with the
//     profile's slash form and Cache-Control is "no-cache" (HPE's iLO 5
//     documentation shows both; no capture of headers).
//   - By default a direct (Bmc) flash of a component that activates at
//     reboot shows its new Version at once, as before (the modules read it
//     to stay idempotent); only UEFI queue items wait for the reboot.
//     Staged activation (off by default) models the reboot for them too; a
//     warm restart activates AfterHardPowerCycle items as well (the model
//     powers off within every restart).
//   - No System Recovery Set out of the box by default: a real server ships
//     with one, but the modules' playbook tests assert exact repository
//     contents. WithFactoryRecoverySet (cmd/ilosim -recovery-set) stores the
//     running iLO, CPLD and System ROM images (Locked) and the set naming
//     them, in the CAP255 order; IE and SPS images are left out (no
//     FirmwareInventory item the simulator flashes). Flip the default once
//     the playbook tests allow it.
//   - SoftwareInventory members carry Updateable false except on ilo5-246
//     (the 2.46 source omits it; no capture of a populated 2.70 list).
//   - SchemaStore files carry no schema text: a DMTF type's file is a $ref to
//     its published schema, an HPE type's names itself. JsonSchemas member
//     Ids are unversioned type names. $top/$skip answer 501 (not advertised).
//     The license is Advanced Premium Security (FWScan true); HpeiLOLicense
//     v2_3_0 on iLO 5, v2_5_0 on iLO 6/7.
//   - ilo6/ilo7 HpeiLOUpdateServiceExt v2_4_0 and the Capabilities sets follow
//     the resource-definition tables, not captures.
package ilosim
