package client

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// waitOps waits for room's RoomOps event and checks its list.
func waitOps(h *harness, room string, want ...string) {
	h.t.Helper()
	for {
		ro, skipped := waitFor[RoomOps](h)
		if ro.Room != room {
			continue
		}
		if !slices.Equal(ro.Ops, want) {
			h.t.Fatalf("%s's operators %v, want %v (after %#v)", room, ro.Ops, want, skipped)
		}
		return
	}
}

// waitRefused waits for an Error event carrying the server's code.
func waitRefused(h *harness, code wire.ErrorCode) *ServerError {
	h.t.Helper()
	e, skipped := waitFor[Error](h)
	var se *ServerError
	if e.Code != code || !errors.As(e.Err, &se) || se.Code != code {
		h.t.Fatalf("error %#v, want a ServerError with code %d (after %#v)", e, code, skipped)
	}
	return se
}

// Against the real server: the creator of a room is its operator and the
// session reports it (RoomOps); SetTopic, RoomOp and RoomKick reach the
// server; a refusal comes back as an Error with the server's code; a member
// removed from a room gets RoomKicked then RoomLeft, the others RoomKicked
// then Users; Oper logs in as a server operator.
func TestRoomOperatorCommands(t *testing.T) {
	s := startServer(t, server.Config{FloodBurst: -1, Operators: []server.Operator{{Name: "root", Password: "pw"}}})
	alice := join(t, s, "alice")
	bob := join(t, s, "bob")
	waitUsers(alice, "lobby", "alice", "bob")

	joinRoom(alice, "dev")
	waitOps(alice, "dev", "alice")
	joinRoom(bob, "dev")
	waitOps(bob, "dev", "alice")

	bob.do(SetTopic{Room: "dev", Text: "mine now"})
	if se := waitRefused(bob, wire.CodeNotOperator); se.Text != "you are not an operator of “dev”" {
		t.Fatalf("refusal %q", se.Text)
	}

	alice.do(RoomOp{Room: "dev", User: "bob", On: true})
	waitOps(alice, "dev", "alice", "bob")
	waitOps(bob, "dev", "alice", "bob")
	bob.do(SetTopic{Room: "dev", Text: "release friday"})
	for _, h := range []*harness{alice, bob} {
		if tp, _ := waitFor[Topic](h); tp.Room != "dev" || tp.Text != "release friday" || tp.By != "bob" {
			t.Fatalf("topic %#v", tp)
		}
	}

	bob.do(RoomKick{Room: "dev", User: "alice", Reason: "bye"})
	k, _ := waitFor[RoomKicked](alice)
	if !k.Mine || k.Room != "dev" || k.User != "alice" || k.By != "bob" || k.Reason != "bye" || k.Time.IsZero() {
		t.Fatalf("alice: %#v", k)
	}
	if l := nextIs[RoomLeft](alice); l.Room != "dev" {
		t.Fatalf("alice: %#v", l)
	}
	k, _ = waitFor[RoomKicked](bob)
	if k.Mine || k.User != "alice" || k.By != "bob" {
		t.Fatalf("bob: %#v", k)
	}
	if u := nextIs[Users](bob); u.Room != "dev" || !slices.Equal(u.Users, []string{"bob"}) {
		t.Fatalf("bob: %#v", u)
	}
	alice.do(Say{ID: 7, Room: "dev", Text: "still here?"})
	if u, _ := waitFor[Undelivered](alice); u.ID != 7 {
		t.Fatalf("alice: %#v", u)
	}

	// A server operator, in the lobby too.
	alice.do(Oper{Name: "root", Password: "wrong"})
	waitRefused(alice, wire.CodeOperWrong)
	alice.do(Oper{Name: "root", Password: "pw"})
	if o, _ := waitFor[Opered](alice); o.Name != "root" || o.Text == "" {
		t.Fatalf("opered %#v", o)
	}
	waitOps(bob, "lobby", "alice")
	alice.do(SetTopic{Text: "exam at 3"}) // Room "": the lobby
	if tp, _ := waitFor[Topic](bob); tp.Room != "lobby" || tp.By != "alice" {
		t.Fatalf("lobby topic %#v", tp)
	}

	// Requests need a connection.
	alice.do(Disconnect{})
	waitFor[Disconnected](alice)
	alice.do(RoomKick{Room: "dev", User: "bob"})
	if e, _ := waitFor[Error](alice); !errors.Is(e.Err, ErrNotConnected) {
		t.Fatalf("offline: %#v", e)
	}
}

// Against a fake server: the frames the commands send; the events the
// operators' frames give, names and text shown visibly; a reconnect clears
// the lobby's operators shown before it.
func TestRoomOperatorFrames(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, fast)
	p, _ := connect(h, f, "alice", "alice", "bob")

	h.do(SetTopic{Text: "exam at 3"}, RoomKick{Room: "dev", User: "bob", Reason: "spam"},
		RoomOp{Room: "dev", User: "bob", On: true}, Oper{Name: "root", Password: "pw"})
	equal(t, "set-topic", expect[wire.SetTopic](p), wire.SetTopic{Room: wire.Lobby, Text: "exam at 3"})
	equal(t, "room-kick", expect[wire.RoomKick](p), wire.RoomKick{Room: "dev", User: "bob", Reason: "spam"})
	equal(t, "room-op", expect[wire.RoomOp](p), wire.RoomOp{Room: "dev", User: "bob", On: true})
	equal(t, "oper", expect[wire.Oper](p), wire.Oper{Name: "root", Password: "pw"})
	h.do(RoomKick{Room: "dev", User: " bad"}) // refused here: not a nickname
	if e := nextIs[Error](h); e.Code != wire.CodeNoSuchUser {
		t.Fatalf("bad nickname: %#v", e)
	}

	p.send(wire.UserList{Room: "dev", Flags: wire.ListFirst | wire.ListLast, Users: []string{"alice", "bob\u202E"}})
	nextIs[RoomJoined](h)
	nextIs[Users](h)
	p.send(wire.RoomOps{Room: "dev", Ops: []string{"bob\u202E"}, By: "bob\u202E"})
	if ro := nextIs[RoomOps](h); ro.Room != "dev" || !slices.Equal(ro.Ops, []string{"bob⟨RLO⟩"}) || !IsOp(ro.Ops, "BOB⟨RLO⟩") ||
		ro.By != "bob⟨RLO⟩" {
		t.Fatalf("room-ops %#v", ro)
	}
	p.send(wire.RoomKicked{Time: 1, Room: "dev", User: "bob\u202E", By: "alice", Reason: "x\u202E"})
	if k := nextIs[RoomKicked](h); k.Mine || k.User != "bob⟨RLO⟩" || k.Reason != "x⟨RLO⟩" || k.By != "alice" {
		t.Fatalf("room-kicked %#v", k)
	}
	equal(t, "dev after the kick", nextIs[Users](h).Users, []string{"alice"})
	p.send(wire.RoomOps{Room: "dev"})
	if ro := nextIs[RoomOps](h); ro.Room != "dev" || ro.Ops != nil {
		t.Fatalf("no operators left %#v", ro)
	}
	p.send(wire.RoomKicked{Time: 2, Room: "dev", User: "alice", By: "bob", Reason: "bye"})
	if k := nextIs[RoomKicked](h); !k.Mine || k.By != "bob" || k.Reason != "bye" {
		t.Fatalf("my room-kicked %#v", k)
	}
	equal(t, "room left", nextIs[RoomLeft](h), RoomLeft{Room: "dev"})
	p.send(wire.Opered{Name: "root", Text: "you are now a server operator"})
	equal(t, "opered", nextIs[Opered](h), Opered{Name: "root", Text: "you are now a server operator"})

	// The lobby had operators; after a reconnect to a lobby without any,
	// they are cleared (its room-ops comes only when it has some), and the
	// room I was removed from is not rejoined.
	p.send(wire.RoomOps{Room: wire.Lobby, Ops: []string{"root"}})
	nextIs[RoomOps](h)
	p.close()
	waitFor[Disconnected](h)
	rejoins(h, f)
	if u := nextIs[Users](h); u.Room != wire.Lobby {
		t.Fatalf("after the reconnect %#v", u)
	}
	if ro := nextIs[RoomOps](h); ro.Room != wire.Lobby || ro.Ops != nil {
		t.Fatalf("lobby operators after the reconnect %#v", ro)
	}
	h.quiet(200 * time.Millisecond)
}
