package fidelity

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetadataIsCaptured: /redfish/v1/$metadata (no authentication) is the
// captured CSDL of the firmware whose slash style the profile has.
func TestMetadataIsCaptured(t *testing.T) {
	for _, pc := range profileCases {
		t.Run(pc.profile, func(t *testing.T) {
			s := startSim(t, pc.profile)
			resp, b := s.do(http.MethodGet, "/redfish/v1/$metadata", nil, nil, false)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET $metadata: %d", resp.StatusCode)
			}
			set := "ilo5-2.55"
			if pc.trailingSlash {
				set = "ilo5-2.70"
			}
			want, err := os.ReadFile(filepath.Join("testdata", "captures", set, "$metadata", "index.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("$metadata differs from the %s capture", set)
			}
		})
	}
}

// TestDescribedByHeaders: every GET and HEAD of a resource the fidelity
// test reads carries Link <schema>; rel=describedby naming the schema of its
// @odata.type, and Cache-Control.
func TestDescribedByHeaders(t *testing.T) {
	for _, pc := range profileCases {
		t.Run(pc.profile, func(t *testing.T) {
			s, us := startSimWithComponent(t, pc.profile)
			paths := []string{"/redfish/v1/", s.link(us, "FirmwareInventory"), s.link(us, "Oem.Hpe.ComponentRepository"),
				s.link(s.root, "JsonSchemas"), s.link(s.root, "Systems")}
			for _, p := range paths {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					resp, _ := s.do(method, p, nil, nil, true)
					_, body := s.getAs(p, true)
					typ, _ := body["@odata.type"].(string)
					name := strings.SplitN(strings.TrimPrefix(typ, "#"), ".", 2)[0]
					link := resp.Header.Get("Link")
					if !strings.Contains(link, "/SchemaStore/en/"+name+".json") || !strings.HasSuffix(link, ">; rel=describedby") {
						t.Errorf("%s %s: Link %q, want the %s schema, rel=describedby", method, p, link, name)
					}
					if resp.Header.Get("Cache-Control") == "" {
						t.Errorf("%s %s: no Cache-Control", method, p)
					}
				}
			}
		})
	}
}
