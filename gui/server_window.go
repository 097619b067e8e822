package gui

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// Server window defaults and limits.
const (
	ServerTitle       = "MultiChat Server"
	DefaultListenHost = "0.0.0.0" // every interface
	DefaultListenPort = 7878      // as chatserver -addr

	defaultKickReason = server.DefaultKickReason
	maxAnnounceBytes  = wire.DefaultMaxText // the server's default text limit
	maxLogLines       = 10000               // the activity log keeps the last this many lines
	logTrimSlack      = 1000                // …trimmed in chunks of this many
	closeTimeout      = 3 * time.Second

	prefHost      = "server.listen.host"
	prefPort      = "server.listen.port"
	prefName      = "server.name"
	prefAutoStart = "server.autostart"
)

// ServerWindow is the server app's window: listen address, Start and Stop,
// the status line, the connected users and rooms, Kick, Announce and the
// activity log. It talks to server.Run only through the command and event
// channels it was built with. Its state is a servermodel.Model; applyBatch
// folds events into it and then redraws what changed.
type ServerWindow struct {
	app fyne.App
	win fyne.Window
	out *outbox[server.Command] // to cmds, in order, never blocking

	// uiDo, when set, runs f on the goroutine that owns the widgets; nil means
	// the pump is already there (fyne.Do) and timers use fyne.Do. Tests set
	// it so that the pump and the test share one goroutine.
	uiDo func(f func())

	m servermodel.Model

	closeBy   *time.Timer // closes the window if Stopped does not come (closeTimeout)
	closed    bool
	gone      atomic.Bool // Detach: the app's loop has ended, events are no longer drawn
	errShown  bool        // an error dialog is open; further errors only go to the log
	lanAddrs  func() []netip.Addr
	askOpen   bool // a Stop or Close confirmation is open
	logItemHt float32
	logSel    int // selected activity line, -1 for none

	name         *widget.Entry
	host, port   *widget.Entry
	start, stop  *widget.Button
	stateLabel   *widget.Label
	reach        *widget.Label
	lan          *widget.Label
	security     *widget.Label // fingerprint or plaintext warning, selectable
	securityIcon *widget.Icon
	copyFP       *widget.Button
	access       *widget.Label // "Password required"
	password     *widget.Button
	filesBtn     *widget.Button // Files… (server_window_files.go)
	files        filePolicy
	copyReach    *widget.Button
	counts       *widget.Label
	autoStart    *widget.Check
	users        *widget.Table
	filter       *widget.Entry
	selectAll    *widget.Button
	kick         *widget.Button
	userActions  *fyne.Container // Kick, and where moderation adds Mute
	roomList     *widget.List
	tabs         *container.AppTabs
	usersTab     *container.TabItem
	roomsTab     *container.TabItem
	log          *widget.List
	detail       *widget.Label
	detailPane   *fyne.Container
	announce     *imeEntry
	announceBtn  *widget.Button
	errorDialogs int // shown so far, for tests

	history *historyTab // the History tab (server_window_history.go); nil without history
	mod     modWidgets  // moderation: server_window_moderation.go

	gateways   *gatewayRow     // the gateway switches (server_window_gateways.go); nil without them
	gatewayBox *fyne.Container // holds them once ShowGateways is called
	cluster    *clusterView    // the Cluster tab; nil until the server is known to be in a cluster
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
	s := &ServerWindow{app: a, win: w, out: newOutbox(cmds), lanAddrs: lanIPv4s, logSel: -1}
	s.build()
	w.SetTitle(serverTitle())
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

// Detach is called once the app's loop has ended (after ShowAndRun): the
// events that still come while the server stops are read but not drawn, as
// the graphics are gone (Fyne then runs queued functions at once, and a
// widget change would touch a terminated GLFW).
func (s *ServerWindow) Detach() { s.gone.Store(true) }

// attach starts the pump that feeds events to apply.
func (s *ServerWindow) attach(events <-chan server.Event) <-chan struct{} {
	return pump(events, func(batch []server.Event) {
		if s.gone.Load() {
			return
		}
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

// StartIfAsked starts serving when the admin ticked "Start serving when the
// app opens". Call it once, after SetListenAddress and SetServerName.
func (s *ServerWindow) StartIfAsked() {
	if s.autoStart.Checked {
		s.startTapped()
	}
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
	s.host.SetPlaceHolder(lang.L("0.0.0.0 = every network interface"))
	s.host.SetText(prefs.StringWithFallback(prefHost, DefaultListenHost))
	s.host.OnSubmitted = func(string) { s.startTapped() }
	s.port = widget.NewEntry()
	s.port.SetPlaceHolder(strconv.Itoa(DefaultListenPort))
	s.port.SetText(strconv.Itoa(prefs.IntWithFallback(prefPort, DefaultListenPort)))
	s.port.OnSubmitted = func(string) { s.startTapped() }

	s.start = widget.NewButtonWithIcon(lang.L("Start"), theme.MediaPlayIcon(), s.startTapped)
	s.start.Importance = widget.HighImportance
	s.stop = widget.NewButtonWithIcon(lang.L("Stop"), theme.MediaStopIcon(), s.stopTapped)
	s.autoStart = widget.NewCheck(lang.L("Start serving when the app opens"), func(on bool) {
		s.app.Preferences().SetBool(prefAutoStart, on)
	})
	s.autoStart.Checked = prefs.Bool(prefAutoStart)

	s.stateLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.reach = widget.NewLabel("") // not truncated: its length sets the window's least width
	s.copyReach = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), s.copyAddress)
	s.copyReach.Importance = widget.LowImportance
	s.counts = widget.NewLabel("")
	s.lan = widget.NewLabel("")
	s.lan.Truncation = fyne.TextTruncateEllipsis
	s.buildTrust()
	s.buildFiles()
	s.gatewayBox = container.NewVBox()

	s.buildUsers()
	s.buildModeration()

	s.roomList = widget.NewList(
		func() int { return len(s.m.Rooms) },
		func() fyne.CanvasObject { return newColumnsRow(roomColumns(), false) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.m.Rooms) {
				return
			}
			r := s.m.Rooms[id]
			setColumns(o, servermodel.RoomName(r.Name), strconv.Itoa(len(r.Members)), strings.Join(r.Members, ", "))
		})
	s.roomList.OnSelected = func(id widget.ListItemID) { s.roomList.Unselect(id) }

	s.log = widget.NewList(
		func() int { return len(s.m.Lines) },
		func() fyne.CanvasObject { return timedRow("00:00:00") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.m.Lines) {
				return
			}
			ln := s.m.Lines[id]
			c := o.(*fyne.Container)
			text, at := c.Objects[0].(*widget.Label), c.Objects[1].(*widget.Label)
			at.SetText(ln.At.Format("15:04:05"))
			text.Importance = kindImportance(ln.Kind)
			text.TextStyle.Bold = ln.Kind == servermodel.Notice || ln.Kind == servermodel.Error
			text.TextStyle.Italic = ln.Kind == servermodel.Private
			text.SetText(ln.Text)
		})
	s.logItemHt = s.log.CreateItem().MinSize().Height
	s.buildDetail()

	s.announce = newIMEEntry()
	s.announce.SetPlaceHolder(lang.L("Announcement to everyone (Enter sends)"))
	s.announce.OnSubmitted = func(string) { s.announceTapped() }
	s.announceBtn = widget.NewButtonWithIcon(lang.L("Announce"), theme.MailSendIcon(), s.announceTapped)
}

func (s *ServerWindow) content() fyne.CanvasObject {
	hostField := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Listen on")), nil, s.host)
	portField := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Port")), nil,
		container.NewGridWrap(fyne.NewSize(90, s.port.MinSize().Height), s.port))
	buttons := container.NewHBox(s.start, s.stop, s.password, s.filesBtn)
	startOpts := container.NewHBox(s.autoStart)
	nameField := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Server name")), nil, s.name)
	top := container.NewBorder(container.NewBorder(nil, nil, nil, startOpts, nameField), nil, nil,
		container.NewHBox(portField, buttons), hostField)

	status := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.InfoIcon()), s.stateLabel),
		container.NewHBox(s.counts, s.access),
		container.NewHBox(s.reach, container.NewStack(placeholder(s.copyReach), s.copyReach)))

	usersPane := s.usersPane()
	roomsPane := container.NewBorder(
		container.NewVBox(newColumnsRow(roomColumns(), true), widget.NewSeparator()),
		nil, nil, nil, s.roomList)
	s.usersTab = container.NewTabItemWithIcon(lang.L("Users"), theme.AccountIcon(), usersPane)
	s.roomsTab = container.NewTabItemWithIcon(lang.L("Rooms"), theme.ListIcon(), roomsPane)
	s.tabs = container.NewAppTabs(s.usersTab, s.roomsTab, s.mod.modTab)

	logPane := s.logPane()
	split := container.NewHSplit(s.tabs, logPane)
	split.Offset = 0.5

	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(s.mod.pin, s.announceBtn), s.announce)

	return container.NewBorder(
		container.NewVBox(top, status, s.trustRow(), s.gatewayBox, s.lan, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), bottom),
		nil, nil, split)
}

func (s *ServerWindow) menu() *fyne.MainMenu {
	quit := fyne.NewMenuItem(lang.L("Quit"), nil) // the driver makes it close the window, through requestClose
	quit.IsQuit = true
	return fyne.NewMainMenu(
		fyne.NewMenu(lang.L("File"), fyne.NewMenuItem(lang.L("Language…"), func() { showLanguageDialog(s.app, s.win) }),
			fyne.NewMenuItemSeparator(), quit),
		fyne.NewMenu(lang.L("Help"), fyne.NewMenuItem(lang.L("About"), func() { ShowAbout(s.win, serverTitle()) })),
	)
}

// placeholder is an invisible rectangle the size of o, so that hiding o
// does not move what is around it.
func (s *ServerWindow) startTapped() {
	if s.m.State != servermodel.Stopped {
		return
	}
	addr, err := listenAddr(s.host.Text, s.port.Text)
	if err != nil {
		s.showError(lang.L("Invalid listen address"), err)
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
	s.m.State = servermodel.Starting
	s.gatewaysStarting()
	s.logNow(servermodel.Info, lang.L("Starting on {{.Addr}}", map[string]any{"Addr": addr}))
	s.out.send(server.Start{Addr: addr, Name: name})
	s.updateControls()
}

// stopTapped asks first while people are connected.
func (s *ServerWindow) stopTapped() {
	s.confirmStop(false, func() {
		if s.m.State != servermodel.Running {
			return
		}
		s.m.State = servermodel.Stopping
		s.out.send(server.Stop{})
		s.updateControls()
	})
}

func (s *ServerWindow) announceTapped() {
	if s.m.State != servermodel.Running {
		return
	}
	text := strings.TrimSpace(s.announce.Text)
	if text == "" {
		return
	}
	if n := utf8.RuneCountInString(text); n > wire.MaxTextChars || len(text) > maxAnnounceBytes {
		s.showError(lang.L("Announcement too long"),
			errors.New(lang.L("An announcement can be at most {{.Max}} characters; this one is {{.Size}}. Shorten it.", map[string]any{"Max": wire.MaxTextChars, "Size": n})))
		return
	}
	s.out.send(server.Announce{Text: text, Pin: s.mod.pin.Checked})
	s.announce.SetText("")
}

func (s *ServerWindow) copyAddress() {
	if addrs := s.reachable(); len(addrs) > 0 {
		s.app.Clipboard().SetContent(addrs[0])
	}
}

// requestClose is the window's close intercept: while people are connected
// it asks first; while serving it stops the server and closes on Stopped,
// or after closeTimeout at the latest.
func (s *ServerWindow) requestClose() {
	if s.m.State == servermodel.Stopped || s.m.Closing {
		s.closeNow()
		return
	}
	s.confirmStop(true, func() {
		if s.m.Closing || s.closed {
			return
		}
		s.m.Closing = true
		if s.m.State == servermodel.Running || s.m.State == servermodel.Starting {
			s.m.State = servermodel.Stopping
			s.out.send(server.Stop{})
		}
		if s.m.State == servermodel.Stopped {
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
