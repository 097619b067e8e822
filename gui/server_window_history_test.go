package gui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/store"
)

// TestServerHistoryTab: the History tab reads a real database: the latest
// day of the most active room, a search of every room (Enter), the
// keep-days setting applied to the store and remembered, the database's
// place, and Export opens a save dialog.
func TestServerHistoryTab(t *testing.T) {
	f := newServerFixture(t, 8)
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	for i, r := range []store.Record{
		{Kind: store.KindChat, Room: "lobby", From: "ann", Text: "오늘 회의는 3시"},
		{Kind: store.KindChat, Room: "team", From: "bob", Text: "the meeting moved"},
		{Kind: store.KindPrivate, From: "ann", To: "bob", Text: "private meeting", FromParty: "a", ToParty: "b",
			Conv: store.PrivateConv("a", "b")},
	} {
		r.ID, r.Time = uint64(i+1), now.Add(time.Duration(i-3)*time.Second).UnixMilli()
		if r.Conv == "" {
			r.Conv = store.RoomConv(r.Room)
		}
		st.Append(r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st.Flush(ctx)

	sw := f.sw
	sw.ShowHistory(st)
	tab := sw.history
	if items := sw.tabs.Items; items[len(items)-1].Text != "History" {
		t.Fatalf("no History tab: %d tabs", len(items))
	}
	f.ui.waitFor("the latest day", time.Minute, func() bool { return !tab.m.Busy && len(tab.m.Rows) == 1 })
	if tab.room.Selected != "team" || cellText(tab.list, 0, 3) != "the meeting moved" ||
		tab.date.Text != now.Format(time.DateOnly) {
		t.Fatalf("room %q, first row %q, date %q", tab.room.Selected, cellText(tab.list, 0, 3), tab.date.Text)
	}
	if !strings.Contains(tab.database.Text, st.Path()) {
		t.Fatalf("database line %q", tab.database.Text)
	}

	test.Type(tab.search, "meeting")
	tab.search.OnSubmitted(tab.search.Text)
	f.ui.waitFor("search results", time.Minute, func() bool { return !tab.m.Busy && tab.m.Query == "meeting" })
	if len(tab.m.Rows) != 1 || !strings.Contains(tab.title.Text, "1 found") {
		t.Fatalf("search: %d rows (private messages are never shown), title %q", len(tab.m.Rows), tab.title.Text)
	}
	tab.room.SetSelected("lobby")
	f.ui.waitFor("the lobby", time.Minute, func() bool { return !tab.m.Busy && tab.m.RoomName() == "lobby" })
	if cellText(tab.list, 0, 3) != "오늘 회의는 3시" || tab.search.Text != "" {
		t.Fatalf("lobby: %q, search %q", cellText(tab.list, 0, 3), tab.search.Text)
	}

	tab.keepDays.SetText("30")
	test.Tap(tab.keepApply)
	if st.KeepDays() != 30 || f.app.Preferences().Int(prefKeepDays) != 30 ||
		!activityContains(sw, "History older than 30 days is removed") {
		t.Fatalf("keep days: store %d, preference %d", st.KeepDays(), f.app.Preferences().Int(prefKeepDays))
	}
	tab.keepDays.SetText("ten")
	test.Tap(tab.keepApply)
	if st.KeepDays() != 30 || !strings.Contains(overlayTexts(f.win), "type a number of days") {
		t.Fatalf("a bad number: store %d, dialog %q", st.KeepDays(), overlayTexts(f.win))
	}
	dismissOverlay(t, f.win, "OK")

	if got := strings.Join(tab.format.Options, ","); got != "Plain text,HTML,CSV,JSON" ||
		tab.format.Selected != "Plain text" {
		t.Fatalf("formats %q, chosen %q", got, tab.format.Selected)
	}
	tab.format.SetSelected("HTML")
	if f.app.Preferences().String(prefExportFormat) != "html" {
		t.Fatalf("the format chosen is not remembered: %q", f.app.Preferences().String(prefExportFormat))
	}
	if tab.exportDay.Disabled() || tab.exportRoom.Disabled() {
		t.Fatal("export buttons disabled while a room's day is shown")
	}
	test.Tap(tab.exportRoom)
	if f.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Export whole room opened no dialog")
	}
}
