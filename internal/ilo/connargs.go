package ilo

// ConnArgs is a copy of the module options of internal/modkit.ConnArgs,
// kept only because tests/integration/collection_test.go (not this
// package's to change) compares plugins/doc_fragments/ilo.py with this
// type. Nothing else uses it: once that test reads modkit.ConnArgs, delete
// this file.
//
// Deprecated: use internal/modkit.ConnArgs (module options) or Config (the client).
type ConnArgs struct {
	BaseURI       string `json:"baseuri" validate:"required,nouserinfo"`
	Username      string `json:"username" env:"ILO_USERNAME"`
	Password      string `json:"password" no_log:"true" env:"ILO_PASSWORD"`
	AuthToken     string `json:"auth_token" no_log:"true" env:"ILO_AUTH_TOKEN"`
	ValidateCerts bool   `json:"validate_certs" default:"true"`
	CAPath        string `json:"ca_path" type:"path" env:"ILO_CA_PATH" validate:"omitempty,max_bytes=1048576"`
	AllowHTTP     bool   `json:"allow_http" default:"false" env:"ILO_ALLOW_HTTP"`
	Timeout       int    `json:"timeout" default:"30" validate:"min=1,max=3600"`
}
