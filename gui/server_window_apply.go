package gui

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/server"
)

func (s *ServerWindow) applyBatch(batch []server.Event) {
	follow := s.logAtBottom()
	nLines, usersChanged, roomsChanged := len(s.lines), false, false
	for _, ev := range batch {
		switch ev.(type) {
		case server.UserJoined, server.UserLeft, server.Stopped:
			usersChanged = true
		}
		switch ev.(type) {
		case server.RoomChanged, server.Stopped:
			roomsChanged = true
		}
		s.apply(ev)
	}
	if usersChanged {
		s.reselect()
		s.userList.Refresh()
	}
	if roomsChanged {
		s.roomList.Refresh()
	}
	s.trimLog(follow)
	if len(s.lines) != nLines || usersChanged {
		s.log.Refresh()
		if follow {
			s.log.ScrollToBottom()
		}
	}
	s.updateControls()
	if s.closing && s.state == stateStopped {
		s.closeNow()
	}
}

// apply folds one event into the window's state. Widgets are refreshed by
// applyBatch (lists) and updateControls (everything else).
func (s *ServerWindow) apply(ev server.Event) {
	switch ev := ev.(type) {
	case server.Started:
		s.state = stateRunning
		s.bound = ev.Addr
		s.since = ev.At
		s.addLog(ev.At, actJoin, "Server started, listening on "+ev.Addr)
	case server.Stopped:
		s.state = stateStopped
		s.bound = ""
		s.users = nil
		s.rooms = nil
		s.addLog(ev.At, actInfo, "Server stopped; every client was told")
	case server.UserJoined:
		s.users = slices.DeleteFunc(s.users, func(u serverUser) bool { return u.nick == ev.Nick })
		s.users = append(s.users, serverUser{nick: ev.Nick, addr: ev.Addr, since: ev.Since})
		s.addLog(ev.Since, actJoin, fmt.Sprintf("%s joined from %s", ev.Nick, formatAddr(ev.Addr)))
	case server.UserLeft:
		s.users = slices.DeleteFunc(s.users, func(u serverUser) bool { return u.nick == ev.Nick })
		kind := actLeave
		if ev.Reason == "kicked" {
			kind = actWarn
		}
		reason := ev.Reason
		if reason == "" {
			reason = "no reason given"
		}
		s.addLog(ev.At, kind, fmt.Sprintf("%s left (%s)", ev.Nick, reason))
	case server.Message:
		if ev.Private {
			s.addLog(ev.At, actPrivate, fmt.Sprintf("%s → %s: private message", ev.From, ev.To))
		} else {
			s.addLog(ev.At, actChat, fmt.Sprintf("[%s] %s: %s", ev.Room, ev.From, oneLine(ev.Text, maxLogText)))
		}
	case server.RoomChanged:
		s.rooms = slices.DeleteFunc(s.rooms, func(r serverRoom) bool { return r.name == ev.Room })
		if len(ev.Members) > 0 {
			s.rooms = append(s.rooms, serverRoom{name: ev.Room, members: slices.Clone(ev.Members)})
			slices.SortFunc(s.rooms, func(a, b serverRoom) int {
				return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
			})
		}
	case server.Notice:
		s.addLog(ev.At, actNotice, oneLine(ev.Text, maxLogText))
	case server.Error:
		s.applyError(ev)
	}
}

func (s *ServerWindow) applyError(ev server.Error) {
	at := ev.At
	if at.IsZero() {
		at = time.Now()
	}
	msg := "unknown error"
	if ev.Err != nil {
		msg = ev.Err.Error()
	}
	title := "Server error"
	switch ev.Op {
	case "start":
		title = "Could not start the server"
		if s.state == stateStarting {
			s.state = stateStopped
		}
		if errors.Is(ev.Err, syscall.EADDRINUSE) {
			msg = "The port is already in use by another program (or another MultiChat server). " +
				"Choose another port, or stop the other program.\n\n" + msg
		}
	case "stop":
		title = "Could not stop the server"
		if s.state == stateStopping {
			if s.bound != "" {
				s.state = stateRunning
			} else {
				s.state = stateStopped
			}
		}
	case "kick":
		title = "Could not kick"
	case "announce":
		title = "Could not send the announcement"
	}
	s.addLog(at, actError, fmt.Sprintf("%s: %s", title, oneLine(msg, maxLogText)))
	if s.closing {
		return // the window is going away; the log is enough
	}
	s.showError(title, errors.New(msg))
}

// showError shows one error dialog at a time; while one is open, later
// errors are only logged, so that a burst cannot bury the window.
func (s *ServerWindow) showError(title string, err error) {
	if s.errShown {
		return
	}
	s.errShown = true
	s.errorDialogs++
	d := dialog.NewError(fmt.Errorf("%s.\n\n%w", title, err), s.win)
	d.SetOnClosed(func() { s.errShown = false })
	d.Show()
}

// reselect keeps the list's selection on the same user after the list
// changed, or clears it when that user is gone.
func (s *ServerWindow) reselect() {
	if s.selected == "" {
		return
	}
	i := slices.IndexFunc(s.users, func(u serverUser) bool { return u.nick == s.selected })
	if i < 0 {
		s.selected = ""
		s.userList.UnselectAll()
		return
	}
	s.userList.Select(i)
}

// updateControls sets every button's enabled state and the status line from
// the window's state.
func (s *ServerWindow) updateControls() {
	running := s.state == stateRunning && !s.closing
	setEnabled(s.host, s.state == stateStopped)
	setEnabled(s.port, s.state == stateStopped)
	setEnabled(s.start, s.state == stateStopped && !s.closing)
	setEnabled(s.stop, running)
	setEnabled(s.kick, running && s.selected != "")
	setEnabled(s.announce, running)
	setEnabled(s.announceBtn, running)
	if s.state == stateRunning {
		s.copyReach.Show()
	} else {
		s.copyReach.Hide() // its placeholder keeps the status line's height
	}

	switch s.state {
	case stateStopped:
		s.stateLabel.SetText("Stopped")
		s.stateLabel.Importance = widget.MediumImportance
		s.reach.SetText("Not serving. Choose the address and port, then press Start.")
		s.counts.SetText("")
	case stateStarting:
		s.stateLabel.SetText("Starting")
		s.stateLabel.Importance = widget.WarningImportance
		s.reach.SetText("")
		s.counts.SetText("")
	case stateRunning:
		s.stateLabel.SetText("Running")
		s.stateLabel.Importance = widget.SuccessImportance
		s.reach.SetText("Clients connect to " + strings.Join(s.reachable(), "  or  "))
		s.counts.SetText(fmt.Sprintf("%s connected · since %s",
			plural(len(s.users), "user", "users"), formatSince(s.since, time.Now())))
	case stateStopping:
		s.stateLabel.SetText("Stopping")
		s.stateLabel.Importance = widget.WarningImportance
		s.counts.SetText("")
	}
	if s.closing {
		s.reach.SetText("Stopping the server before closing")
	}
	s.stateLabel.Refresh()
	s.usersTab.Text = fmt.Sprintf("Users (%d)", len(s.users))
	s.roomsTab.Text = fmt.Sprintf("Rooms (%d)", len(s.rooms))
	s.tabs.Refresh()
}

// reachable lists what clients should type to reach the bound address: the
// machine's LAN IPv4 addresses when listening on every interface.
func (s *ServerWindow) reachable() []string {
	ap, err := netip.ParseAddrPort(s.bound)
	if err != nil {
		if s.bound == "" {
			return nil
		}
		return []string{s.bound}
	}
	port := strconv.Itoa(int(ap.Port()))
	a := ap.Addr().Unmap()
	switch {
	case a.IsUnspecified():
		var out []string
		for _, ip := range s.lanAddrs() {
			out = append(out, net.JoinHostPort(ip.String(), port))
		}
		if len(out) == 0 {
			out = []string{net.JoinHostPort("127.0.0.1", port) + " (no network found: this computer only)"}
		}
		return out
	case a.IsLoopback():
		return []string{net.JoinHostPort(a.String(), port) + " (this computer only)"}
	}
	return []string{net.JoinHostPort(a.String(), port)}
}

// --- activity log ---

func (s *ServerWindow) addLog(at time.Time, kind activityKind, text string) {
	if at.IsZero() {
		at = time.Now()
	}
	s.lines = append(s.lines, activityLine{at: at, kind: kind, text: text})
}

// logNow adds a line from a user action (outside applyBatch) and shows it.
func (s *ServerWindow) logNow(kind activityKind, text string) {
	follow := s.logAtBottom()
	s.addLog(time.Now(), kind, text)
	s.log.Refresh()
	if follow {
		s.log.ScrollToBottom()
	}
}

// logAtBottom reports whether the log shows (most of) its last line, so that
// new lines should scroll it.
func (s *ServerWindow) logAtBottom() bool {
	n := len(s.lines)
	if n == 0 {
		return true
	}
	pad := theme.Padding()
	content := float32(n)*(s.logItemHt+pad) - pad
	return s.log.GetScrollOffset()+s.log.Size().Height >= content-s.logItemHt
}

// trimLog drops the oldest lines beyond maxLogLines, keeping the view on the
// same lines when the user has scrolled up.
func (s *ServerWindow) trimLog(follow bool) {
	if len(s.lines) <= maxLogLines+logTrimSlack {
		return
	}
	drop := len(s.lines) - maxLogLines
	s.lines = slices.Clone(s.lines[drop:])
	if !follow {
		off := s.log.GetScrollOffset() - float32(drop)*(s.logItemHt+theme.Padding())
		s.log.Refresh()
		s.log.ScrollToOffset(max(off, 0))
	}
}
