package wire

import "time"

// Presence frames (0x64–0x67): away and back, and "typing…". See
// PROTOCOL.md, "Presence".
const (
	TypeSetAway      Type = 0x64 // client: I am away (with a text) or back
	TypeAway         Type = 0x65 // server: a user is away (with a text) or back
	TypeTyping       Type = 0x66 // client: I am typing in a room or to a user
	TypeTypingNotice Type = 0x67 // server: a user is typing in a room or to you
)

// Presence error codes.
const (
	CodeAwayText     ErrorCode = 38 // the away text is too long or holds control characters
	CodeTypingTarget ErrorCode = 39 // typing in a room you are not in, or to nobody online
)

// MaxAwayText is the longest away text, in characters.
const MaxAwayText = 128

// TypingEvery is the shortest time between two Typing frames of one user
// that the server forwards: the client sends one at most this often while
// its user types, the server drops those that come sooner. A receiver shows
// "typing…" for TypingShown after the last notice (or until a message from
// that user arrives).
const (
	TypingEvery = 3 * time.Second
	TypingShown = 5 * time.Second
)

// SetAway marks the sender away (Away true, with an optional Text) or back.
type SetAway struct {
	Away bool
	Text string
}

// Away tells that User is away (with Text) or back. Each member gets it when
// another member's presence changes, and after Welcome once for every
// member who is away.
type Away struct {
	User string
	Away bool
	Text string
}

// Typing says the sender is typing in Room or, for a private chat, to To
// (exactly one of the two is set).
type Typing struct {
	Room string
	To   string
}

// TypingNotice tells that From is typing in Room (sent to the room's other
// members) or to you (Room empty, To is you).
type TypingNotice struct {
	Room string
	From string
	To   string
}

func (SetAway) Type() Type      { return TypeSetAway }
func (Away) Type() Type         { return TypeAway }
func (Typing) Type() Type       { return TypeTyping }
func (TypingNotice) Type() Type { return TypeTypingNotice }

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func (m SetAway) appendPayload(b []byte) []byte {
	return appendStr(append(b, boolByte(m.Away)), m.Text)
}
func (m Away) appendPayload(b []byte) []byte {
	return appendStr(append(appendStr(b, m.User), boolByte(m.Away)), m.Text)
}
func (m Typing) appendPayload(b []byte) []byte { return appendStr(appendStr(b, m.Room), m.To) }
func (m TypingNotice) appendPayload(b []byte) []byte {
	return appendStr(appendStr(appendStr(b, m.Room), m.From), m.To)
}

func decodePresence(t Type, d *dec) Message {
	switch t {
	case TypeSetAway:
		return SetAway{Away: d.flag("away"), Text: d.str("text")}
	case TypeAway:
		return Away{User: d.str("user"), Away: d.flag("away"), Text: d.str("text")}
	case TypeTyping:
		return Typing{Room: d.str("room"), To: d.str("to")}
	}
	return TypingNotice{Room: d.str("room"), From: d.str("from"), To: d.str("to")}
}

func init() {
	typeNames[TypeSetAway] = "set-away"
	typeNames[TypeAway] = "away"
	typeNames[TypeTyping] = "typing"
	typeNames[TypeTypingNotice] = "typing-notice"
	codeNames[CodeAwayText] = "invalid away text"
	codeNames[CodeTypingTarget] = "no such typing target"
}
