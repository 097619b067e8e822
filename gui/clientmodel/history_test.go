package clientmodel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

func hist(id uint64, room, from, text string) client.Message {
	return client.Message{MsgID: id, Room: room, From: from, Text: text, Kind: wire.EntryChat, History: true,
		Time: time.Date(2026, 3, 4, 9, 0, int(id), 0, time.UTC)}
}

func TestReplayAboveSinceJoinedDivider(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice", "bob")
	lobby := r.Cur
	r.Take()
	r.Focused = false
	r.Apply([]client.Event{client.Replay{Room: "lobby", Messages: []client.Message{
		hist(10, "lobby", "bob", "good morning"), hist(12, "lobby", "carol", "alice, see the notes"),
		{MsgID: 13, Room: "lobby", From: "dave", Kind: wire.EntryJoined, History: true}}}})
	got := texts(lobby)
	want := []string{"good morning", "alice, see the notes", "dave joined", SinceJoined}
	if len(got) != 5 || !slices.Equal(got[:4], want) || !strings.HasPrefix(got[4], "Connected to") {
		t.Fatalf("log %q", got)
	}
	if lobby.Entries[3].Kind != KindDivider || !lobby.Entries[1].Mention || lobby.Entries[2].Kind != KindSystem {
		t.Errorf("entries %+v", lobby.Entries)
	}
	// The lines before the first one got lower sequence numbers: a view
	// that laid out "Connected to…" keeps it.
	if lobby.Base != FirstSeq-4 || lobby.Entry(FirstSeq).Text != got[4] {
		t.Errorf("base %d", lobby.Base)
	}
	if lobby.Unread != 0 || r.TitleUnread != 0 || len(r.Notes) != 0 {
		t.Errorf("history counted as unread: %d %d %v", lobby.Unread, r.TitleUnread, r.Notes)
	}
	if lobby.MinID != 10 || lobby.MaxID != 13 || lobby.Older != OlderMore || !r.CanLoadEarlier(lobby) {
		t.Errorf("ids %d..%d older %v", lobby.MinID, lobby.MaxID, lobby.Older)
	}
}

func TestScrollbackPages(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice")
	lobby := r.Cur
	r.Apply([]client.Event{client.Replay{Room: "lobby", Messages: []client.Message{hist(100, "lobby", "bob", "latest")}}})
	r.take()
	if !r.LoadEarlier(lobby) {
		t.Fatal("LoadEarlier refused")
	}
	if lo := last[client.LoadOlder](t, r); lo.Room != "lobby" || lo.Before != 100 || lo.Limit != PageSize || lo.Peer != "" {
		t.Errorf("sent %+v", lo)
	}
	if lobby.Older != OlderLoading || r.LoadEarlier(lobby) {
		t.Error("a second page asked for while one is loading")
	}
	base := lobby.Base
	r.Apply([]client.Event{client.HistoryPage{Room: "lobby", Before: 100, More: true, Messages: []client.Message{
		hist(90, "lobby", "bob", "older 1"), hist(95, "lobby", "carol", "older 2")}}})
	if got := texts(lobby); got[0] != "older 1" || got[1] != "older 2" || got[2] != "latest" || lobby.Base != base-2 {
		t.Errorf("after a page: %q base %d", got, lobby.Base)
	}
	if lobby.MinID != 90 || lobby.Older != OlderMore || !r.Take().Log {
		t.Errorf("min %d older %v", lobby.MinID, lobby.Older)
	}
	// The last page: the start of the conversation.
	r.LoadEarlier(lobby)
	r.take()
	r.Apply([]client.Event{client.HistoryPage{Room: "lobby", Before: 90, Messages: []client.Message{hist(5, "lobby", "bob", "first")}}})
	if lobby.Older != OlderNone || r.CanLoadEarlier(lobby) || texts(lobby)[0] != "first" {
		t.Errorf("older %v log %q", lobby.Older, texts(lobby))
	}
	// /clear: the log starts afresh, with nothing earlier to load.
	saved := *lobby
	r.Clear(lobby)
	if r.HasHistory(lobby) || r.CanLoadEarlier(lobby) {
		t.Error("a cleared log offers earlier messages")
	}
	*lobby = saved
	// A failed page says why and can be tried again.
	lobby.Older = OlderMore
	r.LoadEarlier(lobby)
	r.Apply([]client.Event{client.HistoryPage{Room: "lobby", Before: 5, Err: errors.New("cannot load history: not connected")}})
	if lobby.Older != OlderFailed || r.AutoLoad(lobby) || !r.CanLoadEarlier(lobby) ||
		!strings.Contains(texts(lobby)[len(lobby.Entries)-1], "Could not load earlier messages") {
		t.Errorf("after an error: %v %q", lobby.Older, texts(lobby))
	}
}

func TestMissedBelowSinceLeftDivider(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice", "bob")
	lobby := r.Cur
	r.Apply([]client.Event{client.Message{MsgID: 20, Room: "lobby", From: "bob", Text: "before"}})
	r.Submit("typed while away")
	say := last[client.Say](t, r)
	r.Apply([]client.Event{client.Disconnected{Session: r.Session, Err: errors.New("connection reset")},
		client.Connected{Session: r.Session, Addr: "10.0.0.5:7878", Nick: "alice", Lobby: "lobby", Rejoin: true, Encrypted: true}})
	r.Focused = false
	// The server had my line (its echo was lost): it is confirmed, not shown twice.
	r.Apply([]client.Event{client.Missed{Room: "lobby", Earlier: 3, Messages: []client.Message{
		{MsgID: 21, Room: "lobby", From: "alice", Text: "typed while away", Mine: true, ID: say.ID, History: true, Kind: wire.EntryChat},
		hist(22, "lobby", "bob", "missed 1"), hist(23, "lobby", "bob", "missed 2")}}})
	got := texts(lobby)
	i := slices.Index(got, SinceLeft)
	if i < 0 || got[i+1] != "missed 1" || got[i+2] != "missed 2" || !strings.Contains(got[len(got)-1], "3 earlier messages were missed") {
		t.Fatalf("log %q", got)
	}
	if n := strings.Count(strings.Join(got, "\n"), "typed while away"); n != 1 {
		t.Errorf("my line shown %d times", n)
	}
	if e := lobby.Entry(lobby.Base + slices.Index(got, "typed while away")); e.State != Delivered || e.MsgID != 21 {
		t.Errorf("my line %+v", e)
	}
	if r.TitleUnread != 0 || lobby.MaxID != 23 {
		t.Errorf("unread %d max %d", r.TitleUnread, lobby.MaxID)
	}
	// A second time: one divider only, at the new place.
	r.Apply([]client.Event{client.Missed{Room: "lobby", Messages: []client.Message{hist(30, "lobby", "bob", "missed 3")}}})
	got = texts(lobby)
	if strings.Count(strings.Join(got, "\n"), SinceLeft) != 1 || got[len(got)-2] != SinceLeft {
		t.Errorf("log %q", got)
	}
	// Private messages go to their conversations.
	r.Apply([]client.Event{client.Missed{Messages: []client.Message{
		{MsgID: 31, From: "bob", To: "alice", Text: "psst", Private: true, History: true, Kind: wire.EntryPrivate},
		{MsgID: 32, From: "alice", To: "carol", Text: "hi carol", Private: true, Mine: true, History: true, Kind: wire.EntryPrivate}}}})
	if b, c := r.Find("bob", true), r.Find("carol", true); b == nil || c == nil ||
		!slices.Equal(texts(b)[len(b.Entries)-2:], []string{SinceLeft, "psst"}) || texts(c)[len(c.Entries)-1] != "hi carol" {
		t.Errorf("private missed: %v %v", b, c)
	}
}

func TestReplayOfKeptConversationShowsOnlyNew(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice")
	lobby := r.Cur
	r.Apply([]client.Event{client.Replay{Room: "lobby", Messages: []client.Message{hist(1, "lobby", "bob", "one"), hist(2, "lobby", "bob", "two")}}})
	r.Disconnect()
	r.ConnectAgain()
	c := last[client.Connect](t, r)
	r.Apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Lobby: "lobby", Encrypted: true},
		client.Replay{Room: "lobby", Messages: []client.Message{hist(1, "lobby", "bob", "one"), hist(2, "lobby", "bob", "two"), hist(3, "lobby", "bob", "three")}}})
	got := strings.Join(texts(lobby), "\n")
	if strings.Count(got, "two") != 1 || strings.Count(got, SinceJoined) != 0 || !strings.HasSuffix(got, SinceLeft+"\nthree") {
		t.Errorf("log:\n%s", got)
	}
}

func TestSearchAndOpenResult(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice", "bob")
	r.Apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice"}},
		client.Replay{Room: "dev", Messages: []client.Message{hist(200, "dev", "bob", "deploy at 3")}}})
	dev := r.Cur
	r.SwitchTo(r.Find("lobby", false))
	r.take()
	if !r.SearchFor(" 회의 ") {
		t.Fatal("search refused")
	}
	if s := last[client.Search](t, r); s.Text != "회의" || s.Before != 0 {
		t.Errorf("sent %+v", s)
	}
	if !strings.Contains(r.Search.Status(), "Searching for “회의”") {
		t.Errorf("status %q", r.Search.Status())
	}
	r.Apply([]client.Event{client.SearchResults{Query: "회의", More: true, Messages: []client.Message{
		hist(200, "dev", "bob", "오늘 회의는 3시"),
		{MsgID: 150, From: "bob", To: "alice", Text: "회의 notes", Private: true, History: true},
		hist(120, "dev", "carol", "회의 moved")}}})
	s := r.Search
	if len(s.Hits) != 3 || !s.More || s.Hits[1].Where() != "@bob" || s.Hits[0].Where() != "#dev" || !strings.Contains(s.Status(), "3 messages contain") {
		t.Fatalf("search %+v", s)
	}
	r.SearchMore()
	if sm := last[client.Search](t, r); sm.Before != 120 {
		t.Errorf("more: %+v", sm)
	}
	r.Apply([]client.Event{client.SearchResults{Query: "회의", Before: 120}})
	if r.Search.More || r.Search.Loading || len(r.Search.Hits) != 3 {
		t.Errorf("after the last page %+v", r.Search)
	}

	// A result in the log: shown and selected at once.
	r.Open(s.Hits[0])
	if r.Cur != dev || r.Jump.Conv != dev || dev.Entry(r.Jump.Seq).MsgID != 200 {
		t.Fatalf("jump %+v hint %q log %q min %d max %d cur %v", r.Jump, r.Hint, texts(dev), dev.MinID, dev.MaxID, r.Cur.Name)
	}
	// An older one: pages are loaded back to it.
	r.Jump = JumpTo{}
	r.take()
	r.Open(s.Hits[2])
	if lo := last[client.LoadOlder](t, r); lo.Room != "dev" || lo.Before != 200 {
		t.Fatalf("sent %+v", lo)
	}
	r.Apply([]client.Event{client.HistoryPage{Room: "dev", Before: 200, More: true, Messages: []client.Message{hist(160, "dev", "bob", "x")}}})
	if lo := last[client.LoadOlder](t, r); lo.Before != 160 || r.Jump.Conv != nil {
		t.Fatalf("second page %+v, jump %+v", lo, r.Jump)
	}
	r.Apply([]client.Event{client.HistoryPage{Room: "dev", Before: 160, More: true, Messages: []client.Message{hist(120, "dev", "carol", "회의 moved"), hist(130, "dev", "bob", "y")}}})
	if r.Jump.Conv != dev || dev.Entry(r.Jump.Seq).Text != "회의 moved" {
		t.Errorf("jump %+v hint %q log %q min %d max %d", r.Jump, r.Hint, texts(dev), dev.MinID, dev.MaxID)
	}
	// A search answered after the user typed another query is dropped.
	r.SearchFor("deploy")
	r.Apply([]client.Event{client.SearchResults{Query: "회의", Messages: []client.Message{hist(1, "dev", "x", "old")}}})
	if len(r.Search.Hits) != 0 || !r.Search.Loading {
		t.Errorf("stale answer taken: %+v", r.Search)
	}
	// /search opens the panel.
	if !r.Submit("/search 3시") || !r.ShowSearch || r.Search.Query != "3시" {
		t.Errorf("/search: %+v", r.Search)
	}
	r.Disconnect()
	if r.SearchFor("x") || !strings.Contains(r.Search.Status(), "Not connected") {
		t.Errorf("offline search: %q", r.Search.Status())
	}
}

func TestJumpGivesUpAfterBound(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.5:7878", "alice")
	lobby := r.Cur
	r.Apply([]client.Event{client.Replay{Room: "lobby", Messages: []client.Message{hist(100000, "lobby", "bob", "now")}}})
	r.Open(Hit{MsgID: 7, Room: "lobby"})
	before := uint64(100000)
	for i := range maxJumpPages + 5 {
		r.take()
		if lobby.Older != OlderLoading {
			if i != maxJumpPages {
				t.Fatalf("stopped after %d pages", i)
			}
			break
		}
		next := before - PageSize
		r.Apply([]client.Event{client.HistoryPage{Room: "lobby", Before: before, More: true,
			Messages: []client.Message{hist(next, "lobby", "bob", fmt.Sprint(next))}}})
		before = next
	}
	if !strings.Contains(r.Hint, "further back") || r.Jump.Conv != nil {
		t.Errorf("hint %q", r.Hint)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("앞 ", 60) + "오늘 회의는 3시" + strings.Repeat(" 뒤", 60)
	for _, tc := range []struct{ text, query, want string }{
		{"short\ntext", "x", "short text"},
		{long, "회의", "…"},
	} {
		got := Snippet(tc.text, tc.query, 40)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("Snippet(%q) = %q", tc.text, got)
		}
	}
	got := Snippet(long, "회의", 40)
	if !strings.Contains(got, "오늘 회의는 3시") || !strings.HasSuffix(got, "…") || len([]rune(got)) != 42 {
		t.Errorf("Snippet around the match = %q", got)
	}
	if got := Snippet(strings.Repeat("ab ", 50)+"Deploy", "deploy", 20); !strings.HasSuffix(got, "Deploy") {
		t.Errorf("case-insensitive match at the end: %q", got)
	}
}

func TestMatchSpans(t *testing.T) {
	text := "Deploy at 3, 오늘 회의는 3시; deploy again"
	got := MatchSpans(text, "deploy 회의")
	var words []string
	for _, sp := range got {
		words = append(words, text[sp.Start:sp.End])
	}
	if !slices.Equal(words, []string{"Deploy", "회의", "deploy"}) {
		t.Errorf("matches %q", words)
	}
	if got := MatchSpans("abcabc", "abc bca"); len(got) != 1 || got[0] != (Span{0, 6}) {
		t.Errorf("overlaps not merged: %v", got)
	}
}
