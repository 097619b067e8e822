package client

import (
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// TestAwayKeptAcrossReconnect: the session sends set-away, does not repeat
// it, and tells a new connection again after a reconnect.
func TestAwayKeptAcrossReconnect(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, fast, trustAll)
	p, _ := connect(h, f, "alice")
	h.do(SetAway{Away: true, Text: "회의 중"})
	equal(t, "set-away", expect[wire.SetAway](p), wire.SetAway{Away: true, Text: "회의 중"})
	h.do(SetAway{Away: true, Text: "회의 중"}, Say{ID: 1, Text: "fence"})
	if m := p.read(); m.Type() != wire.TypeSay {
		t.Fatalf("a repeated SetAway was sent again: %#v", m)
	}
	p.close()
	nextIs[Disconnected](h)
	nextIs[Reconnecting](h)
	p2 := f.accept()
	p2.welcome(wire.Welcome{Nick: "alice", MaxText: wire.DefaultMaxText, MaxFrame: wire.DefaultMaxFrame})
	var sawAway bool
	for range 4 { // the unconfirmed "fence" may be sent again first
		if m, ok := p2.read().(wire.SetAway); ok {
			equal(t, "set-away after reconnect", m, wire.SetAway{Away: true, Text: "회의 중"})
			sawAway = true
			break
		}
	}
	if !sawAway {
		t.Fatal("away not sent again after the reconnect")
	}
}

// TestRealServerPresence: away and typing between two real sessions through
// the real server.
func TestRealServerPresence(t *testing.T) {
	s := startServer(t, noFlood)
	alice := join(t, s, "alice")
	bob := join(t, s, "bob")
	waitUsers(alice, "lobby", "alice", "bob")

	alice.do(SetAway{Away: true, Text: "점심"})
	for {
		a, _ := waitFor[AwayChanged](bob)
		if a.Nick == "alice" {
			equal(t, "away seen by bob", a, AwayChanged{Nick: "alice", Away: true, Text: "점심"})
			break
		}
	}
	// The session sends one typing frame per 3 s however often asked.
	alice.do(SendTyping{To: "bob"}, SendTyping{To: "bob"}, SendTyping{To: "bob"}, Private{ID: 1, To: "bob", Text: "fence"})
	n := 0
	for {
		ev := bob.next()
		if tn, ok := ev.(TypingNotice); ok {
			equal(t, "typing", tn, TypingNotice{From: "alice"})
			n++
		}
		if m, ok := ev.(Message); ok && m.Text == "fence" {
			break
		}
	}
	if n != 1 {
		t.Fatalf("bob saw %d typing notices, want 1", n)
	}
}
