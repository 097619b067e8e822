package server

import (
	"strings"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// TestAwayBroadcastAndToNewcomers: set-away reaches every member, a repeat
// is not forwarded, a newcomer learns who is away after its list, and back
// clears it.
func TestAwayBroadcastAndToNewcomers(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "민수")
	alice, minsu := cs[0], cs[1]

	alice.send(wire.SetAway{Away: true, Text: "점심"})
	for _, c := range cs {
		if a := until[wire.Away](c); a.User != "alice" || !a.Away || a.Text != "점심" {
			t.Fatalf("%s: %+v", c.nick, a)
		}
	}
	alice.send(wire.SetAway{Away: true, Text: "점심"}) // nothing changes: not forwarded
	for _, m := range minsu.sync() {
		if _, ok := m.(wire.Away); ok {
			t.Fatalf("a repeated set-away was forwarded: %+v", m)
		}
	}
	ev := waitEvent[AwayChanged](h)
	if ev.Nick != "alice" || !ev.Away || ev.Text != "점심" {
		t.Fatalf("event %+v", ev)
	}

	carol := join(t, h.addr, "carol")
	if a := expect[wire.Away](carol); a.User != "alice" || !a.Away || a.Text != "점심" {
		t.Fatalf("newcomer: %+v", a)
	}
	alice.send(wire.SetAway{Away: false, Text: "ignored when back"})
	if a := until[wire.Away](carol); a.User != "alice" || a.Away || a.Text != "" {
		t.Fatalf("back: %+v", a)
	}

	alice.send(wire.SetAway{Away: true, Text: strings.Repeat("가", wire.MaxAwayText+1)})
	if e := until[wire.Error](alice); e.Code != wire.CodeAwayText {
		t.Fatalf("long away text: %+v", e)
	}
}

// TestTypingForwardedAtMostOncePer3s: the server forwards one typing notice
// per user per wire.TypingEvery, to the room's other members or to the
// private chat's other party, and drops the rest.
func TestTypingForwardedAtMostOncePer3s(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	alice, bob, carol := cs[0], cs[1], cs[2]

	for range 20 {
		alice.send(wire.Typing{Room: wire.Lobby})
	}
	alice.send(wire.Say{Ref: 1, Room: wire.Lobby, Text: "fence"})
	for _, c := range []*client{bob, carol} {
		var notices int
		for {
			m := c.next()
			if n, ok := m.(wire.TypingNotice); ok {
				if n.From != "alice" || n.Room != wire.Lobby || n.To != "" {
					t.Fatalf("%s: notice %+v", c.nick, n)
				}
				notices++
			}
			if ch, ok := m.(wire.Chat); ok && ch.Text == "fence" {
				break
			}
		}
		if notices != 1 {
			t.Fatalf("%s got %d typing notices for 20 typing frames within 3 s, want 1", c.nick, notices)
		}
	}
	for _, m := range alice.sync() {
		if _, ok := m.(wire.TypingNotice); ok {
			t.Fatal("the typist was told of its own typing")
		}
	}

	// A private chat: only the other party hears it.
	bob.send(wire.Typing{To: "CAROL"})
	if n := until[wire.TypingNotice](carol); n.From != "bob" || n.To != "carol" || n.Room != "" {
		t.Fatalf("private notice %+v", n)
	}
	for _, m := range alice.sync() {
		if _, ok := m.(wire.TypingNotice); ok {
			t.Fatal("a private typing notice reached a third user")
		}
	}

	// A room carol is not in: an error, under the same limit.
	carol.send(wire.Typing{Room: "nowhere"})
	if e := until[wire.Error](carol); e.Code != wire.CodeTypingTarget {
		t.Fatalf("typing in no room: %+v", e)
	}
}

// TestAwayListFollowsLeaves: a newcomer hears of exactly the members away
// now, whoever went away and came back or left the server in between (the
// hub keeps those away in a list of their own; see listAway).
func TestAwayListFollowsLeaves(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := cs[0], cs[1], cs[2], cs[3]
	for _, c := range []*client{alice, bob, carol, dave} {
		c.send(wire.SetAway{Away: true, Text: c.nick + " is out"})
	}
	alice.send(wire.Quit{})
	if l := until[wire.Left](bob); l.User != "alice" {
		t.Fatalf("bob was told %+v", l)
	}
	carol.send(wire.SetAway{Away: false})
	for {
		if a := until[wire.Away](bob); a.User == "carol" && !a.Away {
			break
		}
	}
	erin := join(t, h.addr, "erin")
	var away []string
	for _, m := range erin.sync() {
		if a, ok := m.(wire.Away); ok {
			if !a.Away || a.Text != a.User+" is out" {
				t.Fatalf("newcomer: %+v", a)
			}
			away = append(away, a.User)
		}
	}
	if !equalSet(away, []string{"bob", "dave"}) {
		t.Fatalf("the newcomer was told %v are away, want bob and dave", away)
	}
	h.inspect(func(h *hub) {
		for i, c := range h.away {
			if c.presence.awayAt != i || !c.presence.away {
				t.Errorf("away list entry %d: %s at %d, away %v", i, c.nick, c.presence.awayAt, c.presence.away)
			}
		}
	})
}
