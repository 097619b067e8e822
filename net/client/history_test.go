package client

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

func historyServer(t *testing.T) *server.TestServer {
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := noFlood
	cfg.History = st
	s := startServer(t, cfg)
	t.Cleanup(func() { s.Close(); st.Close() })
	return s
}

// TestMissedWhileCutOff: a client cut off while 500 messages are sent gets,
// when it comes back, exactly those 500, once, in order, and none of those
// it had seen.
func TestMissedWhileCutOff(t *testing.T) {
	s := historyServer(t)
	p := newProxy(t, s.Addr)
	ann := join(t, s, "ann")
	bob := startClient(t, WithBackoff(20*time.Millisecond, 50*time.Millisecond))
	bob.do(Connect{Addr: p.addr, Nick: "bob"})
	waitFor[Connected](bob)
	ann.do(Say{ID: 1, Text: "seen before"})
	waitMsg(bob, func(m Message) bool { return m.Text == "seen before" })

	p.cut()
	waitFor[Disconnected](bob)
	const n = 500
	for i := range n {
		ann.do(Say{ID: uint64(10 + i), Text: fmt.Sprintf("while away %d", i)})
	}
	waitMsg(ann, func(m Message) bool { return m.Mine && m.ID == 10+n-1 })
	p.restore()
	if c, _ := waitFor[Connected](bob); !c.Rejoin {
		t.Fatalf("connected %#v", c)
	}
	ann.do(Say{ID: 2, Text: "after"})

	count := map[string]int{}
	var order []string
	deadline := time.After(waitLimit)
	for count["after"] == 0 {
		var msgs []Message
		select {
		case ev := <-bob.events:
			switch ev := ev.(type) {
			case Missed:
				msgs = ev.Messages
			case Replay:
				t.Fatalf("a rejoin got a replay of %d", len(ev.Messages))
			case Message:
				msgs = []Message{ev}
			}
		case <-deadline:
			t.Fatalf("got %d messages, no \"after\"", len(order))
		}
		for _, m := range msgs {
			count[m.Text]++
			order = append(order, m.Text)
		}
	}
	if count["seen before"] != 0 {
		t.Fatal("a message seen before the cut came again")
	}
	if len(order) != n+1 {
		t.Fatalf("got %d messages, want %d", len(order), n+1)
	}
	for i := range n {
		if order[i] != fmt.Sprintf("while away %d", i) {
			t.Fatalf("message %d is %q", i, order[i])
		}
	}
}

func TestHistoryReplayPagesSearch(t *testing.T) {
	s := historyServer(t)
	ann := join(t, s, "ann")
	for i := range 120 {
		ann.do(Say{ID: uint64(i + 1), Text: fmt.Sprintf("오늘 회의 %d", i)})
	}
	waitMsg(ann, func(m Message) bool { return m.Mine && m.ID == 120 })
	bob := startClient(t)
	bob.do(Connect{Addr: s.Addr, Nick: "bob"})
	r, _ := waitFor[Replay](bob)
	if len(r.Messages) != 100 || !r.Messages[0].History || r.Messages[99].Text != "오늘 회의 119" {
		t.Fatalf("replay of %d, last %q", len(r.Messages), r.Messages[len(r.Messages)-1].Text)
	}
	bob.do(LoadOlder{Before: r.Messages[0].MsgID})
	pg, _ := waitFor[HistoryPage](bob)
	// ann's join, then the 20 messages before the replay.
	if pg.Err != nil || len(pg.Messages) != 21 || pg.More || pg.Messages[0].Kind != wire.EntryJoined ||
		pg.Messages[20].Text != "오늘 회의 19" {
		t.Fatalf("page: err %v, %d messages, more %v", pg.Err, len(pg.Messages), pg.More)
	}
	bob.do(Search{Text: "회의 11"})
	sr, _ := waitFor[SearchResults](bob)
	var got []string
	for _, m := range sr.Messages {
		got = append(got, m.Text)
	}
	if fmt.Sprint(got) != "[오늘 회의 119 오늘 회의 118 오늘 회의 117 오늘 회의 116 오늘 회의 115 오늘 회의 114 오늘 회의 113 오늘 회의 112 오늘 회의 111 오늘 회의 110 오늘 회의 11]" {
		t.Fatalf("search: %q", got)
	}
}

// TestLostEchoConfirmedByMissed: a message the server had, whose echo was
// lost with the connection, is confirmed by the missed answer (matched by its
// ref) and not sent again; one the server never had is sent again.
func TestLostEchoConfirmedByMissed(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice", "alice", "bob")
	// The server keeps history: the lobby's replay.
	p.send(wire.History{Kind: wire.HistReplay, Flags: wire.ListFirst | wire.ListLast, Room: wire.Lobby,
		Entries: []wire.Entry{{ID: 10, Kind: wire.EntryChat, Room: wire.Lobby, From: "bob", Text: "old"}}})
	if r := nextIs[Replay](h); len(r.Messages) != 1 || !r.Messages[0].History {
		t.Fatalf("replay %#v", r)
	}
	h.do(Say{ID: 1, Text: "stored"}, Say{ID: 2, Text: "lost"})
	s1, s2 := expect[wire.Say](p), expect[wire.Say](p)
	p.close() // neither echo arrives
	waitFor[Disconnected](h)
	p2 := f.accept()
	p2.welcome(wire.Welcome{Nick: "alice"}, "alice", "bob")
	waitFor[Connected](h)
	m := expect[wire.Missed](p2)
	if m.Room != wire.Lobby || m.After != 10 {
		t.Fatalf("missed request %#v", m)
	}
	pm := expect[wire.Missed](p2) // my private messages
	if pm.Room != "" || pm.After != 10 {
		t.Fatalf("private missed request %#v", pm)
	}
	p2.send(wire.History{Ref: pm.Ref, Kind: wire.HistMissed, Flags: wire.ListFirst | wire.ListLast})
	p2.nothing(50 * time.Millisecond) // nothing is resent before every answer is in
	p2.send(wire.History{Ref: m.Ref, Kind: wire.HistMissed, Flags: wire.ListFirst | wire.ListLast, Room: wire.Lobby,
		Entries: []wire.Entry{
			{ID: 11, Kind: wire.EntryChat, Room: wire.Lobby, From: "bob", Text: "while away"},
			{ID: 12, Kind: wire.EntryChat, Room: wire.Lobby, From: "alice", Text: s1.Text, Ref: s1.Ref}}})
	ms, _ := waitFor[Missed](h)
	if len(ms.Messages) != 2 || ms.Messages[0].Text != "while away" || !ms.Messages[1].Mine || ms.Messages[1].ID != 1 {
		t.Fatalf("missed %#v", ms)
	}
	if again := expect[wire.Say](p2); again.Text != s2.Text {
		t.Fatalf("resent %#v, want only the lost one", again)
	}
	p2.nothing(50 * time.Millisecond)
}
