package client

import (
	"errors"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// A banned user is kicked, then refused with the reason and the end of the
// ban, and the session never retries by itself.
func TestBannedIsRefusedWithReasonAndEnd(t *testing.T) {
	s := startServer(t, server.Config{})
	bob := join(t, s, "bob")
	end := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	s.Do(server.Ban{Nick: "bob", Until: end, Reason: "도배"})
	if k, _ := waitFor[Kicked](bob); k.Reason == "" {
		t.Fatalf("kicked %#v", k)
	}
	if d, _ := waitFor[Disconnected](bob); !d.Final {
		t.Fatalf("disconnected %#v", d)
	}

	// The same device comes back (the harness keeps its key).
	bob.do(Connect{Addr: s.Addr, Nick: "bob"})
	r, _ := waitFor[Refused](bob)
	if r.Code != wire.RefuseBanned || r.Text != "도배" || !r.Until.Equal(end) {
		t.Fatalf("refused %#v, want banned until %v", r, end)
	}
	d := nextIs[Disconnected](bob)
	var re *RefusedError
	if !d.Final || !errors.As(d.Err, &re) || !re.Until.Equal(end) {
		t.Fatalf("disconnected %#v", d)
	}
	bob.quiet(200 * time.Millisecond) // no Reconnecting
}

// A muted user's messages come back with the reason and the end; the
// Restricted events say when it begins and ends; topics arrive.
func TestMutedAndTopic(t *testing.T) {
	s := startServer(t, server.Config{})
	ann := join(t, s, "ann")
	end := time.Now().Add(10 * time.Minute).Truncate(time.Millisecond)
	s.Do(server.Mute{Nick: "ann", Until: end, Reason: "잠시만"})
	r, _ := waitFor[Restricted](ann)
	if r.Kind != wire.RestrictMute || !r.On || !r.Until.Equal(end) || r.Reason != "잠시만" {
		t.Fatalf("restricted %#v", r)
	}
	ann.do(Say{ID: 1, Text: "hello"})
	u, _ := waitFor[Undelivered](ann)
	var se *ServerError
	if u.ID != 1 || !errors.As(u.Err, &se) || se.Code != wire.CodeMuted || !se.Until.Equal(end) {
		t.Fatalf("undelivered %#v", u)
	}
	s.Do(server.Unmute{Nick: "ann"})
	if r, _ := waitFor[Restricted](ann); r.On {
		t.Fatalf("unmuted %#v", r)
	}
	s.Do(server.SetTopic{Text: "오늘의 주제"})
	if tp, _ := waitFor[Topic](ann); tp.Room != "lobby" || tp.Text != "오늘의 주제" {
		t.Fatalf("topic %#v", tp)
	}
}
