package gui

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/server"
)

// --- events ---

// applyBatch applies a burst of events to the model, then refreshes what
// changed once.
func (s *ServerWindow) applyBatch(batch []server.Event) {
	follow := s.logAtBottom()
	nLines := len(s.m.lines)
	var ch serverChange
	for _, ev := range batch {
		ch.add(s.m.apply(ev))
	}
	ch.log = len(s.m.lines) != nLines
	s.trimLog(follow)
	s.render(ch)
	if ch.log && follow {
		s.log.ScrollToBottom()
	}
	if ch.alert != nil {
		s.showError(ch.alert.title, errors.New(ch.alert.msg))
	}
	if s.m.closing && s.m.state == stateStopped {
		s.closeNow()
	}
}

// render refreshes the widgets that show what ch says changed.
func (s *ServerWindow) render(ch serverChange) {
	if ch.users {
		s.users.Refresh()
	}
	if ch.rooms {
		s.roomList.Refresh()
	}
	if ch.log {
		s.log.Refresh()
	}
	s.updateControls()
}

// updateControls sets every button's enabled state, the status line and the
// title from the model.
func (s *ServerWindow) updateControls() {
	m := s.m
	running := m.state == stateRunning && !m.closing
	nSel := len(m.selected)
	setEnabled(s.host, m.state == stateStopped)
	setEnabled(s.port, m.state == stateStopped)
	setEnabled(s.start, m.state == stateStopped && !m.closing)
	setEnabled(s.stop, running)
	setEnabled(s.kick, running && nSel > 0)
	setEnabled(s.announce, running)
	setEnabled(s.announceBtn, running)
	setEnabled(s.selectAll, len(m.shown) > 0 || nSel > 0)
	if nSel > 0 {
		s.kick.SetText(fmt.Sprintf("Kick %d…", nSel))
		s.selectAll.SetText(fmt.Sprintf("Clear selection (%d)", nSel))
	} else {
		s.kick.SetText("Kick…")
		s.selectAll.SetText("Select all shown")
	}
	if m.state == stateRunning {
		s.copyReach.Show()
	} else {
		s.copyReach.Hide() // its placeholder keeps the status line's height
	}

	switch m.state {
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
		s.reach.SetText("Clients connect to " + strings.Join(m.reachable(), "  or  "))
		s.counts.SetText(fmt.Sprintf("%s connected · since %s",
			plural(len(m.users), "user", "users"), formatSince(m.since, time.Now())))
	case stateStopping:
		s.stateLabel.SetText("Stopping")
		s.stateLabel.Importance = widget.WarningImportance
		s.counts.SetText("")
	}
	if m.closing {
		s.reach.SetText("Stopping the server before closing")
	}
	s.stateLabel.Refresh()
	s.win.SetTitle(m.title())
	users := strconv.Itoa(len(m.users))
	if len(m.shown) != len(m.users) {
		users = fmt.Sprintf("%d of %d", len(m.shown), len(m.users))
	}
	s.usersTab.Text = "Users (" + users + ")"
	s.roomsTab.Text = fmt.Sprintf("Rooms (%d)", len(m.rooms))
	s.tabs.Refresh()
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

// --- activity log ---

func (s *ServerWindow) buildLog() {
	s.log = widget.NewList(
		func() int { return len(s.m.lines) },
		func() fyne.CanvasObject {
			at := widget.NewLabel("00:00:00")
			at.Importance = widget.LowImportance
			text := widget.NewLabel("")
			text.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, at, nil, text)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.m.lines) {
				return
			}
			ln := s.m.lines[id]
			c := o.(*fyne.Container)
			text, at := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label)
			at.SetText(ln.at.Format("15:04:05"))
			text.Importance = ln.kind.importance()
			text.TextStyle.Bold = ln.kind == actNotice || ln.kind == actError
			text.TextStyle.Italic = ln.kind == actPrivate
			text.SetText(ln.text)
		})
	s.log.OnSelected = s.showDetail
	s.log.OnUnselected = func(widget.ListItemID) { s.hideDetail() }
	s.logItemHt = s.log.CreateItem().MinSize().Height

	s.detail = widget.NewLabel("")
	s.detail.Wrapping = fyne.TextWrapWord
	s.detail.Selectable = true
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), s.copyDetail)
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.log.UnselectAll() })
	closeBtn.Importance = widget.LowImportance
	scroll := container.NewVScroll(s.detail)
	scroll.SetMinSize(fyne.NewSize(0, 96))
	s.detailPane = container.NewBorder(widget.NewSeparator(), nil, nil,
		container.NewVBox(copyBtn, closeBtn), scroll)
	s.detailPane.Hide()
}

func (s *ServerWindow) logPane() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Activity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel("click a line to read or copy it in full")
	hint.Importance = widget.LowImportance
	hint.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(container.NewBorder(nil, nil, title, nil, hint), s.detailPane, nil, nil, s.log)
}

// showDetail shows the full text of log line id under the log.
func (s *ServerWindow) showDetail(id widget.ListItemID) {
	if id < 0 || id >= len(s.m.lines) {
		return
	}
	s.logSel = id
	s.detail.SetText(s.m.lines[id].copyText())
	s.detailPane.Show()
}

func (s *ServerWindow) hideDetail() {
	s.logSel = -1
	s.detailPane.Hide()
}

// copyDetail puts the selected log line on the clipboard.
func (s *ServerWindow) copyDetail() {
	if s.logSel >= 0 && s.logSel < len(s.m.lines) {
		s.app.Clipboard().SetContent(s.m.lines[s.logSel].copyText())
	}
}

// logNow shows a line the model added for a user action (outside
// applyBatch).
func (s *ServerWindow) logNow(follow bool) {
	s.log.Refresh()
	if follow {
		s.log.ScrollToBottom()
	}
}

// logAtBottom reports whether the log shows (most of) its last line, so that
// new lines should scroll it.
func (s *ServerWindow) logAtBottom() bool {
	n := len(s.m.lines)
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
	drop := s.m.trimLog()
	if drop == 0 {
		return
	}
	if s.logSel >= 0 {
		s.log.UnselectAll()
	}
	if !follow {
		off := s.log.GetScrollOffset() - float32(drop)*(s.logItemHt+theme.Padding())
		s.log.Refresh()
		s.log.ScrollToOffset(max(off, 0))
	}
}

func (k activityKind) importance() widget.Importance {
	switch k {
	case actJoin:
		return widget.SuccessImportance
	case actNotice:
		return widget.HighImportance
	case actWarn:
		return widget.WarningImportance
	case actError:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// --- user actions (on Fyne's goroutine; they never block) ---

func (s *ServerWindow) startTapped() {
	if s.m.state != stateStopped {
		return
	}
	addr, err := listenAddr(s.host.Text, s.port.Text)
	if err != nil {
		s.showError("Invalid listen address", err)
		return
	}
	host, port, _ := net.SplitHostPort(addr)
	prefs := s.app.Preferences()
	prefs.SetString(prefHost, host)
	if p, err := strconv.Atoi(port); err == nil {
		prefs.SetInt(prefPort, p)
	}
	follow := s.logAtBottom()
	if !s.m.start(addr) {
		return
	}
	s.out.send(server.Start{Addr: addr})
	s.logNow(follow)
	s.updateControls()
}

// stopTapped asks first while people are connected.
func (s *ServerWindow) stopTapped() {
	s.confirmStop(false, func() {
		if s.m.stop() {
			s.out.send(server.Stop{})
			s.updateControls()
		}
	})
}

// confirmStop runs then at once when nobody is connected, otherwise after
// the user agreed to "33 people are connected. Stop the server?".
func (s *ServerWindow) confirmStop(closing bool, then func()) {
	q := s.m.stopQuestion(closing)
	if q == "" {
		then()
		return
	}
	if s.askOpen {
		return
	}
	s.askOpen = true
	d := dialog.NewConfirm("Stop the server?", q, func(ok bool) {
		s.askOpen = false
		if ok {
			then()
		}
	}, s.win)
	d.SetConfirmText("Stop the server")
	d.SetDismissText("Keep running")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (s *ServerWindow) announceTapped() {
	if s.m.state != stateRunning {
		return
	}
	text := strings.TrimSpace(s.announce.Text)
	if text == "" {
		return
	}
	if len(text) > maxAnnounceBytes {
		s.showError("Announcement too long",
			fmt.Errorf("an announcement can be at most %d bytes; this one is %d", maxAnnounceBytes, len(text)))
		return
	}
	s.out.send(server.Announce{Text: text})
	s.announce.SetText("")
}

func (s *ServerWindow) copyAddress() {
	if addrs := s.m.reachable(); len(addrs) > 0 {
		s.app.Clipboard().SetContent(addrs[0])
	}
}

// requestClose is the window's close intercept: while people are connected
// it asks first; while serving it stops the server and closes on Stopped,
// or after closeTimeout at the latest.
func (s *ServerWindow) requestClose() {
	if s.m.state == stateStopped || s.m.closing {
		s.closeNow()
		return
	}
	s.confirmStop(true, func() {
		if s.m.closing || s.closed {
			return
		}
		if s.m.close() {
			s.out.send(server.Stop{})
		}
		if s.m.state == stateStopped {
			s.closeNow()
			return
		}
		s.updateControls()
		s.closeBy = s.later(closeTimeout, s.closeNow)
	})
}

func (s *ServerWindow) closeNow() {
	if s.closed {
		return
	}
	s.closed = true
	s.win.Close()
}
