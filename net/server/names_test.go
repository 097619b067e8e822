package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/multichat/multichat/net/wire"
)

// refused says hello as nick and returns the refusal, failing on a welcome.
func refused(t *testing.T, addr, nick string) wire.Refused {
	t.Helper()
	c := dial(t, addr)
	m := c.hello(nick)
	r, ok := m.(wire.Refused)
	if !ok {
		t.Fatalf("nick %q: got %T %+v, want refused", nick, m, m)
	}
	c.expectEOF()
	return r
}

func TestReservedAndLookAlikeNicks(t *testing.T) {
	cfg := testConfig()
	cfg.Name = "Classroom"
	h := startServer(t, cfg)
	bob := join(t, h.addr, "Bob")
	for _, nick := range []string{"bob", "ᏴoᏏ" /* Cherokee */, "Bօb" /* Armenian օ */, "ʙob" /* small capital */, "Ｂｏｂ",
		"b0b", "вов" /* Cyrillic */} {
		r := refused(t, h.addr, nick)
		if r.Code != wire.RefuseNickTaken || !strings.Contains(r.Text, "taken") {
			t.Errorf("%q: %+v, want RefuseNickTaken", nick, r)
		}
		if wire.FoldKey(nick) != wire.FoldKey("Bob") && !strings.Contains(r.Text, "looks like “Bob”") {
			t.Errorf("%q: %q does not say whom it looks like", nick, r.Text)
		}
	}
	for _, tc := range []struct{ nick, like string }{
		{"admin", ""}, {"Admin", ""}, {"ADMIN", ""}, {"ADMlN", "admin"}, {"аdmin" /* Cyrillic а */, "admin"},
		{"ᴀᴅᴍɪɴ", "admin"}, {"adrnin", "admin"}, {"ａｄｍｉｎ", ""}, {"Administrator", ""}, {"SYSTEM", ""},
		{"ѕуѕtеm" /* Cyrillic */, "system"}, {"server", ""}, {"관리자", ""}, {"운영자", ""},
		{"시스템", ""}, {"서버", ""}, {"classroom", ""}, {"CLASSR00M", "Classroom"}, {"Class_Room", "Classroom"},
	} {
		r := refused(t, h.addr, tc.nick)
		if r.Code != wire.RefuseNickReserved || !strings.Contains(r.Text, "reserved") {
			t.Errorf("%q: %+v, want RefuseNickReserved", tc.nick, r)
		}
		if tc.like != "" && !strings.Contains(r.Text, "looks like “"+tc.like+"”") {
			t.Errorf("%q: %q does not say which name it looks like", tc.nick, r.Text)
		}
	}
	// The window gets the same facts (the name looked like), to word them.
	for _, want := range []Refused{{Nick: "ᏴoᏏ", Code: wire.RefuseNickTaken, Like: "Bob"}, {Nick: "bob", Code: wire.RefuseNickTaken},
		{Nick: "ADMlN", Code: wire.RefuseNickReserved, Like: "admin"}, {Nick: "admin", Code: wire.RefuseNickReserved}} {
		h.waitFor(0, func(e Event) bool {
			r, ok := e.(Refused)
			return ok && r.Nick == want.Nick && r.Code == want.Code && r.Like == want.Like
		}, fmt.Sprintf("%q refused with its facts", want.Nick))
	}
	// Names that merely contain a reserved word, and distinct names, are fine.
	for _, nick := range []string{"admins", "sysadmin", "서버실", "관리", "Bobby", "rob"} {
		join(t, h.addr, nick)
	}
	// A look-alike's keys are free again once the user has left and the
	// nickname is released (bound to Bob's device until then).
	bob.send(wire.Quit{})
	bob.closed()
	h.waitFor(0, func(e Event) bool { l, ok := e.(UserLeft); return ok && l.Nick == "Bob" }, "Bob left")
	h.send(Release{Nick: "Bob"})
	h.waitFor(0, func(e Event) bool { n, ok := e.(Notice); return ok && strings.Contains(n.Text, "released") }, "released")
	join(t, h.addr, "ᏴoᏏ")
	if _, members := h.counts(); members != 7 {
		t.Fatalf("%d members, want 7", members)
	}
}

func TestRoomLookAlikesAndReserved(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	refuse := func(c *client, room string, code wire.ErrorCode, says string) {
		t.Helper()
		c.send(wire.Join{Room: room})
		e := expect[wire.Error](c)
		if e.Code != code || !strings.Contains(e.Text, says) {
			t.Errorf("join %q: %+v, want code %d saying %q", room, e, code, says)
		}
	}
	refuse(alice, "lоbby" /* Cyrillic о */, wire.CodeRoomLookAlike, "looks like the existing room #lobby")
	refuse(alice, "1obby", wire.CodeRoomLookAlike, "#lobby")
	alice.send(wire.Join{Room: "Games"})
	if got := alice.readList("Games"); !equalSet(got, []string{"alice"}) {
		t.Fatalf("Games: %v", got)
	}
	for _, room := range []string{"gamеs" /* Cyrillic е */, "Ｇａｍｅｓ_", "GAMΕS" /* Greek Ε */, "ɢames"} {
		refuse(bob, room, wire.CodeRoomLookAlike, "looks like the existing room #Games")
	}
	bob.send(wire.Join{Room: "GAMES"}) // the same room by fold key: joined, not refused
	if got := bob.readList("Games"); !equalSet(got, []string{"alice", "bob"}) {
		t.Fatalf("Games: %v", got)
	}
	for _, room := range []string{"admin", "관리자", "SYSTEM", "Server", "ѕуѕtеm", "multichat", "MultiChat"} {
		refuse(bob, room, wire.CodeRoomReserved, "reserved")
	}
	alice.sync()
	// Nothing of the refused rooms exists.
	alice.send(wire.ListRooms{})
	var names []string
	for _, r := range expect[wire.RoomList](alice).Rooms {
		names = append(names, r.Name)
	}
	if !equalSet(names, []string{"lobby", "Games"}) {
		t.Fatalf("rooms %v, want lobby and Games", names)
	}
	// Once Games is gone its look-alikes are free.
	for _, c := range cs {
		c.send(wire.Part{Room: "Games"})
		for l := until[wire.Left](c); l.User != c.nick; l = until[wire.Left](c) {
		}
	}
	alice.send(wire.Join{Room: "gamеs"})
	if got := alice.readList("gamеs"); !equalSet(got, []string{"alice"}) {
		t.Fatalf("gamеs: %v", got)
	}
}

func TestRoomsPerUser(t *testing.T) {
	cfg := testConfig()
	cfg.MaxRoomsPerUser = 3
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	create := func(c *client, room string) {
		t.Helper()
		c.send(wire.Join{Room: room})
		c.readList(room)
	}
	quota := func(c *client, room string) {
		t.Helper()
		c.send(wire.Join{Room: room})
		e := expect[wire.Error](c)
		if e.Code != wire.CodeRoomQuota || !strings.Contains(e.Text, "you have created 3 rooms") {
			t.Fatalf("join %q: %+v, want CodeRoomQuota", room, e)
		}
	}
	for i := 1; i <= 3; i++ {
		create(alice, fmt.Sprintf("a%d", i))
	}
	quota(alice, "a4")
	create(bob, "b1") // the limit is per user
	create(alice, "b1")
	alice.sync()
	// Leaving an empty room closes it and frees a place.
	alice.send(wire.Part{Room: "a1"})
	until[wire.Left](alice)
	create(alice, "a4")
	quota(alice, "a5")
	// Rooms kept open by others still count, across a reconnect.
	bob.sync()
	create(bob, "a2")
	create(bob, "a3")
	alice.send(wire.Quit{})
	alice.closed()
	h.waitFor(0, func(e Event) bool { l, ok := e.(UserLeft); return ok && l.Nick == "alice" }, "alice left")
	alice = join(t, h.addr, "alice")
	create(alice, "a6") // a4 closed when alice left; a2 a3 remain: 3 now
	quota(alice, "a7")
	// Off with -1.
	cfg.MaxRoomsPerUser = -1
	h2 := startServer(t, cfg)
	carol := join(t, h2.addr, "carol")
	for i := range 12 {
		create(carol, fmt.Sprintf("c%d", i))
	}
}

func TestBidiControlsRefused(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	bidi := func(m wire.Message, ref uint32) {
		t.Helper()
		alice.send(m)
		e := expect[wire.Error](alice)
		if e.Code != wire.CodeBidiControl || e.Ref != ref || !strings.Contains(e.Text, "bidirectional control") {
			t.Fatalf("%T: %+v, want CodeBidiControl with ref %d", m, e, ref)
		}
	}
	bidi(wire.Say{Ref: 7, Room: wire.Lobby, Text: "open evil\u202Etxt.exe"}, 7)
	bidi(wire.Say{Ref: 8, Room: wire.Lobby, Text: "\u2066isolated\u2069"}, 8)
	bidi(wire.Private{Ref: 9, To: "bob", Text: "\u202Bembedded"}, 9)
	bidi(wire.Join{Room: "room\u202E"}, 0)
	bidi(wire.FileOffer{Ref: 10, Room: wire.Lobby, Name: "evil\u202Etxt.exe", Size: 10}, 10)
	// The connection stays; right-to-left marks are fine; bob saw nothing else.
	alice.send(wire.Say{Ref: 11, Room: wire.Lobby, Text: "שלום \u200Fעולם"})
	if c := expect[wire.Chat](alice); c.Ref != 11 {
		t.Fatalf("echo %+v", c)
	}
	got := bob.sync()
	if len(got) != 1 {
		t.Fatalf("bob got %+v, want only the one chat", got)
	}
	if c, ok := got[0].(wire.Chat); !ok || c.Text != "שלום \u200Fעולם" {
		t.Fatalf("bob got %+v", got[0])
	}
}
