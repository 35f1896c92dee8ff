package ilosim

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/fleetfw/ilo/internal/ilosim/wire"
)

// The Base and iLO message registries of the iLO 5 2.70 capture. Every
// profile serves their messages; Id and RegistryVersion follow the
// profile's prefixes (iLO 6/7 registries hold more keys than these).
var (
	//go:embed testdata/registries/Base.json
	baseRegistryJSON []byte
	//go:embed testdata/registries/iLO.json
	iloRegistryJSON []byte
)

var registryMessages = sync.OnceValue(func() map[string]any {
	out := map[string]any{}
	for name, b := range map[string][]byte{"Base": baseRegistryJSON, "iLO": iloRegistryJSON} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			panic("ilosim: embedded registry " + name + ": " + err.Error())
		}
		out[name] = m["Messages"]
	}
	return out
})

const registriesPath = "/redfish/v1/Registries"

// registryPrefix returns the profile's prefix of registry name ("Base.1.4").
func (i *ILO) registryPrefix(name string) string {
	if name == "Base" {
		return i.prof.Registries.Base
	}
	return i.prof.Registries.ILO
}

func registryName(arg string) string {
	for _, n := range []string{"Base", "iLO"} {
		if strings.EqualFold(arg, n) || strings.EqualFold(arg, n+".json") {
			return n
		}
	}
	return ""
}

func (i *ILO) serveRegistries(w http.ResponseWriter, r *Request) {
	WriteResource(w, http.StatusOK, i.collection(r.Request, registriesPath, "#MessageRegistryFileCollection.MessageRegistryFileCollection",
		"Registry File Repository", "Registry Repository", []string{registriesPath + "/Base", registriesPath + "/iLO"},
		func(p string) map[string]any { return i.registryFileBody(p[strings.LastIndex(p, "/")+1:]) }))
}

func (i *ILO) registryFileBody(name string) map[string]any {
	return map[string]any{
		"@odata.context": "/redfish/v1/$metadata#MessageRegistryFile.MessageRegistryFile",
		"@odata.id":      i.ODataID(registriesPath + "/" + name),
		"@odata.type":    "#MessageRegistryFile.v1_0_4.MessageRegistryFile",
		"Id":             name,
		"Description":    "Registry Definition File for " + name,
		"Languages":      []string{"en"},
		"Location": []any{map[string]any{"Language": "en",
			"Uri": i.ODataID("/redfish/v1/RegistryStore/registries/en/" + name + ".json")}},
		"Name":     name + " Message Registry File",
		"Registry": i.registryPrefix(name) + ".0",
	}
}

func (i *ILO) serveRegistryFile(w http.ResponseWriter, r *Request) {
	name := registryName(r.Args[0])
	if name == "" {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	WriteResource(w, http.StatusOK, i.registryFileBody(name))
}

// serveRegistry answers the registry itself (RegistryStore), with
// RegistryPrefix and RegistryVersion of the profile.
func (i *ILO) serveRegistry(w http.ResponseWriter, r *Request) {
	name := registryName(r.Args[0])
	if name == "" {
		wire.WriteError(w, http.StatusNotFound, i.prof.Registries.BaseMsg("ResourceMissingAtURI", r.URL.Path))
		return
	}
	prefix := i.registryPrefix(name)
	WriteResource(w, http.StatusOK, map[string]any{
		"@odata.type":     "#MessageRegistry.v1_2_0.MessageRegistry",
		"Id":              prefix + ".0",
		"Name":            name + " Message Registry",
		"Language":        "en",
		"OwningEntity":    map[string]string{"Base": "DMTF", "iLO": "HPE"}[name],
		"RegistryPrefix":  name,
		"RegistryVersion": strings.TrimPrefix(prefix, name+".") + ".0",
		"Messages":        registryMessages()[name],
	})
}
