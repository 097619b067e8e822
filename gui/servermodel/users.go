package servermodel

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"
)

// SortKey is a column of the user list to sort by.
type SortKey int

const (
	ByNick SortKey = iota
	ByAddr
	ByTime
)

// SortUsers sorts the user list by key; the same key again reverses it.
func (m *Model) SortUsers(key SortKey) {
	if m.SortBy == key {
		m.SortDesc = !m.SortDesc
	} else {
		m.SortBy, m.SortDesc = key, false
	}
	m.reshow()
}

// SetFilter shows only the users whose nickname or address contains text
// (ignoring case).
func (m *Model) SetFilter(text string) {
	m.filter = strings.ToLower(strings.TrimSpace(text))
	m.reshow()
}

func (m *Model) reshow() {
	m.Shown = m.Shown[:0]
	for _, u := range m.Users {
		if m.filter == "" || strings.Contains(strings.ToLower(u.Nick), m.filter) ||
			strings.Contains(FormatAddr(u.Addr), m.filter) {
			m.Shown = append(m.Shown, u)
		}
	}
	slices.SortStableFunc(m.Shown, func(a, b User) int {
		var c int
		switch m.SortBy {
		case ByAddr:
			c = a.Addr.Compare(b.Addr)
		case ByTime:
			c = a.Since.Compare(b.Since)
		}
		if c == 0 {
			c = cmp.Or(NaturalCompare(strings.ToLower(a.Nick), strings.ToLower(b.Nick)), strings.Compare(a.Nick, b.Nick))
		}
		if m.SortDesc {
			return -c
		}
		return c
	})
}

// Toggle selects or unselects the shown user at row.
func (m *Model) Toggle(row int) {
	if row < 0 || row >= len(m.Shown) {
		return
	}
	if m.Selected == nil {
		m.Selected = map[string]bool{}
	}
	nick := m.Shown[row].Nick
	if m.Selected[nick] {
		delete(m.Selected, nick)
	} else {
		m.Selected[nick] = true
	}
}

// SelectShown selects every user the filter shows.
func (m *Model) SelectShown() {
	if m.Selected == nil {
		m.Selected = map[string]bool{}
	}
	for _, u := range m.Shown {
		m.Selected[u.Nick] = true
	}
}

// ClearSelection unselects everyone.
func (m *Model) ClearSelection() { clear(m.Selected) }

// Selection lists the selected nicknames in the list's order (the ones the
// filter hides last, by name).
func (m *Model) Selection() []string {
	out := make([]string, 0, len(m.Selected))
	for _, u := range m.Shown {
		if m.Selected[u.Nick] {
			out = append(out, u.Nick)
		}
	}
	var hidden []string
	for nick := range m.Selected {
		if !slices.Contains(out, nick) {
			hidden = append(hidden, nick)
		}
	}
	slices.Sort(hidden)
	return append(out, hidden...)
}

// Title is the window title: the state and, while running, the count.
func (m *Model) Title(app string) string {
	v := map[string]any{"App": app, "Count": len(m.Users)}
	switch m.State {
	case Running:
		return lang.L("{{.App}} — Running, {{.Count}} connected", v)
	case Starting:
		return lang.L("{{.App}} — Starting", v)
	case Stopping:
		return lang.L("{{.App}} — Stopping", v)
	}
	return lang.L("{{.App}} — Stopped", v)
}

// StopQuestion is what Stop (or, closing, Close) asks while people are
// connected; "" when nobody would be disconnected.
func (m *Model) StopQuestion(closing bool) string {
	if m.State != Running || len(m.Users) == 0 {
		return ""
	}
	who := lang.N("{{.Count}} people are connected.", len(m.Users), map[string]any{"Count": len(m.Users)})
	if closing {
		return who + " " + lang.L("Stop the server and close the window?")
	}
	return who + " " + lang.L("Stop the server?")

}

// NaturalCompare orders strings as a person does: runs of digits compare by
// their value, so "pupil2" comes before "pupil10".
func NaturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the ASCII digits s starts with.
func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// clipRunes cuts s after limit characters, marking the cut with "…".
func clipRunes(s string, limit int) string {
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
