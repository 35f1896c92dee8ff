//go:build ignore

// gen_messages writes messages.json, the registry text the client embeds to
// explain MessageIds. It reads iLO's own registry store from the iLO 5 2.70
// capture and, for keys that capture predates, the DMTF Base registry.
// Only the update-related keys listed below are kept, so the binary stays
// small (reference §9.4).
//
//	go run gen_messages.go
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"sort"
)

const (
	fixtures = "/work/shared/fixtures/"
	ilo5     = fixtures + "ilo/ilo5/xl675d-gen10plus-a100-ilo5-2.70/RegistryStore/registries/en/"
	dmtfBase = fixtures + "schemas/dmtf/2025.4/registries/Base.1.22.1.json"
)

var baseKeys = []string{
	"AccessDenied", "AccountForSessionNoLongerExists", "ActionNotSupported", "ActionParameterMissing",
	"ActionParameterNotSupported", "ActionParameterUnknown", "ActionParameterValueFormatError",
	"ActionParameterValueTypeError", "CouldNotEstablishConnection", "CreateLimitReachedForResource",
	"Created", "GeneralError", "InsufficientPrivilege", "InsufficientStorage", "InternalError",
	"MalformedJSON", "NoValidSession", "PreconditionFailed", "PropertyMissing", "PropertyNotWritable",
	"PropertyUnknown", "PropertyValueFormatError", "PropertyValueNotInList", "PropertyValueTypeError",
	"ResourceAlreadyExists", "ResourceAtUriInUnknownFormat", "ResourceAtUriUnauthorized",
	"ResourceCannotBeDeleted", "ResourceInUse", "ResourceMissingAtURI", "ResourceNotFound",
	"ServiceInUnknownState", "ServiceShuttingDown", "ServiceTemporarilyUnavailable",
	"SessionLimitExceeded", "SessionTerminated", "SourceDoesNotSupportProtocol", "StringValueTooLong",
	"Success", "UnrecognizedRequestBody",
}

var iloKeys = []string{
	"AlreadyInProgress", "ComponentUploadAlreadyInProgress", "ComponentUploadFailed", "DeviceIsBusy",
	"DowngradeNotAllowed", "DowngradePolicyAlreadySet", "ETagTooLong", "FWFlashSuccessTPMOverrideEnabled",
	"FWFlashSuccessTrustedModuleOverrideEnabled", "FWFlashTPMOverrideFlagRequired",
	"FWFlashTrustedModuleOverrideFlagRequired", "FirmwareFlashAlreadyInProgress", "InstallSetWriteError",
	"LoginAttemptDelayed", "LoginAttemptDelayedSeconds", "PropertyValueIncompatible",
	"RecoveryInstallSetRequired", "ResetInProgress", "ResourceBeingFlashed", "ResourceInUseWithDetail",
	"ResourceNotReadyRetry", "ResourceTemporarilyUnavailable", "SystemResetRequired",
	"UnableToModifyDueToMissingComponent", "UnauthorizedLoginAttempt", "UpdateBadParameter",
	"UpdateCancelled", "UpdateDependencyFailure", "UpdateFailed", "UpdateInPOST", "UpdateInterrupted",
	"UpdateInvalidFile", "UpdateInvalidOS", "UpdateNotApplicable", "UpdateRepositoryUnavailable",
	"UpdateTaskQueueFull", "UpdateTaskQueueWriteError", "UpdateTemporarilyUnavailable",
	"UpdateWithPowerOff", "UpdateWithPowerOn", "iLOResetAndSystemRebootRequired",
}

type entry struct {
	Message    string `json:"m"`
	Resolution string `json:"r,omitempty"`
}

type registry struct {
	Messages map[string]entry `json:"Messages"`
}

func load(path string) registry {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var raw struct {
		Messages map[string]struct{ Message, Resolution string }
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	r := registry{Messages: map[string]entry{}}
	for k, v := range raw.Messages {
		res := v.Resolution
		if res == "None" || res == "None." {
			res = ""
		}
		r.Messages[k] = entry{Message: v.Message, Resolution: res}
	}
	return r
}

func main() {
	base, dmtf, ilo := load(ilo5+"Base.json/index.json"), load(dmtfBase), load(ilo5+"iLO.json/index.json")
	out := map[string]entry{}
	for _, k := range baseKeys {
		e, ok := base.Messages[k]
		if !ok {
			e, ok = dmtf.Messages[k]
		}
		if !ok {
			log.Fatalf("Base.%s: not in either registry", k)
		}
		out["Base."+k] = e
	}
	for _, k := range iloKeys {
		e, ok := ilo.Messages[k]
		if !ok {
			log.Fatalf("iLO.%s: not in the registry", k)
		}
		out["iLO."+k] = e
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f, err := os.Create("messages.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(f, "{")
	for i, k := range keys {
		v, _ := json.Marshal(out[k])
		sep := ","
		if i == len(keys)-1 {
			sep = ""
		}
		fmt.Fprintf(f, "%q: %s%s\n", k, v, sep)
	}
	fmt.Fprintln(f, "}")
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
