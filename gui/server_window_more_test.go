package gui

import (
	"context"
	"errors"
	"fmt"
	"net"
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

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
)

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
		if got := servermodel.OneLine(in, limit); got != want {
			t.Errorf("servermodel.OneLine(%q) = %q, want %q", in, got, want)
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
	c := startChatClient(t, addr, nick)
	c.waitEvent("Connected", func(ev client.Event) bool { _, ok := ev.(client.Connected); return ok })
	return c
}

// startChatClient starts a client that connects to addr as nick, without
// waiting for the server's answer.
func startChatClient(t *testing.T, addr, nick string) *chatClient {
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
	// A new server asks to be trusted first: the user accepts it. Whether
	// the connection is then accepted is for the caller to wait for.
	ev := c.waitEvent("Connected, Refused or TrustNeeded", func(ev client.Event) bool {
		switch ev.(type) {
		case client.Connected, client.Refused, client.TrustNeeded:
			return true
		}
		return false
	})
	if tn, ok := ev.(client.TrustNeeded); ok {
		c.cmds <- client.TrustServer{Fingerprint: tn.Fingerprint}
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

	// Two real clients connect and both appear in the list.
	alice := newChatClient(t, addr, "alice")
	bob := newChatClient(t, addr, "bob")
	f.ui.waitFor("alice and bob in the list", 10*time.Second, func() bool { return sortedNicks(sw) == "alice,bob" })
	if !strings.Contains(sw.counts.Text, "2 users connected") {
		t.Errorf("counts %q", sw.counts.Text)
	}
	if got := userCell(sw, 0, colAddr); !strings.HasPrefix(got, "127.0.0.1:") {
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
	selectUser(t, sw, "bob")
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
	dismissOverlay(t, f.win, "Stop the server")
	f.ui.waitFor("the server to stop", 10*time.Second, func() bool { return sw.stateLabel.Text == "Stopped" })
	alice.waitEvent("Disconnected(stopping)", func(ev client.Event) bool {
		d, ok := ev.(client.Disconnected)
		return ok && errors.Is(d.Err, client.ErrServerStopping)
	})
	if n := userRows(sw); n != 0 || sw.usersTab.Text != "Users (0)" {
		t.Errorf("after Stop: %d users, tab %q", n, sw.usersTab.Text)
	}
	checkEnabled(t, "Start", sw.start, true)
	checkEnabled(t, "Stop", sw.stop, false)

	// Start again on the same port: the reconnecting client comes back.
	f.startOn(port)
	f.ui.waitFor("alice back", 15*time.Second, func() bool { return sortedNicks(sw) == "alice" })

	// Closing the window while serving stops the server first.
	sw.requestClose()
	if got := overlayTexts(f.win); !strings.Contains(got, "1 person is connected. Stop the server and close the window?") {
		t.Fatalf("Close asks %q", got)
	}
	dismissOverlay(t, f.win, "Stop the server")
	f.ui.waitFor("the window to close", 10*time.Second, func() bool { return sw.closed })
	if sw.m.State != servermodel.Stopped {
		t.Errorf("closed in state %v", sw.m.State)
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
	n := sw.log.Length()
	if !sw.logAtBottom() || !strings.HasPrefix(activityText(sw, n-2), "Server started") ||
		activityText(sw, n-1) != servermodel.PlaintextWarning() {
		t.Fatal("the log does not show the last line")
	}
}
