package wire

import (
	"encoding/binary"
	"unicode/utf8"
)

// ChatView is a chat frame's fields read in place: the slices point into
// the payload and are valid only as long as it is. A gateway that turns
// every chat into a line of its own protocol uses it to relay without
// allocating (Decode copies the payload into a string and boxes a Chat).
type ChatView struct {
	ID     uint64
	Time   int64
	Room   []byte
	From   []byte
	Text   []byte
	Ref    uint32
	Notice bool
}

// ViewChat reads a chat payload (TypeChat) in place. It reports false for
// any payload Decode would not accept as a Chat as well as it: Decode then
// says what is wrong.
func ViewChat(p []byte) (ChatView, bool) {
	var v ChatView
	if len(p) < 16 {
		return v, false
	}
	v.ID, v.Time = binary.BigEndian.Uint64(p), int64(binary.BigEndian.Uint64(p[8:]))
	p = p[16:]
	var ok bool
	if v.Room, p, ok = viewStr(p); !ok {
		return v, false
	}
	if v.From, p, ok = viewStr(p); !ok {
		return v, false
	}
	if v.Text, p, ok = viewStr(p); !ok {
		return v, false
	}
	switch {
	case len(p) == 5 && p[4] == 1: // the optional notice mark
		v.Notice = true
	case len(p) != 4:
		return v, false
	}
	v.Ref = binary.BigEndian.Uint32(p)
	return v, true
}

// viewStr reads a str (u16 length, UTF-8) in place.
func viewStr(p []byte) (s, rest []byte, ok bool) {
	if len(p) < 2 {
		return nil, p, false
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) < 2+n || !utf8.Valid(p[2:2+n]) {
		return nil, p, false
	}
	return p[2 : 2+n], p[2+n:], true
}
