package server

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// TestLeavingWords: the words of a Part and a Quit reach the others in Left,
// on one line; words the server would refuse as a message, and the words of
// a muted user, are left out. A notice keeps its mark through the hub.
func TestLeavingWords(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	alice, bob, carol := cs[0], cs[1], cs[2]

	bob.send(wire.Say{Ref: 1, Room: wire.Lobby, Text: "build passed", Notice: true})
	if m := until[wire.Chat](alice); !m.Notice || m.Text != "build passed" {
		t.Fatalf("alice got %+v", m)
	}
	bob.send(wire.Private{Ref: 2, To: "alice", Text: "fyi", Notice: true})
	if m := until[wire.PrivMsg](alice); !m.Notice || m.Text != "fyi" {
		t.Fatalf("alice got %+v", m)
	}

	for _, c := range cs { // one after another: each is in dev before the next asks
		c.send(wire.Join{Room: "dev"})
		for ul := until[wire.UserList](c); ul.Room != "dev"; ul = until[wire.UserList](c) {
		}
	}
	for _, tc := range []struct{ words, want string }{
		{"off to\nlunch  ", "off to lunch"},
		{"bell\a", ""},
		{strings.Repeat("x", maxLeavingWords+1), ""},
	} {
		bob.send(wire.Part{Room: "dev", Reason: tc.words})
		l := until[wire.Left](alice)
		if l.User != "bob" || l.Reason != wire.LeftParted || l.Text != tc.want {
			t.Errorf("part with %q: alice got %+v, want the words %q", tc.words, l, tc.want)
		}
		if l := until[wire.Left](bob); l.Text != "" { // the leaver's own Left carries none
			t.Errorf("bob's own Left: %+v", l)
		}
		bob.send(wire.Join{Room: "dev"})
	}

	h.send(Mute{Nick: "carol", Reason: "spam"})
	until[wire.Restriction](carol)
	carol.send(wire.Part{Room: "dev", Reason: "buy my stuff"})
	if l := until[wire.Left](alice); l.User != "carol" || l.Text != "" {
		t.Errorf("a muted user's part: alice got %+v", l)
	}

	bob.send(wire.Quit{Reason: "see you"})
	for range 2 { // the lobby and dev
		if l := until[wire.Left](alice); l.User != "bob" || l.Reason != wire.LeftQuit || l.Text != "see you" {
			t.Errorf("bob's quit: alice got %+v", l)
		}
	}
}
