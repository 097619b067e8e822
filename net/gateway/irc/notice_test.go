package irc_test

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/wire"
)

// TestIRCNoticesAndLeavingWords: a NOTICE reaches IRC users as a NOTICE and
// native clients as a message marked Notice; PART and QUIT reasons reach
// both; TOPIC, KICK and MODE of a channel that does not exist are 403, of
// one the user is not in 442.
func TestIRCNoticesAndLeavingWords(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "irc.test"})
	nat := Connect(t, ts.Addr, "nat")
	ann := register(t, addr, "ann")
	bob := register(t, addr, "bob")
	sync := func(c *ircClient, lines ...string) string {
		t.Helper()
		c.send(append(lines, "PING :sync")...)
		return strings.Join(c.nextCommands("PONG"), " ")
	}

	// A notice to the lobby, then an ordinary message: the first is a
	// NOTICE for bob and a notice for nat, the second a PRIVMSG.
	ann.send("NOTICE #lobby :build passed", "PRIVMSG #lobby :thanks")
	if m := bob.expect("NOTICE"); m.Param(0) != "#lobby" || m.Param(1) != "build passed" || !strings.HasPrefix(m.Prefix, "ann!") {
		t.Errorf("bob got %s", m)
	}
	if m := bob.next(); m.Command != "PRIVMSG" || m.Param(1) != "thanks" {
		t.Errorf("after the notice bob got %s", m)
	}
	if m := Until(nat, Text("build passed")); !m.Notice || m.From != "ann" || m.Room != "lobby" {
		t.Errorf("nat got %+v", m)
	}
	if m := Until(nat, Text("thanks")); m.Notice {
		t.Errorf("an ordinary message arrived as a notice: %+v", m)
	}
	// Private: a NOTICE to a nick, and a long one (cut into lines by say).
	long := strings.Repeat("word ", 120)
	ann.send("NOTICE bob :psst", "NOTICE #lobby :"+long[:400])
	if m := bob.expect("NOTICE"); m.Param(0) != "bob" || m.Param(1) != "psst" {
		t.Errorf("private notice: %s", m)
	}
	if m := bob.expect("NOTICE"); m.Param(0) != "#lobby" || !strings.HasPrefix(m.Param(1), "word word") {
		t.Errorf("long notice: %s", m)
	}
	nat.Do(client.Private{ID: 1, To: "ann", Text: "hello"}) // natives send ordinary messages
	if m := ann.expect("PRIVMSG"); m.Param(1) != "hello" {
		t.Errorf("native private: %s", m)
	}

	// PART with words: the others (IRC and native) see them.
	ann.send("JOIN #dev")
	ann.expect("366", "#dev")
	bob.send("JOIN #dev")
	bob.expect("366", "#dev")
	nat.Do(client.JoinRoom{Room: "dev"})
	Until(nat, func(j client.RoomJoined) bool { return j.Room == "dev" })
	bob.send("PART #dev :off to \x02lunch\x02")
	bob.expect("PART", "off to") // its echo, after nat's JOIN
	if m := ann.expect("PART"); m.Param(0) != "#dev" || m.Param(1) != "off to lunch" || !strings.HasPrefix(m.Prefix, "bob!") {
		t.Errorf("ann saw %s", m)
	}
	if l := Until(nat, func(l client.Left) bool { return l.Nick == "bob" }); l.Text != "off to lunch" || l.Reason != wire.LeftParted {
		t.Errorf("nat saw %+v", l)
	}

	// Channels bob is not in (#dev) and that do not exist (#nowhere).
	if got := sync(bob, "TOPIC #nowhere", "KICK #nowhere ann", "MODE #nowhere"); got != "403 403 403 PONG" {
		t.Errorf("TOPIC, KICK, MODE of no channel: %s", got)
	}
	if got := sync(bob, "TOPIC #dev", "KICK #dev ann", "MODE #dev"); got != "442 442 442 PONG" {
		t.Errorf("TOPIC, KICK, MODE of a channel one is not in: %s", got)
	}
	if got := sync(ann, "KICK #dev bob"); got != "441 PONG" { // ann opened #dev; bob left it
		t.Errorf("KICK of one who is not in the channel: %s", got)
	}

	// QUIT with words: "Quit: words" for IRC, the words for natives.
	ann.send("QUIT :see you tomorrow")
	ann.expect("ERROR")
	if m := bob.expect("QUIT"); m.Param(0) != "Quit: see you tomorrow" || !strings.HasPrefix(m.Prefix, "ann!") {
		t.Errorf("bob saw %s", m)
	}
	if l := Until(nat, func(l client.Left) bool { return l.Nick == "ann" }); l.Text != "see you tomorrow" || l.Reason != wire.LeftQuit {
		t.Errorf("nat saw %+v", l)
	}
}
