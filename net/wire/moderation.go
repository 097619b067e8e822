package wire

import "time"

// Moderation (0x68–0x6F; RefuseCode 15–17; ErrorCode 40–45): bans, mutes,
// lecture mode and pinned topics; room operators (roomops.go). See
// PROTOCOL.md, "Moderation".
const (
	// TypeRestriction (server): a mute on you, or lecture mode on a room or
	// the whole server, began or ended.
	TypeRestriction Type = 0x68
	// TypeTopic (server): the topic pinned to a room (empty: none).
	TypeTopic Type = 0x69
)

// RefuseBanned: the device, address or nickname is banned; Refused.Until
// says when the ban ends (0: never) and Text gives the reason.
const RefuseBanned RefuseCode = 15

// Moderation error codes: a say or private refused, with Error.Until the
// time the restriction ends (0: when the admin ends it).
const (
	CodeMuted   ErrorCode = 40 // you are muted: you may read but not send
	CodeLecture ErrorCode = 41 // lecture mode: only the admin's announcements are posted in this room
)

// RestrictKind says what a Restriction is about.
type RestrictKind uint8

const (
	RestrictMute    RestrictKind = 1 // you are muted (Room empty)
	RestrictLecture RestrictKind = 2 // lecture mode in Room ("" : every room)
)

// Restriction tells a client that a restriction on it began (On) or ended.
// A mute is sent to the muted user (at once, and after Welcome when it
// reconnects while muted); lecture mode to everyone it concerns. Until is
// when it ends by itself (Unix milliseconds; 0: when the admin ends it).
type Restriction struct {
	Kind   RestrictKind
	On     bool
	Room   string
	Until  int64
	Reason string
}

// Topic is the text pinned to Room (the lobby or another room) by the
// admin (By "admin") or an operator of the room (By their nickname), shown
// under the conversation's title; Text empty unpins it. Sent when it
// changes and to whoever joins the room.
type Topic struct {
	Time int64
	Room string
	Text string
	By   string
}

// Text says what a restriction means, for clients that show it as a line
// of text (the gateways): "You are muted until 14:30: spam".
func (m Restriction) Text() string {
	until := ""
	if m.Until != 0 {
		until = " until " + time.UnixMilli(m.Until).Format("15:04")
	}
	reason := ""
	if m.Reason != "" {
		reason = ": " + m.Reason
	}
	switch {
	case m.Kind == RestrictMute && m.On:
		return "You are muted by the administrator" + until + reason + ". You can still read."
	case m.Kind == RestrictMute:
		return "The administrator ended your mute: you can write again."
	case m.On && m.Room == "":
		return "Lecture mode: only the administrator's announcements are posted" + until + "."
	case m.On:
		return "Lecture mode in " + m.Room + ": only the administrator's announcements are posted there" + until + "."
	}
	return "Lecture mode ended: you can write again."
}

func (Restriction) Type() Type { return TypeRestriction }
func (Topic) Type() Type       { return TypeTopic }

func (m Restriction) appendPayload(b []byte) []byte {
	on := byte(0)
	if m.On {
		on = 1
	}
	b = appendStr(append(b, byte(m.Kind), on), m.Room)
	return appendStr(appendU64(b, uint64(m.Until)), m.Reason)
}

func (m Topic) appendPayload(b []byte) []byte {
	return appendStr(appendStr(appendStr(appendU64(b, uint64(m.Time)), m.Room), m.Text), m.By)
}

func decodeModeration(t Type, d *dec) Message {
	if t == TypeTopic {
		return Topic{Time: d.i64("time"), Room: d.str("room"), Text: d.str("text"), By: d.str("by")}
	}
	r := Restriction{Kind: RestrictKind(d.u8("kind"))}
	r.On = d.flag("on")
	r.Room, r.Until, r.Reason = d.str("room"), d.i64("until"), d.str("reason")
	return r
}

// appendUntil appends the optional trailing until of Refused and Error:
// only when it is set.
func appendUntil(b []byte, until int64) []byte {
	if until == 0 {
		return b
	}
	return appendU64(b, uint64(until))
}

// until reads the optional trailing until (0 when absent).
func (d *dec) until() int64 {
	if d.err != nil || len(d.b) == 0 {
		return 0
	}
	u := d.i64("until")
	if d.err == nil && u == 0 {
		// Zero means "absent"; written out it would have two encodings.
		d.fail(CodeMalformed, "until present but 0 (leave it out)")
	}
	return u
}

func init() {
	typeNames[TypeRestriction] = "restriction"
	typeNames[TypeTopic] = "topic"
	codeNames[CodeMuted] = "you are muted"
	codeNames[CodeLecture] = "lecture mode"
}
