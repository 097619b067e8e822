package gui

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

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

func overlayEntry(w fyne.Window) *imeEntry {
	top := w.Canvas().Overlays().Top()
	var found *imeEntry
	walkTree(top, func(o fyne.CanvasObject) {
		if e, ok := o.(*imeEntry); ok && found == nil {
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
	rows, _ := sw.users.Length()
	out := make([]string, rows)
	for i := range out {
		out[i] = userCell(sw, i, colNick)
	}
	return out
}

// userCell is what the user table shows at row, col.
func userCell(sw *ServerWindow, row, col int) string {
	o := sw.users.CreateCell()
	sw.users.UpdateCell(widget.TableCellID{Row: row, Col: col}, o)
	return o.(*fyne.Container).Objects[1].(*widget.Label).Text
}

// userRows is how many users the table shows.
func userRows(sw *ServerWindow) int {
	rows, _ := sw.users.Length()
	return rows
}

// selectUser clicks the user's row in the table.
func selectUser(t *testing.T, sw *ServerWindow, nick string) {
	t.Helper()
	row := slices.Index(userNicks(sw), nick)
	if row < 0 {
		t.Fatalf("%s not in the list %q", nick, userNicks(sw))
	}
	sw.users.Select(widget.TableCellID{Row: row, Col: colNick})
}

func checkEnabled(t *testing.T, what string, w fyne.Disableable, want bool) {
	t.Helper()
	if w.Disabled() == want {
		t.Errorf("%s enabled = %v, want %v", what, !w.Disabled(), want)
	}
}
