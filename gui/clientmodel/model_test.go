package clientmodel

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// rec is a model with the commands it sent.
type rec struct {
	*Model
	sent []client.Command
}

func newRec(t *testing.T) *rec {
	t.Helper()
	r := &rec{}
	r.Model = New(func(c client.Command) { r.sent = append(r.sent, c) })
	r.SetClock(func() time.Time { return time.Date(2026, 3, 4, 14, 2, 0, 0, time.Local) })
	return r
}

// take returns and forgets the commands sent so far.
func (r *rec) take() []client.Command {
	s := r.sent
	r.sent = nil
	return s
}

func last[T client.Command](t *testing.T, r *rec) T {
	t.Helper()
	s := r.take()
	if len(s) == 0 {
		var zero T
		t.Fatalf("no command sent, want %T", zero)
	}
	c, ok := s[len(s)-1].(T)
	if !ok {
		t.Fatalf("sent %#v, want a %T", s[len(s)-1], c)
	}
	return c
}

// online connects r as nick to addr with the lobby's users.
func online(t *testing.T, r *rec, addr, nick string, users ...string) client.Connect {
	t.Helper()
	if r.Connect(addr, nick) == "" {
		t.Fatalf("Connect refused: %q", r.Form.Text)
	}
	c := last[client.Connect](t, r)
	r.Apply([]client.Event{client.Connected{Encrypted: true, Session: c.Session, Addr: c.Addr, Nick: nick, Lobby: "lobby",
		Users: append([]string{nick}, users...)}})
	if r.Phase != Chat || r.Link != Live {
		t.Fatalf("not live after Connected: phase %v link %v", r.Phase, r.Link)
	}
	return c
}

func texts(c *Conv) []string {
	out := make([]string, len(c.Entries))
	for i, e := range c.Entries {
		out[i] = e.Text
	}
	return out
}

func TestEventsOfAnAbandonedAttemptChangeNothing(t *testing.T) {
	r := newRec(t)
	r.Connect("10.0.0.1", "alice")
	first := last[client.Connect](t, r)
	if first.Addr != "10.0.0.1:7878" {
		t.Errorf("address %q, want the default port added", first.Addr)
	}
	r.Apply([]client.Event{client.Refused{Session: first.Session, Code: wire.RefuseNickTaken}})
	if r.Phase != Idle || r.Form.Focus != "nick" || !strings.Contains(r.Form.Text, "already taken") {
		t.Fatalf("after the refusal: phase %v, form %+v", r.Phase, r.Form)
	}
	r.Connect("10.0.0.1:7878", "alice2")
	second := last[client.Connect](t, r)
	r.Apply([]client.Event{
		client.Disconnected{Session: first.Session, Final: true, Err: errors.New("refused")},
		client.Connected{Encrypted: true, Session: second.Session, Nick: "alice2", Lobby: "lobby", Users: []string{"alice2"}},
		client.Reconnecting{Session: first.Session, Attempt: 3},
		client.Kicked{Session: first.Session},
	})
	if r.Phase != Chat || r.Link != Live || r.Banner.Text != "" {
		t.Fatalf("phase %v link %v banner %q: a stale event won", r.Phase, r.Link, r.Banner.Text)
	}
}

// Disconnect, then Connect again: the conversations, a private chat, the
// rooms and the unsent line are all still there, and rooms are rejoined.
func TestNothingLostAcrossDisconnectAndConnectAgain(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.1:7878", "alice", "bob")
	r.Apply([]client.Event{
		client.RoomJoined{Room: "dev", Users: []string{"alice", "bob"}},
		client.Message{Room: "dev", From: "bob", Text: "in dev"},
		client.Message{Private: true, From: "bob", To: "alice", Text: "psst"},
	})
	dev := r.Cur
	if !r.Submit("unsent line") {
		t.Fatalf("Submit refused: %q", r.Hint)
	}
	say := last[client.Say](t, r)
	r.Disconnect()
	last[client.Disconnect](t, r)
	r.Apply([]client.Event{
		client.Undelivered{ID: say.ID, Room: "dev", Text: say.Text, Err: fmt.Errorf("%w: you disconnected", client.ErrNotSent)},
		client.Disconnected{Session: 1, Final: true},
	})
	if r.Phase != Chat || r.Link != Ended || !r.ReadOnly() || !r.Banner.Again {
		t.Fatalf("after Disconnect: phase %v link %v banner %+v", r.Phase, r.Link, r.Banner)
	}
	e := &dev.Entries[len(dev.Entries)-1]
	if e.Text != "unsent line" || e.State != NotSent || !strings.Contains(e.Why, "you disconnected") {
		t.Fatalf("unsent line %+v", e)
	}
	if r.Submit("more") || r.Hint == "" {
		t.Error("typing accepted while disconnected")
	}
	if len(r.Convs) != 3 || r.Find("bob", true) == nil {
		t.Fatalf("conversations lost: %d", len(r.Convs))
	}

	r.ConnectAgain()
	again := last[client.Connect](t, r)
	if again.Session == 1 || again.Addr != "10.0.0.1:7878" || again.Nick != "alice" {
		t.Fatalf("Connect again sent %#v", again)
	}
	r.Apply([]client.Event{client.Connected{Encrypted: true, Session: again.Session, Addr: again.Addr, Nick: "alice", Lobby: "lobby", Users: []string{"alice", "bob"}}})
	if j := last[client.JoinRoom](t, r); j.Room != "dev" {
		t.Errorf("rejoin sent %#v", j)
	}
	r.Apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice", "bob"}}})
	if r.Cur != dev || r.ReadOnly() || len(r.Convs) != 3 {
		t.Fatalf("after connecting again: current %q, read-only %v, %d conversations", r.Cur.Title(), r.ReadOnly(), len(r.Convs))
	}
	if !slices.Contains(texts(dev), "in dev") {
		t.Errorf("dev's log lost: %q", texts(dev))
	}

	// Retry sends the unsent line again, in place; its echo delivers it.
	seq := dev.Base + slices.Index(texts(dev), "unsent line")
	if !r.Retry(dev, seq) {
		t.Fatalf("Retry refused: %q", r.Hint)
	}
	retry := last[client.Say](t, r)
	if retry.Text != "unsent line" || retry.ID == say.ID || dev.Entry(seq).State != Pending {
		t.Fatalf("retry sent %#v, line %+v", retry, dev.Entry(seq))
	}
	r.Apply([]client.Event{client.Message{Mine: true, ID: retry.ID, Room: "dev", From: "alice", Text: retry.Text}})
	if dev.Entry(seq).State != Delivered || strings.Count(strings.Join(texts(dev), "\n"), "unsent line") != 1 {
		t.Errorf("after the echo: %+v, log %q", dev.Entry(seq), texts(dev))
	}
}

func TestDiscardRemovesOnlyAnUnsentLine(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice")
	r.Submit("one")
	s := last[client.Say](t, r)
	r.Apply([]client.Event{client.Undelivered{ID: s.ID, Text: "one", Err: &client.ServerError{Code: wire.CodeNoSuchUser, Text: "slow down"}}})
	c := r.Cur
	seq := c.Base + slices.Index(texts(c), "one")
	gen := c.Gen
	if !strings.Contains(strings.Join(texts(c), "\n"), "Not sent: “one” — slow down") {
		t.Errorf("no line says why: %q", texts(c))
	}
	r.Discard(c, seq-1) // not an unsent line
	if c.Gen != gen {
		t.Error("Discard removed a delivered line")
	}
	r.Discard(c, seq)
	if slices.Contains(texts(c), "one") || c.Gen == gen {
		t.Errorf("unsent line not discarded: %q", texts(c))
	}
}

func TestKickAndRefusalKeepTheConversations(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice", "bob")
	r.Apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "hello"},
		client.Kicked{Session: 1, Reason: "spam", By: "admin"}, client.Disconnected{Session: 1, Final: true}})
	if r.Link != Ended || !strings.Contains(r.Banner.Text, "spam") || len(r.Dialogs) != 1 {
		t.Fatalf("kick: link %v banner %q dialogs %v", r.Link, r.Banner.Text, r.Dialogs)
	}
	if !slices.Contains(texts(r.Cur), "hello") {
		t.Error("log lost on kick")
	}
	// Connect again: refused for good now (someone took the nickname).
	r.ConnectAgain()
	c := last[client.Connect](t, r)
	r.Apply([]client.Event{client.Refused{Session: c.Session, Code: wire.RefuseNickTaken},
		client.Disconnected{Session: c.Session, Final: true, Err: &client.RefusedError{Code: wire.RefuseNickTaken}}})
	if r.Phase != Chat || r.Link != Ended || !strings.Contains(r.Banner.Text, "now used by someone else") {
		t.Fatalf("refused rejoin: phase %v link %v banner %q", r.Phase, r.Link, r.Banner.Text)
	}
	// Another server: fresh conversations. The same one: kept.
	r.ChangeServer()
	if r.Phase != Idle {
		t.Fatal("Change server did not show the form")
	}
	online(t, r, "h:1", "alice2")
	if !slices.Contains(texts(r.RoomConv("lobby", false)), "hello") {
		t.Error("the same server did not continue the conversation")
	}
	r.Disconnect()
	r.ChangeServer()
	online(t, r, "other:1", "alice")
	if slices.Contains(texts(r.RoomConv("lobby", false)), "hello") {
		t.Error("another server's conversation shows the old log")
	}
}

func TestOfflineAndRetryNow(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice", "bob")
	r.Apply([]client.Event{client.Disconnected{Session: 1, Err: io.EOF}, client.Reconnecting{Session: 1, Attempt: 1, Delay: 250 * time.Millisecond}})
	if r.Link != Reconnecting || r.Since.IsZero() || !r.Banner.Retry || !r.Banner.Offline {
		t.Fatalf("offline: link %v since %v banner %+v", r.Link, r.Since, r.Banner)
	}
	if !strings.Contains(r.Banner.Text, "14:02") || strings.Contains(r.Banner.Text, "EOF") {
		t.Errorf("banner %q", r.Banner.Text)
	}
	for _, e := range r.Cur.Entries {
		if strings.Contains(e.Text, "EOF") {
			t.Errorf("log says %q", e.Text)
		}
	}
	if !r.Submit("kept for later") {
		t.Error("typing refused while reconnecting")
	}
	r.take()
	r.RetryNow()
	last[client.RetryNow](t, r)
	r.Apply([]client.Event{client.Connected{Encrypted: true, Session: 1, Nick: "alice", Lobby: "lobby", Users: []string{"alice", "bob"}, Rejoin: true}})
	if r.Link != Live || r.Banner.Text != "" || !r.Since.IsZero() {
		t.Errorf("back: link %v banner %q", r.Link, r.Banner.Text)
	}
}

func TestMentionsAndBadges(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{{"hi Alice!", true}, {"@alice look", true}, {"ALICE", true}, {"malice", false}, {"alice_2 here", false},
		{"앨리스 alice", true}, {"", false}} {
		if got := Mentions(c.text, "alice"); got != c.want {
			t.Errorf("Mentions(%q) = %v", c.text, got)
		}
	}
	r := newRec(t)
	online(t, r, "h:1", "alice", "bob")
	r.Apply([]client.Event{client.RoomJoined{Room: "dev", Users: []string{"alice"}}})
	r.Apply([]client.Event{
		client.Message{Room: "lobby", From: "bob", Text: "plain"},
		client.Message{Room: "lobby", From: "bob", Text: "alice: look"},
		client.Message{Private: true, From: "bob", To: "alice", Text: "psst"},
	})
	lobby := r.RoomConv("lobby", false)
	if lobby.Unread != 2 || lobby.Mentions != 1 || !lobby.Entries[len(lobby.Entries)-1].Mention {
		t.Errorf("lobby unread %d mentions %d", lobby.Unread, lobby.Mentions)
	}
	if p := r.Find("bob", true); p.Unread != 1 || p.Mentions != 1 {
		t.Errorf("private unread %d mentions %d", p.Unread, p.Mentions)
	}
	r.SwitchTo(lobby)
	if lobby.Unread != 0 || lobby.Mentions != 0 {
		t.Error("switching did not clear the counts")
	}
}

func TestJoinBurstsCollapse(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice")
	lobby := r.Cur
	n := len(lobby.Entries)
	lobby.TakeTouched()
	for i := range 5 {
		r.Apply([]client.Event{client.Joined{Room: "lobby", Nick: fmt.Sprint("user", i)}})
	}
	if got := texts(lobby)[n:]; !slices.Equal(got, []string{"5 people joined"}) {
		t.Errorf("burst shown as %q", got)
	}
	if lobby.TakeTouched() != lobby.Next()-1 {
		t.Error("the grown line was not marked for layout")
	}
	r.Apply([]client.Event{client.Left{Room: "lobby", Nick: "user1", Reason: wire.LeftQuit}})
	if got := texts(lobby)[len(lobby.Entries)-1]; got != "5 people joined; user1 quit" {
		t.Errorf("burst with a leave: %q", got)
	}
	r.Apply([]client.Event{client.Message{Room: "lobby", From: "user2", Text: "hi"},
		client.Joined{Room: "lobby", Nick: "carol"}, client.Joined{Room: "lobby", Nick: "dave"}})
	if got := texts(lobby)[len(lobby.Entries)-1]; got != "carol and dave joined" {
		t.Errorf("a new burst after a message: %q", got)
	}
	r.Collapse = false
	r.Apply([]client.Event{client.Message{Room: "lobby", From: "x", Text: "y"},
		client.Joined{Room: "lobby", Nick: "e1"}, client.Joined{Room: "lobby", Nick: "e2"}})
	if got := texts(lobby)[len(lobby.Entries)-2:]; !slices.Equal(got, []string{"e1 joined", "e2 joined"}) {
		t.Errorf("not collapsed: %q", got)
	}
}

func TestPlainWords(t *testing.T) {
	_, statErr := os.Stat("/no/such/file.txt")
	for _, c := range []struct {
		err       error
		want, not string
	}{
		{io.EOF, "the server closed the connection", "EOF"},
		{fmt.Errorf("the server closed the connection: %w", io.ErrUnexpectedEOF), "the server closed the connection", "EOF"},
		{statErr, "/no/such/file.txt does not exist", "stat"},
		{errors.New("listen tcp 0.0.0.0:7878: bind"), "this computer:7878", "0.0.0.0"},
	} {
		got := Plain(c.err, "")
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("Plain(%v) = %q", c.err, got)
		}
	}
	r := newRec(t)
	online(t, r, "h:1", "alice")
	if r.Submit("/send /no/such/file.txt") || strings.Contains(r.Hint, "stat") || !strings.Contains(r.Hint, "does not exist") {
		t.Errorf("hint %q", r.Hint)
	}
}

func TestLinks(t *testing.T) {
	got := Links("see https://go.dev/doc. and (http://a.b/c_(d)) or httpx://no, http://x.y/?q=1!")
	want := []string{"https://go.dev/doc", "http://a.b/c_(d)", "http://x.y/?q=1"}
	if !slices.Equal(got, want) {
		t.Errorf("Links = %q, want %q", got, want)
	}
}

func TestCompleteAndStep(t *testing.T) {
	r := newRec(t)
	online(t, r, "h:1", "alice", "bob", "Bert", "carol")
	if got, _ := r.Complete("b", 0); got != "Bert: " {
		t.Errorf("first completion %q", got)
	}
	if got, _ := r.Complete("b", 1); got != "bob: " {
		t.Errorf("second completion %q", got)
	}
	if got, _ := r.Complete("hi @car", 0); got != "hi carol " {
		t.Errorf("mid-line completion %q", got)
	}
	if _, ok := r.Complete("hi al", 0); ok {
		t.Error("completed my own nickname")
	}
	r.Apply([]client.Event{client.RoomJoined{Room: "dev"}})
	r.OpenPrivate("bob")
	if r.Cur.Title() != "@bob" {
		t.Fatalf("current %q", r.Cur.Title())
	}
	r.Step(1)
	if r.Cur.Kind != Lobby {
		t.Errorf("Step wrapped to %q", r.Cur.Title())
	}
	r.Step(-1)
	if r.Cur.Title() != "@bob" {
		t.Errorf("Step back to %q", r.Cur.Title())
	}
}
