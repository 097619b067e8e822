package clientmodel

import (
	"fmt"
	"testing"
	"time"

	"github.com/multichat/multichat/net/client"
)

func TestAwayAndQueued(t *testing.T) {
	r := newRec(t)
	online(t, r, "10.0.0.1", "bob", "ann")
	at := time.Date(2026, 3, 4, 9, 0, 0, 0, time.Local)
	r.Apply([]client.Event{client.Away{Earlier: 2, Messages: []client.Message{
		{MsgID: 7, Time: at, From: "ann", To: "bob", Text: "are you there?", Private: true},
		{MsgID: 9, Time: at, From: "ann", To: "bob", Text: "call me", Private: true},
	}}})
	c := r.PrivateConv("ann")
	want := "[2 earlier messages were sent while you were away Sent while you were away: are you there? call me]"
	if got := fmt.Sprint(texts(c)); got != want {
		t.Fatalf("ann's private chat: %s\nwant %s", got, want)
	}
	if c.Unread != 2 {
		t.Fatalf("unread %d, want 2: they are new messages", c.Unread)
	}
	r.Apply([]client.Event{client.Queued{MsgID: 10, To: "carol"}})
	if got := texts(r.PrivateConv("carol")); len(got) != 1 ||
		got[0] != "carol is offline: they will get your message when they next connect" {
		t.Fatalf("carol's private chat: %q", got)
	}
}
