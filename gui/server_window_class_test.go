package gui

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
)

// headerButton is the user table's header button whose title starts with
// title.
func headerButton(t *testing.T, sw *ServerWindow, title string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walkTree(sw.users, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && strings.HasPrefix(b.Text, title) {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no %q header", title)
	}
	return found
}

func userColumn(sw *ServerWindow, col int) []string {
	out := make([]string, userRows(sw))
	for i := range out {
		out[i] = userCell(sw, i, col)
	}
	return out
}

// TestServerWindowClassOf40 is a class of 40 on a real server: sort by each
// header, filter as you type, kick ten at once, an impersonation attempt in
// the log, and the confirmations on Stop and on close.
func TestServerWindowClassOf40(t *testing.T) {
	if testing.Short() {
		t.Skip("40 real clients")
	}
	f := newRealServerFixture(t)
	sw := f.sw
	port := freeLoopbackPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	f.startOn(port)
	defer func() {
		if t.Failed() {
			t.Logf("users shown: %q\nactivity: %q", userNicks(sw), activityTexts(sw))
			f.ui.settle(3 * time.Second)
			t.Logf("3 s later: %d users shown", userRows(sw))
		}
	}()

	const n = 40
	clients := make(map[string]*chatClient, n)
	for i := range n {
		nick := fmt.Sprintf("pupil%02d", (i*7)%n) // joins out of name order
		clients[nick] = newChatClient(t, addr, nick)
	}
	f.ui.waitFor("40 users in the list", 30*time.Second, func() bool { return userRows(sw) == n })
	if got := f.win.Title(); got != "MultiChat Server — Running, 40 connected" {
		t.Errorf("title %q", got)
	}

	// Sorted by nickname by default; the header taps sort by address and time.
	if nicks := userNicks(sw); !slices.IsSorted(nicks) {
		t.Errorf("not sorted by nickname: %q", nicks)
	}
	test.Tap(headerButton(t, sw, "Address"))
	ports := make([]int, 0, n)
	for _, a := range userColumn(sw, colAddr) {
		_, p, _ := net.SplitHostPort(a)
		pn, _ := strconv.Atoi(p)
		ports = append(ports, pn)
	}
	if !slices.IsSorted(ports) {
		t.Errorf("not sorted by address: %v", ports)
	}
	if b := headerButton(t, sw, "Address"); b.Text != "Address ▲" {
		t.Errorf("sorted header reads %q", b.Text)
	}
	test.Tap(headerButton(t, sw, "Connected since"))
	if got := userNicks(sw); got[0] != "pupil00" || got[1] != "pupil07" || got[39] != "pupil33" {
		t.Errorf("by time: %q", got)
	}
	test.Tap(headerButton(t, sw, "Connected since"))
	if got := userNicks(sw); got[0] != "pupil33" {
		t.Errorf("by time, newest first: %q", got[:3])
	}
	test.Tap(headerButton(t, sw, "Nickname"))

	// Typing filters; select all shown; Kick asks once for the ten.
	test.Type(sw.filter, "PUPIL1")
	if got := userNicks(sw); len(got) != 10 || got[0] != "pupil10" || sw.usersTab.Text != "Users (10 of 40)" {
		t.Fatalf("filtered: %q, tab %q", got, sw.usersTab.Text)
	}
	test.Tap(sw.selectAll)
	if sw.kick.Text != "Kick 10…" || sw.kick.Disabled() {
		t.Fatalf("kick button %q disabled=%v", sw.kick.Text, sw.kick.Disabled())
	}
	test.Tap(sw.kick)
	if got := overlayTexts(f.win); !strings.Contains(got, "Kick 10 users?") || !strings.Contains(got, "pupil10, pupil11") {
		t.Fatalf("kick dialog shows %q", got)
	}
	reason := overlayEntry(f.win)
	reason.SetText("")
	test.Type(reason, "talking in the exam")
	dismissOverlay(t, f.win, "Kick")
	for i := 10; i < 20; i++ {
		c := clients[fmt.Sprintf("pupil%02d", i)]
		k := c.waitEvent("Kicked", func(ev client.Event) bool { _, ok := ev.(client.Kicked); return ok }).(client.Kicked)
		if k.Reason != "talking in the exam" {
			t.Errorf("%s kicked with %q", c.nick, k.Reason)
		}
	}
	f.ui.waitFor("30 left", 10*time.Second, func() bool { return f.win.Title() == "MultiChat Server — Running, 30 connected" })
	if rows := userRows(sw); rows != 0 || sw.kick.Text != "Kick…" || !sw.kick.Disabled() {
		t.Errorf("after the kick the filter shows %d, kick %q", rows, sw.kick.Text)
	}
	sw.filter.SetText("")
	if rows := userRows(sw); rows != 30 {
		t.Errorf("unfiltered: %d rows", rows)
	}

	// Someone tries to take a pupil's name: refused, and the admin sees it.
	startChatClient(t, addr, "PUPIL05")
	f.ui.waitFor("the refusal in the log", 10*time.Second, func() bool {
		return activityContains(sw, "Refused “PUPIL05” from 127.0.0.1:")
	})

	// Stop asks; "Keep running" keeps it running.
	test.Tap(sw.stop)
	if got := overlayTexts(f.win); !strings.Contains(got, "30 people are connected. Stop the server?") {
		t.Fatalf("Stop asks %q", got)
	}
	dismissOverlay(t, f.win, "Keep running")
	f.ui.settle(50 * time.Millisecond)
	if sw.m.State != servermodel.Running {
		t.Fatalf("state %v after Keep running", sw.m.State)
	}
	// Closing asks too; "Keep running" keeps the window, then agreeing
	// stops the server and closes it.
	sw.requestClose()
	if got := overlayTexts(f.win); !strings.Contains(got, "30 people are connected. Stop the server and close the window?") {
		t.Fatalf("Close asks %q", got)
	}
	dismissOverlay(t, f.win, "Keep running")
	if sw.closed || sw.m.Closing {
		t.Fatal("closing after Keep running")
	}
	sw.requestClose()
	dismissOverlay(t, f.win, "Stop the server")
	f.ui.waitFor("the window to close", 10*time.Second, func() bool { return sw.closed })
	if sw.m.State != servermodel.Stopped {
		t.Errorf("closed in state %v", sw.m.State)
	}
	clients["pupil00"].waitEvent("Disconnected(stopping)", func(ev client.Event) bool {
		d, ok := ev.(client.Disconnected)
		return ok && d.Err != nil
	})
}

func TestServerWindowAutoStartIsRemembered(t *testing.T) {
	a := test.NewTempApp(t)
	f := newServerFixtureWithApp(t, a, 8)
	f.sw.StartIfAsked()
	f.noCmd()
	test.Tap(f.sw.autoStart)
	if !a.Preferences().Bool(prefAutoStart) {
		t.Fatal("the option was not saved")
	}
	// The next window (the next run of the app) starts by itself.
	g := newServerFixtureWithApp(t, a, 8)
	if !g.sw.autoStart.Checked {
		t.Fatal("the option is not shown ticked")
	}
	g.sw.StartIfAsked()
	if got, ok := g.nextCmd().(server.Start); !ok || got.Addr != "0.0.0.0:7878" {
		t.Fatalf("command %#v", got)
	}
}

func TestServerWindowActivityDetailAndCopy(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	at := time.Now()
	long := strings.Repeat("긴 문장입니다. ", 100)
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: at},
		server.Message{Room: "lobby", From: "민수", Text: long, At: at})
	last := sw.log.Length() - 1
	if got := activityText(sw, last); !strings.HasSuffix(got, "…") {
		t.Fatalf("the log line is not cut: %d characters", len([]rune(got)))
	}
	if sw.detailPane.Visible() {
		t.Fatal("details shown before a line is picked")
	}
	sw.log.Select(last)
	if !sw.detailPane.Visible() || !strings.Contains(sw.detail.Text, long) || !sw.detail.Selectable {
		t.Fatalf("details pane visible=%v text %q", sw.detailPane.Visible(), sw.detail.Text)
	}
	var copyBtn *widget.Button
	walkTree(sw.detailPane, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Copy" {
			copyBtn = b
		}
	})
	test.Tap(copyBtn)
	if got := f.app.Clipboard().Content(); got != at.Format("15:04:05")+" [lobby] 민수: "+long {
		t.Errorf("clipboard %q", got)
	}
	sw.log.UnselectAll()
	if sw.detailPane.Visible() {
		t.Error("details still shown")
	}
}

func TestServerWindowTitleAndLeastWidth(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "0.0.0.0:5000", At: time.Now()})
	if got := f.win.Title(); got != "MultiChat Server — Running, 0 connected" {
		t.Errorf("title %q", got)
	}
	// The window cannot be made so narrow that the address is cut.
	if minW, need := f.win.Content().MinSize().Width, sw.reach.MinSize().Width; minW < need {
		t.Errorf("the window's least width %v cuts the reach line (%v)", minW, need)
	}
}

// TestSelectionIcon: the Users header's mark is empty with nobody selected,
// partial with some of those shown, ticked with all of them (it was ticked
// as soon as one was).
func TestSelectionIcon(t *testing.T) {
	test.NewTempApp(t)
	var m servermodel.Model
	m.Shown = []servermodel.User{{Nick: "민수"}, {Nick: "지은"}}
	if got := selectionIcon(&m).Name(); got != theme.CheckButtonIcon().Name() {
		t.Errorf("none selected: %s", got)
	}
	m.Toggle(1)
	if got, want := selectionIcon(&m).Name(), theme.Icon(theme.IconNameCheckButtonPartial).Name(); got != want {
		t.Errorf("one of two: %s, want %s", got, want)
	}
	m.SelectShown()
	if got := selectionIcon(&m).Name(); got != theme.CheckButtonCheckedIcon().Name() {
		t.Errorf("all: %s", got)
	}
}
