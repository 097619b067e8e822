package gui

import (
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"github.com/multichat/multichat/gui/clientmodel"
)

// History in the log: a conversation whose server keeps history starts
// with a row that loads earlier messages; it loads them by itself when it
// scrolls into view (the top of the log), or when clicked. A page comes in
// above the lines on screen without moving them. Search results opened
// from the search panel (client_window_search.go) scroll the log to the
// message and select it.

// hasTop reports whether c's log starts with the history row.
func (w *ClientWindow) hasTop(c *clientmodel.Conv) bool { return w.m.HasHistory(c) }

// topRow draws the history row of c: what loading earlier messages does
// now. Drawn while it can load, it loads: the top of the log is in view.
func (w *ClientWindow) topRow(r *logRow, c *clientmodel.Conv) {
	th := w.logList.Theme()
	vr := w.app.Settings().ThemeVariant()
	r.seq, r.fold = -1, rowTop
	r.timeX, r.timeW, r.nickX = w.inset, w.timeW, w.inset+w.timeW+w.gapW
	r.textX = r.nickX
	r.tm.Text, r.nick.Text = "", ""
	r.bg.FillColor = nil
	r.text.TextStyle = fyne.TextStyle{Italic: true}
	r.text.Color = th.Color(theme.ColorNamePlaceHolder, vr)
	switch {
	case c.Older == clientmodel.OlderLoading:
		r.text.Text = lang.L("Loading earlier messages…")
	case c.Older == clientmodel.OlderFailed && w.m.CanLoadEarlier(c):
		r.text.Text = lang.L("Earlier messages could not be loaded. Click here to try again.")
		r.text.Color = th.Color(theme.ColorNameError, vr)
	case w.m.CanLoadEarlier(c):
		r.text.Text = lang.L("▴ Load earlier messages")
		r.text.TextStyle = fyne.TextStyle{Bold: true}
		r.text.Color = th.Color(theme.ColorNamePrimary, vr)
		if !w.changing { // scrolled into view (change itself looks when it is done)
			fyne.Do(w.topInView)
		}
	case c.Older == clientmodel.OlderNone:
		r.text.Text = lang.L("This is the start of the conversation: nothing earlier is kept.")
	default:
		r.text.Text = lang.L("Earlier messages can be loaded once you are connected again.")
	}
	r.Refresh()
}

// loadEarlier asks for the page before the oldest line of the
// conversation shown.
func (w *ClientWindow) loadEarlier() {
	if c := w.shown; c != nil && w.m.CanLoadEarlier(c) {
		w.change(func() { w.m.LoadEarlier(c) })
	}
}

// topInView loads earlier messages when the top of the log is in view.
func (w *ClientWindow) topInView() {
	if c := w.shown; c != nil && w.m.AutoLoad(c) && w.logList.GetScrollOffset() < w.rowH {
		w.change(func() { w.m.LoadEarlier(c) })
	}
}

// keepPlace keeps the lines on screen where they were after rows came in
// above them (older lines loaded): the offset grows by their height.
func (w *ClientWindow) keepPlace(v *convView, offset float32) {
	if v.added == 0 {
		return
	}
	pad := w.logList.Theme().Size(theme.SizeNamePadding)
	w.logList.ScrollToOffset(max(0, offset+float32(v.added)*(w.rowH+pad)))
}

// jump scrolls the log to the model's Jump (a search result opened) and
// selects that line.
func (w *ClientWindow) jump() {
	j := w.m.Jump
	if j.Conv == nil {
		return
	}
	w.m.Jump = clientmodel.JumpTo{}
	if j.Conv != w.shown {
		return
	}
	v := w.sync(j.Conv)
	k := sort.Search(len(v.rows), func(i int) bool { return v.rows[i].seq >= j.Seq })
	w.logList.Refresh()
	if k < len(v.rows) {
		w.logList.ScrollTo(k)
	}
	w.selectEntry(j.Seq)
}
