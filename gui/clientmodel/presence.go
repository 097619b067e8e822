package clientmodel

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// Presence: who is away, who is typing, and my own away status (by hand,
// or after AwayAfter idle minutes; any activity brings an automatic away
// back).

// Status is a user's away status as the server last told it.
type Status struct {
	Away bool
	Text string
}

// presenceState is the model's part for presence.
type presenceState struct {
	status     map[string]Status // by wire.FoldKey(nick); absent: here
	autoAway   bool              // Away was set by the idle timer
	lastActive time.Time         // the user's last input
	typedAt    time.Time         // the last typing notice sent
}

// StatusOf returns nick's away status.
func (m *Model) StatusOf(nick string) Status { return m.pres.status[wire.FoldKey(nick)] }

// SetAway marks me away (with an optional text) or back, by hand.
func (m *Model) SetAway(away bool, text string) {
	m.pres.autoAway = false
	m.setAway(away, text)
}

func (m *Model) setAway(away bool, text string) {
	if !away {
		text = ""
	}
	if m.Away == away && m.AwayText == text {
		return
	}
	m.Away, m.AwayText = away, text
	m.Send(client.SetAway{Away: away, Text: text})
	if m.Phase == Chat && m.Cur != nil {
		if away {
			m.system(m.Cur, time.Time{}, lang.L("You are shown as away."))
		} else {
			m.system(m.Cur, time.Time{}, lang.L("You are shown as here again."))
		}
	}
	m.ch.Users = true
}

// Active records the user's input (typing, a click in the window): an
// automatic away ends.
func (m *Model) Active() {
	m.pres.lastActive = m.now()
	if m.pres.autoAway && m.Away {
		m.pres.autoAway = false
		m.setAway(false, "")
	}
}

// IdleCheck sets me away when the user has been idle for AwayAfter
// minutes (the window calls it every half minute).
func (m *Model) IdleCheck() {
	if m.pres.lastActive.IsZero() {
		m.pres.lastActive = m.now()
	}
	if m.Away || m.AwayAfter <= 0 || m.Phase != Chat || m.Link != Live {
		return
	}
	if m.now().Sub(m.pres.lastActive) >= time.Duration(m.AwayAfter)*time.Minute {
		m.pres.autoAway = true
		m.setAway(true, "")
	}
}

// typingEvery is how often the model sends a typing notice: the wire's
// limit and a margin, so that the server, which measures the 3 s between
// arrivals, never drops one for a frame that travelled faster than the last.
const typingEvery = wire.TypingEvery + 250*time.Millisecond

// Typed tells the others that I am typing text in the current
// conversation: at most one notice per wire.TypingEvery, none for a
// command, an empty entry, or when SendTyping is off. When the limit held a
// notice back, retry is when to call Typed again with the entry's text (a
// line started just after sending the last one is announced once the 3 s
// are over, even without another key).
func (m *Model) Typed(text string) (retry time.Time) {
	m.Active()
	c := m.Cur
	if !m.SendTyping || c == nil || m.Phase != Chat || m.Link != Live || strings.TrimSpace(text) == "" ||
		strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//") || c.Kind == Room && !c.Joined {
		return time.Time{}
	}
	now := m.now()
	if next := m.pres.typedAt.Add(typingEvery); now.Before(next) {
		return next
	}
	m.pres.typedAt = now
	if c.Kind == Private {
		m.Send(client.SendTyping{To: c.Name})
	} else {
		m.Send(client.SendTyping{Room: c.Name})
	}
	return time.Time{}
}

func (m *Model) awayChanged(ev client.AwayChanged) {
	key := wire.FoldKey(ev.Nick)
	if m.pres.status == nil {
		m.pres.status = map[string]Status{}
	}
	if ev.Away {
		m.pres.status[key] = Status{Away: true, Text: ev.Text}
	} else {
		delete(m.pres.status, key)
	}
	m.ch.Users, m.ch.Convs = true, true
	if key != m.MeKey {
		if p := m.Find(ev.Nick, true); p != nil {
			text := lang.L("{{.Nick}} is back.", vars{"Nick": ev.Nick})
			switch {
			case ev.Away && ev.Text != "":
				text = lang.L("{{.Nick}} is away: {{.Text}}", vars{"Nick": ev.Nick, "Text": ev.Text})
			case ev.Away:
				text = lang.L("{{.Nick}} is away.", vars{"Nick": ev.Nick})
			}
			m.system(p, time.Time{}, text)
		}
	}
}

// typingNotice notes that ev.From is typing in a room or to me; it is shown
// for wire.TypingShown, or until a message from them arrives there.
func (m *Model) typingNotice(ev client.TypingNotice) {
	var c *Conv
	if ev.Room != "" {
		c = m.RoomConv(ev.Room, false)
	} else {
		c = m.Find(ev.From, true)
	}
	if c == nil || wire.FoldKey(ev.From) == m.MeKey {
		return // no conversation open with them yet: nothing to show it in
	}
	if c.typing == nil {
		c.typing = map[string]time.Time{}
	}
	c.typing[ev.From] = m.now().Add(wire.TypingShown)
	if c == m.Cur {
		m.ch.Typing = true
	}
}

// stoppedTyping forgets that nick was typing in c (a message from them
// arrived).
func (m *Model) stoppedTyping(c *Conv, nick string) {
	if _, ok := c.typing[nick]; ok {
		delete(c.typing, nick)
		if c == m.Cur {
			m.ch.Typing = true
		}
	}
}

// TypingLine is the line under c's log: who is typing there now, "" when
// nobody; next is when it changes by itself (zero: never).
func (m *Model) TypingLine(c *Conv) (line string, next time.Time) {
	if c == nil {
		return "", time.Time{}
	}
	now := m.now()
	var names []string
	for nick, until := range c.typing {
		if !until.After(now) {
			delete(c.typing, nick)
			continue
		}
		names = append(names, nick)
		if next.IsZero() || until.Before(next) {
			next = until
		}
	}
	names = SortedUsers(names)
	switch n := len(names); {
	case n == 0:
		return "", time.Time{}
	case n == 1:
		return lang.L("{{.Nick}} is typing…", vars{"Nick": names[0]}), next
	case n <= 3:
		return lang.L("{{.Names}} are typing…", vars{"Names": people(names)}), next
	default:
		return lang.L("Several people are typing…"), next
	}
}
