package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
	"golang.org/x/crypto/bcrypt"
)

// tlsConn is a test client's connection and the server certificate it saw.
type tlsConn struct {
	*tls.Conn
	fp trust.Fingerprint
}

// helloTLS connects over TLS, reads the challenge and says hello as nick
// with a new device's proof.
func helloTLS(t *testing.T, addr, nick string) (*tlsConn, *wire.Reader) {
	t.Helper()
	c, r, err := sayHelloTLS(addr, nick)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.NetConn().Close() })
	return c, r
}

// sayHelloTLS is helloTLS for helper processes (no testing.T). The
// connection's deadline is 30 s from now.
func sayHelloTLS(addr, nick string) (*tlsConn, *wire.Reader, error) {
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.Handshake(); err != nil {
		raw.Close()
		return nil, nil, err
	}
	fp := trust.FingerprintOf(tc.ConnectionState().PeerCertificates[0].Raw)
	r := wire.NewReader(bufio.NewReader(tc), 0)
	m, err := r.ReadMessage()
	ch, ok := m.(wire.Challenge)
	if err == nil && !ok {
		err = fmt.Errorf("want a challenge, got %+v", m)
	}
	if err != nil {
		raw.Close()
		return nil, nil, err
	}
	dev := trust.NewDeviceKey()
	tc.Write(wire.Encode(wire.Hello{Version: wire.Version, Nick: nick, Device: dev.Pub, Proof: dev.Prove(ch.Nonce, fp)}))
	return &tlsConn{tc, fp}, r, nil
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRe = regexp.MustCompile(`msg="serving headless" addr=(\S+)`)

// waitServing waits for the "serving headless" line and returns the address.
func waitServing(t *testing.T, out *syncBuffer, exited <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("runHeadless exited with %d; output:\n%s", code, out)
		case <-time.After(10 * time.Millisecond): // polling the log output
		}
	}
	t.Fatalf("no serving line within 5 s; output:\n%s", out)
	return ""
}

// headlessRun is runHeadless running for a test.
type headlessRun struct {
	addr           string
	stdout, stderr syncBuffer
	exited         chan int // the exit code, once it returns
	cancel         context.CancelFunc
}

// startHeadless runs runHeadless with -headless -addr 127.0.0.1:0 and args,
// and waits until it serves; it is stopped when the test ends.
func startHeadless(t *testing.T, args ...string) *headlessRun {
	t.Helper()
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError),
		append([]string{"-headless", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, args...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &headlessRun{exited: make(chan int, 1), cancel: cancel}
	go func() { h.exited <- runHeadless(ctx, o, nil, &h.stdout, &h.stderr) }()
	h.addr = waitServing(t, &h.stdout, h.exited)
	return h
}

func TestHeadlessServesAndStops(t *testing.T) {
	h := startHeadless(t, "-name", "Test Server", "-log-level", "debug")
	addr, stdout, stderr, exited, cancel := h.addr, &h.stdout, &h.stderr, h.exited, h.cancel

	fp := regexp.MustCompile(`server fingerprint \(users compare it with what their client shows\): ([0-9A-F ]{79})`).
		FindStringSubmatch(stdout.String())
	nc, r := helloTLS(t, addr, "tester")
	if fp == nil || fp[1] != nc.fp.String() {
		t.Fatalf("the log's fingerprint %q is not the certificate's %s:\n%s", fp, nc.fp, stdout)
	}
	m, err := r.ReadMessage()
	if w, ok := m.(wire.Welcome); err != nil || !ok || w.Server != "Test Server" {
		t.Fatalf("got %+v, %v", m, err)
	}
	r.ReadMessage() // the lobby list
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeHistory {
		t.Fatalf("got %+v, %v; want the lobby's (empty) replay", m, err)
	}
	nc.Write(wire.Encode(wire.Say{Room: wire.Lobby, Text: "hello from the test"}))
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeChat {
		t.Fatalf("got %+v, %v", m, err)
	}

	cancel() // Ctrl-C
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeStopping {
		t.Fatalf("got %+v, %v", m, err)
	}
	if _, err := r.ReadMessage(); err != io.EOF {
		t.Fatalf("want EOF after stopping, got %v", err)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit code %d; stderr: %s", code, stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runHeadless did not return")
	}
	for _, want := range []string{`msg="user joined" nick=tester`, `msg=chat room=lobby from=tester text="hello from the test"`, `msg="server stopped"`, `msg=history database=`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stdout)
		}
	}
}

func TestHeadlessPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-addr", ln.Addr().String(), "-data", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	code := runHeadless(t.Context(), o, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot listen on "+ln.Addr().String()) ||
		!strings.Contains(stderr.String(), "address already in use") {
		t.Fatalf("exit %d, stderr %q", code, &stderr)
	}
}

func TestConfigFromFlags(t *testing.T) {
	o, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-addr", ":9000", "-flood-burst", "-1", "-max-conns", "20000", "-max-per-ip", "-1",
		"-ping-after", "5s", "-log-level", "warn", "-log-json", "-max-text", "1000", "-max-rooms-per-user", "3",
		"-outbox", "1048576", "-outbox-budget", "-1", "-write-timeout", "3s"})
	if err != nil {
		t.Fatal(err)
	}
	c := o.Config
	if o.Addr != ":9000" || c.FloodBurst != -1 || c.MaxConns != 20000 || c.MaxPerIP != -1 ||
		c.PingAfter != 5*time.Second || o.LogLevel != slog.LevelWarn || !o.LogJSON || c.MaxText != 1000 ||
		c.MaxRoomsPerUser != 3 || c.OutboxBytes != 1<<20 || c.OutboxBudget != -1 || c.WriteTimeout != 3*time.Second {
		t.Fatalf("got %+v", o)
	}
	// Defaults are the server's; the data directory is the per-user one.
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	o, err = configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != ":7878" || o.Config.MaxFrame != 64<<10 || o.Config.FloodBurst != 5 || o.Headless ||
		o.Config.Plaintext || o.Config.NickGrace != 10*time.Minute || o.Config.PasswordHash != nil ||
		o.Config.DataDir != filepath.Join(data, "multichat") || o.Config.MaxRoomsPerUser != 10 ||
		o.Config.OutboxBytes != 64<<20 || o.Config.OutboxBudget != 1<<30 || o.Config.WriteTimeout != 10*time.Second {
		t.Fatalf("defaults %+v", o)
	}
	// Trust flags.
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("반 코드\n"), 0o600)
	o, err = configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{
		"-plaintext", "-nick-grace", "1m", "-password-file", pwFile, "-data", "/srv/chat"})
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Config; !c.Plaintext || c.NickGrace != time.Minute || c.DataDir != "/srv/chat" ||
		bcrypt.CompareHashAndPassword(c.PasswordHash, []byte("반 코드")) != nil {
		t.Fatalf("trust flags %+v", o)
	}
	for _, args := range [][]string{{"-log-level", "loud"}, {"extra"}, {"-max-conns", "many"}} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := configFromFlags(fs, args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	// An invalid limit is reported by Run: exit 1.
	o, _ = configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError), []string{"-max-text", "100000", "-addr", "127.0.0.1:0", "-data", t.TempDir()})
	var stdout, stderr syncBuffer
	if code := runHeadless(t.Context(), o, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "MaxText") {
		t.Fatalf("exit %d, stderr %q", code, &stderr)
	}
}
