package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/wire"
)

func (w *ClientWindow) buildChat() {
	w.bannerText = widget.NewLabel("")
	w.bannerText.Importance = widget.WarningImportance
	w.bannerText.Wrapping = fyne.TextWrapWord
	w.retryBtn = widget.NewButtonWithIcon(lang.L("Retry now"), theme.ViewRefreshIcon(), func() { w.change(w.m.RetryNow) })
	w.againBtn = widget.NewButtonWithIcon(lang.L("Connect again"), theme.LoginIcon(), func() { w.change(w.m.ConnectAgain) })
	w.againBtn.Importance = widget.HighImportance
	w.otherBtn = widget.NewButton(lang.L("Change server or nickname…"), func() { w.change(w.m.ChangeServer) })
	w.quitBtn = widget.NewButton(lang.L("Disconnect"), func() { w.change(w.m.Disconnect) })
	bannerBg := canvas.NewRectangle(theme.Color(theme.ColorNameHover))
	w.banner = container.NewStack(bannerBg, container.NewBorder(nil, nil, nil,
		container.NewHBox(w.retryBtn, w.againBtn, w.otherBtn, w.quitBtn), w.bannerText))
	w.banner.Hide()

	w.convList = widget.NewList(
		func() int { return len(w.m.Convs) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			badge := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
			return container.NewBorder(nil, nil, nil, badge, name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(w.m.Convs) {
				return
			}
			box := o.(*fyne.Container)
			w.setConvRow(w.m.Convs[id], box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label))
		})
	w.convList.OnSelected = func(id widget.ListItemID) {
		if id < len(w.m.Convs) && w.m.Convs[id] != w.m.Cur {
			c := w.m.Convs[id]
			w.change(func() { w.m.SwitchTo(c) })
		}
	}

	w.header = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.logList = widget.NewList(
		func() int {
			if v := w.view(w.shown); v != nil {
				return len(v.rows)
			}
			return 0
		},
		func() fyne.CanvasObject { return newLogRow(w) },
		w.updateLogRow)
	w.logList.HideSeparators = true
	// (Not a ThemeOverride for tighter rows: Fyne caches parsed fonts per
	// theme scope, and NanumGothic parsed again costs tens of MB.)
	w.below = widget.NewButtonWithIcon(lang.L("New messages below"), theme.MoveDownIcon(), func() {
		w.logList.ScrollToBottom()
		w.below.Hide()
	})
	w.below.Importance = widget.HighImportance
	w.below.Hide()
	logBox := container.NewStack(container.New(logLayout{w}, w.logList),
		container.NewBorder(nil, container.NewCenter(w.below), nil, nil))

	w.copyText = widget.NewLabel("")
	w.copyText.Selectable = true
	w.copyText.Wrapping = fyne.TextWrapWord
	copyBtn := widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() { w.copyEntry(w.selected) })
	w.retryLine = widget.NewButtonWithIcon(lang.L("Retry"), theme.ViewRefreshIcon(), w.retrySelected)
	w.discardLine = widget.NewButtonWithIcon(lang.L("Discard"), theme.DeleteIcon(), w.discardSelected)
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { w.selectEntry(-1) })
	w.copyBar = container.NewVBox(widget.NewSeparator(), w.copyText,
		container.NewHBox(layout.NewSpacer(), w.retryLine, copyBtn, w.discardLine, closeBtn))
	w.copyBar.Hide()

	w.input = newChatEntry(w)
	w.input.OnSubmitted = w.submit
	w.counter = widget.NewLabel("")
	w.counter.Hide()
	w.input.OnChanged = func(text string) {
		w.typed(text)
		w.completeN = 0
		if !w.inputHint.Hidden {
			w.setHint("")
		}
		label, over := clientmodel.Counter(text)
		w.counter.Importance = widget.LowImportance
		if over {
			w.counter.Importance = widget.DangerImportance
		}
		w.counter.SetText(label)
		show(w.counter, label != "")
	}
	w.sendBtn = widget.NewButtonWithIcon("", theme.MailSendIcon(), func() { w.submit(w.input.Text) })
	w.inputHint = widget.NewLabel("")
	w.inputHint.Importance = widget.DangerImportance
	w.inputHint.Wrapping = fyne.TextWrapWord
	w.inputHint.Hide()
	w.typingLine = widget.NewLabel("")
	w.typingLine.Truncation = fyne.TextTruncateEllipsis
	w.typingLine.Hide()
	w.fileBtn = widget.NewButtonWithIcon(lang.L("Send file…"), theme.UploadIcon(), w.chooseFiles)
	w.filesBox = container.NewVBox()
	w.filesBox.Hide()
	w.bottom = container.NewVBox(w.copyBar, w.filesBox, w.typingLine,
		container.NewBorder(nil, nil, nil, container.NewHBox(w.counter, w.fileBtn, w.sendBtn), w.input), w.inputHint)
	w.buildTopic()
	w.buildTopicButton()
	w.centerTop = container.NewVBox(container.NewBorder(nil, nil, nil, w.topicBtn, w.header), w.topic, widget.NewSeparator())
	center := container.NewBorder(w.centerTop, w.bottom, nil, nil, logBox)
	w.center = center

	w.usersTitle = widget.NewLabelWithStyle(lang.L("Online — {{.Count}}", map[string]any{"Count": 0}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.usersList = widget.NewList(
		func() int {
			if w.m.Cur == nil {
				return 0
			}
			return len(w.m.Cur.Users)
		},
		func() fyne.CanvasObject { return newUserRow(w) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*userRow)
			if w.m.Cur == nil || id >= len(w.m.Cur.Users) {
				return
			}
			r.set(id, w.m.Cur.Users[id])
		})
	w.msgBtn = widget.NewButtonWithIcon(lang.L("Message privately"), theme.MailComposeIcon(), func() {
		if c := w.m.Cur; c != nil && w.selUser >= 0 && w.selUser < len(c.Users) {
			nick := c.Users[w.selUser]
			w.change(func() { w.m.OpenPrivate(nick) })
		}
	})
	w.msgBtn.Disable()
	users := container.NewBorder(container.NewVBox(w.usersTitle, widget.NewSeparator()), w.msgBtn, nil, nil, w.usersList)

	side := container.NewBorder(container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Conversations"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewSeparator()), nil, nil, nil, w.convList)
	right := container.NewHSplit(center, users)
	right.SetOffset(0.78)
	split := container.NewHSplit(side, right)
	split.SetOffset(0.18)
	w.chat = container.NewBorder(w.banner, nil, nil, nil, split)
}

// setConvRow draws one conversation in the sidebar: mentions and private
// messages get a badge of their own colour, room traffic a plain count.
func (w *ClientWindow) setConvRow(c *clientmodel.Conv, name, badge *widget.Label) {
	t := c.Title()
	name.TextStyle.Italic = false
	switch {
	case c.Kind == clientmodel.Room && !c.Joined:
		t = lang.L("{{.Conv}} (left)", map[string]any{"Conv": t})
		name.TextStyle.Italic = true
	case c.Kind == clientmodel.Private && c.PrivOff:
		t = lang.L("{{.Conv}} (offline)", map[string]any{"Conv": t})
		name.TextStyle.Italic = true
	}
	name.Importance = widget.MediumImportance
	if name.TextStyle.Italic && c != w.m.Cur {
		// Greyed out; not on the selected row, whose highlight the
		// theme's low-importance grey is too dark to read on.
		name.Importance = widget.LowImportance
	}
	name.SetText(t)
	switch {
	case c.Mentions > 0 && c.Kind != clientmodel.Private:
		badge.Importance = widget.DangerImportance
		badge.SetText(fmt.Sprintf("@%d", c.Mentions))
	case c.Unread > 0 && c.Kind == clientmodel.Private:
		badge.Importance = widget.HighImportance
		badge.SetText(fmt.Sprintf("✉ %d", c.Unread))
	case c.Unread > 0:
		badge.Importance = widget.LowImportance
		badge.SetText(fmt.Sprint(c.Unread))
	default:
		badge.SetText("")
		badge.Hide()
		return
	}
	badge.Show()
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
		if w.shown != nil {
			w.sync(w.shown)
			w.logList.Refresh()
		}
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(s)
	if follow && s.Height > 0 && w.shown != nil {
		w.logList.ScrollToBottom()
	}
}

// userRow is one user in the user list: a tap selects, a double tap opens a
// private chat, a right click offers "Message privately".
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
	t := nick + wire.ViaTag(r.w.m.Marks[nick])
	if c := r.w.m.Cur; c != nil && c.IsOp(nick) {
		t += opMark()
	}
	r.label.TextStyle.Bold = wire.FoldKey(nick) == r.w.m.MeKey
	if r.label.TextStyle.Bold {
		t = lang.L("{{.Nick}} (you)", map[string]any{"Nick": t})
	}
	r.label.Importance = widget.MediumImportance
	if st := r.w.m.StatusOf(nick); st.Away {
		t = awayLabel(t, st.Text) // in words: a grey (low importance) label is too faint to read
	}
	if r.w.m.Link != clientmodel.Live {
		r.label.Importance = widget.LowImportance // offline: nobody is known to be there
	}
	r.label.SetText(t)
}

func (r *userRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.label) }

func (r *userRow) Tapped(*fyne.PointEvent) {
	if r.id >= 0 {
		r.w.usersList.Select(r.id)
		r.w.selUser = r.id
		setEnabled(r.w.msgBtn, wire.FoldKey(r.nick) != r.w.m.MeKey && r.w.m.Phase == clientmodel.Chat)
	}
}

func (r *userRow) DoubleTapped(*fyne.PointEvent) {
	if nick := r.nick; nick != "" {
		r.w.change(func() { r.w.m.OpenPrivate(nick) })
	}
}

// TappedSecondary offers "Message privately" and, to an operator of the
// room on screen, the operator's actions (client_window_roomops.go).
func (r *userRow) TappedSecondary(ev *fyne.PointEvent) {
	nick := r.nick
	if nick == "" {
		return
	}
	var items []*fyne.MenuItem
	if wire.FoldKey(nick) != r.w.m.MeKey {
		items = append(items, fyne.NewMenuItem(lang.L("Message {{.Nick}} privately", map[string]any{"Nick": nick}), func() {
			r.w.change(func() { r.w.m.OpenPrivate(nick) })
		}))
	}
	if ops := r.w.roomOpsMenu(nick); len(ops) > 0 {
		if len(items) > 0 {
			items = append(items, fyne.NewMenuItemSeparator())
		}
		items = append(items, ops...)
	}
	if len(items) == 0 {
		return
	}
	r.Tapped(ev)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), r.w.win.Canvas(), ev.AbsolutePosition)
}
