package wire

// History frames (0x50–0x5F): replay on join, what a client missed while it
// was away, older pages, search. See PROTOCOL.md, "History".
const (
	TypeMissed  Type = 0x50 // client: what did I miss in a conversation since id after?
	TypeOlder   Type = 0x51 // client: a page of a conversation before id before
	TypeSearch  Type = 0x52 // client: search my rooms and private messages
	TypeHistory Type = 0x58 // server: history entries (replay, missed, page, search results)
	TypeQueued  Type = 0x59 // server: your private message is kept for a recipient who is offline
)

// History error codes.
const (
	CodeHistoryOff    ErrorCode = 30 // the server keeps no history (off, or its database is failing)
	CodeHistoryBusy   ErrorCode = 31 // too many history requests at once; try again
	CodeSearchInvalid ErrorCode = 32 // the search text is empty or too short
	CodeHistoryFailed ErrorCode = 33 // the history could not be read
	CodeAwayFull      ErrorCode = 34 // too many private messages already wait for that offline user
)

// HistKind says why a History frame was sent.
type HistKind uint8

const (
	HistReplay HistKind = 1 // the last messages of a room just joined
	HistMissed HistKind = 2 // the answer to Missed
	HistOlder  HistKind = 3 // the answer to Older
	HistSearch HistKind = 4 // the answer to Search
	// HistAway: private messages sent to this device while it was offline,
	// right after the lobby's replay when it connects (Ref 0).
	HistAway HistKind = 5
)

// HistMore is a History flag (besides ListFirst and ListLast): older
// entries (Older) or more results (Search) exist than were sent.
const HistMore uint8 = 4

// EntryKind says what a history entry is.
type EntryKind uint8

const (
	EntryChat    EntryKind = 1 // a room message
	EntryPrivate EntryKind = 2 // a private message
	EntryNotice  EntryKind = 3 // an announcement
	EntryJoined  EntryKind = 4 // From joined Room
	EntryLeft    EntryKind = 5 // From left Room; Text says why
	EntryKicked  EntryKind = 6 // From was removed by the admin; Text says why
)

// Missed asks for the messages of a conversation with ids after After that
// the client has not seen: a room (Room set), or private messages (Room
// empty; Peer empty means all of mine). The answer is History frames of kind
// HistMissed with the same Ref: at most 1000, the newest, with Earlier
// counting those left out.
type Missed struct {
	Ref   uint32
	Room  string
	Peer  string
	After uint64
}

// Older asks for a page of a conversation's entries before id Before (0:
// the newest), at most Limit (50 if 0; at most 200).
type Older struct {
	Ref    uint32
	Room   string
	Peer   string
	Before uint64
	Limit  uint16
}

// Search asks for messages containing every word of Text in the rooms the
// client is in and its own private messages, newest first, older than id
// Before (0: from the newest), at most Limit (50 if 0; at most 200).
type Search struct {
	Ref    uint32
	Text   string
	Before uint64
	Limit  uint16
}

// Entry is one history entry.
type Entry struct {
	ID   uint64
	Time int64
	Kind EntryKind
	Room string
	From string
	To   string
	Text string
	Ref  uint32
}

// History carries history entries, oldest first (search: newest first), in
// chunks: Flags has ListFirst on the first frame of an answer and ListLast
// on its last. Ref is the request's (0 for a replay). Earlier counts the
// missed messages left out (HistMissed).
type History struct {
	Ref     uint32
	Kind    HistKind
	Flags   uint8
	Room    string
	Peer    string
	Earlier uint32
	Entries []Entry
}

// Queued tells the sender of private message ID (its Ref) that the
// recipient To is offline: the message is kept and delivered when To's device
// next connects. It follows the privmsg echo.
type Queued struct {
	ID  uint64
	Ref uint32
	To  string
}

func (Queued) Type() Type { return TypeQueued }
func (m Queued) appendPayload(b []byte) []byte {
	return appendStr(appendU32(appendU64(b, m.ID), m.Ref), m.To)
}

func (Missed) Type() Type  { return TypeMissed }
func (Older) Type() Type   { return TypeOlder }
func (Search) Type() Type  { return TypeSearch }
func (History) Type() Type { return TypeHistory }

func (m Missed) appendPayload(b []byte) []byte {
	return appendU64(appendStr(appendStr(appendU32(b, m.Ref), m.Room), m.Peer), m.After)
}
func (m Older) appendPayload(b []byte) []byte {
	b = appendU64(appendStr(appendStr(appendU32(b, m.Ref), m.Room), m.Peer), m.Before)
	return appendU16(b, m.Limit)
}
func (m Search) appendPayload(b []byte) []byte {
	return appendU16(appendU64(appendStr(appendU32(b, m.Ref), m.Text), m.Before), m.Limit)
}
func (m History) appendPayload(b []byte) []byte {
	b = append(appendU32(b, m.Ref), byte(m.Kind), m.Flags)
	b = appendU32(appendStr(appendStr(b, m.Room), m.Peer), m.Earlier)
	if len(m.Entries) > 0xFFFF {
		panic("wire: history chunk longer than 65535 entries")
	}
	b = appendU16(b, uint16(len(m.Entries)))
	for _, e := range m.Entries {
		b = appendEntry(b, e)
	}
	return b
}

func appendEntry(b []byte, e Entry) []byte {
	b = append(appendU64(appendU64(b, e.ID), uint64(e.Time)), byte(e.Kind))
	b = appendStr(appendStr(appendStr(appendStr(b, e.Room), e.From), e.To), e.Text)
	return appendU32(b, e.Ref)
}

const minEntrySize = 8 + 8 + 1 + 4*2 + 4

// EntrySize is the encoded size of e inside a History frame.
func EntrySize(e Entry) int {
	return 8 + 8 + 1 + 8 + len(e.Room) + len(e.From) + len(e.To) + len(e.Text) + 4
}

func decodeHistory(t Type, d *dec) Message {
	switch t {
	case TypeMissed:
		return Missed{Ref: d.u32("ref"), Room: d.str("room"), Peer: d.str("peer"), After: d.u64("after")}
	case TypeOlder:
		return Older{Ref: d.u32("ref"), Room: d.str("room"), Peer: d.str("peer"), Before: d.u64("before"),
			Limit: d.u16("limit", "")}
	case TypeQueued:
		return Queued{ID: d.u64("id"), Ref: d.u32("ref"), To: d.str("to")}
	case TypeSearch:
		return Search{Ref: d.u32("ref"), Text: d.str("text"), Before: d.u64("before"), Limit: d.u16("limit", "")}
	}
	h := History{Ref: d.u32("ref"), Kind: HistKind(d.u8("kind")), Flags: d.u8("flags"), Room: d.str("room"),
		Peer: d.str("peer"), Earlier: d.u32("earlier")}
	n := int(d.u16("entry", " count"))
	// The smallest entry: id 8, time 8, kind 1, four empty strings 2 each, ref 4.
	if d.err == nil && n*minEntrySize > len(d.b) {
		d.fail(CodeMalformed, "entry count %d exceeds the payload", n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		h.Entries = append(h.Entries, Entry{ID: d.u64("id"), Time: d.i64("time"), Kind: EntryKind(d.u8("kind")),
			Room: d.str("room"), From: d.str("from"), To: d.str("to"), Text: d.str("text"), Ref: d.u32("ref")})
	}
	return h
}

func init() {
	typeNames[TypeMissed] = "missed"
	typeNames[TypeOlder] = "older"
	typeNames[TypeSearch] = "search"
	typeNames[TypeHistory] = "history"
	typeNames[TypeQueued] = "queued"
	codeNames[CodeHistoryOff] = "history not kept"
	codeNames[CodeHistoryBusy] = "history busy"
	codeNames[CodeSearchInvalid] = "invalid search"
	codeNames[CodeHistoryFailed] = "history unavailable"
	codeNames[CodeAwayFull] = "too many waiting"
}
