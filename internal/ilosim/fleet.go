package ilosim

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// FleetConfig describes N simulated iLOs served on 127.0.0.1.
type FleetConfig struct {
	// Count is the number of iLOs (default 1).
	Count int
	// Port is the first port; iLO n listens on Port+n. 0 picks free ports.
	Port int
	// Profiles are assigned round-robin (default ilo5).
	Profiles []string
	// HTTP serves plain HTTP instead of HTTPS.
	HTTP bool
	// Dir receives ca.pem, cert.pem, key.pem and the repository files.
	Dir string
	// MismatchSAN issues the server certificate for "ilo.invalid" only, so
	// that clients see a hostname mismatch (the CA is still valid).
	MismatchSAN bool
	// Options apply to every iLO (credentials, speed, dark time, …).
	Options []Option
	// ErrorLog receives the HTTP servers' error log: handler panics and
	// connection errors (default os.Stderr). TLS handshake failures, which
	// iLO resets and port probes cause by the hundred, are left out.
	ErrorLog io.Writer
}

// ReadyILO is one entry of the ready line.
type ReadyILO struct {
	Index   int    `json:"index"`
	BaseURI string `json:"baseuri"`
	Profile string `json:"profile"`
}

// Ready is the JSON line ilosim prints once listening (design.md).
type Ready struct {
	CAPath string     `json:"ca_path"`
	ILOs   []ReadyILO `json:"ilos"`
}

// Fleet is a set of running iLOs, one listener each.
type Fleet struct {
	ILOs    []*ILO
	Ready   Ready
	servers []*http.Server
}

// StartFleet starts the iLOs and returns once every listener is open.
func StartFleet(cfg FleetConfig) (*Fleet, error) {
	if cfg.Count <= 0 {
		cfg.Count = 1
	}
	if len(cfg.Profiles) == 0 {
		cfg.Profiles = []string{"ilo5"}
	}
	if cfg.Dir == "" {
		return nil, errors.New("start fleet: Dir is required")
	}
	profs := make([]Profile, len(cfg.Profiles))
	for k, n := range cfg.Profiles {
		p, err := LookupProfile(n)
		if err != nil {
			return nil, fmt.Errorf("start fleet: %w", err)
		}
		profs[k] = p
	}
	var tlsCfg *tls.Config
	f := &Fleet{}
	if !cfg.HTTP {
		var err error
		tlsCfg, f.Ready.CAPath, err = writeCertificates(cfg.Dir, cfg.MismatchSAN)
		if err != nil {
			return nil, fmt.Errorf("start fleet: %w", err)
		}
	}
	repoDir := filepath.Join(cfg.Dir, "repos")
	if err := os.MkdirAll(repoDir, 0o755); err != nil {
		return nil, fmt.Errorf("start fleet: create repository directory: %w", err)
	}
	logTo := cfg.ErrorLog
	if logTo == nil {
		logTo = os.Stderr
	}
	errLog := log.New(&quietLog{w: logTo}, "ilosim: ", log.LstdFlags)
	for n := 0; n < cfg.Count; n++ {
		port := 0
		if cfg.Port > 0 {
			port = cfg.Port + n
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("start fleet: listen for iLO %d: %w", n, err)
		}
		p := profs[n%len(profs)]
		scheme := "https"
		if cfg.HTTP {
			scheme = "http"
		}
		host := ln.Addr().String()
		opts := append([]Option{WithProfile(p), WithDir(repoDir), WithHost(scheme, host)}, cfg.Options...)
		i := New(opts...)
		srv := &http.Server{
			Handler:           i,
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          errLog,
			// HTTP/1.1 only: the iLO reset hijacks connections.
			TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		}
		if tlsCfg != nil {
			ln = tls.NewListener(ln, tlsCfg)
		}
		go func() { _ = srv.Serve(ln) }()
		f.ILOs = append(f.ILOs, i)
		f.servers = append(f.servers, srv)
		f.Ready.ILOs = append(f.Ready.ILOs, ReadyILO{Index: n, BaseURI: scheme + "://" + host, Profile: p.Name})
	}
	return f, nil
}

// quietLog passes the HTTP servers' error log on, without the TLS
// handshake errors that resets and probes cause: a handler panic is never
// lost.
type quietLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (q *quietLog) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("TLS handshake error")) {
		return len(p), nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.w.Write(p)
}

// Close stops every listener and removes the repository files.
func (f *Fleet) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range f.servers {
		if err := s.Shutdown(ctx); err != nil {
			_ = s.Close()
		}
	}
	for _, i := range f.ILOs {
		errs = append(errs, i.Close())
	}
	return errors.Join(errs...)
}

// writeCertificates creates a self-signed CA and a server certificate for
// 127.0.0.1 and localhost (or ilo.invalid when mismatch), writes ca.pem,
// cert.pem and key.pem into dir and returns the server TLS config.
func writeCertificates(dir string, mismatch bool) (*tls.Config, string, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fleetfw ilosim CA", Organization: []string{"fleetfw"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, "", fmt.Errorf("create CA certificate: %w", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", fmt.Errorf("generate server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "ilo.localhost", Organization: []string{"fleetfw"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if mismatch {
		tmpl.DNSNames, tmpl.IPAddresses = []string{"ilo.invalid"}, nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, "", fmt.Errorf("create server certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("encode server key: %w", err)
	}
	caPath := filepath.Join(dir, "ca.pem")
	files := map[string][]byte{
		caPath:                         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		filepath.Join(dir, "cert.pem"): pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		filepath.Join(dir, "key.pem"):  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			return nil, "", fmt.Errorf("write %s: %w", name, err)
		}
	}
	cert := tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, caPath, nil
}
