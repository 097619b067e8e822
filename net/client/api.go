// Package client is MultiChat's client session: it owns one connection at a
// time, reconnects with backoff when the server goes away, and keeps what the
// user typed until the server has it. The UI drives it only through Run's
// command and event channels; it never imports a GUI package.
//
// What the UI can rely on:
//
//   - After Connect: Connected then Users for the lobby; or Refused then
//     Disconnected{Final}; or, while the server cannot be reached,
//     Disconnected{Err} once and a Reconnecting per attempt until it can
//     (Disconnect cancels).
//   - A connection lost later (or the server stopping, after a Notice "server
//     is stopping"): Disconnected{Err}, Reconnecting per attempt, then
//     Connected{Rejoin: true}. Rooms are rejoined quietly (Users events, no
//     RoomJoined); a room that cannot be rejoined gets RoomLeft.
//   - Every Say and Private ends in exactly one Message{Mine, ID} (the server
//     has it) or one Undelivered (with why), unless the server confirmed a
//     message whose echo was lost with the connection: it is resent after the
//     rejoin and may then appear twice to others. A message handed back when
//     the session ends (Disconnect, kick) was not confirmed; if it was already
//     on the wire, the server may still have delivered it.
//   - Disconnected{Final: true} is a session's last event: Kicked and Refused
//     come before it, and so do the Undelivered of everything still waiting.
//   - Message.Room and Users.Room carry the server's room names; the lobby is
//     Connected.Lobby ("lobby"). In commands, Room "" means the lobby.
//   - Trust (protocol version 2). Connections use TLS unless Connect says
//     Plaintext; Connected.Encrypted says which ("not encrypted" otherwise).
//     The first time a server is met, TrustNeeded (name and fingerprint)
//     comes instead of Connected and nothing is sent to the server; the
//     session waits, without reconnecting, until TrustServer (the user
//     accepted: the fingerprint is remembered for that address) or
//     Disconnect. A server that later shows another certificate is refused
//     before anything is sent: IdentityChanged, then Disconnected{Final}
//     with an *IdentityChangedError; it is trusted again only after
//     ForgetServer. A garbled entry in the trusted servers counts as never
//     seen. A settings page lists them with trust.OpenPins(dir).List(), dir
//     being WithDataDir's directory (default trust.DataDir("client")).
//   - A server with a password: PasswordNeeded (Wrong after a refusal, with
//     the server's text, "wait N seconds" when throttled); the session waits
//     until SendPassword or Disconnect. The password is sent only to a
//     server that asks for it, inside TLS (or in plaintext if the user chose
//     plaintext).
//   - Each installation has a device key (in the data directory, see
//     WithDataDir) that the server binds the nickname to: after a lost
//     connection or a server restart the same nickname is always given
//     back. If it is really gone (another device took it after the server's
//     grace period), NickLost comes instead of Reconnecting: the session
//     keeps rooms and unsent lines and waits for ChangeNick or Disconnect.
//   - History (when the server keeps it): joining a room (and the lobby at
//     Connected) brings Replay, its last messages, after its Users. After a
//     reconnect the session asks for what each conversation missed and
//     delivers it as one Missed event per conversation, before any later
//     live message of it: no gap, no duplicate (messages are deduplicated by
//     MsgID). Messages typed meanwhile wait until those answers are in; a
//     message whose echo was lost with the connection but that the server
//     had is confirmed by a Missed entry (Mine, with its ID) instead of being
//     sent twice. LoadOlder pages back (HistoryPage), Search searches
//     (SearchResults). Messages in Replay, Missed, HistoryPage and
//     SearchResults have History set: they raise no notification and count
//     as read.
//   - Room operators (roomops.go): whoever opens a room is its operator.
//     RoomOps (after a room's Users, and on every change) lists a room's
//     operators who are in it; SetTopic, RoomKick and RoomOp act on a room
//     and Oper logs in as a server operator (Opered). A request the server
//     refuses comes back as an Error with a *ServerError (not an operator,
//     not in the room…). A member removed by an operator: RoomKicked, then
//     Users; me: RoomKicked{Mine}, then RoomLeft.
//   - Errors are written for the user; ServerError, RefusedError and
//     KickedError carry codes, and ErrNotConnected, ErrQueueFull, ErrNotSent,
//     ErrServerStopping and ErrPingTimeout can be tested with errors.Is.
package client

import (
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// Command is something the UI asks of the session.
type Command interface{ isCommand() }

// Connect dials Addr and joins as Nick; while the server cannot be reached the
// session retries with backoff (Reconnecting events) until Disconnect.
// Session is the UI's own number for this attempt: the session stamps it on
// the events that tell how the attempt goes (Connected, Refused, Kicked,
// Disconnected, Reconnecting), so that the UI can tell the news of an attempt
// it already abandoned (a late final Disconnected) from the news of the one
// it is waiting for. Password is sent if the server asks for one.
// Plaintext connects without TLS: only to a server whose administrator
// turned TLS off.
type Connect struct {
	Addr      string
	Nick      string
	Session   uint64
	Password  string
	Plaintext bool
}

// TrustServer answers TrustNeeded: the user accepts the server with this
// fingerprint (as shown); it is remembered for the address and the session
// connects. A fingerprint that is not the one shown is refused.
type TrustServer struct{ Fingerprint trust.Fingerprint }

// SendPassword answers PasswordNeeded: the session connects again with it.
type SendPassword struct{ Password string }

// ChangeNick answers NickLost: the session connects again as Nick, keeping
// rooms and unsent lines.
type ChangeNick struct{ Nick string }

// ForgetServer removes Addr from the trusted servers (the settings page), so
// that a server whose identity changed can be trusted again. ServerForgotten
// answers.
type ForgetServer struct{ Addr string }

// Say sends Text to Room (the lobby when Room is empty). ID is the UI's own
// number for it, echoed in the Message that delivers it or the Undelivered
// that hands it back.
type Say struct {
	ID   uint64
	Room string
	Text string
}

// Private sends Text to one user only.
type Private struct {
	ID   uint64
	To   string
	Text string
}

// JoinRoom joins (or creates) a room; LeaveRoom leaves it.
type JoinRoom struct{ Room string }
type LeaveRoom struct{ Room string }

// ListRooms asks for the room list (a Rooms event answers).
type ListRooms struct{}

// SendFile offers the file at Path to a Room or a user (To), then streams it.
type SendFile struct {
	ID   uint64
	Path string
	Room string
	To   string
}

// AcceptFile says yes to an offered file (FileOffered.Key): it is received
// into the download folder.
type AcceptFile struct{ Key string }

// CancelFile declines an offer, or stops a transfer either way; the other
// side is told Reason ("" says declined or canceled).
type CancelFile struct {
	Key    string
	Reason string
}

// SetDownloadDir changes where files accepted from now on are saved.
type SetDownloadDir struct{ Dir string }

// LoadOlder asks for a page of history (HistoryPage answers): the room's
// (Room; "" with no Peer is the lobby) or the private conversation with Peer,
// entries older than MsgID Before (0: the newest), at most Limit (0: 50).
// Room pages include joins, leaves and kicks (Message.Kind).
type LoadOlder struct {
	Room   string
	Peer   string
	Before uint64
	Limit  int
}

// Search asks for messages containing every word of Text (substrings; Korean
// from two letters, English case-insensitive) in my rooms and my private
// messages, newest first, older than MsgID Before (0: from the newest).
// SearchResults answers.
type Search struct {
	Text   string
	Before uint64
	Limit  int
}

// Disconnect says goodbye and ends the session (no reconnect). Run keeps
// running and accepts a new Connect.
type Disconnect struct{}

// RetryNow skips the wait before the next reconnect attempt: while the
// connection is down it dials at once. Otherwise it does nothing.
type RetryNow struct{}

// Redirect changes the address the session dials from now on, because the
// server it is connected to (or trying to reach) now answers at Addr: LAN
// discovery saw it move (a DHCP change, a restart on another machine
// address). While the session waits to reconnect it tries Addr at once. A
// connection that is up is kept: if the old address is really gone, the
// keepalive finds out and the reconnect goes to Addr. Without a session, or
// after Disconnect, it does nothing.
type Redirect struct{ Addr string }

func (Connect) isCommand()        {}
func (Say) isCommand()            {}
func (Private) isCommand()        {}
func (JoinRoom) isCommand()       {}
func (LeaveRoom) isCommand()      {}
func (ListRooms) isCommand()      {}
func (SendFile) isCommand()       {}
func (AcceptFile) isCommand()     {}
func (CancelFile) isCommand()     {}
func (SetDownloadDir) isCommand() {}
func (Disconnect) isCommand()     {}
func (LoadOlder) isCommand()      {}
func (Search) isCommand()         {}
func (RetryNow) isCommand()       {}
func (Redirect) isCommand()       {}
func (TrustServer) isCommand()    {}
func (SendPassword) isCommand()   {}
func (ChangeNick) isCommand()     {}
func (ForgetServer) isCommand()   {}

// Event is something the session reports to the UI.
type Event interface{ isEvent() }

// Connected reports a completed handshake (first time or after a reconnect),
// with the lobby's member list [접속인원].
type Connected struct {
	Addr   string
	Nick   string
	Server string
	Lobby  string
	Users  []string
	Via    map[string]string // marks of gateway users in Users, by nick ("irc", "classic"); nil when none
	Rejoin bool              // true after a reconnect
	// Session is the Connect's Session this connection belongs to.
	Session uint64
	// MaxText is the limit on a message's text in bytes that the session
	// enforces: the server's (Welcome's MaxText), or wire.DefaultMaxText if
	// it announced none. Longer text is refused, never cut.
	MaxText int
	// Encrypted is false on a plaintext connection: show "not encrypted".
	Encrypted bool
	// Fingerprint is the server certificate's (zero when not encrypted).
	Fingerprint trust.Fingerprint
}

// TrustNeeded: the server at Addr, named Server, is not among the trusted
// servers. Show its name and fingerprint and ask; TrustServer or Disconnect
// answers. Nothing has been sent to it.
type TrustNeeded struct {
	Addr        string
	Server      string
	Fingerprint trust.Fingerprint
}

// IdentityChanged: the server at Addr shows another certificate than the
// trusted one. The connection was refused before anything was sent;
// Disconnected{Final} follows. There is no "continue anyway": the user
// removes the old entry (ForgetServer) first.
type IdentityChanged struct {
	Addr      string
	Trusted   trust.Fingerprint
	Presented trust.Fingerprint
}

// PasswordNeeded: the server wants a password (Wrong: the one sent was
// refused; Code and Text say why, e.g. "wait 40 seconds" when throttled).
// Keep the form filled; SendPassword or Disconnect answers.
type PasswordNeeded struct {
	Addr   string
	Server string
	Wrong  bool
	Code   wire.RefuseCode
	Text   string
}

// NickLost: rejoining, the server said Nick belongs to another device now
// (the grace period passed and someone took it). Ask for another nickname;
// ChangeNick or Disconnect answers. Rooms and unsent lines are kept.
type NickLost struct {
	Nick string
	Text string
}

// ServerForgotten answers ForgetServer (Existed: there was an entry).
type ServerForgotten struct {
	Addr    string
	Existed bool
}

// Message is a delivered chat or private message. Mine is true for my own
// (echoed by the server), and then ID is the UI's Say/Private ID.
type Message struct {
	MsgID   uint64 // the server's id
	ID      uint64 // my command's ID when Mine
	Time    time.Time
	Room    string // empty for private messages
	From    string
	To      string // private messages only
	Text    string
	Private bool
	Mine    bool
	Notice  bool // sent as a notice (IRC's NOTICE): shown as a line, never answered automatically
	// Kind, in history, says what the entry is: wire.EntryChat,
	// EntryPrivate, EntryNotice (an announcement) and, in a HistoryPage,
	// EntryJoined, EntryLeft and EntryKicked (From is who; Text says why;
	// To, when set, is the room operator who removed From from the room,
	// else the admin removed From from the server).
	// Live messages have Kind 0 (Private tells them apart).
	Kind wire.EntryKind
	// History is set for messages delivered from history (Replay, Missed,
	// HistoryPage, SearchResults): no notification, already read.
	History bool
	ref     uint32 // held back while catching up: the echo's ref
}

// Replay is the last messages of a room just joined (oldest first): show
// them above a "new since you joined" divider.
type Replay struct {
	Room     string
	Messages []Message
}

// Missed is what a conversation missed while the connection was down
// (oldest first): a room's (Room set) or my private messages (Room empty).
// Earlier > 0 means that many earlier messages were missed too: LoadOlder
// with Before set to the first message's MsgID fetches them.
type Missed struct {
	Room     string
	Messages []Message
	Earlier  int
}

// HistoryPage answers LoadOlder: entries oldest first; More means older
// ones exist. Err is set when the page could not be loaded.
type HistoryPage struct {
	Room     string
	Peer     string
	Before   uint64
	Messages []Message
	More     bool
	Err      error
}

// SearchResults answers Search, newest first; More means more results
// exist (Search again with Before set to the last MsgID).
type SearchResults struct {
	Query    string
	Before   uint64
	Messages []Message
	More     bool
	Err      error
}

// Users is a room's full member list [접속인원] after a change.
type Users struct {
	Room  string
	Users []string
	Via   map[string]string // marks of gateway users in Users, by nick ("irc", "classic"); nil when none
}

// Joined and Left are the announcements of a room's membership changes; Users
// events carry the resulting lists.
type Joined struct {
	Room string
	Nick string
	Time time.Time
}

type Left struct {
	Room   string
	Nick   string
	Reason wire.LeftReason
	Text   string // the user's own words on leaving, if any
	Time   time.Time
}

// Removed [시스템 추방] says the admin removed Nick, and why.
type Removed struct {
	Nick   string
	Reason string
	Time   time.Time
}

// Notice is a system announcement from the server.
type Notice struct {
	Text string
	Time time.Time
}

// Rooms answers ListRooms.
type Rooms struct{ Rooms []wire.RoomInfo }

// RoomJoined and RoomLeft confirm my own room membership changes.
type RoomJoined struct {
	Room  string
	Users []string
}
type RoomLeft struct{ Room string }

// Kicked [kick]: the admin removed me. The session ends without reconnecting.
type Kicked struct {
	Reason  string
	By      string
	Session uint64 // the Connect's Session
}

// Refused: the server turned the handshake down ([아이디 중복] nickname taken,
// invalid nickname, server full…). The session ends without reconnecting.
type Refused struct {
	Code    wire.RefuseCode
	Text    string
	Until   time.Time // RefuseBanned: when the ban ends (zero: never)
	Session uint64    // the Connect's Session
}

// Disconnected: the session is over (Err nil after Disconnect) or the
// connection was lost (Err says why; a Reconnecting event follows unless the
// session ended).
type Disconnected struct {
	Err     error
	Final   bool   // no reconnect will follow
	Session uint64 // the Connect's Session
}

// Reconnecting: the next attempt is in Delay.
type Reconnecting struct {
	Attempt int
	Delay   time.Duration
	Err     error  // why the last attempt failed
	Session uint64 // the Connect's Session
}

// Undelivered hands back a Say or Private the server did not accept, or that
// could not be sent, with the reason. Nothing typed is dropped silently.
type Undelivered struct {
	ID   uint64
	Room string
	To   string
	Text string
	Err  error
}

// Error reports a failed request the server answered (no such user, not in
// that room, …) or a local fault.
type Error struct {
	Code wire.ErrorCode
	Err  error
}

// File events: an offer arrived or was sent, progress, completion. Key
// names a transfer for good (Transfer changes when it is offered again
// after a reconnect); AcceptFile and CancelFile take it.
type FileOffered struct {
	Transfer uint64
	Key      string
	From     string
	Room     string
	To       string
	Name     string
	Size     int64
	Mine     bool
	ID       uint64 // my SendFile ID when Mine
	// Free is the space left in the download folder (-1: unknown); an
	// offer needs AcceptFile unless Resumed (accepted before: it carries on).
	Free    int64
	Resumed bool
}
type FileProgress struct {
	Transfer uint64
	Key      string
	Bytes    int64
	Size     int64
	Mine     bool
	To       string // the recipient, when Mine
}

// FileStatus tells the sender what became of one recipient.
type FileStatus struct {
	Key    string
	Nick   string
	State  wire.RecipientState
	Reason string
}

// FileInterrupted: the connection (mine, or the other side's) dropped
// during a transfer. It carries on when both are back; Bytes arrived so far.
type FileInterrupted struct {
	Transfer uint64
	Key      string
	Mine     bool
	Bytes    int64
	Size     int64
	Reason   string
}
type FileDone struct {
	Transfer uint64
	Key      string
	Path     string // where a received file was saved
	Mine     bool
	Err      error // non-nil when declined, canceled, aborted or corrupted
}

func (Connected) isEvent()       {}
func (Message) isEvent()         {}
func (Users) isEvent()           {}
func (Joined) isEvent()          {}
func (Left) isEvent()            {}
func (Removed) isEvent()         {}
func (Notice) isEvent()          {}
func (Rooms) isEvent()           {}
func (RoomJoined) isEvent()      {}
func (RoomLeft) isEvent()        {}
func (Kicked) isEvent()          {}
func (Refused) isEvent()         {}
func (Disconnected) isEvent()    {}
func (Reconnecting) isEvent()    {}
func (Undelivered) isEvent()     {}
func (Error) isEvent()           {}
func (FileOffered) isEvent()     {}
func (FileProgress) isEvent()    {}
func (FileDone) isEvent()        {}
func (FileStatus) isEvent()      {}
func (FileInterrupted) isEvent() {}
func (Replay) isEvent()          {}
func (Missed) isEvent()          {}
func (HistoryPage) isEvent()     {}
func (SearchResults) isEvent()   {}
func (TrustNeeded) isEvent()     {}
func (IdentityChanged) isEvent() {}
func (PasswordNeeded) isEvent()  {}
func (NickLost) isEvent()        {}
func (Away) isEvent()            {}
func (Queued) isEvent()          {}
func (ServerForgotten) isEvent() {}
