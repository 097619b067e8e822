package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names in a server's data directory.
const (
	CertFile = "server-cert.pem"
	KeyFile  = "server-key.pem" // mode 0600
)

// Identity is a server's TLS certificate and its fingerprint.
type Identity struct {
	Cert        tls.Certificate
	Fingerprint Fingerprint
	// Created is true when LoadOrCreateIdentity made a new certificate
	// (first start, or after the old one was deliberately removed).
	Created bool
}

// LoadOrCreateIdentity loads the server certificate and key from dir, or,
// when neither file exists, generates a self-signed ECDSA P-256 certificate
// (valid 20 years) and saves it there, the key with mode 0600. A certificate
// without its key, or files that do not parse, are an error, never silently
// replaced: regenerating the server's identity is a deliberate act
// (RegenerateIdentity), since every client that trusted it will refuse the
// new one.
func LoadOrCreateIdentity(dir, name string) (*Identity, error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	_, certErr := os.Stat(certPath)
	_, keyErr := os.Stat(keyPath)
	if errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist) {
		id, err := createIdentity(dir, name)
		if err != nil {
			return nil, fmt.Errorf("creating the server certificate in %s: %w", dir, err)
		}
		return id, nil
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("loading the server certificate from %s: %w (to make a new identity, remove %s and %s; every client will then have to trust the server again)",
			dir, err, CertFile, KeyFile)
	}
	if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(keyPath, 0o600) // a key others can read is tightened, not refused
	}
	return &Identity{Cert: cert, Fingerprint: FingerprintOf(cert.Certificate[0])}, nil
}

// RegenerateIdentity replaces the certificate in dir with a new one. Every
// client that pinned the old one will refuse the server until its user
// removes the old entry.
func RegenerateIdentity(dir, name string) (*Identity, error) {
	for _, f := range []string{CertFile, KeyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return LoadOrCreateIdentity(dir, name)
}

func createIdentity(dir, name string) (*Identity, error) {
	id, key, err := newIdentity(name)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// Each file is written whole (temporary file and rename), the key first.
	if err := WriteFileAtomic(filepath.Join(dir, KeyFile),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(filepath.Join(dir, CertFile),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Certificate[0]}), 0o644); err != nil {
		return nil, err
	}
	id.Created = true
	return id, nil
}

// NewIdentity makes a self-signed identity that is not saved anywhere
// (tests and benchmarks; a server that restarts with another one is refused
// by every client that trusted it).
func NewIdentity(name string) (*Identity, error) {
	id, _, err := newIdentity(name)
	return id, err
}

func newIdentity(name string) (*Identity, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	if name == "" {
		name = "MultiChat"
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"MultiChat server"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return &Identity{
		Cert:        tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		Fingerprint: FingerprintOf(der),
	}, key, nil
}

// ServerTLS returns the TLS configuration a server uses with this identity:
// TLS 1.2 at least, 1.3 preferred (Go negotiates the highest both support).
//
// It is tuned for many small connections: no session tickets (a chat client
// connects rarely; a ticket costs each handshake an encryption and a
// message), X25519 key exchange (the post-quantum hybrid doubles the
// handshake's cost, which matters when a whole classroom reconnects after a
// restart), and full-size records from the start (a lobby's member list is
// sent whole).
func (id *Identity) ServerTLS() *tls.Config {
	return &tls.Config{
		Certificates:                []tls.Certificate{id.Cert},
		MinVersion:                  tls.VersionTLS12,
		CurvePreferences:            []tls.CurveID{tls.X25519, tls.CurveP256},
		SessionTicketsDisabled:      true,
		DynamicRecordSizingDisabled: true,
	}
}
