package gui

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/multichat/multichat/gui/clientmodel"
	"log/slog"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
)

// TestClientPresence: away shows in the user list and a private chat's
// header; "typing…" shows under the log of its conversation only and goes
// when the message comes; typing in the entry sends one notice; Chat ▸ Away
// sends SetAway and is checked.
func TestClientPresence(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob", "carol")
	w.apply([]client.Event{client.AwayChanged{Nick: "bob", Away: true, Text: "회의 중"}})
	if got := shownUsers(w); !slices.Equal(got, []string{"alice (you)", "bob — away: 회의 중", "carol"}) {
		t.Fatalf("user list %q", got)
	}

	w.apply([]client.Event{client.TypingNotice{Room: "lobby", From: "carol"}})
	if w.typingLine.Hidden || w.typingLine.Text != "carol is typing…" {
		t.Fatalf("typing line %q hidden=%v", w.typingLine.Text, w.typingLine.Hidden)
	}
	w.change(func() { w.m.OpenPrivate("bob") })
	if !w.typingLine.Hidden {
		t.Fatal("the lobby's typing line shows in the private chat")
	}
	if w.header.Text != "Private chat with bob — away: 회의 중" {
		t.Fatalf("private header %q", w.header.Text)
	}
	w.apply([]client.Event{client.AwayChanged{Nick: "bob"}})
	if w.header.Text != "Private chat with bob" {
		t.Fatalf("header after back %q", w.header.Text)
	}
	w.change(func() { w.m.SwitchTo(w.m.Convs[0]) })
	w.apply([]client.Event{client.Message{Room: "lobby", From: "carol", Text: "done", Time: time.Now()}})
	if !w.typingLine.Hidden {
		t.Fatalf("typing line still shown after carol's message: %q", w.typingLine.Text)
	}

	for len(cmds) > 0 {
		<-cmds
	}
	test.Type(w.input, "hello")
	var typing int
	for len(cmds) > 0 {
		if c, ok := (<-cmds).(client.SendTyping); ok {
			typing++
			if c.Room != "lobby" {
				t.Fatalf("typing %+v", c)
			}
		}
	}
	if typing != 1 {
		t.Fatalf("%d typing notices for five keys, want 1", typing)
	}

	w.awayItem.Action()
	if c, ok := nextCmd(t, cmds).(client.SetAway); !ok || !c.Away || !w.awayItem.Checked {
		t.Fatalf("Chat ▸ Away: %#v, checked %v", c, w.awayItem.Checked)
	}
	if w.notifying() {
		t.Fatal("notifications while away")
	}
	w.awayItem.Action()
	if c, ok := nextCmd(t, cmds).(client.SetAway); !ok || c.Away || w.awayItem.Checked {
		t.Fatalf("Chat ▸ Away again: %#v", c)
	}
	w.app.Preferences().SetBool(prefDND, true)
	if w.notifying() {
		t.Fatal("notifications under do not disturb")
	}
}

// TestServerWindowShowsAway: the user table marks away users.
func TestServerWindowShowsAway(t *testing.T) {
	f := newServerFixture(t, 16)
	at := time.Now()
	f.apply(server.Started{Addr: "127.0.0.1:7878", At: at},
		server.UserJoined{Nick: "민수", Addr: netip.MustParseAddrPort("192.168.1.30:40001"), Since: at},
		server.AwayChanged{Nick: "민수", Away: true, Text: "점심", At: at})
	if got := userCell(f.sw, 0, colNick); got != "민수 — away: 점심" {
		t.Fatalf("nick cell %q", got)
	}
	f.apply(server.AwayChanged{Nick: "민수", At: at})
	if got := userCell(f.sw, 0, colNick); got != "민수" {
		t.Fatalf("nick cell after back %q", got)
	}
}

// TestClientTypingEndToEnd: typing in one real client's entry shows
// "… is typing" in another's, through the real server.
func TestClientTypingEndToEnd(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "bob")
	test.Tap(alice.w.connectBtn)
	alice.until("alice connected", func() bool { return alice.w.m.Phase == clientmodel.Chat })
	test.Tap(bob.w.connectBtn)
	bob.until("bob connected", func() bool { return bob.w.m.Phase == clientmodel.Chat })
	alice.until("alice sees bob", func() bool { return len(alice.w.m.Cur.Users) == 2 })

	a.Clipboard().SetContent("안녕")
	alice.w.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
	bob.until("bob sees alice typing", func() bool { return bob.w.typingLine.Visible() && bob.w.typingLine.Text == "alice is typing…" })
	if bob.w.typingLine.Size().Height == 0 {
		t.Fatal("the typing line is shown but not laid out (its container was not laid out again)")
	}
	alice.w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	bob.until("the message clears it", func() bool { return bob.w.typingLine.Hidden })
}
