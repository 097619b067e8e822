// Package clientmodel is the client window's state without a widget: the
// connection as the user sees it, the conversations and their logs, unread
// and mention counts, lines waiting for the server or not sent, member lists,
// file transfers. The window feeds it session events (Apply) and user actions
// (Submit, Connect, Retry…), then draws what it says changed. Nothing here
// imports Fyne, so every rule is tested without a display.
package clientmodel

import (
	"slices"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/wire"
)

// MaxHistory caps each conversation's log; older lines are dropped in chunks.
const MaxHistory = 50_000

// FirstSeq is the sequence number of a conversation's first line. Older
// lines loaded from history get lower ones; -1 means "no line", so
// numbering starts far above it.
const FirstSeq = 1 << 30

// Phase is what the window shows.
type Phase uint8

const (
	Idle       Phase = iota // the connect form, no session
	Connecting              // the connect form, a Connect is under way
	Chat                    // the conversations (live, reconnecting, or ended and kept)
)

// Link is the state of the session behind the conversations in Chat.
type Link uint8

const (
	Live         Link = iota // connected
	Reconnecting             // lost; the session retries by itself
	Rejoining                // ended; the user asked to connect again
	Ended                    // ended (Disconnect, kick, refusal): read-only
	Renaming                 // lost my nickname to another device: waiting for another one (NewNick)
)

// EntryKind says what a log line is.
type EntryKind uint8

const (
	KindChat     EntryKind = iota // a message from someone (or me)
	KindSystem                    // joins, leaves, command output
	KindNotice                    // an announcement from the server
	KindError                     // failures and refusals
	KindActivity                  // a burst of joins and leaves, folded into one line
	KindDivider                   // "New since you joined / left": history above, new lines below
)

// EntryState is a line of mine on its way to the server.
type EntryState uint8

const (
	Delivered EntryState = iota
	Pending              // typed, not yet echoed by the server
	NotSent              // handed back (Why says why): Retry, Copy or Discard
)

// Entry is one line of a conversation's log.
type Entry struct {
	T       time.Time
	From    string
	Text    string
	Why     string // NotSent: the reason, in plain words
	ID      uint64 // my command's ID while Pending or NotSent
	MsgID   uint64 // the server's id (0 for lines of the client's own)
	Kind    EntryKind
	State   EntryState
	Mine    bool
	Mention bool // names me
}

// ConvKind is the lobby, a room or a private chat.
type ConvKind uint8

const (
	Lobby ConvKind = iota
	Room
	Private
)

// Conv is one conversation.
type Conv struct {
	Key      string // convKey(kind, name)
	Kind     ConvKind
	Name     string // room name or the other user's nickname
	Entries  []Entry
	Base     int // absolute sequence number of Entries[0]
	Gen      int // bumped when lines change other than by being appended
	Users    []string
	Unread   int
	Mentions int  // unread lines that name me (private chats: every unread line)
	Joined   bool // rooms: still a member
	PrivOff  bool // private chats: the other user went offline
	// MinID and MaxID are the lowest and highest server ids in the log;
	// Older says whether older messages can be loaded (LoadEarlier).
	MinID, MaxID uint64
	Older        Older
	jump         uint64 // a search result being reached (Open), or 0
	jumpPages    int
	// Moderation (moderation.go), rooms only: the topic the admin or an
	// operator pinned under the title, and whether lecture mode is on
	// ("" : none, off).
	Topic, Lecture string
	// Ops are the room's operators as the server last listed them
	// (roomops.go); IsOp asks about one.
	Ops      []string
	opKeys   map[string]bool // Ops by wire.FoldKey
	opsKnown bool            // a list came since the room was joined
	opsGreet bool            // the room was just joined by hand: say so if I run it
	// touched is the lowest line changed in place (a burst of joins
	// growing, an echo) since the view last asked (TakeTouched), or -1.
	touched int

	activity *activity            // the open burst of joins and leaves at the log's end
	typing   map[string]time.Time // who is typing here, until when
}

// Title is how the conversation is named in lists and headers.
func (c *Conv) Title() string {
	switch {
	case c.Kind == Private:
		return "@" + c.Name
	case c.Kind == Lobby && c.Name == wire.Lobby:
		return "#" + lang.L("lobby") // the default lobby's name, in the interface's language
	}
	return "#" + c.Name
}

// Entry returns line seq (absolute), or nil if it is gone.
func (c *Conv) Entry(seq int) *Entry {
	i := seq - c.Base
	if i < 0 || i >= len(c.Entries) {
		return nil
	}
	return &c.Entries[i]
}

// TakeTouched returns the lowest line whose text changed in place since the
// last call, or -1: the view lays out again from there.
func (c *Conv) TakeTouched() int {
	t := c.touched
	c.touched = -1
	return t
}

func (c *Conv) touch(seq int) {
	if c.touched < 0 || seq < c.touched {
		c.touched = seq
	}
}

// Next is the sequence number the next line will get.
func (c *Conv) Next() int { return c.Base + len(c.Entries) }

// trim drops the oldest lines once the log is a tenth over MaxHistory, so
// that the cost is paid once per few thousand messages.
func (c *Conv) trim() {
	if len(c.Entries) <= MaxHistory+MaxHistory/10 {
		return
	}
	drop := len(c.Entries) - MaxHistory
	clear(c.Entries[:drop]) // let the strings go
	c.Entries = c.Entries[drop:]
	c.Base += drop
	c.MinID = 0
	for i := range c.Entries {
		if id := c.Entries[i].MsgID; id != 0 && (c.MinID == 0 || id < c.MinID) {
			c.MinID = id
		}
	}
	if c.Older == OlderNone {
		c.Older = OlderMore // what was dropped can be loaded again
	}
}

// Changes tells the view what to redraw after a model call.
type Changes struct {
	Phase    bool // the phase, the link or the banner changed
	Log      bool // the current conversation's log changed
	Lines    bool // some conversation's log got lines (maybe off screen)
	Convs    bool // the conversation list (names, badges, order)
	Users    bool // the current conversation's member list
	Switched bool // another conversation is current
	Form     bool // the form's status line
	Rooms    bool // RoomList was answered
	Prompt   bool // Prompt changed: close the open one, show the new one
	Files    bool // a file card changed (Transfers)
	Typing   bool // the current conversation's "typing…" line
	Servers  bool // the connect form's server list (found or recent)
	Recent   bool // the recent servers changed: save them
	History  bool // a conversation's history state (loading, start reached) or the search changed
	Header   bool // a conversation's topic changed
}

// Form is the connect form's status line.
type Form struct {
	Text  string
	Error bool
	Focus string // "nick" or "addr": the field to fix, or ""
}

// Banner is the line above the conversations while the link is not Live.
type Banner struct {
	Text    string
	Retry   bool // offer "Retry now"
	Warn    bool // a warning while connected ("not encrypted"): no buttons
	Again   bool // offer "Connect again" and "Change server or nickname…"
	Offline bool
}

// Note is a desktop notification to show.
type Note struct{ Title, Body string }

// Dialog is a message the user must see and dismiss (a kick).
type Dialog struct{ Title, Text string }

// Model is the client window's state. Its methods are called on one
// goroutine (Fyne's); it sends commands through Send, which must not block.
type Model struct {
	Send func(client.Command)

	Phase   Phase
	Link    Link
	Session uint64 // the Session of the last Connect sent
	Form    Form
	Banner  Banner
	Since   time.Time // Link not Live: since when
	Hint    string    // under the entry: why the last input was not taken
	// GiveBack is text handed back to the entry (an over-long message).
	GiveBack string
	// Away: I am shown as away (by hand or after idle minutes), with
	// AwayText.
	Away     bool
	AwayText string
	// AwayAfter is how many idle minutes make me away (0: never);
	// SendTyping tells others when I am typing.
	AwayAfter  int
	SendTyping bool
	pres       presenceState

	Me, MeKey string // my nickname and its wire.FoldKey

	// Moderation (moderation.go): a mute on me, lecture mode in every room.
	Muted      *Muted
	LectureAll string // "" : off
	// Marks are gateway users' marks by nick ("irc", "classic"), shown in
	// member lists after the name.
	Marks     map[string]string
	Server    string
	Addr      string // the server's address as typed
	Nick      string // the nickname asked for
	LobbyName string
	MaxText   int // the server's limit on a message, in bytes of UTF-8

	Convs []*Conv
	Cur   *Conv

	// RoomList is the server's last answer to ListRooms.
	RoomList []wire.RoomInfo
	// Collapse folds bursts of joins and leaves into one line.
	Collapse bool

	Focused     bool
	TitleUnread int
	Notes       []Note
	Dialogs     []Dialog
	// Prompt is the question the session waits for (trust, password,
	// another nickname), or nil.
	Prompt *Prompt
	// Plaintext connects without TLS (the form's option, for a server
	// whose admin turned TLS off); Encrypted says whether the connection
	// is.
	Plaintext bool
	Encrypted bool

	// Transfers are the file cards, oldest first (files.go).
	Transfers []*Transfer
	// AutoAcceptMax accepts files up to this size from people I have a
	// private chat with, without asking (0: always ask).
	AutoAcceptMax int64

	// Search is the history search (Ctrl+F); Jump a line to scroll to and
	// select (a search result opened), which the view clears.
	Search     Search
	Jump       JumpTo
	ShowSearch bool // /search was typed: the view opens the search panel

	// LAN is the servers found on the network; Recent those connected to
	// before, newest first; Instance the LAN name of the server connected
	// to, when it was found there (see ApplyLAN).
	LAN      discovery.List
	Recent   []Recent
	Instance string

	byKey      map[string]*Conv
	byName     map[string]*Conv // rooms by the exact name last seen
	pending    map[uint64]*Conv // my lines waiting for the server, by ID
	rejoin     []string         // rooms to join again once Connected after an end
	nextID     uint64
	keptAddr   string // the server the kept conversations are from
	quietRooms bool   // the next room list is for the Rooms dialog, not the log
	meLower    string
	histServer bool // the server keeps history (it sent some)
	ch         Changes
	now        func() time.Time
}

// New returns an idle model that sends commands through send.
func New(send func(client.Command)) *Model {
	if send == nil {
		send = func(client.Command) {}
	}
	return &Model{Send: send, MaxText: wire.DefaultMaxText, Focused: true, Collapse: true, LobbyName: wire.Lobby,
		byKey: map[string]*Conv{}, byName: map[string]*Conv{}, pending: map[uint64]*Conv{}, now: time.Now}
}

// SetClock replaces time.Now (tests).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Take returns what changed since the last Take and forgets it.
func (m *Model) Take() Changes {
	c := m.ch
	m.ch = Changes{}
	return c
}

// ReadOnly reports whether the conversations can only be read (the session
// ended), and why.
func (m *Model) ReadOnly() bool { return m.Phase == Chat && (m.Link == Ended || m.Link == Rejoining) }

func convKey(k ConvKind, name string) string {
	if k == Private {
		return "@" + wire.FoldKey(name)
	}
	return "#" + wire.FoldKey(name)
}

// Find returns the conversation of a room (private false) or a user.
func (m *Model) Find(name string, private bool) *Conv {
	k := Room
	if private {
		k = Private
	}
	return m.byKey[convKey(k, name)]
}

// RoomConv returns the conversation of room (the lobby when empty), creating
// it when create is set.
func (m *Model) RoomConv(room string, create bool) *Conv {
	if room == "" {
		room = m.LobbyName
	}
	if c := m.byName[room]; c != nil {
		return c // the same spelling as last time: no folding needed
	}
	key := convKey(Room, room)
	if c := m.byKey[key]; c != nil {
		if len(m.byName) < 1024 {
			m.byName[room] = c
		}
		return c
	}
	if !create {
		return nil
	}
	kind := Room
	if wire.FoldKey(room) == wire.FoldKey(m.LobbyName) {
		kind = Lobby
	}
	return m.newConv(key, kind, room)
}

// PrivateConv returns the private chat with peer, creating it.
func (m *Model) PrivateConv(peer string) *Conv {
	if c := m.byKey[convKey(Private, peer)]; c != nil {
		return c
	}
	c := m.newConv(convKey(Private, peer), Private, peer)
	c.Users = SortedUsers([]string{peer, m.Me})
	return c
}

func (m *Model) newConv(key string, kind ConvKind, name string) *Conv {
	c := &Conv{Key: key, Kind: kind, Name: name, Joined: kind != Private, touched: -1, Base: FirstSeq}
	m.byKey[key] = c
	m.Convs = append(m.Convs, c)
	m.ch.Convs = true
	return c
}

func (m *Model) lobby() *Conv { return m.RoomConv(m.LobbyName, m.Phase == Chat) }

// SwitchTo makes c the current conversation and clears its unread counts.
func (m *Model) SwitchTo(c *Conv) {
	if c == nil {
		return
	}
	if c != m.Cur {
		m.Cur = c
		m.ch.Switched, m.ch.Log, m.ch.Users = true, true, true
	}
	if c.Unread > 0 || c.Mentions > 0 {
		c.Unread, c.Mentions = 0, 0
	}
	m.ch.Convs = true
}

// Step moves to the conversation d places down the list (up when negative),
// wrapping around.
func (m *Model) Step(d int) {
	if len(m.Convs) == 0 {
		return
	}
	i := slices.Index(m.Convs, m.Cur)
	i = ((i+d)%len(m.Convs) + len(m.Convs)) % len(m.Convs)
	m.SwitchTo(m.Convs[i])
}

// OpenPrivate opens (or shows) the private chat with nick.
func (m *Model) OpenPrivate(nick string) {
	if m.Phase != Chat || nick == "" || wire.FoldKey(nick) == m.MeKey {
		return
	}
	m.SwitchTo(m.PrivateConv(nick))
}

// Close drops a conversation (a private chat, or a room already left) and
// shows the lobby. A room still joined is left first.
func (m *Model) Close(c *Conv) {
	i := slices.Index(m.Convs, c)
	if i < 0 || c.Kind == Lobby {
		return
	}
	if c.Kind == Room && c.Joined && m.Link == Live {
		m.Send(client.LeaveRoom{Room: c.Name})
	}
	m.Convs = slices.Delete(m.Convs, i, i+1)
	delete(m.byKey, c.Key)
	clear(m.byName)
	for id, pc := range m.pending {
		if pc == c {
			delete(m.pending, id)
		}
	}
	m.ch.Convs = true
	if m.Cur == c {
		m.Cur = nil
		m.SwitchTo(m.lobby())
	}
}

// reset forgets every conversation (another server).
func (m *Model) reset() {
	m.Convs, m.Cur = nil, nil
	clear(m.byKey)
	clear(m.byName)
	clear(m.pending)
	m.Transfers = nil
	m.ch.Files = true
	m.rejoin = nil
	m.TitleUnread = 0
	m.Search, m.Jump, m.histServer = Search{}, JumpTo{}, false
	m.ch.Convs, m.ch.Log, m.ch.Users, m.ch.Switched = true, true, true, true
}
