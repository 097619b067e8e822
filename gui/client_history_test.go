package gui

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
)

// historyServer is a real server keeping history in a SQLite file, with
// 120 lobby messages from bob; message 3 is Korean.
func historyServer(t *testing.T, a fyne.App) *server.TestServer {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after the server stopped (cleanups run last first)
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1, History: st, Replay: 20})
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "bob")
	test.Tap(bob.w.connectBtn)
	bob.until("bob connected", func() bool { return bob.w.m.Phase == clientmodel.Chat })
	for i := 1; i <= 120; i++ {
		text := fmt.Sprintf("message %03d", i)
		if i == 3 {
			text = "오늘 회의는 3시 (message 003)"
		}
		bob.w.m.Submit(text)
	}
	bob.until("bob's lines delivered", func() bool {
		c := bob.w.m.Cur
		return c.MaxID > 0 && c.Entries[len(c.Entries)-1].State == clientmodel.Delivered &&
			c.Entries[len(c.Entries)-1].Text == "message 120"
	})
	return srv
}

func logTexts(c *clientmodel.Conv) []string {
	out := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		out[i] = e.Text
	}
	return out
}

// TestClientHistory: joining shows the last messages above "New since you
// joined"; scrolling to the top loads older pages without moving what is on
// screen; Ctrl+F finds a Korean word far back, and opening the result loads
// the pages up to it and selects it.
func TestClientHistory(t *testing.T) {
	a := test.NewTempApp(t)
	srv := historyServer(t, a)
	alice := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	w := alice.w
	test.Tap(w.connectBtn)
	alice.until("replay shown", alice.shows("——— New since you joined ———"))
	lobby := w.m.Cur
	got := logTexts(lobby)
	if i := slices.Index(got, clientmodel.SinceJoined); i != 20 || got[0] != "message 101" || got[19] != "message 120" ||
		!strings.HasPrefix(got[21], "Connected to") {
		t.Fatalf("log %q", got)
	}
	if lobby.Unread != 0 || w.m.TitleUnread != 0 {
		t.Error("replayed history counted as unread")
	}
	// The bottom is shown: the newest lines, the divider, "Connected".
	if rows := shownRows(w); !strings.Contains(strings.Join(rows[len(rows)-2:], ""), "Connected to") {
		t.Errorf("not at the bottom: %q", rows)
	}

	// Scrolling to the top loads the page before (the first row asks).
	w.logList.ScrollToTop()
	w.logList.Refresh()
	alice.until("older page", func() bool { return lobby.Older != clientmodel.OlderLoading && len(lobby.Entries) > 22 })
	if got := logTexts(lobby); got[0] != "message 051" || got[50] != "message 101" {
		t.Fatalf("after a page: %d lines, first %q", len(got), got[:3])
	}
	// What was on screen stays there: the first line shown is no older
	// than the page's last (the new lines are above).
	if rows := shownRows(w); len(rows) == 0 || strings.Contains(rows[0], "message 05") {
		t.Errorf("the page moved the view: %q", rows[:min(3, len(rows))])
	}

	// Ctrl+F, a Korean word: found, newest first, with where and who.
	w.shortcut(scFind)
	sp := w.searchP
	if sp == nil || w.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no search panel")
	}
	test.Type(sp.query, "회의")
	sp.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	alice.until("search answered", func() bool { return !w.m.Search.Loading })
	if s := w.m.Search; len(s.Hits) != 1 || s.Hits[0].Where() != "#lobby" || s.Hits[0].From != "bob" ||
		sp.status.Text != "1 message contain “회의” (newest first)." && !strings.Contains(sp.status.Text, "1 message") {
		t.Fatalf("search %+v, status %q", s, sp.status.Text)
	}
	// ↓ selects it, Enter opens it: pages load back to it and it is
	// selected, in its context.
	sp.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	sp.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.searchP != nil {
		t.Error("the search panel is still open")
	}
	alice.until("result shown", func() bool {
		e := lobby.Entry(w.selected)
		return e != nil && strings.HasPrefix(e.Text, "오늘 회의는 3시")
	})
	if !strings.Contains(shownText(w), "bob|오늘 회의는 3시") || !strings.Contains(shownText(w), "bob|message 004") {
		t.Errorf("the result is not shown in context:\n%s", shownText(w))
	}
	if !strings.Contains(w.copyText.Text, "오늘 회의는 3시") {
		t.Errorf("selected bar %q", w.copyText.Text)
	}
}
