package main

import (
	"bufio"
	"flag"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

var ircRe = regexp.MustCompile(`msg="IRC gateway listening" addr=(\S+)`)

// seedJoin joins addr as a seed-001 client would and returns the header of
// the first frame it gets back (a JOIN, 0x03 at [4], when it is let in).
func seedJoin(t *testing.T, addr, nick string) ([5]byte, error) {
	var hdr [5]byte
	seed, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seed.Close() })
	seed.SetDeadline(time.Now().Add(10 * time.Second))
	seed.Write(append([]byte{0, 0, 0, byte(1 + len(nick)), 0x03}, nick...))
	_, err = io.ReadFull(seed, hdr[:])
	return hdr, err
}

// TestHeadlessGateways runs the headless server with -classic and -irc: a
// seed-001 JOIN on the MultiChat port and an IRC registration both get in.
func TestHeadlessGateways(t *testing.T) {
	h := startHeadless(t, "-classic", "-irc", "-irc-addr", "127.0.0.1:0", "-ircs-addr", "")
	addr, stdout, stderr, exited, cancel := h.addr, &h.stdout, &h.stderr, h.exited, h.cancel
	m := ircRe.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no IRC listener logged:\n%s", stdout)
	}

	if hdr, err := seedJoin(t, addr, "bob"); err != nil || hdr[4] != 0x03 {
		t.Fatalf("classic client: %x, %v; want a JOIN frame", hdr, err)
	}

	ircRegister(t, ircDial(t, m[1]), "ann") // fails the test without a 001

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit code %d; stderr: %s", code, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runHeadless did not return")
	}
	for _, want := range []string{`nick=bob addr=127.0.0.1`, `via=classic`, `via=irc`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stdout)
		}
	}
}

// TestIRCFollowsListenHost: an IRC address without a host listens on the
// MultiChat listen host the window has, and moves when that changes.
func TestIRCFollowsListenHost(t *testing.T) {
	cfg := server.Config{Plaintext: true, Logger: slog.New(slog.DiscardHandler)}
	g := newGateways(gatewayOptions{IRCAddr: ":0", Plaintext: true}, &cfg, cfg.Logger)
	defer g.Close()
	st := g.SetGateways(servermodel.Gateways{IRC: true, Host: "127.0.0.1"})
	if h, _, _ := net.SplitHostPort(st.IRCPlain); !st.IRC || h != "127.0.0.1" || st.Problem != "" {
		t.Fatalf("listen host 127.0.0.1: %+v", st)
	}
	st = g.SetGateways(servermodel.Gateways{IRC: true, Host: "0.0.0.0"})
	if ip := net.ParseIP(strings.Trim(st.IRCPlain[:strings.LastIndex(st.IRCPlain, ":")], "[]")); !st.IRC || ip == nil || !ip.IsUnspecified() {
		t.Fatalf("every interface: %+v", st)
	}
}

// TestGatewayProblems: why a gateway is off comes as a fact (Why) beside
// the English (Problem), for the window to say in its own language: the
// IRC port taken by another program, plain IRC without plaintext, classic
// clients without plaintext.
func TestGatewayProblems(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := server.Config{Plaintext: true, Logger: slog.New(slog.DiscardHandler)}
	g := newGateways(gatewayOptions{IRCAddr: taken.Addr().String(), Plaintext: true}, &cfg, cfg.Logger)
	defer g.Close()
	if st := g.SetGateways(servermodel.Gateways{IRC: true}); st.IRC || st.Why != servermodel.IRCPortInUse ||
		!strings.Contains(st.Problem, "address already in use") {
		t.Errorf("IRC port taken: %+v", st)
	}

	cfg = server.Config{Logger: slog.New(slog.DiscardHandler)}
	h := newGateways(gatewayOptions{IRCAddr: "127.0.0.1:0"}, &cfg, cfg.Logger)
	defer h.Close()
	if st := h.SetGateways(servermodel.Gateways{Classic: true}); st.Classic || st.Why != servermodel.ClassicNeedsPlaintext {
		t.Errorf("classic without plaintext: %+v", st)
	}
	if st := h.SetGateways(servermodel.Gateways{IRC: true}); st.IRC || st.Why != servermodel.IRCNoPort {
		t.Errorf("IRC with no port it may open: %+v", st)
	}
}

// TestHeadlessIRCNameAndAutoJoin: -irc-name is the source of the IRC
// replies and the server in 004; -irc-autojoin=false leaves the client in no
// channel, told how to join #lobby. A name IRC cannot carry is refused.
func TestHeadlessIRCNameAndAutoJoin(t *testing.T) {
	h := startHeadless(t, "-irc", "-irc-addr", "127.0.0.1:0", "-ircs-addr", "",
		"-irc-name", "My.Little.Server", "-irc-autojoin=false")
	m := ircRe.FindStringSubmatch(h.stdout.String())
	if m == nil {
		t.Fatalf("no IRC listener logged:\n%s", &h.stdout)
	}
	ic := ircDial(t, m[1])
	ic.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(ic, "NICK ann\r\nUSER ann 0 * :Ann\r\n")
	br := bufio.NewReader(ic)
	var got []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("IRC client: %v after %q", err, got)
		}
		got = append(got, strings.TrimSpace(line))
		if strings.Contains(line, " NOTICE ann ") {
			break
		}
	}
	all := strings.Join(got, "\n")
	if !strings.HasPrefix(all, ":My.Little.Server 001 ann ") || !strings.Contains(all, ":My.Little.Server 004 ann My.Little.Server ") ||
		strings.Contains(all, " JOIN ") || !strings.Contains(got[len(got)-1], "/join #lobby") {
		t.Errorf("registration:\n%s", all)
	}

	for _, bad := range []string{"My Little Server", "", "-x"} {
		_, err := configFromFlags(flag.NewFlagSet("test", flag.ContinueOnError),
			[]string{"-data", t.TempDir(), "-irc-name", bad})
		if err == nil || !strings.Contains(err.Error(), "-irc-name") {
			t.Errorf("-irc-name %q: %v, want an error", bad, err)
		}
	}
}

// ircDial connects to the IRC listener at addr; the connection closes when
// the test ends.
func ircDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	ic, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ic.Close() })
	return ic
}
