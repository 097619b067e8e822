package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"

	"github.com/multichat/multichat/gui/clientmodel"
)

// Links in the log: the first http or https URL of a row is drawn in the
// theme's link colour and underlined, and a click on it opens it through
// the OS (a right click lists every link of the message; a double click on
// a message with one link opens it too).

// rowLink is the part of a log row drawn as a link: the row's text is
// split into the text before it (logRow.text), the link and the text after.
type rowLink struct {
	link, post *canvas.Text
	under      *canvas.Line
	url        string
	x0, x1     float32 // the link's extent, from the row's textX
}

func newRowLink() rowLink {
	l := rowLink{link: canvas.NewText("", nil), post: canvas.NewText("", nil), under: canvas.NewLine(nil)}
	l.under.StrokeWidth = 1
	l.under.Hide()
	return l
}

func (l *rowLink) clear() {
	l.url, l.link.Text, l.post.Text = "", "", ""
	l.under.Hide()
}

// drawLink splits row r, which shows bytes start..end of e's text, around
// the first URL it shows.
func (w *ClientWindow) drawLink(r *logRow, e *clientmodel.Entry, start, end int) {
	r.lk.clear()
	if !strings.Contains(e.Text, "http") || strings.IndexByte(e.Text[start:end], '\t') >= 0 {
		return
	}
	for _, sp := range clientmodel.LinkSpans(e.Text) {
		a, b := max(sp.Start, start), min(sp.End, end)
		if a >= b {
			continue
		}
		style := r.text.TextStyle
		pre := e.Text[start:a]
		r.text.Text = pre
		r.lk.link.Text, r.lk.post.Text = e.Text[a:b], e.Text[b:end]
		r.lk.link.TextStyle, r.lk.post.TextStyle = style, style
		r.lk.post.Color = r.text.Color
		c := w.logList.Theme().Color(theme.ColorNameHyperlink, w.app.Settings().ThemeVariant())
		r.lk.link.Color, r.lk.under.StrokeColor = c, c
		r.lk.x0 = fyne.MeasureText(pre, w.meas.size, style).Width
		r.lk.x1 = r.lk.x0 + fyne.MeasureText(r.lk.link.Text, w.meas.size, style).Width
		r.lk.url = e.Text[sp.Start:sp.End]
		r.lk.under.Show()
		return
	}
}

// onLink reports whether x (in the row) is on its link.
func (r *logRow) onLink(x float32) bool {
	return r.lk.url != "" && x >= r.textX+r.lk.x0 && x <= r.textX+r.lk.x1
}

func (r *logRow) layoutLink(y float32, s fyne.Size) {
	l := &r.lk
	l.link.Move(fyne.NewPos(r.textX+l.x0, y))
	l.link.Resize(fyne.NewSize(l.x1-l.x0, r.lineHeight))
	l.post.Move(fyne.NewPos(r.textX+l.x1, y))
	l.post.Resize(fyne.NewSize(max(s.Width-r.textX-l.x1, 0), r.lineHeight))
	base := y + r.lineHeight - 2
	l.under.Position1 = fyne.NewPos(r.textX+l.x0, base)
	l.under.Position2 = fyne.NewPos(r.textX+l.x1, base)
}
