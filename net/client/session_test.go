package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

func TestHandshakeConnected(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	h.do(Connect{Addr: f.addr, Nick: "Alice"})
	p := f.accept()
	hello := expect[wire.Hello](p)
	if hello.Version != wire.Version || hello.Nick != "Alice" || hello.Password != "" {
		t.Fatalf("hello: %+v", hello)
	}
	if !trust.VerifyProof(hello.Device, [32]byte{7}, fakeIdentity().Fingerprint, hello.Proof) {
		t.Fatal("the hello's device proof does not verify over the challenge and the server's certificate")
	}
	// The lobby list in two chunks, unsorted, with a chat that slipped in
	// before the last chunk.
	p.send(wire.Welcome{Version: wire.Version, Nick: "Alice", Server: "Test server", Lobby: "lobby",
		MaxText: 100, MaxFrame: wire.DefaultMaxFrame},
		wire.UserList{Room: "lobby", Flags: wire.ListFirst, Users: []string{"zed", "Alice"}},
		wire.Chat{ID: 1, Time: 1000, Room: "lobby", From: "bob", Text: "early"},
		wire.UserList{Room: "lobby", Flags: wire.ListLast, Users: []string{"bob", "Carol", "홍길동"}})
	c := nextIs[Connected](h)
	equal(t, "connected", c, Connected{Addr: f.addr, Nick: "Alice", Server: "Test server", Lobby: "lobby",
		Users: []string{"Alice", "bob", "Carol", "zed", "홍길동"}, MaxText: 100,
		Encrypted: true, Fingerprint: fakeIdentity().Fingerprint})
	u := nextIs[Users](h)
	equal(t, "users", u, Users{Room: "lobby", Users: []string{"Alice", "bob", "Carol", "zed", "홍길동"}})
	m := nextIs[Message](h)
	equal(t, "early message", m, Message{MsgID: 1, Time: time.UnixMilli(1000), Room: "lobby", From: "bob", Text: "early"})

	// MaxText from Welcome applies.
	h.do(Say{ID: 1, Text: strings.Repeat("a", 101)})
	ud := nextIs[Undelivered](h)
	var tl *wire.TextTooLongError
	if !errors.As(ud.Err, &tl) || tl.Max != 100 {
		t.Fatalf("over-long text: got %v", ud.Err)
	}
}

func TestSayEchoAndIncoming(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice", "alice", "bob")

	h.do(Say{ID: 42, Text: "안녕 👋"})
	s := expect[wire.Say](p)
	if s.Room != "lobby" || s.Text != "안녕 👋" || s.Ref == 0 {
		t.Fatalf("say frame: %#v", s)
	}
	p.send(wire.Chat{ID: 9, Time: 2000, Room: "lobby", From: "bob", Text: "[kick] is text", Ref: s.Ref},
		wire.Chat{ID: 10, Time: 2001, Room: "lobby", From: "alice", Text: "안녕 👋", Ref: s.Ref})
	equal(t, "other's message", nextIs[Message](h),
		Message{MsgID: 9, Time: time.UnixMilli(2000), Room: "lobby", From: "bob", Text: "[kick] is text"})
	equal(t, "my echo", nextIs[Message](h),
		Message{MsgID: 10, ID: 42, Time: time.UnixMilli(2001), Room: "lobby", From: "alice", Text: "안녕 👋", Mine: true})

	h.do(Private{ID: 43, To: "bob", Text: "psst"})
	pv := expect[wire.Private](p)
	equal(t, "private frame", pv, wire.Private{Ref: pv.Ref, To: "bob", Text: "psst"})
	p.send(wire.PrivMsg{ID: 11, Time: 3000, From: "alice", To: "bob", Text: "psst", Ref: pv.Ref},
		wire.PrivMsg{ID: 12, Time: 3001, From: "bob", To: "alice", Text: "hi back"})
	equal(t, "my private echo", nextIs[Message](h),
		Message{MsgID: 11, ID: 43, Time: time.UnixMilli(3000), From: "alice", To: "bob", Text: "psst", Private: true, Mine: true})
	equal(t, "private in", nextIs[Message](h),
		Message{MsgID: 12, Time: time.UnixMilli(3001), From: "bob", To: "alice", Text: "hi back", Private: true})
}

func TestErrorWithRefIsUndelivered(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	h.do(Private{ID: 5, To: "nobody", Text: "hello?"})
	pv := expect[wire.Private](p)
	p.send(wire.Error{Code: wire.CodeNoSuchUser, Ref: pv.Ref, Text: "no such user: nobody"})
	ud := nextIs[Undelivered](h)
	var se *ServerError
	if ud.ID != 5 || ud.To != "nobody" || ud.Text != "hello?" || !errors.As(ud.Err, &se) || se.Code != wire.CodeNoSuchUser {
		t.Fatalf("undelivered: %#v", ud)
	}
	if ud.Err.Error() != "no such user: nobody" {
		t.Fatalf("error text: %q", ud.Err)
	}
	// An error without a ref is an Error event.
	p.send(wire.Error{Code: wire.CodeNotInRoom, Text: "not in room x"})
	e := nextIs[Error](h)
	if e.Code != wire.CodeNotInRoom || e.Err.Error() != "not in room x" {
		t.Fatalf("error: %#v", e)
	}
}

func TestRefusedDoesNotReconnect(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	h.do(Say{ID: 1, Text: "before connect"})
	if ud := nextIs[Undelivered](h); !errors.Is(ud.Err, ErrNotConnected) {
		t.Fatalf("say while idle: %v", ud.Err)
	}
	h.do(Connect{Addr: f.addr, Nick: "bob"})
	p := f.accept()
	expect[wire.Hello](p)
	h.do(Say{ID: 2, Text: "typed while connecting"})
	p.send(wire.Refused{Code: wire.RefuseNickTaken, Text: "nickname bob is taken"})
	equal(t, "refused", nextIs[Refused](h), Refused{Code: wire.RefuseNickTaken, Text: "nickname bob is taken"})
	ud := nextIs[Undelivered](h)
	if ud.ID != 2 || !errors.Is(ud.Err, ErrNotSent) {
		t.Fatalf("handed back: %#v", ud)
	}
	d := nextIs[Disconnected](h)
	var re *RefusedError
	if !d.Final || !errors.As(d.Err, &re) || re.Code != wire.RefuseNickTaken {
		t.Fatalf("disconnected: %#v", d)
	}
	f.noConnection(200 * time.Millisecond)
	h.quiet(50 * time.Millisecond)

	// An invalid nickname is refused without a connection.
	h.do(Connect{Addr: f.addr, Nick: "has space"})
	if r := nextIs[Refused](h); r.Code != wire.RefuseNickInvalid {
		t.Fatalf("refused: %#v", r)
	}
	if d := nextIs[Disconnected](h); !d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
	f.noConnection(50 * time.Millisecond)

	// And the session can connect again.
	connect(h, f, "bob2")
}

func TestKickedDoesNotReconnect(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "mallory")
	h.do(Say{ID: 1, Text: "spam"})
	expect[wire.Say](p)
	p.send(wire.Kicked{Reason: "도배 금지", By: "admin"})
	p.close()
	equal(t, "kicked", nextIs[Kicked](h), Kicked{Reason: "도배 금지", By: "admin"})
	if ud := nextIs[Undelivered](h); ud.ID != 1 || !errors.Is(ud.Err, ErrNotSent) {
		t.Fatalf("handed back: %#v", ud)
	}
	d := nextIs[Disconnected](h)
	var ke *KickedError
	if !d.Final || !errors.As(d.Err, &ke) || ke.Reason != "도배 금지" {
		t.Fatalf("disconnected: %#v", d)
	}
	f.noConnection(200 * time.Millisecond)
	h.quiet(50 * time.Millisecond)
}

// The server goes away; the client retries with backoff, messages typed
// meanwhile are queued, and after the rejoin the client rejoins its rooms,
// resends what was never confirmed, then the queue, in order, exactly once.
func TestReconnectDeliversQueuedInOrder(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, WithBackoff(20*time.Millisecond, 80*time.Millisecond))
	p, _ := connect(h, f, "alice", "alice", "bob")

	h.do(JoinRoom{Room: "Go 팀"})
	equal(t, "join", expect[wire.Join](p), wire.Join{Room: "Go 팀"})
	p.send(wire.UserList{Room: "Go 팀", Flags: wire.ListFirst | wire.ListLast, Users: []string{"bob", "alice"}})
	equal(t, "room joined", nextIs[RoomJoined](h), RoomJoined{Room: "Go 팀", Users: []string{"alice", "bob"}})
	nextIs[Users](h)

	h.do(Say{ID: 1, Text: "one"})
	s1 := expect[wire.Say](p)
	p.send(wire.Chat{ID: 1, Room: "lobby", From: "alice", Text: "one", Ref: s1.Ref})
	if m := nextIs[Message](h); m.ID != 1 || !m.Mine {
		t.Fatalf("echo: %#v", m)
	}
	h.do(Say{ID: 2, Room: "Go 팀", Text: "two (sent, never confirmed)"})
	s2 := expect[wire.Say](p)

	// The server vanishes.
	f.stopListening()
	p.close()
	d := nextIs[Disconnected](h)
	if d.Final || d.Err == nil {
		t.Fatalf("disconnected: %#v", d)
	}
	var delays []time.Duration
	for i := 1; i <= 3; i++ {
		r := nextIs[Reconnecting](h)
		if r.Attempt != i || r.Err == nil {
			t.Fatalf("reconnecting %d: %#v", i, r)
		}
		delays = append(delays, r.Delay)
	}
	base := []time.Duration{20, 40, 80}
	for i, d := range delays {
		lo, hi := base[i]*time.Millisecond*8/10, base[i]*time.Millisecond*12/10
		if d < lo || d > hi {
			t.Fatalf("delay %d is %v, want %v..%v", i+1, d, lo, hi)
		}
	}
	h.do(Say{ID: 3, Text: "three"}, Private{ID: 4, To: "bob", Text: "four"}, Say{ID: 5, Room: "Go 팀", Text: "five"})

	f.relisten()
	var p2 *peer
	for p2 == nil {
		select {
		case nc := <-f.conns:
			p2 = f.peer(nc)
		case ev := <-h.events:
			if _, ok := ev.(Reconnecting); !ok {
				t.Fatalf("while waiting for the reconnect: %#v", ev)
			}
		case <-time.After(waitLimit):
			t.Fatal("no reconnect")
		}
	}
	p2.welcome(wire.Welcome{Nick: "alice"}, "alice", "bob")
	c, _ := waitFor[Connected](h)
	if !c.Rejoin || c.Nick != "alice" {
		t.Fatalf("connected: %#v", c)
	}
	equal(t, "rejoin", expect[wire.Join](p2), wire.Join{Room: "Go 팀"})
	equal(t, "resent", expect[wire.Say](p2), s2)
	s3 := expect[wire.Say](p2)
	p4 := expect[wire.Private](p2)
	s5 := expect[wire.Say](p2)
	if s3.Text != "three" || s3.Room != "lobby" || p4.Text != "four" || s5.Text != "five" || s5.Room != "Go 팀" {
		t.Fatalf("queue order: %#v %#v %#v", s3, p4, s5)
	}
	p2.send(wire.UserList{Room: "Go 팀", Flags: wire.ListFirst | wire.ListLast, Users: []string{"alice", "bob"}},
		wire.Chat{ID: 2, Room: "Go 팀", From: "alice", Text: s2.Text, Ref: s2.Ref},
		wire.Chat{ID: 3, Room: "lobby", From: "alice", Text: s3.Text, Ref: s3.Ref},
		wire.PrivMsg{ID: 4, From: "alice", To: "bob", Text: p4.Text, Ref: p4.Ref},
		wire.Chat{ID: 5, Room: "Go 팀", From: "alice", Text: s5.Text, Ref: s5.Ref})
	// The room is rejoined quietly (the UI still shows it): Users, no RoomJoined.
	var ids []uint64
	for len(ids) < 4 {
		switch ev := h.next().(type) {
		case Message:
			if !ev.Mine {
				t.Fatalf("not mine: %#v", ev)
			}
			ids = append(ids, ev.ID)
		case Users:
		default:
			t.Fatalf("unexpected %#v", ev)
		}
	}
	equal(t, "delivered", ids, []uint64{2, 3, 4, 5})
	p2.nothing(100 * time.Millisecond)
	h.quiet(50 * time.Millisecond)
}

func TestUnreachableRetriesUntilDisconnect(t *testing.T) {
	f := newFakeServer(t)
	addr := f.addr
	f.stopListening()
	h := startClient(t)
	h.do(Connect{Addr: addr, Nick: "alice"})
	if d := nextIs[Disconnected](h); d.Final || d.Err == nil {
		t.Fatalf("disconnected: %#v", d)
	}
	nextIs[Reconnecting](h)
	h.do(Say{ID: 1, Text: "queued"}, Say{ID: 2, Text: "queued too"})
	if r := nextIs[Reconnecting](h); r.Attempt != 2 {
		t.Fatalf("reconnecting: %#v", r)
	}
	h.do(Disconnect{})
	evs := []Event{}
	for {
		ev := h.next()
		if _, ok := ev.(Reconnecting); ok {
			continue // one may have been on its way
		}
		evs = append(evs, ev)
		if _, ok := ev.(Disconnected); ok {
			break
		}
	}
	if len(evs) != 3 {
		t.Fatalf("events: %#v", evs)
	}
	for i, id := range []uint64{1, 2} {
		if ud, ok := evs[i].(Undelivered); !ok || ud.ID != id || !errors.Is(ud.Err, ErrNotSent) {
			t.Fatalf("handed back: %#v", evs[i])
		}
	}
	equal(t, "final", evs[2], Disconnected{Final: true})
	h.quiet(100 * time.Millisecond)
}

func TestDisconnectSaysQuitAndHandsBack(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	h.do(Say{ID: 1, Text: "confirmed in the grace period"}, Say{ID: 2, Text: "never confirmed"})
	s1 := expect[wire.Say](p)
	expect[wire.Say](p)
	h.do(Disconnect{})
	p.send(wire.Chat{ID: 1, Room: "lobby", From: "alice", Text: s1.Text, Ref: s1.Ref})
	if m := nextIs[Message](h); m.ID != 1 || !m.Mine {
		t.Fatalf("echo: %#v", m)
	}
	ud := nextIs[Undelivered](h)
	if ud.ID != 2 || !errors.Is(ud.Err, ErrNotSent) || !strings.Contains(ud.Err.Error(), "disconnected") {
		t.Fatalf("handed back: %#v", ud)
	}
	equal(t, "final", nextIs[Disconnected](h), Disconnected{Final: true})
	p.expectEOF(true)
	f.noConnection(100 * time.Millisecond)
}

func TestTextIsRefusedNotCut(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	cases := []struct {
		text string
		want error
	}{
		{strings.Repeat("가", wire.MaxTextChars+1), nil}, // 4001 characters
		{"bad \xff utf-8", wire.ErrInvalidUTF8},
		{"   ", wire.ErrEmptyText},
		{"bell\a", wire.ErrBadText},
	}
	for i, c := range cases {
		h.do(Say{ID: uint64(i), Text: c.text})
		ud := nextIs[Undelivered](h)
		if ud.ID != uint64(i) || ud.Text != c.text {
			t.Fatalf("case %d: %#v", i, ud)
		}
		var tl *wire.TextTooLongError
		if c.want == nil && !errors.As(ud.Err, &tl) || c.want != nil && !errors.Is(ud.Err, c.want) {
			t.Fatalf("case %d: err %v", i, ud.Err)
		}
	}
	// Bad names are refused too, and never reach the encoder.
	h.do(Private{ID: 10, To: strings.Repeat("x", 70000), Text: "hi"})
	if ud := nextIs[Undelivered](h); ud.ID != 10 || !errors.Is(ud.Err, wire.ErrInvalidName) {
		t.Fatalf("bad recipient: %#v", ud)
	}
	h.do(Say{ID: 11, Room: "bad\u202eroom", Text: "hi"})
	if ud := nextIs[Undelivered](h); ud.ID != 11 || !errors.Is(ud.Err, wire.ErrInvalidName) {
		t.Fatalf("bad room: %#v", ud)
	}
	// Exactly at the limit is fine, and nothing before it went out.
	ok := strings.Repeat("가", wire.MaxTextChars) // 12 000 bytes
	h.do(Say{ID: 20, Text: ok})
	if s := expect[wire.Say](p); s.Text != ok {
		t.Fatal("the message at the limit was not sent whole")
	}
}

func TestQueueIsBounded(t *testing.T) {
	f := newFakeServer(t)
	addr := f.addr
	f.stopListening()
	h := startClient(t, WithBackoff(time.Hour, time.Hour), WithFastRetry(0, 0))
	h.do(Connect{Addr: addr, Nick: "alice"})
	nextIs[Disconnected](h)
	nextIs[Reconnecting](h)
	for i := range MaxPending {
		h.do(Say{ID: uint64(i), Text: "x"})
	}
	h.do(Say{ID: 9999, Text: "one too many"})
	if ud := nextIs[Undelivered](h); ud.ID != 9999 || !errors.Is(ud.Err, ErrQueueFull) {
		t.Fatalf("over the bound: %#v", ud)
	}
	h.do(Disconnect{})
	for i := range MaxPending {
		if ud := nextIs[Undelivered](h); ud.ID != uint64(i) {
			t.Fatalf("handed back out of order: %#v", ud)
		}
	}
	nextIs[Disconnected](h)
}

func TestRoomsAndMembership(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice", "alice", "bob")

	h.do(LeaveRoom{Room: "LOBBY"})
	if e := nextIs[Error](h); e.Code != wire.CodeLobby {
		t.Fatalf("leave lobby: %#v", e)
	}
	h.do(JoinRoom{Room: " bad"})
	if e := nextIs[Error](h); e.Code != wire.CodeInvalidRoom {
		t.Fatalf("bad room: %#v", e)
	}

	h.do(JoinRoom{Room: "rust"})
	expect[wire.Join](p)
	// Big list in chunks; a failed join in between (answered in order).
	p.send(wire.UserList{Room: "Rust", Flags: wire.ListFirst, Users: []string{"zoe", "alice"}},
		wire.UserList{Room: "Rust", Flags: wire.ListLast, Users: []string{"Bob", "carol"}})
	equal(t, "room joined", nextIs[RoomJoined](h), RoomJoined{Room: "Rust", Users: []string{"alice", "Bob", "carol", "zoe"}})
	equal(t, "users", nextIs[Users](h), Users{Room: "Rust", Users: []string{"alice", "Bob", "carol", "zoe"}})

	p.send(wire.Joined{Time: 5000, Room: "Rust", Users: []string{"dave", "Erin"}})
	equal(t, "joined", nextIs[Joined](h), Joined{Room: "Rust", Nick: "dave", Time: time.UnixMilli(5000)})
	equal(t, "joined", nextIs[Joined](h), Joined{Room: "Rust", Nick: "Erin", Time: time.UnixMilli(5000)})
	equal(t, "users", nextIs[Users](h), Users{Room: "Rust", Users: []string{"alice", "Bob", "carol", "dave", "Erin", "zoe"}})

	p.send(wire.Left{Time: 6000, Room: "Rust", User: "bob", Reason: wire.LeftLost})
	equal(t, "left", nextIs[Left](h), Left{Room: "Rust", Nick: "bob", Reason: wire.LeftLost, Time: time.UnixMilli(6000)})
	equal(t, "users", nextIs[Users](h), Users{Room: "Rust", Users: []string{"alice", "carol", "dave", "Erin", "zoe"}})

	p.send(wire.Removed{Time: 7000, User: "zoe", Reason: "spam"},
		wire.Left{Time: 7000, Room: "lobby", User: "zoe", Reason: wire.LeftKicked},
		wire.Notice{Time: 8000, Text: "점검 예정"})
	equal(t, "removed", nextIs[Removed](h), Removed{Nick: "zoe", Reason: "spam", Time: time.UnixMilli(7000)})
	nextIs[Left](h)
	nextIs[Users](h)
	equal(t, "notice", nextIs[Notice](h), Notice{Text: "점검 예정", Time: time.UnixMilli(8000)})

	h.do(JoinRoom{Room: "full"})
	expect[wire.Join](p)
	p.send(wire.Error{Code: wire.CodeTooManyRooms, Text: "too many rooms"})
	if e := nextIs[Error](h); e.Code != wire.CodeTooManyRooms {
		t.Fatalf("error: %#v", e)
	}

	h.do(ListRooms{})
	expect[wire.ListRooms](p)
	p.send(wire.RoomList{Flags: wire.ListFirst, Rooms: []wire.RoomInfo{{Name: "lobby", Members: 5}}},
		wire.RoomList{Flags: wire.ListLast, Rooms: []wire.RoomInfo{{Name: "Rust", Members: 5}}})
	equal(t, "rooms", nextIs[Rooms](h), Rooms{Rooms: []wire.RoomInfo{{Name: "lobby", Members: 5}, {Name: "Rust", Members: 5}}})

	h.do(LeaveRoom{Room: "rust"})
	equal(t, "part", expect[wire.Part](p), wire.Part{Room: "rust"})
	p.send(wire.Left{Time: 9000, Room: "Rust", User: "alice", Reason: wire.LeftParted})
	equal(t, "room left", nextIs[RoomLeft](h), RoomLeft{Room: "Rust"})

	// The server answers pings.
	p.send(wire.Ping{Token: 77})
	equal(t, "pong", expect[wire.Pong](p), wire.Pong{Token: 77})

	// Not connected: a clear error.
	h.do(Disconnect{})
	nextIs[Disconnected](h)
	for _, c := range []Command{JoinRoom{Room: "x"}, LeaveRoom{Room: "x"}, ListRooms{}} {
		h.do(c)
		if e := nextIs[Error](h); !errors.Is(e.Err, ErrNotConnected) {
			t.Fatalf("%#v while idle: %#v", c, e)
		}
	}
}

func TestKeepalive(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, WithPingAfter(60*time.Millisecond))
	p, _ := connect(h, f, "alice")
	// Answered pings keep the connection.
	for range 3 {
		ping := expect[wire.Ping](p)
		p.send(wire.Pong{Token: ping.Token})
	}
	h.quiet(10 * time.Millisecond)
	// Two unanswered pings: the connection is lost and retried.
	expect[wire.Ping](p)
	expect[wire.Ping](p)
	d := nextIs[Disconnected](h)
	if !errors.Is(d.Err, ErrPingTimeout) || d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
	rejoins(h, f)
}

func TestStoppingReconnects(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	p.send(wire.Stopping{Reason: "maintenance"})
	p.close()
	if d := nextIs[Disconnected](h); d.Final || !errors.Is(d.Err, ErrServerStopping) || !strings.Contains(d.Err.Error(), "maintenance") {
		t.Fatalf("disconnected: %#v", d)
	}
	rejoins(h, f)
}

// On a rejoin, "nickname taken" means another device holds it now (the
// server gives a device its own nickname back at once): the session says so
// at once with NickLost, never Reconnecting, keeps what was typed, and
// rejoins under the nickname the user picks.
func TestRejoinNickLost(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	p.close()
	nextIs[Disconnected](h)
	nextIs[Reconnecting](h)
	p = f.accept()
	expect[wire.Hello](p)
	p.send(wire.Refused{Code: wire.RefuseNickTaken, Text: "taken"})
	if nl := nextIs[NickLost](h); nl.Nick != "alice" || nl.Text != "taken" {
		t.Fatalf("nick lost: %#v", nl)
	}
	f.noConnection(100 * time.Millisecond) // waits for the user: no reconnecting
	h.do(Say{ID: 1, Text: "kept"})
	h.do(ChangeNick{Nick: "has space"})
	if nl := nextIs[NickLost](h); nl.Nick != "has space" || nl.Text == "" {
		t.Fatalf("invalid new nickname: %#v", nl)
	}
	h.do(ChangeNick{Nick: "alice2"})
	p = f.accept()
	if hl := p.welcome(wire.Welcome{}); hl.Nick != "alice2" {
		t.Fatalf("hello: %#v", hl)
	}
	if c, _ := waitFor[Connected](h); !c.Rejoin || c.Nick != "alice2" {
		t.Fatalf("connected: %#v", c)
	}
	if s := expect[wire.Say](p); s.Text != "kept" {
		t.Fatalf("say: %#v", s)
	}
}

// A UI that does not read events never blocks the session: it still serves
// the connection (pongs) and commands, and cancelling ctx ends Run.
func TestSlowUIDoesNotBlock(t *testing.T) {
	f := newFakeServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmds := make(chan Command)
	events := make(chan Event) // never read until the end
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cmds, events, WithLogger(testLogger(t)), WithDataDir(t.TempDir()), trustAll, fast)
	}()
	cmds <- Connect{Addr: f.addr, Nick: "alice"}
	p := f.accept()
	p.welcome(wire.Welcome{})
	var burst []wire.Message
	for i := range 5000 {
		burst = append(burst, wire.Chat{ID: uint64(i), Room: "lobby", From: "bob", Text: "flood"})
	}
	p.send(burst...)
	p.send(wire.Ping{Token: 1})
	equal(t, "pong", expect[wire.Pong](p), wire.Pong{Token: 1})
	select {
	case cmds <- Say{ID: 1, Text: "still here"}:
	case <-time.After(waitLimit):
		t.Fatal("session blocked")
	}
	expect[wire.Say](p)
	cancel()
	p.expectEOF(true)
	// Events are all there, in order, then closed.
	n := 0
	deadline := time.After(waitLimit)
	for closed := false; !closed; {
		select {
		case ev, ok := <-events:
			if !ok {
				closed = true
				break
			}
			if m, ok := ev.(Message); ok {
				if m.MsgID != uint64(n) {
					t.Fatalf("message %d out of order: %d", n, m.MsgID)
				}
				n++
			}
		case <-deadline:
			t.Fatal("events not closed")
		}
	}
	if n != 5000 {
		t.Fatalf("got %d messages", n)
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
	}
}

func TestRunEndsWhenCmdsClosed(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	h.do(Say{ID: 1, Text: "last words"})
	expect[wire.Say](p)
	close(h.cmds)
	h.stopped = true
	if ud, _ := waitFor[Undelivered](h); ud.ID != 1 {
		t.Fatalf("handed back: %#v", ud)
	}
	if d := nextIs[Disconnected](h); !d.Final {
		t.Fatalf("disconnected: %#v", d)
	}
	p.expectEOF(true)
	select {
	case _, ok := <-h.events:
		if ok {
			t.Fatal("event after the final Disconnected")
		}
	case <-time.After(waitLimit):
		t.Fatal("events not closed")
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
	}
}

func TestConnectWhileConnected(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	connect(h, f, "alice")
	h.do(Connect{Addr: f.addr, Nick: "again"})
	if e := nextIs[Error](h); !strings.Contains(e.Err.Error(), "already connected") {
		t.Fatalf("error: %#v", e)
	}
	h.do(Connect{Addr: "no-port", Nick: "x"})
	nextIs[Error](h)
}

func TestBackoff(t *testing.T) {
	o := newOptions(nil)
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second,
		5: 16 * time.Second, 6: 30 * time.Second, 7: 30 * time.Second, 100: 30 * time.Second} {
		for range 50 {
			d := o.backoff(n)
			if d < want*8/10 || d > want*12/10 {
				t.Fatalf("attempt %d: %v, want %v ±20%%", n, d, want)
			}
		}
	}
}

// The reconnect schedule: fast at first, at most 2 s for the first minute,
// then the doubling backoff; an explicit backoff below the fast rate wins.
func TestRetryDelay(t *testing.T) {
	o := newOptions(nil)
	within := func(what string, d, lo, hi time.Duration) {
		t.Helper()
		if d < lo || d > hi {
			t.Fatalf("%s: %v, want %v..%v", what, d, lo, hi)
		}
	}
	for range 50 {
		within("first second", o.retryDelay(1, 0, 0), 200*time.Millisecond, 250*time.Millisecond)
		within("4 s in, attempt 16", o.retryDelay(16, 0, 4*time.Second), 200*time.Millisecond, 250*time.Millisecond)
		within("10 s in, attempt 25", o.retryDelay(25, 0, 10*time.Second), time.Second, 2*time.Second)
		within("59 s in", o.retryDelay(50, 0, 59*time.Second), time.Second, 2*time.Second)
		within("after a minute, first slow", o.retryDelay(60, 1, time.Minute), 1600*time.Millisecond, 2400*time.Millisecond)
		within("after a minute, fourth slow", o.retryDelay(63, 4, 2*time.Minute), 12800*time.Millisecond, 19200*time.Millisecond)
		within("much later", o.retryDelay(200, 100, time.Hour), 24*time.Second, 36*time.Second)
	}
	quick := newOptions([]Option{WithBackoff(20*time.Millisecond, 80*time.Millisecond)})
	within("a faster backoff", quick.retryDelay(1, 0, 0), 16*time.Millisecond, 24*time.Millisecond)
	off := newOptions([]Option{WithBackoff(time.Hour, time.Hour), WithFastRetry(0, 0)})
	within("no fast retries", off.retryDelay(1, 0, 0), time.Hour*8/10, time.Hour*12/10)
}

// Every event that tells how a Connect goes carries that Connect's Session:
// a refusal and its final Disconnected, then a new attempt's Reconnecting,
// Connected, lost connection and kick.
func TestLifecycleEventsCarryTheSession(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	h.do(Connect{Addr: f.addr, Nick: "alice", Session: 7})
	f.accept().send(wire.Refused{Code: wire.RefuseNickTaken, Text: "taken"})
	if r := nextIs[Refused](h); r.Session != 7 {
		t.Fatalf("refused: %#v", r)
	}
	if d := nextIs[Disconnected](h); !d.Final || d.Session != 7 {
		t.Fatalf("disconnected: %#v", d)
	}
	h.do(Connect{Addr: f.addr, Nick: "bob", Session: 8})
	p := f.accept()
	p.welcome(wire.Welcome{Nick: "bob"}, "bob")
	if c := nextIs[Connected](h); c.Session != 8 {
		t.Fatalf("connected: %#v", c)
	}
	nextIs[Users](h)
	p.close()
	if d := nextIs[Disconnected](h); d.Final || d.Session != 8 {
		t.Fatalf("lost: %#v", d)
	}
	if r := nextIs[Reconnecting](h); r.Session != 8 {
		t.Fatalf("reconnecting: %#v", r)
	}
	p = f.accept()
	p.welcome(wire.Welcome{Nick: "bob"}, "bob")
	if c, _ := waitFor[Connected](h); c.Session != 8 || !c.Rejoin {
		t.Fatalf("rejoined: %#v", c)
	}
	p.send(wire.Kicked{Reason: "bye"})
	if k, _ := waitFor[Kicked](h); k.Session != 8 {
		t.Fatalf("kicked: %#v", k)
	}
	if d := nextIs[Disconnected](h); !d.Final || d.Session != 8 {
		t.Fatalf("final: %#v", d)
	}
}

// RetryNow dials at once instead of waiting for the backoff.
func TestRetryNow(t *testing.T) {
	f := newFakeServer(t)
	addr := f.addr
	f.stopListening()
	h := startClient(t, WithBackoff(time.Hour, time.Hour), WithFastRetry(0, 0))
	h.do(Connect{Addr: addr, Nick: "alice", Session: 1})
	nextIs[Disconnected](h)
	if r := nextIs[Reconnecting](h); r.Delay < time.Minute {
		t.Fatalf("reconnecting: %#v", r)
	}
	f.relisten()
	h.do(RetryNow{})
	f.accept().welcome(wire.Welcome{Nick: "alice"}, "alice")
	if c := nextIs[Connected](h); c.Nick != "alice" || c.Session != 1 {
		t.Fatalf("connected: %#v", c)
	}
	nextIs[Users](h)
	h.do(RetryNow{}) // connected: nothing to do
	f.noConnection(100 * time.Millisecond)
}

func TestRosterSortsCaseInsensitively(t *testing.T) {
	var r roster
	r.set([]string{"bob", "Alice", "carol", "Émile", "zed", "ｂｅｎ"})
	r.add("Dave")
	r.add("dave") // the same name: not listed twice
	r.add("ALICE")
	r.remove("CAROL")
	equal(t, "roster", r.list(), []string{"Alice", "ｂｅｎ", "bob", "Dave", "zed", "Émile"})
}

// A server that sends junk does not break the session: unknown or malformed
// frames are skipped, an oversized one ends the connection (and the session
// reconnects), and nothing panics.
func TestHostileServerFrames(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice")
	raw := func(b ...byte) {
		t.Helper()
		if _, err := p.nc.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	raw(0, 0, 0, 3, 0x7f, 1, 2)                                    // unknown type
	raw(0, 0, 0, 2, byte(wire.TypeChat), 9)                        // truncated payload
	raw(0, 0, 0, 1, byte(wire.TypeSeedText))                       // reserved type
	p.send(wire.Joined{Room: "nowhere", Users: []string{"ghost"}}, // a room I am not in
		wire.Left{Room: "nowhere", User: "ghost"},
		wire.FileChunk{ID: 12345, Data: []byte("no such transfer")},
		wire.FileEnd{ID: 12345},
		wire.FileAck{ID: 999, Bytes: 1 << 40},
		wire.Welcome{Nick: "mallory"}, // not now
		wire.Notice{Text: "still fine"})
	if l, _ := waitFor[Notice](h); l.Text != "still fine" {
		t.Fatalf("notice: %#v", l)
	}
	raw(0x7f, 0xff, 0xff, 0xff, byte(wire.TypeChat)) // 2 GiB frame
	if d, _ := waitFor[Disconnected](h); d.Final || !errors.Is(d.Err, wire.ErrTooLarge) {
		t.Fatalf("disconnected: %#v", d)
	}
	if c := rejoins(h, f); c.Nick != "alice" {
		t.Fatalf("connected: %#v", c)
	}
}
