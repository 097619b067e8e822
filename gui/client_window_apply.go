package gui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
)

// apply shows a batch of session events. The pump calls it on Fyne's
// goroutine; it is the only code that changes the window for the network.
func (w *ClientWindow) apply(evs []client.Event) {
	w.change(func() { w.m.Apply(evs) })
}

// change runs f (model calls) and then draws, once, whatever the model says
// changed: the phase and banner, the form, the log (which follows new lines
// only if it was at the bottom before), the sidebar, the user list, the
// title, notifications and dialogs.
func (w *ClientWindow) change(f func()) {
	w.changing = true
	defer func() { w.changing = false }()
	follow := w.atBottom()
	if w.shown != nil && w.shown != w.m.Cur {
		follow = false
	}
	f()
	ch := w.m.Take()
	if ch.Phase {
		w.drawPhase()
		w.followLAN()
	}
	if ch.Servers && w.serverList != nil {
		w.drawServers()
	}
	if ch.Recent {
		w.saveRecent()
	}
	if ch.Form {
		w.drawForm()
	}
	if ch.Header || ch.Phase {
		w.drawTopic() // Phase: "Set topic…" only while connected
	}
	if ch.Switched || w.shown != w.m.Cur {
		w.show(w.m.Cur)
	} else if (ch.Log || ch.History) && w.shown != nil {
		offset := w.logList.GetScrollOffset()
		v := w.sync(w.shown)
		w.logList.Refresh()
		if follow && w.logList.Size().Height > 0 {
			w.logList.ScrollToBottom()
		} else {
			w.keepPlace(v, offset)
			w.newBelow()
		}
	}
	// Lay out new lines of the conversations off screen too, a batch at a
	// time as they come, so that switching to one never has thousands to
	// catch up on.
	if ch.Lines {
		for _, c := range w.m.Convs {
			if v := w.view(c); c != w.shown && v.next != c.Next() && w.logWidth > 0 {
				w.sync(c)
			}
		}
	}
	if ch.Convs || ch.Switched {
		if i := slices.Index(w.m.Convs, w.m.Cur); i >= 0 {
			w.convList.Select(i)
		} else {
			w.convList.UnselectAll()
		}
		w.convList.Refresh()
	}
	if ch.Users || ch.Switched || ch.Phase {
		w.refreshUsers()
	}
	if ch.Rooms {
		w.roomsAnswered()
	}
	if ch.Files || ch.Switched {
		w.drawFiles()
	}
	if ch.Typing || ch.Switched || ch.Phase || ch.Users {
		w.drawTyping()
	}
	w.drawTray()
	if ch.Users && w.awayItem.Checked != w.m.Away {
		w.awayItem.Checked = w.m.Away
		w.win.MainMenu().Refresh()
	}
	if ch.Users && w.shown != nil {
		w.header.SetText(w.headerText(w.shown))
	}
	if w.m.Hint != "" {
		w.setHint(w.m.Hint)
	}
	if t := w.m.GiveBack; t != "" {
		w.m.GiveBack = ""
		if w.input.Text == "" {
			w.input.SetText(t)
			w.setHint(w.m.Hint)
		}
	}
	if w.win.Title() != w.m.Title() {
		w.win.SetTitle(w.m.Title())
	}
	if ch.History || w.m.ShowSearch {
		w.drawSearch()
	}
	w.jump()
	w.flushNotes()
	w.showDialogs()
	if ch.Prompt {
		w.drawPrompt()
	}
	if (ch.Log || ch.History) && w.m.AutoLoad(w.shown) {
		fyne.Do(w.topInView) // once this change is drawn: is the top still in view?
	}
}

// drawPhase shows the form or the chat, the banner, and whether the entry
// takes text.
func (w *ClientWindow) drawPhase() {
	m := w.m
	switch m.Phase {
	case clientmodel.Idle, clientmodel.Connecting:
		busy := m.Phase == clientmodel.Connecting
		setEnabled(w.addr, !busy)
		setEnabled(w.nick, !busy)
		setEnabled(w.connectBtn, !busy)
		setEnabled(w.plain, !busy)
		if busy {
			w.cancelBtn.Show()
		} else {
			w.cancelBtn.Hide()
		}
		if w.win.Content() != w.form {
			w.win.SetContent(w.form)
		}
	case clientmodel.Chat:
		if w.win.Content() != w.chat {
			w.win.SetContent(w.chat)
			w.win.Canvas().Focus(w.input)
		}
	}
	b := m.Banner
	if b.Text == "" || m.Phase != clientmodel.Chat {
		w.banner.Hide()
	} else {
		w.bannerText.SetText(b.Text)
		show(w.retryBtn, b.Retry)
		show(w.againBtn, b.Again)
		show(w.otherBtn, b.Again)
		show(w.quitBtn, !b.Again && !b.Warn)
		w.banner.Show()
	}
	w.drawEntry()
}

func show(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func (w *ClientWindow) drawForm() {
	f := w.m.Form
	w.formStatus.Importance = widget.MediumImportance
	if f.Error {
		w.formStatus.Importance = widget.DangerImportance
	}
	w.formStatus.SetText(f.Text)
	show(w.formStatus, f.Text != "")
	var focus interface {
		fyne.Focusable
		fyne.Shortcutable
	}
	switch f.Focus {
	case "nick":
		focus = w.nick
	case "addr":
		focus = w.addr
	}
	if focus != nil {
		w.win.Canvas().Focus(focus)
		focus.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

func (w *ClientWindow) flushNotes() {
	notes := w.m.Notes
	if len(notes) == 0 {
		return
	}
	n := len(notes) + w.notifyQueued
	first := notes[0]
	w.m.Notes = notes[:0]
	if w.m.Focused {
		w.notifyQueued = 0
		return
	}
	now := time.Now()
	if now.Sub(w.lastNotify) < clientmodel.NotifyEvery {
		w.notifyQueued = n
		return
	}
	w.lastNotify, w.notifyQueued = now, 0
	note := fyne.NewNotification(first.Title, first.Body)
	if n > 1 {
		note = fyne.NewNotification(lang.L("{{.Count}} new messages for you", map[string]any{"Count": n}), first.Title+": "+first.Body)
	}
	if w.notifying() {
		w.app.SendNotification(note)
	}
}

// show puts conversation c on screen: its log (scrolled where it was left),
// its users, its header.
func (w *ClientWindow) show(c *clientmodel.Conv) {
	if old := w.view(w.shown); old != nil && w.shown != c {
		old.bottom = w.atBottom()
		old.offset = w.logList.GetScrollOffset()
	}
	w.shown = c
	w.selected = -1
	w.copyBar.Hide()
	w.selUser = -1
	w.usersList.UnselectAll()
	w.msgBtn.Disable()
	if c == nil {
		w.header.SetText("")
		w.logList.Refresh()
		return
	}
	v := w.sync(c)
	w.header.SetText(w.headerText(c))
	w.drawTopic()
	w.drawEntry()
	w.logList.Refresh()
	if w.logList.Size().Height > 0 {
		if v.bottom {
			w.logList.ScrollToBottom()
		} else {
			w.logList.ScrollToOffset(v.offset)
		}
	}
	w.below.Hide()
	if w.m.Phase == clientmodel.Chat && !w.m.ReadOnly() {
		w.win.Canvas().Focus(w.input) // picking a conversation is to write in it
	}
}

func (w *ClientWindow) placeholder(c *clientmodel.Conv) string {
	if w.m.ReadOnly() {
		return lang.L("Not connected — read only. Use Connect again above to continue.")
	}
	return lang.L("Message {{.Conv}} — Enter sends, /help lists commands", map[string]any{"Conv": c.Title()})
}

func (w *ClientWindow) headerText(c *clientmodel.Conv) string {
	switch c.Kind {
	case clientmodel.Lobby:
		return lang.L("{{.Conv}} — everyone on the server", map[string]any{"Conv": c.Title()})
	case clientmodel.Private:
		t := lang.L("Private chat with {{.Nick}}", map[string]any{"Nick": c.Name})
		if st := w.m.StatusOf(c.Name); st.Away {
			t = awayLabel(t, st.Text)
		}
		return t
	}
	return c.Title()
}

func (w *ClientWindow) refreshUsers() {
	c := w.m.Cur
	n := 0
	if c != nil {
		n = len(c.Users)
	}
	switch {
	case w.m.Link != clientmodel.Live && !w.m.Since.IsZero():
		w.usersTitle.SetText(lang.L("Offline since {{.Time}}", map[string]any{"Time": w.m.Since.Local().Format("15:04")}))
	case c != nil && c.Kind == clientmodel.Private:
		w.usersTitle.SetText(lang.L("In this chat — {{.Count}}", map[string]any{"Count": n}))
	default:
		w.usersTitle.SetText(lang.L("Online — {{.Count}}", map[string]any{"Count": n}))
	}

	if w.selUser >= n {
		w.selUser = -1
		w.usersList.UnselectAll()
		w.msgBtn.Disable()
	}
	w.usersList.Refresh()
}
