package clientmodel

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// NotifyEvery spaces desktop notifications; mentions in between are counted
// in the title and folded into the next notification.
const NotifyEvery = 2 * time.Second

// activityWindow: joins and leaves closer together than this, with nothing
// else in between, make one line.
const activityWindow = 2 * time.Minute

func (m *Model) message(msg client.Message) {
	var c *Conv
	if msg.Private {
		peer := msg.From
		if msg.Mine {
			peer = msg.To
		}
		c = m.PrivateConv(peer)
	} else {
		c = m.RoomConv(msg.Room, true)
	}
	t := msg.Time
	if t.IsZero() {
		t = m.now()
	}
	if msg.Mine {
		if pc, ok := m.pending[msg.ID]; ok {
			delete(m.pending, msg.ID)
			seq := findMine(pc, msg.ID)
			if e := pc.Entry(seq); e != nil {
				if e.Text != msg.Text {
					e.Text = msg.Text
					pc.touch(seq)
				}
				e.State, e.T, e.ID, e.MsgID = Delivered, t, 0, msg.MsgID
				pc.noteIDs(msg.MsgID)
				if pc == m.Cur {
					m.ch.Log = true
				}
				return
			}
		}
	}
	mention := !msg.Mine && m.mentions(msg.Text)
	m.add(c, Entry{T: t, From: msg.From, Text: msg.Text, Kind: KindChat, Mine: msg.Mine, Mention: mention, MsgID: msg.MsgID})
	if !msg.Mine && !msg.History { // history raises no notification and counts as read
		title, body := msg.From+" in "+c.Title(), msg.Text
		if msg.Private {
			title = msg.From + " (private)"
		}
		m.bump(c, mention || msg.Private, mention || msg.Private, title, body)
	}
}

// bump counts an incoming line as unread where it is not seen (and as a
// mention when it names me or is private), and queues a desktop notification
// when notify is set and the window is not focused.
func (m *Model) bump(c *Conv, mention, notify bool, title, body string) {
	if c != m.Cur {
		c.Unread++
		if mention {
			c.Mentions++
		}
		m.ch.Convs = true
	}
	if m.Focused {
		return
	}
	m.TitleUnread++
	if notify {
		m.Notes = append(m.Notes, Note{Title: title, Body: Shorten(body, 200)})
	}
}

// SetFocused tells the model whether the window has the user's attention.
func (m *Model) SetFocused(f bool) {
	m.Focused = f
	if f {
		m.TitleUnread = 0
	}
}

// Title is the window's title.
func (m *Model) Title() string {
	t := "MultiChat"
	if m.Phase == Chat && m.Me != "" {
		t += " — " + m.Me
	}
	if m.TitleUnread > 0 {
		t = fmt.Sprintf("(%d) %s", m.TitleUnread, t)
	}
	return t
}

// mentions reports whether text names me as a word, ignoring case.
func (m *Model) mentions(text string) bool {
	if m.Me == "" {
		return false
	}
	if m.meLower == "" || !strings.EqualFold(m.meLower, m.Me) {
		m.meLower = strings.ToLower(m.Me)
	}
	return Mentions(text, m.meLower)
}

// Mentions reports whether text contains nick (lower case) as a word,
// ignoring case: "Alice," and "@alice" do, "malice" does not.
func Mentions(text, nick string) bool {
	if nick == "" || len(text) < len(nick) {
		return false
	}
	lower := text
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			lower = strings.ToLower(text)
			break
		}
	}
	for from := 0; ; {
		i := strings.Index(lower[from:], nick)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(nick)
		before, _ := utf8.DecodeLastRuneInString(lower[:i])
		after, _ := utf8.DecodeRuneInString(lower[j:])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		from = i + 1
	}
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
}

func (m *Model) undelivered(ev client.Undelivered) {
	c, ok := m.pending[ev.ID]
	delete(m.pending, ev.ID)
	why := Plain(ev.Err, "unknown error")
	if ok {
		if e := c.Entry(findMine(c, ev.ID)); e != nil {
			e.State, e.Why = NotSent, why
			if c == m.Cur {
				m.ch.Log = true
			}
		}
	} else {
		c = m.Cur
	}
	if c == nil {
		return
	}
	// Handed back because the session ended: the line itself says "not
	// sent" and the banner why. A refusal of this one message gets a line.
	if !errors.Is(ev.Err, client.ErrNotSent) && !errors.Is(ev.Err, client.ErrNotConnected) {
		m.errorLine(c, time.Time{}, fmt.Sprintf("Not sent: “%s” — %s. Select it to Retry, Copy or Discard it.", Shorten(ev.Text, 60), why))
	}
	// Over the server's limit (which may be below the default the entry
	// checks): learn the limit, and give the text back to edit.
	var tl *wire.TextTooLongError
	if errors.As(ev.Err, &tl) {
		if !tl.Chars && tl.Max > 0 && tl.Max < m.MaxText {
			m.MaxText = tl.Max
		}
		m.GiveBack = ev.Text
		m.Hint = "Too long: " + Plain(tl, "") + ". Shorten it or split it."
		if !tl.Chars {
			m.Hint = fmt.Sprintf("Too long for this server: your message takes %s bytes and its limit is %s. Shorten it or split it.", Count(tl.Size), Count(tl.Max))
		}
	}
}

// activity logs a join (joined) or a leave (with why) in c, folding it into
// the burst at the end of the log when there is one.
func (m *Model) activity(c *Conv, t time.Time, nick string, joined bool, why string) {
	if t.IsZero() {
		t = m.now()
	}
	a := c.activity
	if !m.Collapse || a == nil || len(c.Entries) == 0 || c.Entries[len(c.Entries)-1].Kind != KindActivity ||
		t.Sub(c.Entries[len(c.Entries)-1].T) > activityWindow {
		a = &activity{}
		a.note(nick, joined, why)
		m.add(c, Entry{T: t, Text: a.text(), Kind: KindActivity})
		c.activity = a
		return
	}
	a.note(nick, joined, why)
	e := &c.Entries[len(c.Entries)-1]
	e.Text, e.T = a.text(), t
	c.touch(c.Next() - 1)
	if c == m.Cur {
		m.ch.Log = true
	}
}

// activity is a burst of joins and leaves.
type activity struct {
	joined, left []string
	why          string // of the only leave
}

func (a *activity) note(nick string, joined bool, why string) {
	if joined {
		a.joined = append(a.joined, nick)
	} else {
		a.left = append(a.left, nick)
		a.why = why
	}
}

func (a *activity) text() string {
	var parts []string
	if len(a.joined) > 0 {
		parts = append(parts, people(a.joined)+" joined")
	}
	if len(a.left) == 1 {
		parts = append(parts, a.left[0]+" "+a.why)
	} else if len(a.left) > 0 {
		parts = append(parts, people(a.left)+" left")
	}
	return strings.Join(parts, "; ")
}

// people names up to three people, or counts them.
func people(names []string) string {
	switch n := len(names); {
	case n == 1:
		return names[0]
	case n <= 3:
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		return fmt.Sprintf("%d people", n)
	}
}

// LeftText says how someone left.
func LeftText(r wire.LeftReason) string {
	switch r {
	case wire.LeftQuit:
		return "quit"
	case wire.LeftParted:
		return "left the room"
	case wire.LeftKicked:
		return "was removed by the admin [시스템 추방]"
	case 0:
		return "left"
	}
	return "left (" + r.String() + ")"
}
