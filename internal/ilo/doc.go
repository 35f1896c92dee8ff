// Package ilo is the Redfish client fleetfw.ilo's modules use to talk to HPE
// iLO 5, 6 and 7: sessions, discovery from the service root, typed views of
// the update-service resources, task monitors, uploads and one error type.
//
// A module connects, reads, compares, writes and always closes:
//
//	c, err := ilo.Connect(ctx, cfg) // service root, then login (or a session token)
//	if err != nil {
//		return Result{}, err
//	}
//	defer c.Close(ctx) // logs out under its own deadline, even after ctx ended
//	repo, err := c.Repository(ctx) // one GET with $expand=. when offered
//
// Every URI is discovered from GET /redfish/v1/ and the links below it; the
// only path this package knows by heart is the service root. Resources are
// read with gjson by named paths declared next to the type that owns them,
// one file per resource family (update_service.go, inventory.go,
// repository.go, task_queue.go, maintenancewindows.go, install_sets.go,
// tasks.go, manager.go). Request bodies are built with sjson (body.go).
//
// Transport rules (client.go): a per-request timeout (Config.Timeout) under
// the caller's deadline; one keep-alive connection per run; GET and HEAD are
// retried with exponential backoff after connection errors and 503 (Retry-After
// honoured); writes are never repeated, and a write whose connection broke
// returns an error for which IsUncertain is true. A 401 mid-run makes the
// client log in once more when it owns the credentials (WithHide learns the
// new token; the old session is ended when it still exists). ExpectedDuringReset
// and Reconnect handle an iLO that resets itself after a flash.
//
// Hostile answers (answer.go): every answer is read through one function with
// a size cap (DefaultMaxBody, WithMaxBody) and a watchdog that gives up when
// the body stops arriving for one request timeout, uploads included; its JSON
// nesting is counted without recursion and refused beyond MaxDepth before
// gjson sees it (a Go stack overflow cannot be recovered). Collections are
// capped at DefaultMaxMembers, message texts and arguments are cut with a
// marker. An http:// baseuri needs Config.AllowHTTP; transport and
// certificate failures are described in words, never Go's own.
//
// Failures are *Error (errors.go): method, URI, status and the MessageIds of
// iLO's error.@Message.ExtendedInfo with their registry text (an embedded
// extract of the Base and iLO registries, messages.json, written by
// gen_messages.go). Test them with IsNotFound, IsUnauthorized,
// IsPreconditionFailed, IsUncertain, IsTimeout and HasMessage, never by text.
package ilo
