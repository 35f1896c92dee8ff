// Package ansible is the Ansible binary-module protocol: it reads the
// arguments file Ansible hands a module, checks the options the way
// AnsibleModule's argument spec does, runs the module and writes the one JSON
// object Ansible expects on stdout.
//
// A module is a function over two structs:
//
//	type Args struct {
//		Name  string `json:"name" validate:"required,max=64"`
//		State string `json:"state" default:"present" validate:"oneof=present absent"`
//	}
//	type Result struct {
//		Changed bool          `json:"changed"`
//		Diff    *ansible.Diff `json:"diff,omitempty"`
//	}
//	var Module = ansible.New("example", run)
//
// The argument struct's tags are the argument spec:
//
//	json:"name"           option name (encoding/json rules; embedded structs are flattened)
//	default:"v"           default, parsed with the option's type (lists: comma-separated)
//	validate:"..."        go-playground/validator/v10 rules, run by the validator on the
//	                      converted value: "required" and "oneof=" become Ansible's
//	                      required and choices; the others (min, max, len, url, uuid,
//	                      hostname_port, datetime=, …) are checked after them ("dive"
//	                      separates the list's rules from its elements' rules). The
//	                      framework adds nocontrol (no CR, LF or other control
//	                      character), regular_file (an existing regular file, not a
//	                      directory, FIFO or device), max_bytes=N (such a file of at
//	                      most N bytes) and nouserinfo (a URL without user:password@).
//	                      A tag the validator cannot run, or a cross-field rule, is a
//	                      spec error. Lengths of strings count characters.
//	no_log:"true"         secret: masked in invocation and scrubbed from every output string
//	no_log:"userinfo"     a URL whose user info password is secret (image_uri)
//	env:"A,B"             fallback environment variables, first one set wins
//	aliases:"a,b"         other names accepted for the option
//	type:"path"           a string (or []string) option of Ansible type path: ~ and $VAR expanded
//
// Go types map to Ansible types: string → str, bool → bool, integers → int,
// floats → float, []T → list with elements T, a struct (or []struct) → dict
// (list of dicts) with suboptions, map[string]any → dict, any → raw. Pointers
// mean "not given" when nil.
//
// Processing mirrors ansible-core's ArgumentSpecValidator (module_utils/common/
// arg_spec.py): env fallbacks, aliases, unsupported options, mutually_exclusive,
// defaults, required, types, choices, required_together, required_one_of,
// required_if, required_by, then suboptions; the first error is reported with
// Ansible's wording. The other validate rules run right after choices; the
// Check hook (of the arguments, their embedded structs and suboption
// structs) runs after all that.
//
// The output is one JSON object: the module's Result, "changed" (false when
// the Result has none), "failed", "msg" on failure, "warnings",
// "invocation": {"module_args": …} with every option after defaults, "diff"
// only under --diff, and "error_info" when the error has an
// ErrorInfo() map[string]any method. Every no_log value and Run.Secret value
// is scrubbed as ansible-core's remove_values does.
//
// Every no_log value, Run.Secret value and user info password is also
// scrubbed in its JSON-escaped and URL-encoded forms. An int or float a
// narrower Go field (int8, uint16, float32 …) cannot hold, or an integer past
// int64, fails with an out-of-range message; bound durations with max= (a
// wait_timeout of 9223372037 seconds or more overflows time.Duration). The
// arguments file must be a regular file of at most MaxArgsFileBytes.
//
// Deliberate differences from AnsibleModule: a dict given as a string is
// read as JSON or k=v (no Python literal_eval); a float "inf" or "nan" is
// refused (JSON cannot carry it); alias keys are not echoed in invocation;
// booleans are never scrubbed and keys inside result values are; "failed"
// is always present; suboption apply_defaults does not exist; secrets are
// scrubbed even from a failure caused by a bad _ansible_* key.
package ansible
