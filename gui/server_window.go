package gui

import (
	"net"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

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
	maxLogText        = 400     // characters of a line shown in the log itself
	maxLogDetail      = 4096    // characters of a line kept for the details pane
	closeTimeout      = 3 * time.Second

	prefHost      = "server.listen.host"
	prefPort      = "server.listen.port"
	prefAutoStart = "server.autostart"
)

// ServerWindow is the server app's window: listen address, Start and Stop,
// the status line, the connected users and rooms, Kick, Announce and the
// activity log. It renders a serverModel; it talks to server.Run only
// through the command and event channels it was built with, and applyBatch
// is the only code that folds events in.
type ServerWindow struct {
	app fyne.App
	win fyne.Window
	out *outbox[server.Command] // to cmds, in order, never blocking
	m   *serverModel

	// uiDo, when set, runs f on the goroutine that owns the widgets; nil means
	// the pump is already there (fyne.Do) and timers use fyne.Do. Tests set
	// it so that the pump and the test share one goroutine.
	uiDo func(f func())

	closeBy      *time.Timer // closes the window if Stopped does not come (closeTimeout)
	closed       bool
	errShown     bool // an error dialog is open; further errors only go to the log
	askOpen      bool // a Stop or Close confirmation is open
	logItemHt    float32
	logSel       int // selected activity line, -1 for none
	errorDialogs int // shown so far, for tests

	host, port  *widget.Entry
	start, stop *widget.Button
	autoStart   *widget.Check
	stateLabel  *widget.Label
	reach       *widget.Label
	copyReach   *widget.Button
	counts      *widget.Label
	users       *widget.Table
	filter      *widget.Entry
	selectAll   *widget.Button
	kick        *widget.Button
	userActions *fyne.Container // Kick, and where moderation adds Mute
	roomList    *widget.List
	tabs        *container.AppTabs
	usersTab    *container.TabItem
	roomsTab    *container.TabItem
	log         *widget.List
	detail      *widget.Label
	detailPane  *fyne.Container
	announce    *widget.Entry
	announceBtn *widget.Button
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
	s := &ServerWindow{app: a, win: w, out: newOutbox(cmds), m: newServerModel(), logSel: -1}
	s.m.lanAddrs = lanIPv4s
	s.build()
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
	s.render(serverChange{users: true, rooms: true, log: true, state: true})
	return s
}

// attach starts the pump that feeds events to applyBatch.
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

// StartIfAsked starts serving when the user ticked "Start serving when the
// app opens". Call it once, after SetListenAddress.
func (s *ServerWindow) StartIfAsked() {
	if s.autoStart.Checked {
		s.startTapped()
	}
}

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
	s.autoStart = widget.NewCheck("Start serving when the app opens", func(on bool) {
		s.app.Preferences().SetBool(prefAutoStart, on)
	})
	s.autoStart.Checked = prefs.Bool(prefAutoStart)

	s.stateLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.reach = widget.NewLabel("") // not truncated: its length sets the window's least width
	s.copyReach = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), s.copyAddress)
	s.copyReach.Importance = widget.LowImportance
	s.counts = widget.NewLabel("")

	s.buildUsers()
	s.buildRooms()
	s.buildLog()

	s.announce = widget.NewEntry()
	s.announce.SetPlaceHolder("Announcement to everyone (Enter sends)")
	s.announce.OnSubmitted = func(string) { s.announceTapped() }
	s.announceBtn = widget.NewButtonWithIcon("Announce", theme.MailSendIcon(), s.announceTapped)
}

func (s *ServerWindow) content() fyne.CanvasObject {
	hostField := container.NewBorder(nil, nil, widget.NewLabel("Listen on"), nil, s.host)
	portField := container.NewBorder(nil, nil, widget.NewLabel("Port"), nil,
		container.NewGridWrap(fyne.NewSize(90, s.port.MinSize().Height), s.port))
	buttons := container.NewHBox(s.start, s.stop, s.autoStart)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(portField, buttons), hostField)

	status := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.InfoIcon()), s.stateLabel),
		s.counts,
		container.NewHBox(s.reach, container.NewStack(placeholder(s.copyReach), s.copyReach)))

	s.usersTab = container.NewTabItemWithIcon("Users", theme.AccountIcon(), s.usersPane())
	s.roomsTab = container.NewTabItemWithIcon("Rooms", theme.ListIcon(), s.roomsPane())
	s.tabs = container.NewAppTabs(s.usersTab, s.roomsTab)

	split := container.NewHSplit(s.tabs, s.logPane())
	split.Offset = 0.5

	bottom := container.NewBorder(nil, nil, nil, s.announceBtn, s.announce)

	return container.NewBorder(
		container.NewVBox(top, status, widget.NewSeparator()),
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
