package gui

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// DefaultPort is added to a server address typed without one.
const DefaultPort = "7878"

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
}

type connState uint8

const (
	stateIdle       connState = iota // the form, no session
	stateConnecting                  // the form, a Connect is under way
	stateChat                        // the chat view (maybe reconnecting)
)

// ClientWindow is the client app's window: a connect form, then the chat
// view with the conversations sidebar, the message log, the entry and the
// user list. It drives a client session only through its command and event
// channels; apply, run on Fyne's goroutine by the pump, is the only code that
// changes what the window shows in response to the network.
type ClientWindow struct {
	app  fyne.App
	win  fyne.Window
	log  *slog.Logger
	out  *outbox[client.Command]
	meas *measurer
	done <-chan struct{}

	// connect form
	form                  fyne.CanvasObject
	addr, nick            *widget.Entry
	connectBtn, cancelBtn *widget.Button
	formStatus            *widget.Label

	// chat view
	chat       fyne.CanvasObject
	banner     *fyne.Container
	bannerText *widget.Label
	convList   *widget.List
	header     *widget.Label
	logList    *widget.List
	copyBar    *fyne.Container
	copyText   *widget.Label
	input      *widget.Entry
	sendBtn    *widget.Button
	inputHint  *widget.Label
	usersTitle *widget.Label
	usersList  *widget.List
	msgBtn     *widget.Button

	// state
	state        connState
	session      uint64 // the Session of the last Connect sent
	reconnecting bool
	me, meKey    string // my nickname and its wire.FoldKey
	server       string
	serverAddr   string
	lobby        string
	maxText      int
	convs        []*conversation
	byKey        map[string]*conversation // by convKey
	byName       map[string]*conversation // rooms by the exact name last seen
	cur          *conversation
	nextID       uint64
	pending      map[uint64]pendingRef
	transfers    map[uint64]*conversation // file transfers under way, by id
	selected     int                      // seq of the selected log entry in cur, or -1
	selUser      int                      // index of the selected user, or -1
	focused      bool
	titleUnread  int
	logWidth     float32
	inset, timeW float32 // log columns: left margin, time
	gapW, rowH   float32 // gap between columns, height of a log row
	bulletW      float32
	lastNotify   time.Time
	notifyQueued int

	// per change (see change)
	logDirty, convsDirty, usersDirty bool
	notes                            []*fyne.Notification
}

type pendingRef struct {
	conv *conversation
	seq  int
}

// NewClientWindow builds the client window in win, sends commands on cmds
// and, when events is not nil, starts a pump that applies events until the
// channel is closed (Done is closed then). It does not show the window.
func NewClientWindow(a fyne.App, win fyne.Window, cmds chan<- client.Command, events <-chan client.Event, opts ClientOptions) *ClientWindow {
	w := &ClientWindow{
		app: a, win: win, log: opts.Logger, meas: newMeasurer(),
		byKey: make(map[string]*conversation), byName: make(map[string]*conversation), pending: make(map[uint64]pendingRef),
		transfers: make(map[uint64]*conversation),
		selected:  -1, selUser: -1, focused: true, maxText: wire.DefaultMaxText,
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.out = newOutbox(cmds)
	ph := fyne.TextStyle{}
	w.timeW = max(fyne.MeasureText("00:00", w.meas.size, ph).Width, fyne.MeasureText("failed", w.meas.size, ph).Width)
	w.gapW = theme.Padding() * 2
	w.inset = theme.Padding()
	w.rowH = w.meas.lineH
	w.bulletW = fyne.MeasureText("•", w.meas.size, ph).Width

	w.buildForm(opts)
	w.buildChat()
	win.SetTitle("MultiChat")
	win.SetIcon(assets.ClientIcon)
	win.SetMainMenu(fyne.NewMainMenu(
		fyne.NewMenu("Chat", fyne.NewMenuItem("Disconnect", func() { w.quit() })),
		fyne.NewMenu("Help", fyne.NewMenuItem("About", func() { ShowAbout(w.win, "MultiChat") })),
	))
	win.SetContent(w.form)
	win.Resize(fyne.NewSize(960, 640))
	if w.nick.Text == "" {
		win.Canvas().Focus(w.nick)
	} else {
		win.Canvas().Focus(w.addr)
	}
	win.SetOnClosed(func() { w.out.close() })
	a.Lifecycle().SetOnEnteredForeground(func() { w.setFocused(true) })
	a.Lifecycle().SetOnExitedForeground(func() { w.setFocused(false) })

	if events != nil {
		w.done = pump(events, w.apply)
	} else {
		d := make(chan struct{})
		close(d)
		w.done = d
	}
	return w
}

// Done is closed when the pump has applied the last event batch.
func (w *ClientWindow) Done() <-chan struct{} { return w.done }

// Window returns the window the client was built in.
func (w *ClientWindow) Window() fyne.Window { return w.win }

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
	w.addr.SetPlaceHolder("host:port, e.g. 192.168.1.5:" + DefaultPort)
	w.addr.SetText(addr)
	w.nick = widget.NewEntry()
	w.nick.SetPlaceHolder("your nickname")
	w.nick.SetText(nick)
	w.addr.OnSubmitted = func(string) { w.connect() }
	w.nick.OnSubmitted = func(string) { w.connect() }
	w.connectBtn = widget.NewButtonWithIcon("Connect", theme.LoginIcon(), w.connect)
	w.connectBtn.Importance = widget.HighImportance
	w.cancelBtn = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), w.cancelConnect)
	w.cancelBtn.Hide()
	w.formStatus = widget.NewLabel("")
	w.formStatus.Wrapping = fyne.TextWrapWord
	w.formStatus.Hide()

	title := widget.NewLabelWithStyle("MultiChat", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	icon := canvas.NewImageFromResource(assets.ClientIcon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(72, 72))
	form := widget.NewForm(widget.NewFormItem("Server", w.addr), widget.NewFormItem("Nickname", w.nick))
	card := container.NewVBox(icon, title, form, container.NewHBox(layout.NewSpacer(), w.cancelBtn, w.connectBtn), w.formStatus)
	w.form = container.NewCenter(container.New(minWidth(420), card))
}

func (w *ClientWindow) buildChat() {
	w.bannerText = widget.NewLabel("")
	w.bannerText.Importance = widget.WarningImportance
	w.bannerText.Wrapping = fyne.TextWrapWord
	bannerBg := canvas.NewRectangle(theme.Color(theme.ColorNameHover))
	w.banner = container.NewStack(bannerBg, container.NewBorder(nil, nil, nil,
		widget.NewButton("Disconnect", func() { w.quit() }), w.bannerText))
	w.banner.Hide()

	w.convList = widget.NewList(
		func() int { return len(w.convs) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			badge := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
			badge.Importance = widget.HighImportance
			return container.NewBorder(nil, nil, nil, badge, name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(w.convs) {
				return
			}
			c := w.convs[id]
			box := o.(*fyne.Container)
			name, badge := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
			t := c.title()
			if c.kind == convRoom && !c.joined {
				t += " (left)"
			}
			name.SetText(t)
			if c.unread > 0 {
				badge.SetText(fmt.Sprint(c.unread))
				badge.Show()
			} else {
				badge.SetText("")
				badge.Hide()
			}
		})
	w.convList.OnSelected = func(id widget.ListItemID) {
		if id < len(w.convs) && w.convs[id] != w.cur {
			w.switchTo(w.convs[id])
		}
	}

	w.header = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.logList = widget.NewList(
		func() int {
			if w.cur == nil {
				return 0
			}
			return len(w.cur.rows)
		},
		func() fyne.CanvasObject { return newLogRow(w) },
		w.updateLogRow)
	w.logList.HideSeparators = true
	// (Not a ThemeOverride for tighter rows: Fyne caches parsed fonts per
	// theme scope, and NanumGothic parsed again costs tens of MB.)
	logBox := container.New(logLayout{w}, w.logList)

	w.copyText = widget.NewLabel("")
	w.copyText.Selectable = true
	w.copyText.Wrapping = fyne.TextWrapWord
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		if w.selected >= 0 {
			w.copyEntry(w.selected)
		}
	})
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { w.selectEntry(-1) })
	w.copyBar = container.NewBorder(widget.NewSeparator(), nil, nil, container.NewHBox(copyBtn, closeBtn), w.copyText)
	w.copyBar.Hide()

	w.input = widget.NewEntry()
	w.input.OnSubmitted = w.submit
	w.input.OnChanged = func(string) {
		if !w.inputHint.Hidden {
			w.setHint("")
		}
	}
	w.sendBtn = widget.NewButtonWithIcon("", theme.MailSendIcon(), func() { w.submit(w.input.Text) })
	w.inputHint = widget.NewLabel("")
	w.inputHint.Importance = widget.DangerImportance
	w.inputHint.Wrapping = fyne.TextWrapWord
	w.inputHint.Hide()
	bottom := container.NewVBox(w.copyBar, container.NewBorder(nil, nil, nil, w.sendBtn, w.input), w.inputHint)
	center := container.NewBorder(container.NewVBox(w.header, widget.NewSeparator()), bottom, nil, nil, logBox)

	w.usersTitle = widget.NewLabelWithStyle("Online — 0", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.usersList = widget.NewList(
		func() int {
			if w.cur == nil {
				return 0
			}
			return len(w.cur.users)
		},
		func() fyne.CanvasObject { return newUserRow(w) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*userRow)
			if w.cur == nil || id >= len(w.cur.users) {
				return
			}
			r.set(id, w.cur.users[id])
		})
	w.msgBtn = widget.NewButtonWithIcon("Message", theme.MailComposeIcon(), func() {
		if w.cur != nil && w.selUser >= 0 && w.selUser < len(w.cur.users) {
			w.openPrivate(w.cur.users[w.selUser])
		}
	})
	w.msgBtn.Disable()
	users := container.NewBorder(container.NewVBox(w.usersTitle, widget.NewSeparator()), w.msgBtn, nil, nil, w.usersList)

	side := container.NewBorder(container.NewVBox(
		widget.NewLabelWithStyle("Conversations", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewSeparator()), nil, nil, nil, w.convList)
	right := container.NewHSplit(center, users)
	right.SetOffset(0.8)
	split := container.NewHSplit(side, right)
	split.SetOffset(0.18)
	w.chat = container.NewBorder(w.banner, nil, nil, nil, split)
}

// ---- connect form ----

func (w *ClientWindow) connect() {
	if w.state != stateIdle {
		return
	}
	addr := strings.TrimSpace(w.addr.Text)
	nick := strings.TrimSpace(w.nick.Text)
	if addr == "" {
		w.formError("Type the server's address, e.g. 192.168.1.5:"+DefaultPort+".", w.addr)
		return
	}
	if !strings.Contains(addr, ":") || strings.HasSuffix(addr, "]") {
		addr += ":" + DefaultPort
		w.addr.SetText(addr)
	}
	if err := wire.CheckNick(nick); err != nil {
		w.formError(fmt.Sprintf("That nickname cannot be used: %v. Choose another one (1–32 characters, no spaces).", err), w.nick)
		return
	}
	w.app.Preferences().SetString(prefAddr, addr)
	w.app.Preferences().SetString(prefNick, nick)
	w.serverAddr = addr
	w.setState(stateConnecting)
	w.formInfo(fmt.Sprintf("Connecting to %s…", addr))
	w.session++
	w.out.send(client.Connect{Addr: addr, Nick: nick, Session: w.session})
}

func (w *ClientWindow) cancelConnect() {
	if w.state != stateConnecting {
		return
	}
	w.out.send(client.Disconnect{})
	w.setState(stateIdle)
	w.formInfo("Cancelled.")
}

func (w *ClientWindow) setState(s connState) {
	w.state = s
	switch s {
	case stateIdle, stateConnecting:
		busy := s == stateConnecting
		setEnabled(w.addr, !busy)
		setEnabled(w.nick, !busy)
		setEnabled(w.connectBtn, !busy)
		if busy {
			w.cancelBtn.Show()
		} else {
			w.cancelBtn.Hide()
		}
		w.reconnecting = false
		w.banner.Hide()
		if w.win.Content() != w.form {
			w.win.SetContent(w.form)
		}
		w.setTitle()
	case stateChat:
		if w.win.Content() != w.chat {
			w.win.SetContent(w.chat)
		}
		w.win.Canvas().Focus(w.input)
		w.setTitle()
	}
}

func (w *ClientWindow) formInfo(text string) {
	w.formStatus.Importance = widget.MediumImportance
	w.formStatus.SetText(text)
	w.formStatus.Show()
}

func (w *ClientWindow) formError(text string, focus *widget.Entry) {
	w.formStatus.Importance = widget.DangerImportance
	w.formStatus.SetText(text)
	w.formStatus.Show()
	if focus != nil {
		w.win.Canvas().Focus(focus)
		focus.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

func setEnabled(d fyne.Disableable, on bool) {
	if on {
		d.Enable()
	} else {
		d.Disable()
	}
}

// ---- title, focus, notifications ----

func (w *ClientWindow) setTitle() {
	t := "MultiChat"
	if w.state == stateChat && w.me != "" {
		t += " — " + w.me
	}
	if w.titleUnread > 0 {
		t = fmt.Sprintf("(%d) %s", w.titleUnread, t)
	}
	if w.win.Title() != t {
		w.win.SetTitle(t)
	}
}

func (w *ClientWindow) setFocused(f bool) {
	w.focused = f
	if f {
		w.titleUnread = 0
		w.notifyQueued = 0
		w.setTitle()
	}
}

// ---- small layouts and widgets ----

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

// logLayout fills its space with the log. On a new width it rewraps the
// log first; on any resize (the window, or the banner showing up) a log that
// was at the bottom stays at the bottom.
type logLayout struct{ w *ClientWindow }

func (l logLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func (l logLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	w := l.w
	follow := w.atBottom() // with the old size, which the list still has
	if s.Width != w.logWidth {
		w.logWidth = s.Width
		if w.cur != nil {
			w.rewrap(w.cur)
			w.logList.Refresh()
		}
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(s)
	if follow && s.Height > 0 && w.cur != nil {
		w.logList.ScrollToBottom()
	}
}

// userRow is one user in the user list: a tap selects, a double tap opens a
// private chat.
type userRow struct {
	widget.BaseWidget
	w     *ClientWindow
	id    int
	nick  string
	label *widget.Label
}

func newUserRow(w *ClientWindow) *userRow {
	r := &userRow{w: w, id: -1, label: widget.NewLabel("")}
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *userRow) set(id int, nick string) {
	r.id, r.nick = id, nick
	t := nick
	if wire.FoldKey(nick) == r.w.meKey {
		t += " (you)"
		r.label.TextStyle.Bold = true
	} else {
		r.label.TextStyle.Bold = false
	}
	r.label.SetText(t)
}

func (r *userRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.label) }

func (r *userRow) Tapped(*fyne.PointEvent) {
	if r.id >= 0 {
		r.w.usersList.Select(r.id)
		r.w.selUser = r.id
		setEnabled(r.w.msgBtn, wire.FoldKey(r.nick) != r.w.meKey)
	}
}

func (r *userRow) DoubleTapped(*fyne.PointEvent) {
	if r.nick != "" {
		r.w.openPrivate(r.nick)
	}
}
