package gui

import (
	"fmt"
	"image/color"
	"net/url"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// The message log. The model keeps each conversation's lines as plain
// structs; the view keeps, per conversation, a slice of visual rows: a long
// message wraps into several rows of one line each, all of the same height,
// which is what keeps widget.List cheap (no per-item heights, which Fyne sums
// over every item on each layout). Rows are computed with a per-rune advance
// table for lines not laid out yet (a short message costs one length check),
// and again for all lines when the log's width changes. Text is formatted
// only when a row scrolls into view.

// convView is what the view keeps for one conversation.
type convView struct {
	rows   []row
	wrapW  float32 // log width the rows were computed for
	first  int     // the first line laid out
	next   int     // the first line not laid out yet
	added  int     // rows put above the others by the last sync (older lines loaded)
	gen    int     // the Conv.Gen the rows were computed from
	offset float32
	bottom bool         // the view was at the bottom when last shown
	open   map[int]bool // long messages shown whole, by seq
}

// A message longer than foldRows rows is shown folded: its first foldShow
// rows and a row that opens it ("Show all 40 lines"); an open one ends with
// a row that folds it again. Those rows have start < 0.
const (
	foldRows = 12
	foldShow = 8
	rowOpen  = -1 // end holds the number of rows hidden
	rowFold  = -2
	rowTop   = -3 // the first row of a conversation with history: load earlier messages
)

func (w *ClientWindow) view(c *clientmodel.Conv) *convView {
	if c == nil {
		return nil
	}
	v := w.views[c]
	if v == nil {
		v = &convView{bottom: true, gen: -1}
		w.views[c] = v
	}
	return v
}

// sync brings c's rows up to date with its lines and the log's width: all
// of them again on a new width or after lines were removed, else only the
// lines changed in place, the older ones loaded above (v.added says how many
// rows came above the ones there were) and the new ones. A conversation
// with history starts with a row that loads earlier messages (rowTop).
func (w *ClientWindow) sync(c *clientmodel.Conv) *convView {
	v := w.view(c)
	v.added = 0
	hadTop := len(v.rows) > 0 && v.rows[0].start == rowTop
	if hadTop {
		v.rows = v.rows[1:]
	}
	touched := c.TakeTouched()
	if v.wrapW != w.logWidth || v.gen != c.Gen {
		rows := v.rows[:0]
		if cap(rows) > 2*len(c.Entries)+64 {
			rows = nil
		}
		v.rows, v.wrapW, v.gen, v.next, v.first = rows, w.logWidth, c.Gen, c.Base, c.Base
	} else if touched >= 0 && touched < v.next {
		k := sort.Search(len(v.rows), func(i int) bool { return v.rows[i].seq >= touched })
		v.rows, v.next = v.rows[:k], max(touched, v.first)
	}
	if len(v.rows) > 0 && v.rows[0].seq < c.Base { // the model dropped old lines
		k := sort.Search(len(v.rows), func(i int) bool { return v.rows[i].seq >= c.Base })
		v.rows = v.rows[k:]
	}
	if c.Base < v.first && v.next == v.first { // nothing laid out yet
		v.next = c.Base
	} else if c.Base < v.first { // older lines loaded above
		var above []row
		for seq := c.Base; seq < v.first; seq++ {
			above = w.layEntry(above, v, c, seq)
		}
		v.rows = append(above, v.rows...)
		v.added = len(above)
	}
	v.first = c.Base
	v.next = max(v.next, c.Base)
	for seq := v.next; seq < c.Next(); seq++ {
		v.rows = w.layEntry(v.rows, v, c, seq)
	}
	v.next = c.Next()
	if w.hasTop(c) {
		v.rows = append(v.rows, row{})
		copy(v.rows[1:], v.rows)
		v.rows[0] = row{seq: c.Base - 1, start: rowTop}
		if !hadTop {
			v.added++
		}
	} else if hadTop {
		v.added--
	}
	return v
}

// layEntry appends the rows of line seq of c: wrapped, and folded when long.
func (w *ClientWindow) layEntry(rows []row, v *convView, c *clientmodel.Conv, seq int) []row {
	e := c.Entry(seq)
	first := len(rows)
	rows = w.meas.wrap(rows, seq, e.Text, w.textWidth(e))
	if n := len(rows) - first; n > foldRows {
		if v.open[seq] {
			rows = append(rows, row{seq: seq, start: rowFold})
		} else {
			rows = append(rows[:first+foldShow], row{seq: seq, start: rowOpen, end: int32(n - foldShow)})
		}
	}
	return rows
}

// textX is where e's text starts in its rows.
func (w *ClientWindow) textX(e *clientmodel.Entry) float32 {
	x := w.inset + w.timeW + w.gapW
	if e.Kind == clientmodel.KindChat {
		return x + w.meas.nick(e.From) + w.gapW
	}
	return x + w.bulletW + w.gapW
}

func (w *ClientWindow) textWidth(e *clientmodel.Entry) float32 {
	if w.logWidth <= 0 {
		return 0 // not laid out yet: one row per entry until it is
	}
	return max(w.logWidth-w.textX(e)-w.scrollRoom(), 2*w.meas.size)
}

func (w *ClientWindow) scrollRoom() float32 {
	return theme.Size(theme.SizeNameScrollBar) + theme.Padding()
}

// atBottom reports whether the log shows its last row (or has nothing to
// scroll).
func (w *ClientWindow) atBottom() bool {
	v := w.view(w.shown)
	if v == nil {
		return true
	}
	h := w.logList.Size().Height
	pad := w.logList.Theme().Size(theme.SizeNamePadding)
	content := float32(len(v.rows))*(w.rowH+pad) - pad
	return content <= h || w.logList.GetScrollOffset()+h >= content-w.rowH/2
}

// newBelow shows "New messages below": lines came in while the log was
// scrolled up. The last row coming into view hides it (updateLogRow).
func (w *ClientWindow) newBelow() {
	if w.shown != nil && !w.atBottom() {
		w.below.Show()
	}
}

func (w *ClientWindow) updateLogRow(id int, o fyne.CanvasObject) {
	r := o.(*logRow)
	r.lk.clear()
	c := w.shown
	v := w.view(c)
	if v == nil || id >= len(v.rows) {
		r.seq = -1
		r.tm.Text, r.nick.Text, r.text.Text = "", "", ""
		r.Refresh()
		return
	}
	if id == len(v.rows)-1 && !w.below.Hidden {
		w.below.Hide() // the last line is in view
	}
	rw := v.rows[id]
	if rw.start == rowTop {
		w.topRow(r, c)
		return
	}
	e := c.Entry(rw.seq)
	if e == nil {
		return
	}
	r.fold = 0
	if rw.start < 0 {
		w.foldRow(r, rw, e)
		return
	}
	th := w.logList.Theme()
	vr := w.app.Settings().ThemeVariant()
	r.seq = rw.seq
	r.timeX, r.timeW, r.nickX, r.textX = w.inset, w.timeW, w.inset+w.timeW+w.gapW, w.textX(e)
	first := rw.start == 0
	r.tm.Text, r.nick.Text = "", ""
	r.tm.Color = th.Color(theme.ColorNamePlaceHolder, vr)
	if first {
		switch e.State {
		case clientmodel.Pending:
			r.tm.Text = "…"
		case clientmodel.NotSent:
			r.tm.Text = "not sent"
			r.tm.Color = th.Color(theme.ColorNameError, vr)
		default:
			r.tm.Text = e.T.Local().Format("15:04")
		}
	}
	start, end := min(int(rw.start), len(e.Text)), min(int(rw.end), len(e.Text))
	text := e.Text[start:end]
	if strings.IndexByte(text, '\t') >= 0 {
		text = strings.ReplaceAll(text, "\t", "    ")
	}
	r.text.Text = text
	r.text.TextStyle = fyne.TextStyle{}
	muted := th.Color(theme.ColorNamePlaceHolder, vr)
	switch e.Kind {
	case clientmodel.KindChat:
		if first {
			r.nick.Text = e.From
		}
		r.nick.Color = nickColor(e.From, vr)
		r.text.Color = th.Color(theme.ColorNameForeground, vr)
		if e.State != clientmodel.Delivered {
			r.text.Color = muted
		}
	case clientmodel.KindSystem, clientmodel.KindActivity:
		if first {
			r.nick.Text = "•"
		}
		r.nick.Color, r.text.Color = muted, muted
	case clientmodel.KindNotice:
		if first {
			r.nick.Text = "»"
		}
		r.nick.Color = th.Color(theme.ColorNamePrimary, vr)
		r.text.Color = th.Color(theme.ColorNamePrimary, vr)
		r.text.TextStyle.Bold = true
	case clientmodel.KindDivider:
		r.tm.Text = ""
		r.text.Text = "——— " + lang.L(e.Text) + " ———"
		r.text.Color = th.Color(theme.ColorNamePrimary, vr)
		r.text.TextStyle.Bold = true
	case clientmodel.KindError:
		if first {
			r.nick.Text = "!"
		}
		r.nick.Color = th.Color(theme.ColorNameError, vr)
		r.text.Color = th.Color(theme.ColorNameError, vr)
	}
	w.drawLink(r, e, start, end)
	switch {
	case rw.seq == w.selected:
		r.bg.FillColor = th.Color(theme.ColorNameSelection, vr)
	case e.Mention:
		r.bg.FillColor = mentionColor(th.Color(theme.ColorNameWarning, vr))
	case e.Mine:
		r.bg.FillColor = th.Color(theme.ColorNameHover, vr)
	default:
		r.bg.FillColor = nil
	}
	r.Refresh()
}

// foldRow draws the row that opens or folds a long message.
func (w *ClientWindow) foldRow(r *logRow, rw row, e *clientmodel.Entry) {
	th := w.logList.Theme()
	vr := w.app.Settings().ThemeVariant()
	r.seq, r.fold = rw.seq, rw.start
	r.timeX, r.timeW, r.nickX, r.textX = w.inset, w.timeW, w.inset+w.timeW+w.gapW, w.textX(e)
	r.tm.Text, r.nick.Text = "", ""
	r.text.Text = fmt.Sprintf("▾ Show the whole message (%d more lines)", rw.end)
	if rw.start == rowFold {
		r.text.Text = "▴ Fold this message"
	}
	r.text.Color = th.Color(theme.ColorNamePrimary, vr)
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.bg.FillColor = nil
	r.Refresh()
}

// toggleFold opens or folds the long message seq of the conversation shown.
func (w *ClientWindow) toggleFold(seq int) {
	v := w.view(w.shown)
	if v == nil {
		return
	}
	if v.open == nil {
		v.open = map[int]bool{}
	}
	if v.open[seq] {
		delete(v.open, seq)
	} else {
		v.open[seq] = true
	}
	v.gen = -1 // lay the conversation out again
	w.sync(w.shown)
	w.logList.Refresh()
}

// mentionColor is a light tint of c for the background of lines that name me.
func mentionColor(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
}

// selectEntry shows entry seq of the current conversation in the bar under
// the log, where its text can be selected and copied, and an unsent line
// retried or discarded; -1 closes the bar.
func (w *ClientWindow) selectEntry(seq int) {
	c := w.shown
	if c == nil || c.Entry(seq) == nil {
		seq = -1
	}
	w.selected = seq
	if seq < 0 {
		w.copyBar.Hide()
	} else {
		e := c.Entry(seq)
		text := clientmodel.EntryLine(e)
		notSent := e.State == clientmodel.NotSent
		if notSent {
			text = "Not sent (" + e.Why + "): " + e.Text
		}
		w.copyText.SetText(text)
		show(w.retryLine, notSent)
		show(w.discardLine, notSent)
		w.copyBar.Show()
	}
	w.logList.Refresh()
}

// copyEntry puts entry seq on the clipboard.
func (w *ClientWindow) copyEntry(seq int) {
	if w.shown == nil {
		return
	}
	if e := w.shown.Entry(seq); e != nil {
		w.app.Clipboard().SetContent(clientmodel.EntryLine(e))
	}
}

func (w *ClientWindow) retrySelected() {
	c, seq := w.shown, w.selected
	if c == nil {
		return
	}
	w.change(func() { w.m.Retry(c, seq) })
	w.selectEntry(-1)
}

func (w *ClientWindow) discardSelected() {
	c, seq := w.shown, w.selected
	if c == nil {
		return
	}
	w.change(func() { w.m.Discard(c, seq) })
	w.selectEntry(-1)
}

func (w *ClientWindow) entryMenu(seq int, at fyne.Position) {
	c := w.shown
	if c == nil || c.Entry(seq) == nil {
		return
	}
	e := c.Entry(seq)
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Copy line", func() { w.copyEntry(seq) }),
		fyne.NewMenuItem("Copy text", func() { w.app.Clipboard().SetContent(e.Text) }),
	}
	if e.State == clientmodel.NotSent {
		items = append(items, fyne.NewMenuItem("Retry", w.retrySelected), fyne.NewMenuItem("Discard", w.discardSelected))
	}
	for _, link := range clientmodel.Links(e.Text) {
		items = append(items, fyne.NewMenuItem("Open "+clientmodel.Shorten(link, 60), func() { w.openURL(link) }))
	}
	if e.Kind == clientmodel.KindChat && !e.Mine {
		from := e.From
		items = append(items, fyne.NewMenuItem("Message "+from+" privately", func() {
			w.change(func() { w.m.OpenPrivate(from) })
		}))
	}
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), w.win.Canvas(), at)
}

func (w *ClientWindow) openURL(link string) {
	if u, err := url.Parse(link); err == nil {
		if w.opener != nil {
			_ = w.opener(u)
			return
		}
		_ = w.app.OpenURL(u)
	}
}

// logRow draws one visual row of the log: time, sender, text. It handles taps
// itself: a tap selects the message (the bar under the log shows it,
// selectable), a double tap copies it (or opens its link), a right click
// offers Copy, Open link and Message.
type logRow struct {
	widget.BaseWidget
	w          *ClientWindow
	seq        int
	fold       int32 // rowOpen or rowFold for the row that opens or folds a long message, else 0
	bg         *canvas.Rectangle
	tm, nick   *canvas.Text
	text       *canvas.Text
	timeX      float32
	timeW      float32
	nickX      float32
	textX      float32
	lineHeight float32 // of the text, and of the row
	gap        float32 // between rows (the list's padding), which the tint covers
	lk         rowLink
}

func newLogRow(w *ClientWindow) *logRow {
	r := &logRow{w: w, seq: -1, bg: canvas.NewRectangle(color.Transparent),
		tm: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)), nick: canvas.NewText("", nil),
		text: canvas.NewText("", nil), lineHeight: w.meas.lineH, gap: theme.Padding(), lk: newRowLink()}
	r.nick.TextStyle.Bold = true
	r.ExtendBaseWidget(r)
	return r
}

func (r *logRow) CreateRenderer() fyne.WidgetRenderer {
	return &logRowRenderer{r: r, objs: []fyne.CanvasObject{r.bg, r.tm, r.nick, r.text, r.lk.link, r.lk.post, r.lk.under}}
}

func (r *logRow) Tapped(ev *fyne.PointEvent) {
	if ev != nil && r.onLink(ev.Position.X) {
		url := r.lk.url
		r.w.selectEntry(r.seq)
		r.w.openURL(url)
		return
	}
	if r.fold == rowTop {
		r.w.loadEarlier()
		return
	}
	if r.fold < 0 {
		r.w.toggleFold(r.seq)
		return
	}
	r.w.selectEntry(r.seq)
}

func (r *logRow) DoubleTapped(ev *fyne.PointEvent) {
	if r.fold < 0 {
		r.Tapped(ev)
		return
	}
	r.w.selectEntry(r.seq)
	if c := r.w.shown; c != nil {
		if e := c.Entry(r.seq); e != nil {
			if links := clientmodel.Links(e.Text); len(links) == 1 {
				r.w.openURL(links[0])
				return
			}
		}
	}
	r.w.copyEntry(r.seq)
}

func (r *logRow) TappedSecondary(ev *fyne.PointEvent) {
	if r.fold == rowTop {
		return
	}
	r.w.selectEntry(r.seq)
	r.w.entryMenu(r.seq, ev.AbsolutePosition)
}

// Cursor shows a hand over lines with a link (a double click opens it).
func (r *logRow) Cursor() desktop.Cursor {
	if c := r.w.shown; c != nil {
		if e := c.Entry(r.seq); e != nil && strings.Contains(e.Text, "http") && len(clientmodel.Links(e.Text)) > 0 {
			return desktop.PointerCursor
		}
	}
	return desktop.DefaultCursor
}

type logRowRenderer struct {
	r    *logRow
	objs []fyne.CanvasObject
}

func (l *logRowRenderer) Destroy()                     {}
func (l *logRowRenderer) Objects() []fyne.CanvasObject { return l.objs }
func (l *logRowRenderer) Refresh()                     { l.Layout(l.r.Size()); canvas.Refresh(l.r) }
func (l *logRowRenderer) MinSize() fyne.Size           { return fyne.NewSize(0, l.r.lineHeight) }

func (l *logRowRenderer) Layout(s fyne.Size) {
	r := l.r
	// The tint spans half the gap above and below, so that the rows of one
	// message make one block although the list spaces its rows apart.
	r.bg.Move(fyne.NewPos(0, -r.gap/2))
	r.bg.Resize(fyne.NewSize(s.Width, s.Height+r.gap))
	y := (s.Height - r.lineHeight) / 2
	r.tm.Move(fyne.NewPos(r.timeX, y))
	r.tm.Resize(fyne.NewSize(r.timeW, r.lineHeight))
	r.nick.Move(fyne.NewPos(r.nickX, y))
	r.nick.Resize(fyne.NewSize(max(r.textX-r.nickX, 0), r.lineHeight))
	r.text.Move(fyne.NewPos(r.textX, y))
	r.text.Resize(fyne.NewSize(max(s.Width-r.textX, 0), r.lineHeight))
	r.layoutLink(y, s)
}
