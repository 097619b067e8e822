package gui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
)

// testUILoop makes the test goroutine the window's only UI goroutine: the pump
// and the window's timers hand their work to it, and waitFor runs that work
// while it polls a condition. (In Fyne's test driver fyne.Do runs at once on
// the calling goroutine, which would race with the test's taps.)
type testUILoop struct {
	t    *testing.T
	work chan func()
	done chan struct{}
}

func newTestUILoop(t *testing.T) *testUILoop {
	l := &testUILoop{t: t, work: make(chan func(), 64), done: make(chan struct{})}
	t.Cleanup(func() { close(l.done) })
	return l
}

func (l *testUILoop) do(f func()) {
	select {
	case l.work <- f:
	case <-l.done:
	}
}

// waitFor runs queued UI work until cond holds, failing after timeout.
func (l *testUILoop) waitFor(what string, timeout time.Duration, cond func() bool) {
	l.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case f := <-l.work:
			f()
		case <-time.After(5 * time.Millisecond):
		case <-deadline.C:
			l.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// settle runs queued UI work for d.
func (l *testUILoop) settle(d time.Duration) {
	end := time.After(d)
	for {
		select {
		case f := <-l.work:
			f()
		case <-end:
			return
		}
	}
}

type serverWindowFixture struct {
	t    *testing.T
	app  fyne.App
	win  fyne.Window
	sw   *ServerWindow
	cmds chan server.Command
	ui   *testUILoop
}

// newServerFixture builds a server window with a test app and command channel of
// the given capacity, without a pump (tests call applyBatch or attach).
func newServerFixture(t *testing.T, cmdCap int) *serverWindowFixture {
	t.Helper()
	a := test.NewTempApp(t)
	return newServerFixtureWithApp(t, a, cmdCap)
}

func newServerFixtureWithApp(t *testing.T, a fyne.App, cmdCap int) *serverWindowFixture {
	t.Helper()
	w := a.NewWindow("")
	cmds := make(chan server.Command, cmdCap)
	sw := newServerWindow(a, w, cmds)
	ui := newTestUILoop(t)
	sw.uiDo = ui.do
	sw.lanAddrs = func() []netip.Addr {
		return []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("10.0.0.7")}
	}
	w.Resize(fyne.NewSize(1040, 660))
	w.Show()
	t.Cleanup(func() {
		if !sw.closed {
			sw.closed = true
			w.Close()
		}
	})
	return &serverWindowFixture{t: t, app: a, win: w, sw: sw, cmds: cmds, ui: ui}
}

func (f *serverWindowFixture) apply(evs ...server.Event) { f.sw.applyBatch(evs) }

// nextCmd returns the next command the window sent, failing if none comes.
func (f *serverWindowFixture) nextCmd() server.Command {
	f.t.Helper()
	var got server.Command
	f.ui.waitFor("a command", 5*time.Second, func() bool {
		select {
		case got = <-f.cmds:
			return true
		default:
			return false
		}
	})
	return got
}

func (f *serverWindowFixture) noCmd() {
	f.t.Helper()
	select {
	case c := <-f.cmds:
		f.t.Fatalf("unexpected command %#v", c)
	default:
	}
}

// walkTree visits o and everything rendered inside it.
func walkTree(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	visit(o)
	switch c := o.(type) {
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(c).Objects() {
			walkTree(ch, visit)
		}
	case *fyne.Container:
		for _, ch := range c.Objects {
			walkTree(ch, visit)
		}
	}
}

// overlayTexts returns the text of every label in the top overlay (dialog).
func overlayTexts(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var b strings.Builder
	walkTree(top, func(o fyne.CanvasObject) {
		switch l := o.(type) {
		case *widget.Label:
			b.WriteString(l.Text + "\n")
		case *widget.RichText:
			b.WriteString(l.String() + "\n")
		}
	})
	return b.String()
}

// overlayButton finds a button by text in the top overlay.
func overlayButton(w fyne.Window, text string) *widget.Button {
	top := w.Canvas().Overlays().Top()
	var found *widget.Button
	walkTree(top, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	return found
}

func overlayEntry(w fyne.Window) *widget.Entry {
	top := w.Canvas().Overlays().Top()
	var found *widget.Entry
	walkTree(top, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && found == nil {
			found = e
		}
	})
	return found
}

func dismissOverlay(t *testing.T, w fyne.Window, button string) {
	t.Helper()
	b := overlayButton(w, button)
	if b == nil {
		t.Fatalf("no %q button in the dialog; dialog shows %q", button, overlayTexts(w))
	}
	test.Tap(b)
}

// cellText is what the list shows at row, col.
func cellText(l *widget.List, row, col int) string {
	o := l.CreateItem()
	l.UpdateItem(row, o)
	return o.(*fyne.Container).Objects[col].(*widget.Label).Text
}

func activityTexts(sw *ServerWindow) []string {
	out := make([]string, sw.log.Length())
	for i := range out {
		out[i] = activityText(sw, i)
	}
	return out
}

func activityText(sw *ServerWindow, i int) string {
	o := sw.log.CreateItem()
	sw.log.UpdateItem(i, o)
	return o.(*fyne.Container).Objects[0].(*widget.Label).Text
}

func activityContains(sw *ServerWindow, s string) bool {
	for _, l := range activityTexts(sw) {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func userNicks(sw *ServerWindow) []string {
	out := make([]string, sw.userList.Length())
	for i := range out {
		out[i] = cellText(sw.userList, i, 0)
	}
	return out
}

func checkEnabled(t *testing.T, what string, w fyne.Disableable, want bool) {
	t.Helper()
	if w.Disabled() == want {
		t.Errorf("%s enabled = %v, want %v", what, !w.Disabled(), want)
	}
}

func TestServerWindowInitialState(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	if got := f.win.Title(); got != "MultiChat Server" {
		t.Errorf("title %q", got)
	}
	if sw.host.Text != DefaultListenHost || sw.port.Text != "7878" {
		t.Errorf("address fields %q %q", sw.host.Text, sw.port.Text)
	}
	checkEnabled(t, "Start", sw.start, true)
	checkEnabled(t, "Stop", sw.stop, false)
	checkEnabled(t, "Kick", sw.kick, false)
	checkEnabled(t, "Announce", sw.announceBtn, false)
	if sw.stateLabel.Text != "Stopped" {
		t.Errorf("state label %q", sw.stateLabel.Text)
	}
	menu := f.win.MainMenu()
	if menu == nil || len(menu.Items) != 2 || menu.Items[1].Label != "Help" || menu.Items[1].Items[0].Label != "About" {
		t.Fatalf("menu %+v", menu)
	}
}

func TestServerWindowAddressValidation(t *testing.T) {
	for _, tc := range []struct{ host, port, want string }{
		{"0.0.0.0", "0", "1 to 65535"},
		{"0.0.0.0", "65536", "1 to 65535"},
		{"0.0.0.0", "abc", "1 to 65535"},
		{"0.0.0.0", "", "1 to 65535"},
		{"bad host!", "5000", "not an IP address or host name"},
		{"1.2.3.4.5", "5000", "not an IP address or host name"},
	} {
		t.Run(tc.host+"_"+tc.port, func(t *testing.T) {
			f := newServerFixture(t, 8)
			f.sw.host.SetText(tc.host)
			f.sw.port.SetText(tc.port)
			test.Tap(f.sw.start)
			f.noCmd()
			if got := overlayTexts(f.win); !strings.Contains(got, tc.want) || !strings.Contains(got, "Invalid listen address") {
				t.Fatalf("dialog shows %q, want %q", got, tc.want)
			}
			checkEnabled(t, "Start", f.sw.start, true)
			dismissOverlay(t, f.win, "OK")
			if f.win.Canvas().Overlays().Top() != nil {
				t.Fatal("dialog still shown after OK")
			}
		})
	}
	for _, tc := range []struct{ host, port, want string }{
		{"", "5000", "0.0.0.0:5000"},
		{" 127.0.0.1 ", "6000", "127.0.0.1:6000"},
		{"::1", "1", "[::1]:1"},
		{"[::]", "65535", "[::]:65535"},
		{"localhost", "5000", "localhost:5000"},
		{"chat.example.org", "5000", "chat.example.org:5000"},
	} {
		got, err := listenAddr(tc.host, tc.port)
		if err != nil || got != tc.want {
			t.Errorf("listenAddr(%q, %q) = %q, %v; want %q", tc.host, tc.port, got, err, tc.want)
		}
	}
}

func TestServerWindowStartRemembersAddress(t *testing.T) {
	a := test.NewTempApp(t)
	f := newServerFixtureWithApp(t, a, 8)
	test.Type(f.sw.host, "") // focus
	f.sw.host.SetText("127.0.0.1")
	f.sw.port.SetText("")
	test.Type(f.sw.port, "6123")
	test.Tap(f.sw.start)
	if got, want := f.nextCmd(), (server.Start{Addr: "127.0.0.1:6123"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
	// While starting, nothing can be started or stopped twice.
	checkEnabled(t, "Start", f.sw.start, false)
	checkEnabled(t, "Stop", f.sw.stop, false)
	checkEnabled(t, "host", f.sw.host, false)
	test.Tap(f.sw.start)
	f.noCmd()

	// A second window of the same app (the next run) shows the same address.
	g := newServerFixtureWithApp(t, a, 8)
	if g.sw.host.Text != "127.0.0.1" || g.sw.port.Text != "6123" {
		t.Fatalf("remembered %q %q", g.sw.host.Text, g.sw.port.Text)
	}
}

func TestServerWindowEnterStarts(t *testing.T) {
	f := newServerFixture(t, 8)
	f.sw.port.SetText("7001")
	f.win.Canvas().Focus(f.sw.port)
	f.sw.port.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got, want := f.nextCmd(), (server.Start{Addr: "0.0.0.0:7001"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
}

func TestServerWindowSyntheticSession(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	test.Tap(sw.start)
	f.nextCmd()
	at := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:5000", At: at})

	if sw.stateLabel.Text != "Running" {
		t.Errorf("state %q", sw.stateLabel.Text)
	}
	if got := sw.reach.Text; !strings.Contains(got, "192.168.1.20:5000") || !strings.Contains(got, "10.0.0.7:5000") {
		t.Errorf("reach line %q lacks the LAN addresses", got)
	}
	if got := sw.counts.Text; !strings.Contains(got, "0 users connected") || !strings.Contains(got, at.Format("15:04:05")) {
		t.Errorf("counts %q", got)
	}
	checkEnabled(t, "Start", sw.start, false)
	checkEnabled(t, "Stop", sw.stop, true)
	checkEnabled(t, "Kick", sw.kick, false)
	checkEnabled(t, "Announce", sw.announceBtn, true)

	alice := netip.MustParseAddrPort("192.168.1.30:40001")
	f.apply(
		server.UserJoined{Nick: "alice", Addr: alice, Since: at},
		server.UserJoined{Nick: "bob", Addr: netip.MustParseAddrPort("[::ffff:192.168.1.31]:40002"), Since: at},
		server.UserJoined{Nick: "민수", Addr: netip.MustParseAddrPort("192.168.1.32:40003"), Since: at, Via: "classic"},
		server.RoomChanged{Room: "lobby", Members: []string{"alice", "bob", "민수"}},
		server.RoomChanged{Room: "Games", Members: []string{"bob"}},
	)
	if got := strings.Join(userNicks(sw), ","); got != "alice,bob,민수 · classic" { // a gateway user is marked
		t.Fatalf("users %q", got)
	}
	if got := cellText(sw.userList, 1, 1); got != "192.168.1.31:40002" {
		t.Errorf("bob's address shown as %q", got)
	}
	if got := cellText(sw.userList, 0, 2); got != at.Format("15:04:05") {
		t.Errorf("alice since %q", got)
	}
	if !strings.Contains(sw.counts.Text, "3 users connected") || sw.usersTab.Text != "Users (3)" {
		t.Errorf("counts %q tab %q", sw.counts.Text, sw.usersTab.Text)
	}
	if sw.roomsTab.Text != "Rooms (2)" || cellText(sw.roomList, 0, 0) != "Games" ||
		cellText(sw.roomList, 1, 1) != "3" || cellText(sw.roomList, 1, 2) != "alice, bob, 민수" {
		t.Errorf("rooms tab %q: %q %q %q", sw.roomsTab.Text,
			cellText(sw.roomList, 0, 0), cellText(sw.roomList, 1, 1), cellText(sw.roomList, 1, 2))
	}
	if !activityContains(sw, "alice joined from 192.168.1.30:40001") {
		t.Errorf("log lacks the join: %q", activityTexts(sw))
	}

	// Selecting bob enables Kick; when bob leaves, the selection and Kick go.
	sw.userList.Select(1)
	checkEnabled(t, "Kick", sw.kick, true)
	f.apply(server.UserLeft{Nick: "alice", Reason: "quit", At: at})
	if sw.selected != "bob" {
		t.Errorf("selection moved to %q", sw.selected)
	}
	f.apply(server.UserLeft{Nick: "bob", Reason: "connection lost", At: at},
		server.RoomChanged{Room: "Games"})
	checkEnabled(t, "Kick", sw.kick, false)
	if got := strings.Join(userNicks(sw), ","); got != "민수 · classic" {
		t.Fatalf("users %q", got)
	}
	if sw.roomsTab.Text != "Rooms (1)" {
		t.Errorf("rooms tab %q", sw.roomsTab.Text)
	}
	if !activityContains(sw, "bob left (connection lost)") || !activityContains(sw, "alice left (quit)") {
		t.Errorf("log lacks the leaves: %q", activityTexts(sw))
	}

	// Chat is logged with its room; a private message without its text.
	f.apply(
		server.Message{Room: "lobby", From: "민수", Text: "안녕하세요\nline two", At: at},
		server.Message{From: "민수", To: "alice", Text: "secret", Private: true, At: at},
		server.Notice{Text: "Announcement: pizza at noon", At: at},
	)
	if !activityContains(sw, "[lobby] 민수: 안녕하세요 ↵ line two") {
		t.Errorf("chat line missing: %q", activityTexts(sw))
	}
	if !activityContains(sw, "민수 → alice: private message") || activityContains(sw, "secret") {
		t.Errorf("private line wrong: %q", activityTexts(sw))
	}
	if !activityContains(sw, "pizza at noon") {
		t.Errorf("notice missing")
	}

	// Stop: controls go to stopping, then Stopped clears everything.
	test.Tap(sw.stop)
	if got := f.nextCmd(); got != (server.Stop{}) {
		t.Fatalf("command %#v", got)
	}
	checkEnabled(t, "Start", sw.start, false)
	checkEnabled(t, "Stop", sw.stop, false)
	f.apply(server.Stopped{At: time.Now()})
	if n := sw.userList.Length(); n != 0 || sw.usersTab.Text != "Users (0)" || sw.roomsTab.Text != "Rooms (0)" {
		t.Errorf("after Stopped: %d users, tabs %q %q", n, sw.usersTab.Text, sw.roomsTab.Text)
	}
	checkEnabled(t, "Start", sw.start, true)
	checkEnabled(t, "Stop", sw.stop, false)
	checkEnabled(t, "host", sw.host, true)
	checkEnabled(t, "Announce", sw.announceBtn, false)
	if sw.stateLabel.Text != "Stopped" {
		t.Errorf("state %q", sw.stateLabel.Text)
	}
}

func TestServerWindowReachLine(t *testing.T) {
	f := newServerFixture(t, 8)
	for _, tc := range []struct{ bound, want string }{
		{"0.0.0.0:5000", "192.168.1.20:5000  or  10.0.0.7:5000"},
		{"[::]:5000", "192.168.1.20:5000  or  10.0.0.7:5000"},
		{"127.0.0.1:5001", "127.0.0.1:5001 (this computer only)"},
		{"192.168.1.20:5002", "192.168.1.20:5002"},
	} {
		f.sw.m.State = servermodel.Stopped
		f.apply(server.Started{Addr: tc.bound, At: time.Now()})
		if got := f.sw.reach.Text; got != "Clients connect to "+tc.want {
			t.Errorf("bound %s: reach %q, want %q", tc.bound, got, tc.want)
		}
	}
	f.sw.lanAddrs = func() []netip.Addr { return nil }
	f.sw.m.State = servermodel.Stopped
	f.apply(server.Started{Addr: "0.0.0.0:5003", At: time.Now()})
	if got := f.sw.reach.Text; !strings.Contains(got, "127.0.0.1:5003") {
		t.Errorf("fallback reach %q", got)
	}
	// The real enumeration never lists loopback.
	for _, a := range lanIPv4s() {
		if a.IsLoopback() || !a.Is4() {
			t.Errorf("lanIPv4s listed %v", a)
		}
	}
}

func TestServerWindowKickDialog(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()},
		server.UserJoined{Nick: "alice", Addr: netip.MustParseAddrPort("127.0.0.1:1"), Since: time.Now()},
		server.UserJoined{Nick: "bob", Addr: netip.MustParseAddrPort("127.0.0.1:2"), Since: time.Now()})
	test.Tap(sw.kick) // no selection: nothing happens
	if f.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Kick without a selection opened a dialog")
	}
	sw.userList.Select(1)
	test.Tap(sw.kick)
	if got := overlayTexts(f.win); !strings.Contains(got, "Kick bob?") {
		t.Fatalf("dialog shows %q", got)
	}
	reason := overlayEntry(f.win)
	if reason == nil || reason.Text != "removed by the administrator" {
		t.Fatalf("reason entry %v", reason)
	}
	// Cancel sends nothing.
	dismissOverlay(t, f.win, "Cancel")
	f.noCmd()

	test.Tap(sw.kick)
	reason = overlayEntry(f.win)
	reason.SetText("")
	test.Type(reason, "spamming")
	dismissOverlay(t, f.win, "Kick")
	if got, want := f.nextCmd(), (server.Kick{Nick: "bob", Reason: "spamming"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
	// An empty reason falls back to the default.
	test.Tap(sw.kick)
	overlayEntry(f.win).SetText("  ")
	dismissOverlay(t, f.win, "Kick")
	if got, want := f.nextCmd(), (server.Kick{Nick: "bob", Reason: defaultKickReason}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
}

func TestServerWindowAnnounce(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	test.Type(sw.announce, "ignored while stopped")
	test.Tap(sw.announceBtn)
	f.noCmd()
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	sw.announce.SetText("")
	test.Type(sw.announce, "server restarts at 5")
	test.Tap(sw.announceBtn)
	if got, want := f.nextCmd(), (server.Announce{Text: "server restarts at 5"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
	if sw.announce.Text != "" {
		t.Errorf("entry not cleared: %q", sw.announce.Text)
	}
	// Enter sends too; blank text sends nothing.
	test.Type(sw.announce, "   ")
	sw.announce.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	f.noCmd()
	sw.announce.SetText("")
	test.Type(sw.announce, "공지: 점심")
	sw.announce.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got, want := f.nextCmd(), (server.Announce{Text: "공지: 점심"}); got != want {
		t.Fatalf("command %#v, want %#v", got, want)
	}
	// Too long: refused with a dialog, never cut.
	sw.announce.SetText(strings.Repeat("x", maxAnnounceBytes+1))
	test.Tap(sw.announceBtn)
	f.noCmd()
	if got := overlayTexts(f.win); !strings.Contains(got, "too long") {
		t.Fatalf("dialog shows %q", got)
	}
	if len(sw.announce.Text) != maxAnnounceBytes+1 {
		t.Error("the long text was changed")
	}
}
