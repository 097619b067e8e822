package gui

import (
	"image/png"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
)

// TestServerWindowModerationScreenshot draws the Moderation tab for the
// README when SCREENSHOT names the PNG to write (test driver, the app's
// theme and font): MULTICHAT_SCREENSHOT=docs/screenshots/server-moderation.png.
func TestServerWindowModerationScreenshot(t *testing.T) {
	out := os.Getenv("MULTICHAT_SCREENSHOT")
	if out == "" {
		t.Skip("MULTICHAT_SCREENSHOT not set")
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())
	f := newServerFixtureWithApp(t, a, 64)
	now := time.Now()
	at := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }
	f.apply(server.AuditLog{Entries: []server.Audit{
		{Time: at(-1500), Action: server.AuditStart, Target: "0.0.0.0:7878", Detail: "3학년 2반"},
		{Time: at(-1490), Action: server.AuditKick, Target: "민수", Reason: "도배", Detail: "192.168.1.31"},
		{Time: at(-1400), Action: server.AuditStop, Target: "0.0.0.0:7878", Args: server.AuditArgs{Users: 28}},
	}})
	f.apply(server.Started{Addr: "0.0.0.0:7878", Name: "3학년 2반", At: at(-20), TLS: true})
	for i, n := range []string{"지민", "서연", "bob", "하준", "eve"} {
		f.apply(server.UserJoined{Nick: n, Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, 1, byte(20 + i)}), uint16(50000+i)), Since: at(-15)})
	}
	f.apply(server.RoomChanged{Room: "lobby", Members: []string{"지민", "서연", "bob", "하준", "eve"}},
		server.RoomChanged{Room: "math", Members: []string{"지민", "서연"}})
	events := []server.Event{
		server.Audited{Entry: server.Audit{Time: at(-20), Action: server.AuditStart, Target: "0.0.0.0:7878", Detail: "3학년 2반"}},
		server.Bans{List: []server.BanInfo{{ID: 1, Name: "mallory", Device: "9f3c2a71e0b4", Addr: netip.MustParseAddr("192.168.1.44"),
			Nick: "mallory", Reason: "impersonating the teacher", Created: at(-10), Until: at(50)}}},
		server.Audited{Entry: server.Audit{Time: at(-10), Action: server.AuditBan, Target: "mallory", Reason: "impersonating the teacher",
			Args: server.AuditArgs{Until: at(50), Device: "9f3c2a71e0b4", Addr: netip.MustParseAddr("192.168.1.44"), Nick: "mallory"}}},
		server.MuteChanged{Nick: "bob", On: true, Until: at(10), At: at(-5)},
		server.Audited{Entry: server.Audit{Time: at(-5), Action: server.AuditMute, Target: "bob", Reason: "spam", Args: server.AuditArgs{Until: at(10)}}},
		server.LectureChanged{Room: "math", On: true},
		server.Audited{Entry: server.Audit{Time: at(-2), Action: server.AuditLecture, Target: "math", Reason: "quiz", Args: server.AuditArgs{On: true}}},
		server.TopicChanged{Room: "lobby", Text: "시험은 3시에 시작합니다"},
		server.Audited{Entry: server.Audit{Time: at(-1), Action: server.AuditAnnounce, Detail: "시험은 3시에 시작합니다"}},
		server.Audited{Entry: server.Audit{Time: at(-1), Action: server.AuditTopic, Target: "lobby", Detail: "시험은 3시에 시작합니다"}},
	}
	f.apply(events...)
	f.sw.tabs.Select(f.sw.mod.modTab)
	saveCapture(t, f.win, fyne.NewSize(1100, 800), out)
}

// TestServerWindowHistoryScreenshot draws the History tab for the README
// (as above): MULTICHAT_SCREENSHOT=docs/screenshots/server-history.png with
// -run HistoryScreenshot.
func TestServerWindowHistoryScreenshot(t *testing.T) {
	out := os.Getenv("MULTICHAT_SCREENSHOT")
	if out == "" {
		t.Skip("MULTICHAT_SCREENSHOT not set")
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())
	f := newServerFixtureWithApp(t, a, 64)
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Now().Add(-2 * time.Hour)
	lines := []store.Record{
		{Kind: store.KindJoined, From: "지민"}, {Kind: store.KindJoined, From: "서연"},
		{Kind: store.KindChat, From: "지민", Text: "안녕하세요! 오늘 회의는 3시죠?"},
		{Kind: store.KindChat, From: "서연", Text: "네, 3층 회의실이에요"},
		{Kind: store.KindNotice, Text: "시험은 3시에 시작합니다"},
		{Kind: store.KindJoined, From: "bob"},
		{Kind: store.KindChat, From: "bob", Text: "hi all, the slides are in #math"},
		{Kind: store.KindChat, From: "지민", Text: "고마워요 bob"},
		{Kind: store.KindLeft, From: "서연", Text: "quit"},
	}
	for i, r := range lines {
		r.ID, r.Time, r.Room, r.Conv = uint64(i+1), start.Add(time.Duration(i)*7*time.Minute).UnixMilli(), "lobby", store.RoomConv("lobby")
		st.Append(r)
	}
	f.sw.ShowHistory(st)
	tab := f.sw.history
	f.ui.waitFor("the lobby's day", time.Minute, func() bool { return !tab.m.Busy && len(tab.m.Rows) == len(lines) })
	tab.format.SetSelected(servermodel.FormatHTML.Label())
	f.sw.tabs.Select(tab.item)
	saveCapture(t, f.win, fyne.NewSize(1100, 760), out)
}

// saveCapture sizes win and writes what it draws to the PNG file out.
func saveCapture(t *testing.T, win fyne.Window, size fyne.Size, out string) {
	t.Helper()
	win.Resize(size)
	file, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if err := png.Encode(file, win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
