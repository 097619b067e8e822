package gui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/wire"
)

// The user table's columns: a selection mark, then the three sortable ones.
const (
	colMark = iota
	colNick
	colAddr
	colSince
	userCols
)

func userColTitles() [userCols]string {
	return [userCols]string{"", lang.L("Nickname"), lang.L("Address"), lang.L("Connected since")}
}

// userColWeights share the width left of the mark column.
var userColWeights = [userCols]float32{0, 0.36, 0.36, 0.28}

func (s *ServerWindow) buildUsers() {
	s.users = widget.NewTable(
		func() (int, int) { return len(s.m.Shown), userCols },
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
		s.m.Toggle(id.Row)
		s.refreshUsers()
	}

	s.filter = widget.NewEntry()
	s.filter.SetPlaceHolder(lang.L("Filter by nickname or address"))
	s.filter.OnChanged = func(text string) {
		s.m.SetFilter(text)
		s.refreshUsers()
	}
	s.selectAll = widget.NewButton(lang.L("Select all shown"), func() {
		if len(s.m.Selected) > 0 {
			s.m.ClearSelection()
		} else {
			s.m.SelectShown()
		}
		s.refreshUsers()
	})
	s.kick = widget.NewButtonWithIcon(lang.L("Kick"), theme.ContentRemoveIcon(), s.kickTapped)
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
	if id.Row < 0 || id.Row >= len(s.m.Shown) {
		return
	}
	u := s.m.Shown[id.Row]
	c := o.(*fyne.Container)
	icon, l := c.Objects[0].(*widget.Icon), c.Objects[1].(*widget.Label)
	sel := s.m.Selected[u.Nick]
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
		t := u.Nick + wire.ViaTag(u.Via) + s.m.MuteTag(u.Nick, time.Now())
		if u.Away {
			t = awayLabel(t, u.AwayText)
		}
		l.SetText(t)
	case colAddr:
		l.SetText(userWhere(u))
	case colSince:
		l.SetText(formatSince(u.Since, time.Now()))
	}
	l.Refresh()
}

func (s *ServerWindow) updateUserHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col == colMark {
		b.SetText("")
		b.SetIcon(selectionIcon(&s.m))
		b.OnTapped = s.selectAll.OnTapped
		return
	}
	if id.Col < 0 || id.Col >= userCols {
		return
	}
	key := servermodel.SortKey(id.Col - colNick)
	title := userColTitles()[id.Col]
	if s.m.SortBy == key {
		if s.m.SortDesc {
			title += " ▼"
		} else {
			title += " ▲"
		}
	}
	b.SetIcon(nil)
	b.SetText(title)
	b.OnTapped = func() {
		s.m.SortUsers(key)
		s.refreshUsers()
	}
}

// refreshUsers redraws the user table and what depends on the selection.
func (s *ServerWindow) refreshUsers() {
	s.users.Refresh()
	s.updateControls()
}

func (s *ServerWindow) kickTapped() {
	nicks := s.m.Selection()
	if len(nicks) == 0 || s.m.State != servermodel.Running {
		return
	}
	reason := newIMEEntry()
	reason.SetText(clientmodel.ServerReason(defaultKickReason)) // sent as the server's default, which clients word themselves
	who := widget.NewLabelWithStyle(listNames(nicks, 12), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapWord
	label, title := lang.L("User"), lang.L("Kick {{.Nick}}?", map[string]any{"Nick": nicks[0]})
	if len(nicks) > 1 {
		label, title = lang.L("Users"), lang.L("Kick {{.Count}} users?", map[string]any{"Count": len(nicks)})
	}
	banFor, banNick := banSelect()
	items := []*widget.FormItem{
		widget.NewFormItem(label, who),
		widget.NewFormItem(lang.L("Reason"), reason),
		widget.NewFormItem(lang.L("And ban for"), banFor),
		widget.NewFormItem("", banNick),
	}
	d := dialog.NewForm(title, lang.L("Kick"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		r := strings.TrimSpace(reason.Text)
		if r == "" || r == clientmodel.ServerReason(defaultKickReason) {
			r = defaultKickReason
		}
		for _, nick := range nicks {
			s.out.send(kickOrBan(nick, r, banFor.Selected, banNick.Checked, time.Now()))
		}
	}, s.win)
	reason.OnSubmitted = func(string) { d.Submit() }
	dialogKeysTo(d, d.Submit, banFor, banNick)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	d.Show()
	s.win.Canvas().Focus(reason)
}

// listNames joins up to limit names, and says how many more there are.
func listNames(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return lang.L("{{.Names}} and {{.Count}} more", map[string]any{"Names": strings.Join(names[:limit], ", "), "Count": len(names) - limit})
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

// selectionIcon is the header's check mark: ticked when everyone shown is
// selected, partly when some are (a tap then clears the selection), empty
// when nobody is.
func selectionIcon(m *servermodel.Model) fyne.Resource {
	shown := 0
	for _, u := range m.Shown {
		if m.Selected[u.Nick] {
			shown++
		}
	}
	switch {
	case len(m.Selected) == 0:
		return theme.CheckButtonIcon()
	case shown == len(m.Shown):
		return theme.CheckButtonCheckedIcon()
	}
	return theme.Icon(theme.IconNameCheckButtonPartial)
}
