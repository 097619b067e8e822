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

// roomKickDialog is the open "Remove from room" dialog (tests reach it).
type roomKickDialog struct {
	d      *dialog.FormDialog
	reason *dialogEntry
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
	var rk *roomKickDialog
	d := dialog.NewForm(title, lang.L("Remove from room"), lang.L("Cancel"), items, func(ok bool) {
		if ok {
			w.change(func() { w.m.RoomKick(c, nick, reason.Text) })
		}
	}, w.win)
	rk = &roomKickDialog{d: d, reason: reason}
	w.roomKick = rk
	reason.OnSubmitted = func(string) { d.Submit() }
	reason.onEscape = d.Hide
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	w.openModal(d, d.Submit, func() {
		if w.roomKick == rk {
			w.roomKick = nil
		}
		w.win.Canvas().Focus(w.input)
	})
	focusLater(w.win, reason)
}

// topicDialog is the open "Set topic" dialog (tests reach it).
type topicDialog struct {
	d    *dialog.FormDialog
	text *dialogEntry
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
	var td *topicDialog
	d := dialog.NewForm(lang.L("Topic of #{{.Room}}", map[string]any{"Room": c.Name}), lang.L("Set"), lang.L("Cancel"), items, func(ok bool) {
		if ok && text.Text != c.Topic {
			w.change(func() { w.m.SetTopic(c, text.Text) })
		}
	}, w.win)
	td = &topicDialog{d: d, text: text}
	w.topicDlg = td
	text.OnSubmitted = func(string) { d.Submit() }
	text.onEscape = d.Hide
	d.Resize(fyne.NewSize(520, d.MinSize().Height))
	w.openModal(d, d.Submit, func() {
		if w.topicDlg == td {
			w.topicDlg = nil
		}
		w.win.Canvas().Focus(w.input)
	})
	focusLater(w.win, text)
}
