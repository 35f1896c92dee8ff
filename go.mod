module github.com/fleetfw/ilo

go 1.26.0

require (
	// Not newer: v10.27.0 added the validateFn tag, whose call of
	// reflect.Value.MethodByName with a name known only at run time makes the
	// linker keep every exported method of every type in the binary (+1.2 MB
	// that Ansible copies on every task). TestLinkerPrunesMethods guards it.
	github.com/go-playground/validator/v10 v10.26.0
	github.com/tidwall/gjson v1.20.1
	github.com/tidwall/sjson v1.2.7
)

require (
	github.com/gabriel-vasile/mimetype v1.4.16 // indirect
	github.com/go-playground/locales v0.14.2 // indirect
	github.com/go-playground/universal-translator v0.18.2 // indirect
	github.com/leodido/go-urn v1.5.0 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0
	gopkg.in/yaml.v3 v3.0.1
)
