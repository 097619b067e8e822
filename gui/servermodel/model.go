// Package servermodel is the server window's state without a widget: the
// server's state as the admin sees it, the connected users, the rooms and
// the activity log. The window feeds it server events (Apply) and draws what
// it says changed; it is tested without a display.
package servermodel

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// MaxLogText is how many characters of a chat line the log shows.
const MaxLogText = 400

// State is the server's state.
type State int

const (
	Stopped State = iota
	Starting
	Running
	Stopping
)

// User is a connected user.
type User struct {
	Nick  string
	Addr  netip.AddrPort
	Since time.Time
	Via   string // the gateway that brought the user ("irc", "classic"); "" for MultiChat clients
}

// Room is a room and its members.
type Room struct {
	Name    string
	Members []string
}

// Kind picks an activity line's style.
type Kind int

const (
	Info Kind = iota
	Chat
	Private
	Join
	Leave
	Notice
	Warn
	Error
)

// Line is one line of the activity log.
type Line struct {
	At   time.Time
	Kind Kind
	Text string
}

// Problem is an error the admin should see in a dialog.
type Problem struct {
	Title string
	Err   error
}

// Changes says what Apply changed besides the log.
type Changes struct {
	Users, Rooms bool
}

// Model is the server window's state.
type Model struct {
	State    State
	Bound    string    // address from Started
	Since    time.Time // from Started
	Users    []User
	Rooms    []Room
	Lines    []Line
	Problems []Problem // to show; the window takes them
	// Announced is the LAN announcement's state, from server.Announced
	// ("" until then); LANFailed says it explains why clients cannot find
	// the server.
	Announced string
	LANFailed bool
}

// Log adds a line to the activity log.
func (m *Model) Log(at time.Time, kind Kind, text string) {
	if at.IsZero() {
		at = time.Now()
	}
	m.Lines = append(m.Lines, Line{At: at, Kind: kind, Text: text})
}

// Trim drops the oldest lines once there are more than keep+slack, and
// returns how many it dropped.
func (m *Model) Trim(keep, slack int) int {
	if len(m.Lines) <= keep+slack {
		return 0
	}
	drop := len(m.Lines) - keep
	m.Lines = slices.Clone(m.Lines[drop:])
	return drop
}

// Apply folds one server event into the state.
func (m *Model) Apply(ev server.Event) Changes {
	var ch Changes
	switch ev := ev.(type) {
	case server.Started:
		m.State, m.Bound, m.Since = Running, ev.Addr, ev.At
		m.Log(ev.At, Join, "Server started, listening on "+ev.Addr)
	case server.Stopped:
		m.State, m.Bound, m.Users, m.Rooms = Stopped, "", nil, nil
		m.Announced, m.LANFailed = "", false
		ch.Users, ch.Rooms = true, true
		m.Log(ev.At, Info, "Server stopped; every client was told")
	case server.UserJoined:
		m.Users = slices.DeleteFunc(m.Users, func(u User) bool { return u.Nick == ev.Nick })
		m.Users = append(m.Users, User{Nick: ev.Nick, Addr: ev.Addr, Since: ev.Since, Via: ev.Via})
		ch.Users = true
		m.Log(ev.Since, Join, fmt.Sprintf("%s%s joined from %s", ev.Nick, ViaTag(ev.Via), FormatAddr(ev.Addr)))
	case server.UserLeft:
		m.Users = slices.DeleteFunc(m.Users, func(u User) bool { return u.Nick == ev.Nick })
		ch.Users = true
		kind := Leave
		if ev.Reason == "kicked" {
			kind = Warn
		}
		reason := ev.Reason
		if reason == "" {
			reason = "no reason given"
		}
		m.Log(ev.At, kind, fmt.Sprintf("%s left (%s)", ev.Nick, reason))
	case server.Message:
		if ev.Private {
			m.Log(ev.At, Private, fmt.Sprintf("%s → %s: private message", ev.From, ev.To))
		} else {
			m.Log(ev.At, Chat, fmt.Sprintf("[%s] %s: %s", ev.Room, ev.From, OneLine(ev.Text, MaxLogText)))
		}
	case server.RoomChanged:
		m.Rooms = slices.DeleteFunc(m.Rooms, func(r Room) bool { return r.Name == ev.Room })
		if len(ev.Members) > 0 {
			m.Rooms = append(m.Rooms, Room{Name: ev.Room, Members: slices.Clone(ev.Members)})
			slices.SortFunc(m.Rooms, func(a, b Room) int {
				return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			})
		}
		ch.Rooms = true
	case server.Notice:
		m.Log(ev.At, Notice, OneLine(ev.Text, MaxLogText))
	case server.Error:
		m.failed(ev)
	case server.HistoryStatus:
		if ev.Err != nil {
			m.Log(ev.At, Warn, fmt.Sprintf("History is not being stored (the chat goes on): %v; %d messages not stored",
				ev.Err, ev.NotStored))
		} else {
			m.Log(ev.At, Info, fmt.Sprintf("History: %s, %.1f MB; %d messages stored, %d not stored",
				ev.Path, float64(ev.Size)/1e6, ev.Stored, ev.NotStored))
		}
	case server.Announced:
		m.LANFailed = ev.Err != nil
		if m.LANFailed {
			m.Announced = ev.Err.Error()
			m.Log(ev.At, Error, m.Announced)
		} else {
			m.Announced = fmt.Sprintf("Announced on the LAN as “%s”: clients on this network see it in their list", ev.Name)
			m.Log(ev.At, Notice, m.Announced)
		}
	}
	return ch
}

func (m *Model) failed(ev server.Error) {
	msg := "unknown error"
	if ev.Err != nil {
		msg = ev.Err.Error()
	}
	title := "Server error"
	switch ev.Op {
	case "start":
		title = "Could not start the server"
		if m.State == Starting {
			m.State = Stopped
		}
		if errors.Is(ev.Err, syscall.EADDRINUSE) {
			msg = "The port is already in use by another program (or another MultiChat server). " +
				"Choose another port, or stop the other program.\n\n" + msg
		}
	case "stop":
		title = "Could not stop the server"
		if m.State == Stopping {
			if m.Bound != "" {
				m.State = Running
			} else {
				m.State = Stopped
			}
		}
	case "kick":
		title = "Could not kick"
	case "announce":
		title = "Could not send the announcement"
	}
	m.Log(ev.At, Error, fmt.Sprintf("%s: %s", title, OneLine(msg, MaxLogText)))
	m.Problems = append(m.Problems, Problem{Title: title, Err: errors.New(msg)})
}

func FormatAddr(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "?"
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// OneLine makes text fit one log line: control characters become spaces,
// newlines "↵", and it is cut after max characters.
func OneLine(text string, limit int) string {
	var b strings.Builder
	n := 0
	for _, r := range text {
		if n == limit {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteString(" ↵ ")
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// ViaTag is the small marker shown after the nickname of a user whose client
// speaks another protocol (wire.ViaIRC, wire.ViaClassic).
func ViaTag(via string) string {
	switch via {
	case "":
		return ""
	case wire.ViaIRC:
		return " · IRC"
	}
	return " · " + via
}
