package gui

import (
	"errors"
	"fmt"
	"image/color"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
)

// Server window defaults and limits.
const (
	ServerTitle       = "MultiChat Server"
	DefaultListenHost = "0.0.0.0" // every interface
	DefaultListenPort = 7878      // as chatserver -addr

	defaultKickReason = server.DefaultKickReason
	maxAnnounceBytes  = 4 << 10 // the server's default text limit
	maxLogLines       = 10000   // the activity log keeps the last this many lines
	logTrimSlack      = 1000    // …trimmed in chunks of this many
	maxLogText        = 400     // characters of a chat line shown in the log
	closeTimeout      = 3 * time.Second

	prefHost = "server.listen.host"
	prefPort = "server.listen.port"
	prefName = "server.name"
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

type activityLine struct {
	at   time.Time
	kind activityKind
	text string
}

// ServerWindow is the server app's window: listen address, Start and Stop,
// the status line, the connected users and rooms, Kick, Announce and the
// activity log. It talks to server.Run only through the command and event
// channels it was built with; apply is the only code that changes its state.
type ServerWindow struct {
	app fyne.App
	win fyne.Window
	out *outbox[server.Command] // to cmds, in order, never blocking

	// uiDo, when set, runs f on the goroutine that owns the widgets; nil means
	// the pump is already there (fyne.Do) and timers use fyne.Do. Tests set
	// it so that the pump and the test share one goroutine.
	uiDo func(f func())

	state     serverState
	bound     string      // address from Started
	since     time.Time   // from Started
	identity  string      // from Started: the certificate's fingerprint, or "not encrypted"
	closing   bool        // the user closed the window; close on Stopped
	closeBy   *time.Timer // …or when this fires (closeTimeout)
	closed    bool
	errShown  bool // an error dialog is open; further errors only go to the log
	lanAddrs  func() []netip.Addr
	announced string // the LAN announcement's state, from Announced ("" until then)
	lanFailed bool   // announced says why clients cannot find the server
	users     []serverUser
	selected  string // nickname selected in the user list
	rooms     []serverRoom
	lines     []activityLine
	logItemHt float32

	name         *widget.Entry
	host, port   *widget.Entry
	start, stop  *widget.Button
	stateLabel   *widget.Label
	reach        *widget.Label
	lan          *widget.Label
	copyReach    *widget.Button
	counts       *widget.Label
	userList     *widget.List
	kick         *widget.Button
	roomList     *widget.List
	tabs         *container.AppTabs
	usersTab     *container.TabItem
	roomsTab     *container.TabItem
	log          *widget.List
	announce     *widget.Entry
	announceBtn  *widget.Button
	identityText *widget.Label  // the fingerprint users compare with their client's
	passwordBtn  *widget.Button // sets or removes the server password
	errorDialogs int            // shown so far, for tests
}

// NewServerWindow builds the server window in w, wires it to a server's
// command and event channels and starts its pump. cmds should be buffered;
// the window never blocks on it and never drops a command. The window is
// not shown: call w.Show or w.ShowAndRun.
func NewServerWindow(a fyne.App, w fyne.Window, cmds chan<- server.Command, events <-chan server.Event) *ServerWindow {
	s := newServerWindow(a, w, cmds)
	s.attach(events)
	return s
}

// newServerWindow builds the window without a pump.
func newServerWindow(a fyne.App, w fyne.Window, cmds chan<- server.Command) *ServerWindow {
	s := &ServerWindow{app: a, win: w, out: newOutbox(cmds), lanAddrs: lanIPv4s}
	s.build()
	w.SetTitle(ServerTitle)
	w.SetContent(s.content())
	w.SetMainMenu(s.menu())
	w.Resize(fyne.NewSize(1040, 660))
	w.SetCloseIntercept(s.requestClose)
	w.SetOnClosed(func() {
		s.closed = true
		s.out.close()
		if s.closeBy != nil {
			s.closeBy.Stop()
		}
	})
	s.updateControls()
	return s
}

// attach starts the pump that feeds events to apply.
func (s *ServerWindow) attach(events <-chan server.Event) <-chan struct{} {
	return pump(events, func(batch []server.Event) {
		if s.uiDo != nil {
			s.uiDo(func() { s.applyBatch(batch) })
			return
		}
		s.applyBatch(batch)
	})
}

// SetListenAddress fills the host and port fields from "host:port" (for
// example from a command-line flag), as if the user had typed them.
func (s *ServerWindow) SetListenAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" {
		host = DefaultListenHost
	}
	s.host.SetText(host)
	s.port.SetText(port)
	return nil
}

// SetServerName fills the server name field (for example from a
// command-line flag), as if the user had typed it.
func (s *ServerWindow) SetServerName(name string) { s.name.SetText(name) }

// later runs f on the UI goroutine after d, unless the timer is stopped.
func (s *ServerWindow) later(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() {
		if s.uiDo != nil {
			s.uiDo(f)
			return
		}
		fyne.Do(f)
	})
}

func (s *ServerWindow) build() {
	prefs := s.app.Preferences()

	s.name = widget.NewEntry()
	s.name.SetPlaceHolder(discovery.DefaultName())
	s.name.SetText(prefs.StringWithFallback(prefName, ""))
	s.name.OnSubmitted = func(string) { s.startTapped() }
	s.host = widget.NewEntry()
	s.host.SetPlaceHolder("0.0.0.0 = every network interface")
	s.host.SetText(prefs.StringWithFallback(prefHost, DefaultListenHost))
	s.host.OnSubmitted = func(string) { s.startTapped() }
	s.port = widget.NewEntry()
	s.port.SetPlaceHolder(strconv.Itoa(DefaultListenPort))
	s.port.SetText(strconv.Itoa(prefs.IntWithFallback(prefPort, DefaultListenPort)))
	s.port.OnSubmitted = func(string) { s.startTapped() }

	s.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), s.startTapped)
	s.start.Importance = widget.HighImportance
	s.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), s.stopTapped)

	s.stateLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.reach = widget.NewLabel("")
	s.reach.Truncation = fyne.TextTruncateEllipsis
	s.copyReach = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), s.copyAddress)
	s.copyReach.Importance = widget.LowImportance
	s.counts = widget.NewLabel("")
	s.lan = widget.NewLabel("")
	s.lan.Truncation = fyne.TextTruncateEllipsis

	s.userList = widget.NewList(
		func() int { return len(s.users) },
		func() fyne.CanvasObject { return newColumnsRow(userColumns, false) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.users) {
				return
			}
			u := s.users[id]
			setColumns(o, u.nick, formatAddr(u.addr), formatSince(u.since, time.Now()))
		})
	s.userList.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(s.users) {
			s.selected = s.users[id].nick
		}
		s.updateControls()
	}
	s.userList.OnUnselected = func(widget.ListItemID) {
		s.selected = ""
		s.updateControls()
	}
	s.kick = widget.NewButtonWithIcon("Kick", theme.ContentRemoveIcon(), s.kickTapped)
	s.kick.Importance = widget.DangerImportance

	s.roomList = widget.NewList(
		func() int { return len(s.rooms) },
		func() fyne.CanvasObject { return newColumnsRow(roomColumns, false) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.rooms) {
				return
			}
			r := s.rooms[id]
			setColumns(o, r.name, strconv.Itoa(len(r.members)), strings.Join(r.members, ", "))
		})
	s.roomList.OnSelected = func(id widget.ListItemID) { s.roomList.Unselect(id) }

	s.log = widget.NewList(
		func() int { return len(s.lines) },
		func() fyne.CanvasObject {
			at := widget.NewLabel("00:00:00")
			at.Importance = widget.LowImportance
			text := widget.NewLabel("")
			text.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, at, nil, text)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.lines) {
				return
			}
			ln := s.lines[id]
			c := o.(*fyne.Container)
			text, at := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label)
			at.SetText(ln.at.Format("15:04:05"))
			text.Importance = ln.kind.importance()
			text.TextStyle.Bold = ln.kind == actNotice || ln.kind == actError
			text.TextStyle.Italic = ln.kind == actPrivate
			text.SetText(ln.text)
		})
	s.log.OnSelected = func(id widget.ListItemID) { s.log.Unselect(id) }
	s.logItemHt = s.log.CreateItem().MinSize().Height

	s.announce = widget.NewEntry()
	s.announce.SetPlaceHolder("Announcement to everyone (Enter sends)")
	s.announce.OnSubmitted = func(string) { s.announceTapped() }
	s.announceBtn = widget.NewButtonWithIcon("Announce", theme.MailSendIcon(), s.announceTapped)

	s.identityText = widget.NewLabel("")
	s.identityText.Selectable = true
	s.identityText.Truncation = fyne.TextTruncateEllipsis
	s.passwordBtn = widget.NewButtonWithIcon("Password…", theme.VisibilityOffIcon(), s.passwordTapped)
}

func (s *ServerWindow) content() fyne.CanvasObject {
	hostField := container.NewBorder(nil, nil, widget.NewLabel("Listen on"), nil, s.host)
	portField := container.NewBorder(nil, nil, widget.NewLabel("Port"), nil,
		container.NewGridWrap(fyne.NewSize(90, s.port.MinSize().Height), s.port))
	buttons := container.NewHBox(s.start, s.stop)
	nameField := container.NewBorder(nil, nil, widget.NewLabel("Server name"), nil, s.name)
	top := container.NewBorder(nameField, nil, nil, container.NewHBox(portField, buttons), hostField)

	status := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.InfoIcon()), s.stateLabel),
		s.counts,
		container.NewBorder(nil, nil, nil, container.NewStack(placeholder(s.copyReach), s.copyReach), s.reach))

	usersPane := container.NewBorder(
		container.NewVBox(newColumnsRow(userColumns, true), widget.NewSeparator()),
		container.NewHBox(layout.NewSpacer(), s.kick), nil, nil, s.userList)
	roomsPane := container.NewBorder(
		container.NewVBox(newColumnsRow(roomColumns, true), widget.NewSeparator()),
		nil, nil, nil, s.roomList)
	s.usersTab = container.NewTabItemWithIcon("Users", theme.AccountIcon(), usersPane)
	s.roomsTab = container.NewTabItemWithIcon("Rooms", theme.ListIcon(), roomsPane)
	s.tabs = container.NewAppTabs(s.usersTab, s.roomsTab)

	logPane := container.NewBorder(
		widget.NewLabelWithStyle("Activity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, s.log)
	split := container.NewHSplit(s.tabs, logPane)
	split.Offset = 0.46

	bottom := container.NewBorder(nil, nil, nil, s.announceBtn, s.announce)

	identity := container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), s.passwordBtn, s.identityText)

	return container.NewBorder(
		container.NewVBox(top, status, identity, s.lan, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), bottom),
		nil, nil, split)
}

func (s *ServerWindow) menu() *fyne.MainMenu {
	quit := fyne.NewMenuItem("Quit", nil) // the driver makes it close the window, through requestClose
	quit.IsQuit = true
	return fyne.NewMainMenu(
		fyne.NewMenu("File", quit),
		fyne.NewMenu("Help", fyne.NewMenuItem("About", func() { ShowAbout(s.win, ServerTitle) })),
	)
}

// placeholder is an invisible rectangle the size of o, so that hiding o
// does not move what is around it.
func placeholder(o fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(o.MinSize())
	return r
}

// A column of the user and room lists: its title and share of the width.
type column struct {
	title  string
	weight float32
}

var (
	userColumns = []column{{"Nickname", 0.34}, {"Address", 0.38}, {"Connected since", 0.28}}
	roomColumns = []column{{"Room", 0.3}, {"Members", 0.16}, {"Who", 0.54}}
)

// newColumnsRow builds a list row (or, with header, the bold title row) of
// truncating labels laid out in the columns' proportions.
func newColumnsRow(cols []column, header bool) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(cols))
	weights := make([]float32, len(cols))
	for i, c := range cols {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		if header {
			l.Text = c.title
			l.TextStyle.Bold = true
		}
		objs[i] = l
		weights[i] = c.weight
	}
	return container.New(columnsLayout(weights), objs...)
}

// setColumns shows texts in a row made by newColumnsRow.
func setColumns(row fyne.CanvasObject, texts ...string) {
	for i, o := range row.(*fyne.Container).Objects {
		o.(*widget.Label).SetText(texts[i])
	}
}

// columnsLayout places objects side by side, each taking its weight's share
// of the width.
type columnsLayout []float32

func (c columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var total float32
	for _, w := range c {
		total += w
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width * c[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (c columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

// --- user actions (on Fyne's goroutine; they never block) ---

func (s *ServerWindow) startTapped() {
	if s.state != stateStopped {
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
	name := strings.TrimSpace(s.name.Text)
	prefs.SetString(prefName, name)
	if p, err := strconv.Atoi(port); err == nil {
		prefs.SetInt(prefPort, p)
	}
	s.state = stateStarting
	s.logNow(actInfo, "Starting on "+addr)
	s.out.send(server.Start{Addr: addr, Name: name})
	s.updateControls()
}

func (s *ServerWindow) stopTapped() {
	if s.state != stateRunning {
		return
	}
	s.state = stateStopping
	s.out.send(server.Stop{})
	s.updateControls()
}

func (s *ServerWindow) kickTapped() {
	if s.selected == "" || s.state != stateRunning {
		return
	}
	nick := s.selected
	reason := widget.NewEntry()
	reason.SetText(defaultKickReason)
	items := []*widget.FormItem{
		widget.NewFormItem("User", widget.NewLabelWithStyle(nick, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		widget.NewFormItem("Reason", reason),
	}
	d := dialog.NewForm("Kick "+nick+"?", "Kick", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		r := strings.TrimSpace(reason.Text)
		if r == "" {
			r = defaultKickReason
		}
		s.out.send(server.Kick{Nick: nick, Reason: r})
	}, s.win)
	reason.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(reason)
}

func (s *ServerWindow) announceTapped() {
	if s.state != stateRunning {
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

// passwordTapped asks for the server password ("class code"); an empty one
// removes it. The window keeps nothing: the server stores only a hash.
func (s *ServerWindow) passwordTapped() {
	if s.state != stateRunning {
		return
	}
	pw := widget.NewPasswordEntry()
	pw.SetPlaceHolder("empty: no password")
	items := []*widget.FormItem{widget.NewFormItem("Password", pw)}
	d := dialog.NewForm("Server password", "Set", "Cancel", items, func(ok bool) {
		if ok {
			s.out.send(server.SetPassword{Password: pw.Text})
		}
	}, s.win)
	pw.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(pw)
}

// identityLine says how users recognise this server.
func identityLine(ev server.Started) string {
	if !ev.TLS {
		return "Not encrypted: the server runs without TLS (plaintext)"
	}
	return "Fingerprint " + ev.Fingerprint.String() + "  (users check it when their client first asks)"
}

func (s *ServerWindow) copyAddress() {
	if addrs := s.reachable(); len(addrs) > 0 {
		s.app.Clipboard().SetContent(addrs[0])
	}
}

// requestClose is the window's close intercept: while serving it stops the
// server first and closes on Stopped, or after closeTimeout at the latest.
func (s *ServerWindow) requestClose() {
	if s.state == stateStopped || s.closing {
		s.closeNow()
		return
	}
	s.closing = true
	if s.state == stateRunning || s.state == stateStarting {
		s.state = stateStopping
		s.out.send(server.Stop{})
	}
	s.updateControls()
	s.closeBy = s.later(closeTimeout, s.closeNow)
}

func (s *ServerWindow) closeNow() {
	if s.closed {
		return
	}
	s.closed = true
	s.win.Close()
}

// --- events ---

// applyBatch applies a burst of events, then refreshes what changed once.
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
		s.identity = identityLine(ev)
		s.addLog(ev.At, actJoin, "Server started, listening on "+ev.Addr+". "+s.identity)
	case server.Stopped:
		s.state = stateStopped
		s.bound = ""
		s.users = nil
		s.rooms = nil
		s.announced, s.lanFailed = "", false
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
	case server.Announced:
		s.lanFailed = ev.Err != nil
		if s.lanFailed {
			s.announced = ev.Err.Error()
			s.addLog(ev.At, actError, s.announced)
		} else {
			s.announced = fmt.Sprintf("Announced on the LAN as “%s”: clients on this network see it in their list", ev.Name)
			s.addLog(ev.At, actNotice, s.announced)
		}
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
	setEnabled(s.name, s.state == stateStopped)
	setEnabled(s.host, s.state == stateStopped)
	setEnabled(s.port, s.state == stateStopped)
	setEnabled(s.start, s.state == stateStopped && !s.closing)
	setEnabled(s.stop, running)
	setEnabled(s.kick, running && s.selected != "")
	setEnabled(s.announce, running)
	setEnabled(s.announceBtn, running)
	setEnabled(s.passwordBtn, running)
	if s.state == stateRunning {
		s.identityText.SetText(s.identity)
	} else {
		s.identityText.SetText("")
	}
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
	s.lan.SetText(s.announced)
	s.lan.Importance = widget.LowImportance
	if s.lanFailed {
		s.lan.Importance = widget.WarningImportance
	}
	if s.announced == "" {
		s.lan.Hide()
	} else {
		s.lan.Show()
	}
	s.lan.Refresh()
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

// --- helpers ---

var hostnameRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// listenAddr checks the host and port typed by the user and joins them. An
// empty host means every interface.
func listenAddr(host, port string) (string, error) {
	host = strings.TrimSpace(host)
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		host = DefaultListenHost
	}
	if _, err := netip.ParseAddr(host); err != nil && !validHostname(host) {
		return "", fmt.Errorf("%q is not an IP address or host name (use 0.0.0.0 for every network interface)", host)
	}
	port = strings.TrimSpace(port)
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("the port must be a number from 1 to 65535, not %q", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// validHostname reports whether h is a DNS host name (RFC 1123); a name
// whose last label is all digits is a mistyped IP address, not a name.
func validHostname(h string) bool {
	if len(h) > 253 || !hostnameRE.MatchString(h) {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// lanIPv4s lists the IPv4 addresses of the interfaces that are up, other
// than loopback and link-local ones.
func lanIPv4s() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		for _, ip := range discovery.Addrs(ifc) {
			if ip.Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !slices.Contains(out, ip) {
				out = append(out, ip)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func formatAddr(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "?"
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// formatSince shows a time of day, with the date when it is not today.
func formatSince(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04")
}

// oneLine makes text fit one log line: control characters become spaces,
// newlines "↵", and it is cut after max characters.
func oneLine(text string, limit int) string {
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
