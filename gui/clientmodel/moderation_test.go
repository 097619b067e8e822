package clientmodel

import (
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

func TestBannedRefusalSaysUntilWhenAndWhy(t *testing.T) {
	r := newRec(t)
	r.Connect("10.0.0.1", "bob")
	c := last[client.Connect](t, r)
	until := time.Date(2026, 3, 4, 14, 30, 0, 0, time.Local)
	r.Apply([]client.Event{client.Refused{Code: wire.RefuseBanned, Text: "도배", Until: until, Session: c.Session}})
	if r.Phase != Idle || !strings.Contains(r.Form.Text, "banned from this server until 14:30") ||
		!strings.Contains(r.Form.Text, "Reason: 도배") || !strings.Contains(r.Form.Text, "will not try to connect again") {
		t.Fatalf("form %q (phase %v)", r.Form.Text, r.Phase)
	}
	if len(r.Dialogs) != 1 || r.Dialogs[0].Title != "Banned from this server" {
		t.Fatalf("dialogs %+v", r.Dialogs)
	}
}

func TestMutedDisablesTheEntryUntilItEnds(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.1", "ann", "bob")
	lobby := r.Cur
	r.Apply([]client.Event{client.Restricted{Kind: wire.RestrictMute, On: true,
		Until: time.Date(2026, 3, 4, 14, 30, 0, 0, time.Local), Reason: "spam"}})
	if s := r.Silenced(lobby); s != "Muted by the admin until 14:30: spam. You can still read." {
		t.Fatalf("silenced %q", s)
	}
	if ch := r.Take(); !ch.Phase {
		t.Error("the entry is not redrawn")
	}
	r.Apply([]client.Event{client.Restricted{Kind: wire.RestrictMute}})
	if s := r.Silenced(lobby); s != "" {
		t.Fatalf("after the mute: %q", s)
	}
	if got := texts(lobby); !strings.Contains(got[len(got)-1], "you can write again") {
		t.Fatalf("log %q", got)
	}
}

func TestLectureAndTopic(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.1", "ann", "bob")
	lobby := r.Cur
	r.Apply([]client.Event{client.Restricted{Kind: wire.RestrictLecture, On: true, Reason: "quiet"}})
	if !strings.HasPrefix(r.Silenced(lobby), "Lecture mode") {
		t.Fatalf("silenced %q", r.Silenced(lobby))
	}
	bob := r.PrivateConv("bob")
	if r.Silenced(bob) != "" {
		t.Fatal("private chats are not in lecture mode")
	}
	r.Apply([]client.Event{client.Restricted{Kind: wire.RestrictLecture}})
	if r.Silenced(lobby) != "" {
		t.Fatal("lecture mode did not end")
	}
	r.Apply([]client.Event{client.Topic{Room: "lobby", Text: "시험은 3시", By: "admin"}})
	if lobby.Topic != "시험은 3시" || !r.Take().Header {
		t.Fatalf("topic %q", lobby.Topic)
	}
	n := len(lobby.Entries)
	r.Apply([]client.Event{client.Topic{Room: "lobby", Text: "시험은 3시", By: "admin"}}) // again, after a reconnect
	if len(lobby.Entries) != n {
		t.Fatal("the same topic logged twice")
	}
}

func TestKoreanCommandNames(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.1", "ann", "bob")
	if !r.Submit("/귓속말 bob 안녕") {
		t.Fatalf("/귓속말 not taken: %q", r.Hint)
	}
	if p := last[client.Private](t, r); p.To != "bob" || p.Text != "안녕" {
		t.Fatalf("sent %+v", p)
	}
	r.SwitchTo(r.lobby())
	n := len(r.Cur.Entries)
	r.Submit("/접속인원")
	if got := texts(r.Cur)[n:]; len(got) != 1 || !strings.Contains(got[0], "ann, bob") {
		t.Fatalf("/접속인원 printed %q", got)
	}
}
