// Package modkit is what the fleetfw.ilo modules share between the Ansible
// protocol (internal/ansible) and the Redfish/iLO client (internal/ilo), so
// that each module's package holds only its Args, its Result, its own
// comparison and its run:
//
//   - ConnArgs, the connection options every module embeds, and Use, the one
//     way a module opens a connection: every session token becomes a secret
//     of the run, and the session is logged out whatever happens (an error,
//     a panic), with a warning when the logout fails.
//   - the output types of the iLO resources (InventoryItem, Component,
//     Task, MaintenanceWindow, InstallSet, Service), shared by update_info
//     and the module that manages each resource.
//   - schedule options: times relative to the iLO's clock ("+2h"), Redfish
//     date-times, and the checks a schedule takes with and without the iLO.
//   - SameVersion, the version test the modules use, on internal/fwversion
//     (the one comparator; no module compares versions by itself).
//   - Recorder, the update-service states seen during a wait.
//   - the preflight checks the flashing modules (component,
//     firmware_update) make before sending an image.
//   - Ensure, find → compare → diff → write for a named iLO resource with
//     one If-Match policy: a write refused with 412 (someone changed the
//     resource since it was read) is answered by reading it again and
//     comparing again, never by sending the same change without a
//     precondition.
//
// Unconfirmed choices made here:
//
//   - The output types are the union of the keys update_info and the
//     managing module returned before the kit (nothing a playbook reads went
//     away), every key always present as update_info's items always were
//     (lists as [], a missing message as {}, a missing string as ""): one
//     resource has one shape, whichever module returns it. The managing
//     modules used to leave empty keys out; update_info gains the keys the
//     managing modules returned (uri, created, …).
//   - Ensure answers at most MaxPreconditionRetries 412s in a row, then
//     fails naming the resource: an iLO that refuses every precondition is
//     not raced forever. When the fresh read shows the resource already as
//     wanted (someone else made the same change), nothing is written and the
//     module reports changed=false with a warning.
//   - Recorder keeps millisecond times for every module (component kept
//     whole seconds before): the states of one upload can change several
//     times in a second.
package modkit
