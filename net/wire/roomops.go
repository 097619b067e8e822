package wire

// Room operators (0x6A–0x6E) and server operators (0x60–0x61): the person
// who opens a room runs it, as in IRC, Slack or Discord; a server operator
// runs every room. See PROTOCOL.md, "Room operators".
const (
	TypeSetTopic   Type = 0x6A // client: an operator sets (empty: clears) a room's topic
	TypeRoomKick   Type = 0x6B // client: an operator removes a member from a room
	TypeRoomOp     Type = 0x6C // client: an operator makes a member an operator, or not
	TypeRoomOps    Type = 0x6D // server: a room's operators now (the full list)
	TypeRoomKicked Type = 0x6E // server: a member was removed from a room by an operator
	TypeOper       Type = 0x60 // client: log in as a server operator
	TypeOpered     Type = 0x61 // server: you are a server operator now
)

// Operator error codes.
const (
	// CodeNotOperator: the request needs an operator of the room (or a
	// server operator) and the sender is not one; in the lobby, which has
	// no room operators, only a server operator may set the topic.
	CodeNotOperator ErrorCode = 42
	// CodeOperOff: this server has no operator logins (no operators file).
	CodeOperOff ErrorCode = 43
	// CodeOperWrong: the operator name or password is wrong, or too many
	// wrong tries came from the address (the text says how long to wait).
	CodeOperWrong ErrorCode = 44
)

// SetTopic asks to set Room's topic to Text (empty: clear it). Only an
// operator of the room (or a server operator) may.
type SetTopic struct {
	Room string
	Text string
}

// RoomKick asks to remove User from Room (not from the server), saying
// Reason (may be empty). Only an operator of the room may.
type RoomKick struct {
	Room   string
	User   string
	Reason string
}

// RoomOp asks to make User an operator of Room (On) or not. Only an
// operator of the room may; an operator may take it from themselves.
type RoomOp struct {
	Room string
	User string
	On   bool
}

// RoomOps lists Room's operators who are in it now (display nicknames,
// sorted by fold key; empty: none). It follows the room's user-list to
// whoever joins a room (the lobby: only when it has operators, server
// operators), and goes to every member whenever the list changes (not when
// an operator leaves: left says it).
type RoomOps struct {
	Room string
	Ops  []string
	// By is the operator whose room-op made this change, when one did
	// (optional on the wire; "" for a room's creation, a remembered
	// operator's return, a server operator's login, or an answer to the
	// requester alone).
	By string
}

// RoomKicked tells the members of Room, User included, that operator By
// removed User from Room, saying Reason (may be empty). Members drop User
// from the room's list; User leaves the room (it stays on the server). It
// replaces left for that.
type RoomKicked struct {
	Time   int64
	Room   string
	User   string
	By     string
	Reason string
}

// Oper asks to become a server operator with a Name and Password from the
// server's operators file.
type Oper struct {
	Name     string
	Password string
}

// Opered confirms an Oper: the sender is a server operator, an operator of
// every room including the lobby, until it disconnects. Name is the
// operator name it logged in with; Text says so in words.
type Opered struct {
	Name string
	Text string
}

func (SetTopic) Type() Type   { return TypeSetTopic }
func (RoomKick) Type() Type   { return TypeRoomKick }
func (RoomOp) Type() Type     { return TypeRoomOp }
func (RoomOps) Type() Type    { return TypeRoomOps }
func (RoomKicked) Type() Type { return TypeRoomKicked }
func (Oper) Type() Type       { return TypeOper }
func (Opered) Type() Type     { return TypeOpered }

func (m SetTopic) appendPayload(b []byte) []byte { return appendStr(appendStr(b, m.Room), m.Text) }
func (m RoomKick) appendPayload(b []byte) []byte {
	return appendStr(appendStr(appendStr(b, m.Room), m.User), m.Reason)
}
func (m RoomOp) appendPayload(b []byte) []byte {
	return append(appendStr(appendStr(b, m.Room), m.User), boolByte(m.On))
}
func (m RoomOps) appendPayload(b []byte) []byte {
	return appendOptStr(appendStrs(appendStr(b, m.Room), m.Ops), m.By)
}
func (m RoomKicked) appendPayload(b []byte) []byte {
	b = appendStr(appendStr(appendU64(b, uint64(m.Time)), m.Room), m.User)
	return appendStr(appendStr(b, m.By), m.Reason)
}
func (m Oper) appendPayload(b []byte) []byte   { return appendStr(appendStr(b, m.Name), m.Password) }
func (m Opered) appendPayload(b []byte) []byte { return appendStr(appendStr(b, m.Name), m.Text) }

func decodeRoomOps(t Type, d *dec) Message {
	switch t {
	case TypeSetTopic:
		return SetTopic{Room: d.str("room"), Text: d.str("text")}
	case TypeRoomKick:
		return RoomKick{Room: d.str("room"), User: d.str("user"), Reason: d.str("reason")}
	case TypeRoomOp:
		return RoomOp{Room: d.str("room"), User: d.str("user"), On: d.flag("on")}
	case TypeRoomOps:
		return RoomOps{Room: d.str("room"), Ops: d.strs("op"), By: d.optStr("by")}
	case TypeRoomKicked:
		return RoomKicked{Time: d.i64("time"), Room: d.str("room"), User: d.str("user"), By: d.str("by"),
			Reason: d.str("reason")}
	case TypeOper:
		return Oper{Name: d.str("name"), Password: d.str("password")}
	}
	return Opered{Name: d.str("name"), Text: d.str("text")}
}

func init() {
	typeNames[TypeSetTopic] = "set-topic"
	typeNames[TypeRoomKick] = "room-kick"
	typeNames[TypeRoomOp] = "room-op"
	typeNames[TypeRoomOps] = "room-ops"
	typeNames[TypeRoomKicked] = "room-kicked"
	typeNames[TypeOper] = "oper"
	typeNames[TypeOpered] = "opered"
	codeNames[CodeNotOperator] = "not an operator"
	codeNames[CodeOperOff] = "operator logins are off"
	codeNames[CodeOperWrong] = "wrong operator name or password"
}
