package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
)

// The search panel (Ctrl+F, /search): words typed and Enter search the
// server's history of my rooms and private chats; results come newest
// first, each with where, who, when and the text around the match. ↓ moves
// through them; Enter or a double click shows one in its conversation,
// selected, with the lines around it.

type searchPanel struct {
	d      dialog.Dialog
	query  *dialogEntry
	status *widget.Label
	list   *widget.List
	more   *widget.Button
	open   *widget.Button
	sel    int
}

// showSearch opens the search panel (or focuses it).
func (w *ClientWindow) showSearch() {
	if w.m.Phase != clientmodel.Chat {
		return
	}
	if sp := w.searchP; sp != nil {
		focusLater(w.win, sp.query)
		return
	}
	sp := &searchPanel{query: newDialogEntry(), status: widget.NewLabel(""), sel: -1}
	w.searchP = sp
	sp.status.Wrapping = fyne.TextWrapWord
	sp.query.SetPlaceHolder(lang.L("Words to find, e.g. 회의 or deploy"))
	sp.query.SetText(w.m.Search.Query)
	sp.query.OnSubmitted = func(text string) {
		if text == w.m.Search.Query && sp.sel >= 0 && !w.m.Search.Loading {
			w.openHit(sp.sel)
			return
		}
		sp.sel = -1
		sp.list.UnselectAll()
		w.change(func() { w.m.SearchFor(text) })
	}
	sp.query.onDown = func() {
		if n := len(w.m.Search.Hits); n > 0 {
			sp.list.Select(min(sp.sel+1, n-1))
		}
	}
	sp.list = widget.NewList(func() int { return len(w.m.Search.Hits) },
		func() fyne.CanvasObject { return newHitRow(w) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.m.Search.Hits) {
				o.(*hitRow).set(id, w.m.Search.Hits[id], w.m.Search.Query)
			}
		})
	sp.list.OnSelected = func(id widget.ListItemID) {
		sp.sel = id
		sp.open.Enable()
	}
	sp.open = widget.NewButtonWithIcon(lang.L("Show in conversation"), theme.NavigateNextIcon(), func() { w.openHit(sp.sel) })
	sp.open.Importance = widget.HighImportance
	sp.open.Disable()
	sp.more = widget.NewButton(lang.L("More results"), func() { w.change(func() { w.m.SearchMore() }) })
	find := widget.NewButtonWithIcon("", theme.SearchIcon(), func() { sp.query.OnSubmitted(sp.query.Text) })
	top := container.NewVBox(container.NewBorder(nil, nil, nil, find, sp.query), sp.status)
	bottom := container.NewHBox(layout.NewSpacer(), sp.more, sp.open)
	body := container.NewBorder(top, bottom, nil, nil, sp.list)
	sp.d = dialog.NewCustom(lang.L("Search history"), lang.L("Close"), container.New(minSize{620, 440}, body), w.win)
	sp.query.onEscape = sp.d.Hide
	w.openModal(sp.d, func() { sp.query.OnSubmitted(sp.query.Text) }, func() {
		if w.searchP == sp {
			w.searchP = nil
		}
		if w.m.Phase == clientmodel.Chat && !w.m.ReadOnly() {
			w.win.Canvas().Focus(w.input)
		}
	})
	w.drawSearch()
	focusLater(w.win, sp.query)
}

// drawSearch shows the model's search state in the panel, opening it when
// /search asked for it.
func (w *ClientWindow) drawSearch() {
	if w.m.ShowSearch {
		w.m.ShowSearch = false
		if w.searchP == nil {
			w.showSearch()
			return
		}
		w.searchP.query.SetText(w.m.Search.Query)
	}
	sp := w.searchP
	if sp == nil {
		return
	}
	s := &w.m.Search
	sp.status.SetText(s.Status())
	sp.status.Importance = widget.MediumImportance
	if s.Err != "" {
		sp.status.Importance = widget.DangerImportance
	}
	show(sp.more, s.More)
	setEnabled(sp.more, !s.Loading)
	if sp.sel >= len(s.Hits) {
		sp.sel = -1
	}
	setEnabled(sp.open, sp.sel >= 0)
	sp.list.Refresh()
}

// openHit closes the panel and shows result i in its conversation.
func (w *ClientWindow) openHit(i int) {
	if i < 0 || i >= len(w.m.Search.Hits) {
		return
	}
	h := w.m.Search.Hits[i]
	if sp := w.searchP; sp != nil {
		sp.d.Hide()
	}
	w.change(func() { w.m.Open(h) })
}

// hitRow is one search result: where, who and when, then the text around
// the match. A double tap opens it.
type hitRow struct {
	widget.BaseWidget
	w     *ClientWindow
	id    int
	where *widget.Label
	text  *widget.RichText // the words searched for in bold
}

func newHitRow(w *ClientWindow) *hitRow {
	r := &hitRow{w: w, id: -1, where: widget.NewLabel(""), text: widget.NewRichText()}
	r.where.SizeName = theme.SizeNameCaptionText
	r.where.TextStyle.Bold = true
	r.where.Truncation = fyne.TextTruncateEllipsis
	r.text.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *hitRow) set(id int, h clientmodel.Hit, query string) {
	r.id = id
	r.where.SetText(h.Where() + " · " + h.From + " · " + h.T.Local().Format(lang.L("2 Jan 15:04")))
	text := clientmodel.Snippet(h.Text, query, 90)
	var segs []widget.RichTextSegment
	plain := func(s string, strong bool) {
		if s == "" {
			return
		}
		style := widget.RichTextStyleInline
		if strong {
			style = widget.RichTextStyleStrong
			style.ColorName = theme.ColorNamePrimary
		}
		segs = append(segs, &widget.TextSegment{Text: s, Style: style})
	}
	at := 0
	for _, sp := range clientmodel.MatchSpans(text, query) {
		plain(text[at:sp.Start], false)
		plain(text[sp.Start:sp.End], true)
		at = sp.End
	}
	plain(text[at:], false)
	r.text.Segments = segs
	r.text.Refresh()
}

func (r *hitRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.New(tightVBox{}, r.where, r.text))
}

func (r *hitRow) Tapped(*fyne.PointEvent) {
	if sp := r.w.searchP; sp != nil && r.id >= 0 {
		sp.list.Select(r.id)
	}
}

func (r *hitRow) DoubleTapped(*fyne.PointEvent) { r.w.openHit(r.id) }
