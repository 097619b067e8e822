package client

// Trust with the real server over TLS on 127.0.0.1: first use, a changed
// identity, plaintext on either side, passwords, and nicknames bound to the
// device across a server restart.

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
	"golang.org/x/crypto/bcrypt"
)

// askTrust turns off the tests' automatic trust: the session asks.
func askTrust(o *options) { o.autoTrust = false }

// TestTrustOnFirstUse: an unknown server is shown with its name and
// fingerprint before anything is sent; accepting it pins it, and the next
// connection goes straight in. A fingerprint other than the one shown is not
// accepted.
func TestTrustOnFirstUse(t *testing.T) {
	s := startServer(t, server.Config{Name: "교실"})
	dir := t.TempDir()
	h := startClient(t, WithDataDir(dir), askTrust)
	h.do(Connect{Addr: s.Addr, Nick: "alice"})
	tn := nextIs[TrustNeeded](h)
	if tn.Server != "교실" || tn.Fingerprint != s.Fingerprint || tn.Addr != s.Addr {
		t.Fatalf("trust needed: %#v, server fingerprint %s", tn, s.Fingerprint)
	}
	h.do(TrustServer{Fingerprint: trust.Fingerprint{1}})
	if e := nextIs[Error](h); !strings.Contains(e.Err.Error(), "not the one") {
		t.Fatalf("wrong fingerprint accepted: %#v", e)
	}
	h.do(TrustServer{Fingerprint: tn.Fingerprint})
	c := nextIs[Connected](h)
	if !c.Encrypted || c.Fingerprint != s.Fingerprint || c.Rejoin {
		t.Fatalf("connected: %#v", c)
	}
	h.do(Disconnect{})
	waitFor[Disconnected](h)
	// Known now: no question.
	h.do(Connect{Addr: s.Addr, Nick: "alice"})
	if c, skipped := waitFor[Connected](h); !c.Encrypted {
		t.Fatalf("connected: %#v after %#v", c, skipped)
	} else {
		for _, ev := range skipped {
			if _, ok := ev.(TrustNeeded); ok {
				t.Fatal("asked again for a trusted server")
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, trust.PinsFile))
	if err != nil || !strings.Contains(string(data), s.Addr) {
		t.Fatalf("pins file: %q %v", data, err)
	}
}

// TestGarbledPinIsUnknown: a damaged entry never counts as trusted.
func TestGarbledPinIsUnknown(t *testing.T) {
	s := startServer(t, server.Config{})
	dir := t.TempDir()
	garbage := s.Addr + " 12zz\n" + s.Addr + "\n" + "nonsense\n"
	if err := os.WriteFile(filepath.Join(dir, trust.PinsFile), []byte(garbage), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startClient(t, WithDataDir(dir), askTrust)
	h.do(Connect{Addr: s.Addr, Nick: "alice"})
	if tn := nextIs[TrustNeeded](h); tn.Fingerprint != s.Fingerprint {
		t.Fatalf("trust needed: %#v", tn)
	}
}

// TestIdentityChanged: a server that shows another certificate than the
// pinned one is refused during the TLS handshake: the server never receives
// a hello (nor a password). Both fingerprints are reported, the session
// ends, and only ForgetServer lets the user trust it again.
func TestIdentityChanged(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	dir := t.TempDir()
	old := trust.Fingerprint{0xAB, 0x12}
	if err := trust.OpenPins(dir).Trust(addr, old); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(waitLimit))
		tc := tls.Server(nc, fakeIdentity().ServerTLS())
		if err := tc.Handshake(); err != nil {
			got <- nil // the client refused the certificate: nothing was sent
			return
		}
		tc.Write(wire.Encode(wire.Challenge{Version: wire.Version, Flags: wire.ChallengePassword}))
		m, err := wire.NewReader(tc, 0).ReadMessage()
		if err == nil {
			err = errors.New("the client sent " + m.Type().String())
		} else {
			err = nil
		}
		got <- err
	}()
	h := startClient(t, WithDataDir(dir), askTrust)
	h.do(Connect{Addr: addr, Nick: "alice", Password: "secret"})
	ic := nextIs[IdentityChanged](h)
	if ic.Trusted != old || ic.Presented != fakeIdentity().Fingerprint {
		t.Fatalf("identity changed: %#v", ic)
	}
	d := nextIs[Disconnected](h)
	var ice *IdentityChangedError
	if !d.Final || !errors.As(d.Err, &ice) || !strings.Contains(d.Err.Error(), old.String()) ||
		!strings.Contains(d.Err.Error(), ic.Presented.String()) {
		t.Fatalf("disconnected: %#v", d)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// There is no "continue anyway": TrustServer does nothing now.
	h.do(TrustServer{Fingerprint: ic.Presented})
	nextIs[Error](h)
	h.do(ForgetServer{Addr: addr})
	if f := nextIs[ServerForgotten](h); !f.Existed {
		t.Fatalf("forgotten: %#v", f)
	}
	if st, _, _ := trust.OpenPins(dir).Check(addr, ic.Presented); st != trust.PinUnknown {
		t.Fatalf("after forgetting: %v", st)
	}
}

// TestPlaintextMismatch: a plaintext client on a TLS server, and a TLS
// client on a plaintext server, both end at once with a clear reason, not
// reconnecting and not hanging.
func TestPlaintextMismatch(t *testing.T) {
	tlsServer := startServer(t, server.Config{})
	h := startClient(t)
	start := time.Now()
	h.do(Connect{Addr: tlsServer.Addr, Nick: "plain", Plaintext: true})
	r := nextIs[Refused](h)
	if r.Code != wire.RefuseTLSRequired {
		t.Fatalf("refused: %#v", r)
	}
	if d := nextIs[Disconnected](h); !d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
	plain := startServer(t, server.Config{Plaintext: true})
	h.do(Connect{Addr: plain.Addr, Nick: "secure"})
	d := nextIs[Disconnected](h)
	if !d.Final || !errors.Is(d.Err, ErrServerPlaintext) {
		t.Fatalf("disconnected: %#v", d)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	// With the plaintext option the plaintext server is served, and the
	// session says it is not encrypted.
	h.do(Connect{Addr: plain.Addr, Nick: "plain", Plaintext: true})
	if c := nextIs[Connected](h); c.Encrypted || !c.Fingerprint.IsZero() {
		t.Fatalf("connected: %#v", c)
	}
}

// TestPasswordFlow: the client asks when the server says a password is
// needed, says when it is wrong, and joins with the right one.
func TestPasswordFlow(t *testing.T) {
	// The lowest bcrypt cost: with the race detector the default takes seconds.
	hash, err := bcrypt.GenerateFromPassword([]byte("class-7"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, server.Config{PasswordHash: hash})
	h := startClient(t)
	h.do(Connect{Addr: s.Addr, Nick: "student"})
	if pn := nextIs[PasswordNeeded](h); pn.Wrong {
		t.Fatalf("password needed: %#v", pn)
	}
	h.do(Say{ID: 1, Text: "typed while asked"})
	h.do(SendPassword{Password: "nope"})
	if pn := nextIs[PasswordNeeded](h); !pn.Wrong || pn.Code != wire.RefusePasswordWrong {
		t.Fatalf("wrong password: %#v", pn)
	}
	h.do(SendPassword{Password: "class-7"})
	if c, _ := waitFor[Connected](h); c.Nick != "student" {
		t.Fatalf("connected: %#v", c)
	}
	if m, _ := waitFor[Message](h); !m.Mine || m.ID != 1 {
		t.Fatalf("the line typed while asked: %#v", m)
	}
}

// TestNicknameAcrossRestart: the server restarts; another device racing for
// the owner's nickname is refused, and the owner rejoins as herself. After
// the grace period passes and someone else takes it, the owner is asked for
// another nickname at once and keeps her session.
func TestNicknameAcrossRestart(t *testing.T) {
	s := startServer(t, server.Config{NickGrace: 300 * time.Millisecond})
	// Alice retries once a second, not at once: the racer must be able to
	// come first after the grace period.
	alice := join(t, s, "alice", WithBackoff(time.Second, time.Second), func(o *options) { o.fastFor = 0 })
	s.Stop()
	waitFor[Disconnected](alice)
	s.Start(s.Addr)
	racer := startClient(t)
	racer.do(Connect{Addr: s.Addr, Nick: "alice"})
	if r := nextIs[Refused](racer); r.Code != wire.RefuseNickTaken {
		t.Fatalf("racer: %#v", r)
	}
	nextIs[Disconnected](racer)
	if c, _ := waitFor[Connected](alice); !c.Rejoin || c.Nick != "alice" {
		t.Fatalf("alice: %#v", c)
	}

	// Now she loses it: the server stops, the grace period passes while
	// she is away, and the racer takes it before she is back.
	s.Stop()
	waitFor[Disconnected](alice)
	s.Start(s.Addr)
	deadline := time.Now().Add(waitLimit)
	for {
		racer.do(Connect{Addr: s.Addr, Nick: "alice"})
		ev := racer.next()
		if _, ok := ev.(Connected); ok {
			break
		}
		if _, ok := ev.(Refused); !ok || time.Now().After(deadline) {
			t.Fatalf("racer: %#v", ev)
		}
		nextIs[Disconnected](racer)
		time.Sleep(50 * time.Millisecond) // polling the end of the grace period; no event marks it
	}
	alice.do(Say{ID: 9, Text: "still here"})
	nl, skipped := waitFor[NickLost](alice)
	if nl.Nick != "alice" {
		t.Fatalf("nick lost: %#v", nl)
	}
	for _, ev := range skipped {
		if r, ok := ev.(Reconnecting); ok && r.Err != nil {
			var re *RefusedError
			if errors.As(r.Err, &re) {
				t.Fatalf("reconnecting while refused: %#v", r)
			}
		}
	}
	alice.do(ChangeNick{Nick: "alice2"})
	if c, _ := waitFor[Connected](alice); c.Nick != "alice2" || !c.Rejoin {
		t.Fatalf("alice: %#v", c)
	}
	if m, _ := waitFor[Message](alice); !m.Mine || m.ID != 9 {
		t.Fatalf("the line typed meanwhile: %#v", m)
	}
}

// TestRedirectKeepsTrust: the same server (same certificate) found at a new
// address is trusted without asking, and the new address is remembered; the
// question comes only for a certificate the session has not trusted.
func TestRedirectKeepsTrust(t *testing.T) {
	s := startServer(t, server.Config{})
	dir := t.TempDir()
	h := startClient(t, WithDataDir(dir), askTrust, WithBackoff(50*time.Millisecond, 100*time.Millisecond))
	h.do(Connect{Addr: s.Addr, Nick: "alice"})
	tn := nextIs[TrustNeeded](h)
	h.do(TrustServer{Fingerprint: tn.Fingerprint})
	nextIs[Connected](h)
	old := s.Addr
	s.Stop()
	s.Start("127.0.0.1:0") // same data directory: same certificate, another port
	h.do(Redirect{Addr: s.Addr})
	c, skipped := waitFor[Connected](h)
	for _, ev := range skipped {
		if _, ok := ev.(TrustNeeded); ok {
			t.Fatal("asked again for the same server at its new address")
		}
	}
	if !c.Rejoin || c.Addr != s.Addr || c.Fingerprint != tn.Fingerprint {
		t.Fatalf("connected: %#v (was at %s)", c, old)
	}
	if st, _, _ := trust.OpenPins(dir).Check(s.Addr, tn.Fingerprint); st != trust.PinMatch {
		t.Fatalf("the new address was not remembered: %v", st)
	}
}
