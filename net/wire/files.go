package wire

// Consent, per-recipient streams and resume for file transfers (0x70–0x77).
// See PROTOCOL.md, "File transfer".
const (
	TypeFileAccept      Type = 0x70 // recipient: send me transfer id from offset
	TypeFileSend        Type = 0x71 // server to sender: stream transfer id to one recipient, as leg, from offset
	TypeFileStatus      Type = 0x72 // server to sender: what became of one recipient
	TypeFileClosed      Type = 0x73 // server to sender: nobody is left to receive the transfer
	TypeFileInterrupted Type = 0x74 // server to recipient: the sender is gone; keep what arrived
)

// File transfer error codes.
const (
	CodeFilesOff   ErrorCode = 46 // this server does not relay files
	CodeFileOffset ErrorCode = 47 // an accept's offset is past the file's size, or its key does not match
)

// FileKeySize is the length of a transfer's key: random bytes the sender
// chooses once per file, kept across reconnects, so that a new offer of the
// same file resumes where the old one stopped.
const FileKeySize = 16

// RecipientState says what became of one recipient (FileStatus).
type RecipientState uint8

const (
	RecipientDeclined RecipientState = 1 // declined the offer, or already had the file
	RecipientCanceled RecipientState = 2 // stopped after accepting (canceled, or the file failed)
	RecipientAway     RecipientState = 3 // disconnected; may come back and resume
	RecipientReceived RecipientState = 4 // the whole file and its SHA-256 were relayed
)

// FileAccept is a recipient's consent: send me transfer ID from Offset (0,
// or how much of it I already hold). Key is the offer's key.
type FileAccept struct {
	ID     uint64
	Offset uint64
	Key    [FileKeySize]byte
}

// FileSend asks the sender to stream transfer ID to recipient To, from
// Offset, as Leg: file-chunk and file-end carry Leg, file-ack answers with it.
type FileSend struct {
	ID     uint64
	Leg    uint64
	Offset uint64
	To     string
}

// FileStatus tells the sender what became of recipient Nick (Leg is the leg
// that ended, or 0).
type FileStatus struct {
	ID     uint64
	Leg    uint64
	Nick   string
	State  RecipientState
	Reason string
}

// FileClosed tells the sender that every recipient has answered for good:
// the transfer is over.
type FileClosed struct{ ID uint64 }

// FileInterrupted tells a recipient that the sender is gone: keep what
// arrived; a later offer with the same key resumes it.
type FileInterrupted struct {
	ID     uint64
	Reason string
}

func (FileAccept) Type() Type      { return TypeFileAccept }
func (FileSend) Type() Type        { return TypeFileSend }
func (FileStatus) Type() Type      { return TypeFileStatus }
func (FileClosed) Type() Type      { return TypeFileClosed }
func (FileInterrupted) Type() Type { return TypeFileInterrupted }

func (m FileAccept) appendPayload(b []byte) []byte {
	return append(appendU64(appendU64(b, m.ID), m.Offset), m.Key[:]...)
}
func (m FileSend) appendPayload(b []byte) []byte {
	return appendStr(appendU64(appendU64(appendU64(b, m.ID), m.Leg), m.Offset), m.To)
}
func (m FileStatus) appendPayload(b []byte) []byte {
	b = appendStr(appendU64(appendU64(b, m.ID), m.Leg), m.Nick)
	return appendStr(append(b, byte(m.State)), m.Reason)
}
func (m FileClosed) appendPayload(b []byte) []byte { return appendU64(b, m.ID) }
func (m FileInterrupted) appendPayload(b []byte) []byte {
	return appendStr(appendU64(b, m.ID), m.Reason)
}

// optionalKey reads the optional trailing key of file-offer and
// file-offered: absent (zero), or exactly FileKeySize bytes.
func (d *dec) optionalKey() (k [FileKeySize]byte) {
	if d.err == nil && len(d.b) > 0 {
		copy(k[:], d.take(FileKeySize, "key", ""))
		if d.err == nil && k == ([FileKeySize]byte{}) {
			// A zero key means "none"; written out it would have two encodings.
			d.fail(CodeMalformed, "key present but all zero (leave it out)")
		}
	}
	return k
}

func decodeFiles(t Type, d *dec) Message {
	switch t {
	case TypeFileAccept:
		m := FileAccept{ID: d.u64("id"), Offset: d.u64("offset")}
		copy(m.Key[:], d.take(FileKeySize, "key", ""))
		return m
	case TypeFileSend:
		return FileSend{ID: d.u64("id"), Leg: d.u64("leg"), Offset: d.u64("offset"), To: d.str("to")}
	case TypeFileStatus:
		return FileStatus{ID: d.u64("id"), Leg: d.u64("leg"), Nick: d.str("nick"), State: RecipientState(d.u8("state")),
			Reason: d.str("reason")}
	case TypeFileClosed:
		return FileClosed{ID: d.u64("id")}
	}
	return FileInterrupted{ID: d.u64("id"), Reason: d.str("reason")}
}

func init() {
	typeNames[TypeFileAccept] = "file-accept"
	typeNames[TypeFileSend] = "file-send"
	typeNames[TypeFileStatus] = "file-status"
	typeNames[TypeFileClosed] = "file-closed"
	typeNames[TypeFileInterrupted] = "file-interrupted"
	codeNames[CodeFilesOff] = "files are off"
	codeNames[CodeFileOffset] = "bad resume offset"
}
