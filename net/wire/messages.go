package wire

import "fmt"

// Type is a frame's type byte. Commands are told apart by type, never by text:
// a chat message whose text reads "[kick]" is a chat message.
type Type byte

// Types 0x01–0x06 are reserved with the meanings of the seed-001 Python chat
// (TEXT, FILE, JOIN, LEAVE, ERROR, COMMAND) so that a compatibility layer can
// serve it later; a MultiChat server answers them with CodeUnsupported.
const (
	TypeSeedText    Type = 0x01
	TypeSeedFile    Type = 0x02
	TypeSeedJoin    Type = 0x03
	TypeSeedLeave   Type = 0x04
	TypeSeedError   Type = 0x05
	TypeSeedCommand Type = 0x06
)

// Client to server.
const (
	TypeHello     Type = 0x10 // first frame: version and nickname
	TypeSay       Type = 0x11 // a chat message to a room
	TypePrivate   Type = 0x12 // a private message to one user
	TypeJoin      Type = 0x13 // join (or create) a room
	TypePart      Type = 0x14 // leave a room (not the lobby)
	TypeListRooms Type = 0x15 // ask for the room list
	TypeQuit      Type = 0x16 // leaving on purpose
	TypePing      Type = 0x17 // either direction: are you there?
	TypePong      Type = 0x18 // either direction: the answer
)

// Server to client.
const (
	TypeWelcome  Type = 0x20 // handshake accepted
	TypeRefused  Type = 0x21 // handshake refused, connection closes ([아이디 중복] and friends)
	TypeChat     Type = 0x22 // a room message, stamped by the server
	TypePrivMsg  Type = 0x23 // a private message, stamped by the server
	TypeUserList Type = 0x24 // [접속인원] a room's full member list, in chunks
	TypeJoined   Type = 0x25 // users joined a room (list change + announcement)
	TypeLeft     Type = 0x26 // a user left a room (list change + announcement)
	TypeKicked   Type = 0x27 // [kick] you are removed; connection closes
	TypeRemoved  Type = 0x28 // [시스템 추방] someone was removed by the admin
	TypeNotice   Type = 0x29 // a system announcement
	TypeError    Type = 0x2A // a request failed
	TypeStopping Type = 0x2B // the server is stopping; connection closes
	TypeRoomList Type = 0x2C // rooms and member counts, in chunks
)

// File transfer, relayed by the server in chunks.
const (
	TypeFileOffer   Type = 0x30 // client: I will send a file to a room or user
	TypeFileOffered Type = 0x31 // server: a file is coming (also the sender's receipt)
	TypeFileChunk   Type = 0x32 // both: a piece of the file, at most MaxChunk bytes
	TypeFileAck     Type = 0x33 // server: bytes delivered so far (sender's window)
	TypeFileEnd     Type = 0x34 // both: complete, with the SHA-256 of the whole file
	TypeFileAbort   Type = 0x35 // both: the transfer is abandoned
)

// Trust (protocol version 2).
const (
	TypeChallenge Type = 0x40 // server: first frame, a nonce for the device proof, whether a password is needed
)

var typeNames = map[Type]string{
	TypeSeedText: "seed-text", TypeSeedFile: "seed-file", TypeSeedJoin: "seed-join",
	TypeSeedLeave: "seed-leave", TypeSeedError: "seed-error", TypeSeedCommand: "seed-command",
	TypeHello: "hello", TypeSay: "say", TypePrivate: "private", TypeJoin: "join", TypePart: "part",
	TypeListRooms: "list-rooms", TypeQuit: "quit", TypePing: "ping", TypePong: "pong",
	TypeWelcome: "welcome", TypeRefused: "refused", TypeChat: "chat", TypePrivMsg: "privmsg",
	TypeUserList: "user-list", TypeJoined: "joined", TypeLeft: "left", TypeKicked: "kicked",
	TypeRemoved: "removed", TypeNotice: "notice", TypeError: "error", TypeStopping: "stopping",
	TypeRoomList: "room-list", TypeFileOffer: "file-offer", TypeFileOffered: "file-offered",
	TypeFileChunk: "file-chunk", TypeFileAck: "file-ack", TypeFileEnd: "file-end",
	TypeFileAbort: "file-abort", TypeChallenge: "challenge",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type 0x%02x", byte(t))
}

// RefuseCode says why a handshake was refused.
type RefuseCode uint8

const (
	RefuseNickTaken   RefuseCode = 1 // [아이디 중복]
	RefuseNickInvalid RefuseCode = 2
	RefuseServerFull  RefuseCode = 3
	RefuseVersion     RefuseCode = 4
	RefuseTooManyFrom RefuseCode = 5 // too many connections from this address
	RefuseHandshake   RefuseCode = 6 // no valid hello in time
	// Trust (protocol version 2).
	RefuseTLSRequired    RefuseCode = 7  // a plaintext client on a TLS server (sent in plaintext)
	RefuseNoTLS          RefuseCode = 8  // a TLS client on a plaintext server (sent in plaintext)
	RefusePasswordNeeded RefuseCode = 9  // the server has a password and the hello had none
	RefusePasswordWrong  RefuseCode = 10 // wrong password
	RefuseTooManyTries   RefuseCode = 11 // too many wrong passwords from this address: wait
	RefuseIdentity       RefuseCode = 12 // the device proof is missing or does not verify
	// RefuseNickReserved: the nickname is, or looks like, a reserved name
	// (ReservedNames or the server's own name).
	RefuseNickReserved RefuseCode = 13
)

func (c RefuseCode) String() string {
	switch c {
	case RefuseNickTaken:
		return "nickname taken"
	case RefuseNickInvalid:
		return "invalid nickname"
	case RefuseServerFull:
		return "server full"
	case RefuseVersion:
		return "unsupported protocol version"
	case RefuseTooManyFrom:
		return "too many connections from this address"
	case RefuseHandshake:
		return "bad handshake"
	case RefuseTLSRequired:
		return "the server requires TLS"
	case RefuseNoTLS:
		return "the server does not use TLS"
	case RefusePasswordNeeded:
		return "password needed"
	case RefusePasswordWrong:
		return "wrong password"
	case RefuseTooManyTries:
		return "too many tries"
	case RefuseIdentity:
		return "device identity not proven"
	case RefuseNickReserved:
		return "reserved nickname"
	case RefuseBanned:
		return "banned"
	case RefuseClusterBusy:
		return "the cluster is busy"
	}
	return fmt.Sprintf("refused (%d)", uint8(c))
}

// LeftReason says why a user left a room.
type LeftReason uint8

const (
	LeftQuit         LeftReason = 1 // said goodbye
	LeftLost         LeftReason = 2 // connection lost
	LeftKicked       LeftReason = 3 // removed by the admin (a Removed frame says why)
	LeftSlowConsumer LeftReason = 4 // stopped reading; dropped so others are not delayed
	LeftParted       LeftReason = 5 // left this room, still online
	LeftTimedOut     LeftReason = 6 // did not answer pings
	LeftProtocol     LeftReason = 7 // sent frames the server could not accept
)

func (r LeftReason) String() string {
	switch r {
	case LeftQuit:
		return "quit"
	case LeftLost:
		return "connection lost"
	case LeftKicked:
		return "kicked"
	case LeftSlowConsumer:
		return "slow consumer"
	case LeftParted:
		return "left the room"
	case LeftTimedOut:
		return "timed out"
	case LeftProtocol:
		return "protocol error"
	}
	return fmt.Sprintf("left (%d)", uint8(r))
}

// ErrorCode says why a request failed.
type ErrorCode uint16

const (
	CodeMalformed    ErrorCode = 1  // payload does not match its type's layout (connection closes)
	CodeTooLarge     ErrorCode = 2  // frame over the limit (connection closes)
	CodeInvalidUTF8  ErrorCode = 3  // a text field is not UTF-8 (connection closes)
	CodeUnknownType  ErrorCode = 4  // no such frame type (connection closes)
	CodeUnexpected   ErrorCode = 5  // valid frame, wrong moment (a second hello; a server-only type)
	CodeTextTooLong  ErrorCode = 6  // message over the text limit; refused, never cut
	CodeEmptyText    ErrorCode = 7  // message with no visible text
	CodeBadText      ErrorCode = 8  // control characters other than tab and newline
	CodeNoSuchUser   ErrorCode = 9  // private message or file to someone not online
	CodeNoSuchRoom   ErrorCode = 10 // no such room
	CodeNotInRoom    ErrorCode = 11 // speaking in a room you have not joined
	CodeInvalidRoom  ErrorCode = 12 // room name breaks the rules
	CodeLobby        ErrorCode = 13 // the lobby cannot be left
	CodeTooManyRooms ErrorCode = 14 // room limit reached
	CodeFileRejected ErrorCode = 15 // file offer refused (size, name)
	CodeNoTransfer   ErrorCode = 16 // chunk for an unknown transfer
	CodeUnsupported  ErrorCode = 17 // reserved seed-001 types are not served (connection closes)

	CodeBidiControl   ErrorCode = 23 // text, room or file name holds a bidi embedding/override/isolate control
	CodeRoomReserved  ErrorCode = 24 // the room name is, or looks like, a reserved name
	CodeRoomLookAlike ErrorCode = 25 // the room name looks like an existing room's
	CodeRoomQuota     ErrorCode = 26 // the user has created as many rooms as one user may
)

var codeNames = map[ErrorCode]string{
	CodeMalformed: "malformed frame", CodeTooLarge: "frame too large", CodeInvalidUTF8: "invalid UTF-8",
	CodeUnknownType: "unknown frame type", CodeUnexpected: "unexpected frame", CodeTextTooLong: "message too long",
	CodeEmptyText: "empty message", CodeBadText: "control characters in message", CodeNoSuchUser: "no such user",
	CodeNoSuchRoom: "no such room", CodeNotInRoom: "not in that room", CodeInvalidRoom: "invalid room name",
	CodeLobby: "the lobby cannot be left", CodeTooManyRooms: "too many rooms", CodeFileRejected: "file refused",
	CodeNoTransfer: "no such transfer", CodeUnsupported: "unsupported frame type",
	CodeBidiControl: "bidirectional control character", CodeRoomReserved: "reserved room name",
	CodeRoomLookAlike: "room name looks like another room's", CodeRoomQuota: "too many rooms of your own",
}

func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("error %d", uint16(c))
}

// Fatal reports whether the server closes the connection after this error.
func (c ErrorCode) Fatal() bool {
	return c == CodeMalformed || c == CodeTooLarge || c == CodeInvalidUTF8 || c == CodeUnknownType ||
		c == CodeUnsupported
}

// List chunk flags (UserList, RoomList): a long list arrives in several frames;
// the first has ListFirst (the receiver starts a new list), the last ListLast.
const (
	ListFirst uint8 = 1
	ListLast  uint8 = 2
)

// Message is any decoded frame.
type Message interface {
	Type() Type
	appendPayload([]byte) []byte
}

// Hello opens a session: the protocol version, the wanted nickname, the
// device's public key with its proof (an Ed25519 signature over the
// Challenge's nonce and the server's certificate fingerprint, see
// trust.ProofMessage) and the server password ("" when none).
//
// A version 1 hello holds the nickname only; Decode accepts it (with the
// other fields zero) so that the server can refuse it with RefuseVersion.
type Hello struct {
	Version  uint16
	Nick     string
	Device   [32]byte
	Proof    [64]byte
	Password string
}

// Challenge is the server's first frame, before the Hello: a fresh Nonce the
// device proof signs, whether a password is needed, and the server's name
// (so that a client can show whom it is asked to trust).
type Challenge struct {
	Version uint16
	Nonce   [32]byte
	Flags   uint8 // ChallengePassword
	Server  string
}

// ChallengePassword in Challenge.Flags: the server wants a password.
const ChallengePassword uint8 = 1

// Say asks the server to deliver Text to Room. Ref is the client's own number
// for the message; the server echoes it in the Chat it delivers (or the Error
// it returns), so the sender knows which message arrived.
type Say struct {
	Ref    uint32
	Room   string
	Text   string
	Notice bool // a notice (IRC NOTICE): shown, never answered automatically
}

// Private asks the server to deliver Text to one user only.
type Private struct {
	Ref    uint32
	To     string
	Text   string
	Notice bool
}

// Join asks to join Room, creating it if needed.
type Join struct{ Room string }

// Part asks to leave Room; Reason (optional) is shown to those who stay.
type Part struct {
	Room   string
	Reason string
}

// ListRooms asks for a RoomList.
type ListRooms struct{}

// Quit says goodbye; others see the user leave with reason quit, and
// Reason (optional) in the user's own words.
type Quit struct{ Reason string }

// Ping asks the peer to answer with a Pong carrying the same Token.
type Ping struct{ Token uint64 }

// Pong answers a Ping.
type Pong struct{ Token uint64 }

// Welcome accepts a Hello. UserList frames for the lobby follow at once.
type Welcome struct {
	Version  uint16
	Nick     string // the nickname as the server registered it
	Server   string // the server's display name
	Lobby    string // the room everyone is in
	MaxText  uint32 // largest chat text in bytes
	MaxFrame uint32 // largest frame length field
	Time     int64  // server clock, Unix milliseconds
}

// Refused rejects a Hello; the server closes the connection after it.
type Refused struct {
	Code RefuseCode
	Text string
	// Until is an optional trailing field: when a ban ends (Unix
	// milliseconds) for RefuseBanned; 0 (left off) otherwise or never.
	Until int64
}

// Chat is a room message as the server delivers it: sender, time and id are
// the server's, never the client's.
type Chat struct {
	ID     uint64
	Time   int64 // Unix milliseconds
	Room   string
	From   string
	Text   string
	Ref    uint32 // the sender's Say.Ref
	Notice bool   // sent as a notice (Say.Notice)
}

// PrivMsg is a private message as delivered to its recipient and echoed to its
// sender (who can tell by From).
type PrivMsg struct {
	ID     uint64
	Time   int64
	From   string
	To     string
	Text   string
	Ref    uint32
	Notice bool
}

// UserList is one chunk of Room's member list [접속인원].
type UserList struct {
	Room  string
	Flags uint8 // ListFirst, ListLast
	Users []string
	// Via is an optional trailing field, parallel to Users: the gateway
	// that brought each user (ViaIRC, ViaClassic; "" for a MultiChat
	// client). It is left off (nil) when every user in the chunk is a
	// MultiChat client.
	Via []string
}

// Joined announces users joining Room and adds them to its list. Via is as in
// UserList.
type Joined struct {
	Time  int64
	Room  string
	Users []string
	Via   []string
}

// Gateway marks in UserList.Via and Joined.Via: users whose clients speak
// another protocol, shown with a small marker.
const (
	ViaIRC     = "irc"
	ViaClassic = "classic"
)

// ViaTag is the small marker a window shows after the nickname of a user
// whose client speaks another protocol (" · IRC", " · classic"); "" for a
// MultiChat client.
func ViaTag(via string) string {
	switch via {
	case "":
		return ""
	case ViaIRC:
		return " · IRC"
	}
	return " · " + via
}

// ViaOf returns the mark of Users[i] ("" when Via is absent).
func ViaOf(via []string, i int) string {
	if i < len(via) {
		return via[i]
	}
	return ""
}

// Left announces a user leaving Room and removes them from its list.
type Left struct {
	Time   int64
	Room   string
	User   string
	Reason LeftReason
	Text   string // the user's own words on leaving (Part.Reason, Quit.Reason), optional
}

// Kicked [kick] tells a client it is removed by the admin, and why. The
// connection closes after it; clients do not reconnect.
type Kicked struct {
	Reason string
	By     string
}

// Removed [시스템 추방] tells everyone else that User was removed, and why. Left
// frames with reason LeftKicked follow for each of the user's rooms.
type Removed struct {
	Time   int64
	User   string
	Reason string
}

// Notice is a system announcement.
type Notice struct {
	Time int64
	Text string
}

// Error reports a failed request. Ref is the request's Ref where it had one.
type Error struct {
	Code ErrorCode
	Ref  uint32
	Text string
	// Until is an optional trailing field: when the restriction behind
	// CodeMuted or CodeLecture ends (Unix milliseconds); 0 (left off)
	// otherwise or when the admin ends it.
	Until int64
}

// Stopping says the server is shutting down; the connection closes after it.
type Stopping struct{ Reason string }

// RoomInfo is one room in a RoomList.
type RoomInfo struct {
	Name    string
	Members uint32
}

// RoomList is one chunk of the room list.
type RoomList struct {
	Flags uint8
	Rooms []RoomInfo
}

// FileOffer announces a file to a room (Room set) or a user (To set).
type FileOffer struct {
	Ref  uint32
	Room string
	To   string
	Name string
	Size uint64
	Key  [FileKeySize]byte // optional trailing field (zero: none); see FileAccept
}

// FileOffered tells recipients (and, with the sender's Ref, the sender) that a
// transfer with this ID has begun.
type FileOffered struct {
	ID   uint64
	Time int64
	From string
	Room string
	To   string
	Name string
	Size uint64
	Ref  uint32
	Key  [FileKeySize]byte // the offer's key (optional trailing field)
}

// FileChunk carries the next piece of a transfer.
type FileChunk struct {
	ID   uint64
	Data []byte
}

// FileAck tells the sender how many bytes every recipient has been sent.
type FileAck struct {
	ID    uint64
	Bytes uint64
}

// FileEnd completes a transfer.
type FileEnd struct {
	ID     uint64
	SHA256 [32]byte
}

// FileAbort abandons a transfer.
type FileAbort struct {
	ID     uint64
	Reason string
}

// MaxChunk is the largest FileChunk data.
const MaxChunk = 32 << 10

func (Hello) Type() Type       { return TypeHello }
func (Say) Type() Type         { return TypeSay }
func (Private) Type() Type     { return TypePrivate }
func (Join) Type() Type        { return TypeJoin }
func (Part) Type() Type        { return TypePart }
func (ListRooms) Type() Type   { return TypeListRooms }
func (Quit) Type() Type        { return TypeQuit }
func (Ping) Type() Type        { return TypePing }
func (Pong) Type() Type        { return TypePong }
func (Welcome) Type() Type     { return TypeWelcome }
func (Refused) Type() Type     { return TypeRefused }
func (Chat) Type() Type        { return TypeChat }
func (PrivMsg) Type() Type     { return TypePrivMsg }
func (UserList) Type() Type    { return TypeUserList }
func (Joined) Type() Type      { return TypeJoined }
func (Left) Type() Type        { return TypeLeft }
func (Kicked) Type() Type      { return TypeKicked }
func (Removed) Type() Type     { return TypeRemoved }
func (Notice) Type() Type      { return TypeNotice }
func (Error) Type() Type       { return TypeError }
func (Stopping) Type() Type    { return TypeStopping }
func (RoomList) Type() Type    { return TypeRoomList }
func (FileOffer) Type() Type   { return TypeFileOffer }
func (FileOffered) Type() Type { return TypeFileOffered }
func (FileChunk) Type() Type   { return TypeFileChunk }
func (FileAck) Type() Type     { return TypeFileAck }
func (FileEnd) Type() Type     { return TypeFileEnd }
func (FileAbort) Type() Type   { return TypeFileAbort }
func (Challenge) Type() Type   { return TypeChallenge }

func (m Hello) appendPayload(b []byte) []byte {
	b = appendStr(appendU16(b, m.Version), m.Nick)
	if m.Version == 1 {
		return b
	}
	b = append(append(b, m.Device[:]...), m.Proof[:]...)
	return appendStr(b, m.Password)
}
func (m Challenge) appendPayload(b []byte) []byte {
	b = append(appendU16(b, m.Version), m.Nonce[:]...)
	return appendStr(append(b, m.Flags), m.Server)
}
func (m Say) appendPayload(b []byte) []byte {
	return appendNotice(appendStr(appendStr(appendU32(b, m.Ref), m.Room), m.Text), m.Notice)
}
func (m Private) appendPayload(b []byte) []byte {
	return appendNotice(appendStr(appendStr(appendU32(b, m.Ref), m.To), m.Text), m.Notice)
}
func (m Join) appendPayload(b []byte) []byte    { return appendStr(b, m.Room) }
func (m Part) appendPayload(b []byte) []byte    { return appendOptStr(appendStr(b, m.Room), m.Reason) }
func (ListRooms) appendPayload(b []byte) []byte { return b }
func (m Quit) appendPayload(b []byte) []byte    { return appendOptStr(b, m.Reason) }
func (m Ping) appendPayload(b []byte) []byte    { return appendU64(b, m.Token) }
func (m Pong) appendPayload(b []byte) []byte    { return appendU64(b, m.Token) }
func (m Welcome) appendPayload(b []byte) []byte {
	b = appendU16(b, m.Version)
	b = appendStr(b, m.Nick)
	b = appendStr(b, m.Server)
	b = appendStr(b, m.Lobby)
	b = appendU32(b, m.MaxText)
	b = appendU32(b, m.MaxFrame)
	return appendU64(b, uint64(m.Time))
}
func (m Refused) appendPayload(b []byte) []byte {
	return appendUntil(appendStr(append(b, byte(m.Code)), m.Text), m.Until)
}
func (m Chat) appendPayload(b []byte) []byte {
	b = appendU64(b, m.ID)
	b = appendU64(b, uint64(m.Time))
	b = appendStr(b, m.Room)
	b = appendStr(b, m.From)
	b = appendStr(b, m.Text)
	return appendNotice(appendU32(b, m.Ref), m.Notice)
}
func (m PrivMsg) appendPayload(b []byte) []byte {
	b = appendU64(b, m.ID)
	b = appendU64(b, uint64(m.Time))
	b = appendStr(b, m.From)
	b = appendStr(b, m.To)
	b = appendStr(b, m.Text)
	return appendNotice(appendU32(b, m.Ref), m.Notice)
}
func (m UserList) appendPayload(b []byte) []byte {
	return appendVia(appendStrs(append(appendStr(b, m.Room), m.Flags), m.Users), m.Users, m.Via)
}
func (m Joined) appendPayload(b []byte) []byte {
	return appendVia(appendStrs(appendStr(appendU64(b, uint64(m.Time)), m.Room), m.Users), m.Users, m.Via)
}

// appendVia appends the optional via field: only when some user has a mark,
// and then one entry per user.
func appendVia(b []byte, users, via []string) []byte {
	for _, v := range via {
		if v != "" {
			full := make([]string, len(users))
			copy(full, via)
			return appendStrs(b, full)
		}
	}
	return b
}
func (m Left) appendPayload(b []byte) []byte {
	b = appendStr(appendStr(appendU64(b, uint64(m.Time)), m.Room), m.User)
	return appendOptStr(append(b, byte(m.Reason)), m.Text)
}
func (m Kicked) appendPayload(b []byte) []byte { return appendStr(appendStr(b, m.Reason), m.By) }
func (m Removed) appendPayload(b []byte) []byte {
	return appendStr(appendStr(appendU64(b, uint64(m.Time)), m.User), m.Reason)
}
func (m Notice) appendPayload(b []byte) []byte {
	return appendStr(appendU64(b, uint64(m.Time)), m.Text)
}
func (m Error) appendPayload(b []byte) []byte {
	return appendUntil(appendStr(appendU32(appendU16(b, uint16(m.Code)), m.Ref), m.Text), m.Until)
}
func (m Stopping) appendPayload(b []byte) []byte { return appendStr(b, m.Reason) }
func (m RoomList) appendPayload(b []byte) []byte {
	b = append(b, m.Flags)
	if len(m.Rooms) > 0xFFFF {
		panic("wire: room list chunk longer than 65535 entries")
	}
	b = appendU16(b, uint16(len(m.Rooms)))
	for _, r := range m.Rooms {
		b = appendU32(appendStr(b, r.Name), r.Members)
	}
	return b
}
func (m FileOffer) appendPayload(b []byte) []byte {
	b = appendStr(appendStr(appendStr(appendU32(b, m.Ref), m.Room), m.To), m.Name)
	return appendKey(appendU64(b, m.Size), m.Key)
}
func (m FileOffered) appendPayload(b []byte) []byte {
	b = appendU64(appendU64(b, m.ID), uint64(m.Time))
	b = appendStr(appendStr(appendStr(appendStr(b, m.From), m.Room), m.To), m.Name)
	return appendKey(appendU32(appendU64(b, m.Size), m.Ref), m.Key)
}

// appendKey writes an optional trailing key: nothing when it is zero.
func appendKey(b []byte, k [FileKeySize]byte) []byte {
	if k == ([FileKeySize]byte{}) {
		return b
	}
	return append(b, k[:]...)
}
func (m FileChunk) appendPayload(b []byte) []byte { return append(appendU64(b, m.ID), m.Data...) }
func (m FileAck) appendPayload(b []byte) []byte   { return appendU64(appendU64(b, m.ID), m.Bytes) }
func (m FileEnd) appendPayload(b []byte) []byte   { return append(appendU64(b, m.ID), m.SHA256[:]...) }
func (m FileAbort) appendPayload(b []byte) []byte { return appendStr(appendU64(b, m.ID), m.Reason) }

// Decode decodes a payload of type t. Every text field must be valid UTF-8 and
// the payload must hold exactly the type's fields. The returned message owns
// its memory (nothing aliases payload).
func Decode(t Type, payload []byte) (Message, error) {
	d := &dec{t: t, b: payload}
	var m Message
	switch t {
	case TypeHello:
		h := Hello{Version: d.u16("version", ""), Nick: d.str("nick")}
		if h.Version != 1 {
			copy(h.Device[:], d.take(32, "device", " key"))
			copy(h.Proof[:], d.take(64, "proof", ""))
			h.Password = d.str("password")
		}
		m = h
	case TypeChallenge:
		c := Challenge{Version: d.u16("version", "")}
		copy(c.Nonce[:], d.take(32, "nonce", ""))
		c.Flags, c.Server = d.u8("flags"), d.str("server")
		m = c
	case TypeSay:
		m = Say{Ref: d.u32("ref"), Room: d.str("room"), Text: d.str("text"), Notice: d.notice()}
	case TypePrivate:
		m = Private{Ref: d.u32("ref"), To: d.str("to"), Text: d.str("text"), Notice: d.notice()}
	case TypeJoin:
		m = Join{Room: d.str("room")}
	case TypePart:
		m = Part{Room: d.str("room"), Reason: d.optStr("reason")}
	case TypeListRooms:
		m = ListRooms{}
	case TypeQuit:
		m = Quit{Reason: d.optStr("reason")}
	case TypePing:
		m = Ping{Token: d.u64("token")}
	case TypePong:
		m = Pong{Token: d.u64("token")}
	case TypeWelcome:
		m = Welcome{Version: d.u16("version", ""), Nick: d.str("nick"), Server: d.str("server"),
			Lobby: d.str("lobby"), MaxText: d.u32("max text"), MaxFrame: d.u32("max frame"), Time: d.i64("time")}
	case TypeRefused:
		m = Refused{Code: RefuseCode(d.u8("code")), Text: d.str("text"), Until: d.until()}
	case TypeChat:
		m = Chat{ID: d.u64("id"), Time: d.i64("time"), Room: d.str("room"), From: d.str("from"),
			Text: d.str("text"), Ref: d.u32("ref"), Notice: d.notice()}
	case TypePrivMsg:
		m = PrivMsg{ID: d.u64("id"), Time: d.i64("time"), From: d.str("from"), To: d.str("to"),
			Text: d.str("text"), Ref: d.u32("ref"), Notice: d.notice()}
	case TypeUserList:
		ul := UserList{Room: d.str("room"), Flags: d.u8("flags"), Users: d.strs("user")}
		ul.Via = d.via(len(ul.Users))
		m = ul
	case TypeJoined:
		j := Joined{Time: d.i64("time"), Room: d.str("room"), Users: d.strs("user")}
		j.Via = d.via(len(j.Users))
		m = j
	case TypeLeft:
		m = Left{Time: d.i64("time"), Room: d.str("room"), User: d.str("user"), Reason: LeftReason(d.u8("reason")),
			Text: d.optStr("text")}
	case TypeKicked:
		m = Kicked{Reason: d.str("reason"), By: d.str("by")}
	case TypeRemoved:
		m = Removed{Time: d.i64("time"), User: d.str("user"), Reason: d.str("reason")}
	case TypeNotice:
		m = Notice{Time: d.i64("time"), Text: d.str("text")}
	case TypeError:
		m = Error{Code: ErrorCode(d.u16("code", "")), Ref: d.u32("ref"), Text: d.str("text"), Until: d.until()}
	case TypeStopping:
		m = Stopping{Reason: d.str("reason")}
	case TypeRoomList:
		rl := RoomList{Flags: d.u8("flags")}
		n := int(d.u16("room", " count"))
		if d.err == nil && n*6 > len(d.b) {
			d.fail(CodeMalformed, "room count %d exceeds the payload", n)
		}
		for i := 0; i < n && d.err == nil; i++ {
			rl.Rooms = append(rl.Rooms, RoomInfo{Name: d.str("room"), Members: d.u32("members")})
		}
		m = rl
	case TypeFileOffer:
		m = FileOffer{Ref: d.u32("ref"), Room: d.str("room"), To: d.str("to"), Name: d.str("name"), Size: d.u64("size"),
			Key: d.optionalKey()}
	case TypeFileOffered:
		m = FileOffered{ID: d.u64("id"), Time: d.i64("time"), From: d.str("from"), Room: d.str("room"),
			To: d.str("to"), Name: d.str("name"), Size: d.u64("size"), Ref: d.u32("ref"), Key: d.optionalKey()}
	case TypeFileChunk:
		fc := FileChunk{ID: d.u64("id")}
		if d.err == nil && len(d.b) > MaxChunk {
			d.fail(CodeTooLarge, "chunk of %d bytes exceeds %d", len(d.b), MaxChunk)
		}
		fc.Data = d.rest()
		m = fc
	case TypeFileAck:
		m = FileAck{ID: d.u64("id"), Bytes: d.u64("bytes")}
	case TypeFileEnd:
		fe := FileEnd{ID: d.u64("id")}
		copy(fe.SHA256[:], d.take(32, "sha256", ""))
		m = fe
	case TypeFileAbort:
		m = FileAbort{ID: d.u64("id"), Reason: d.str("reason")}
	case TypeFileAccept, TypeFileSend, TypeFileStatus, TypeFileClosed, TypeFileInterrupted:
		m = decodeFiles(t, d)
	case TypeMissed, TypeOlder, TypeSearch, TypeHistory, TypeQueued:
		m = decodeHistory(t, d)
	case TypeRestriction, TypeTopic:
		m = decodeModeration(t, d)
	case TypeSetTopic, TypeRoomKick, TypeRoomOp, TypeRoomOps, TypeRoomKicked, TypeOper, TypeOpered:
		m = decodeRoomOps(t, d)
	case TypeSetAway, TypeAway, TypeTyping, TypeTypingNotice:
		m = decodePresence(t, d)
	case TypeServers:
		m = decodeServers(d)
	case TypeSeedText, TypeSeedFile, TypeSeedJoin, TypeSeedLeave, TypeSeedError, TypeSeedCommand:
		return nil, &DecodeError{Type: t, Code: CodeUnsupported, Reason: "seed-001 frame types are reserved and not served"}
	default:
		return nil, &DecodeError{Type: t, Code: CodeUnknownType, Reason: "unknown frame type"}
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return m, nil
}
