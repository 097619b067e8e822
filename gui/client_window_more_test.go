package gui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

func TestClientConversationsAndUnreadCounts(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob", "carol")
	w.apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice", "carol"}}})
	if w.m.Cur.Title() != "#dev" {
		t.Fatalf("current conversation %q after joining dev", w.m.Cur.Title())
	}
	if got := w.usersTitle.Text; got != "Online — 2" {
		t.Errorf("dev users title %q", got)
	}
	w.apply([]client.Event{
		client.Message{Room: "lobby", From: "bob", Text: "in the lobby"},
		client.Message{Room: "lobby", From: "bob", Text: "still lobby"},
		client.Message{Room: "dev", From: "carol", Text: "in dev"},
		client.Message{Private: true, From: "bob", To: "alice", Text: "just you"},
	})
	b := convBadges(w)
	if b["#lobby"] != "2" || b["#dev"] != "" || b["@bob"] != "✉ 1" {
		t.Errorf("badges %v, want lobby 2, dev none, @bob 1", b)
	}
	if s := shownText(w); !strings.Contains(s, "in dev") || strings.Contains(s, "in the lobby") || strings.Contains(s, "just you") {
		t.Errorf("dev log shows:\n%s", s)
	}
	w.convList.Select(0) // the lobby
	if w.m.Cur.Kind != clientmodel.Lobby {
		t.Fatalf("current %q", w.m.Cur.Title())
	}
	if b := convBadges(w); b["#lobby"] != "" || b["@bob"] != "✉ 1" {
		t.Errorf("badges after switching %v", b)
	}
	if s := shownText(w); !strings.Contains(s, "still lobby") || strings.Contains(s, "in dev") {
		t.Errorf("lobby log shows:\n%s", s)
	}
	if got := w.usersTitle.Text; got != "Online — 3" {
		t.Errorf("lobby users title %q", got)
	}
	// Typing in a room sends to that room.
	w.convList.Select(1)
	enter(w, "dev talk")
	if say, _ := nextCmd(t, cmds).(client.Say); say.Room != "dev" {
		t.Errorf("message in #dev went to %q", say.Room)
	}
	enter(w, "/leave")
	if l, ok := nextCmd(t, cmds).(client.LeaveRoom); !ok || l.Room != "dev" {
		t.Errorf("/leave sent %#v", l)
	}
	w.apply([]client.Event{client.RoomLeft{Room: "dev"}})
	enter(w, "after leaving")
	noCmd(t, cmds)
	if !strings.Contains(w.inputHint.Text, "/join dev") {
		t.Errorf("hint %q", w.inputHint.Text)
	}
}

func TestClientPrivateMessageOpensConversation(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.apply([]client.Event{client.Message{Private: true, From: "Bob", To: "alice", Text: "hi alice"}})
	c := w.m.Find("bob", true)
	if c == nil || c.Unread != 1 || len(c.Entries) != 1 {
		t.Fatalf("private conversation %+v", c)
	}
	// Double-clicking a user opens the chat with them.
	var bob *userRow
	for _, o := range test.LaidOutObjects(w.usersList) {
		if r, ok := o.(*userRow); ok && r.nick == "bob" {
			bob = r
		}
	}
	if bob == nil {
		t.Fatal("bob not in the user list")
	}
	test.DoubleTap(bob)
	if w.m.Cur != c {
		t.Fatalf("double-click opened %q", w.m.Cur.Title())
	}
	if s := shownText(w); !strings.Contains(s, "Bob|hi alice") {
		t.Errorf("private log:\n%s", s)
	}
	if got := shownUsers(w); !slices.Equal(got, []string{"Bob", "alice (you)"}) {
		t.Errorf("private chat users %q", got)
	}
	enter(w, "hi bob")
	p, ok := nextCmd(t, cmds).(client.Private)
	if !ok || p.To != "Bob" || p.Text != "hi bob" {
		t.Errorf("sent %#v", p)
	}
	// My echo lands in the same conversation, not a new one.
	n := len(w.m.Convs)
	w.apply([]client.Event{client.Message{Private: true, Mine: true, ID: p.ID, From: "alice", To: "bob", Text: "hi bob"}})
	if len(w.m.Convs) != n || strings.Count(shownText(w), "hi bob") != 1 {
		t.Errorf("echo: %d conversations, log:\n%s", len(w.m.Convs), shownText(w))
	}
}

func TestClientConnectionLostBannerAndPending(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.apply([]client.Event{
		client.Disconnected{Session: 1, Err: errors.New("server stopping")},
		client.Reconnecting{Session: 1, Attempt: 1, Delay: 4 * time.Second},
	})
	if w.banner.Hidden || !strings.Contains(w.bannerText.Text, "Reconnecting in 4 s") {
		t.Errorf("banner %q hidden=%v", w.bannerText.Text, w.banner.Hidden)
	}
	enter(w, "typed while away")
	enter(w, "this one fails")
	s1, _ := nextCmd(t, cmds).(client.Say)
	s2, _ := nextCmd(t, cmds).(client.Say)
	if s1.Text != "typed while away" || s2.Text != "this one fails" {
		t.Fatalf("sent %q, %q", s1.Text, s2.Text)
	}
	w.apply([]client.Event{
		client.Connected{Encrypted: true, Session: 1, Nick: "alice", Lobby: "lobby", Users: []string{"alice", "bob"}, Rejoin: true},
		client.Message{Mine: true, ID: s1.ID, Room: "lobby", From: "alice", Text: s1.Text, Time: time.Date(2026, 1, 1, 12, 0, 0, 0, time.Local)},
		client.Undelivered{ID: s2.ID, Room: "lobby", Text: s2.Text, Err: errors.New("message too long")},
	})
	if !w.banner.Hidden {
		t.Error("banner still shown after rejoin")
	}
	rows := shownRows(w)
	if !slices.Contains(rows, "12:00|alice|typed while away") {
		t.Errorf("delivered line missing: %q", rows)
	}
	if !slices.Contains(rows, "not sent|alice|this one fails") {
		t.Errorf("failed line not marked: %q", rows)
	}
	if !strings.Contains(shownText(w), "Not sent: “this one fails” — message too long") {
		t.Errorf("no failure reason:\n%s", shownText(w))
	}
}

func TestClientLongMessagesWrap(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	words := make([]string, 200)
	for i := range words {
		words[i] = fmt.Sprintf("word%d", i)
	}
	long := strings.Join(words, " ") + " 한국어도 줄바꿈됩니다 " + strings.Repeat("x", 300)
	w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: long}})
	c := w.m.Cur
	seq := c.Next() - 1
	// A long message is one folded block: its first rows and a row that
	// opens it.
	var fold *logRow
	for _, o := range test.LaidOutObjects(w.logList) {
		if r, ok := o.(*logRow); ok && r.seq == seq && r.fold == rowOpen {
			fold = r
		}
	}
	if fold == nil || !strings.HasPrefix(fold.text.Text, "▾ Show the whole message (") {
		t.Fatalf("long message not folded: %q", shownRows(w))
	}
	if n := strings.Count(strings.Join(shownRows(w), "\n"), "word"); n == 0 {
		t.Error("the folded message shows none of its text")
	}
	test.Tap(fold)
	var parts []string
	for _, r := range w.views[c].rows {
		if e := c.Entry(r.seq); e != nil && e.Text == long && r.start >= 0 {
			seg := long[r.start:r.end]
			if r.start > 0 && seg == "" {
				t.Error("empty continuation row")
			}
			if wdt := fyne.MeasureText(seg, w.meas.size, fyne.TextStyle{}).Width; wdt > w.textWidth(e)+1 {
				t.Errorf("row %q is %.0f wide, room for %.0f", seg, wdt, w.textWidth(e))
			}
			parts = append(parts, seg)
		}
	}
	if len(parts) <= foldRows {
		t.Fatalf("long message in %d rows, want it wrapped and open", len(parts))
	}
	if strings.Join(parts, "") != long {
		t.Error("wrapped rows do not add up to the message")
	}
	// Narrower window: more rows, still the whole text.
	before := len(parts)
	w.win.Resize(fyne.NewSize(600, 640))
	n := 0
	for _, r := range w.views[c].rows {
		if e := c.Entry(r.seq); e != nil && e.Text == long && r.start >= 0 {
			n++
		}
	}
	if n <= before {
		t.Errorf("after narrowing: %d rows, before %d", n, before)
	}
}

func TestClientLogFollowsOnlyAtBottom(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	burst := func(n int, tag string) []client.Event {
		evs := make([]client.Event, n)
		for i := range evs {
			evs[i] = client.Message{Room: "lobby", From: "bob", Text: fmt.Sprintf("%s %d", tag, i)}
		}
		return evs
	}
	w.apply(burst(200, "first"))
	rows := shownRows(w)
	if last := rows[len(rows)-1]; !strings.HasSuffix(last, "first 199") {
		t.Fatalf("log did not follow: last row %q", last)
	}
	w.logList.ScrollToTop()
	w.apply(burst(50, "second"))
	if off := w.logList.GetScrollOffset(); off != 0 {
		t.Errorf("log moved to %v while the user was reading above", off)
	}
	if s := shownText(w); strings.Contains(s, "second") {
		t.Error("new lines shown although scrolled up")
	}
	w.logList.ScrollToBottom()
	w.apply(burst(1, "third"))
	rows = shownRows(w)
	if last := rows[len(rows)-1]; !strings.HasSuffix(last, "third 0") {
		t.Errorf("log did not follow again at the bottom: %q", last)
	}
}

func TestClientSelectAndCopy(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "copy me 복사", Time: time.Date(2026, 1, 1, 8, 5, 0, 0, time.Local)}})
	var row *logRow
	for _, o := range test.LaidOutObjects(w.logList) {
		if r, ok := o.(*logRow); ok && r.text.Text == "copy me 복사" {
			row = r
		}
	}
	if row == nil {
		t.Fatal("row not shown")
	}
	test.Tap(row)
	if w.copyBar.Hidden || w.copyText.Text != "[08:05] bob: copy me 복사" || !w.copyText.Selectable {
		t.Errorf("copy bar %q hidden=%v", w.copyText.Text, w.copyBar.Hidden)
	}
	test.DoubleTap(row)
	if got := w.app.Clipboard().Content(); got != "[08:05] bob: copy me 복사" {
		t.Errorf("clipboard %q", got)
	}
}

func TestClientOutboxNeverBlocksNorReorders(t *testing.T) {
	ch := make(chan client.Command) // nobody reading yet
	o := newOutbox(ch)
	defer o.close()
	start := time.Now()
	for i := range 500 {
		o.send(client.Say{ID: uint64(i)})
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("send blocked for %v", d)
	}
	for i := range 500 {
		select {
		case c := <-ch:
			if c.(client.Say).ID != uint64(i) {
				t.Fatalf("command %d arrived as %d", i, c.(client.Say).ID)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("command %d never arrived", i)
		}
	}
}

func TestClientPumpAppliesEvents(t *testing.T) {
	a := test.NewTempApp(t)
	events := make(chan client.Event, 10)
	cmds := make(chan client.Command, 10)
	w := NewClientWindow(a, a.NewWindow(""), cmds, events, ClientOptions{Addr: "127.0.0.1:7878", Nick: "alice"})
	w.win.Resize(fyne.NewSize(800, 600))
	test.Tap(w.connectBtn) // before any event: the pump applies them on its own goroutine here
	events <- client.Connected{Encrypted: true, Session: 1, Nick: "alice", Lobby: "lobby", Users: []string{"alice"}}
	events <- client.Message{Room: "lobby", From: "bob", Text: "via pump"}
	close(events)
	select {
	case <-w.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("pump did not finish")
	}
	if w.win.Content() != w.chat || !strings.Contains(shownText(w), "bob|via pump") {
		t.Errorf("pump did not apply events:\n%s", shownText(w))
	}
}

func TestClientLogStaysAtBottomWhenBannerShows(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	evs := make([]client.Event, 100)
	for i := range evs {
		evs[i] = client.Message{Room: "lobby", From: "bob", Text: fmt.Sprintf("line %d", i)}
	}
	w.apply(evs)
	w.apply([]client.Event{client.Disconnected{Session: 1, Err: errors.New("gone")}, client.Reconnecting{Session: 1, Attempt: 1, Delay: time.Second}})
	w.win.Content().Refresh() // let the canvas lay out the banner
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Nick: "alice", Lobby: "lobby", Users: []string{"alice"}, Rejoin: true}})
	w.win.Content().Refresh()
	w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "after the banner"}})
	rows := shownRows(w)
	if last := rows[len(rows)-1]; !strings.HasSuffix(last, "after the banner") {
		t.Errorf("log stopped following when the banner came and went: last row %q", last)
	}
}

func TestClientServerLimitLearnedAndTextGivenBack(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	text := strings.Repeat("b", 150)
	enter(w, text)
	say := nextCmd(t, cmds).(client.Say)
	w.apply([]client.Event{client.Undelivered{ID: say.ID, Room: "lobby", Text: text, Err: &wire.TextTooLongError{Size: 150, Max: 100}}})
	if w.input.Text != text || !strings.Contains(w.inputHint.Text, "limit is 100") {
		t.Errorf("entry %q, hint %q", w.input.Text, w.inputHint.Text)
	}
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds) // refused locally now
}

// TestClientKickOfAnotherShownOnce: the [시스템 추방] announcement and the
// list change that follows it make one line, not two, and the list drops
// the user.
func TestClientKickOfAnotherShownOnce(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	now := time.Now()
	w.apply([]client.Event{
		client.Removed{Nick: "bob", Reason: "spamming", Time: now},
		client.Left{Room: "lobby", Nick: "bob", Reason: wire.LeftKicked, Time: now},
		client.Users{Room: "lobby", Users: []string{w.nick.Text}},
	})
	n := 0
	for _, r := range shownRows(w) {
		if strings.Contains(r, "bob") {
			n++
			if !strings.Contains(r, "was removed by the admin") || !strings.Contains(r, "spamming") {
				t.Errorf("kick line %q", r)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d lines about bob's kick, want 1: %q", n, shownRows(w))
	}
	if got := w.m.Cur.Users; len(got) != 1 {
		t.Errorf("users after the kick: %q", got)
	}
}

// TestClientIgnoresEventsOfAbandonedAttempt: events carry the Session of the
// Connect they belong to; those of an attempt the user already left (a
// refused one's final Disconnected, a cancelled one's late Connected) change
// nothing, and the current attempt's are applied.
func TestClientIgnoresEventsOfAbandonedAttempt(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	test.Tap(w.connectBtn)
	first := nextCmd(t, cmds).(client.Connect)
	w.apply([]client.Event{client.Refused{Session: first.Session, Code: wire.RefuseNickTaken}})
	w.nick.SetText("alice2")
	test.Tap(w.connectBtn)
	second := nextCmd(t, cmds).(client.Connect)
	if second.Session == first.Session {
		t.Fatalf("both attempts are session %d", first.Session)
	}
	w.apply([]client.Event{
		client.Disconnected{Session: first.Session, Final: true, Err: errors.New("refused")},
		client.Connected{Encrypted: true, Session: second.Session, Nick: "alice2", Lobby: "lobby", Users: []string{"alice2"}},
	})
	if w.m.Phase != clientmodel.Chat || w.win.Content() != w.chat {
		t.Fatalf("the current attempt's Connected was not applied; form says %q", w.formStatus.Text)
	}
	w.apply([]client.Event{client.Disconnected{Session: first.Session, Err: errors.New("stale")},
		client.Kicked{Session: first.Session, Reason: "stale"}})
	if w.m.Phase != clientmodel.Chat || !w.banner.Hidden {
		t.Error("a stale Disconnected or Kicked changed the window")
	}
}
