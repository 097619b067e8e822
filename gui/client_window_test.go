package gui

import (
	"cmp"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// newTestClient builds a client window on Fyne's test driver with a command
// channel the test reads; events are applied by calling apply directly.
func newTestClient(t *testing.T, opts ClientOptions) (*ClientWindow, chan client.Command) {
	t.Helper()
	a := test.NewTempApp(t)
	win := a.NewWindow("")
	cmds := make(chan client.Command, 1000)
	if opts.Addr == "" && opts.Nick == "" {
		opts = ClientOptions{Addr: "127.0.0.1:7878", Nick: "alice"}
	}
	w := NewClientWindow(a, win, cmds, nil, opts)
	win.Resize(fyne.NewSize(960, 640))
	t.Cleanup(win.Close)
	return w, cmds
}

// nextCmd reads the next command the window sent, failing after a second.
// Typing notices (sent as text is typed) are skipped: TestClientPresence
// checks them.
func nextCmd(t *testing.T, cmds <-chan client.Command) client.Command {
	t.Helper()
	deadline := time.After(time.Second)
	for {
		select {
		case c := <-cmds:
			if _, typing := c.(client.SendTyping); typing {
				continue
			}
			return c
		case <-deadline:
			t.Fatal("no command sent")
			return nil
		}
	}
}

func noCmd(t *testing.T, cmds <-chan client.Command) {
	t.Helper()
	for {
		select {
		case c := <-cmds:
			if _, typing := c.(client.SendTyping); typing {
				continue
			}
			t.Fatalf("unexpected command %#v", c)
		default:
			return
		}
	}
}

// connectAs presses Connect and answers with a Connected event.
func connectAs(t *testing.T, w *ClientWindow, cmds <-chan client.Command, users ...string) {
	t.Helper()
	test.Tap(w.connectBtn)
	c, ok := nextCmd(t, cmds).(client.Connect)
	if !ok || c.Nick != w.nick.Text || c.Addr != w.addr.Text {
		t.Fatalf("Connect command = %#v", c)
	}
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Addr: c.Addr, Nick: c.Nick, Server: "Test", Lobby: "lobby", Users: append([]string{c.Nick}, users...)}})
	if w.win.Content() != w.chat {
		t.Fatal("chat view not shown after Connected")
	}
}

// shownRows returns the log rows on screen, top to bottom, as "time|nick|text".
func shownRows(w *ClientWindow) []string {
	var rows []*logRow
	for _, o := range test.LaidOutObjects(w.logList) {
		if r, ok := o.(*logRow); ok && r.Visible() && r.seq >= 0 {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *logRow) int {
		return cmp.Compare(a.Position().Y, b.Position().Y)
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.tm.Text + "|" + r.nick.Text + "|" + r.text.Text
	}
	return out
}

// shownText is the log's text on screen, one string per row, without times.
func shownText(w *ClientWindow) string {
	var b strings.Builder
	for _, r := range shownRows(w) {
		_, rest, _ := strings.Cut(r, "|")
		b.WriteString(rest)
		b.WriteByte('\n')
	}
	return b.String()
}

func enter(w *ClientWindow, text string) {
	w.input.SetText("")
	test.Type(w.input, text)
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

func shownUsers(w *ClientWindow) []string {
	var out []string
	for _, o := range test.LaidOutObjects(w.usersList) {
		if r, ok := o.(*userRow); ok && r.Visible() && r.id >= 0 {
			out = append(out, r.label.Text)
		}
	}
	slices.Sort(out)
	return out
}

func TestClientTypingEnterSendsSayAndClears(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	enter(w, "hello, 세상 😀")
	say, ok := nextCmd(t, cmds).(client.Say)
	if !ok || say.Text != "hello, 세상 😀" || say.Room != "lobby" || say.ID == 0 {
		t.Fatalf("sent %#v, want a Say of the typed text to the lobby", say)
	}
	if w.input.Text != "" {
		t.Errorf("entry not cleared: %q", w.input.Text)
	}
	if w.win.Canvas().Focused() != w.input {
		t.Error("focus left the entry")
	}
	rows := shownRows(w)
	if last := rows[len(rows)-1]; last != "…|alice|hello, 세상 😀" {
		t.Errorf("pending line shown as %q", last)
	}
	when := time.Date(2026, 1, 2, 15, 4, 0, 0, time.Local)
	w.apply([]client.Event{client.Message{MsgID: 7, ID: say.ID, Time: when, Room: "lobby", From: "alice", Text: say.Text, Mine: true}})
	rows = shownRows(w)
	if last := rows[len(rows)-1]; last != "15:04|alice|hello, 세상 😀" {
		t.Errorf("delivered line shown as %q", last)
	}
	if n := strings.Count(shownText(w), "hello, 세상"); n != 1 {
		t.Errorf("my message shown %d times after its echo", n)
	}
}

func TestClientIncomingMessageUsersAndKick(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	if got := w.usersTitle.Text; got != "Online — 2" {
		t.Errorf("users title %q", got)
	}
	when := time.Date(2026, 1, 2, 9, 30, 0, 0, time.Local)
	w.apply([]client.Event{
		client.Message{MsgID: 1, Time: when, Room: "lobby", From: "bob", Text: "안녕하세요, alice"},
		client.Joined{Room: "lobby", Nick: "carol", Time: when},
		client.Users{Room: "lobby", Users: []string{"alice", "bob", "carol"}, Via: map[string]string{"carol": "irc"}},
	})
	rows := shownRows(w)
	if !slices.Contains(rows, "09:30|bob|안녕하세요, alice") {
		t.Errorf("bob's message not shown: %q", rows)
	}
	if !slices.Contains(rows, "09:30|•|carol joined") {
		t.Errorf("join line not shown: %q", rows)
	}
	if got := w.usersTitle.Text; got != "Online — 3" {
		t.Errorf("users title %q, want Online — 3", got)
	}
	if got := shownUsers(w); !slices.Equal(got, []string{"alice (you)", "bob", "carol · IRC"}) { // a gateway user is marked
		t.Errorf("user list shows %q", got)
	}
	w.apply([]client.Event{client.Left{Room: "lobby", Nick: "carol", Reason: wire.LeftLost, Time: when},
		client.Users{Room: "lobby", Users: []string{"alice", "bob"}}})
	if got := w.usersTitle.Text; got != "Online — 2" {
		t.Errorf("users title after leave %q", got)
	}
	if !strings.Contains(shownText(w), "carol lost the connection") {
		t.Errorf("leave line with reason not shown:\n%s", shownText(w))
	}

	w.apply([]client.Event{client.Kicked{Session: 1, Reason: "spamming", By: "admin"}, client.Disconnected{Session: 1, Final: true}})
	// Nothing is lost: the conversation stays, read-only, and says why.
	if w.win.Content() != w.chat || !strings.Contains(shownText(w), "bob|안녕하세요, alice") {
		t.Fatalf("conversation not kept after kick:\n%s", shownText(w))
	}
	if w.banner.Hidden || !strings.Contains(w.bannerText.Text, "spamming") || w.againBtn.Hidden {
		t.Errorf("banner %q (hidden %v) lacks the reason or Connect again", w.bannerText.Text, w.banner.Hidden)
	}
	if !w.input.Disabled() {
		t.Error("entry still takes text after the kick")
	}
	overlay := w.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no kick dialog")
	}
	var texts []string
	for _, o := range test.LaidOutObjects(overlay) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	if !strings.Contains(strings.Join(texts, "\n"), "Reason: spamming") {
		t.Errorf("kick dialog says %q", texts)
	}
	noCmd(t, cmds) // no reconnect, no Connect of our own
}

func TestClientNickTakenKeepsForm(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{Addr: "10.0.0.1:7878", Nick: "bob"})
	test.Tap(w.connectBtn)
	if _, ok := nextCmd(t, cmds).(client.Connect); !ok {
		t.Fatal("no Connect")
	}
	if !w.addr.Disabled() || w.cancelBtn.Hidden {
		t.Error("form not busy while connecting")
	}
	w.apply([]client.Event{client.Refused{Session: 1, Code: wire.RefuseNickTaken, Text: "nickname taken"}})
	if w.win.Content() != w.form {
		t.Fatal("form not shown")
	}
	if w.addr.Text != "10.0.0.1:7878" || w.nick.Text != "bob" {
		t.Errorf("form lost its values: %q %q", w.addr.Text, w.nick.Text)
	}
	if !strings.Contains(w.formStatus.Text, "already taken") || w.formStatus.Hidden {
		t.Errorf("status %q", w.formStatus.Text)
	}
	if w.win.Canvas().Focused() != w.nick {
		t.Error("focus not on the nickname")
	}
	if w.addr.Disabled() || w.connectBtn.Disabled() {
		t.Error("form still disabled")
	}

	// An invalid nickname is caught before anything is sent.
	w.nick.SetText("has space")
	test.Tap(w.connectBtn)
	noCmd(t, cmds)
	if !strings.Contains(w.formStatus.Text, "cannot be used") {
		t.Errorf("status %q", w.formStatus.Text)
	}
}

func TestClientNoServerRetriesAndCancel(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{Addr: "192.168.1.5:7878", Nick: "bob"})
	test.Tap(w.connectBtn)
	nextCmd(t, cmds)
	w.apply([]client.Event{client.Reconnecting{Session: 1, Attempt: 1, Delay: 4 * time.Second, Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}})
	if want := "No MultiChat server at 192.168.1.5:7878 — is it started? Retrying in 4 s…"; !strings.HasPrefix(w.formStatus.Text, want) {
		t.Errorf("status %q, want prefix %q", w.formStatus.Text, want)
	}
	test.Tap(w.cancelBtn)
	if _, ok := nextCmd(t, cmds).(client.Disconnect); !ok {
		t.Fatal("Cancel did not send Disconnect")
	}
	if w.m.Phase != clientmodel.Idle || !w.cancelBtn.Hidden {
		t.Error("form still connecting after Cancel")
	}
	// The attempt may have got through just before the Disconnect: stay on the form.
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Nick: "bob", Lobby: "lobby", Users: []string{"bob"}}, client.Disconnected{Session: 1, Final: true}})
	if w.win.Content() != w.form {
		t.Error("a cancelled connection opened the chat")
	}
}

func TestClientPrefsAndFlags(t *testing.T) {
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefAddr, "10.1.1.1:9000")
	a.Preferences().SetString(prefNick, "remembered")
	w := NewClientWindow(a, a.NewWindow(""), nil, nil, ClientOptions{})
	if w.addr.Text != "10.1.1.1:9000" || w.nick.Text != "remembered" {
		t.Errorf("prefs not used: %q %q", w.addr.Text, w.nick.Text)
	}
	w2 := NewClientWindow(a, a.NewWindow(""), nil, nil, ClientOptions{Addr: "127.0.0.1:1", Nick: "flag"})
	if w2.addr.Text != "127.0.0.1:1" || w2.nick.Text != "flag" {
		t.Errorf("flags do not win: %q %q", w2.addr.Text, w2.nick.Text)
	}
	// Connect remembers what was used; a missing port gets the default.
	w2.addr.SetText("example.org")
	test.Tap(w2.connectBtn)
	if got := a.Preferences().String(prefAddr); got != "example.org:"+DefaultPort {
		t.Errorf("remembered addr %q", got)
	}
	if got := a.Preferences().String(prefNick); got != "flag" {
		t.Errorf("remembered nick %q", got)
	}
}

func TestClientCommands(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob", "carol")

	enter(w, "/help")
	noCmd(t, cmds)
	if s := shownText(w); !strings.Contains(s, "/join NAME") || !strings.Contains(s, "//text") {
		t.Errorf("/help output:\n%s", s)
	}
	if w.input.Text != "" {
		t.Error("/help not cleared")
	}

	enter(w, "/users")
	noCmd(t, cmds)
	if s := shownText(w); !strings.Contains(s, "In #lobby (3): alice, bob, carol") {
		t.Errorf("/users output:\n%s", s)
	}

	enter(w, "/clear")
	noCmd(t, cmds)
	if rows := shownRows(w); len(rows) != 0 {
		t.Errorf("/clear left %q", rows)
	}

	enter(w, "/frobnicate now")
	noCmd(t, cmds) // never goes out as chat
	if s := shownText(w); !strings.Contains(s, "Unknown command /frobnicate") || !strings.Contains(s, "/help") {
		t.Errorf("unknown command output:\n%s", s)
	}
	// The list of commands is longer than the log is high; what follows
	// is checked on a short log (the test driver does not scroll a list
	// that was emptied and then overfilled in one change).
	enter(w, "/clear")

	enter(w, "//shrug")
	if say, ok := nextCmd(t, cmds).(client.Say); !ok || say.Text != "/shrug" {
		t.Errorf("//shrug sent %#v", say)
	}

	enter(w, "/join dev")
	if j, ok := nextCmd(t, cmds).(client.JoinRoom); !ok || j.Room != "dev" {
		t.Errorf("/join sent %#v", j)
	}
	enter(w, "/rooms")
	if _, ok := nextCmd(t, cmds).(client.ListRooms); !ok {
		t.Error("/rooms did not ask")
	}
	w.apply([]client.Event{client.Rooms{Rooms: []wire.RoomInfo{{Name: "lobby", Members: 3}, {Name: "dev", Members: 1}}}})
	if s := shownText(w); !strings.Contains(s, "#lobby (3), #dev (1)") {
		t.Errorf("room list:\n%s", s)
	}
	enter(w, "/msg bob psst")
	if p, ok := nextCmd(t, cmds).(client.Private); !ok || p.To != "bob" || p.Text != "psst" {
		t.Errorf("/msg sent %#v", p)
	}
	if w.m.Cur.Kind != clientmodel.Private || w.m.Cur.Name != "bob" {
		t.Errorf("/msg did not open the private chat (current %q)", w.m.Cur.Title())
	}

	enter(w, "/quit")
	if _, ok := nextCmd(t, cmds).(client.Disconnect); !ok {
		t.Error("/quit did not disconnect")
	}
	if w.win.Content() != w.chat || !w.input.Disabled() || !strings.Contains(w.bannerText.Text, "You disconnected") {
		t.Errorf("/quit: conversations not kept read-only; banner %q", w.bannerText.Text)
	}
	// The session's confirmation changes nothing.
	w.apply([]client.Event{client.Disconnected{Session: 1, Final: true}})
	if w.win.Content() != w.chat || !strings.Contains(w.bannerText.Text, "You disconnected") {
		t.Errorf("final Disconnected after /quit changed the banner to %q", w.bannerText.Text)
	}
}

func TestClientOverLongRefusedAndKept(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds)
	// The limit is in characters: Korean gets the same 4 000 as English.
	long := strings.Repeat("가", wire.MaxTextChars+1)
	w.input.SetText(long)
	if w.counter.Hidden || w.counter.Text != "4\u202f001 / 4\u202f000" || w.counter.Importance != widget.DangerImportance {
		t.Errorf("counter %q (hidden %v)", w.counter.Text, w.counter.Hidden)
	}
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds)
	if w.input.Text != long {
		t.Error("over-long text not kept whole in the entry")
	}
	if w.inputHint.Hidden || !strings.Contains(w.inputHint.Text, "4\u202f001 characters") || !strings.Contains(w.inputHint.Text, "4\u202f000") {
		t.Errorf("hint %q (hidden %v)", w.inputHint.Text, w.inputHint.Hidden)
	}
	// Exactly at the limit goes out whole: 12 000 bytes of Korean.
	ok := strings.Repeat("가", wire.MaxTextChars)
	w.input.SetText(ok)
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if say, _ := nextCmd(t, cmds).(client.Say); say.Text != ok {
		t.Errorf("4 000-character message sent as %d bytes", len(say.Text))
	}
	if !w.inputHint.Hidden || !w.counter.Hidden {
		t.Error("hint or counter still shown")
	}
	w.input.SetText("short")
	if !w.counter.Hidden {
		t.Error("counter shown far from the limit")
	}
}

// TestClientUsesServersTextLimit: the limit the server announces in its
// Welcome (carried by Connected) is the one the entry enforces.
func TestClientUsesServersTextLimit(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	test.Tap(w.connectBtn)
	c := nextCmd(t, cmds).(client.Connect)
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Addr: c.Addr, Nick: c.Nick, Lobby: "lobby", Users: []string{c.Nick}, MaxText: 100}})
	long := strings.Repeat("x", 101)
	w.input.SetText(long)
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	noCmd(t, cmds)
	if w.input.Text != long || !strings.Contains(w.inputHint.Text, "limit is 100") {
		t.Errorf("101 bytes against a 100-byte server: entry %d bytes, hint %q", len(w.input.Text), w.inputHint.Text)
	}
	w.input.SetText(long[:100])
	w.input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if say, _ := nextCmd(t, cmds).(client.Say); len(say.Text) != 100 {
		t.Errorf("100-byte message sent as %q", say.Text)
	}
}

func lifecycleHook(t *testing.T, focused bool) func() {
	l := fyne.CurrentApp().Lifecycle().(interface {
		OnEnteredForeground() func()
		OnExitedForeground() func()
	})
	if focused {
		return l.OnEnteredForeground()
	}
	return l.OnExitedForeground()
}

func TestClientUnreadTitleAndNotification(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	if got := w.win.Title(); got != "MultiChat — alice" {
		t.Errorf("title %q", got)
	}
	lifecycleHook(t, false)()
	w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "one"}, client.Message{Room: "lobby", From: "bob", Text: "two"}})
	if got := w.win.Title(); got != "(2) MultiChat — alice" {
		t.Errorf("title %q, want (2) MultiChat — alice", got)
	}
	test.AssertNotificationSent(t, fyne.NewNotification("bob in #lobby", "hey ALICE, look"), func() {
		w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "hey ALICE, look"}})
	})
	if got := w.win.Title(); got != "(3) MultiChat — alice" {
		t.Errorf("title %q", got)
	}
	w.lastNotify = time.Time{}
	test.AssertNotificationSent(t, fyne.NewNotification("bob (private)", "psst"), func() {
		w.apply([]client.Event{client.Message{Private: true, From: "bob", To: "alice", Text: "psst"}})
	})
	w.lastNotify = time.Time{}
	test.AssertNotificationSent(t, nil, func() { // no mention: counted, not notified
		w.apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "nothing for you"}})
	})
	lifecycleHook(t, true)()
	if got := w.win.Title(); got != "MultiChat — alice" {
		t.Errorf("title after focus %q", got)
	}
	test.AssertNotificationSent(t, nil, func() { // focused: no notification
		w.apply([]client.Event{client.Message{Private: true, From: "bob", To: "alice", Text: "again"}})
	})
	if got := w.win.Title(); got != "MultiChat — alice" {
		t.Errorf("title while focused %q", got)
	}
}

func convBadges(w *ClientWindow) map[string]string {
	out := map[string]string{}
	for _, o := range test.LaidOutObjects(w.convList) {
		box, ok := o.(*fyne.Container)
		if !ok || len(box.Objects) != 2 {
			continue
		}
		name, ok1 := box.Objects[0].(*widget.Label)
		badge, ok2 := box.Objects[1].(*widget.Label)
		if ok1 && ok2 && name.Text != "" {
			b := badge.Text
			if badge.Hidden {
				b = ""
			}
			out[name.Text] = b
		}
	}
	return out
}
