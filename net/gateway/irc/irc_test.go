package irc_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// start runs a server and an IRC gateway to it; it returns the server and the
// gateway's address.
func start(t *testing.T, icfg irc.Config) (*server.TestServer, string) {
	t.Helper()
	return startWith(t, server.Config{}, icfg)
}

// startWith is start with the server configured as scfg.
func startWith(t *testing.T, scfg server.Config, icfg irc.Config) (*server.TestServer, string) {
	t.Helper()
	port := server.NewPort()
	scfg.Port = port
	ts := server.NewTestServer(t, scfg)
	icfg.Port = port
	g := irc.New(icfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- g.Serve(ln) }()
	t.Cleanup(func() {
		g.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts, ln.Addr().String()
}

// ircClient speaks raw IRC over TCP.
type ircClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialIRC(t *testing.T, addr string) *ircClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &ircClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (c *ircClient) send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		if _, err := c.nc.Write([]byte(l + "\r\n")); err != nil {
			c.t.Fatalf("irc: send %q: %v", l, err)
		}
	}
}

// expect reads lines until one has this command (and, if given, contains
// want); it returns that line parsed.
func (c *ircClient) expect(command string, want ...string) irc.Message {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(Wait))
	var seen []string
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			c.t.Fatalf("irc: no %s %q (%v); read %q", command, want, err, seen)
		}
		if !strings.HasSuffix(line, "\r\n") {
			c.t.Fatalf("irc: line without CRLF: %q", line)
		}
		m, err := irc.Parse(line)
		if err != nil {
			c.t.Fatalf("irc: unparsable line %q: %v", line, err)
		}
		seen = append(seen, strings.TrimSpace(line))
		if m.Command != command {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return m
		}
	}
}

// expectEOF reads until the server closes the connection.
func (c *ircClient) expectEOF() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(Wait))
	for {
		if _, err := c.br.ReadString('\n'); err != nil {
			if strings.Contains(err.Error(), "timeout") {
				c.t.Fatal("irc: connection not closed")
			}
			return
		}
	}
}

func register(t *testing.T, addr, nick string) *ircClient {
	t.Helper()
	c := dialIRC(t, addr)
	c.send("NICK "+nick, "USER "+nick+" 0 * :Test User")
	c.expect("001")
	c.expect("366", "#lobby")
	return c
}

func TestIRCClientRegistersChatsIsKicked(t *testing.T) {
	ts, addr := start(t, irc.Config{Network: "Test Net"})
	bob := Connect(t, ts.Addr, "bob")

	alice := dialIRC(t, addr)
	alice.send("CAP LS 302", "NICK alice", "USER alice 0 * :Alice Liddell")
	alice.expect("CAP", "LS")
	alice.send("CAP REQ :multi-prefix sasl")
	alice.expect("CAP", "NAK", "multi-prefix sasl")
	alice.send("CAP END")
	if m := alice.expect("001"); m.Param(0) != "alice" {
		t.Errorf("001 to %q", m.Param(0))
	}
	alice.expect("004")
	isupport := alice.expect("005")
	for _, tok := range []string{"CASEMAPPING=", "NICKLEN=32", "CHANNELLEN=65", "NETWORK=Test-Net"} {
		if !strings.Contains(isupport.String(), tok) {
			t.Errorf("005 lacks %s: %s", tok, isupport)
		}
	}
	// The lobby is joined within the registration burst, before the MOTD's
	// end (clients wait for 376 before they send anything).
	if m := alice.expect("JOIN"); m.Param(0) != "#lobby" || !strings.HasPrefix(m.Prefix, "alice!") {
		t.Errorf("lobby join: %s", m)
	}
	if m := alice.expect("353", "#lobby"); m.Param(3) != "bob alice" {
		t.Errorf("names: %s", m)
	}
	alice.expect("366", "#lobby")
	alice.expect("376")
	server.WaitEvent[server.UserJoined](ts) // bob
	if j := server.WaitEvent[server.UserJoined](ts); j.Nick != "alice" || j.Via != "irc" {
		t.Errorf("UserJoined = %+v, want alice via irc", j)
	}
	Until(bob, func(j client.Joined) bool { return j.Nick == "alice" })
	Until(bob, func(u client.Users) bool { return u.Via["alice"] == "irc" })

	// Messages both ways, in the lobby and private; formatting stripped.
	alice.send("PRIVMSG #lobby :hello \x02from\x02 irc")
	if m := Until(bob, Text("hello from irc")); m.From != "alice" || m.Room != "lobby" {
		t.Errorf("bob got %+v", m)
	}
	bob.Do(client.Say{ID: 1, Text: "hi alice\nsecond line"})
	if m := alice.expect("PRIVMSG", "hi alice"); m.Param(0) != "#lobby" || !strings.HasPrefix(m.Prefix, "bob!") {
		t.Errorf("alice got %s", m)
	}
	alice.expect("PRIVMSG", "#lobby :second line")
	bob.Do(client.Private{ID: 2, To: "alice", Text: "psst"})
	if m := alice.expect("PRIVMSG", "psst"); m.Param(0) != "alice" {
		t.Errorf("private: %s", m)
	}
	alice.send("PRIVMSG bob :\x01ACTION waves\x01", "NOTICE bob :a notice")
	if m := Until(bob, Text("*waves*")); !m.Private || m.From != "alice" {
		t.Errorf("bob got %+v", m)
	}
	Until(bob, Text("a notice"))
	alice.send("PRIVMSG nobody :hello?")
	alice.expect("401", "nobody")

	// Queries.
	alice.send("PING :tok")
	alice.expect("PONG", "tok")
	alice.send("NAMES #lobby")
	alice.expect("353", "bob alice")
	alice.send("WHO #lobby")
	alice.expect("352", "bob")
	alice.expect("315")
	alice.send("TOPIC #lobby")
	alice.expect("331")
	alice.send("TOPIC #lobby :new topic")
	alice.expect("482")
	alice.send("MOTD")
	alice.expect("376")
	alice.send("FROB")
	alice.expect("421", "FROB")

	// Rooms are channels.
	alice.send("JOIN #dev")
	alice.expect("JOIN", "#dev")
	alice.expect("366", "#dev")
	bob.Do(client.JoinRoom{Room: "dev"})
	alice.expect("JOIN", "bob!", "#dev")
	bob.Do(client.Say{ID: 3, Room: "dev", Text: "in dev"})
	alice.expect("PRIVMSG", "#dev :in dev")
	alice.send("PRIVMSG #dev :from irc in dev")
	if m := Until(bob, Text("from irc in dev")); m.Room != "dev" {
		t.Errorf("bob got %+v", m)
	}
	alice.send("LIST")
	alice.expect("322", "#dev 2")
	alice.expect("323")
	alice.send("PART #dev")
	alice.expect("PART", "#dev")
	if l := Until(bob, func(l client.Left) bool { return l.Nick == "alice" }); l.Room != "dev" {
		t.Errorf("bob saw %+v", l)
	}

	// Nicknames: taken (also in another case), invalid, then a good one.
	carol := dialIRC(t, addr)
	carol.send("NICK bob", "USER c 0 * :C")
	carol.expect("433", "bob")
	carol.send("NICK ALICE")
	carol.expect("433", "ALICE")
	carol.send("NICK a!b")
	carol.expect("432")
	carol.send("NICK Admin") // reserved: 432 with the server's reason
	carol.expect("432", "Admin", "reserved")
	carol.send("NICK carol")
	carol.expect("001")
	alice.expect("JOIN", "carol!", "#lobby")

	// An announcement, then a kick: the kicked client is told why, then
	// closed; the others see the KICK.
	ts.Do(server.Announce{Text: "maintenance"})
	alice.expect("NOTICE", "#lobby :maintenance")
	ts.Do(server.Kick{Nick: "alice", Reason: "flooding"})
	if m := alice.expect("KICK", "#lobby"); m.Param(1) != "alice" || m.Param(2) != "flooding" {
		t.Errorf("kick: %s", m)
	}
	alice.expect("ERROR", "flooding")
	alice.expectEOF()
	if m := carol.expect("KICK", "alice"); m.Param(0) != "#lobby" || m.Param(2) != "flooding" {
		t.Errorf("carol saw %s", m)
	}
	if r := Next[client.Removed](bob); r.Nick != "alice" {
		t.Errorf("bob saw %+v", r)
	}

	// QUIT is seen by the others as one QUIT.
	carol.send("QUIT :bye")
	carol.expect("ERROR")
	carol.expectEOF()
	if l := Until(bob, func(l client.Left) bool { return l.Nick == "carol" }); l.Reason.String() != "quit" {
		t.Errorf("bob saw %+v", l)
	}
}

func TestIRCPassword(t *testing.T) {
	_, addr := start(t, irc.Config{Password: func(p string) bool { return p == "sesame" }})
	bad := dialIRC(t, addr)
	bad.send("PASS wrong", "NICK eve", "USER eve 0 * :Eve")
	bad.expect("464")
	bad.expectEOF()
	good := dialIRC(t, addr)
	good.send("PASS sesame", "NICK eve", "USER eve 0 * :Eve")
	good.expect("001")
}

// TestIRCServerPassword: on a server with a password, IRC users give it
// with PASS; without it or with a wrong one they get 464 and are closed.
func TestIRCServerPassword(t *testing.T) {
	hash, err := server.HashPassword("sesame")
	if err != nil {
		t.Fatal(err)
	}
	_, addr := startWith(t, server.Config{PasswordHash: hash}, irc.Config{})
	none := dialIRC(t, addr)
	none.send("NICK eve", "USER eve 0 * :Eve")
	none.expect("464", "needs a password")
	none.expect("ERROR", "Bad password")
	none.expectEOF()
	bad := dialIRC(t, addr)
	bad.send("PASS wrong", "NICK eve", "USER eve 0 * :Eve")
	bad.expect("464", "wrong password")
	bad.expectEOF()
	good := dialIRC(t, addr)
	good.send("PASS sesame", "NICK eve", "USER eve 0 * :Eve")
	good.expect("001")
}

func TestIRCUnregisteredAndLongLines(t *testing.T) {
	_, addr := start(t, irc.Config{})
	c := dialIRC(t, addr)
	c.send("JOIN #lobby")
	c.expect("451")
	c.send("@time=2020-01-01T00:00:00Z;x=y :ignored!x@y NICK tagged", "USER u 0 * :U")
	c.expect("001", "tagged")
	c.send("PRIVMSG #lobby :" + strings.Repeat("x", 600))
	c.expect("417")
	c.send("PING :still-here")
	c.expect("PONG", "still-here")
}

func TestIRCKeepalive(t *testing.T) {
	_, addr := start(t, irc.Config{IdleTime: 300 * time.Millisecond})
	live := register(t, addr, "live")
	dead := register(t, addr, "dead")
	for range 2 { // answered pings keep a client
		ping := live.expect("PING")
		live.send("PONG :" + ping.Param(0))
	}
	dead.expect("PING")
	dead.expect("ERROR", "Ping timeout")
	dead.expectEOF()
	live.send("PING :still")
	live.expect("PONG", "still")
}
