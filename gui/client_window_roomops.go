package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/wire"
)

// The client window's side of room operators: a mark after an operator's
// name in the member list, and for an operator of the room on screen,
// "Remove from room…" and "Make operator" / "Remove operator" on a member
// (right click), and "Set topic…" beside the room's name. The server
// decides; a refusal shows in the log like any request's.

// opMark is what follows an operator's name in a member list, after a
// gateway user's mark (" · IRC") and in the same way.
func opMark() string { return " · " + lang.L("op") }

// roomOpsMenu are the operator's items for nick in the room on screen, or
// none when I do not run it.
func (w *ClientWindow) roomOpsMenu(nick string) []*fyne.MenuItem {
	c := w.m.Cur
	if c == nil || c.Kind != clientmodel.Room || !w.m.AmOp(c) {
		return nil
	}
	me := wire.FoldKey(nick) == w.m.MeKey
	var items []*fyne.MenuItem
	if !me {
		items = append(items, fyne.NewMenuItem(lang.L("Remove from room…"), func() { w.showRoomKick(c, nick) }))
	}
	if c.IsOp(nick) {
		label := lang.L("Remove operator")
		if me {
			label = lang.L("Stop being an operator")
		}
		items = append(items, fyne.NewMenuItem(label, func() { w.change(func() { w.m.SetOp(c, nick, false) }) }))
	} else {
		items = append(items, fyne.NewMenuItem(lang.L("Make operator"), func() { w.change(func() { w.m.SetOp(c, nick, true) }) }))
	}
	return items
}

// entryForm is an open form dialog around one entry: "Remove from room"
// (the reason) and "Set topic" (the topic). Tests reach it.
type entryForm struct {
	d     *dialog.FormDialog
	entry *dialogEntry
}

// openEntryForm opens a form dialog of items whose entry Enter submits and
// Escape closes; onOK runs when it is confirmed. *slot holds the dialog
// while it is open.
func (w *ClientWindow) openEntryForm(slot **entryForm, title, confirm string, items []*widget.FormItem,
	entry *dialogEntry, width float32, onOK func()) {
	d := dialog.NewForm(title, confirm, lang.L("Cancel"), items, func(ok bool) {
		if ok {
			onOK()
		}
	}, w.win)
	f := &entryForm{d: d, entry: entry}
	*slot = f
	entry.OnSubmitted = func(string) { d.Submit() }
	entry.onEscape = d.Hide
	d.Resize(fyne.NewSize(width, d.MinSize().Height))
	w.openModal(d, d.Submit, func() {
		if *slot == f {
			*slot = nil
		}
		w.win.Canvas().Focus(w.input)
	})
	focusLater(w.win, entry)
}

// showRoomKick asks why nick is being removed from room c, then asks the
// server to remove them.
func (w *ClientWindow) showRoomKick(c *clientmodel.Conv, nick string) {
	reason := newDialogEntry()
	reason.SetPlaceHolder(lang.L("optional; everyone in the room sees it"))
	who := widget.NewLabelWithStyle(nick, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("User"), who),
		widget.NewFormItem(lang.L("Reason"), reason),
	}
	title := lang.L("Remove {{.Nick}} from #{{.Room}}?", map[string]any{"Nick": nick, "Room": c.Name})
	w.openEntryForm(&w.roomKick, title, lang.L("Remove from room"), items, reason, 460, func() {
		w.change(func() { w.m.RoomKick(c, nick, reason.Text) })
	})
}

// buildTopicButton makes "Set topic…", shown beside the room's name to its
// operators.
func (w *ClientWindow) buildTopicButton() {
	w.topicBtn = widget.NewButtonWithIcon(lang.L("Set topic…"), theme.DocumentCreateIcon(), func() { w.showTopicDialog(w.shown) })
	w.topicBtn.Importance = widget.LowImportance
	w.topicBtn.Hide()
}

// showTopicDialog asks for room c's new topic (empty removes it).
func (w *ClientWindow) showTopicDialog(c *clientmodel.Conv) {
	if !w.m.AmOp(c) {
		return
	}
	text := newDialogEntry()
	text.SetText(c.Topic)
	text.SetPlaceHolder(lang.L("empty removes the topic"))
	items := []*widget.FormItem{widget.NewFormItem(lang.L("Topic"), text)}
	title := lang.L("Topic of #{{.Room}}", map[string]any{"Room": c.Name})
	w.openEntryForm(&w.topicDlg, title, lang.L("Set"), items, text, 520, func() {
		if text.Text != c.Topic {
			w.change(func() { w.m.SetTopic(c, text.Text) })
		}
	})
}
