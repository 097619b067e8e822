package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// drawPrompt closes the prompt on screen (answered, or superseded) and shows
// the model's current one: trust a new server, the server's password, or
// another nickname. Cancel and Escape decline it; Enter answers it.
func (w *ClientWindow) drawPrompt() {
	if old := w.prompt; old != nil {
		w.prompt = nil // its callback must not decline the new one
		old.Hide()
	}
	p := w.m.Prompt
	if p == nil {
		return
	}
	text := widget.NewLabel(p.Text)
	text.Wrapping = fyne.TextWrapWord
	var entry *dialogEntry
	var answer func() bool // reports whether the model took the answer
	var content fyne.CanvasObject
	confirm, dismiss := "Connect", "Cancel"
	switch p.Kind {
	case clientmodel.AskTrust:
		confirm = "Trust"
		answer = func() bool { w.change(w.m.Trust); return true }
		first, _, _ := strings.Cut(p.Text, "\n\n")
		text.SetText(first)
		fp := widget.NewLabelWithStyle(twoLines(p.Fingerprint), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
		question := widget.NewLabel("Compare it with the one the server window shows (or ask the server's admin). Trust this server?")
		question.Wrapping = fyne.TextWrapWord
		box := container.NewVBox(text, fp)
		if p.Announced != "" {
			lan := widget.NewLabel(p.Announced)
			lan.Wrapping = fyne.TextWrapWord
			lan.Importance = widget.SuccessImportance
			if !p.Matches {
				lan.Importance = widget.DangerImportance
			}
			box.Add(lan)
		}
		box.Add(question)
		content = container.New(minSize{560, 0}, box)
	case clientmodel.AskPassword:
		entry = newDialogEntry()
		entry.Password = true
		entry.SetPlaceHolder("password")
		answer = func() bool { w.change(func() { w.m.Password(entry.Text) }); return true }
		if p.Wrong {
			text.Importance = widget.DangerImportance
		}
		content = container.New(minSize{420, 0}, container.NewVBox(text, entry))
	case clientmodel.AskNick:
		confirm, dismiss = "Continue", "Disconnect"
		entry = newDialogEntry()
		entry.SetPlaceHolder("another nickname")
		hint := widget.NewLabel("")
		hint.Importance = widget.DangerImportance
		hint.Wrapping = fyne.TextWrapWord
		answer = func() bool {
			var ok bool
			w.change(func() { ok = w.m.NewNick(entry.Text) })
			if !ok {
				hint.SetText(w.m.Hint)
				w.m.Hint = ""
				w.setHint("")
			}
			return ok
		}
		content = container.New(minSize{420, 0}, container.NewVBox(text, entry, hint))
	default:
		return
	}
	var d *dialog.ConfirmDialog
	d = dialog.NewCustomConfirm(p.Title, confirm, dismiss, content, func(ok bool) {
		if w.prompt != d {
			return // closed because the model moved on
		}
		w.prompt = nil
		if !ok {
			w.change(w.m.Decline)
			return
		}
		if !answer() { // not taken (a bad nickname): keep asking
			w.drawPrompt()
		}
	}, w.win)
	d.SetConfirmImportance(widget.HighImportance)
	w.prompt = d
	if entry != nil {
		entry.OnSubmitted = func(string) { answer() } // taken: the model closes the dialog
		entry.onEscape = d.Hide
	}
	w.openModal(d, func() { answer() }, nil)
	if entry != nil {
		focusLater(w.win, entry)
	}
}

// twoLines breaks a fingerprint ("AB12 CD34 …", 16 groups) after its
// eighth group, so that it is read and compared in two halves.
func twoLines(fp string) string {
	g := strings.Fields(fp)
	if len(g) <= 8 {
		return fp
	}
	return strings.Join(g[:8], " ") + "\n" + strings.Join(g[8:], " ")
}
