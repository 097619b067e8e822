package trust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFingerprintText(t *testing.T) {
	fp := FingerprintOf([]byte("certificate"))
	s := fp.String()
	if len(s) != 79 || strings.Count(s, " ") != 15 || strings.ToUpper(s) != s {
		t.Fatalf("%q", s)
	}
	for _, in := range []string{s, strings.ToLower(strings.ReplaceAll(s, " ", ":")), strings.ReplaceAll(s, " ", "")} {
		if got, err := ParseFingerprint(in); err != nil || got != fp {
			t.Fatalf("ParseFingerprint(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "AB12", strings.Repeat("zz", 32)} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("ParseFingerprint(%q) accepted", bad)
		}
	}
}

func TestPins(t *testing.T) {
	dir := t.TempDir()
	p := OpenPins(dir)
	a, b := FingerprintOf([]byte("a")), FingerprintOf([]byte("b"))
	if st, _, err := p.Check("Host:7878", a); st != PinUnknown || err != nil {
		t.Fatalf("empty store: %v %v", st, err)
	}
	if err := p.Trust("Host:7878", a); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := p.Check("host:7878", a); st != PinMatch {
		t.Fatalf("same certificate: %v", st)
	}
	if st, old, _ := p.Check("host:7878", b); st != PinMismatch || old != a {
		t.Fatalf("other certificate: %v %v", st, old)
	}
	if err := p.Trust("host:7878", b); err == nil {
		t.Fatal("a changed identity was trusted over the old one")
	}
	if ok, err := p.Forget("host:7878"); !ok || err != nil {
		t.Fatalf("forget: %v %v", ok, err)
	}
	if err := p.Trust("host:7878", b); err != nil {
		t.Fatal(err)
	}
	// Garbled lines count as unknown, never as trusted; good lines survive.
	path := filepath.Join(dir, PinsFile)
	data, _ := os.ReadFile(path)
	garbled := string(data) + "other:1 " + strings.Repeat("x", 64) + "\nthird:2\n" + "fourth:3 " + strings.Repeat("0", 64) + "\n"
	if err := os.WriteFile(path, []byte(garbled), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"other:1", "third:2", "fourth:3"} {
		if st, _, err := p.Check(addr, Fingerprint{}); st != PinUnknown || err != nil {
			t.Errorf("%s: %v %v", addr, st, err)
		}
	}
	if st, _, _ := p.Check("host:7878", b); st != PinMatch {
		t.Fatalf("a good line next to garbled ones: %v", st)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("pins file mode: %v %v", fi, err)
	}
}

func TestDeviceKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateDeviceKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateDeviceKey(dir)
	if err != nil || k2.Pub != k1.Pub {
		t.Fatalf("the key was not kept: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, DeviceKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode())
	}
	nonce, fp := [32]byte{1}, FingerprintOf([]byte("server"))
	sig := k1.Prove(nonce, fp)
	if !VerifyProof(k1.Pub, nonce, fp, sig) {
		t.Fatal("proof does not verify")
	}
	if VerifyProof(k1.Pub, [32]byte{2}, fp, sig) || VerifyProof(k1.Pub, nonce, FingerprintOf([]byte("other")), sig) {
		t.Fatal("a proof verifies for another nonce or another server")
	}
	// A damaged key file is kept aside and replaced.
	os.WriteFile(filepath.Join(dir, DeviceKeyFile), []byte("garbage"), 0o600)
	k3, err := LoadOrCreateDeviceKey(dir)
	if err != nil || k3.Pub == k1.Pub {
		t.Fatalf("damaged key: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, DeviceKeyFile+".broken-*")); len(m) != 1 {
		t.Fatalf("the damaged file was not kept aside: %v", m)
	}
}

func TestIdentityKeptAndNotReplacedSilently(t *testing.T) {
	dir := t.TempDir()
	id1, err := LoadOrCreateIdentity(dir, "교실")
	if err != nil || !id1.Created {
		t.Fatalf("%v %+v", err, id1)
	}
	id2, err := LoadOrCreateIdentity(dir, "교실")
	if err != nil || id2.Created || id2.Fingerprint != id1.Fingerprint {
		t.Fatalf("not reused: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", fi.Mode())
	}
	// A certificate without its key is an error, not a new identity.
	os.Remove(filepath.Join(dir, KeyFile))
	if _, err := LoadOrCreateIdentity(dir, "교실"); err == nil || !strings.Contains(err.Error(), "remove") {
		t.Fatalf("missing key: %v", err)
	}
	id3, err := RegenerateIdentity(dir, "교실")
	if err != nil || id3.Fingerprint == id1.Fingerprint {
		t.Fatalf("regenerate: %v", err)
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data/home")
	if d, err := DataDir("client"); err != nil || d != filepath.Join("/data/home", "multichat", "client") {
		t.Fatalf("%q %v", d, err)
	}
	t.Setenv("XDG_DATA_HOME", "relative") // not absolute: ignored, as the spec says
	t.Setenv("HOME", "/home/u")
	if d, _ := DataDir("server"); d != "/home/u/.local/share/multichat/server" {
		t.Fatalf("%q", d)
	}
}
