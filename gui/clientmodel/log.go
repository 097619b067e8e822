package clientmodel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// A conversation's log: adding, clearing and removing lines; member lists.

func (m *Model) add(c *Conv, e Entry) {
	if c == nil {
		return
	}
	if e.T.IsZero() {
		e.T = m.now()
	}
	c.activity = nil
	c.Entries = append(c.Entries, e)
	c.noteIDs(e.MsgID)
	m.ch.Lines = true
	c.trim() // the view drops rows of lines below Base
	if c == m.Cur {
		m.ch.Log = true
	}
}

func (m *Model) system(c *Conv, t time.Time, text string) {
	m.add(c, Entry{T: t, Text: text, Kind: KindSystem})
}

func (m *Model) errorLine(c *Conv, t time.Time, text string) {
	m.add(c, Entry{T: t, Text: text, Kind: KindError})
}

// systemBoth logs a server-wide line in the lobby and, if it is elsewhere,
// in the conversation on screen.
func (m *Model) systemBoth(t time.Time, kind EntryKind, text string) {
	lobby := m.lobby()
	m.add(lobby, Entry{T: t, Text: text, Kind: kind})
	if m.Cur != nil && m.Cur != lobby {
		m.add(m.Cur, Entry{T: t, Text: text, Kind: kind})
	}
}

// Clear empties c's log.
func (m *Model) Clear(c *Conv) {
	c.Base += len(c.Entries)
	c.Entries = nil
	c.activity = nil
	c.MinID, c.Older = 0, OlderNone // cleared: the earlier history is not loaded back
	c.Gen++
	if c == m.Cur {
		m.ch.Log = true
	}
}

// remove deletes line seq of c (a discarded unsent line).
func (m *Model) remove(c *Conv, seq int) {
	i := seq - c.Base
	if i < 0 || i >= len(c.Entries) {
		return
	}
	c.Entries = slices.Delete(c.Entries, i, i+1)
	c.activity = nil
	c.Gen++
	if c == m.Cur {
		m.ch.Log = true
	}
}

// findMine returns the sequence number of my line with id in c, or -1.
// Pending lines are near the end, so it searches backwards.
func findMine(c *Conv, id uint64) int {
	for i := len(c.Entries) - 1; i >= 0; i-- {
		if e := &c.Entries[i]; e.Mine && e.ID == id {
			return c.Base + i
		}
	}
	return -1
}

// EntryLine is a line as copied: "[15:04] nick: text".
func EntryLine(e *Entry) string {
	t := e.T.Local().Format("15:04")
	if e.Kind == KindChat {
		return fmt.Sprintf("[%s] %s: %s", t, e.From, e.Text)
	}
	return fmt.Sprintf("[%s] %s", t, e.Text)
}

// SortedUsers returns users sorted case-insensitively, without duplicates.
func SortedUsers(users []string) []string {
	type user struct{ key, nick string }
	u := make([]user, len(users))
	for i, n := range users {
		u[i] = user{wire.FoldKey(n), n}
	}
	slices.SortFunc(u, func(a, b user) int { return strings.Compare(a.key, b.key) })
	u = slices.CompactFunc(u, func(a, b user) bool { return a.key == b.key })
	out := make([]string, len(u))
	for i := range u {
		out[i] = u[i].nick
	}
	return out
}

// SetMarks records the gateway marks of users: via holds the marked ones,
// the others have none.
func (m *Model) SetMarks(users []string, via map[string]string) {
	for _, u := range users {
		if v := via[u]; v != "" {
			if m.Marks == nil {
				m.Marks = make(map[string]string)
			}
			m.Marks[u] = v
		} else {
			delete(m.Marks, u)
		}
	}
}
