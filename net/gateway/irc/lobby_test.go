package irc_test

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// sync sends lines and a PING, and returns the commands read up to its PONG:
// what the lines brought (PING is answered after everything sent before it).
func (c *ircClient) sync(lines ...string) string {
	c.t.Helper()
	c.send(append(lines, "PING :sync")...)
	return strings.Join(c.nextCommands("PONG"), " ")
}

// With NoAutoJoin an IRC client is in no channel after registration, as on
// IRC servers, and told how to join #lobby; it is on the server all the same
// (private messages, WHOIS, announcements). #lobby's traffic is shown from
// its JOIN #lobby until its PART #lobby; a PRIVMSG there meanwhile is 404,
// never dropped unsaid.
func TestIRCNoAutoJoin(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "irc.test", NoAutoJoin: true})
	bob := Connect(t, ts.Addr, "bob")

	alice := dialIRC(t, addr)
	alice.send("NICK alice", "USER alice 0 * :Alice")
	alice.expect("005")
	if got := strings.Join(alice.nextCommands("376"), " "); got != "375 372 372 376" {
		t.Errorf("burst after 005: %s (no JOIN expected)", got)
	}
	if m := alice.next(); m.Command != "NOTICE" || m.Param(0) != "alice" || !strings.Contains(m.Param(1), "/join #lobby") {
		t.Errorf("after the MOTD: %s, want a NOTICE naming /join #lobby", m)
	}
	Until(bob, func(j client.Joined) bool { return j.Nick == "alice" }) // in the hub's lobby all the same

	// Not shown #lobby: its messages do not arrive, a PRIVMSG there is 404,
	// a NOTICE (never answered with an error) goes.
	bob.Do(client.Say{ID: 1, Text: "hello all"})
	Until(bob, Text("hello all"))
	if got := alice.sync("NAMES", "PRIVMSG #lobby :hi"); got != "404 PONG" {
		t.Errorf("before JOIN #lobby: %s, want 404 PONG", got)
	}
	alice.send("NOTICE #LOBBY :a notice")
	if m := Until(bob, Text("a notice")); !m.Notice || m.Room != "lobby" || m.From != "alice" {
		t.Errorf("bob got %+v", m)
	}
	if got := alice.sync("TOPIC #lobby"); got != "442 PONG" {
		t.Errorf("TOPIC #lobby before joining: %s", got)
	}
	// Every user is +i: a WHO mask lists those who share a channel (here
	// nobody but alice), a nickname anyone.
	if got := alice.sync("WHO *"); got != "352 315 PONG" {
		t.Errorf("WHO * in no channel: %s, want alice alone", got)
	}
	if got := alice.sync("WHO bob"); got != "352 315 PONG" {
		t.Errorf("WHO bob: %s", got)
	}

	// On the server: private messages both ways, WHOIS, LIST shows #lobby,
	// an announcement comes as a notice to the user.
	bob.Do(client.Private{ID: 2, To: "alice", Text: "psst"})
	alice.expect("PRIVMSG", "alice :psst")
	alice.send("PRIVMSG bob :hi bob")
	Until(bob, Text("hi bob"))
	if got := alice.sync("WHOIS bob"); got != "311 312 318 PONG" { // no 319: no channel shared
		t.Errorf("WHOIS bob: %s", got)
	}
	alice.send("LIST")
	alice.expect("322", "#lobby 2")
	alice.expect("323")
	ts.Do(server.Announce{Text: "exam at 3"})
	if m := alice.expect("NOTICE", "exam at 3"); m.Param(0) != "alice" || m.Prefix != "irc.test" {
		t.Errorf("announcement: %s", m)
	}

	// JOIN #lobby: JOIN, names (bob and alice, who were there all along),
	// then #lobby's traffic.
	if got := alice.sync("JOIN #Lobby"); got != "JOIN 353 366 PONG" {
		t.Errorf("JOIN #lobby: %s", got)
	}
	alice.send("NAMES #lobby")
	if m := alice.expect("353"); m.Param(2) != "#lobby" || m.Param(3) != "bob alice" {
		t.Errorf("NAMES #lobby: %s", m)
	}
	alice.expect("366", "#lobby")
	if got := alice.sync("JOIN #lobby"); got != "PONG" {
		t.Errorf("JOIN #lobby again: %s, want nothing", got)
	}
	bob.Do(client.Say{ID: 3, Text: "now you see me"})
	if m := alice.expect("PRIVMSG", "now you see me"); m.Param(0) != "#lobby" || !strings.HasPrefix(m.Prefix, "bob!") {
		t.Errorf("lobby message: %s", m)
	}
	alice.send("PRIVMSG #lobby :hello bob")
	if m := Until(bob, Text("hello bob")); m.Room != "lobby" {
		t.Errorf("bob got %+v", m)
	}
	carol := dialIRC(t, addr)
	carol.send("NICK carol", "USER carol 0 * :Carol")
	carol.expect("NOTICE", "/join #lobby")
	alice.expect("JOIN", "carol!", "#lobby")

	// PART #lobby: its echo with the words; #lobby is quiet again, but the
	// user is still on the server.
	alice.send("PART #lobby :later")
	if m := alice.expect("PART"); m.Param(0) != "#lobby" || m.Param(1) != "later" {
		t.Errorf("PART echo: %s", m)
	}
	bob.Do(client.Say{ID: 4, Text: "unseen"})
	Until(bob, Text("unseen"))
	if got := alice.sync("PART #lobby"); got != "442 PONG" {
		t.Errorf("after PART #lobby: %s (the message and a second PART)", got)
	}
	carol.send("PRIVMSG alice :still here?")
	alice.expect("PRIVMSG", "still here?")

	// JOIN 0 leaves #lobby too; a kick still tells the user why.
	if got := alice.sync("JOIN #lobby,#dev"); got != "JOIN 353 366 JOIN 353 366 PONG" {
		t.Errorf("JOIN #lobby,#dev: %s", got)
	}
	if got := alice.sync("JOIN 0"); got != "PART PART PONG" {
		t.Errorf("JOIN 0: %s", got)
	}
	ts.Do(server.Kick{Nick: "alice", Reason: "enough"})
	if got := strings.Join(alice.nextCommands("ERROR"), " "); got != "ERROR" {
		t.Errorf("kicked while in no channel: %s, want only ERROR", got)
	}
	alice.expectEOF()
}

// away-notify: a user who joins a channel while away is followed by an AWAY
// line for those in it, unless they already shared a channel (then they
// saw the AWAY when it was set).
func TestIRCAwayNotifyOnJoin(t *testing.T) {
	for _, noAutoJoin := range []bool{true, false} {
		_, addr := start(t, irc.Config{NoAutoJoin: noAutoJoin})
		ann := dialIRC(t, addr)
		ann.send("CAP LS 302", "CAP REQ :away-notify", "NICK ann", "USER ann 0 * :Ann", "CAP END")
		ann.expect("376")
		ann.send("JOIN #dev")
		ann.expect("366", "#dev")
		bob := dialIRC(t, addr)
		bob.send("NICK bob", "USER bob 0 * :Bob")
		bob.expect("376")
		if noAutoJoin {
			bob.expect("NOTICE", "/join #lobby")
		}
		if got := bob.sync("AWAY :already away"); got != "306 PONG" {
			t.Errorf("AWAY: %s", got)
		}
		if !noAutoJoin {
			ann.expect("AWAY", "already away") // bob shares #lobby with ann
		}
		if got := bob.sync("JOIN #dev"); got != "JOIN 353 366 PONG" {
			t.Errorf("bob's JOIN: %s (no AWAY of his own)", got)
		}
		ann.expect("JOIN", "bob!", "#dev")
		want := "AWAY PONG"
		if !noAutoJoin {
			want = "PONG"
		}
		if got := ann.sync(); got != want {
			t.Errorf("NoAutoJoin %v: after bob's JOIN: %s, want %s", noAutoJoin, got, want)
		}
	}
}
