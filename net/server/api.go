// Package server is MultiChat's chat server: a hub goroutine that owns every
// member and room, and a reader and a writer goroutine per connection. The UI
// (or the headless main) drives it only through Run's command and event
// channels; it never imports a GUI package.
package server

import (
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// Config holds the server's limits. The zero value of a field means its
// default (see Defaults); negative durations or counts switch a limit off
// where the field says so.
type Config struct {
	Name          string        // display name sent in Welcome
	MaxFrame      int           // largest frame length field (64 KiB)
	MaxText       int           // largest chat text in bytes (16 KiB: wire.MaxTextChars of any script)
	OutboxBytes   int           // cap on what one connection is owed; past it, a slow consumer (64 MiB)
	OutboxBudget  int64         // cap on what all connections are owed together (1 GiB); -1 turns it off
	WriteTimeout  time.Duration // stall time: a peer that accepts no write for this long is a slow consumer (10 s)
	HandshakeTime time.Duration // time from accept to a valid Hello (10 s)
	PingAfter     time.Duration // silence before the server pings (30 s)
	MissedPings   int           // unanswered pings before the peer is dropped (2)
	FloodBurst    int           // messages a client may send at once (5); -1 disables flood control
	FloodRate     float64       // sustained messages per second after the burst (2)
	MaxConns      int           // connections at once (10000)
	MaxPerIP      int           // connections per address at once (16); loopback is exempt; -1 disables
	MaxRooms      int           // rooms at once (1000)
	// MaxRoomsPerUser bounds the open rooms one nickname has created (10),
	// so that nobody can fill MaxRooms alone; -1 disables.
	MaxRoomsPerUser int
	MaxFileSize     int64        // largest file offered (1 GiB)
	FilesOff        bool         // refuse file offers (SetFiles changes it while running)
	Logger          *slog.Logger // where the server logs; nil discards
	// History keeps the conversations (net/store's Store); nil keeps none.
	// Whoever opened it closes it after Run returns (a clean stop stores
	// every message). HistoryErr, when set, says why history is off (the
	// database could not be opened): Run reports it as an Error event.
	History    History
	HistoryErr error
	// ClusterErr, when set, says why this server could not join its cluster
	// and runs on its own: Run reports it as an Error event (Op "cluster").
	ClusterErr error
	Replay     int // messages replayed on joining a room (100, at most 1000); -1 replays none

	// Listen opens the listener for Start (nil: net.Listen("tcp", addr)).
	// cmd/chatserver wraps it with gateway.Sniff so that classic clients
	// are served on the same port.
	Listen func(addr string) (net.Listener, error)
	// Port, when set, lets gateways bring users of other protocols (IRC,
	// classic clients) to this server; see Port.
	Port *Port

	// Trust (PROTOCOL.md section 8).

	// DataDir holds the TLS certificate and key (made on the first start)
	// and the nickname bindings. Required for TLS unless Identity is set;
	// without it the bindings are kept in memory only (unless Bindings is
	// set).
	DataDir string
	// Plaintext serves without TLS: only when the administrator asks for it
	// (tests, benchmarks, classic clients). Clients show "not encrypted".
	Plaintext bool
	// Identity is the TLS certificate; nil loads (or makes) it in DataDir.
	Identity *trust.Identity
	// NickGrace is how long a nickname stays bound to its device after its
	// connection ends (10 min): no other device may take it meanwhile.
	NickGrace time.Duration
	// Bindings stores the nickname bindings across restarts; nil means a
	// file in DataDir (FileBindings), or none without DataDir.
	Bindings BindingStore
	// PasswordHash is the server password's bcrypt hash (HashPassword);
	// empty: no password. SetPassword changes it while running.
	PasswordHash []byte

	// Moderation keeps bans and the audit log across restarts (net/store's
	// Store, the history database); nil keeps them in memory only.
	Moderation ModerationStore
	// Now is the clock of bans, mutes and the audit log (nil: time.Now);
	// tests move it instead of sleeping.
	Now func() time.Time
	// Cluster joins this server to others serving the same chat (see
	// Cluster); nil: a server on its own. Advertise is the address the
	// other servers give clients for this one (default: the listener's).
	Cluster   Cluster
	Advertise string

	// Operators are the server operators' logins (the operators file,
	// LoadOperators): an oper frame with one of these pairs makes its
	// connection an operator of every room. nil: operator logins are off.
	Operators []Operator
}

// The slow-consumer limits' defaults (PROTOCOL.md, "Slow consumers"). What a
// connection is owed counts each queued frame's bytes plus 64 bytes of
// bookkeeping; a broadcast frame is shared by its recipients but counted for
// each, so the budget bounds memory from above.
const (
	DefaultOutboxBytes  = 64 << 20
	DefaultOutboxBudget = 1 << 30
)

// Defaults returns c with every zero field set to its default.
func (c Config) Defaults() Config {
	if c.Name == "" {
		c.Name = "MultiChat"
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = 64 << 10
	}
	if c.MaxText == 0 {
		// 16 KiB holds wire.MaxTextChars characters of any script; a
		// smaller frame limit leaves 1 KiB of it for the headers.
		c.MaxText = min(wire.DefaultMaxText, max(c.MaxFrame-1024, 1))
	}
	if c.OutboxBytes == 0 {
		c.OutboxBytes = DefaultOutboxBytes
	}
	if c.OutboxBudget == 0 {
		c.OutboxBudget = DefaultOutboxBudget
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.HandshakeTime == 0 {
		c.HandshakeTime = 10 * time.Second
	}
	if c.PingAfter == 0 {
		c.PingAfter = 30 * time.Second
	}
	if c.MissedPings == 0 {
		c.MissedPings = 2
	}
	if c.FloodBurst == 0 {
		c.FloodBurst = 5
	}
	if c.FloodRate == 0 {
		c.FloodRate = 2
	}
	if c.MaxConns == 0 {
		c.MaxConns = 10000
	}
	if c.MaxPerIP == 0 {
		c.MaxPerIP = 16
	}
	if c.MaxRooms == 0 {
		c.MaxRooms = 1000
	}
	if c.Replay == 0 {
		c.Replay = 100
	}
	c.Replay = min(c.Replay, MaxMissed)
	if c.MaxRoomsPerUser == 0 {
		c.MaxRoomsPerUser = 10
	}
	if c.MaxFileSize == 0 {
		c.MaxFileSize = 1 << 30
	}
	if c.NickGrace == 0 {
		c.NickGrace = 10 * time.Minute
	}
	if c.Bindings == nil && c.DataDir != "" {
		c.Bindings = FileBindings{Dir: c.DataDir}
	}
	return c
}

// Command is something the UI asks of the server: Start, Stop, Kick, Announce.
type Command interface{ isCommand() }

// Start listens on Addr ("host:port"; ":0" picks a free port). An Error event
// reports failure (port in use, bad address); Started reports success. Name,
// when set, is the server's name from then on (Welcome, the LAN
// announcement) instead of Config.Name.
type Start struct {
	Addr string
	Name string
}

// Stop tells every client the server is stopping, closes every connection and
// the listener; Stopped reports that it is done.
type Stop struct{}

// Kick removes Nick: the client gets [kick] with Reason (DefaultKickReason
// when empty) before its connection closes; everyone else gets [시스템 추방]
// and the list change.
type Kick struct {
	Nick   string
	Reason string
}

// Announce sends Text to everyone as a system notice; Pin also pins it as
// the lobby's topic.
type Announce struct {
	Text string
	Pin  bool
}

// SetPassword sets the server password ("" removes it). Clients that are
// connected stay; new ones need it. The server keeps only its hash.
type SetPassword struct{ Password string }

// Release frees a nickname bound to a device that is not connected, so that
// anyone may take it at once.
type Release struct{ Nick string }

func (SetPassword) isCommand() {}
func (Release) isCommand()     {}
func (Start) isCommand()       {}
func (Stop) isCommand()        {}
func (Kick) isCommand()        {}
func (Announce) isCommand()    {}

// Event is something the server reports to the UI.
type Event interface{ isEvent() }

// Started reports the bound address (with the real port when ":0" was asked)
// and the server's name and identity: the fingerprint of its TLS
// certificate, which users compare with what their client shows the first
// time (zero when Plaintext).
type Started struct {
	Addr        string
	Name        string
	At          time.Time
	TLS         bool
	Fingerprint trust.Fingerprint
	Password    bool // a password is required
}

// Stopped reports that the listener and every connection are closed.
type Stopped struct{ At time.Time }

// UserJoined reports a completed handshake.
type UserJoined struct {
	Nick  string
	Addr  netip.AddrPort
	Since time.Time
	Via   string // the gateway that brought the user ("irc", "classic"); "" for MultiChat clients
	// Server is the name of the cluster server the user is on; "" for this
	// one (Addr is then the user's address).
	Server string
}

// UserLeft reports a user gone, and why ("quit", "connection lost", "kicked",
// "slow consumer", "timed out", "protocol error").
type UserLeft struct {
	Nick   string
	Reason string
	At     time.Time
	Server string // as in UserJoined
}

// Message reports chat traffic for the activity log. For private messages
// Private is true and Text is empty: the server records that one was sent,
// not what it said.
type Message struct {
	Room    string
	From    string
	To      string // private messages only
	Text    string
	Private bool
	At      time.Time
}

// RoomChanged reports a room's members after a change; an empty Members means
// the room is gone.
type RoomChanged struct {
	Room    string
	Members []string
}

// Notice reports something worth logging that is not an error: announcements
// sent, a kick carried out, a file relayed.
type Notice struct {
	Text string
	At   time.Time
	// Typed: the same news also comes as a typed event (Audited,
	// MuteChanged) that a window words in its own language; Text is the
	// English, for the headless console and logs.
	Typed bool
	// News is the notice's facts (news.go), for a window to word in its
	// own language; nil: only Text says it.
	News News
}

// Announced reports the LAN announcement (DNS-SD over mDNS, run by
// cmd/chatserver beside the hub): Err nil means clients on the LAN find the
// server as Name; otherwise Err says in plain words why they cannot ("LAN
// announcement failed: …") and they must type the address.
type Announced struct {
	Name string
	Err  error
	At   time.Time
}

// Error reports a failed command or a server fault. Op names what failed
// ("start", "stop", "kick", "announce").
type Error struct {
	Op  string
	Err error
	At  time.Time
}

// Refused reports a hello the server turned away (nickname taken or a
// look-alike of a taken one, reserved, invalid, banned): who asked, from
// where, and why, in English (Reason, for the console and logs) and as
// facts a window words in its own language.
type Refused struct {
	Nick   string
	Addr   netip.AddrPort
	Reason string
	At     time.Time
	Code   wire.RefuseCode // 0: only Reason says why
	// Like: RefuseNickTaken, RefuseNickReserved: the taken or reserved
	// name the nickname looks like ("": it is that name).
	Like string
	// Until and BanReason: RefuseBanned: when the ban ends (zero: for
	// good) and its reason as the administrator gave it.
	Until     time.Time
	BanReason string
}

// PasswordChanged reports that SetPassword set (Required) or removed the
// server password.
type PasswordChanged struct {
	Required bool
	At       time.Time
}

// HistoryStatus reports the history store's health and size: at start, at
// stop, and when it changes (failing, recovered, messages not stored).
type HistoryStatus struct {
	Path      string
	Size      int64  // bytes on disk
	Stored    uint64 // messages stored since the server started
	NotStored uint64 // messages lost since the server started (queue full, disk failing)
	Backlog   int    // messages not yet in the search index
	Err       error  // why messages are not being stored; nil when healthy
	At        time.Time
}

func (HistoryStatus) isEvent()   {}
func (Started) isEvent()         {}
func (Stopped) isEvent()         {}
func (UserJoined) isEvent()      {}
func (UserLeft) isEvent()        {}
func (Message) isEvent()         {}
func (RoomChanged) isEvent()     {}
func (Notice) isEvent()          {}
func (Error) isEvent()           {}
func (Announced) isEvent()       {}
func (Refused) isEvent()         {}
func (PasswordChanged) isEvent() {}
