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
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

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
	Nick     string
	Addr     netip.AddrPort
	Since    time.Time
	Via      string // the gateway that brought the user ("irc", "classic"); "" for MultiChat clients
	Away     bool   // the user set away (by hand or idle)
	AwayText string
	// Server is the cluster server the user is on ("" for this one; Addr
	// is then unknown).
	Server string
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

// Line is one line of the activity log: Text is shown on one line (cut at
// MaxLogText), Full is what the details pane shows and Copy copies.
type Line struct {
	At   time.Time
	Kind Kind
	Text string
	Full string
}

// MaxLogDetail is how many characters of a line the log keeps in full.
const MaxLogDetail = 4096

// CopyText is what Copy puts on the clipboard for a line.
func (ln Line) CopyText() string { return ln.At.Format("15:04:05") + " " + ln.Full }

// Problem is an error the admin should see in a dialog.
type Problem struct {
	Title string
	Err   error
}

// Changes says what Apply changed besides the log.
type Changes struct {
	Users, Rooms bool
	Mod          ModChanges // moderation.go
	Cluster      bool
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
	// TLS, Fingerprint and Password are the running server's identity and
	// access, from Started and PasswordChanged.
	TLS         bool
	Fingerprint string // grouped hex ("AB12 CD34 …"); "" when plaintext
	Password    bool   // a password is required to join

	Closing bool // the admin closed the window: the server stops, then it closes

	Mod Moderation // bans, audit log, mutes (moderation.go)
	// Cluster is the other servers of the cluster (cluster.go); nil when
	// the server is not in one.
	Cluster *Cluster

	// The user list as shown: sorted, filtered, with its selection.
	SortBy   SortKey
	SortDesc bool
	filter   string          // lower-cased
	Selected map[string]bool // nicknames
	Shown    []User          // Users sorted and filtered
}

// Log adds a line to the activity log.
func (m *Model) Log(at time.Time, kind Kind, text string) {
	if at.IsZero() {
		at = time.Now()
	}
	full := clipRunes(text, MaxLogDetail)
	m.Lines = append(m.Lines, Line{At: at, Kind: kind, Text: OneLine(full, MaxLogText), Full: full})
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
		m.TLS, m.Fingerprint, m.Password = ev.TLS, "", ev.Password
		if ev.TLS {
			m.Fingerprint = ev.Fingerprint.String()
		}
		m.Log(ev.At, Join, lang.L("Server started, listening on {{.Addr}}", vars{"Addr": ev.Addr}))
		kind := Info
		if !m.TLS {
			kind = Warn
		}
		m.Log(ev.At, kind, m.Security())
		if m.Password {
			m.Log(ev.At, Info, lang.L("Password required: clients must type the class code to join"))
		}
	case server.Stopped:
		m.State, m.Bound, m.Users, m.Rooms = Stopped, "", nil, nil
		clear(m.Selected)
		m.Announced, m.LANFailed = "", false
		m.TLS, m.Fingerprint = false, "" // the password stays: the server keeps it for the next start
		ch.Users, ch.Rooms = true, true
		m.Log(ev.At, Info, lang.L("Server stopped; every client was told"))
	case server.UserJoined:
		m.Users = slices.DeleteFunc(m.Users, func(u User) bool { return u.Nick == ev.Nick })
		m.Users = append(m.Users, User{Nick: ev.Nick, Addr: ev.Addr, Since: ev.Since, Via: ev.Via, Server: ev.Server})
		ch.Users = true
		if ev.Server != "" {
			m.Log(ev.Since, Join, lang.L("{{.Nick}} joined on {{.Server}}", vars{"Nick": ev.Nick + wire.ViaTag(ev.Via), "Server": ev.Server}))
			break
		}
		m.Log(ev.Since, Join, lang.L("{{.Nick}} joined from {{.Addr}}", vars{"Nick": ev.Nick + wire.ViaTag(ev.Via), "Addr": FormatAddr(ev.Addr)}))
	case server.UserLeft:
		m.Users = slices.DeleteFunc(m.Users, func(u User) bool { return u.Nick == ev.Nick })
		delete(m.Selected, ev.Nick)
		ch.Users = true
		kind := Leave
		if ev.Reason == "kicked" {
			kind = Warn
		}
		m.Log(ev.At, kind, lang.L("{{.Nick}} left ({{.Reason}})", vars{"Nick": ev.Nick, "Reason": leftReason(ev.Reason)}))
	case server.Message:
		if ev.Private {
			m.Log(ev.At, Private, lang.L("{{.From}} → {{.To}}: private message", vars{"From": ev.From, "To": ev.To}))
		} else {
			m.Log(ev.At, Chat, fmt.Sprintf("[%s] %s: %s", RoomName(ev.Room), ev.From, ev.Text))
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
	case server.ClusterChanged:
		ch.Cluster = m.applyCluster(ev)
	case server.Notice:
		if text := NewsText(ev.News); text != "" {
			m.Log(ev.At, Notice, text)
		} else if !ev.Typed { // typed news is worded from its own event (Audited, MuteChanged)
			m.Log(ev.At, Notice, ev.Text)
		}
	case server.AwayChanged:
		for i := range m.Users {
			if m.Users[i].Nick == ev.Nick {
				m.Users[i].Away, m.Users[i].AwayText = ev.Away, ev.Text
				ch.Users = true
			}
		}
	case server.PasswordChanged:
		m.Password = ev.Required // the server's Notice before it logs the change
	case server.Refused:
		m.Log(ev.At, Warn, lang.L("Refused “{{.Nick}}” from {{.Addr}}: {{.Reason}}", vars{"Nick": ev.Nick, "Addr": FormatAddr(ev.Addr), "Reason": RefusedWhy(ev)}))
	case server.Error:
		m.failed(ev)
	case server.HistoryStatus:
		if ev.Err != nil {
			m.Log(ev.At, Warn, lang.L("History is not being stored (the chat goes on): {{.Why}}; {{.NotStored}} messages not stored",
				vars{"Why": ErrText(ev.Err), "NotStored": ev.NotStored}))
		} else {
			m.Log(ev.At, Info, lang.L("History: {{.Path}}, {{.Size}} MB; {{.Stored}} messages stored, {{.NotStored}} not stored",
				vars{"Path": ev.Path, "Size": fmt.Sprintf("%.1f", float64(ev.Size)/1e6), "Stored": ev.Stored, "NotStored": ev.NotStored}))
		}
	case server.Bans, server.Audited, server.AuditLog, server.MuteChanged, server.LectureChanged, server.TopicChanged:
		ch.Mod, _ = m.applyModeration(ev)
		ch.Users = ch.Users || ch.Mod.Users
	case server.Announced:
		m.LANFailed = ev.Err != nil
		if m.LANFailed {
			m.Announced = lanFailure(ev.Err)
			m.Log(ev.At, Error, m.Announced)
		} else {
			m.Announced = lang.L("Announced on the LAN as “{{.Name}}”: clients on this network see it in their list", vars{"Name": ev.Name})
			m.Log(ev.At, Notice, m.Announced)
		}
	}
	if ch.Users {
		m.reshow()
	}
	return ch
}

// PlaintextWarning is what the window says about a server without TLS.
func PlaintextWarning() string {
	return lang.L("Not encrypted (plaintext): anyone on the network can read the chat")
}

// vars are the fields of a translated text's template.
type vars = map[string]any

// leftReason says in words why the server says someone left.
func leftReason(r string) string {
	switch r {
	case "":
		return lang.L("no reason given")
	case "quit":
		return lang.L("quit")
	case "lost", wire.LeftLost.String():
		return lang.L("connection lost")
	case wire.LeftTimedOut.String():
		return lang.L("did not answer in time")
	case wire.LeftProtocol.String():
		return lang.L("its client sent what the server cannot accept")
	case server.ReasonStopped:
		return lang.L("the server stopped")
	case "kicked":
		return lang.L("kicked")
	case "slow consumer":
		return lang.L("too slow to keep up")
	}
	return r
}

// Security says how clients recognise the running server: its TLS
// fingerprint, which users compare with what their client shows on the
// first connection, or that nothing is encrypted. "" while not running.
func (m *Model) Security() string {
	switch {
	case m.State != Running && m.State != Stopping:
		return ""
	case !m.TLS:
		return PlaintextWarning()
	}
	return lang.L("Encrypted (TLS). Server fingerprint: {{.Fingerprint}}", vars{"Fingerprint": m.Fingerprint})
}

// Access says who may join: "Password required" (also while stopped: the
// server keeps the password for its next start) or, while running, "No
// password"; "" otherwise.
func (m *Model) Access() string {
	switch {
	case m.Password:
		return lang.L("Password required")
	case m.State == Running || m.State == Stopping:
		return lang.L("No password")
	}
	return ""
}

func (m *Model) failed(ev server.Error) {
	msg := lang.L("unknown error")
	if ev.Err != nil {
		msg = ErrText(ev.Err)
	}
	title := lang.L("Server error")
	if t, ok := modTitles[ev.Op]; ok {
		title = t()
	}
	switch ev.Op {
	case "start":
		title = lang.L("Could not start the server")
		if m.State == Starting {
			m.State = Stopped
		}
		msg = startProblem(ev.Err, msg)
	case "stop":
		title = lang.L("Could not stop the server")
		if m.State == Stopping {
			if m.Bound != "" {
				m.State = Running
			} else {
				m.State = Stopped
			}
		}
	case "kick":
		title = lang.L("Could not kick")
	case "announce":
		title = lang.L("Could not send the announcement")
	case "password":
		title = lang.L("Could not change the server password")
	case "bindings":
		var be *server.BindingsError
		if errors.As(ev.Err, &be) && be.Save {
			title = lang.L("Could not save the nicknames' owners")
		} else {
			title = lang.L("Could not read the nicknames' owners")
		}
		msg = bindingsProblem(ev.Err, msg)
	case "cluster":
		title = lang.L("Could not join the cluster")
		msg = clusterProblem(ev.Err, msg) + "\n\n" + lang.L("This server runs on its own: its users and the other servers' users do not see each other until it is restarted and joins the cluster.")
	}
	m.Log(ev.At, Error, fmt.Sprintf("%s: %s", title, msg))
	if m.Closing {
		return // the window is going away; the log is enough
	}
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
