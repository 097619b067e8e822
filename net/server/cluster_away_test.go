package server

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// awayEntries reads c's frames until the private messages kept for it
// while it was away, and returns them (skipping the replays before).
func awayEntries(c *client) []wire.Entry {
	c.t.Helper()
	var entries []wire.Entry
	for {
		h := until[wire.History](c)
		if h.Kind != wire.HistAway {
			continue
		}
		entries = append(entries, h.Entries...)
		if h.Flags&wire.ListLast != 0 {
			return entries
		}
	}
}

// TestClusterAwayPrivate: a private message to someone offline, kept by the
// sender's server, reaches them on the server they come back to, which
// they had never used; and it is handed over once, not again on the
// sender's server.
func TestClusterAwayPrivate(t *testing.T) {
	dir := t.TempDir()
	ms := startCluster(t, 3, func(i int, cfg *Config) {
		cfg.History = openStore(t, filepath.Join(dir, fmt.Sprintf("s%d.db", i)))
	})
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	alice.seeUsers(wire.Lobby, "alice", "bob")
	bob.send(wire.Quit{})
	bob.closed()
	alice.seeUsers(wire.Lobby, "alice")
	left := func(e Event) bool { l, ok := e.(UserLeft); return ok && l.Nick == "bob" }
	_, i := ms[0].waitFor(0, left, "bob gone on server 0")

	alice.send(wire.Private{Ref: 9, To: "bob", Text: "점심 먹었어?"})
	if q := until[wire.Queued](alice); q.Ref != 9 || q.To != "bob" {
		t.Fatalf("alice: %+v, want the message kept for bob", q)
	}
	// Server 2 has its copy once it has seen the message (it reports
	// nothing for it): alice's next chat message comes after it.
	alice.send(wire.Say{Ref: 10, Room: wire.Lobby, Text: "marker"})
	ms[2].waitFor(0, func(e Event) bool { m, ok := e.(Message); return ok && m.Text == "marker" }, "the marker on server 2")

	bob = join(t, ms[2].addr, "bob")
	got := awayEntries(bob)
	if len(got) != 1 || got[0].From != "alice" || got[0].Text != "점심 먹었어?" {
		t.Fatalf("bob on server 2 got %+v, want alice's message", got)
	}
	// Server 0 hears that it was handed over before it hears bob leave.
	bob.send(wire.Quit{})
	bob.closed()
	ms[0].waitFor(i+1, left, "bob gone again on server 0")
	party := hex.EncodeToString(deviceFor("bob").Pub[:])
	ms[0].inspect(func(h *hub) {
		if n := h.waiting[party]; n != 0 {
			t.Errorf("server 0 still keeps %d messages for bob", n)
		}
	})
}
