package clientmodel

import (
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

func TestTypingLineAndLimit(t *testing.T) {
	r := newRec(t)
	now := time.Date(2026, 3, 4, 14, 2, 0, 0, time.UTC)
	r.SetClock(func() time.Time { return now })
	online(t, r, "127.0.0.1:7878", "alice", "bob", "carol")
	r.SendTyping = true
	r.take()

	r.Typed("h")
	if c := last[client.SendTyping](t, r); c.Room != "lobby" {
		t.Fatalf("typing %+v", c)
	}
	if retry := r.Typed("he"); !retry.Equal(now.Add(typingEvery)) { // within 3 s: nothing yet
		t.Fatalf("retry at %v", retry)
	}
	now = now.Add(typingEvery - time.Millisecond)
	r.Typed("hel")
	if len(r.take()) != 0 {
		t.Fatal("a second typing notice within 3 s")
	}
	now = now.Add(time.Millisecond)
	r.Typed("/join dev") // a command is not typing
	r.Typed("   ")
	if len(r.take()) != 0 {
		t.Fatal("typing sent for a command or blanks")
	}
	r.Typed("hello")
	last[client.SendTyping](t, r)
	r.SendTyping = false
	now = now.Add(time.Hour)
	r.Typed("more")
	if len(r.take()) != 0 {
		t.Fatal("typing sent while switched off")
	}

	lobby := r.Cur
	r.Apply([]client.Event{client.TypingNotice{Room: "lobby", From: "bob"}})
	if line, next := r.TypingLine(lobby); line != "bob is typing…" || !next.Equal(now.Add(wire.TypingShown)) {
		t.Fatalf("typing line %q until %v", line, next)
	}
	r.Apply([]client.Event{client.TypingNotice{Room: "lobby", From: "carol"}})
	if line, _ := r.TypingLine(lobby); line != "bob and carol are typing…" {
		t.Fatalf("two typing: %q", line)
	}
	r.Apply([]client.Event{client.Message{Room: "lobby", From: "bob", Text: "hi", Time: now}})
	if line, _ := r.TypingLine(lobby); line != "carol is typing…" {
		t.Fatalf("after bob's message: %q", line)
	}
	now = now.Add(wire.TypingShown)
	if line, next := r.TypingLine(lobby); line != "" || !next.IsZero() {
		t.Fatalf("after 5 s: %q", line)
	}
	// A private notice from someone without an open chat shows nowhere.
	r.Apply([]client.Event{client.TypingNotice{From: "dave"}})
	if r.Find("dave", true) != nil {
		t.Fatal("a typing notice opened a private chat")
	}
}

func TestAwayByHandIdleAndOthers(t *testing.T) {
	r := newRec(t)
	now := time.Date(2026, 3, 4, 14, 2, 0, 0, time.UTC)
	r.SetClock(func() time.Time { return now })
	online(t, r, "127.0.0.1:7878", "alice", "bob")
	r.AwayAfter = 10
	r.take()

	r.IdleCheck()
	now = now.Add(9 * time.Minute)
	r.IdleCheck()
	if r.Away || len(r.take()) != 0 {
		t.Fatal("away before 10 idle minutes")
	}
	now = now.Add(time.Minute)
	r.IdleCheck()
	if c := last[client.SetAway](t, r); !c.Away || !r.Away {
		t.Fatalf("not away after 10 idle minutes: %+v", c)
	}
	r.Active() // back by itself
	if c := last[client.SetAway](t, r); c.Away || r.Away {
		t.Fatalf("an automatic away did not end with activity: %+v", c)
	}
	if !strings.Contains(r.Cur.Entries[len(r.Cur.Entries)-1].Text, "here again") {
		t.Fatalf("no line says I am back: %q", r.Cur.Entries[len(r.Cur.Entries)-1].Text)
	}

	if !r.Submit("/자리비움 점심") {
		t.Fatalf("/자리비움 refused: %q", r.Hint)
	}
	if c := last[client.SetAway](t, r); !c.Away || c.Text != "점심" {
		t.Fatalf("/자리비움: %+v", c)
	}
	r.Active() // an away set by hand stays
	if len(r.take()) != 0 || !r.Away {
		t.Fatal("activity ended an away set by hand")
	}
	r.Submit("/back")
	if c := last[client.SetAway](t, r); c.Away {
		t.Fatalf("/back: %+v", c)
	}

	p := r.PrivateConv("bob")
	r.Apply([]client.Event{client.AwayChanged{Nick: "Bob", Away: true, Text: "회의"}})
	if s := r.StatusOf("bob"); !s.Away || s.Text != "회의" {
		t.Fatalf("bob's status %+v", s)
	}
	if got := p.Entries[len(p.Entries)-1].Text; got != "Bob is away: 회의" {
		t.Fatalf("private chat line %q", got)
	}
	r.Apply([]client.Event{client.AwayChanged{Nick: "bob"}})
	if r.StatusOf("bob").Away {
		t.Fatal("bob still away after back")
	}
}
