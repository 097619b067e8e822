package client

// Tests against the real server (net/server), on 127.0.0.1.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
	"go.uber.org/goleak"
)

// startServer runs the real server on 127.0.0.1 with a free port, logging
// to the test.
func startServer(t testing.TB, cfg server.Config) *server.TestServer {
	t.Helper()
	cfg.Logger = testLogger(t)
	return server.NewTestServer(t, cfg)
}

// join connects a new client as nick and waits until it is in.
func join(t *testing.T, s *server.TestServer, nick string, opts ...Option) *harness {
	t.Helper()
	h := startClient(t, opts...)
	h.do(Connect{Addr: s.Addr, Nick: nick})
	if c, skipped := waitFor[Connected](h); c.Nick != nick || c.Rejoin {
		t.Fatalf("connected: %#v (after %#v)", c, skipped)
	}
	return h
}

// waitUsers waits until room's list, as h sees it, is want.
func waitUsers(h *harness, room string, want ...string) {
	h.t.Helper()
	waitUsersWithin(h, waitLimit, room, want...)
}

// waitUsersWithin is waitUsers with another bound.
func waitUsersWithin(h *harness, d time.Duration, room string, want ...string) {
	h.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-h.events:
			if u, ok := ev.(Users); ok && u.Room == room && slices.Equal(u.Users, want) {
				return
			}
		case <-deadline:
			h.t.Fatalf("%s never listed %v", room, want)
		}
	}
}

// waitMsg waits for a Message that matches.
func waitMsg(h *harness, match func(Message) bool) Message {
	h.t.Helper()
	for {
		if m, _ := waitFor[Message](h); match(m) {
			return m
		}
	}
}

// joinRoom joins room and waits for the confirmation.
func joinRoom(h *harness, room string) {
	h.t.Helper()
	h.do(JoinRoom{Room: room})
	if rj, _ := waitFor[RoomJoined](h); wire.FoldKey(rj.Room) != wire.FoldKey(room) {
		h.t.Fatalf("room joined: %#v", rj)
	}
}

var noFlood = server.Config{FloodBurst: -1}

func TestRealServerChatRoomsPrivate(t *testing.T) {
	s := startServer(t, noFlood)
	alice := join(t, s, "alice")
	bob := join(t, s, "Bob")
	carol := join(t, s, "carol")
	waitUsers(alice, "lobby", "alice", "Bob", "carol")

	// Lobby chat reaches everyone; the sender sees its echo.
	alice.do(Say{ID: 1, Text: "안녕하세요 everyone 👋"})
	m, _ := waitFor[Message](alice)
	if !m.Mine || m.ID != 1 || m.Room != "lobby" || m.From != "alice" {
		t.Fatalf("echo: %#v", m)
	}
	for _, h := range []*harness{bob, carol} {
		if m, _ := waitFor[Message](h); m.Mine || m.From != "alice" || m.Text != "안녕하세요 everyone 👋" {
			t.Fatalf("received: %#v", m)
		}
	}

	// A room: carol, outside, receives none of its traffic.
	joinRoom(alice, "dev")
	joinRoom(bob, "DEV")
	waitUsers(alice, "dev", "alice", "Bob")
	bob.do(Say{ID: 2, Room: "dev", Text: "room only"})
	if m, _ := waitFor[Message](alice); m.Room != "dev" || m.From != "Bob" || m.Text != "room only" {
		t.Fatalf("room message: %#v", m)
	}
	// Private: only the recipient, and the sender's echo.
	bob.do(Private{ID: 3, To: "ALICE", Text: "just you"})
	if m, _ := waitFor[Message](alice); !m.Private || m.From != "Bob" || m.To != "alice" || m.Mine {
		t.Fatalf("private: %#v", m)
	}
	if m := waitMsg(bob, func(m Message) bool { return m.Private }); !m.Mine || m.ID != 3 {
		t.Fatalf("private echo: %#v", m)
	}
	// To someone not online: handed back with the server's reason.
	bob.do(Private{ID: 4, To: "zed", Text: "hello?"})
	ud, _ := waitFor[Undelivered](bob)
	var se *ServerError
	if ud.ID != 4 || !errors.As(ud.Err, &se) || se.Code != wire.CodeNoSuchUser {
		t.Fatalf("undelivered: %#v", ud)
	}
	// Speaking in a room one is not in.
	carol.do(Say{ID: 5, Room: "dev", Text: "let me in"})
	if ud, _ := waitFor[Undelivered](carol); !errors.As(ud.Err, &se) || se.Code != wire.CodeNotInRoom {
		t.Fatalf("not in room: %#v", ud)
	}
	// carol saw nothing of the room or the private message.
	carol.do(Say{ID: 6, Text: "marker"})
	_, skipped := waitFor[Message](carol)
	for _, ev := range skipped {
		if m, ok := ev.(Message); ok {
			t.Fatalf("carol received %#v", m)
		}
	}

	// Rooms list, and leaving.
	alice.do(ListRooms{})
	r, _ := waitFor[Rooms](alice)
	equal(t, "rooms", r.Rooms, []wire.RoomInfo{{Name: "dev", Members: 2}, {Name: "lobby", Members: 3}})
	bob.do(LeaveRoom{Room: "dev"})
	if rl, _ := waitFor[RoomLeft](bob); rl.Room != "dev" {
		t.Fatalf("room left: %#v", rl)
	}
	if l, _ := waitFor[Left](alice); l.Nick != "Bob" || l.Room != "dev" || l.Reason != wire.LeftParted {
		t.Fatalf("left: %#v", l)
	}

	// The nickname is taken, whatever the case: refused, final.
	dup := startClient(t)
	dup.do(Connect{Addr: s.Addr, Nick: "BOB"})
	if r := nextIs[Refused](dup); r.Code != wire.RefuseNickTaken {
		t.Fatalf("refused: %#v", r)
	}
	if d := nextIs[Disconnected](dup); !d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
}

func TestRealServerKick(t *testing.T) {
	s := startServer(t, noFlood)
	alice := join(t, s, "alice")
	mallory := join(t, s, "mallory")
	joinRoom(alice, "dev")
	joinRoom(mallory, "dev")
	waitUsers(alice, "dev", "alice", "mallory")

	s.Do(server.Kick{Nick: "mallory", Reason: "도배 금지"})
	if k, _ := waitFor[Kicked](mallory); k.Reason != "도배 금지" {
		t.Fatalf("kicked: %#v", k)
	}
	if d := nextIs[Disconnected](mallory); !d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
	if r, _ := waitFor[Removed](alice); r.Nick != "mallory" || r.Reason != "도배 금지" {
		t.Fatalf("removed: %#v", r)
	}
	waitUsers(alice, "dev", "alice")
	waitUsers(alice, "lobby", "alice")
	mallory.quiet(300 * time.Millisecond) // no reconnect
}

// The server stops and starts again on the same port: clients come back by
// themselves, rejoin their rooms, and everything typed meanwhile is
// delivered once, in order.
func TestRealServerRestart(t *testing.T) {
	s := startServer(t, noFlood)
	opts := WithBackoff(50*time.Millisecond, 200*time.Millisecond)
	alice := join(t, s, "alice", opts)
	bob := join(t, s, "bob", opts)
	joinRoom(alice, "dev")
	joinRoom(bob, "dev")
	waitUsers(alice, "dev", "alice", "bob")

	s.Stop()
	for _, h := range []*harness{alice, bob} {
		if d, _ := waitFor[Disconnected](h); d.Final || !errors.Is(d.Err, ErrServerStopping) {
			t.Fatalf("disconnected: %#v", d)
		}
		waitFor[Reconnecting](h)
	}
	const n = 20
	for i := range n {
		room := ""
		if i%2 == 1 {
			room = "dev"
		}
		alice.do(Say{ID: uint64(100 + i), Room: room, Text: fmt.Sprintf("typed while down %d", i)})
	}
	s.Start(s.Addr)

	for _, h := range []*harness{alice, bob} {
		if c, _ := waitFor[Connected](h); !c.Rejoin {
			t.Fatalf("connected: %#v", c)
		}
	}
	// alice's messages: each confirmed once, in order.
	var (
		ids    []uint64
		devNow []string // the room's list as alice last saw it
	)
	deadline := time.After(waitLimit)
	for len(ids) < n {
		select {
		case ev := <-alice.events:
			switch ev := ev.(type) {
			case Message:
				if ev.Mine {
					ids = append(ids, ev.ID)
				}
			case Users:
				if ev.Room == "dev" {
					devNow = ev.Users
				}
			case Undelivered:
				t.Fatalf("undelivered: %#v", ev)
			}
		case <-deadline:
			t.Fatalf("only %d confirmed: %v", len(ids), ids)
		}
	}
	for i, id := range ids {
		if id != uint64(100+i) {
			t.Fatalf("confirmed out of order: %v", ids)
		}
	}
	// Both are back in the room: a message there reaches bob, and bob saw
	// alice's queued messages (those sent after he was back) in order, once.
	if !slices.Equal(devNow, []string{"alice", "bob"}) {
		waitUsers(alice, "dev", "alice", "bob")
	}
	alice.do(Say{ID: 999, Room: "dev", Text: "after"})
	var got []string
	deadline = time.After(waitLimit)
	for done := false; !done; {
		select {
		case ev := <-bob.events:
			if m, ok := ev.(Message); ok && m.From == "alice" {
				got = append(got, m.Text)
				done = m.Text == "after"
			}
		case <-deadline:
			t.Fatalf("bob got %v", got)
		}
	}
	last := -1
	for _, text := range got[:len(got)-1] {
		var i int
		if _, err := fmt.Sscanf(text, "typed while down %d", &i); err != nil || i <= last {
			t.Fatalf("bob got %v", got)
		}
		last = i
	}
}

// With flood control on, the server reads slowly; the session keeps serving
// commands and every message goes through, in order.
func TestRealServerFloodControl(t *testing.T) {
	s := startServer(t, server.Config{FloodBurst: 5, FloodRate: 100})
	alice := join(t, s, "alice")
	const n = 60
	start := time.Now()
	for i := range n {
		alice.do(Say{ID: uint64(i), Text: fmt.Sprintf("m%d", i)})
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("sending %d messages took %v: the session blocked", n, d)
	}
	for i := range n {
		m, _ := waitFor[Message](alice)
		if !m.Mine || m.ID != uint64(i) {
			t.Fatalf("echo %d: %#v", i, m)
		}
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("%d messages in %v: flood control did not apply", n, d)
	}
}

// Many connect/disconnect cycles leave no goroutine behind, on either side.
func TestRealServerCyclesLeaveNothingBehind(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	s := startServer(t, noFlood)
	h := startClient(t)
	const cycles = 100
	start := time.Now()
	for i := range cycles {
		h.do(Connect{Addr: s.Addr, Nick: fmt.Sprintf("cycler%d", i)})
		if c, skipped := waitFor[Connected](h); c.Rejoin {
			t.Fatalf("cycle %d: %#v (after %#v)", i, c, skipped)
		}
		h.do(Say{ID: uint64(i), Text: "hi"}, Disconnect{})
		if d, _ := waitFor[Disconnected](h); !d.Final {
			t.Fatalf("cycle %d: %#v", i, d)
		}
	}
	t.Logf("%d cycles in %v", cycles, time.Since(start).Round(time.Millisecond))
	h.stop()
	s.Close()
	goleak.VerifyNone(t, ignore)
}

// With the default reconnect schedule a client is back within 2 s of the
// server listening again, after a short outage (fast retries) and after one
// longer than the fast phase (retries at most every 2 s in the first
// minute). The outages are real time the server spends down, not waits for
// something to happen.
func TestRealServerBackWithinTwoSeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("spends 7 s with the server down")
	}
	s := startServer(t, noFlood)
	alice := join(t, s, "alice", WithBackoff(DefaultBackoffMin, DefaultBackoffMax), WithFastRetry(DefaultFastRetry, DefaultFastFor))
	for _, down := range []time.Duration{500 * time.Millisecond, DefaultFastFor + 1500*time.Millisecond} {
		s.Stop()
		waitFor[Reconnecting](alice)
		<-time.After(down) // the outage
		s.Start(s.Addr)
		listening := time.Now()
		c, _ := waitFor[Connected](alice)
		back := time.Since(listening)
		t.Logf("down %v: back %v after the server listened again", down, back.Round(time.Millisecond))
		if !c.Rejoin || back > 2*time.Second {
			t.Errorf("down %v: back after %v (%#v)", down, back, c)
		}
	}
}

// Reserved names and look-alikes are refused by the real server, and the
// client reports why; a look-alike room and a bidi control are refused
// without ending anything.
func TestRealServerNamesAndBidi(t *testing.T) {
	s := startServer(t, noFlood)
	bob := join(t, s, "Bob")
	for _, tc := range []struct {
		nick string
		code wire.RefuseCode
	}{{"ᏴoᏏ", wire.RefuseNickTaken}, {"Bօb", wire.RefuseNickTaken}, {"ʙob", wire.RefuseNickTaken},
		{"Admin", wire.RefuseNickReserved}, {"관리자", wire.RefuseNickReserved}, {"ѕуѕtеm", wire.RefuseNickReserved}} {
		h := startClient(t)
		h.do(Connect{Addr: s.Addr, Nick: tc.nick})
		r, _ := waitFor[Refused](h)
		if r.Code != tc.code {
			t.Errorf("%q: refused %#v, want code %d", tc.nick, r, tc.code)
		}
		if d := nextIs[Disconnected](h); !d.Final {
			t.Errorf("%q: %#v, want final", tc.nick, d)
		}
	}
	h := startClient(t)
	h.do(JoinRoom{Room: "lоbby"}) // not connected yet: refused locally
	nextIs[Error](h)
	h = join(t, s, "alice")
	h.do(JoinRoom{Room: "lоbby"})
	e, _ := waitFor[Error](h)
	if e.Code != wire.CodeRoomLookAlike {
		t.Fatalf("join lоbby: %#v", e)
	}
	h.do(Say{ID: 1, Text: "look: evil\u202Etxt.exe"})
	if ud, _ := waitFor[Undelivered](h); ud.ID != 1 || !errors.Is(ud.Err, wire.ErrBidiControl) {
		t.Fatalf("bidi say: %#v", ud)
	}
	h.do(Say{ID: 2, Text: "fine"})
	waitMsg(bob, func(m Message) bool { return m.Text == "fine" && m.From == "alice" })
}
