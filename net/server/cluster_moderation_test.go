package server

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// TestClusterBanMute: a mute from one server's window silences a user on
// another, wherever they reconnect, and its unmute from a third lifts it; a
// ban from one server removes a user of another, keeps them out of every
// server (and server 1's database has it), and its unban from another
// server lets them back everywhere.
func TestClusterBanMute(t *testing.T) {
	dir := t.TempDir()
	stores := make([]*store.Store, 3)
	ms := startCluster(t, 3, func(i int, cfg *Config) {
		stores[i] = openStore(t, filepath.Join(dir, fmt.Sprintf("s%d.db", i)))
		cfg.Moderation = stores[i]
	})
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	carol := join(t, ms[2].addr, "carol")
	for _, c := range []*client{alice, bob, carol} {
		c.seeUsers(wire.Lobby, "alice", "bob", "carol")
	}

	// Muted from server 0, bob (on server 1) is told and refused.
	ms[0].send(Mute{Nick: "bob", Reason: "spam"})
	if r := until[wire.Restriction](bob); r.Kind != wire.RestrictMute || !r.On || r.Reason != "spam" {
		t.Fatalf("bob: %+v, want muted", r)
	}
	bob.send(wire.Say{Ref: 3, Room: wire.Lobby, Text: "hello?"})
	if e := until[wire.Error](bob); e.Code != wire.CodeMuted || e.Ref != 3 {
		t.Fatalf("bob's say while muted: %+v", e)
	}
	// The mute follows him to server 2.
	bob.send(wire.Quit{})
	bob.closed()
	bob = join(t, ms[2].addr, "bob")
	if r := until[wire.Restriction](bob); r.Kind != wire.RestrictMute || !r.On {
		t.Fatalf("bob on server 2: %+v, want muted", r)
	}
	// Unmuted from server 1 (where he is not), he may speak on server 2.
	ms[1].send(Unmute{Nick: "bob"})
	if r := until[wire.Restriction](bob); r.Kind != wire.RestrictMute || r.On {
		t.Fatalf("bob: %+v, want unmuted", r)
	}
	bob.send(wire.Say{Ref: 4, Room: wire.Lobby, Text: "free"})
	if m := until[wire.Chat](alice); m.From != "bob" || m.Text != "free" {
		t.Fatalf("alice got %+v, want bob's message", m)
	}

	// Banned from server 0, carol (on server 2) is removed…
	ms[0].send(Ban{Nick: "carol", Reason: "trolling"})
	if k := until[wire.Kicked](carol); k.Reason == "" {
		t.Fatalf("carol: %+v", k)
	}
	carol.closed()
	if r := until[wire.Removed](alice); r.User != "carol" {
		t.Fatalf("alice: %+v, want carol removed", r)
	}
	// …every server lists the ban, server 1 keeps it in its database…
	var banID int64
	ms[1].waitFor(0, func(e Event) bool {
		b, ok := e.(Bans)
		if ok && len(b.List) == 1 && b.List[0].Name == "carol" && b.List[0].Reason == "trolling" {
			banID = b.List[0].ID
			return true
		}
		return false
	}, "carol's ban on server 1")
	ms[1].waitFor(0, func(e Event) bool { a, ok := e.(Audited); return ok && a.Entry.Action == "ban" }, "the ban audited on server 1")
	saved, err := stores[1].Bans(context.Background(), 0)
	if err != nil || len(saved) != 1 || saved[0].Name != "carol" || len(saved[0].Device) != 32 {
		t.Fatalf("server 1's database: %+v, %v; want carol's device banned", saved, err)
	}
	// …and she is kept out of every server.
	for _, m := range ms {
		c := dial(t, m.addr)
		c.dev = deviceFor("carol")
		if r, ok := c.hello("carol").(wire.Refused); !ok || r.Code != wire.RefuseBanned || r.Text != "trolling" {
			t.Fatalf("carol on %s: %+v, want banned", m.node.ID(), r)
		}
	}

	// Unbanned from server 1, she comes back on server 0.
	ms[1].send(Unban{ID: banID})
	ms[0].waitFor(0, func(e Event) bool { b, ok := e.(Bans); return ok && len(b.List) == 0 }, "no ban on server 0")
	carol = join(t, ms[0].addr, "carol")
	carol.seeUsers(wire.Lobby, "alice", "bob", "carol")
}

// TestClusterModerationCatchUp: a server that missed a ban and an unban of
// another (it was down) catches up from that server's snapshot.
func TestClusterModerationCatchUp(t *testing.T) {
	ms := startCluster(t, 2)
	ms[0].send(Ban{Nick: "mallory", Reason: "spam"})
	banned := func(names ...string) func(Event) bool {
		return func(e Event) bool {
			b, ok := e.(Bans)
			if !ok || len(b.List) != len(names) {
				return false
			}
			for i, n := range names {
				if b.List[i].Name != n {
					return false
				}
			}
			return true
		}
	}
	_, i := ms[1].waitFor(0, banned("mallory"), "mallory's ban on server 1")
	s0 := ms[0].node.ID()
	ms[1].inspect(func(h *hub) {
		p := h.cl.peers[s0]
		// Server 1 missed mallory's ban, and the unban of trent.
		for id, b := range h.mod.bans {
			if b.info.Name == "mallory" {
				delete(h.mod.bans, id)
			}
		}
		b := &ban{info: BanInfo{ID: h.mod.lastBan + 1, Name: "trent", Nick: "trent", Reason: "old", Created: time.Now(),
			By: remoteBy(p)}, keys: wire.SkeletonKeys("trent")}
		h.mod.lastBan = b.info.ID
		h.mod.bans[b.info.ID] = b
		h.mod.reindex()
		h.emitBans()
		h.cl.node.WantSnapshot(s0)
	})
	_, j := ms[1].waitFor(i+1, banned("trent"), "the missed state on server 1")
	ms[1].waitFor(j+1, banned("mallory"), "mallory banned again and trent unbanned on server 1")
}
