//go:build integration

package reliability

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostile is a small Redfish server that behaves like an iLO until a test makes it answer as
// no iLO would: megabytes of nesting, a 40 MiB message, thousands of members, headers then
// silence, HTML, a bad certificate, a login without Location, a 401 for a live session. It
// serves the service root, sessions (counted, so that a test can check none is left), the
// update service and a firmware inventory: enough for update_info.
type hostile struct {
	srv     *httptest.Server
	baseURI string
	caPath  string

	mu       sync.Mutex
	sessions map[string]string // token → session path
	next     int
	logins   int
	requests int
	refused  map[string]bool // paths already answered with the one 401
	cfg      hostileConfig
}

// hostileConfig is what a case makes the server do.
type hostileConfig struct {
	// answers replace the answer to "METHOD /path" (query excluded); the session is checked
	// first, except for the login POST.
	answers map[string]http.HandlerFunc
	// loginNoLocation answers a login with the token only: no Location, no @odata.id.
	loginNoLocation bool
	// loginBody, when set, replaces the body of a successful login answer (after the headers
	// with the token and Location).
	loginBody http.HandlerFunc
	// unauthorizedOnce answers the first authenticated GET of this path with 401 although the
	// session is alive.
	unauthorizedOnce string
	// cert changes the server's leaf certificate: "sha1", "mismatch", "expired"; "" is valid.
	cert string
	// plain serves HTTP instead of HTTPS.
	plain bool
}

const (
	hRoot      = "/redfish/v1/"
	hSessions  = "/redfish/v1/SessionService/Sessions/"
	hUpdate    = "/redfish/v1/UpdateService/"
	hInventory = "/redfish/v1/UpdateService/FirmwareInventory/"
	hUpload    = "/cgi-bin/uploadFile"
	hManagers  = "/redfish/v1/Managers/"
)

// startHostile starts a hostile server for one test.
func startHostile(t *testing.T, cfg hostileConfig) *hostile {
	t.Helper()
	h := &hostile{sessions: map[string]string{}, refused: map[string]bool{}, cfg: cfg}
	h.srv = httptest.NewUnstartedServer(h)
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some cases
	if cfg.plain {
		h.srv.Start()
	} else {
		caPEM, leaf := hostileCerts(t, cfg.cert)
		h.caPath = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(h.caPath, caPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		h.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
		h.srv.StartTLS()
	}
	t.Cleanup(h.srv.Close)
	h.baseURI = h.srv.URL
	return h
}

// openSessions returns how many sessions are open.
func (h *hostile) openSessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// counts returns logins and requests served.
func (h *hostile) counts() (logins, requests int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logins, h.requests
}

// args returns update_info's arguments for this server with extra merged in.
func (h *hostile) args(extra map[string]any) map[string]any {
	a := map[string]any{"baseuri": h.baseURI, "username": testUsername, "password": testPassword,
		"gather_subset": []string{"firmware"}, "timeout": 3}
	if h.caPath != "" {
		a["ca_path"] = h.caPath
	}
	return overlay(a, extra)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func noValidSession(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "iLO.0.10.ExtendedInfo",
		"@Message.ExtendedInfo": []any{map[string]any{"MessageId": "Base.1.4.NoValidSession"}}}})
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	h.mu.Lock()
	h.requests++
	override := h.cfg.answers[key]
	h.mu.Unlock()
	switch {
	case key == "GET "+hRoot:
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hRoot, "RedfishVersion": "1.6.0", "Product": "ProLiant DL380 Gen10",
			"Links":          map[string]any{"Sessions": map[string]any{"@odata.id": hSessions}},
			"SessionService": map[string]any{"@odata.id": "/redfish/v1/SessionService/"},
			"UpdateService":  map[string]any{"@odata.id": hUpdate},
			"Managers":       map[string]any{"@odata.id": hManagers},
			"Oem":            map[string]any{"Hpe": map[string]any{"Manager": []any{map[string]any{"ManagerType": "iLO 5", "ManagerFirmwareVersion": "2.46"}}}}})
		return
	case key == "POST "+hSessions && override != nil:
		override(w, r)
		return
	case key == "POST "+hSessions:
		h.login(w, r)
		return
	}
	token := r.Header.Get("X-Auth-Token")
	h.mu.Lock()
	_, ok := h.sessions[token]
	refuse := ok && r.Method == http.MethodGet && r.URL.Path == h.cfg.unauthorizedOnce && !h.refused[r.URL.Path]
	if refuse {
		h.refused[r.URL.Path] = true
	}
	h.mu.Unlock()
	if !ok || refuse {
		noValidSession(w)
		return
	}
	if override != nil {
		override(w, r)
		return
	}
	switch {
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, hSessions):
		h.mu.Lock()
		found := false
		for tok, p := range h.sessions {
			if p == r.URL.Path {
				delete(h.sessions, tok)
				found = true
			}
		}
		h.mu.Unlock()
		if !found {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "x"}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case key == "GET "+hSessions:
		h.mu.Lock()
		var members []any
		for tok, p := range h.sessions {
			members = append(members, map[string]any{"@odata.id": p, "Id": p, "UserName": testUsername,
				"Oem": map[string]any{"Hpe": map[string]any{"MySession": tok == token}}})
		}
		h.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hSessions, "Members": members, "Members@odata.count": len(members)})
	case key == "GET "+hUpdate:
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hUpdate, "Id": "UpdateService", "HttpPushUri": hUpload,
			"FirmwareInventory": map[string]any{"@odata.id": hInventory}, "Oem": map[string]any{"Hpe": map[string]any{"State": "Idle"}}})
	case key == "GET "+hManagers:
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hManagers, "Members": []any{map[string]any{"@odata.id": hManagers + "1/"}}})
	case key == "GET "+hManagers+"1/":
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hManagers + "1/", "Id": "1", "ManagerType": "BMC", "Model": "iLO 5",
			"FirmwareVersion": "iLO 5 v2.46"})
	case key == "GET "+hInventory:
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hInventory,
			"Members": []any{map[string]any{"@odata.id": hInventory + "1/"}}})
	case key == "GET "+hInventory+"1/":
		writeJSON(w, http.StatusOK, map[string]any{"@odata.id": hInventory + "1/", "Id": "1", "Name": "iLO 5", "Version": "2.46 Jun 30 2021",
			"Oem": map[string]any{"Hpe": map[string]any{"DeviceContext": "System Board", "DeviceClass": "2f317b9d-c9e3-4d76-bff6-b9d0d085a952"}}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "iLO.0.10.ExtendedInfo",
			"@Message.ExtendedInfo": []any{map[string]any{"MessageId": "Base.1.4.ResourceMissingAtURI", "MessageArgs": []string{r.URL.Path}}}}})
	}
}

// login creates a session; every token it issues is a secret no output may hold.
func (h *hostile) login(w http.ResponseWriter, r *http.Request) {
	var creds struct{ UserName, Password string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&creds); err != nil ||
		creds.UserName != testUsername || creds.Password != testPassword {
		noValidSession(w)
		return
	}
	h.mu.Lock()
	h.next++
	h.logins++
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := fmt.Sprintf("%x", b)
	path := fmt.Sprintf("%s%s%08x/", hSessions, testUsername, h.next)
	h.sessions[token] = path
	noLoc := h.cfg.loginNoLocation
	h.mu.Unlock()
	suite.secrets.AddSecret(token)
	w.Header().Set("X-Auth-Token", token)
	if noLoc {
		writeJSON(w, http.StatusCreated, map[string]any{"UserName": testUsername})
		return
	}
	w.Header().Set("Location", "https://"+r.Host+path)
	if h.cfg.loginBody != nil {
		h.cfg.loginBody(w, r)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"@odata.id": path, "UserName": testUsername})
}

// hostileCerts returns a CA (PEM) and a leaf for 127.0.0.1 signed by it, spoilt as mode says.
func hostileCerts(t *testing.T, mode string) ([]byte, tls.Certificate) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hostile test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	var signer any = caKey
	var leafKey any
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "ilo"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	switch mode {
	case "sha1": // SHA-1 needs an RSA signer
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		signer = k
		leaf.SignatureAlgorithm = x509.SHA1WithRSA
	case "mismatch":
		leaf.IPAddresses, leaf.DNSNames = nil, []string{"ilo.invalid"}
	case "expired":
		leaf.NotBefore, leaf.NotAfter = now.Add(-72*time.Hour), now.Add(-24*time.Hour)
	}
	pub := func(k any) any {
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return &k.PublicKey
		case *ecdsa.PrivateKey:
			return &k.PublicKey
		}
		return nil
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, pub(signer), signer)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, pub(leafKey), signer)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}
}
