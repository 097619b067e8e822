package server

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// TestPlaintextClientOnTLSServer: a plaintext client gets a plaintext
// refusal (code 7) at once, not a hang; the server logs it and keeps no
// connection.
func TestPlaintextClientOnTLSServer(t *testing.T) {
	cfg := testConfig()
	cfg.HandshakeTime = 3 * time.Second
	h := startServer(t, cfg)
	c := dialRaw(t, h.addr)
	start := time.Now()
	c.send(wire.Hello{Version: wire.Version, Nick: "plain"})
	r := expect[wire.Refused](c)
	if r.Code != wire.RefuseTLSRequired || !strings.Contains(r.Text, "TLS") {
		t.Fatalf("got %+v", r)
	}
	c.closed()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("refused after %v: should be at once", d)
	}
	h.waitCounts(0, 0)
}

// TestTLSClientOnPlaintextServer: the TLS client's ClientHello is recognised
// and answered with a plaintext refusal (code 8), which the client's TLS
// layer reports as a record that is not TLS, carrying the frame's header.
func TestTLSClientOnPlaintextServer(t *testing.T) {
	cfg := testConfig()
	cfg.Plaintext = true
	h := startServer(t, cfg)
	nc, err := net.DialTimeout("tcp", h.addr, wait)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(wait))
	// The plaintext server sends its challenge first: a TLS client sees it
	// as a record that is not TLS.
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	err = tc.Handshake()
	var rhe tls.RecordHeaderError
	if !errors.As(err, &rhe) || rhe.RecordHeader[0] != 0 || wire.Type(rhe.RecordHeader[4]) != wire.TypeChallenge {
		t.Fatalf("handshake error %v (%#v), want a record header error holding a challenge frame", err, rhe)
	}
	// And a ClientHello gets a refusal with code 8.
	raw := dialRaw(t, h.addr)
	expect[wire.Challenge](raw)
	raw.write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01})
	if r := expect[wire.Refused](raw); r.Code != wire.RefuseNoTLS {
		t.Fatalf("got %+v", r)
	}
	raw.closed()
	// A plaintext client is served.
	p := dialPlain(t, h.addr)
	expectWelcome(t, p, "plain")
}

// TestDeviceProof: the hello must carry a signature over this connection's
// nonce and this server's fingerprint; a proof made for another challenge
// or another certificate is refused, and so is a version 1 hello.
func TestDeviceProof(t *testing.T) {
	h := startServer(t, testConfig())
	for _, tc := range []struct {
		name  string
		hello func(c *client) wire.Hello
		code  wire.RefuseCode
	}{
		{"no proof", func(c *client) wire.Hello {
			return wire.Hello{Version: wire.Version, Nick: "x", Device: c.dev.Pub}
		}, wire.RefuseIdentity},
		{"another nonce", func(c *client) wire.Hello {
			hl := c.helloFor("x")
			hl.Proof = c.dev.Prove([32]byte{1}, c.fp)
			return hl
		}, wire.RefuseIdentity},
		{"another server", func(c *client) wire.Hello {
			hl := c.helloFor("x")
			hl.Proof = c.dev.Prove(c.challenge.Nonce, trust.Fingerprint{9})
			return hl
		}, wire.RefuseIdentity},
		{"another key", func(c *client) wire.Hello {
			hl := c.helloFor("x")
			hl.Device = trust.NewDeviceKey().Pub
			return hl
		}, wire.RefuseIdentity},
		{"version 1", func(c *client) wire.Hello { return wire.Hello{Version: 1, Nick: "x"} }, wire.RefuseVersion},
	} {
		c := dial(t, h.addr)
		c.send(tc.hello(c))
		if r := expect[wire.Refused](c); r.Code != tc.code {
			t.Errorf("%s: got %+v, want %v", tc.name, r, tc.code)
		}
		c.closed()
	}
}

// TestNickBoundToDevice: while alice is online, and after she leaves for the
// grace period, another device is refused [아이디 중복]; her own device
// reconnecting replaces a connection the server still thinks alive, and the
// old connection is told so (it must not reconnect and take turns).
func TestNickBoundToDevice(t *testing.T) {
	h := startServer(t, testConfig())
	alice := join(t, h.addr, "alice")
	bob := join(t, h.addr, "bob")
	alice.sync()
	thief := dial(t, h.addr)
	if r, ok := thief.hello("ALICE").(wire.Refused); !ok || r.Code != wire.RefuseNickTaken {
		t.Fatalf("another device got alice's nickname: %+v", r)
	}
	again := dial(t, h.addr)
	again.dev = alice.dev
	expectWelcome(t, again, "alice")
	if k := until[wire.Kicked](alice); k.By != "server" {
		t.Fatalf("old connection got %+v", k)
	}
	l := until[wire.Left](bob)
	if l.User != "alice" || l.Reason != wire.LeftLost {
		t.Fatalf("bob got %+v", l)
	}
	if j := until[wire.Joined](bob); len(j.Users) != 1 || j.Users[0] != "alice" {
		t.Fatalf("bob got %+v", j)
	}
	// Release: refused while she is online; after she leaves, another
	// device still cannot take it until the admin releases it.
	h.send(Release{Nick: "alice"})
	h.waitFor(0, func(e Event) bool { e2, ok := e.(Error); return ok && e2.Op == "release" }, "Error release")
	again.send(wire.Quit{})
	again.closed()
	h.waitCounts(1, 1)
	thief = dial(t, h.addr)
	if r, ok := thief.hello("alice").(wire.Refused); !ok || r.Code != wire.RefuseNickTaken {
		t.Fatalf("another device got alice's nickname in the grace period: %+v", r)
	}
	n := len(h.events())
	h.send(Release{Nick: "Alice"})
	h.waitFor(n, func(e Event) bool {
		e2, ok := e.(Notice)
		return ok && strings.Contains(e2.Text, "released the nickname alice")
	}, "Notice released")
	expectWelcome(t, dial(t, h.addr), "alice")
}

// TestBindingsSurviveRestart: the bindings are saved in DataDir, so after
// the server process restarts the owner gets her nickname back and another
// device racing for it is refused.
func TestBindingsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Identity, cfg.DataDir = nil, dir
	h := startServer(t, cfg)
	alice := join(t, h.addr, "alice")
	fp := alice.fp
	h.close() // Run returns: bindings saved
	if _, err := os.Stat(filepath.Join(dir, BindingsFile)); err != nil {
		t.Fatal(err)
	}

	h2 := newHarness(t, cfg)
	h2.send(Start{Addr: h.addr})
	h2.addr = waitEvent[Started](h2).Addr
	thief := dial(t, h2.addr)
	if thief.fp != fp {
		t.Fatalf("the certificate changed across the restart: %s, was %s", thief.fp, fp)
	}
	if r, ok := thief.hello("alice").(wire.Refused); !ok || r.Code != wire.RefuseNickTaken {
		t.Fatalf("another device got alice's nickname after a restart: %+v", r)
	}
	back := dial(t, h2.addr)
	back.dev = alice.dev
	expectWelcome(t, back, "alice")
}

// TestPassword: no password or a wrong one is refused with its own code;
// after 3 wrong tries from one address even the right one waits, with the
// seconds to wait in the text. Removing the password lets anyone in.
func TestPassword(t *testing.T) {
	h := startServer(t, testConfig())
	h.send(SetPassword{Password: "반 코드 42"})
	h.waitFor(0, func(e Event) bool { e2, ok := e.(Notice); return ok && strings.Contains(e2.Text, "password set") }, "Notice")
	try := func(pw string) wire.Message {
		t.Helper()
		c := dial(t, h.addr)
		if c.challenge.Flags&wire.ChallengePassword == 0 {
			t.Fatal("the challenge does not say a password is needed")
		}
		c.password = pw
		return c.hello("student")
	}
	if r, ok := try("").(wire.Refused); !ok || r.Code != wire.RefusePasswordNeeded {
		t.Fatalf("no password: %+v", r)
	}
	for i := range 3 {
		if r, ok := try("wrong").(wire.Refused); !ok || r.Code != wire.RefusePasswordWrong {
			t.Fatalf("wrong password %d: %+v", i, r)
		}
	}
	r, ok := try("반 코드 42").(wire.Refused)
	if !ok || r.Code != wire.RefuseTooManyTries || !strings.Contains(r.Text, "wait") || !strings.Contains(r.Text, "seconds") {
		t.Fatalf("fourth try: %+v", r)
	}
	h.send(SetPassword{})
	h.waitFor(0, func(e Event) bool { e2, ok := e.(Notice); return ok && strings.Contains(e2.Text, "removed") }, "Notice")
	if _, ok := try2(t, h.addr).(wire.Welcome); !ok {
		t.Fatal("no password needed any more, yet refused")
	}
}

func try2(t *testing.T, addr string) wire.Message {
	c := dial(t, addr)
	if c.challenge.Flags != 0 {
		t.Fatalf("challenge flags %d, want none", c.challenge.Flags)
	}
	return c.hello("student")
}

// TestPasswordRight: the right password joins; it never appears in the
// server's events or log.
func TestPasswordRight(t *testing.T) {
	hash, err := HashPassword("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.PasswordHash = hash
	h := startServer(t, cfg)
	c := dial(t, h.addr)
	c.password = "s3cret"
	expectWelcome(t, c, "ok")
	for _, ev := range h.events() {
		if strings.Contains(fmt.Sprintf("%+v", ev), "s3cret") {
			t.Fatalf("the password shows in %+v", ev)
		}
	}
}

// TestCertificateKept: the certificate is made once in DataDir (key mode
// 0600) and reused.
func TestCertificateKept(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Identity, cfg.DataDir = nil, dir
	h := startServer(t, cfg)
	fp1 := waitEvent[Started](h).Fingerprint
	h.close()
	fi, err := os.Stat(filepath.Join(dir, trust.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	h2 := startServer(t, cfg)
	if fp2 := waitEvent[Started](h2).Fingerprint; fp2 != fp1 || fp1.IsZero() {
		t.Fatalf("fingerprint %s, then %s", fp1, fp2)
	}
	c := dial(t, h2.addr)
	if c.fp != fp1 {
		t.Fatalf("client sees %s, server says %s", c.fp, fp1)
	}
}

// TestBindingsDamaged: a nicknames.json that is not a table of bindings is
// reported as a BindingsError that says so, kept beside as .damaged, and the
// server starts with an empty table that it saves afresh.
func TestBindingsDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, BindingsFile)
	if err := os.WriteFile(path, []byte(`{"nick": "alice", "device":`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Identity, cfg.DataDir = nil, dir
	h := startServer(t, cfg)
	ev, _ := h.waitFor(0, func(e Event) bool { e2, ok := e.(Error); return ok && e2.Op == "bindings" }, "Error bindings")
	var be *BindingsError
	if !errors.As(ev.(Error).Err, &be) || be.Save || !be.Damaged() || be.Path != path {
		t.Fatalf("reported %#v", ev.(Error).Err)
	}
	if b, err := os.ReadFile(path + ".damaged"); err != nil || !strings.Contains(string(b), "alice") {
		t.Fatalf("the damaged file was not kept: %q %v", b, err)
	}
	join(t, h.addr, "alice")
	h.close()
	var bs []Binding
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &bs) != nil || len(bs) != 1 || bs[0].Nick != "alice" {
		t.Fatalf("saved afresh: %q %v", b, err)
	}
}

// TestClusterErrReported: a cluster the server could not join is said as an
// Error event when Run begins, and the server serves on its own.
func TestClusterErrReported(t *testing.T) {
	cfg := testConfig()
	cfg.ClusterErr = fmt.Errorf("cluster: %w", syscall.EADDRINUSE)
	h := startServer(t, cfg)
	ev, _ := h.waitFor(0, func(e Event) bool { e2, ok := e.(Error); return ok && e2.Op == "cluster" }, "Error cluster")
	if !errors.Is(ev.(Error).Err, syscall.EADDRINUSE) {
		t.Fatalf("reported %v", ev.(Error).Err)
	}
	join(t, h.addr, "alice")
}
