package server

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// joinOps joins nick and has its client read room-ops frames itself.
func joinOps(t *testing.T, addr, nick string) *client {
	t.Helper()
	c := join(t, addr, nick)
	c.ops = true
	return c
}

// enter has c join room and read its list; it returns the list.
func (c *client) enter(room string) []string {
	c.t.Helper()
	c.send(wire.Join{Room: room})
	return c.readListSkipping(room)
}

// expectOps reads the next frame, which must be room's room-ops listing
// want.
func expectOps(t *testing.T, c *client, room string, want ...string) {
	t.Helper()
	ro := expect[wire.RoomOps](c)
	if ro.Room != room || !slices.Equal(ro.Ops, want) {
		t.Fatalf("%s: room-ops %+v, want %s %v", c.nick, ro, room, want)
	}
}

// untilOps reads until a room-ops frame of room comes; it must list want.
func untilOps(t *testing.T, c *client, room string, want ...string) {
	t.Helper()
	for {
		ro := until[wire.RoomOps](c)
		if ro.Room != room {
			continue
		}
		if !slices.Equal(ro.Ops, want) {
			t.Fatalf("%s: room-ops %+v, want %s %v", c.nick, ro, room, want)
		}
		return
	}
}

// refusedOp sends m from c and expects an error with code whose text holds
// says.
func refusedOp(t *testing.T, c *client, m wire.Message, code wire.ErrorCode, says string) {
	t.Helper()
	c.send(m)
	e := until[wire.Error](c)
	if e.Code != code || !strings.Contains(e.Text, says) {
		t.Fatalf("%s: %T %+v: got %+v, want code %d saying %q", c.nick, m, m, e, code, says)
	}
}

// TestRoomOperators: the creator of a room is its operator and may set its
// topic, remove members from it and make others operators; others are
// refused in plain words; the lobby has none; a room kick is announced to
// the room (no left) and takes the member out of that room only; the
// creator is an operator again after a
// reconnect while the room is open, and the room forgets its operators (and
// their topic) when it closes.
func TestRoomOperators(t *testing.T) {
	h := startServer(t, testConfig())
	alice := joinOps(t, h.addr, "alice")
	bob := joinOps(t, h.addr, "bob")
	carol := joinOps(t, h.addr, "carol")
	for _, c := range []*client{alice, bob, carol} {
		c.seeUsers(wire.Lobby, "alice", "bob", "carol")
		c.sync()
	}

	// The lobby has no room operators.
	refusedOp(t, alice, wire.SetTopic{Room: wire.Lobby, Text: "hi"}, wire.CodeNotOperator, "no room operators")
	refusedOp(t, alice, wire.RoomKick{Room: wire.Lobby, User: "bob"}, wire.CodeLobby, "lobby")
	refusedOp(t, alice, wire.RoomOp{Room: wire.Lobby, User: "bob", On: true}, wire.CodeLobby, "no room operators")
	refusedOp(t, alice, wire.SetTopic{Room: "nowhere", Text: "x"}, wire.CodeNoSuchRoom, "no room “nowhere”")

	// alice opens dev: she is its operator.
	if got := alice.enter("dev"); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("alice: dev lists %v", got)
	}
	expectOps(t, alice, "dev", "alice")
	// bob joins: his list, then the operators; alice hears only of bob.
	bob.send(wire.Join{Room: "DEV"}) // the same room, whatever the case
	if got := bob.readListSkipping("dev"); !equalSet(got, []string{"alice", "bob"}) {
		t.Fatalf("bob: dev lists %v", got)
	}
	expectOps(t, bob, "dev", "alice")
	if j := expect[wire.Joined](alice); j.Room != "dev" || !slices.Equal(j.Users, []string{"bob"}) {
		t.Fatalf("alice: %+v", j)
	}
	alice.quiet()

	// bob is not an operator; carol is not even in the room.
	refusedOp(t, bob, wire.SetTopic{Room: "dev", Text: "mine"}, wire.CodeNotOperator, "you are not an operator of “dev”")
	refusedOp(t, bob, wire.RoomKick{Room: "dev", User: "alice"}, wire.CodeNotOperator, "you are not an operator of “dev”")
	refusedOp(t, bob, wire.RoomOp{Room: "dev", User: "bob", On: true}, wire.CodeNotOperator, "you are not an operator")
	refusedOp(t, carol, wire.SetTopic{Room: "dev", Text: "x"}, wire.CodeNotInRoom, "you are not in “dev”")
	refusedOp(t, alice, wire.RoomOp{Room: "dev", User: "carol", On: true}, wire.CodeNotInRoom, "“carol” is not in “dev”")
	refusedOp(t, alice, wire.RoomKick{Room: "dev", User: "zed"}, wire.CodeNotInRoom, "“zed” is not in “dev”")
	refusedOp(t, alice, wire.SetTopic{Room: "dev", Text: "bell\a"}, wire.CodeBadText, "the topic")
	alice.quiet()
	bob.quiet()

	// The operator's topic reaches the room, signed with her name.
	alice.send(wire.SetTopic{Room: "dev", Text: " design review "})
	for _, c := range []*client{alice, bob} {
		if tp := expect[wire.Topic](c); tp.Room != "dev" || tp.Text != "design review" || tp.By != "alice" {
			t.Fatalf("%s: %+v", c.nick, tp)
		}
	}
	carol.quiet()
	h.waitFor(0, func(e Event) bool {
		tc, ok := e.(TopicChanged)
		return ok && tc.Room == "dev" && tc.By == "alice"
	}, "the topic in the window, with its operator")

	// carol joins and learns the operators and the topic.
	carol.enter("dev")
	expectOps(t, carol, "dev", "alice")
	if tp := until[wire.Topic](carol); tp.Text != "design review" || tp.By != "alice" {
		t.Fatalf("carol: %+v", tp)
	}
	for _, c := range []*client{alice, bob} {
		if j := expect[wire.Joined](c); !slices.Equal(j.Users, []string{"carol"}) {
			t.Fatalf("%s: %+v", c.nick, j)
		}
	}

	// alice makes bob an operator: everyone in dev is told, and by whom.
	alice.send(wire.RoomOp{Room: "dev", User: "BOB", On: true})
	for _, c := range []*client{alice, bob, carol} {
		if ro := expect[wire.RoomOps](c); ro.Room != "dev" || !slices.Equal(ro.Ops, []string{"alice", "bob"}) || ro.By != "alice" {
			t.Fatalf("%s: room-ops %+v, want dev [alice bob] by alice", c.nick, ro)
		}
	}
	h.waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == AuditRoomOp && a.Entry.Target == "bob" && a.Entry.Args.By == "alice" &&
			a.Entry.Args.Room == "dev" && a.Entry.Args.On
	}, "the operator change audited")

	// bob removes carol from dev: announced to the room, carol included;
	// nobody gets left; carol stays on the server.
	bob.send(wire.RoomKick{Room: "dev", User: "carol", Reason: "off topic"})
	for _, c := range []*client{alice, bob, carol} {
		k := expect[wire.RoomKicked](c)
		if k.Room != "dev" || k.User != "carol" || k.By != "bob" || k.Reason != "off topic" || k.Time == 0 {
			t.Fatalf("%s: %+v", c.nick, k)
		}
	}
	refusedOp(t, carol, wire.Say{Room: "dev", Text: "still here?"}, wire.CodeNotInRoom, "not in “dev”")
	carol.send(wire.Say{Ref: 5, Room: wire.Lobby, Text: "still on the server"})
	for _, c := range []*client{alice, bob, carol} {
		if m := expect[wire.Chat](c); m.From != "carol" || m.Room != wire.Lobby {
			t.Fatalf("%s: %+v", c.nick, m)
		}
	}
	ev, _ := h.waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == AuditRoomKick
	}, "the room kick audited")
	if a := ev.(Audited).Entry; a.Target != "carol" || a.Reason != "off topic" || a.Args.By != "bob" || a.Args.Room != "dev" {
		t.Fatalf("audit entry %+v", a)
	}
	// alice's connection drops; she comes back and joins dev again: she is
	// still its operator.
	alice.nc.Close()
	if l := until[wire.Left](bob); l.User != "alice" {
		t.Fatalf("bob: %+v", l)
	}
	alice = joinOps(t, h.addr, "alice")
	alice.enter("dev")
	expectOps(t, alice, "dev", "alice", "bob")
	if tp := expect[wire.Topic](alice); tp.Text != "design review" { // kept while the room is open
		t.Fatalf("alice: %+v", tp)
	}
	for j := until[wire.Joined](bob); j.Room != "dev"; j = until[wire.Joined](bob) { // the lobby's first
	}
	expectOps(t, bob, "dev", "alice", "bob")

	// bob gives his up.
	bob.send(wire.RoomOp{Room: "dev", User: "bob"})
	for _, c := range []*client{alice, bob} {
		expectOps(t, c, "dev", "alice")
	}

	// Everyone leaves: dev closes and forgets its operators and topic. bob
	// opens it anew and is its only operator.
	for _, c := range []*client{alice, bob} {
		c.send(wire.Part{Room: "dev"})
		until[wire.Left](c)
	}
	bob.enter("dev")
	expectOps(t, bob, "dev", "bob")
	alice.enter("dev")
	expectOps(t, alice, "dev", "bob")
	for _, m := range append(alice.sync(), bob.sync()...) {
		if tp, ok := m.(wire.Topic); ok {
			t.Fatalf("the closed room's topic came back: %+v", tp)
		}
	}
	refusedOp(t, alice, wire.SetTopic{Room: "dev", Text: "again"}, wire.CodeNotOperator, "not an operator of “dev”")
}

// TestRoomOperatorFollowsDevice: a room remembers its operator's device
// too: another device that takes the nickname once its binding has lapsed
// (NickGrace) is not the operator.
func TestRoomOperatorFollowsDevice(t *testing.T) {
	cfg := testConfig()
	cfg.NickGrace = 50 * time.Millisecond
	h := startServer(t, cfg)
	alice := joinOps(t, h.addr, "alice")
	bob := joinOps(t, h.addr, "bob")
	alice.enter("dev")
	bob.enter("dev")
	untilOps(t, bob, "dev", "alice")
	alice.send(wire.Quit{})
	alice.closed()
	for l := until[wire.Left](bob); l.Room != "dev"; l = until[wire.Left](bob) {
	}
	time.Sleep(4 * cfg.NickGrace) // the binding lapses: waiting is what is tested

	mallory := dial(t, h.addr) // another device
	if w, ok := mallory.hello("alice").(wire.Welcome); !ok || w.Nick != "alice" {
		t.Fatalf("the lapsed nickname: %+v", w)
	}
	mallory.readList(wire.Lobby)
	mallory.ops = true
	mallory.enter("dev")
	expectOps(t, mallory, "dev") // none present: alice's device is not here
	refusedOp(t, mallory, wire.SetTopic{Room: "dev", Text: "mine"}, wire.CodeNotOperator, "not an operator of “dev”")
	refusedOp(t, mallory, wire.RoomKick{Room: "dev", User: "bob"}, wire.CodeNotOperator, "not an operator of “dev”")
}

// TestRoomKickHistory: a room kick is kept in the room's history as a
// kick, with the operator who made it.
func TestRoomKickHistory(t *testing.T) {
	cfg := testConfig()
	cfg.History = openStore(t, filepath.Join(t.TempDir(), store.File))
	h := startServer(t, cfg)
	alice := joinOps(t, h.addr, "alice")
	bob := joinOps(t, h.addr, "bob")
	alice.enter("dev")
	bob.enter("dev")
	alice.send(wire.RoomKick{Room: "dev", User: "bob", Reason: "spam"})
	until[wire.RoomKicked](bob)
	if k := until[wire.RoomKicked](alice); k.User != "bob" {
		t.Fatalf("alice: %+v", k)
	}
	alice.sync()
	alice.send(wire.Older{Ref: 3, Room: "dev"})
	_, page := readHistory(alice, wire.HistOlder)
	if !slices.ContainsFunc(page, func(e wire.Entry) bool {
		return e.Kind == wire.EntryKicked && e.From == "bob" && e.To == "alice" && e.Text == "spam" && e.Room == "dev"
	}) {
		t.Fatalf("dev's history %+v lacks the room kick", page)
	}
}

// TestRoomOperatorMuted: mute and lecture mode apply to operators'
// requests like to any other.
func TestRoomOperatorMuted(t *testing.T) {
	h := startServer(t, testConfig())
	alice := joinOps(t, h.addr, "alice")
	bob := joinOps(t, h.addr, "bob")
	alice.sync()
	alice.enter("dev")
	expectOps(t, alice, "dev", "alice")
	bob.enter("dev")
	expectOps(t, bob, "dev", "alice")
	until[wire.Joined](alice)

	h.send(Lecture{Room: "dev", On: true})
	until[wire.Restriction](alice)
	until[wire.Restriction](bob)
	refusedOp(t, alice, wire.SetTopic{Room: "dev", Text: "quiet"}, wire.CodeLecture, "lecture mode")
	h.send(Lecture{Room: "dev"})
	until[wire.Restriction](alice)

	h.send(Mute{Nick: "alice", Reason: "calm down"})
	if r := until[wire.Restriction](alice); r.Kind != wire.RestrictMute || !r.On {
		t.Fatalf("alice: %+v", r)
	}
	refusedOp(t, alice, wire.SetTopic{Room: "dev", Text: "x"}, wire.CodeMuted, "calm down")
	refusedOp(t, alice, wire.RoomKick{Room: "dev", User: "bob"}, wire.CodeMuted, "muted")
	refusedOp(t, alice, wire.RoomOp{Room: "dev", User: "bob", On: true}, wire.CodeMuted, "muted")
	for _, m := range bob.sync() {
		if _, ok := m.(wire.Restriction); !ok {
			t.Fatalf("bob got %T %+v", m, m)
		}
	}
}

// TestServerOperators: an oper login with a pair from the operators file
// makes the connection an operator of every room, the lobby included; wrong
// pairs are refused and throttled; without a file logins are off.
func TestServerOperators(t *testing.T) {
	cfg := testConfig()
	cfg.Operators = []Operator{{Name: "root", Password: "s3cret pass"}}
	h := startServer(t, cfg)
	alice := joinOps(t, h.addr, "alice")
	bob := joinOps(t, h.addr, "bob")
	alice.sync()

	refusedOp(t, alice, wire.Oper{Name: "root", Password: "guess"}, wire.CodeOperWrong, "2 more tries")
	alice.send(wire.Oper{Name: "root", Password: "s3cret pass"})
	if o := expect[wire.Opered](alice); o.Name != "root" || !strings.Contains(o.Text, "server operator") {
		t.Fatalf("alice: %+v", o)
	}
	for _, c := range []*client{alice, bob} { // the lobby has an operator now
		expectOps(t, c, wire.Lobby, "alice")
	}
	h.waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == AuditOper && a.Entry.Target == "alice" && a.Entry.Detail == "root"
	}, "the operator login audited")

	// A server operator sets the lobby's topic…
	alice.send(wire.SetTopic{Room: wire.Lobby, Text: "exam at 3"})
	for _, c := range []*client{alice, bob} {
		if tp := expect[wire.Topic](c); tp.Room != wire.Lobby || tp.By != "alice" || tp.Text != "exam at 3" {
			t.Fatalf("%s: %+v", c.nick, tp)
		}
	}
	// …runs rooms it is not in…
	bob.enter("games")
	expectOps(t, bob, "games", "bob")
	alice.send(wire.RoomKick{Room: "games", User: "bob", Reason: "homework first"})
	if k := expect[wire.RoomKicked](bob); k.User != "bob" || k.By != "alice" || k.Reason != "homework first" {
		t.Fatalf("bob: %+v", k)
	}
	alice.quiet() // not in games: not told
	// …appears among the operators of the rooms it joins…
	alice.enter("chess")
	expectOps(t, alice, "chess", "alice")
	bob.enter("chess")
	expectOps(t, bob, "chess", "alice")
	if j := until[wire.Joined](alice); j.Room != "chess" {
		t.Fatalf("alice: %+v", j)
	}
	// …and cannot remove anyone from the lobby.
	refusedOp(t, alice, wire.RoomKick{Room: wire.Lobby, User: "bob"}, wire.CodeLobby, "lobby")

	// Wrong pairs from one address are throttled, as passwords are.
	carol := joinOps(t, h.addr, "carol")
	expectOps(t, carol, wire.Lobby, "alice")
	refusedOp(t, carol, wire.Oper{Name: "root", Password: "x"}, wire.CodeOperWrong, "1 more try")
	refusedOp(t, carol, wire.Oper{Name: "admin", Password: "s3cret pass"}, wire.CodeOperWrong, "no tries left")
	refusedOp(t, carol, wire.Oper{Name: "root", Password: "s3cret pass"}, wire.CodeOperWrong, "wait")

	// A server operator's powers end with its connection.
	alice.send(wire.Quit{})
	alice.closed()
	dave := joinOps(t, h.addr, "dave")
	if got := dave.sync(); slices.ContainsFunc(got, func(m wire.Message) bool { _, ok := m.(wire.RoomOps); return ok }) {
		t.Fatalf("dave: %+v, want no operators in the lobby", got)
	}

	// Without an operators file, logins are off.
	h2 := startServer(t, testConfig())
	erin := joinOps(t, h2.addr, "erin")
	refusedOp(t, erin, wire.Oper{Name: "root", Password: "s3cret pass"}, wire.CodeOperOff, "operator logins are off")
}

// TestParseOperators: the operators file's lines, comments and mistakes.
func TestParseOperators(t *testing.T) {
	ops, err := ParseOperators([]byte("# operators\n\nroot  two words\n운영자\t비밀\n"))
	if err != nil || !slices.Equal(ops, []Operator{{"root", "two words"}, {"운영자", "비밀"}}) {
		t.Fatalf("got %+v, %v", ops, err)
	}
	for _, bad := range []string{"", "# only comments\n", "root\n", "root pw\nroot other\n", "a\xffb pw\n"} {
		if _, err := ParseOperators([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// waitOps polls the hub until room's remembered operators are want.
func (h *harness) waitOps(room string, want ...string) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []string
		h.inspect(func(hb *hub) {
			if r := hb.roomNamed(room); r != nil {
				for _, o := range r.ops {
					got = append(got, o.nick)
				}
			}
		})
		if equalSet(got, want) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s's operators %v, want %v", room, got, want)
		}
		time.Sleep(5 * time.Millisecond) // polling the hub: a remote operator change has no event of its own
	}
}

// TestClusterRoomOperators: every server of a cluster shows the same
// operators of a room; operator changes, topics and room kicks made on one
// server reach the members on the others, a member removed on another
// server leaves the room there, a server that missed the operators learns
// them from a snapshot, and a server operator is one on every server.
func TestClusterRoomOperators(t *testing.T) {
	ms := startCluster(t, 2, func(i int, cfg *Config) { cfg.Operators = []Operator{{Name: "root", Password: "pw"}} })
	alice := joinOps(t, ms[0].addr, "alice")
	bob := joinOps(t, ms[1].addr, "bob")
	for _, c := range []*client{alice, bob} {
		c.seeUsers(wire.Lobby, "alice", "bob")
	}

	alice.enter("dev")
	untilOps(t, alice, "dev", "alice")
	ms[1].waitOps("dev", "alice")
	bob.enter("dev")
	untilOps(t, bob, "dev", "alice")
	refusedOp(t, bob, wire.SetTopic{Room: "dev", Text: "mine"}, wire.CodeNotOperator, "not an operator of “dev”")
	for j := until[wire.Joined](alice); j.Room != "dev"; j = until[wire.Joined](alice) { // server 0 knows bob is in dev
	}

	// alice, on server 0, makes bob, on server 1, an operator.
	alice.send(wire.RoomOp{Room: "dev", User: "bob", On: true})
	untilOps(t, alice, "dev", "alice", "bob")
	untilOps(t, bob, "dev", "alice", "bob")
	ms[1].waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == AuditRoomOp && a.Entry.Args.Server == "server 0" && a.Entry.Args.By == "alice"
	}, "the operator change audited on server 1")

	// bob's topic reaches alice.
	bob.send(wire.SetTopic{Room: "dev", Text: "release on friday"})
	for _, c := range []*client{alice, bob} {
		if tp := until[wire.Topic](c); tp.Room != "dev" || tp.By != "bob" || tp.Text != "release on friday" {
			t.Fatalf("%s: %+v", c.nick, tp)
		}
	}

	// bob removes alice: her server tells her, and she leaves dev there.
	bob.send(wire.RoomKick{Room: "dev", User: "alice", Reason: "bye"})
	for _, c := range []*client{alice, bob} {
		if k := until[wire.RoomKicked](c); k.Room != "dev" || k.User != "alice" || k.By != "bob" || k.Reason != "bye" {
			t.Fatalf("%s: %+v", c.nick, k)
		}
	}
	refusedOp(t, alice, wire.Say{Room: "dev", Text: "hello?"}, wire.CodeNotInRoom, "not in “dev”")
	ms[0].waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == AuditRoomKick && a.Entry.Target == "alice" && a.Entry.Args.Server == "server 1"
	}, "the room kick audited on server 0")
	ms[1].waitOps("dev", "bob")

	// Back in dev, alice is no longer an operator, and sees bob's topic.
	alice.enter("dev")
	untilOps(t, alice, "dev", "bob")
	if tp := until[wire.Topic](alice); tp.Text != "release on friday" || tp.By != "bob" {
		t.Fatalf("alice: %+v", tp)
	}
	refusedOp(t, alice, wire.RoomOp{Room: "dev", User: "alice", On: true}, wire.CodeNotOperator, "not an operator")
	ms[0].waitOps("dev", "bob")

	// A server that missed the operators (it was down) learns them from
	// another's snapshot, and tells its members.
	var snap cmsg
	ms[0].inspect(func(h *hub) { snap = h.snapshot() })
	peer := ms[0].node.ID()
	ms[1].inspect(func(h *hub) {
		h.roomNamed("dev").ops = nil
		h.remote(h.cl.peers[peer], snap)
	})
	untilOps(t, bob, "dev", "bob")
	ms[1].waitOps("dev", "bob")

	// A server operator of server 0 is one on server 1 too.
	alice.send(wire.Oper{Name: "root", Password: "pw"})
	until[wire.Opered](alice)
	got := map[string][]string{}
	for len(got) < 2 {
		ro := until[wire.RoomOps](bob)
		got[ro.Room] = ro.Ops
	}
	if !slices.Equal(got[wire.Lobby], []string{"alice"}) || !slices.Equal(got["dev"], []string{"alice", "bob"}) {
		t.Fatalf("bob: operators %v after alice's login on server 0", got)
	}
}
