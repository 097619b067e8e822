package gui

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/server"
)

type serverState int

const (
	stateStopped serverState = iota
	stateStarting
	stateRunning
	stateStopping
)

type serverUser struct {
	nick  string
	addr  netip.AddrPort
	since time.Time
}

type serverRoom struct {
	name    string
	members []string
}

// activityKind picks a log line's colour.
type activityKind int

const (
	actInfo activityKind = iota
	actChat
	actPrivate
	actJoin
	actLeave
	actNotice
	actWarn
	actError
)

// activityLine is one line of the activity log: text is shown on one line
// (cut), full is what the details pane shows and Copy copies.
type activityLine struct {
	at   time.Time
	kind activityKind
	text string
	full string
}

// userSort is a column of the user list to sort by.
type userSort int

const (
	sortByNick userSort = iota
	sortByAddr
	sortByTime
)

// serverAlert is an error the window shows in a dialog.
type serverAlert struct {
	title string
	msg   string
}

// serverChange says what an event changed, so that the view refreshes only
// that.
type serverChange struct {
	users, rooms, log, state bool
	alert                    *serverAlert
}

func (c *serverChange) add(o serverChange) {
	c.users = c.users || o.users
	c.rooms = c.rooms || o.rooms
	c.log = c.log || o.log
	c.state = c.state || o.state
	if o.alert != nil && c.alert == nil {
		c.alert = o.alert
	}
}

// serverModel is the server window's state and rules, with no widget in it:
// whether the server runs, the connected users (sorted, filtered, selected),
// the rooms and the activity log. The window renders it; apply folds the
// server's events into it, and the window's actions call its other methods.
type serverModel struct {
	state   serverState
	bound   string    // address from Started
	since   time.Time // from Started
	closing bool      // the user closed the window; close on Stopped

	users    []serverUser // in arrival order
	rooms    []serverRoom // sorted by name
	lines    []activityLine
	sortBy   userSort
	sortDesc bool
	filter   string          // lower-cased; matches nickname or address
	selected map[string]bool // nicknames
	shown    []serverUser    // users sorted and filtered, what the list shows

	lanAddrs func() []netip.Addr // the machine's LAN addresses (reachable)
}

func newServerModel() *serverModel {
	return &serverModel{selected: map[string]bool{}}
}

// apply folds one event into the model.
func (m *serverModel) apply(ev server.Event) serverChange {
	var ch serverChange
	switch ev := ev.(type) {
	case server.Started:
		m.state, m.bound, m.since = stateRunning, ev.Addr, ev.At
		m.addLog(ev.At, actJoin, "Server started, listening on "+ev.Addr)
		ch.state = true
	case server.Stopped:
		m.state, m.bound = stateStopped, ""
		m.users, m.rooms = nil, nil
		clear(m.selected)
		m.addLog(ev.At, actInfo, "Server stopped; every client was told")
		ch.state, ch.users, ch.rooms = true, true, true
	case server.UserJoined:
		m.removeUser(ev.Nick)
		m.users = append(m.users, serverUser{nick: ev.Nick, addr: ev.Addr, since: ev.Since})
		m.addLog(ev.Since, actJoin, fmt.Sprintf("%s joined from %s", ev.Nick, formatAddr(ev.Addr)))
		ch.users = true
	case server.UserLeft:
		m.removeUser(ev.Nick)
		delete(m.selected, ev.Nick)
		kind := actLeave
		if ev.Reason == "kicked" {
			kind = actWarn
		}
		reason := cmp.Or(ev.Reason, "no reason given")
		m.addLog(ev.At, kind, fmt.Sprintf("%s left (%s)", ev.Nick, reason))
		ch.users = true
	case server.Refused:
		m.addLog(ev.At, actWarn, fmt.Sprintf("Refused “%s” from %s: %s", ev.Nick, formatAddr(ev.Addr), ev.Reason))
	case server.Message:
		if ev.Private {
			m.addLog(ev.At, actPrivate, fmt.Sprintf("%s → %s: private message", ev.From, ev.To))
		} else {
			m.addLog(ev.At, actChat, fmt.Sprintf("[%s] %s: %s", ev.Room, ev.From, ev.Text))
		}
	case server.RoomChanged:
		m.rooms = slices.DeleteFunc(m.rooms, func(r serverRoom) bool { return r.name == ev.Room })
		if len(ev.Members) > 0 {
			m.rooms = append(m.rooms, serverRoom{name: ev.Room, members: slices.Clone(ev.Members)})
			slices.SortFunc(m.rooms, func(a, b serverRoom) int {
				return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
			})
		}
		ch.rooms = true
	case server.Notice:
		m.addLog(ev.At, actNotice, ev.Text)
	case server.Error:
		ch.alert = m.applyError(ev)
		ch.state = true
	}
	if ch.users {
		m.reshow()
	}
	return ch
}

func (m *serverModel) removeUser(nick string) {
	m.users = slices.DeleteFunc(m.users, func(u serverUser) bool { return u.nick == nick })
}

// applyError logs a failed command, undoes the state it had set and returns
// the dialog to show (nil while closing: the log is enough then).
func (m *serverModel) applyError(ev server.Error) *serverAlert {
	msg := "unknown error"
	if ev.Err != nil {
		msg = ev.Err.Error()
	}
	title := "Server error"
	switch ev.Op {
	case "start":
		title = "Could not start the server"
		if m.state == stateStarting {
			m.state = stateStopped
		}
		if errors.Is(ev.Err, syscall.EADDRINUSE) {
			msg = "The port is already in use by another program (or another MultiChat server). " +
				"Choose another port, or stop the other program.\n\n" + msg
		}
	case "stop":
		title = "Could not stop the server"
		if m.state == stateStopping {
			m.state = stateStopped
			if m.bound != "" {
				m.state = stateRunning
			}
		}
	case "kick":
		title = "Could not kick"
	case "announce":
		title = "Could not send the announcement"
	}
	m.addLog(ev.At, actError, fmt.Sprintf("%s: %s", title, msg))
	if m.closing {
		return nil
	}
	return &serverAlert{title: title, msg: msg}
}

// --- actions ---

// start records that Start was asked for; false when not stopped.
func (m *serverModel) start(addr string) bool {
	if m.state != stateStopped || m.closing {
		return false
	}
	m.state = stateStarting
	m.addLog(time.Now(), actInfo, "Starting on "+addr)
	return true
}

// stop records that Stop was asked for; false when not running.
func (m *serverModel) stop() bool {
	if m.state != stateRunning {
		return false
	}
	m.state = stateStopping
	return true
}

// close records that the window was asked to close and reports whether Stop
// must be sent first.
func (m *serverModel) close() (sendStop bool) {
	m.closing = true
	if m.state == stateRunning || m.state == stateStarting {
		m.state = stateStopping
		return true
	}
	return false
}

// --- user list: sort, filter, selection ---

// sortUsers sorts by key; the same key again reverses the order.
func (m *serverModel) sortUsers(key userSort) {
	if m.sortBy == key {
		m.sortDesc = !m.sortDesc
	} else {
		m.sortBy, m.sortDesc = key, false
	}
	m.reshow()
}

// setFilter shows only the users whose nickname or address contains text
// (ignoring case).
func (m *serverModel) setFilter(text string) {
	m.filter = strings.ToLower(strings.TrimSpace(text))
	m.reshow()
}

func (m *serverModel) reshow() {
	m.shown = m.shown[:0]
	for _, u := range m.users {
		if m.filter == "" || strings.Contains(strings.ToLower(u.nick), m.filter) ||
			strings.Contains(formatAddr(u.addr), m.filter) {
			m.shown = append(m.shown, u)
		}
	}
	slices.SortStableFunc(m.shown, func(a, b serverUser) int {
		var c int
		switch m.sortBy {
		case sortByAddr:
			c = a.addr.Compare(b.addr)
		case sortByTime:
			c = a.since.Compare(b.since)
		}
		if c == 0 {
			c = cmp.Or(naturalCompare(strings.ToLower(a.nick), strings.ToLower(b.nick)), strings.Compare(a.nick, b.nick))
		}
		if m.sortDesc {
			return -c
		}
		return c
	})
}

// toggle selects or unselects the shown user at row.
func (m *serverModel) toggle(row int) {
	if row < 0 || row >= len(m.shown) {
		return
	}
	nick := m.shown[row].nick
	if m.selected[nick] {
		delete(m.selected, nick)
	} else {
		m.selected[nick] = true
	}
}

// selectShown selects every user the filter shows.
func (m *serverModel) selectShown() {
	for _, u := range m.shown {
		m.selected[u.nick] = true
	}
}

func (m *serverModel) clearSelection() { clear(m.selected) }

// selection lists the selected nicknames in the list's order (the ones the
// filter hides last, by name).
func (m *serverModel) selection() []string {
	out := make([]string, 0, len(m.selected))
	for _, u := range m.shown {
		if m.selected[u.nick] {
			out = append(out, u.nick)
		}
	}
	var hidden []string
	for nick := range m.selected {
		if !slices.Contains(out, nick) {
			hidden = append(hidden, nick)
		}
	}
	slices.Sort(hidden)
	return append(out, hidden...)
}

// --- what the window shows ---

// title is the window title: the state and, while running, the count.
func (m *serverModel) title() string {
	switch m.state {
	case stateRunning:
		return fmt.Sprintf("%s — Running, %d connected", ServerTitle, len(m.users))
	case stateStarting:
		return ServerTitle + " — Starting"
	case stateStopping:
		return ServerTitle + " — Stopping"
	}
	return ServerTitle + " — Stopped"
}

// stopQuestion is the confirmation Stop and Close ask while people are
// connected; "" when there is nobody to disconnect.
func (m *serverModel) stopQuestion(closing bool) string {
	if m.state != stateRunning || len(m.users) == 0 {
		return ""
	}
	who := fmt.Sprintf("%d people are connected.", len(m.users))
	if len(m.users) == 1 {
		who = "1 person is connected."
	}
	if closing {
		return who + " Stop the server and close the window?"
	}
	return who + " Stop the server?"
}

// --- activity log ---

func (m *serverModel) addLog(at time.Time, kind activityKind, full string) {
	if at.IsZero() {
		at = time.Now()
	}
	full = clipRunes(full, maxLogDetail)
	m.lines = append(m.lines, activityLine{at: at, kind: kind, text: oneLine(full, maxLogText), full: full})
}

// trimLog drops the oldest lines beyond maxLogLines (in chunks of
// logTrimSlack) and returns how many it dropped.
func (m *serverModel) trimLog() int {
	if len(m.lines) <= maxLogLines+logTrimSlack {
		return 0
	}
	drop := len(m.lines) - maxLogLines
	m.lines = slices.Clone(m.lines[drop:])
	return drop
}

// copyText is what Copy puts on the clipboard for a log line.
func (ln activityLine) copyText() string {
	return ln.at.Format("15:04:05") + " " + ln.full
}

// naturalCompare orders strings as a person does: runs of digits compare by
// their value, so "pupil2" comes before "pupil10".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the ASCII digits s starts with.
func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
