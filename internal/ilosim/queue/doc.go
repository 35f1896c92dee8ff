// Package queue models the second half of iLO's update workflow inside the
// simulator: the update task queue (HpeComponentUpdateTask), maintenance
// windows (HpeMaintenanceWindow), install sets (HpeComponentInstallSet) with
// their Invoke action and the System Recovery Set, and the OEM bulk actions
// DeleteInstallSets, DeleteMaintenanceWindows and DeleteUpdateTaskQueueItems
// (reference ../shared/reference/ilo-update-service.md §1.4, §6–§9).
//
// # Mounting
//
// internal/ilosim/queue_mount.go does it; New calls (*ILO).mountQueue once,
// after its options, while the repository already holds its initial
// components (New calls Host.RecoveryComponents and Host.Component to build
// the default System Recovery Set):
//
//	q := queue.New(queue.Config{
//		Registries:        prof.Registries,
//		ServiceURI:        "/redfish/v1/UpdateService",
//		TaskVersion:       "v1_2_0", // iLO 5; "v1_4_0" iLO 5 2.98+, "v1_6_0" iLO 6, "v1_5_0" iLO 7
//		InstallSetVersion: "v1_1_0", // "v1_5_0" on iLO 6/7
//		TrailingSlash:     prof.TrailingSlash,
//	}, queueHost{i}) // an adapter: ILO.Apply has another signature
//	i.SetLockedFunc(func(f string) bool { return len(q.Locked(f)) > 0 })
//	i.AddTicker(q.Tick) // before every request, without the iLO lock
//	i.Mount(func(w http.ResponseWriter, r *Request) bool { // authenticated /redfish requests
//		return q.Handle(w, r.Request, queue.Privileges{SystemRecoveryConfig: r.Privileges[PrivRecoverySet]})
//	})
//
// Handle owns, case-insensitively and with or without a trailing slash:
// Config.TaskQueueURI, MaintenanceWindowsURI and InstallSetsURI (collections
// and members), InstallSetsURI/{id}/Actions/HpeComponentInstallSet.Invoke,
// and ActionsURI/HpeiLOUpdateServiceExt.{DeleteInstallSets,
// DeleteMaintenanceWindows,DeleteUpdateTaskQueueItems}. It returns false,
// writing nothing, for any other path. The iLO still advertises the links
// and action targets in its UpdateService body.
//
// The repository asks Locked(filename) to render HpeComponent.Locked and
// to refuse DELETE or overwrite while it is not empty. Tick(now) may also
// run from a timer; Handle runs it before answering and after a write.
// HostReset tells the Queue the host rebooted outside the queue (the mount
// calls it from ComputerSystem.Reset), which lets UEFI process its tasks.
// Snapshot is a plain dump for /_sim/state.
//
// The Queue never calls the Host while holding its lock; the iLO must not
// hold a lock that Host methods take while it calls the Queue.
//
// # Processing
//
// Each agent walks the queue from the top in strict order (reference §6.3):
// Complete and Canceled are skipped; InProgress, Exception and Expired stop
// the walk; a Pending task stops it unless the agent is in its UpdatableBy,
// iLO time ≥ StartAfter and its maintenance window is open. Bmc walks on
// every Tick. Uefi walks only right after the host reboots — a ResetServer
// or BootToUefi task, or HostReset — until it finds nothing to do.
// RuntimeAgent walks only while Host.RuntimeAgentRunning. A Pending task
// past Expire becomes Expired. ApplyUpdate calls Host.Apply; with
// Host.TPMInUse and no TPMOverride it ends in Exception with
// iLO.FWFlashTPMOverrideFlagRequired instead. Wait stays InProgress for
// WaitTimeSeconds; ResetServer and ResetBmc call the Host's hooks. Complete
// tasks disappear after Config.CompleteRetention (24 h) of iLO time. When the
// clock jumps, Tick replays the due instants in order.
//
// # Profile differences (Config)
//
// Schema versions select properties: task Targets from v1_4_0,
// TaskPlacementMode ("QueueStart" puts the task at the head) from v1_5_0,
// AdditionalErrorDetails from v1_6_0; install-set Sequence[].Targets from
// v1_3_0 and the HostPoweroff command from v1_4_0. TrailingSlash adds "/" to
// every @odata.id and action target. Registries prefix every MessageId.
//
// # UNCONFIRMED choices
//
// Each was not found in any source (reference §13); the simulator picks:
//   - queue length cap 32 (Config.MaxTasks), answered 400 iLO.UpdateTaskQueueFull
//     for POST and Invoke;
//   - 9th maintenance window / install set: 400 Base.CreateLimitReachedForResource;
//   - duplicate task or set Name: 400 iLO.PropertyValueIncompatible
//     ["NonUnique","Name",<name>] (the Sequence[].Name form is captured);
//   - window Name/Description ≤ 64 enforced server-side (iLOrest and the
//     schema say 64): 400 Base.StringValueTooLong; same for sets and tasks;
//   - window Id = 8 hex digits of an FNV-1a hash of the Name; a duplicate
//     Name is 400 Base.ResourceAlreadyExists; PATCHing Name changes the Id and
//     tasks keep the old Id (they never start and eventually expire);
//   - task and set Ids are hashes of the Name and a counter (docs say derived
//     from Name; captures show 8 hex digits), so a PATCHed set gets a new Id;
//   - StartAfter is required on a window (the schema lists it required;
//     SMP-US allows null);
//   - a task in a window shows the window's StartAfter/Expire, and PATCHing
//     the window rewrites them on its Pending tasks; DELETE cancels only
//     Pending tasks (InProgress ones finish);
//   - Command is required on task create (a capture shows iLO defaulting it
//     with garbage); UpdatableBy defaults to the component's, else ["Bmc"];
//   - a Filename not in the repository: 400 iLO.UnableToModifyDueToMissingComponent;
//   - unknown window on a task: 400 Base.PropertyValueNotInList; on Invoke:
//     400 iLO.ActionParameterValueNotInList;
//   - a second IsRecovery set: 400 iLO.PropertyValueIncompatible
//     ["true","IsRecovery",<existing name>]; recovery sets take only Bmc
//     ApplyUpdate items;
//   - UpdateRecoverySet=true on a task or Invoke needs SystemRecoveryConfig (403);
//     Invoking the recovery set itself does not;
//   - DeleteInstallSets IncludeRecoverySet defaults to false; true without the
//     privilege is 403 and deletes nothing;
//   - Invoke is atomic: a full queue or a task name already queued refuses
//     the whole Invoke; it creates no TaskService task;
//   - PendingReset completes at the next host reset; BootToUefi reboots like
//     ResetServer; HostPoweroff completes at once;
//   - UEFI applies during POST take no iLO time; Wait under UEFI is instant;
//   - a Complete task's Result is Base.Success;
//   - unknown properties: 400 Base.PropertyUnknown, read-only ones 400
//     Base.PropertyNotWritable, OData annotations ignored; out-of-range
//     integers 400 Base.PropertyValueNotInList (Base 1.4 has no OutOfRange);
//   - Z-less times are read as UTC;
//   - 405 carries Base.OperationNotAllowed and an Allow header; Allow lists
//     HEAD as the captured repository member does;
//   - 412 carries Base.PreconditionFailed; If-Match is optional and checked
//     on PATCH only; the ETag header equals @odata.etag;
//   - task create answers 201 with a Location header (absolute URL);
//   - in the mount: the simulated host has a TPM only with ilosim.WithTPM
//     and runs no SUM/SUT; a ResetServer task reboots the simulated server
//     over time (Host.ResetServer returns true) and the iLO calls HostReset
//     when the server POSTs; ResetBmc drops the sessions and darkens the
//     iLO like an iLO flash; ComputerSystem.Reset answers 200 Base.Success
//     and the UEFI pass starts at the POST of that reboot.
//
// A task that would expire before the start of a task ahead of it is still
// saved (the user guide says it is not).
package queue
