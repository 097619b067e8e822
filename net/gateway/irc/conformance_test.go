package irc_test

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// TestIRCConformance drives the gateway as a raw RFC 1459/2812 client would,
// with the replies irctest's registration, messaging and channel cases
// expect (see README, "IRC conformance"). PING is answered after everything
// sent before it, so "send X, PING, expect these lines up to the PONG"
// checks exactly what X brought.
func TestIRCConformance(t *testing.T) {
	_, addr := start(t, irc.Config{ServerName: "irc.test"})

	// Registration: an empty realname is 461; CAP LS then END; a taken
	// nickname is 433 and another one may be tried.
	ann := dialIRC(t, addr)
	ann.send("CAP LS 302", "NICK ann", "USER ann 0 * :")
	if m := ann.expect("CAP", "LS"); m.Param(2) != "away-notify multi-prefix userhost-in-names" {
		t.Errorf("CAP LS: %s", m)
	}
	ann.expect("461", "USER")
	ann.send("CAP REQ :away-notify sasl") // all or nothing
	ann.expect("CAP", "NAK", "away-notify sasl")
	ann.send("CAP REQ :away-notify userhost-in-names", "CAP LIST")
	ann.expect("CAP", "ACK", "away-notify userhost-in-names")
	ann.expect("CAP", "LIST", "away-notify userhost-in-names")
	ann.send("USER ann 0 * :Ann Smith", "CAP END")
	ann.expect("001")
	if m := ann.expect("353"); m.Param(3) != "ann!ann@127.0.0.1" {
		t.Errorf("NAMES with userhost-in-names: %s", m)
	}
	ann.expect("376")
	bob := dialIRC(t, addr)
	bob.send("NICK ANN", "USER bob 0 * :Bob")
	bob.expect("433", "ANN")
	bob.send("NICK bob")
	bob.expect("376")
	if m := ann.expect("JOIN"); !strings.HasPrefix(m.Prefix, "bob!") || m.Param(0) != "#lobby" {
		t.Errorf("bob's arrival: %s", m)
	}

	// sync returns the commands c receives up to the PONG of a PING sent
	// after lines.
	sync := func(c *ircClient, lines ...string) string {
		t.Helper()
		c.send(append(lines, "PING :sync")...)
		return strings.Join(c.nextCommands("PONG"), " ")
	}
	if got := sync(ann, "FROB x"); got != "421 PONG" {
		t.Errorf("unknown command: %s", got)
	}
	if got := sync(ann, "OPER ann secret"); got != "491 PONG" {
		t.Errorf("OPER: %s", got) // no operators file: operator logins are off
	}
	if got := sync(ann, "OPER ann"); got != "461 PONG" {
		t.Errorf("OPER without a password: %s", got)
	}
	if got := sync(ann, "PING"); got != "409 PONG" {
		t.Errorf("PING without a token: %s", got)
	}
	if got := sync(ann, "PRIVMSG #lobby :"+strings.Repeat("x", 600)); got != "417 PONG" {
		t.Errorf("a line over 512 bytes: %s", got)
	}
	ann.send("PRIVMSG bob :caf\xe9")
	if m := ann.expect("FAIL"); m.Param(0) != "PRIVMSG" || m.Param(1) != "INVALID_UTF8" {
		t.Errorf("not UTF-8: %s", m)
	}
	ann.send("PRIVMSG bob :안녕 ünïcödé")
	if m := bob.expect("PRIVMSG"); m.Param(0) != "bob" || m.Param(1) != "안녕 ünïcödé" || !strings.HasPrefix(m.Prefix, "ann!") {
		t.Errorf("UTF-8 private message: %s", m)
	}

	// Channels: JOIN brings JOIN, names and end before the PONG; others see
	// the JOIN; PART's reason comes back in its echo.
	if got := sync(ann, "JOIN #dev"); got != "JOIN 353 366 PONG" {
		t.Errorf("JOIN: %s", got)
	}
	bob.send("JOIN #Dev")
	bob.expect("366", "#dev")
	ann.expect("JOIN", "#dev")
	if got := sync(ann, "NAMES #dev"); got != "353 366 PONG" {
		t.Errorf("NAMES: %s", got)
	}
	if got := sync(ann, "NAMES #nowhere"); got != "366 PONG" {
		t.Errorf("NAMES of no channel: %s", got)
	}
	ann.send("PRIVMSG #dev :hello dev")
	if m := bob.expect("PRIVMSG"); m.Param(0) != "#dev" || m.Param(1) != "hello dev" {
		t.Errorf("channel message: %s", m)
	}
	if got := sync(ann, "NOTICE #nowhere :hm", "NOTICE nobody :hm"); got != "PONG" {
		t.Errorf("NOTICE to nobody must not be answered: %s", got)
	}
	if got := sync(ann, "PRIVMSG #nowhere :hm", "PRIVMSG nobody :hm"); got != "403 401 PONG" {
		t.Errorf("PRIVMSG to nobody: %s", got)
	}

	// Queries.
	if got := sync(ann, "WHO *"); got != "352 352 315 PONG" {
		t.Errorf("WHO *: %s", got)
	}
	ann.send("WHO b?b")
	if m := ann.expect("352"); m.Param(5) != "bob" || m.Param(6) != "H" {
		t.Errorf("WHO b?b: %s", m)
	}
	ann.expect("315")
	if got := sync(ann, "LIST #DEV"); got != "321 322 323 PONG" {
		t.Errorf("LIST #DEV: %s", got)
	}
	if got := sync(ann, "MODE #dev"); got != "324 PONG" {
		t.Errorf("MODE #dev: %s", got)
	}
	ann.send("USERHOST bob ann")
	if m := ann.expect("302"); m.Param(1) != "bob=+bob@irc.test ann=+ann@127.0.0.1" {
		t.Errorf("USERHOST: %s", m)
	}

	// AWAY: 306, then others see G in WHO, 301 in WHOIS and on messaging.
	if got := sync(bob, "AWAY :at lunch"); got != "306 PONG" {
		t.Errorf("AWAY: %s", got)
	}
	if m := ann.expect("AWAY"); !strings.HasPrefix(m.Prefix, "bob!") || m.Param(0) != "at lunch" { // away-notify
		t.Errorf("away-notify: %s", m)
	}
	ann.send("WHO bob")
	if m := ann.expect("352"); m.Param(6) != "G" {
		t.Errorf("WHO of an away user: %s", m)
	}
	ann.send("WHOIS bob")
	if m := ann.expect("301"); m.Param(1) != "bob" || m.Param(2) != "at lunch" {
		t.Errorf("WHOIS of an away user: %s", m)
	}
	ann.send("PRIVMSG bob :lunch?")
	ann.expect("301", "at lunch")
	if got := sync(bob, "AWAY"); got != "305 PONG" {
		t.Errorf("back: %s", got)
	}
	if m := ann.expect("AWAY"); !strings.HasPrefix(m.Prefix, "bob!") || len(m.Params) != 0 {
		t.Errorf("away-notify, back: %s", m)
	}

	bob.send("PART #dev :see you")
	if m := bob.expect("PART"); m.Param(0) != "#dev" || m.Param(1) != "see you" {
		t.Errorf("PART echo: %s", m)
	}
	ann.expect("PART", "#dev :see you")

	// QUIT: ERROR, then the connection closes; the others see a QUIT.
	bob.send("QUIT :bye")
	bob.expect("ERROR")
	bob.expectEOF()
	ann.expect("QUIT", ":Quit: bye")
}

// A client that reconnects at once with its nickname gets it, though the hub
// had not seen its previous connection close when it asked (irctest's cases
// do this one after another): a taken nickname is tried again for a moment.
func TestIRCReconnectAtOnceKeepsNick(t *testing.T) {
	ts, addr := start(t, irc.Config{})
	old := register(t, addr, "carol")
	again := dialIRC(t, addr)
	again.send("NICK carol", "USER carol 0 * :Carol")
	if r := server.WaitEvent[server.Refused](ts); r.Nick != "carol" {
		t.Fatalf("refused %+v", r)
	}
	old.nc.Close() // the previous connection's close reaches the hub now
	if m := again.next(); m.Command != "001" {
		t.Fatalf("got %s, want 001", m)
	}
}
