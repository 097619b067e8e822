package server

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// readHistory reads History frames of kind from c (skipping other frames)
// until the last chunk of an answer, and returns their entries.
func readHistory(c *client, kind wire.HistKind) (wire.History, []wire.Entry) {
	c.t.Helper()
	var entries []wire.Entry
	for {
		h := until[wire.History](c)
		if h.Kind != kind {
			c.t.Fatalf("%s: history kind %d, want %d", c.nick, h.Kind, kind)
		}
		entries = append(entries, h.Entries...)
		if h.Flags&wire.ListLast != 0 {
			return h, entries
		}
	}
}

// historyPair starts a server keeping history in a fresh database, with ann
// and bob in the lobby.
func historyPair(t *testing.T) (h *harness, ann, bob *client) {
	cfg := testConfig()
	cfg.History = openStore(t, filepath.Join(t.TempDir(), store.File))
	h = startServer(t, cfg)
	cs := joinAll(t, h.addr, "ann", "bob")
	return h, cs[0], cs[1]
}

func say(c *client, text string) wire.Chat {
	c.t.Helper()
	c.send(wire.Say{Ref: 1, Room: wire.Lobby, Text: text})
	return until[wire.Chat](c)
}

func TestHistoryKeptAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.File)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.History = st
	h := startServer(t, cfg)
	ann := join(t, h.addr, "ann")
	var last uint64
	for i := range 150 {
		last = say(ann, fmt.Sprintf("before restart %d", i)).ID
	}
	h.close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.History = openStore(t, path)
	h = startServer(t, cfg)
	bob := join(t, h.addr, "bob")
	hist, entries := readHistory(bob, wire.HistReplay)
	if hist.Room != wire.Lobby || len(entries) != 100 {
		t.Fatalf("replay: room %q, %d entries", hist.Room, len(entries))
	}
	if entries[99].ID != last || entries[99].Text != "before restart 149" || entries[0].Text != "before restart 50" {
		t.Fatalf("replay runs %d %q … %d %q", entries[0].ID, entries[0].Text, entries[99].ID, entries[99].Text)
	}
	if m := say(bob, "after restart"); m.ID <= last {
		t.Fatalf("id after restart %d, not above %d", m.ID, last)
	}
}

// TestMissedAfterReconnect: a client away while 500 messages are sent asks
// for what it missed and gets exactly those 500, once.
func TestMissedAfterReconnect(t *testing.T) {
	h, ann, bob := historyPair(t)
	seen := say(bob, "hello").ID
	until[wire.Chat](ann)
	bob.nc.Close()
	h.waitCounts(1, 1)
	var want []uint64
	for i := range 500 {
		want = append(want, say(ann, fmt.Sprintf("while away %d", i)).ID)
	}
	bob = join(t, h.addr, "bob")
	_, replay := readHistory(bob, wire.HistReplay)
	if len(replay) != 100 || replay[99].ID != want[499] {
		t.Fatalf("replay: %d entries", len(replay))
	}
	bob.send(wire.Missed{Ref: 7, Room: wire.Lobby, After: seen})
	hm, missed := readHistory(bob, wire.HistMissed)
	if hm.Ref != 7 || hm.Earlier != 0 {
		t.Fatalf("missed answer %+v", hm)
	}
	got := make([]uint64, len(missed))
	for i, e := range missed {
		got[i] = e.ID
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("missed %d entries (%v…), want the 500 sent while away", len(got), got[:min(5, len(got))])
	}
	// Within the replay's reach the hub answers from memory.
	bob.send(wire.Missed{Ref: 8, Room: wire.Lobby, After: want[449]})
	if _, missed = readHistory(bob, wire.HistMissed); len(missed) != 50 || missed[0].ID != want[450] {
		t.Fatalf("missed from memory: %d entries", len(missed))
	}
	// Older pages, back to the first message.
	bob.send(wire.Older{Ref: 9, Room: wire.Lobby, Before: want[0] + 1})
	ho, page := readHistory(bob, wire.HistOlder)
	var kinds []wire.EntryKind
	for _, e := range page {
		kinds = append(kinds, e.Kind)
	}
	// ann and bob joined, bob said hello, bob's connection was lost, ann's first message.
	if ho.Flags&wire.HistMore != 0 || fmt.Sprint(kinds) != "[4 4 1 5 1]" || page[4].ID != want[0] ||
		page[3].From != "bob" || page[3].Text != wire.LeftLost.String() {
		t.Fatalf("older page: flags %d, %+v", ho.Flags, page)
	}
}

func TestSearchScope(t *testing.T) {
	_, ann, bob := historyPair(t)
	say(ann, "오늘 회의는 3시")
	say(ann, "The Meeting moved")
	bob.send(wire.Join{Room: "secret"})
	until[wire.UserList](bob)
	bob.send(wire.Say{Ref: 2, Room: "secret", Text: "secret 회의 meeting"})
	until[wire.Chat](bob)
	bob.send(wire.Private{Ref: 3, To: "ann", Text: "private 회의"})
	until[wire.PrivMsg](bob)
	for _, q := range []struct {
		c    *client
		text string
		want []string
	}{
		{ann, "회의", []string{"private 회의", "오늘 회의는 3시"}},
		{ann, "meeting", []string{"The Meeting moved"}},
		{bob, "MEETING", []string{"secret 회의 meeting", "The Meeting moved"}},
	} {
		q.c.send(wire.Search{Ref: 5, Text: q.text})
		_, res := readHistory(q.c, wire.HistSearch)
		var got []string
		for _, e := range res {
			got = append(got, e.Text)
		}
		if strings.Join(got, "|") != strings.Join(q.want, "|") {
			t.Errorf("%s searching %q: %q, want %q", q.c.nick, q.text, got, q.want)
		}
	}
	ann.send(wire.Search{Ref: 6, Text: "  "})
	if e := until[wire.Error](ann); e.Code != wire.CodeSearchInvalid || e.Ref != 6 {
		t.Fatalf("empty search: %+v", e)
	}
}

// TestHistoryLockedByAnotherServer: a second server on the same database
// runs without history and says so.
func TestHistoryLockedByAnotherServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.File)
	openStore(t, path)
	_, err := store.Open(path, store.Options{})
	if err == nil {
		t.Fatal("second open succeeded")
	}
	cfg := testConfig()
	cfg.HistoryErr = err
	h := startServer(t, cfg)
	e := waitEvent[Error](h)
	if e.Op != "history" || !strings.Contains(e.Err.Error(), "in use by another MultiChat server") {
		t.Fatalf("error event %+v", e)
	}
	cs := joinAll(t, h.addr, "ann", "bob")
	say(cs[0], "still chatting")
	if m := until[wire.Chat](cs[1]); m.Text != "still chatting" {
		t.Fatalf("bob got %q", m.Text)
	}
	cs[1].send(wire.Search{Ref: 1, Text: "chat"})
	if e := until[wire.Error](cs[1]); e.Code != wire.CodeHistoryOff {
		t.Fatalf("search without history: %+v", e)
	}
}

func TestHistoryStatusEvents(t *testing.T) {
	cfg := testConfig()
	st := openStore(t, filepath.Join(t.TempDir(), store.File))
	cfg.History = st
	h := startServer(t, cfg)
	if s := waitEvent[HistoryStatus](h); s.Path != st.Path() || s.Err != nil || s.Size <= 0 {
		t.Fatalf("status %+v", s)
	}
	_ = time.Second
}
