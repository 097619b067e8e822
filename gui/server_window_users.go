package gui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/server"
)

// The user table's columns: a selection mark, then the three sortable ones.
const (
	colMark = iota
	colNick
	colAddr
	colSince
	userCols
)

var userColTitles = [userCols]string{"", "Nickname", "Address", "Connected since"}

// userColWeights share the width left of the mark column.
var userColWeights = [userCols]float32{0, 0.36, 0.36, 0.28}

func (s *ServerWindow) buildUsers() {
	s.users = widget.NewTable(
		func() (int, int) { return len(s.m.shown), userCols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(widget.NewIcon(theme.CheckButtonIcon()), l)
		},
		s.updateUserCell)
	s.users.ShowHeaderRow = true
	s.users.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		return b
	}
	s.users.UpdateHeader = s.updateUserHeader
	s.users.SetColumnWidth(colMark, theme.IconInlineSize()+2*theme.Padding())
	s.users.OnSelected = func(id widget.TableCellID) {
		s.users.UnselectAll()
		s.m.toggle(id.Row)
		s.refreshUsers()
	}

	s.filter = widget.NewEntry()
	s.filter.SetPlaceHolder("Filter by nickname or address")
	s.filter.OnChanged = func(text string) {
		s.m.setFilter(text)
		s.refreshUsers()
	}
	s.selectAll = widget.NewButton("Select all shown", func() {
		if len(s.m.selected) > 0 {
			s.m.clearSelection()
		} else {
			s.m.selectShown()
		}
		s.refreshUsers()
	})
	s.kick = widget.NewButtonWithIcon("Kick", theme.ContentRemoveIcon(), s.kickTapped)
	s.kick.Importance = widget.DangerImportance
	// Moderation adds Mute (and Ban) here; they act on s.m.selection() as Kick does.
	s.userActions = container.NewHBox(s.kick)
}

func (s *ServerWindow) usersPane() fyne.CanvasObject {
	bar := container.NewBorder(nil, nil, nil, s.selectAll, s.filter)
	actions := container.NewHBox(layout.NewSpacer(), s.userActions)
	table := container.New(&fitColumns{t: s.users}, s.users)
	return container.NewBorder(bar, actions, nil, nil, table)
}

func (s *ServerWindow) updateUserCell(id widget.TableCellID, o fyne.CanvasObject) {
	if id.Row < 0 || id.Row >= len(s.m.shown) {
		return
	}
	u := s.m.shown[id.Row]
	c := o.(*fyne.Container)
	icon, l := c.Objects[0].(*widget.Icon), c.Objects[1].(*widget.Label)
	sel := s.m.selected[u.nick]
	if id.Col == colMark {
		l.Hide()
		icon.Show()
		if sel {
			icon.SetResource(theme.CheckButtonCheckedIcon())
		} else {
			icon.SetResource(theme.CheckButtonIcon())
		}
		return
	}
	icon.Hide()
	l.Show()
	l.TextStyle.Bold = sel
	switch id.Col {
	case colNick:
		l.SetText(u.nick)
	case colAddr:
		l.SetText(formatAddr(u.addr))
	case colSince:
		l.SetText(formatSince(u.since, time.Now()))
	}
	l.Refresh()
}

func (s *ServerWindow) updateUserHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col == colMark {
		b.SetText("")
		b.SetIcon(theme.CheckButtonIcon())
		if len(s.m.selected) > 0 {
			b.SetIcon(theme.CheckButtonCheckedIcon())
		}
		b.OnTapped = s.selectAll.OnTapped
		return
	}
	if id.Col < 0 || id.Col >= userCols {
		return
	}
	key := userSort(id.Col - colNick)
	title := userColTitles[id.Col]
	if s.m.sortBy == key {
		if s.m.sortDesc {
			title += " ▼"
		} else {
			title += " ▲"
		}
	}
	b.SetIcon(nil)
	b.SetText(title)
	b.OnTapped = func() {
		s.m.sortUsers(key)
		s.refreshUsers()
	}
}

// refreshUsers redraws the user table and what depends on the selection.
func (s *ServerWindow) refreshUsers() {
	s.users.Refresh()
	s.updateControls()
}

func (s *ServerWindow) kickTapped() {
	nicks := s.m.selection()
	if len(nicks) == 0 || s.m.state != stateRunning {
		return
	}
	reason := widget.NewEntry()
	reason.SetText(defaultKickReason)
	who := widget.NewLabelWithStyle(listNames(nicks, 12), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapWord
	label, title := "User", "Kick "+nicks[0]+"?"
	if len(nicks) > 1 {
		label, title = "Users", fmt.Sprintf("Kick %d users?", len(nicks))
	}
	items := []*widget.FormItem{
		widget.NewFormItem(label, who),
		widget.NewFormItem("Reason", reason),
	}
	d := dialog.NewForm(title, "Kick", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		r := strings.TrimSpace(reason.Text)
		if r == "" {
			r = defaultKickReason
		}
		for _, nick := range nicks {
			s.out.send(server.Kick{Nick: nick, Reason: r})
		}
	}, s.win)
	reason.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(reason)
}

// listNames joins up to limit names, and says how many more there are.
func listNames(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:limit], ", "), len(names)-limit)
}

// fitColumns lays out a user table so that its data columns share the width
// (userColWeights) and nothing scrolls sideways.
type fitColumns struct {
	t     *widget.Table
	width float32
}

func (f *fitColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Width != f.width {
		f.width = size.Width
		pad := theme.Padding()
		left := size.Width - (theme.IconInlineSize() + 2*theme.Padding()) - float32(userCols)*pad - theme.ScrollBarSize()
		for c := colNick; c < userCols; c++ {
			f.t.SetColumnWidth(c, max(40, left*userColWeights[c]))
		}
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (f *fitColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(240, objs[0].MinSize().Height)
}

// --- rooms ---

// A column of the room list: its title and share of the width.
type column struct {
	title  string
	weight float32
}

var roomColumns = []column{{"Room", 0.3}, {"Members", 0.16}, {"Who", 0.54}}

func (s *ServerWindow) buildRooms() {
	s.roomList = widget.NewList(
		func() int { return len(s.m.rooms) },
		func() fyne.CanvasObject { return newColumnsRow(roomColumns, false) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(s.m.rooms) {
				return
			}
			r := s.m.rooms[id]
			setColumns(o, r.name, strconv.Itoa(len(r.members)), strings.Join(r.members, ", "))
		})
	s.roomList.OnSelected = func(id widget.ListItemID) { s.roomList.Unselect(id) }
}

func (s *ServerWindow) roomsPane() fyne.CanvasObject {
	return container.NewBorder(
		container.NewVBox(newColumnsRow(roomColumns, true), widget.NewSeparator()),
		nil, nil, nil, s.roomList)
}

// placeholder is an invisible rectangle the size of o, so that hiding o
// does not move what is around it.
func placeholder(o fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(o.MinSize())
	return r
}

// newColumnsRow builds a list row (or, with header, the bold title row) of
// truncating labels laid out in the columns' proportions.
func newColumnsRow(cols []column, header bool) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(cols))
	weights := make([]float32, len(cols))
	for i, c := range cols {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		if header {
			l.Text = c.title
			l.TextStyle.Bold = true
		}
		objs[i] = l
		weights[i] = c.weight
	}
	return container.New(columnsLayout(weights), objs...)
}

// setColumns shows texts in a row made by newColumnsRow.
func setColumns(row fyne.CanvasObject, texts ...string) {
	for i, o := range row.(*fyne.Container).Objects {
		o.(*widget.Label).SetText(texts[i])
	}
}

// columnsLayout places objects side by side, each taking its weight's share
// of the width.
type columnsLayout []float32

func (c columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var total float32
	for _, w := range c {
		total += w
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width * c[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (c columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}
