package gui

import (
	"context"
	"encoding/json"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/discovery"
)

// The connect form's server list: servers found on the LAN (live, while the
// form is shown) and servers connected to before. A click fills the form
// and connects (when a nickname is typed); a right click on a recent one
// offers to forget it.

// prefRecent keeps the recent servers (JSON) in the app's preferences.
const prefRecent = "client.recent"

// BrowseFunc searches the network for servers until ctx is done, then
// closes the channel (discovery.Browse; tests pass a fake). The window
// browses only while it shows the connect form, or while it reconnects to
// a server picked from the list (to follow it to a new address).
type BrowseFunc func(ctx context.Context) <-chan discovery.Event

// lanSearch is a running search.
type lanSearch struct {
	cancel context.CancelFunc
	done   <-chan struct{}
}

func (w *ClientWindow) buildServers() fyne.CanvasObject {
	w.serverStatus = widget.NewLabel("")
	w.serverStatus.Wrapping = fyne.TextWrapWord
	w.serverList = widget.NewList(
		func() int { return len(w.serverRows) },
		func() fyne.CanvasObject { return newServerRow(w) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(w.serverRows) {
				o.(*serverRow).set(id, w.serverRows[id])
			}
		})
	w.serverList.OnSelected = func(id widget.ListItemID) { w.pickServer(id) }
	title := widget.NewLabelWithStyle(lang.L("Servers"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewBorder(container.NewVBox(title, w.serverStatus), nil, nil, nil, w.serverList)
	w.loadRecent()
	w.drawServers()
	return container.New(minSize{0, 300}, box)
}

// loadRecent reads the recent servers from the preferences.
func (w *ClientWindow) loadRecent() {
	var recent []clientmodel.Recent
	if s := w.app.Preferences().String(prefRecent); s != "" && json.Unmarshal([]byte(s), &recent) == nil {
		if len(recent) > clientmodel.MaxRecent {
			recent = recent[:clientmodel.MaxRecent]
		}
		w.m.Recent = recent
	}
}

func (w *ClientWindow) saveRecent() {
	if b, err := json.Marshal(w.m.Recent); err == nil {
		w.app.Preferences().SetString(prefRecent, string(b))
	}
}

// drawServers shows the model's server rows and the search's status.
func (w *ClientWindow) drawServers() {
	w.serverRows = w.m.ServerRows()
	status := w.m.LANStatus()
	switch {
	case w.browse == nil:
		status = lang.L("Searching this network is off; type the address the admin shows.")
		if len(w.serverRows) > 0 {
			status = lang.L("Servers you used before:")
		}
	case w.m.LAN.Len() == 0 && len(w.serverRows) > 0:
		status += lang.L(". Servers you used before are listed below.")
	}
	w.serverStatus.SetText(status)
	w.serverList.UnselectAll()
	w.serverList.Refresh()
}

// pickServer fills the form with row id and connects when a nickname is
// there; else it asks for one.
func (w *ClientWindow) pickServer(id int) {
	w.serverList.UnselectAll()
	if id < 0 || id >= len(w.serverRows) || w.m.Phase != clientmodel.Idle {
		return
	}
	r := w.serverRows[id]
	w.addr.SetText(r.Addr)
	if w.nick.Text == "" && r.Nick != "" {
		w.nick.SetText(r.Nick)
	}
	if r.Found || r.Recent {
		w.plain.SetChecked(r.Plaintext)
	}
	if w.nick.Text == "" {
		w.change(func() { w.m.FormHint(lang.L("Type your nickname, then press Connect."), "nick") })
		return
	}
	w.connect()
}

// followLAN starts or stops searching the network as the phase asks.
func (w *ClientWindow) followLAN() {
	want := w.browse != nil && (w.m.Phase != clientmodel.Chat ||
		w.m.Instance != "" && w.m.Link == clientmodel.Reconnecting)
	switch {
	case want && w.search == nil:
		ctx, cancel := context.WithCancel(context.Background())
		w.lanGen++
		gen := w.lanGen
		w.m.ResetLAN()
		if w.serverList != nil {
			w.drawServers()
		}
		events := w.browse(ctx)
		w.search = &lanSearch{cancel: cancel, done: pump(events, func(evs []discovery.Event) { w.applyLAN(gen, evs) })}
	case !want && w.search != nil:
		w.stopLAN()
	}
}

func (w *ClientWindow) stopLAN() {
	if w.search != nil {
		w.search.cancel()
		w.search = nil
		w.lanGen++ // batches still on their way are stale
	}
}

// applyLAN shows a batch of the search's events (the pump calls it on
// Fyne's goroutine); those of a search already stopped are dropped.
func (w *ClientWindow) applyLAN(gen int, evs []discovery.Event) {
	if gen != w.lanGen {
		return
	}
	w.change(func() { w.m.ApplyLAN(evs) })
}

// serverRow draws one server: its name with marks (password, not
// encrypted, recent), and a second line with its address and people.
type serverRow struct {
	widget.BaseWidget
	w      *ClientWindow
	id     int
	addr   string
	recent bool
	title  *widget.Label
	marks  *widget.Label
	detail *widget.Label
	icon   *widget.Icon
}

func newServerRow(w *ClientWindow) *serverRow {
	r := &serverRow{w: w, id: -1, title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		marks: widget.NewLabel(""), detail: widget.NewLabel(""), icon: widget.NewIcon(theme.ComputerIcon())}
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.detail.SizeName = theme.SizeNameCaptionText
	r.marks.SizeName = theme.SizeNameCaptionText
	r.ExtendBaseWidget(r)
	return r
}

func (r *serverRow) set(id int, s clientmodel.ServerRow) {
	r.id, r.addr, r.recent = id, s.Addr, s.Recent && !s.Found
	r.title.SetText(s.Title)
	var marks []string
	if s.Locked {
		marks = append(marks, lang.L("Password"))
	}
	if s.Plaintext {
		marks = append(marks, lang.L("Not encrypted"))
	}
	if s.Recent {
		marks = append(marks, lang.L("Used before"))
	}
	r.marks.Importance = widget.MediumImportance
	if s.Plaintext || s.Other {
		r.marks.Importance = widget.WarningImportance
	}
	r.marks.SetText(joinMarks(marks))
	r.detail.SetText(s.Detail)
	if s.Found {
		r.icon.SetResource(theme.ComputerIcon())
	} else {
		r.icon.SetResource(theme.HistoryIcon())
	}
}

func joinMarks(m []string) string {
	s := ""
	for i, x := range m {
		if i > 0 {
			s += " · "
		}
		s += x
	}
	return s
}

func (r *serverRow) CreateRenderer() fyne.WidgetRenderer {
	top := container.NewBorder(nil, nil, nil, r.marks, r.title)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, nil,
		container.New(tightVBox{}, top, r.detail)))
}

func (r *serverRow) Tapped(*fyne.PointEvent) { r.w.pickServer(r.id) }

func (r *serverRow) TappedSecondary(ev *fyne.PointEvent) {
	if !r.recent || r.addr == "" {
		return
	}
	addr := r.addr
	menu := fyne.NewMenu("", fyne.NewMenuItem(lang.L("Forget this server"), func() {
		r.w.change(func() { r.w.m.ForgetRecent(addr) })
	}))
	widget.ShowPopUpMenuAtPosition(menu, r.w.win.Canvas(), ev.AbsolutePosition)
}

// tightVBox stacks its objects without padding (a row's two lines).
type tightVBox struct{}

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - 2*theme.Padding()
	}
	return s.AddWidthHeight(0, 2*theme.Padding())
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for i, o := range objs {
		h := o.MinSize().Height
		if i < len(objs)-1 {
			h -= 2 * theme.Padding()
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		y += h
	}
}
