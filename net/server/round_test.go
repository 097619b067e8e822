package server

import (
	"slices"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// checkOuts asserts that every room's outs stays parallel to its members
// (broadcast stages to outs): the member's outbox, or nil for a member of
// another server.
func checkOuts(t *testing.T, hb *hub) (remote int) {
	t.Helper()
	for _, r := range hb.rooms {
		if len(r.outs) != len(r.members) {
			t.Fatalf("room %s: %d outboxes for %d members", r.name, len(r.outs), len(r.members))
		}
		for i, m := range r.members {
			want := m.out
			if m.peer != nil {
				want = nil
				remote++
			}
			if r.outs[i] != want {
				t.Fatalf("room %s: slot %d (%s) holds the wrong outbox", r.name, i, m.nick)
			}
		}
	}
	return remote
}

// chatsIn returns the texts of the Chat frames of room among ms.
func chatsIn(ms []wire.Message, room string) []string {
	var texts []string
	for _, m := range ms {
		if c, ok := m.(wire.Chat); ok && c.Room == room {
			texts = append(texts, c.Text)
		}
	}
	return texts
}

// A room's message reaches exactly its members, in order, through joins,
// parts and quits (a leaver's slot is taken by the last member, whose
// outbox must move with it).
func TestBroadcastFollowsMembers(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "ann", "ben", "cat", "dan", "eve")
	for _, c := range cs {
		c.send(wire.Join{Room: "dev"})
		c.sync()
	}
	for _, c := range cs {
		c.sync()
	}
	h.inspect(func(hb *hub) { checkOuts(t, hb) })

	cs[1].send(wire.Part{Room: "dev"})   // ben: eve takes his slot
	cs[0].send(wire.Quit{Reason: "bye"}) // ann: dan takes her slot
	cs[0].closed()
	h.waitCounts(4, 4)
	h.inspect(func(hb *hub) { checkOuts(t, hb) })

	cs[2].send(wire.Say{Room: "dev", Text: "one"}, wire.Say{Room: "dev", Text: "two"})
	cs[3].send(wire.Say{Room: "dev", Text: "three"})
	cs[2].sync()
	cs[3].sync()
	for _, c := range cs[1:] {
		got := chatsIn(c.sync(), "dev")
		if c.nick == "ben" {
			if len(got) != 0 {
				t.Fatalf("ben left dev but got %q", got)
			}
			continue
		}
		if c.nick != "eve" {
			continue // cat and dan read theirs in their syncs above
		}
		if len(got) != 3 || slices.Index(got, "one") > slices.Index(got, "two") || !slices.Contains(got, "three") {
			t.Fatalf("%s: dev chats %q, want one before two, and three", c.nick, got)
		}
	}
}

// Members of another server have no outbox here: broadcast skips their
// slots, and the members of this server still get the room's messages.
func TestBroadcastSkipsRemoteMembers(t *testing.T) {
	ms := startCluster(t, 2)
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	carol := join(t, ms[0].addr, "carol")
	alice.seeUsers(wire.Lobby, "alice", "bob", "carol")
	ms[0].inspect(func(hb *hub) {
		if n := checkOuts(t, hb); n != 1 {
			t.Fatalf("%d remote slots, want 1 (bob)", n)
		}
	})
	bob.send(wire.Say{Room: wire.Lobby, Text: "from bob"})
	alice.send(wire.Say{Room: wire.Lobby, Text: "from alice"})
	for _, c := range []*client{alice, carol} {
		var got []string
		for len(got) < 2 {
			if m, ok := c.next().(wire.Chat); ok {
				got = append(got, m.Text)
			}
		}
		if !(got[0] == "from bob" && got[1] == "from alice" || got[0] == "from alice" && got[1] == "from bob") {
			t.Fatalf("%s: got %q", c.nick, got)
		}
	}
}
