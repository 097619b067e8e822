// Package wire is MultiChat's protocol: length-prefixed frames and the typed
// messages they carry, and the rules for names and text. PROTOCOL.md beside
// this file is the specification (frames, field encodings, every type and
// code, limits, and the handshake, kick, stop, room, private-message and file
// transfer sequences); an independent client can be written from it alone.
//
// Writing: AppendFrame(buf, msg) appends one complete frame; a broadcast is
// encoded once and the same bytes queued to every recipient. Reading:
// NewReader(r, max).Next() returns one frame after checking its length field
// against max before reading the payload; Decode(type, payload) turns it into
// a Message (Hello, Chat, UserList, ...), strictly: exact layout, no trailing
// bytes, valid UTF-8, counts checked before allocating. Decoded messages own
// their memory.
//
// Names: CheckNick, CheckRoom, CheckText and CheckFileName validate; FoldKey
// (case and width insensitive) and SkeletonKeys (look-alikes too, from
// Unicode's confusables data) give the identities that must be unique;
// Reserved matches the names nobody may take. Visible and VisibleText show
// control and bidi characters a peer sent as visible stand-ins (⟨RLO⟩, ␛).
//
// The package does no I/O of its own beyond reading frames from an io.Reader,
// imports no GUI package, and is safe to use from any goroutine (values are
// not shared).
package wire
