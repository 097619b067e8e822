package gui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// An unsent line: selecting it offers Retry and Discard; Retry sends it
// again, Discard removes it.
func TestClientUnsentLineRetryAndDiscard(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	enter(w, "to nobody")
	p := nextCmd(t, cmds).(client.Say)
	w.apply([]client.Event{client.Undelivered{ID: p.ID, Text: p.Text, Err: &client.ServerError{Code: wire.CodeNotInRoom, Text: "not in that room"}}})
	seq := -1
	for _, o := range test.LaidOutObjects(w.logList) {
		if r, ok := o.(*logRow); ok && r.text.Text == "to nobody" {
			if r.tm.Text != "not sent" {
				t.Errorf("unsent line marked %q", r.tm.Text)
			}
			test.Tap(r)
			seq = r.seq
		}
	}
	if seq < 0 || w.copyBar.Hidden || w.retryLine.Hidden || w.discardLine.Hidden {
		t.Fatalf("selecting the unsent line: bar hidden %v, retry hidden %v", w.copyBar.Hidden, w.retryLine.Hidden)
	}
	if !strings.Contains(w.copyText.Text, "not in that room") {
		t.Errorf("bar says %q", w.copyText.Text)
	}
	test.Tap(w.retryLine)
	again := nextCmd(t, cmds).(client.Say)
	if again.Text != "to nobody" || again.ID == p.ID {
		t.Fatalf("Retry sent %#v", again)
	}
	w.apply([]client.Event{client.Undelivered{ID: again.ID, Text: again.Text, Err: &client.ServerError{Text: "still not"}}})
	w.selectEntry(seq)
	test.Tap(w.discardLine)
	if strings.Contains(shownText(w), "alice|to nobody") {
		t.Errorf("Discard left the line:\n%s", shownText(w))
	}
}

func TestClientKeyboard(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob", "bernard")
	w.apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice", "bob"}}})

	// Tab completes a nickname from the conversation's members, and again
	// cycles through the matches.
	w.input.SetText("")
	test.Type(w.input, "b")
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
	if w.input.Text != "bob: " {
		t.Errorf("Tab made %q", w.input.Text)
	}

	// Ctrl+Tab / Alt+Up move between conversations; Ctrl+W closes one.
	if w.m.Cur.Title() != "#dev" {
		t.Fatalf("current %q", w.m.Cur.Title())
	}
	w.input.TypedShortcut(scNext)
	if w.m.Cur.Kind != clientmodel.Lobby {
		t.Errorf("Ctrl+Tab went to %q", w.m.Cur.Title())
	}
	w.input.TypedShortcut(scUp)
	if w.m.Cur.Title() != "#dev" {
		t.Errorf("Alt+Up went to %q", w.m.Cur.Title())
	}
	w.input.TypedShortcut(scClose)
	if l, ok := nextCmd(t, cmds).(client.LeaveRoom); !ok || l.Room != "dev" {
		t.Errorf("Ctrl+W sent %#v", l)
	}

	// Ctrl+C with a line selected (and nothing selected in the entry)
	// copies the line.
	w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "copy this"}})
	w.change(func() { w.m.SwitchTo(w.m.RoomConv("lobby", false)) })
	c := w.m.Cur
	w.selectEntry(c.Next() - 1)
	w.input.SetText("")
	w.input.TypedShortcut(&fyne.ShortcutCopy{Clipboard: w.app.Clipboard()})
	if got := w.app.Clipboard().Content(); !strings.HasSuffix(got, "bob: copy this") {
		t.Errorf("Ctrl+C copied %q", got)
	}

	// Ctrl+K: the switcher; typing filters, Enter switches.
	w.shortcut(scSwitcher)
	if len(w.modals) != 1 {
		t.Fatal("no switcher")
	}
	w.typedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if len(w.modals) != 0 {
		t.Error("Escape did not close the switcher")
	}

	// A kick's dialog closes with Enter.
	w.apply([]client.Event{client.Kicked{Session: 1, Reason: "bye"}})
	if len(w.modals) != 1 {
		t.Fatal("no kick dialog")
	}
	w.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(w.modals) != 0 || w.win.Canvas().Overlays().Top() != nil {
		t.Error("Enter did not close the kick dialog")
	}
}

// The Rooms dialog lists the rooms with their member counts; Enter in its
// name field joins.
func TestClientRoomsDialog(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.showRooms()
	if _, ok := nextCmd(t, cmds).(client.ListRooms); !ok {
		t.Fatal("the dialog did not ask for the rooms")
	}
	w.apply([]client.Event{client.Rooms{Rooms: []wire.RoomInfo{{Name: "lobby", Members: 2}, {Name: "dev", Members: 5}}}})
	rd := w.rooms
	if rd == nil || len(rd.rooms) != 2 || rd.rooms[0].Name != "dev" {
		t.Fatalf("dialog rooms %+v", rd)
	}
	if strings.Contains(shownText(w), "Rooms (2)") {
		t.Error("the dialog's list was also written into the log")
	}
	test.Type(rd.name, "games")
	rd.name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if j, ok := nextCmd(t, cmds).(client.JoinRoom); !ok || j.Room != "games" {
		t.Errorf("Enter sent %#v", j)
	}
	if len(w.modals) != 0 {
		t.Error("the dialog stayed open after joining")
	}
}

// Offline: the user list says since when, names are greyed, and the
// banner's Retry now asks the session to dial at once.
func TestClientOfflineRetryNow(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.apply([]client.Event{client.Disconnected{Session: 1, Err: errors.New("gone")}, client.Reconnecting{Session: 1, Attempt: 1, Delay: time.Second}})
	if !strings.HasPrefix(w.usersTitle.Text, "Offline since ") || w.banner.Hidden || w.retryBtn.Hidden {
		t.Fatalf("offline: users title %q, banner hidden %v, Retry now hidden %v", w.usersTitle.Text, w.banner.Hidden, w.retryBtn.Hidden)
	}
	for _, o := range test.LaidOutObjects(w.usersList) {
		if r, ok := o.(*userRow); ok && r.nick == "bob" && r.label.Importance != widget.LowImportance {
			t.Error("bob not greyed while offline")
		}
	}
	test.Tap(w.retryBtn)
	if _, ok := nextCmd(t, cmds).(client.RetryNow); !ok {
		t.Fatal("Retry now sent nothing")
	}
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Nick: "alice", Lobby: "lobby", Users: []string{"alice", "bob"}, Rejoin: true}})
	if w.usersTitle.Text != "Online — 2" || !w.banner.Hidden {
		t.Errorf("back: users title %q, banner hidden %v", w.usersTitle.Text, w.banner.Hidden)
	}
}
