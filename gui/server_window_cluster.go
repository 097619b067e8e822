package gui

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
)

// The Cluster tab: the servers of the cluster (this one first), their state
// and how many people are on each. It appears with the first news of a
// cluster; a server on its own has no such tab.

func clusterColumns() []column {
	return []column{
		{title: lang.L("Server"), weight: 0.35},
		{title: lang.L("State"), weight: 0.15},
		{title: lang.L("People"), weight: 0.12},
		{title: lang.L("Address"), weight: 0.38},
	}
}

type clusterView struct {
	list *widget.List
	tab  *container.TabItem
	rows [][4]string
}

// clusterRows lists this server, then the others, as the tab shows them.
func clusterRows(m *servermodel.Model) [][4]string {
	if m.Cluster == nil {
		return nil
	}
	people := m.PeopleOn()
	rows := [][4]string{{lang.L("This server") + " (" + m.Cluster.ID + ")", lang.L("up"),
		strconv.Itoa(people[""]), m.Bound}}
	for _, p := range m.Cluster.Peers {
		name := p.Name
		if name == "" {
			name = p.ID
		}
		state := lang.L("up")
		if !p.Up {
			state = lang.L("down")
		}
		n := p.Users
		if p.Name != "" {
			n = people[p.Name] // kept up to date by every join and leave
		}
		rows = append(rows, [4]string{fmt.Sprintf("%s (%s)", name, p.ID), state, strconv.Itoa(n), p.Addr})
	}
	return rows
}

// refreshCluster shows the Cluster tab (adding it the first time) with the
// model's state.
func (s *ServerWindow) refreshCluster() {
	if s.m.Cluster == nil {
		return
	}
	if s.cluster == nil {
		v := &clusterView{}
		v.list = widget.NewList(
			func() int { return len(v.rows) },
			func() fyne.CanvasObject { return newColumnsRow(clusterColumns(), false) },
			func(id widget.ListItemID, o fyne.CanvasObject) {
				if id >= 0 && id < len(v.rows) {
					r := v.rows[id]
					setColumns(o, r[0], r[1], r[2], r[3])
				}
			})
		v.list.OnSelected = func(id widget.ListItemID) { v.list.Unselect(id) }
		pane := container.NewBorder(container.NewVBox(newColumnsRow(clusterColumns(), true), widget.NewSeparator()),
			nil, nil, nil, v.list)
		v.tab = container.NewTabItemWithIcon(lang.L("Cluster"), theme.StorageIcon(), pane)
		s.cluster = v
		s.tabs.Append(v.tab)
	}
	s.cluster.rows = clusterRows(&s.m)
	s.cluster.list.Refresh()
}

// userWhere is the user table's address column: the address, or the cluster
// server the user is on.
func userWhere(u servermodel.User) string {
	if u.Server != "" {
		return lang.L("on") + " " + u.Server
	}
	return servermodel.FormatAddr(u.Addr)
}
