package server

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// joinAs connects from nick's own device (deviceFor(device)) under the
// nickname nick and reads the welcome and the lobby's list.
func joinAs(t *testing.T, addr, device, nick string) *client {
	t.Helper()
	c := dial(t, addr)
	c.dev = deviceFor(device)
	if w, ok := c.hello(nick).(wire.Welcome); !ok || w.Nick != nick {
		t.Fatalf("%s: no welcome", nick)
	}
	c.list = c.readList(wire.Lobby)
	return c
}

func texts(es []wire.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

// TestPrivateKeptWhileAway: a private message to a user the server knows
// but who is offline is kept, across a restart, the sender is told, and the
// recipient's device gets it, once, when it next connects.
func TestPrivateKeptWhileAway(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.File)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.History = st
	h := startServer(t, cfg)
	joinAll(t, h.addr, "ann", "bob") // the server sees bob's device
	h.close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.History = openStore(t, path)
	h = startServer(t, cfg)
	ann := join(t, h.addr, "ann")
	readHistory(ann, wire.HistReplay)
	var want []uint64
	for i := range 3 {
		ann.send(wire.Private{Ref: uint32(10 + i), To: "BOB", Text: fmt.Sprintf("while you were away %d", i)})
		pm := expect[wire.PrivMsg](ann)
		q := expect[wire.Queued](ann)
		if pm.To != "bob" || pm.From != "ann" || q.ID != pm.ID || q.Ref != uint32(10+i) || q.To != "bob" {
			t.Fatalf("echo %+v, queued %+v", pm, q)
		}
		want = append(want, pm.ID)
	}
	ann.send(wire.Private{Ref: 20, To: "nobody", Text: "hello?"})
	if e := expect[wire.Error](ann); e.Code != wire.CodeNoSuchUser || e.Ref != 20 {
		t.Fatalf("private to an unknown user: %+v", e)
	}
	// A muted sender's message is not kept for later either.
	h.send(Mute{Nick: "ann", Reason: "spam"})
	if r := until[wire.Restriction](ann); !r.On {
		t.Fatalf("mute: %+v", r)
	}
	ann.send(wire.Private{Ref: 21, To: "bob", Text: "kept while muted?"})
	if e := until[wire.Error](ann); e.Code != wire.CodeMuted || e.Ref != 21 {
		t.Fatalf("private to an offline user while muted: %+v", e)
	}
	h.send(Unmute{Nick: "ann"})
	if r := until[wire.Restriction](ann); r.On {
		t.Fatalf("unmute: %+v", r)
	}

	bob := join(t, h.addr, "bob")
	readHistory(bob, wire.HistReplay)
	ha, away := readHistory(bob, wire.HistAway)
	var got []uint64
	for _, e := range away {
		got = append(got, e.ID)
		if e.Kind != wire.EntryPrivate || e.From != "ann" || e.To != "bob" {
			t.Fatalf("away entry %+v", e)
		}
	}
	if ha.Ref != 0 || ha.Earlier != 0 || !slices.Equal(got, want) || away[0].Text != "while you were away 0" {
		t.Fatalf("away: %+v, ids %v, want %v", ha, got, want)
	}
	// Delivered once: the next connection of bob's device gets nothing.
	bob.nc.Close()
	h.waitCounts(1, 1)
	bob = join(t, h.addr, "bob")
	readHistory(bob, wire.HistReplay)
	for _, m := range bob.sync() {
		if hm, ok := m.(wire.History); ok && hm.Kind == wire.HistAway {
			t.Fatalf("delivered twice: %+v", hm)
		}
	}
	// Online again: live, not kept.
	ann.send(wire.Private{Ref: 30, To: "bob", Text: "live"})
	if m := until[wire.PrivMsg](bob); m.Text != "live" {
		t.Fatalf("bob got %+v", m)
	}
	for _, m := range ann.sync() {
		if q, ok := m.(wire.Queued); ok {
			t.Fatalf("a message to an online user was kept: %+v", q)
		}
	}
}

// TestPrivateHistoryFollowsTheDevice: whoever takes a nickname later sees
// none of its earlier holder's private history; the earlier holder's device
// sees all of it, under another nickname.
func TestPrivateHistoryFollowsTheDevice(t *testing.T) {
	cfg := testConfig()
	cfg.History = openStore(t, filepath.Join(t.TempDir(), store.File))
	cfg.NickGrace = time.Nanosecond // the nickname is free as soon as its holder leaves
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "ann", "bob")
	ann, bob := cs[0], cs[1]
	readHistory(bob, wire.HistReplay) // ann's was read by joinAll
	ann.send(wire.Private{Ref: 1, To: "bob", Text: "secret plan"})
	until[wire.PrivMsg](bob)
	bob.send(wire.Private{Ref: 2, To: "ann", Text: "secret reply"})
	until[wire.PrivMsg](ann)
	bob.nc.Close()
	h.waitCounts(1, 1)

	// Eve, on a device of her own, takes the nickname.
	eve := joinAs(t, h.addr, "eve", "bob")
	readHistory(eve, wire.HistReplay)
	eve.send(wire.Missed{Ref: 3, After: 0})
	if _, es := readHistory(eve, wire.HistMissed); len(es) != 0 {
		t.Fatalf("the new holder of the nickname got its private history: %q", texts(es))
	}
	eve.send(wire.Older{Ref: 4, Peer: "ann"})
	if _, es := readHistory(eve, wire.HistOlder); len(es) != 0 {
		t.Fatalf("older, to the new holder: %q", texts(es))
	}
	eve.send(wire.Search{Ref: 5, Text: "secret"})
	if _, es := readHistory(eve, wire.HistSearch); len(es) != 0 {
		t.Fatalf("search, by the new holder: %q", texts(es))
	}
	// Ann's conversation with "bob" is now with eve's device: empty.
	ann.send(wire.Older{Ref: 6, Peer: "bob"})
	if _, es := readHistory(ann, wire.HistOlder); len(es) != 0 {
		t.Fatalf("ann's conversation with the new bob: %q", texts(es))
	}
	// Bob's device, now as robert, has all of it.
	robert := joinAs(t, h.addr, "bob", "robert")
	readHistory(robert, wire.HistReplay)
	robert.send(wire.Missed{Ref: 7, After: 0})
	if _, es := readHistory(robert, wire.HistMissed); fmt.Sprint(texts(es)) != "[secret plan secret reply]" {
		t.Fatalf("bob's device's private history: %q", texts(es))
	}
	robert.send(wire.Older{Ref: 8, Peer: "ann"})
	if _, es := readHistory(robert, wire.HistOlder); len(es) != 2 {
		t.Fatalf("bob's device's conversation with ann: %q", texts(es))
	}
	robert.send(wire.Search{Ref: 9, Text: "secret"})
	if _, es := readHistory(robert, wire.HistSearch); len(es) != 2 {
		t.Fatalf("bob's device searching: %q", texts(es))
	}
	// Eve left: a message to "bob" waits for eve's device, not bob's.
	eve.nc.Close()
	h.waitCounts(2, 2)
	ann.send(wire.Private{Ref: 10, To: "bob", Text: "for whoever is bob now"})
	until[wire.Queued](ann)
	eve = joinAs(t, h.addr, "eve", "eve")
	readHistory(eve, wire.HistReplay)
	if _, es := readHistory(eve, wire.HistAway); fmt.Sprint(texts(es)) != "[for whoever is bob now]" {
		t.Fatalf("eve's device: %q", texts(es))
	}
	if got := robert.sync(); slices.ContainsFunc(got, func(m wire.Message) bool {
		hm, ok := m.(wire.History)
		return ok && hm.Kind == wire.HistAway
	}) {
		t.Fatalf("bob's device got a message sent after it gave up the nickname")
	}
}

// TestAwayBounded: at most MaxAway messages wait for one user; then the
// sender is told, and nothing is kept.
func TestAwayBounded(t *testing.T) {
	cfg := testConfig()
	cfg.History = openStore(t, filepath.Join(t.TempDir(), store.File))
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "ann", "bob")
	cs[1].nc.Close()
	h.waitCounts(1, 1)
	ann := cs[0]
	for i := range MaxAway {
		ann.send(wire.Private{Ref: uint32(i + 1), To: "bob", Text: "x"})
	}
	for range MaxAway {
		until[wire.Queued](ann)
	}
	ann.send(wire.Private{Ref: 5000, To: "bob", Text: "one too many"})
	if e := until[wire.Error](ann); e.Code != wire.CodeAwayFull || e.Ref != 5000 {
		t.Fatalf("over the bound: %+v", e)
	}
	bob := join(t, h.addr, "bob")
	readHistory(bob, wire.HistReplay)
	ha, es := readHistory(bob, wire.HistAway)
	if len(es) != MaxMissed || ha.Earlier != 0 || es[len(es)-1].Text != "x" {
		t.Fatalf("away: %d entries, earlier %d", len(es), ha.Earlier)
	}
}
