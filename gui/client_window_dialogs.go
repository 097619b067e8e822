package gui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/wire"
)

// dialogEntry is a one-line entry for dialogs: Enter runs OnSubmitted (as
// in any Entry) and Escape runs onEscape, so that every dialog can be used
// from the keyboard alone. Enter waits for an input method's last syllable
// (imeEntry).
type dialogEntry struct {
	imeEntry
	onEscape func()
	onDown   func()
}

func newDialogEntry() *dialogEntry {
	e := &dialogEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *dialogEntry) TypedKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape && e.onEscape != nil:
		e.flush()
		e.onEscape()
	case k.Name == fyne.KeyDown && e.onDown != nil:
		e.flush()
		e.onDown()
	default:
		e.imeEntry.TypedKey(k)
	}
}

// pickRow is a row of a dialog's list: a tap selects, a double tap picks.
type pickRow struct {
	widget.BaseWidget
	label  *widget.Label
	id     int
	list   *widget.List
	onPick func(id int)
}

func newPickRow(list **widget.List, onPick func(int)) func() fyne.CanvasObject {
	return func() fyne.CanvasObject {
		r := &pickRow{label: widget.NewLabel(""), id: -1, onPick: onPick}
		r.label.Truncation = fyne.TextTruncateEllipsis
		r.list = *list
		r.ExtendBaseWidget(r)
		return r
	}
}

func (r *pickRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.label) }
func (r *pickRow) Tapped(*fyne.PointEvent) {
	if r.id >= 0 && r.list != nil {
		r.list.Select(r.id)
	}
}
func (r *pickRow) DoubleTapped(*fyne.PointEvent) {
	if r.id >= 0 {
		r.onPick(r.id)
	}
}

// modal is a dialog the window opened, with what Enter does in it.
type modal struct {
	d       dialog.Dialog
	onEnter func()
}

// openModal shows d and makes Enter (onEnter, or closing) and Escape
// (closing) work in it while no entry of its own has the focus; onClosed
// runs when it closes.
func (w *ClientWindow) openModal(d dialog.Dialog, onEnter, onClosed func()) {
	m := &modal{d: d, onEnter: onEnter}
	w.modals = append(w.modals, m)
	d.SetOnClosed(func() {
		if i := slices.Index(w.modals, m); i >= 0 {
			w.modals = slices.Delete(w.modals, i, i+1)
		}
		if onClosed != nil {
			onClosed()
		}
	})
	d.Show()
}

// typedKey handles keys that reach the canvas itself (no widget has the
// focus): Enter and Escape in the topmost dialog.
func (w *ClientWindow) typedKey(k *fyne.KeyEvent) {
	if len(w.modals) == 0 {
		return
	}
	m := w.modals[len(w.modals)-1]
	switch k.Name {
	case fyne.KeyEscape:
		m.d.Hide()
	case fyne.KeyReturn, fyne.KeyEnter:
		if m.onEnter != nil {
			m.onEnter()
		} else {
			m.d.Hide()
		}
	}
}

// showDialogs shows the model's messages (a kick) as dialogs that Enter or
// Escape closes.
func (w *ClientWindow) showDialogs() {
	for _, d := range w.m.Dialogs {
		text := widget.NewLabel(d.Text) // left-aligned, unlike NewInformation: long texts read better
		text.Wrapping = fyne.TextWrapWord
		w.openModal(dialog.NewCustom(d.Title, lang.L("OK"), container.New(minSize{520, 0}, text), w.win), nil, nil)
	}
	w.m.Dialogs = w.m.Dialogs[:0]
}

// ---- Rooms ----

type roomsDialog struct {
	d      dialog.Dialog
	name   *dialogEntry
	list   *widget.List
	status *widget.Label
	rooms  []wire.RoomInfo
	sel    int
}

// showRooms opens the Rooms dialog: type a name to join or create a room,
// or pick one from the list (double-click joins); Leave leaves the picked
// room if I am in it.
func (w *ClientWindow) showRooms() {
	if w.m.Phase != clientmodel.Chat {
		return
	}
	rd := &roomsDialog{name: newDialogEntry(), status: widget.NewLabel(lang.L("Asking the server for its rooms…")), sel: -1}
	w.rooms = rd
	rd.name.SetPlaceHolder(lang.L("room name, e.g. dev"))
	join := func(room string) {
		if strings.TrimSpace(room) == "" {
			return
		}
		var ok bool
		w.change(func() { ok = w.m.Join(room) })
		if ok {
			rd.d.Hide()
		} else {
			rd.status.SetText(w.m.Hint)
			w.m.Hint = ""
			w.setHint("")
		}
	}
	rd.name.OnSubmitted = join
	rd.list = widget.NewList(func() int { return len(rd.rooms) },
		newPickRow(&rd.list, func(id int) { join(rd.rooms[id].Name) }),
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*pickRow)
			r.id, r.list = id, rd.list
			info := rd.rooms[id]
			t := lang.N("#{{.Room}} — {{.Count}} people", int(info.Members), map[string]any{"Room": info.Name, "Count": info.Members})
			if c := w.m.RoomConv(info.Name, false); c != nil && c.Joined {
				t = lang.N("#{{.Room}} — {{.Count}} people (you are in it)", int(info.Members), map[string]any{"Room": info.Name, "Count": info.Members})
			}
			r.label.SetText(t)
		})
	rd.list.OnSelected = func(id widget.ListItemID) {
		rd.sel = id
		rd.name.SetText(rd.rooms[id].Name)
	}
	rd.name.onDown = func() {
		if len(rd.rooms) > 0 {
			rd.list.Select(0)
		}
	}
	joinBtn := widget.NewButton(lang.L("Join or create"), func() { join(rd.name.Text) })
	joinBtn.Importance = widget.HighImportance
	leaveBtn := widget.NewButton(lang.L("Leave"), func() {
		c := w.m.RoomConv(strings.TrimPrefix(rd.name.Text, "#"), false)
		if c == nil || c.Kind != clientmodel.Room || !c.Joined {
			rd.status.SetText(lang.L("You are not in that room."))
			return
		}
		w.change(func() { w.m.Leave(c) })
		rd.d.Hide()
	})
	top := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Room")), container.NewHBox(joinBtn, leaveBtn), rd.name)
	body := container.NewBorder(container.NewVBox(top, rd.status), nil, nil, nil, rd.list)
	rd.d = dialog.NewCustom(lang.L("Rooms"), lang.L("Close"), container.New(minSize{420, 360}, body), w.win)
	rd.name.onEscape = rd.d.Hide
	w.openModal(rd.d, func() { join(rd.name.Text) }, func() {
		if w.rooms == rd {
			w.rooms = nil
		}
		w.win.Canvas().Focus(w.input)
	})
	focusLater(w.win, rd.name)
	w.change(w.m.ListRooms)
}

// roomsAnswered fills the open Rooms dialog with the server's list.
func (w *ClientWindow) roomsAnswered() {
	rd := w.rooms
	if rd == nil {
		return
	}
	rd.rooms = slices.Clone(w.m.RoomList)
	slices.SortFunc(rd.rooms, func(a, b wire.RoomInfo) int { return int(b.Members) - int(a.Members) })
	rd.status.SetText(lang.N("{{.Count}} rooms on this server. Double-click one to join it, or type a new name to create it.", len(rd.rooms), map[string]any{"Count": len(rd.rooms)}))
	rd.list.Refresh()
}

// ---- Quick switcher ----

// showSwitcher opens the conversation switcher (Ctrl+K): type to filter,
// ↓ to the list, Enter or double-click switches, Escape closes.
func (w *ClientWindow) showSwitcher() {
	if w.m.Phase != clientmodel.Chat {
		return
	}
	filter := newDialogEntry()
	filter.SetPlaceHolder(lang.L("Type part of a room or nickname"))
	var matches []*clientmodel.Conv
	var list *widget.List
	var d dialog.Dialog
	pick := func(id int) {
		if id >= 0 && id < len(matches) {
			c := matches[id]
			d.Hide()
			w.change(func() { w.m.SwitchTo(c) })
		}
	}
	update := func(q string) {
		q = strings.ToLower(strings.TrimSpace(strings.TrimLeft(q, "#@")))
		matches = matches[:0]
		for _, c := range w.m.Convs {
			if strings.Contains(strings.ToLower(c.Name), q) {
				matches = append(matches, c)
			}
		}
		list.Refresh()
		if len(matches) > 0 {
			list.Select(0) // what Enter picks
		}
	}
	list = widget.NewList(func() int { return len(matches) }, newPickRow(&list, pick),
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*pickRow)
			r.id, r.list = id, list
			c := matches[id]
			t := c.Title()
			if c.Unread > 0 {
				t += "  " + lang.L("({{.Count}} new)", map[string]any{"Count": c.Unread})
			}
			r.label.SetText(t)
		})
	sel := -1
	list.OnSelected = func(id widget.ListItemID) { sel = id }
	filter.OnChanged = update
	filter.OnSubmitted = func(string) {
		if sel < 0 {
			sel = 0
		}
		pick(sel)
	}
	filter.onDown = func() {
		if len(matches) > 0 {
			list.Select(min(sel+1, len(matches)-1))
		}
	}
	d = dialog.NewCustom(lang.L("Switch conversation"), lang.L("Close"),

		container.New(minSize{360, 300}, container.NewBorder(filter, nil, nil, nil, list)), w.win)
	filter.onEscape = d.Hide
	update("")
	w.openModal(d, func() { filter.OnSubmitted(filter.Text) }, func() { w.win.Canvas().Focus(w.input) })
	focusLater(w.win, filter)
}

// focusLater focuses o once the current event is over: a dialog opened from
// a menu item would otherwise lose the focus when the menu closes.
func focusLater(win fyne.Window, o fyne.Focusable) {
	fyne.Do(func() { win.Canvas().Focus(o) })
}

// minSize is a layout that gives its one object at least the given size.
type minSize struct{ w, h float32 }

func (m minSize) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	return fyne.NewSize(max(s.Width, m.w), max(s.Height, m.h))
}

func (m minSize) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(s)
}
