package gui

import (
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/trust"
)

// DefaultPort is added to a server address typed without one.
const DefaultPort = clientmodel.DefaultPort

// Preference keys for the connect form.
const (
	prefAddr = "client.addr"
	prefNick = "client.nick"
)

// ClientOptions prefill the connect form. Non-empty values win over the
// addresses and nicknames remembered in the app's preferences.
type ClientOptions struct {
	Addr   string
	Nick   string
	Logger *slog.Logger // nil discards
	// DataDir is the session's data directory (client.WithDataDir), where
	// the trusted servers are kept; "" is the default, trust.DataDir("client").
	DataDir string
	// Browse, when set, lists the servers found on the network in the
	// connect form (cmd/chatclient passes discovery.Browse).
	Browse BrowseFunc
}

// ClientWindow is the client app's window: a connect form, then the chat
// view with the conversations sidebar, the message log, the entry and the
// user list. Its state is a clientmodel.Model; the window turns user actions
// and session events into model calls, then draws what the model says
// changed. It drives a client session only through its command and event
// channels; apply, run on Fyne's goroutine by the pump, is the only code that
// changes what the window shows in response to the network.
type ClientWindow struct {
	app  fyne.App
	win  fyne.Window
	log  *slog.Logger
	out  *outbox[client.Command]
	meas *measurer
	done <-chan struct{}
	m    *clientmodel.Model

	// connect form
	form                  fyne.CanvasObject
	addr                  *widget.Entry
	nick                  *imeEntry
	connectBtn, cancelBtn *widget.Button
	formStatus            *widget.Label
	serverStatus          *widget.Label
	serverList            *widget.List
	serverRows            []clientmodel.ServerRow
	browse                BrowseFunc
	search                *lanSearch           // running while the form is shown
	lanGen                int                  // the search whose events are shown
	searchP               *searchPanel         // the history search, while open
	changing              bool                 // change is drawing
	opener                func(*url.URL) error // opens links (tests); nil: the app's OpenURL

	// chat view
	chat                         fyne.CanvasObject
	banner                       *fyne.Container
	bannerText                   *widget.Label
	retryBtn, againBtn, otherBtn *widget.Button
	quitBtn                      *widget.Button
	convList                     *widget.List
	header                       *widget.Label
	topic                        *widget.Label   // the pinned topic under the header
	topicBtn                     *widget.Button  // Set topic… beside the header, for a room's operators
	centerTop, center            *fyne.Container // the header, topic and separator; with the log and the entry below
	roomKick                     *entryForm
	topicDlg                     *entryForm
	logList                      *widget.List
	below                        *widget.Button // "new messages below"
	copyBar                      *fyne.Container
	copyText                     *widget.Label
	retryLine, discardLine       *widget.Button
	input                        *chatEntry
	sendBtn                      *widget.Button
	inputHint                    *widget.Label
	counter                      *widget.Label // characters, near the limit
	usersTitle                   *widget.Label
	usersList                    *widget.List
	msgBtn                       *widget.Button
	fileBtn                      *widget.Button       // Send file…
	pickDir                      string               // the folder last sent from (client_window_files_pick.go)
	picker                       *filePicker          // the Send file… dialog last opened
	filesBox                     *fyne.Container      // the file cards (client_window_files.go)
	cards                        map[string]*fileCard // by transfer key
	awayItem                     *fyne.MenuItem       // Chat ▸ Away, checked while away
	typingLine                   *widget.Label        // who is typing in the conversation shown
	bottom                       *fyne.Container
	typingTimer                  *time.Timer   // clears an expired typing line
	typingRetry                  *time.Timer   // sends a typing notice the 3 s limit held back
	closed                       chan struct{} // closed with the window: ends the idle ticker
	gone                         atomic.Bool   // Detach: the app's loop has ended, events are no longer drawn
	nicks                        nickSlots     // nickname colours
	tray                         *tray         // the system tray icon, nil without one

	// view state (what is on screen; the model has the rest)
	views        map[*clientmodel.Conv]*convView
	shown        *clientmodel.Conv // the conversation the log shows
	selected     int               // seq of the selected log entry in cur, or -1
	selUser      int               // index of the selected user, or -1
	logWidth     float32
	inset, timeW float32 // log columns: left margin, time
	gapW, rowH   float32 // gap between columns, height of a log row
	bulletW      float32
	lastNotify   time.Time
	notifyQueued int
	completeN    int                   // Tab presses in a row
	completeFrom string                // the text Tab started completing
	rooms        *roomsDialog          // open, waiting for the room list
	modals       []*modal              // dialogs open, topmost last
	prompt       *dialog.ConfirmDialog // the model's Prompt on screen
	plain        *widget.Check         // connect without TLS
	dataDir      string                // where the trusted servers are kept
}

// NewClientWindow builds the client window in win, sends commands on cmds
// and, when events is not nil, starts a pump that applies events until the
// channel is closed (Done is closed then). It does not show the window.
func NewClientWindow(a fyne.App, win fyne.Window, cmds chan<- client.Command, events <-chan client.Event, opts ClientOptions) *ClientWindow {
	w := &ClientWindow{
		app: a, win: win, log: opts.Logger, meas: newMeasurer(),
		views: make(map[*clientmodel.Conv]*convView), selected: -1, selUser: -1, nicks: nickSlots{},
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.dataDir = opts.DataDir
	if w.dataDir == "" {
		w.dataDir, _ = trust.DataDir("client") // on error the settings list stays empty
	}
	w.out = newOutbox(cmds)
	w.browse = opts.Browse
	w.m = clientmodel.New(w.out.send)
	w.m.Collapse = a.Preferences().BoolWithFallback(prefCollapse, true)
	w.m.AutoAcceptMax = int64(a.Preferences().Int(prefAutoAccept))
	ph := fyne.TextStyle{}
	w.timeW = max(fyne.MeasureText("00:00", w.meas.size, ph).Width, fyne.MeasureText(notSentMark(), w.meas.size, ph).Width)
	w.gapW = theme.Padding() * 2
	w.inset = theme.Padding()
	w.rowH = w.meas.lineH
	w.bulletW = fyne.MeasureText("•", w.meas.size, ph).Width

	w.buildForm(opts)
	w.buildChat()
	w.followLAN()
	win.SetTitle("MultiChat")
	win.SetIcon(assets.ClientIcon)
	w.buildMenu()
	w.addShortcuts()
	win.Canvas().SetOnTypedKey(w.typedKey)
	win.SetContent(w.form)
	win.Resize(fyne.NewSize(960, 640))
	if w.nick.Text == "" {
		win.Canvas().Focus(w.nick)
	} else {
		win.Canvas().Focus(w.addr)
	}
	win.SetOnDropped(w.dropped)
	w.closed = make(chan struct{})
	win.SetOnClosed(func() {
		close(w.closed)
		w.stopLAN()
		w.out.close()
	})
	w.presencePrefs()
	w.startIdleTicker()
	w.setupTray()
	a.Lifecycle().SetOnEnteredForeground(func() { w.change(func() { w.m.SetFocused(true) }) })
	a.Lifecycle().SetOnExitedForeground(func() { w.change(func() { w.m.SetFocused(false) }) })

	if events != nil {
		w.done = pump(events, func(evs []client.Event) {
			if !w.gone.Load() {
				w.apply(evs)
			}
		})
	} else {
		d := make(chan struct{})
		close(d)
		w.done = d
	}
	return w
}

// Detach is called once the app's loop has ended (after ShowAndRun): the
// session's last events are read but not drawn, as the graphics are gone.
func (w *ClientWindow) Detach() { w.gone.Store(true) }

// Done is closed when the pump has applied the last event batch.
func (w *ClientWindow) Done() <-chan struct{} { return w.done }

// Window returns the window the client was built in.
func (w *ClientWindow) Window() fyne.Window { return w.win }

// Model returns the window's state (read it on Fyne's goroutine).
func (w *ClientWindow) Model() *clientmodel.Model { return w.m }

func (w *ClientWindow) buildForm(opts ClientOptions) {
	prefs := w.app.Preferences()
	addr := opts.Addr
	if addr == "" {
		addr = prefs.StringWithFallback(prefAddr, "127.0.0.1:"+DefaultPort)
	}
	nick := opts.Nick
	if nick == "" {
		nick = prefs.String(prefNick)
	}
	w.addr = widget.NewEntry()
	w.addr.SetPlaceHolder(lang.L("host:port, e.g. 192.168.1.5:{{.Port}}", map[string]any{"Port": DefaultPort}))
	w.addr.SetText(addr)
	w.nick = newIMEEntry()
	w.nick.SetPlaceHolder(lang.L("your nickname"))
	w.nick.SetText(nick)
	w.addr.OnSubmitted = func(string) { w.connect() }
	w.nick.OnSubmitted = func(string) { w.connect() }
	w.connectBtn = widget.NewButtonWithIcon(lang.L("Connect"), theme.LoginIcon(), w.connect)
	w.connectBtn.Importance = widget.HighImportance
	w.cancelBtn = widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), func() { w.change(w.m.Cancel) })
	w.cancelBtn.Hide()
	w.plain = widget.NewCheck(lang.L("Not encrypted (only for a server whose admin turned TLS off)"), nil)
	w.formStatus = widget.NewLabel("")
	w.formStatus.Wrapping = fyne.TextWrapWord
	w.formStatus.Hide()

	title := widget.NewLabelWithStyle("MultiChat", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	icon := canvas.NewImageFromResource(assets.ClientIcon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(48, 48))
	form := widget.NewForm(widget.NewFormItem(lang.L("Server"), w.addr), widget.NewFormItem(lang.L("Nickname"), w.nick), widget.NewFormItem("", w.plain))
	card := container.NewVBox(container.NewHBox(layout.NewSpacer(), icon, title, layout.NewSpacer()), w.buildServers(), widget.NewSeparator(),
		form, container.NewHBox(layout.NewSpacer(), w.cancelBtn, w.connectBtn), w.formStatus)
	w.form = container.NewCenter(container.New(minWidth(520), card))
}

func (w *ClientWindow) connect() {
	var addr string
	w.change(func() {
		w.m.Plaintext = w.plain.Checked
		addr = w.m.Connect(w.addr.Text, w.nick.Text)
	})
	if addr == "" {
		return
	}
	w.addr.SetText(addr)
	w.app.Preferences().SetString(prefAddr, addr)
	w.app.Preferences().SetString(prefNick, w.m.Nick)
}

func (w *ClientWindow) buildMenu() {
	item := func(label string, sc fyne.Shortcut, f func()) *fyne.MenuItem {
		i := fyne.NewMenuItem(label, f)
		i.Shortcut = sc
		return i
	}
	w.awayItem = fyne.NewMenuItem(lang.L("Away"), w.toggleAway)
	chat := fyne.NewMenu(lang.L("Chat"),
		fyne.NewMenuItem(lang.L("Connect again"), func() { w.change(w.m.ConnectAgain) }),
		fyne.NewMenuItem(lang.L("Change server or nickname…"), func() { w.change(w.m.ChangeServer) }),
		fyne.NewMenuItem(lang.L("Disconnect"), func() { w.change(w.m.Disconnect) }),
		fyne.NewMenuItemSeparator(),
		w.awayItem,
		fyne.NewMenuItem(lang.L("Settings…"), w.showSettings),
	)
	// The shortcuts live on menu items: Fyne runs a main menu's shortcuts
	// whatever widget has the focus.
	rooms := fyne.NewMenu(lang.L("Conversations"),
		item(lang.L("Switch conversation…"), scSwitcher, w.showSwitcher),
		item(lang.L("Next conversation"), scNext, func() { w.shortcut(scNext) }),
		item(lang.L("Previous conversation"), scPrev, func() { w.shortcut(scPrev) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Rooms: join or create…"), w.showRooms),
		item(lang.L("Leave this room or close this chat"), scClose, w.leaveCurrent),
		fyne.NewMenuItemSeparator(),
		item(lang.L("Search history…"), scFind, w.showSearch),
	)
	help := fyne.NewMenu(lang.L("Help"),
		fyne.NewMenuItem(lang.L("Commands and keys"), func() { w.change(w.showHelp) }),
		fyne.NewMenuItem(lang.L("About"), func() { ShowAbout(w.win, "MultiChat") }))

	w.win.SetMainMenu(fyne.NewMainMenu(chat, rooms, help))
}

func setEnabled(d fyne.Disableable, on bool) {
	if on {
		d.Enable()
	} else {
		d.Disable()
	}
}

// ---- small layouts ----

// minWidth is a layout that gives its objects at least w of width.
type minWidth float32

func (m minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(max(s.Width, float32(m)), s.Height)
}

func (m minWidth) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(s)
	}
}
