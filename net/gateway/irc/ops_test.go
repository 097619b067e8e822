package irc_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// upTo sends lines and a PING, and returns the lines read up to its PONG
// (without it): what the lines brought.
func (c *ircClient) upTo(lines ...string) []irc.Message {
	c.t.Helper()
	c.send(append(lines, "PING :upto")...)
	var got []irc.Message
	for {
		m := c.next()
		if m.Command == "PONG" {
			return got
		}
		got = append(got, m)
	}
}

// only returns the one line of ms with this command, failing otherwise.
func only(t *testing.T, what string, ms []irc.Message, command string) irc.Message {
	t.Helper()
	var found []irc.Message
	for _, m := range ms {
		if m.Command == command {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want one %s in %v", what, command, ms)
	}
	return found[0]
}

// Channel operators as IRC shows them: whoever opens a room is its
// operator, '@' in NAMES, WHO and WHOIS; only operators set the topic, kick
// and give or take operator status (482 for anyone else), each change seen
// by the whole channel.
func TestIRCChannelOperators(t *testing.T) {
	_, addr := start(t, irc.Config{ServerName: "irc.test"})
	ann := register(t, addr, "ann")
	bob := register(t, addr, "bob")
	cat := register(t, addr, "cat")

	// ann opens #dev: she is its operator from her JOIN on (no MODE line:
	// NAMES says it).
	got := ann.upTo("JOIN #dev")
	if m := only(t, "ann's JOIN", got, "353"); m.Param(3) != "@ann" {
		t.Errorf("NAMES at ann's JOIN: %s", m)
	}
	for _, m := range got {
		if m.Command == "MODE" {
			t.Errorf("a MODE line at the JOIN of a new channel: %s", m)
		}
	}
	if m := only(t, "bob's JOIN", bob.upTo("JOIN #dev"), "353"); m.Param(3) != "@ann bob" {
		t.Errorf("NAMES at bob's JOIN: %s", m)
	}
	ann.expect("JOIN", "bob!")
	cat.upTo("JOIN #dev")
	bob.expect("JOIN", "cat!")
	got = bob.upTo("WHO #dev")
	if len(got) != 4 || got[0].Param(5) != "ann" || got[0].Param(6) != "H@" || got[1].Param(6) != "H" {
		t.Errorf("WHO #dev: %v", got)
	}
	if m := only(t, "WHO ann", bob.upTo("WHO ann"), "352"); m.Param(6) != "H" {
		t.Errorf("WHO ann (no channel, no prefix): %s", m)
	}
	if m := only(t, "WHOIS ann", bob.upTo("WHOIS ann"), "319"); m.Param(2) != "@#dev #lobby" {
		t.Errorf("WHOIS ann: %s", m)
	}
	if m := only(t, "MODE #dev", bob.upTo("MODE #dev"), "324"); m.Param(2) != "+nt" {
		t.Errorf("MODE #dev: %s", m)
	}

	// A member is refused what only operators do.
	for _, line := range []string{"TOPIC #dev :mine", "KICK #dev ann", "MODE #dev +o bob", "MODE #dev +t", "MODE #dev +k key"} {
		if m := only(t, line, bob.upTo(line), "482"); m.Param(1) != "#dev" {
			t.Errorf("%s by a member: %s", line, m)
		}
	}

	// The operator sets the topic: everyone sees it, from her.
	ann.send("TOPIC #dev :design review")
	for _, c := range []*ircClient{ann, bob, cat} {
		if m := c.expect("TOPIC", "#dev"); !strings.HasPrefix(m.Prefix, "ann!") || m.Param(1) != "design review" {
			t.Errorf("topic change: %s", m)
		}
	}
	bob.send("TOPIC #dev")
	if m := bob.expect("333", "#dev"); m.Param(2) != "ann" {
		t.Errorf("333: %s", m)
	}

	// Modes MultiChat rooms do not have: 472 to the operator.
	if got := ann.sync("MODE #dev +v bob", "MODE #dev -t", "MODE #dev +t", "MODE #dev b"); got != "472 472 368 PONG" {
		t.Errorf("other modes: %s", got)
	}

	// MODE +o: the channel sees it (from ann for herself, who asked).
	if m := only(t, "MODE +o bob", ann.upTo("MODE #dev +o bob"), "MODE"); !strings.HasPrefix(m.Prefix, "ann!") ||
		strings.Join(m.Params, " ") != "#dev +o bob" {
		t.Errorf("ann's MODE echo: %s", m)
	}
	for _, c := range []*ircClient{bob, cat} { // from ann for everyone: the hub names her
		if m := c.expect("MODE", "#dev"); !strings.HasPrefix(m.Prefix, "ann!") || strings.Join(m.Params, " ") != "#dev +o bob" {
			t.Errorf("MODE seen: %s", m)
		}
	}
	if m := only(t, "NAMES", cat.upTo("NAMES #dev"), "353"); m.Param(3) != "@ann @bob cat" {
		t.Errorf("NAMES after +o bob: %s", m)
	}

	// The new operator kicks: everyone sees a KICK from bob with the
	// reason; cat is out of #dev.
	bob.send("KICK #dev cat :off topic")
	for _, c := range []*ircClient{ann, bob, cat} {
		if m := c.expect("KICK", "#dev"); !strings.HasPrefix(m.Prefix, "bob!") || m.Param(1) != "cat" || m.Param(2) != "off topic" {
			t.Errorf("KICK seen: %s", m)
		}
	}
	if got := cat.sync("NAMES #dev", "PRIVMSG #dev :still here?"); got != "366 404 PONG" {
		t.Errorf("cat after the kick: %s", got)
	}
	if m := only(t, "NAMES", ann.upTo("NAMES #dev"), "353"); m.Param(3) != "@ann @bob" {
		t.Errorf("NAMES after the kick: %s", m)
	}

	// A kick of someone not in the channel is 441, of nobody 401; a KICK
	// without a reason gives the kicker's nickname.
	if m := only(t, "KICK cat again", bob.upTo("KICK #dev cat"), "441"); m.Param(1) != "cat" || m.Param(2) != "#dev" {
		t.Errorf("KICK of one not there: %s", m)
	}
	cat.upTo("JOIN #dev")
	bob.expect("JOIN", "cat!")
	ann.send("KICK #dev cat")
	if m := bob.expect("KICK", "#dev"); m.Param(1) != "cat" || m.Param(2) != "ann" {
		t.Errorf("KICK without a reason: %s", m)
	}

	// -o: bob takes it from himself; then he is refused again.
	bob.send("MODE #dev -o bob")
	for _, c := range []*ircClient{ann, bob} {
		if m := c.expect("MODE", "#dev"); strings.Join(m.Params, " ") != "#dev -o bob" {
			t.Errorf("-o seen: %s", m)
		}
	}
	if got := bob.sync("TOPIC #dev :again"); got != "482 PONG" {
		t.Errorf("TOPIC after -o: %s", got)
	}
}

// A native client's room and an IRC user in it: the native creator is '@'
// in NAMES; its operator changes and room kicks reach IRC as MODE and KICK
// lines, and an IRC operator's KICK reaches the native client as a room
// kick.
func TestIRCNativeRoomOperators(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "irc.test"})
	bob := Connect(t, ts.Addr, "bob")
	bob.Do(client.JoinRoom{Room: "dev"})
	Until(bob, func(j client.RoomJoined) bool { return j.Room == "dev" })
	alice := register(t, addr, "alice")
	if m := only(t, "JOIN #dev", alice.upTo("JOIN #dev"), "353"); m.Param(3) != "@bob alice" {
		t.Errorf("NAMES: %s", m)
	}

	// bob makes alice an operator: a MODE line from bob (the hub names
	// him), and alice is '@' in WHO.
	bob.Do(client.RoomOp{Room: "dev", User: "alice", On: true})
	if m := alice.expect("MODE", "#dev"); m.Prefix != "bob!bob@irc.test" || strings.Join(m.Params, " ") != "#dev +o alice" {
		t.Errorf("+o alice: %s", m)
	}
	if got := alice.upTo("WHO #dev"); len(got) != 3 || got[1].Param(5) != "alice" || got[1].Param(6) != "H@" {
		t.Errorf("WHO #dev: %v", got)
	}

	// alice removes bob from the room: his client is told who and why.
	alice.send("KICK #dev bob :tidying up")
	if m := alice.expect("KICK", "#dev"); !strings.HasPrefix(m.Prefix, "alice!") || m.Param(1) != "bob" || m.Param(2) != "tidying up" {
		t.Errorf("alice's KICK: %s", m)
	}
	if k := Until(bob, func(k client.RoomKicked) bool { return k.Room == "dev" }); !k.Mine || k.By != "alice" || k.Reason != "tidying up" {
		t.Errorf("bob's room kick: %+v", k)
	}

	// bob comes back (an operator no more), alice makes him one again, and
	// he removes her: she sees a KICK from him and is out of #dev, still on
	// the server.
	bob.Do(client.JoinRoom{Room: "dev"})
	alice.expect("JOIN", "bob!")
	if m := only(t, "NAMES", alice.upTo("NAMES #dev"), "353"); m.Param(3) != "@alice bob" {
		t.Errorf("NAMES after bob's return: %s", m)
	}
	alice.send("MODE #dev +o bob")
	Until(bob, func(o client.RoomOps) bool { return slices.Contains(o.Ops, "bob") })
	bob.Do(client.RoomKick{Room: "dev", User: "alice", Reason: "my turn"})
	if m := alice.expect("KICK", "#dev"); !strings.HasPrefix(m.Prefix, "bob!bob@irc.test") || m.Param(1) != "alice" || m.Param(2) != "my turn" {
		t.Errorf("bob's KICK: %s", m)
	}
	if got := alice.sync("NAMES #dev"); got != "366 PONG" {
		t.Errorf("NAMES #dev after the kick: %s", got)
	}
	if m := only(t, "WHOIS bob", alice.upTo("WHOIS bob"), "319"); m.Param(2) != "#lobby" {
		t.Errorf("WHOIS bob after the kick: %s", m)
	}
}

// OPER logs an IRC user in as a server operator (381, user mode +o): an
// operator of every room, #lobby included, shown '*' in WHO and 313 in
// WHOIS; a wrong pair is 464.
func TestIRCOper(t *testing.T) {
	_, addr := startWith(t, server.Config{Operators: []server.Operator{{Name: "operuser", Password: "operpassword"}}},
		irc.Config{ServerName: "irc.test"})
	ann := register(t, addr, "ann")
	bob := register(t, addr, "bob")
	ann.expect("JOIN", "bob!")
	bob.upTo("JOIN #dev")

	if got := ann.sync("OPER operuser wrong"); got != "464 PONG" {
		t.Errorf("OPER with a wrong password: %s", got)
	}
	got := ann.upTo("OPER operuser operpassword")
	only(t, "OPER", got, "381")
	var modes []string
	for _, m := range got {
		if m.Command == "MODE" {
			modes = append(modes, strings.Join(m.Params, " "))
		}
	}
	if !slices.Contains(modes, "ann +o") || !slices.Contains(modes, "#lobby +o ann") {
		t.Errorf("MODE lines after OPER: %q", modes)
	}
	if m := bob.expect("MODE", "#lobby"); m.Prefix != "irc.test" || strings.Join(m.Params, " ") != "#lobby +o ann" {
		t.Errorf("bob saw %s", m)
	}
	if m := only(t, "MODE ann", ann.upTo("MODE ann"), "221"); m.Param(1) != "+io" {
		t.Errorf("user modes: %s", m)
	}
	if m := only(t, "WHO ann", bob.upTo("WHO ann"), "352"); m.Param(6) != "H*" {
		t.Errorf("WHO of an operator: %s", m)
	}
	if m := only(t, "WHOIS ann", bob.upTo("WHOIS ann"), "319"); m.Param(2) != "@#lobby" {
		t.Errorf("WHOIS channels of an operator: %s", m)
	}
	only(t, "WHOIS ann", bob.upTo("WHOIS ann"), "313")

	// An operator of every room: the lobby's topic, and bob's room.
	ann.send("TOPIC #lobby :from the operator")
	if m := bob.expect("TOPIC", "#lobby"); !strings.HasPrefix(m.Prefix, "ann!") || m.Param(1) != "from the operator" {
		t.Errorf("lobby topic: %s", m)
	}
	if m := only(t, "JOIN #dev", ann.upTo("JOIN #dev"), "353"); m.Param(3) != "@bob @ann" {
		t.Errorf("NAMES #dev: %s", m)
	}
	bob.expect("JOIN", "ann!")
	if m := bob.next(); m.Command != "MODE" || m.Prefix != "irc.test" || strings.Join(m.Params, " ") != "#dev +o ann" {
		t.Errorf("after ann's JOIN: %s", m)
	}
	if got := bob.upTo("WHO #dev"); len(got) != 3 || got[1].Param(6) != "H*@" {
		t.Errorf("WHO #dev: %v", got)
	}
}

// KICK #chan a,b (TARGMAX KICK:4) removes each, and each removal is its own
// KICK line, as RFC 2812 asks; a member left out of the list stays.
func TestIRCKickSeveral(t *testing.T) {
	_, addr := start(t, irc.Config{ServerName: "irc.test"})
	ann := register(t, addr, "ann")
	ann.upTo("JOIN #dev")
	var others []*ircClient
	for _, nick := range []string{"bob", "cat", "dan"} {
		c := register(t, addr, nick)
		c.upTo("JOIN #dev")
		ann.expect("JOIN", nick+"!")
		others = append(others, c)
	}
	ann.send("KICK #dev,#dev bob,cat :bye", "KICK #dev nobody")
	for _, want := range []string{"bob", "cat"} {
		if m := others[2].expect("KICK"); m.Param(0) != "#dev" || m.Param(1) != want || m.Param(2) != "bye" {
			t.Errorf("dan saw %s, want the KICK of %s", m, want)
		}
	}
	if m := ann.expect("401"); m.Param(1) != "nobody" {
		t.Errorf("KICK of nobody: %s", m)
	}
	if m := only(t, "NAMES", ann.upTo("NAMES #dev"), "353"); m.Param(3) != "@ann dan" {
		t.Errorf("NAMES after the kicks: %s", m)
	}
}
