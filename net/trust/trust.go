// Package trust holds what MultiChat's security rests on, with no network in
// it: the server's self-signed TLS certificate and its fingerprint, the
// client's pins of the servers it trusts (trust on first use), the client's
// device key and the proof that signs a server's challenge, and the per-user
// data directories these files live in.
package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Fingerprint is the SHA-256 of a certificate's DER encoding.
type Fingerprint [32]byte

// FingerprintOf returns the fingerprint of a DER-encoded certificate.
func FingerprintOf(der []byte) Fingerprint { return sha256.Sum256(der) }

// String shows the fingerprint in groups of four hex digits, as people read
// it aloud and compare it: "AB12 CD34 …" (16 groups).
func (f Fingerprint) String() string {
	h := strings.ToUpper(hex.EncodeToString(f[:]))
	var b strings.Builder
	b.Grow(len(h) + len(h)/4)
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+4])
	}
	return b.String()
}

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// ParseFingerprint reads a fingerprint written by String or as plain hex
// (spaces and colons are ignored, case does not matter).
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' {
			return -1
		}
		return r
	}, s)
	if len(clean) != 64 {
		return f, fmt.Errorf("a fingerprint has 64 hex digits, not %d", len(clean))
	}
	if _, err := hex.Decode(f[:], []byte(clean)); err != nil {
		return f, errors.New("a fingerprint is made of hex digits")
	}
	return f, nil
}

// DataDir returns the per-user directory where an app keeps its files
// (app is "server" or "client"): $XDG_DATA_HOME/multichat/APP, or
// ~/.local/share/multichat/APP, on Linux and other Unix systems; the
// user configuration directory (os.UserConfigDir) elsewhere. It is never the
// working directory.
func DataDir(app string) (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9", "android":
		base, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(base, "MultiChat", app), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "multichat", app), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for the data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "multichat", app), nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that a crash leaves the old file or the new one,
// never half of one. The directory is created (mode 0700) if needed.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
