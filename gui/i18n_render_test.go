package gui

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// useKorean switches the interface to Korean for one test, as LANG=ko_KR
// would, and back to English after it.
func useKorean(t *testing.T) {
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "ko_KR.UTF-8")
	SetupLanguage(nil)
	t.Cleanup(func() {
		_ = os.Setenv("LANGUAGE", "en")
		SetupLanguage(nil)
	})
}

// latinOK are Latin words a Korean interface shows as they are: names,
// abbreviations, keys, and the commands' own names.
var latinOK = map[string]bool{"MultiChat": true, "TLS": true, "Ctrl": true, "Tab": true, "Alt": true, "Enter": true,
	"README": true, "MB": true, "KiB": true, "IP": true, "LAN": true, "Downloads": true, "received_files": true, "shrug": true, "Esc": true}

var latinToken = regexp.MustCompile(`/?[A-Za-z_]{2,}`)

// englishIn returns the words of the visible texts that are English: Latin
// words other than names, abbreviations and /commands.
func englishIn(texts []string) []string {
	var out []string
	for _, s := range texts {
		for _, w := range latinToken.FindAllString(s, -1) {
			if !strings.HasPrefix(w, "/") && !latinOK[w] && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// visibleTexts returns every text drawn in the window's content and
// overlays (skipping hidden objects), and the main menu's labels.
func visibleTexts(w fyne.Window) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch c := o.(type) {
		case *canvas.Text:
			if strings.TrimSpace(c.Text) != "" {
				out = append(out, c.Text)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(c).Objects() {
				walk(ch)
			}
		case *fyne.Container:
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
	}
	walk(w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	if m := w.MainMenu(); m != nil {
		var items func([]*fyne.MenuItem)
		items = func(list []*fyne.MenuItem) {
			for _, i := range list {
				if !i.IsSeparator {
					out = append(out, i.Label)
				}
				if i.ChildMenu != nil {
					items(i.ChildMenu.Items)
				}
			}
		}
		for _, menu := range m.Items {
			out = append(out, menu.Label)
			items(menu.Items)
		}
	}
	return out
}

func checkKorean(t *testing.T, screen string, w fyne.Window, names ...string) {
	t.Helper()
	texts := slices.DeleteFunc(visibleTexts(w), func(s string) bool { return slices.Contains(names, s) })
	if len(texts) < 5 {
		t.Fatalf("%s: only %d texts found: %q", screen, len(texts), texts)
	}
	if eng := englishIn(texts); len(eng) > 0 {
		t.Errorf("%s: English under a Korean locale:\n  %s", screen, strings.Join(eng, "\n  "))
	}
}

// TestClientWindowKorean renders the client's screens with LANG=ko_KR and
// checks that nothing visible stays English.
func TestClientWindowKorean(t *testing.T) {
	useKorean(t)
	w, cmds := newTestClient(t, ClientOptions{Addr: "127.0.0.1:7878", Nick: "민수"})
	checkKorean(t, "connect form", w.win)

	test.Tap(w.connectBtn)
	nextCmd(t, cmds)
	checkKorean(t, "connecting", w.win)
	now := time.Now()
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Addr: "127.0.0.1:7878", Nick: "민수", Server: "교실",
		Lobby: "lobby", Users: []string{"민수", "지은", "서준"}}})
	w.apply([]client.Event{
		client.Message{Room: "lobby", From: "지은", Text: "안녕하세요", Time: now},
		client.Joined{Room: "lobby", Nick: "하늘", Time: now},
		client.Left{Room: "lobby", Nick: "서준", Reason: wire.LeftQuit, Time: now},
		client.Error{Code: wire.CodeNoSuchUser, Err: &client.ServerError{Code: wire.CodeNoSuchUser, Text: "no such user: 바다"}},
		client.AwayChanged{Nick: "지은", Away: true, Text: "점심"},
		client.TypingNotice{Room: "lobby", From: "서준"},
	})
	enter(w, "/도움말")
	checkKorean(t, "chat", w.win)
	enter(w, "/없는명령")
	checkKorean(t, "unknown command", w.win)

	w.showSettings()
	checkKorean(t, "settings", w.win)
	w.win.Canvas().Overlays().Top().Hide()
	w.showRooms()
	w.apply([]client.Event{client.Rooms{Rooms: []wire.RoomInfo{{Name: "수학", Members: 3}}}})
	checkKorean(t, "rooms", w.win)
	w.win.Canvas().Overlays().Top().Hide()

	w.apply([]client.Event{client.Disconnected{Session: 1, Err: client.ErrPingTimeout}})
	checkKorean(t, "reconnecting", w.win)
	w.apply([]client.Event{client.Kicked{Session: 1, By: "관리자", Reason: "도배"}})
	checkKorean(t, "kicked", w.win)
}

// TestServerWindowKorean renders the server window with LANG=ko_KR.
func TestServerWindowKorean(t *testing.T) {
	useKorean(t)
	f := newServerFixture(t, 16)
	checkKorean(t, "stopped", f.win, discovery.DefaultName())
	at := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:7878", At: at},
		server.UserJoined{Nick: "민수", Addr: netip.MustParseAddrPort("192.168.1.30:40001"), Since: at},
		server.UserLeft{Nick: "지은", Reason: "quit", At: at})
	checkKorean(t, "running", f.win, discovery.DefaultName())
	f.sw.passwordTapped()
	checkKorean(t, "password dialog", f.win, discovery.DefaultName())

	// The History tab: its columns, the day's title and the lobby's name.
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for i, text := range []string{"안녕하세요", "네, 반가워요"} {
		st.Append(store.Record{ID: uint64(i + 1), Time: at.UnixMilli(), Kind: store.KindChat, Room: wire.Lobby,
			Conv: store.RoomConv(wire.Lobby), From: "민수", Text: text})
	}
	f.sw.ShowHistory(st)
	tab := f.sw.history
	f.ui.waitFor("the lobby's day", time.Minute, func() bool { return !tab.m.Busy && len(tab.m.Rows) == 2 })
	f.sw.tabs.Select(tab.item)
	f.win.Resize(fyne.NewSize(1600, 900)) // the database's path (a path, not words) shown whole
	checkKorean(t, "history", f.win, discovery.DefaultName(), "민수", tab.database.Text)
}
