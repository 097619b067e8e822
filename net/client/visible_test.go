package client

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/multichat/multichat/net/wire"
)

// A server that breaks the protocol (older, or hostile) sends names and text
// with controls and bidi characters: every event shows them visibly, and the
// session still works with the names as sent.
func TestHostileCharactersShownVisibly(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	h.do(Connect{Addr: f.addr, Nick: "alice"})
	p := f.accept()
	p.welcome(wire.Welcome{Nick: "alice", Server: "evil\x1b[2J", MaxText: wire.DefaultMaxText, MaxFrame: wire.DefaultMaxFrame},
		"alice", "bob\u202Egnp.exe")
	c := nextIs[Connected](h)
	equal(t, "server", c.Server, "evil␛[2J")
	equal(t, "users", c.Users, []string{"alice", "bob⟨RLO⟩gnp.exe"})
	equal(t, "lobby list", nextIs[Users](h).Users, []string{"alice", "bob⟨RLO⟩gnp.exe"})

	p.send(wire.Chat{ID: 1, Time: 1, Room: wire.Lobby, From: "bob\u202Egnp.exe", Text: "see\u2066 evil\u202Etxt.exe\nline two\x1b[31m\x07"})
	m := nextIs[Message](h)
	equal(t, "from", m.From, "bob⟨RLO⟩gnp.exe")
	equal(t, "text", m.Text, "see⟨LRI⟩ evil⟨RLO⟩txt.exe\nline two␛[31m␇")

	p.send(wire.Joined{Time: 1, Room: wire.Lobby, Users: []string{"eve\nadmin: all quiet"}})
	equal(t, "joined", nextIs[Joined](h).Nick, "eve␊admin: all quiet")
	nextIs[Users](h)
	p.send(wire.Notice{Time: 1, Text: "\u202Edlrow"})
	equal(t, "notice", nextIs[Notice](h).Text, "⟨RLO⟩dlrow")
	p.send(wire.UserList{Room: "room\u2067", Flags: wire.ListFirst | wire.ListLast, Users: []string{"alice"}})
	equal(t, "room joined", nextIs[RoomJoined](h).Room, "room⟨RLI⟩")
	equal(t, "room users", nextIs[Users](h).Room, "room⟨RLI⟩")
	p.send(wire.RoomList{Flags: wire.ListFirst | wire.ListLast, Rooms: []wire.RoomInfo{{Name: "lobby", Members: 2}, {Name: "x\u202Dy", Members: 1}}})
	rooms := nextIs[Rooms](h).Rooms
	equal(t, "room list", []string{rooms[0].Name, rooms[1].Name}, []string{"lobby", "x⟨LRO⟩y"})
	p.send(wire.FileOffered{ID: 5, Time: 1, From: "bob", Room: wire.Lobby, Name: "photo\u202Egpj.exe", Size: 1})
	equal(t, "file name", nextIs[FileOffered](h).Name, "photo⟨RLO⟩gpj.exe")
	p.send(wire.Error{Code: wire.CodeNoSuchUser, Text: "no\x1b]0;pwned\x07"})
	var se *ServerError
	if e := nextIs[Error](h); !errors.As(e.Err, &se) || se.Text != "no␛]0;pwned␇" {
		t.Fatalf("error %#v", e.Err)
	}
	p.send(wire.Kicked{Reason: "bye\u202E", By: "ad\u2068min"})
	k := nextIs[Kicked](h)
	equal(t, "kick", []string{k.Reason, k.By}, []string{"bye⟨RLO⟩", "ad⟨FSI⟩min"})
	d, _ := waitFor[Disconnected](h) // after the offer's FileDone
	if strings.IndexFunc(d.Err.Error(), func(r rune) bool { return unicode.IsControl(r) || r == '\u202E' || r == '\u2068' }) >= 0 {
		t.Fatalf("disconnected: %q", d.Err)
	}
}

// What a server that keeps the protocol sends is passed on as it is: right-to-
// left text with its marks, tabs and newlines, emoji sequences.
func TestOrdinaryTextUnchanged(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t)
	p, _ := connect(h, f, "alice", "alice", "👩‍💻", "홍길동")
	for _, text := range []string{"שלום \u200Fעולם", "tab\there\nand a line", "❤️ 🏳️‍🌈", "평범한 한국어 문장"} {
		p.send(wire.Chat{ID: 1, Time: 1, Room: wire.Lobby, From: "👩‍💻", Text: text})
		m := nextIs[Message](h)
		equal(t, "text", m.Text, text)
		equal(t, "from", m.From, "👩‍💻")
	}
}
