package irc_test

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/client"
	. "github.com/multichat/multichat/net/gateway/gatewaytest"
	"github.com/multichat/multichat/net/gateway/irc"
)

// The server name the administrator gives is the source of every reply and
// the server in 004, PONG, WHO and WHOIS (irctest expects its own,
// My.Little.Server).
func TestIRCServerName(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "My.Little.Server"})
	Connect(t, ts.Addr, "nat")
	ann := dialIRC(t, addr)
	ann.send("NICK ann", "USER ann 0 * :Ann")
	if m := ann.expect("001"); m.Prefix != "My.Little.Server" {
		t.Errorf("001: %s", m)
	}
	if m := ann.expect("004"); m.Prefix != "My.Little.Server" || m.Param(1) != "My.Little.Server" {
		t.Errorf("004: %s", m)
	}
	ann.expect("376")
	ann.send("PING :abcdef")
	if m := ann.expect("PONG"); m.Prefix != "My.Little.Server" || m.Param(0) != "My.Little.Server" || m.Param(1) != "abcdef" {
		t.Errorf("PONG: %s", m)
	}
	ann.send("WHO nat")
	if m := ann.expect("352"); m.Prefix != "My.Little.Server" || m.Param(3) != "My.Little.Server" || m.Param(4) != "My.Little.Server" {
		t.Errorf("WHO: %s", m)
	}
	ann.send("WHOIS nat")
	if m := ann.expect("312"); m.Param(2) != "My.Little.Server" {
		t.Errorf("WHOIS: %s", m)
	}
	ann.send("FROB")
	if m := ann.expect("421"); m.Prefix != "My.Little.Server" {
		t.Errorf("421: %s", m)
	}
}

func TestCheckServerName(t *testing.T) {
	for name, ok := range map[string]bool{
		"My.Little.Server": true, "irc.example.org": true, "laptop": true, "host-1": true,
		"": false, "a b": false, "-x": false, "x.": false, ".x": false, "x:y": false, "ü.de": false,
		strings.Repeat("a", 63): true, strings.Repeat("a", 64): false,
	} {
		if err := irc.CheckServerName(name); (err == nil) != ok {
			t.Errorf("CheckServerName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

// An IRC user's user name and real name (from USER) are what other IRC
// users see in WHO, WHOIS, USERHOST and message prefixes; a MultiChat user
// is shown honestly: nickname as user name, "MultiChat client" as real name.
func TestIRCIdentsOfOthers(t *testing.T) {
	ts, addr := start(t, irc.Config{ServerName: "irc.test"})
	nat := Connect(t, ts.Addr, "nat")
	ann := dialIRC(t, addr)
	ann.send("NICK ann", "USER annu 0 * :Ann Smith")
	ann.expect("376")
	bob := dialIRC(t, addr)
	bob.send("NICK bob", "USER bobu 0 * :Bob Jones")
	bob.expect("376")
	if m := ann.expect("JOIN", "#lobby"); m.Prefix != "bob!bobu@irc.test" {
		t.Errorf("bob's JOIN: %s", m)
	}

	bob.send("WHO ann")
	if m := bob.expect("352"); m.Param(2) != "annu" || m.Param(3) != "irc.test" || m.Param(5) != "ann" || m.Param(7) != "0 Ann Smith" {
		t.Errorf("WHO ann: %s", m)
	}
	bob.send("WHO #lobby")
	for range 3 {
		m := bob.expect("352")
		want := map[string]string{"ann": "annu 0 Ann Smith", "bob": "bobu 0 Bob Jones", "nat": "nat 0 MultiChat client"}[m.Param(5)]
		if got := m.Param(2) + " " + m.Param(7); got != want {
			t.Errorf("WHO #lobby, %s: %q, want %q", m.Param(5), got, want)
		}
	}
	bob.expect("315")
	bob.send("WHOIS ann")
	if m := bob.expect("311"); m.Param(1) != "ann" || m.Param(2) != "annu" || m.Param(4) != "*" || m.Param(5) != "Ann Smith" {
		t.Errorf("WHOIS ann: %s", m)
	}
	bob.expect("318")
	bob.send("WHOIS nat")
	if m := bob.expect("311"); m.Param(2) != "nat" || m.Param(5) != "MultiChat client" {
		t.Errorf("WHOIS nat: %s", m)
	}
	bob.expect("318")
	bob.send("USERHOST ann nat")
	if m := bob.expect("302"); m.Param(1) != "ann=+annu@irc.test nat=+nat@irc.test" {
		t.Errorf("USERHOST: %s", m)
	}

	// Prefixes: a short message (written straight from the hub's frame), a
	// long one (as long as ann may send, which with her prefix needs two
	// lines) and a private one.
	long := strings.Repeat("long ", 98) + "done"
	ann.send("PRIVMSG #lobby :short", "PRIVMSG #lobby :"+long, "PRIVMSG bob :private")
	for _, want := range []string{"short", "long", "private"} {
		if m := bob.expect("PRIVMSG", want); m.Prefix != "ann!annu@irc.test" {
			t.Errorf("%s message from ann: prefix %q", want, m.Prefix)
		}
	}
	nat.Do(client.Say{ID: 1, Text: "from nat"})
	if m := bob.expect("PRIVMSG", "from nat"); m.Prefix != "nat!nat@irc.test" {
		t.Errorf("nat's message: prefix %q", m.Prefix)
	}

	// Once ann is gone, nobody answers to her name.
	ann.send("QUIT :bye")
	ann.expectEOF()
	bob.expect("QUIT", "bye")
	bob.send("WHOIS ann")
	bob.expect("401", "ann")
}
