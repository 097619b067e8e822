package gui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/client"
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
		server.UserJoined{Nick: "민수", Addr: netip.MustParseAddrPort("192.168.1.32:40003"), Since: at},
		server.RoomChanged{Room: "lobby", Members: []string{"alice", "bob", "민수"}},
		server.RoomChanged{Room: "Games", Members: []string{"bob"}},
	)
	if got := strings.Join(userNicks(sw), ","); got != "alice,bob,민수" {
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
	if got := strings.Join(userNicks(sw), ","); got != "민수" {
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
		f.sw.state = stateStopped
		f.apply(server.Started{Addr: tc.bound, At: time.Now()})
		if got := f.sw.reach.Text; got != "Clients connect to "+tc.want {
			t.Errorf("bound %s: reach %q, want %q", tc.bound, got, tc.want)
		}
	}
	f.sw.lanAddrs = func() []netip.Addr { return nil }
	f.sw.state = stateStopped
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

func TestServerWindowErrorsAreDialogs(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	test.Tap(sw.start)
	f.nextCmd()
	inUse := fmt.Errorf("listen tcp 0.0.0.0:5000: bind: %w", syscall.EADDRINUSE)
	f.apply(server.Error{Op: "start", Err: inUse, At: time.Now()})
	if got := overlayTexts(f.win); !strings.Contains(got, "already in use") || !strings.Contains(got, "Could not start") {
		t.Fatalf("dialog shows %q", got)
	}
	checkEnabled(t, "Start", sw.start, true)
	if sw.stateLabel.Text != "Stopped" {
		t.Errorf("state %q", sw.stateLabel.Text)
	}
	// A second error while the first dialog is open is logged, not stacked.
	f.apply(server.Error{Op: "accept", Err: errors.New("too many open files")})
	if sw.errorDialogs != 1 || !activityContains(sw, "too many open files") {
		t.Errorf("dialogs %d, log %q", sw.errorDialogs, activityTexts(sw))
	}
	dismissOverlay(t, f.win, "OK")

	// A failed stop leaves the server running, and says so.
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	test.Tap(sw.stop)
	f.nextCmd()
	f.apply(server.Error{Op: "stop", Err: errors.New("boom"), At: time.Now()})
	if got := overlayTexts(f.win); !strings.Contains(got, "Could not stop") || !strings.Contains(got, "boom") {
		t.Fatalf("dialog shows %q", got)
	}
	checkEnabled(t, "Stop", sw.stop, true)
}

func TestServerWindowNeverBlocksOnCommands(t *testing.T) {
	f := newServerFixture(t, 1) // room for one command only
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	const n = 20
	start := time.Now()
	for i := range n {
		sw.announce.SetText(fmt.Sprintf("note %d", i))
		test.Tap(sw.announceBtn)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("%d taps took %v", n, d)
	}
	for i := range n {
		got := f.nextCmd()
		if want := (server.Announce{Text: fmt.Sprintf("note %d", i)}); got != want {
			t.Fatalf("command %d: %#v, want %#v", i, got, want)
		}
	}
	f.ui.settle(75 * time.Millisecond)
	f.noCmd()
	sw.out.mu.Lock()
	pending := len(sw.out.queue)
	sw.out.mu.Unlock()
	if pending != 0 {
		t.Fatalf("%d commands still pending", pending)
	}
}

func TestServerWindowLogIsCappedAndFollows(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	batch := make([]server.Event, 0, 3000)
	total := 0
	for range 4 {
		batch = batch[:0]
		for range 3000 {
			total++
			batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprintf("line %d", total)})
		}
		f.apply(batch...)
		if !sw.logAtBottom() {
			t.Fatalf("log stopped following the bottom at %d lines", total)
		}
	}
	if n := sw.log.Length(); n > maxLogLines+logTrimSlack || n < maxLogLines {
		t.Fatalf("log holds %d lines", n)
	}
	if last := activityText(sw, sw.log.Length()-1); last != fmt.Sprintf("[lobby] bot: line %d", total) {
		t.Fatalf("last line %q", last)
	}

	// Scrolled up, new lines do not move the view off the lines it shows,
	// whether or not they make the log drop its oldest lines.
	row := sw.logItemHt + theme.Padding()
	topLine := func() string { return activityText(sw, int(sw.log.GetScrollOffset()/row)) }
	for _, more := range []int{1, logTrimSlack} {
		sw.log.ScrollToOffset(float32(sw.log.Length()/2) * row)
		before := topLine()
		batch = batch[:0]
		for range more {
			total++
			batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprintf("line %d", total)})
		}
		f.apply(batch...)
		if got := topLine(); got != before {
			t.Fatalf("after %d more lines the view moved from %q to %q", more, before, got)
		}
		if sw.logAtBottom() {
			t.Fatal("log claims to be at the bottom")
		}
	}
	if n := sw.log.Length(); n > maxLogLines+logTrimSlack {
		t.Fatalf("log holds %d lines", n)
	}
}

func TestServerWindowCloseStopsFirst(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	sw.requestClose()
	if got := f.nextCmd(); got != (server.Stop{}) {
		t.Fatalf("command %#v", got)
	}
	if sw.closed {
		t.Fatal("closed before the server stopped")
	}
	checkEnabled(t, "Start", sw.start, false)
	f.apply(server.Stopped{At: time.Now()})
	if !sw.closed {
		t.Fatal("not closed after Stopped")
	}
	f.ui.settle(10 * time.Millisecond)
}

func TestServerWindowCloseWhenStoppedIsImmediate(t *testing.T) {
	f := newServerFixture(t, 8)
	f.sw.requestClose()
	f.noCmd()
	if !f.sw.closed {
		t.Fatal("not closed")
	}
}

func TestServerWindowCloseGivesUpAfterTimeout(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	start := time.Now()
	sw.requestClose()
	f.nextCmd()
	f.ui.waitFor("the window to close without Stopped", 2*closeTimeout, func() bool { return sw.closed })
	if d := time.Since(start); d < closeTimeout-100*time.Millisecond {
		t.Fatalf("closed after %v, before the %v grace period", d, closeTimeout)
	}
}

func TestServerWindowAbout(t *testing.T) {
	f := newServerFixture(t, 8)
	f.win.MainMenu().Items[1].Items[0].Action()
	got := overlayTexts(f.win)
	for _, want := range []string{"MultiChat Server", "Version dev", "protocol version 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("About shows %q, lacks %q", got, want)
		}
	}
	var link *widget.Hyperlink
	walkTree(f.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if h, ok := o.(*widget.Hyperlink); ok {
			link = h
		}
	})
	if link == nil || link.URL == nil || link.URL.String() != ReadmeURL {
		t.Fatalf("README link %v", link)
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		"a\nb":          "a ↵ b",
		"tab\there":     "tab here",
		"bidi\u202eabc": "bidi abc",
		"long text":     "long…",
	} {
		limit := 100
		if in == "long text" {
			limit = 4
		}
		if got := oneLine(in, limit); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// --- with a real server and real clients on loopback ---

// realServer runs server.Run for the test; stop ends it.
func realServer(t *testing.T) (cmds chan server.Command, events chan server.Event, stop func()) {
	t.Helper()
	cmds = make(chan server.Command, 16)
	events = make(chan server.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	dataDir := t.TempDir()
	go func() { done <- server.Run(ctx, server.Config{DataDir: dataDir}, cmds, events) }()
	return cmds, events, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server.Run did not return")
		}
	}
}

// newRealServerFixture builds the window wired to a real server through its pump.
func newRealServerFixture(t *testing.T) *serverWindowFixture {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	cmds, events, stop := realServer(t)
	sw := newServerWindow(a, w, cmds)
	ui := newTestUILoop(t)
	sw.uiDo = ui.do
	w.Resize(fyne.NewSize(1040, 660))
	w.Show()
	pumped := sw.attach(events)
	t.Cleanup(func() {
		stop() // Run closes events, so the pump ends
		ui.waitFor("the pump to end", 10*time.Second, func() bool {
			select {
			case <-pumped:
				return true
			default:
				return false
			}
		})
		if !sw.closed {
			sw.closed = true
			w.Close()
		}
	})
	return &serverWindowFixture{t: t, app: a, win: w, sw: sw, ui: ui}
}

// freeLoopbackPort returns a loopback port that was free a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// chatClient is a real net/client session whose events the test can wait for.
type chatClient struct {
	t    *testing.T
	nick string
	cmds chan client.Command
	mu   sync.Mutex
	evs  []client.Event
	more chan struct{}
}

func newChatClient(t *testing.T, addr, nick string) *chatClient {
	t.Helper()
	c := &chatClient{t: t, nick: nick, cmds: make(chan client.Command, 16), more: make(chan struct{}, 1)}
	dataDir := t.TempDir()
	events := make(chan client.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.Run(ctx, c.cmds, events, client.WithBackoff(200*time.Millisecond, time.Second),
			client.WithDataDir(dataDir))
	}()
	go func() {
		for ev := range events {
			c.mu.Lock()
			c.evs = append(c.evs, ev)
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("client %s did not end", nick)
		}
	})
	c.cmds <- client.Connect{Addr: addr, Nick: nick}
	ev := c.waitEvent("Connected or TrustNeeded", func(ev client.Event) bool {
		switch ev.(type) {
		case client.Connected, client.TrustNeeded:
			return true
		}
		return false
	})
	if tn, ok := ev.(client.TrustNeeded); ok { // a new server: the user accepts it
		c.cmds <- client.TrustServer{Fingerprint: tn.Fingerprint}
		c.waitEvent("Connected", func(ev client.Event) bool { _, ok := ev.(client.Connected); return ok })
	}
	return c
}

// waitEvent waits until the client has received an event matching match.
func (c *chatClient) waitEvent(what string, match func(client.Event) bool) client.Event {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	seen := 0
	for {
		c.mu.Lock()
		evs := c.evs[seen:]
		seen = len(c.evs)
		c.mu.Unlock()
		for _, ev := range evs {
			if match(ev) {
				return ev
			}
		}
		select {
		case <-c.more:
		case <-deadline:
			c.mu.Lock()
			defer c.mu.Unlock()
			c.t.Fatalf("%s never received %s; got %#v", c.nick, what, c.evs)
		}
	}
}

func (f *serverWindowFixture) startOn(port int) {
	f.t.Helper()
	f.sw.host.SetText("127.0.0.1")
	f.sw.port.SetText(strconv.Itoa(port))
	test.Tap(f.sw.start)
	f.ui.waitFor("the server to start", 10*time.Second, func() bool { return f.sw.stateLabel.Text == "Running" })
}

func sortedNicks(sw *ServerWindow) string {
	n := userNicks(sw)
	slices.Sort(n)
	return strings.Join(n, ",")
}

func TestServerWindowRealServer(t *testing.T) {
	f := newRealServerFixture(t)
	sw := f.sw
	port := freeLoopbackPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	// Start shows the bound address.
	f.startOn(port)
	if got := sw.reach.Text; got != "Clients connect to "+addr+" (this computer only)" {
		t.Fatalf("reach line %q", got)
	}
	checkEnabled(t, "Start", sw.start, false)
	checkEnabled(t, "Stop", sw.stop, true)
	// The server's identity, for users to compare with what their client shows.
	if got := sw.identityText.Text; !regexp.MustCompile(`^Fingerprint ([0-9A-F]{4} ){15}[0-9A-F]{4} `).MatchString(got) {
		t.Errorf("identity line %q", got)
	}
	checkEnabled(t, "Password…", sw.passwordBtn, true)

	// Two real clients connect and both appear in the list.
	alice := newChatClient(t, addr, "alice")
	bob := newChatClient(t, addr, "bob")
	f.ui.waitFor("alice and bob in the list", 10*time.Second, func() bool { return sortedNicks(sw) == "alice,bob" })
	if !strings.Contains(sw.counts.Text, "2 users connected") {
		t.Errorf("counts %q", sw.counts.Text)
	}
	if got := cellText(sw.userList, 0, 1); !strings.HasPrefix(got, "127.0.0.1:") {
		t.Errorf("address column %q", got)
	}

	// Chat, a room and a private message show in the log and the Rooms tab;
	// the private message's text does not.
	alice.cmds <- client.JoinRoom{Room: "games"}
	alice.cmds <- client.Say{ID: 1, Room: "games", Text: "anyone for chess?"}
	alice.cmds <- client.Private{ID: 2, To: "bob", Text: "the password is swordfish"}
	f.ui.waitFor("the chat and the private message in the log", 10*time.Second, func() bool {
		return activityContains(sw, "[games] alice: anyone for chess?") && activityContains(sw, "alice → bob: private message")
	})
	if activityContains(sw, "swordfish") {
		t.Error("the log shows a private message's text")
	}
	f.ui.waitFor("the rooms tab", 10*time.Second, func() bool { return sw.roomsTab.Text == "Rooms (2)" })
	if cellText(sw.roomList, 0, 0) != "games" || cellText(sw.roomList, 0, 2) != "alice" {
		t.Errorf("rooms: %q %q", cellText(sw.roomList, 0, 0), cellText(sw.roomList, 0, 2))
	}

	// Select bob, Kick, confirm with a reason: bob is told, the list shows one.
	row := slices.Index(userNicks(sw), "bob")
	sw.userList.Select(row)
	test.Tap(sw.kick)
	reason := overlayEntry(f.win)
	if reason == nil {
		t.Fatal("no reason entry in the kick dialog")
	}
	reason.SetText("")
	test.Type(reason, "too many puns")
	dismissOverlay(t, f.win, "Kick")
	k := bob.waitEvent("Kicked", func(ev client.Event) bool { _, ok := ev.(client.Kicked); return ok }).(client.Kicked)
	if k.Reason != "too many puns" {
		t.Errorf("bob was kicked with reason %q", k.Reason)
	}
	f.ui.waitFor("bob gone from the list", 10*time.Second, func() bool { return sortedNicks(sw) == "alice" })
	checkEnabled(t, "Kick", sw.kick, false)
	if !activityContains(sw, "bob left (kicked)") {
		t.Errorf("log lacks the kick: %q", activityTexts(sw))
	}

	// Announce reaches the client as a system notice.
	test.Type(sw.announce, "closing at six")
	test.Tap(sw.announceBtn)
	n := alice.waitEvent("Notice", func(ev client.Event) bool { _, ok := ev.(client.Notice); return ok }).(client.Notice)
	if n.Text != "closing at six" {
		t.Errorf("notice %q", n.Text)
	}

	// Stop clears the list, and the client is told.
	test.Tap(sw.stop)
	f.ui.waitFor("the server to stop", 10*time.Second, func() bool { return sw.stateLabel.Text == "Stopped" })
	alice.waitEvent("Disconnected(stopping)", func(ev client.Event) bool {
		d, ok := ev.(client.Disconnected)
		return ok && errors.Is(d.Err, client.ErrServerStopping)
	})
	if n := sw.userList.Length(); n != 0 || sw.usersTab.Text != "Users (0)" {
		t.Errorf("after Stop: %d users, tab %q", n, sw.usersTab.Text)
	}
	checkEnabled(t, "Start", sw.start, true)
	checkEnabled(t, "Stop", sw.stop, false)

	// Start again on the same port: the reconnecting client comes back.
	f.startOn(port)
	f.ui.waitFor("alice back", 15*time.Second, func() bool { return sortedNicks(sw) == "alice" })

	// Closing the window while serving stops the server first.
	sw.requestClose()
	f.ui.waitFor("the window to close", 10*time.Second, func() bool { return sw.closed })
	if sw.state != stateStopped {
		t.Errorf("closed in state %v", sw.state)
	}
}

func TestServerWindowRealPortInUse(t *testing.T) {
	f := newRealServerFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f.sw.host.SetText("127.0.0.1")
	f.sw.port.SetText(strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	test.Tap(f.sw.start)
	f.ui.waitFor("an error dialog", 10*time.Second, func() bool { return f.win.Canvas().Overlays().Top() != nil })
	if got := overlayTexts(f.win); !strings.Contains(got, "Could not start") || !strings.Contains(got, "already in use") {
		t.Fatalf("dialog shows %q", got)
	}
	if f.sw.stateLabel.Text != "Stopped" {
		t.Errorf("state %q", f.sw.stateLabel.Text)
	}
	checkEnabled(t, "Start", f.sw.start, true)
	checkEnabled(t, "Stop", f.sw.stop, false)
}

func TestServerWindowLogFollowsItsOwnLines(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	var batch []server.Event
	for i := range 100 {
		batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprint(i)})
	}
	batch = append(batch, server.Stopped{At: time.Now()})
	f.apply(batch...)
	test.Tap(sw.start) // logs "Starting on …" itself
	f.nextCmd()
	if !sw.logAtBottom() {
		t.Fatal("the log stopped following after the window's own line")
	}
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	if !sw.logAtBottom() || !strings.HasPrefix(activityText(sw, sw.log.Length()-1), "Server started") {
		t.Fatal("the log does not show the last line")
	}
}
