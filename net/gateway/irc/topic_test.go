package irc_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// next reads the client's next line.
func (c *ircClient) next() irc.Message {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(Wait))
	line, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("irc: no line: %v", err)
	}
	m, err := irc.Parse(line)
	if err != nil {
		c.t.Fatalf("irc: unparsable line %q: %v", line, err)
	}
	return m
}

// nextCommands reads lines until one has command last and returns the
// commands read, in order.
func (c *ircClient) nextCommands(last string) []string {
	c.t.Helper()
	var got []string
	for {
		m := c.next()
		got = append(got, m.Command)
		if m.Command == last {
			return got
		}
	}
}

// Topics are set by the administrator or a room's operators (as for
// MultiChat's own clients): an IRC user sees them on joining (332 and 333
// between JOIN and NAMES, never "331 no topic" then a change), when asking
// (TOPIC #room), and as a TOPIC change when one is set or removed; a member
// who is not an operator is refused with 482, as a native member is.
func TestIRCTopics(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "irc.test"})
	ts.Do(server.SetTopic{Text: "welcome, exam at 3"})
	server.WaitEvent[server.TopicChanged](ts)

	// The lobby's topic is part of the registration burst.
	alice := dialIRC(t, addr)
	alice.send("NICK alice", "USER alice 0 * :Alice")
	alice.expect("005")
	if got := strings.Join(alice.nextCommands("376"), " "); got != "JOIN 332 333 353 366 375 372 372 376" {
		t.Errorf("burst after 005: %s", got)
	}
	alice.send("TOPIC #LOBBY")
	if m := alice.next(); m.Command != "332" || m.Param(1) != "#lobby" || m.Param(2) != "welcome, exam at 3" {
		t.Errorf("TOPIC #lobby: %s", m)
	}
	m := alice.next()
	if at, _ := strconv.ParseInt(m.Param(3), 10, 64); m.Command != "333" || m.Param(2) != "admin" ||
		time.Since(time.Unix(at, 0)).Abs() > time.Minute {
		t.Errorf("333: %s", m)
	}

	// A room's topic, set while alice is in it, is a change; whoever joins
	// later sees it as the room's topic.
	alice.send("JOIN #dev")
	alice.expect("366", "#dev")
	alice.send("TOPIC #dev")
	alice.expect("331", "#dev")
	ts.Do(server.SetTopic{Room: "dev", Text: "design review"})
	if m := alice.expect("TOPIC"); m.Prefix != "irc.test" || m.Param(0) != "#dev" || m.Param(1) != "design review" {
		t.Errorf("change: %s", m)
	}
	bob := register(t, addr, "bob")
	bob.send("JOIN #dev", "PING :after-join")
	bob.expect("JOIN", "#dev")
	if got := strings.Join(bob.nextCommands("PONG"), " "); got != "332 333 353 366 PONG" {
		t.Errorf("join of #dev: %s", got)
	}

	// Members cannot set a topic (only operators: alice, who opened #dev);
	// a channel that does not exist is 403.
	bob.send("TOPIC #dev :mine now")
	if m := bob.next(); m.Command != "482" || m.Param(1) != "#dev" || !strings.Contains(m.Param(2), "operator") {
		t.Errorf("TOPIC set by a member: %s", m)
	}
	bob.send("TOPIC #elsewhere")
	bob.expect("403", "#elsewhere")

	// Removed: an empty TOPIC change, then 331.
	ts.Do(server.SetTopic{Room: "dev"})
	if m := bob.expect("TOPIC"); m.Param(0) != "#dev" || m.Param(1) != "" {
		t.Errorf("removal: %s", m)
	}
	bob.send("TOPIC #dev")
	bob.expect("331", "#dev")
}
