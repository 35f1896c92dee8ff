package fidelity

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fleetfw/ilo/internal/testimage"
)

// TestImagesDriveRepository uploads one image of each kind and checks that
// the repository member says what the image says (testimage.Inspect): the
// test images are real enough to drive names, versions and targets.
func TestImagesDriveRepository(t *testing.T) {
	specs := []testimage.Spec{
		{Filename: "ilo5_305.bin", Size: 64 << 10},
		{Filename: "U46_2.90_01_01_2025.signed.flash", Size: 64 << 10},
		{Filename: "A47_2.58_05_19_2022.signed.full", Size: 64 << 10},
		{Filename: "CPLD_XL675d_Gen10p_v0F0F_full_signed.vme", Size: 64 << 10},
		{Filename: "sps_e5_04_04.signed.bin", Version: "04.04.04.053"},
		{Filename: "pmc.hex", Version: "1.2"},
		{Filename: "delta-cec-3.5-1.fwpkg", Size: 128 << 10},
		{Filename: "cp045678.exe", Version: "4.10", Size: 64 << 10},
		{Filename: "firmware-nic-1.2.3-1.1.x86_64.rpm", Version: "1.2.3"},
	}
	for _, pc := range profileCases {
		t.Run(pc.profile, func(t *testing.T) {
			s := startSim(t, pc.profile)
			us := s.get(s.link(s.root, "UpdateService"))
			repo := s.link(us, "Oem.Hpe.ComponentRepository")
			for _, spec := range specs {
				t.Run(spec.Filename, func(t *testing.T) {
					if st := s.uploadComponent(us, spec); st != http.StatusOK {
						t.Fatalf("upload: status %d, want 200", st)
					}
					var img bytes.Buffer
					if err := testimage.Write(&img, spec); err != nil {
						t.Fatal(err)
					}
					want, err := testimage.Inspect(bytes.NewReader(img.Bytes()), int64(img.Len()), spec.Filename)
					if err != nil {
						t.Fatal(err)
					}
					got := s.component(repo, spec.Filename)
					if got == nil {
						t.Fatalf("%s not in the repository after upload", spec.Filename)
					}
					checks := []struct {
						prop string
						got  any
						want any
					}{
						{"Name", got["Name"], want.Name},
						{"Version", got["Version"], want.Version},
						{"DeviceClass", got["DeviceClass"], want.DeviceClass},
						{"Activates", got["Activates"], want.Activates},
						{"SizeBytes", got["SizeBytes"], float64(want.Size)},
						{"Targets", fmt.Sprint(got["Targets"]), fmt.Sprint(want.Targets)},
						{"UpdatableBy", fmt.Sprint(got["UpdatableBy"]), fmt.Sprint(want.UpdatableBy)},
					}
					for _, c := range checks {
						if c.got != c.want {
							t.Errorf("%s = %v, want %v (from the image)", c.prop, c.got, c.want)
						}
					}
				})
			}
		})
	}
}

// component returns the repository member whose Filename is name, or nil.
func (s *simILO) component(repo, name string) map[string]any {
	s.t.Helper()
	for _, m := range members(s.get(repo)) {
		body := s.get(m)
		if fn, _ := body["Filename"].(string); strings.EqualFold(fn, name) {
			return body
		}
	}
	return nil
}

// signatureFailure is the MessageId key a profile reports for a bad
// compsig: iLO.UpdateSignatureValidationFailed exists only in the iLO 6
// registry (added 1.69; reference §5.6, §9.4, §10 "not present in 1.14" for
// iLO 7), so the others can only say the upload failed.
var signatureFailure = map[string]string{
	"ilo5":        "iLO.ComponentUploadFailed",
	"ilo5-legacy": "iLO.ComponentUploadFailed",
	"ilo5-246":    "iLO.ComponentUploadFailed",
	"ilo6":        "iLO.UpdateSignatureValidationFailed",
	"ilo7":        "iLO.ComponentUploadFailed",
	// ilo5-multipart is ilo5 with one more property.
	"ilo5-multipart": "iLO.ComponentUploadFailed",
}

// TestTamperedCompsigRefused uploads a Smart Component whose image or
// signature was altered: iLO must not store it, and must say why in
// UpdateService Oem.Hpe.Result (or refuse the POST).
func TestTamperedCompsigRefused(t *testing.T) {
	other, err := testimage.Sign("cp045678.exe", 0, strings.NewReader("other bytes"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(img, sig []byte) ([]byte, []byte)
	}{
		{"image byte flipped", func(img, sig []byte) ([]byte, []byte) {
			img = slices.Clone(img)
			img[len(img)/2] ^= 0xff
			return img, sig
		}},
		{"signature of another file", func(img, sig []byte) ([]byte, []byte) { return img, other.Marshal() }},
		{"not a signature", func(img, sig []byte) ([]byte, []byte) { return img, []byte("garbage") }},
	}
	for _, pc := range profileCases {
		for _, tt := range tests {
			t.Run(pc.profile+"/"+tt.name, func(t *testing.T) {
				tamperedUpload(t, pc.profile, tt.tamper)
			})
		}
	}
}

func tamperedUpload(t *testing.T, profile string, tamper func(img, sig []byte) ([]byte, []byte)) {
	t.Helper()
	s := startSim(t, profile)
	us := s.get(s.link(s.root, "UpdateService"))
	files, err := testimage.WriteFiles(t.TempDir(), testimage.Spec{Filename: "cp045678.exe", Version: "4.10", Size: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(files.Image)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := os.ReadFile(files.Compsig)
	if err != nil {
		t.Fatal(err)
	}
	img, sig = tamper(img, sig)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("sessionKey", s.token)
	mw.WriteField("parameters", `{"UpdateRepository": true, "UpdateTarget": false, "ETag": "tampered", "Section": 0}`)
	w, _ := mw.CreateFormFile("compsig", "cp045678.compsig")
	w.Write(sig)
	w, _ = mw.CreateFormFile("file", "cp045678.exe")
	w.Write(img)
	mw.Close()
	resp, _ := s.do(http.MethodPost, us["HttpPushUri"].(string), &body, map[string]string{
		"Content-Type": mw.FormDataContentType(), "Cookie": "sessionKey=" + s.token,
	}, true)
	if resp.StatusCode == http.StatusOK {
		after := s.waitDone(pathOfID(us))
		state, _ := lookup(after, "Oem.Hpe.State").(string)
		id, _ := lookup(after, "Oem.Hpe.Result.MessageId").(string)
		if want := signatureFailure[profile]; state != "Error" || messageKey(id) != want {
			t.Errorf("after upload: State %q Result %q, want Error with %s", state, id, want)
		}
	}
	if c := s.component(s.link(us, "Oem.Hpe.ComponentRepository"), "cp045678.exe"); c != nil {
		t.Errorf("tampered component stored in the repository: %v", c["@odata.id"])
	}
}
