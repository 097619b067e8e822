package trust

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// DeviceKeyFile is the client's device key in its data directory (mode
// 0600). It is made once per installation, never shown and never typed.
const DeviceKeyFile = "device-key.pem"

// DeviceKey is a client installation's identity: the server binds a
// nickname to its public half.
type DeviceKey struct {
	priv ed25519.PrivateKey
	Pub  [32]byte
}

// LoadOrCreateDeviceKey loads the device key from dir or creates it. A key
// file that does not parse is kept aside (renamed with a ".broken" suffix)
// and a new key is made: the nicknames the old key held are then held by
// nobody once their grace period passes.
func LoadOrCreateDeviceKey(dir string) (*DeviceKey, error) {
	path := filepath.Join(dir, DeviceKeyFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if k, perr := parseDeviceKey(data); perr == nil {
			return k, nil
		}
		broken := fmt.Sprintf("%s.broken-%d", path, time.Now().Unix())
		if err := os.Rename(path, broken); err != nil {
			return nil, fmt.Errorf("the device key %s is damaged and cannot be moved aside: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("saving the device key: %w", err)
	}
	return newDeviceKey(priv), nil
}

func parseDeviceKey(data []byte) (*DeviceKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an Ed25519 key")
	}
	return newDeviceKey(priv), nil
}

func newDeviceKey(priv ed25519.PrivateKey) *DeviceKey {
	k := &DeviceKey{priv: priv}
	copy(k.Pub[:], priv.Public().(ed25519.PublicKey))
	return k
}

// NewDeviceKey makes a device key that is not saved (tests, benchmarks).
func NewDeviceKey() *DeviceKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return newDeviceKey(priv)
}

// proofContext separates device proofs from any other use of the key.
const proofContext = "MultiChat device proof v2\x00"

// ProofMessage is what a device signs to prove itself to a server: the
// context string, the server's challenge nonce, and the fingerprint of the
// certificate the client saw (zero on a plaintext connection). A proof made
// for one server is useless to another: its nonce differs, and a server
// relaying the challenge of a third shows its own certificate, not the
// third's.
func ProofMessage(nonce [32]byte, server Fingerprint) []byte {
	m := make([]byte, 0, len(proofContext)+64)
	m = append(m, proofContext...)
	m = append(m, nonce[:]...)
	return append(m, server[:]...)
}

// Prove signs the challenge nonce of the server with fingerprint server.
func (k *DeviceKey) Prove(nonce [32]byte, server Fingerprint) [64]byte {
	var sig [64]byte
	copy(sig[:], ed25519.Sign(k.priv, ProofMessage(nonce, server)))
	return sig
}

// VerifyProof reports whether sig proves possession of the key pub for this
// server's nonce and fingerprint.
func VerifyProof(pub [32]byte, nonce [32]byte, server Fingerprint, sig [64]byte) bool {
	return ed25519.Verify(pub[:], ProofMessage(nonce, server), sig[:])
}
