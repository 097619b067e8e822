package clientmodel

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/wire"
)

// Moderation as the user sees it: a ban (a refusal that is never retried),
// a mute and lecture mode (the entry is disabled and says why), the topic
// the admin or a room operator (roomops.go) pinned under a room's title.

// Muted is a mute on me: when it ends (zero: when the admin ends it) and why.
type Muted struct {
	Until  time.Time
	Reason string
}

// untilText says when something ends, in local time: "until 14:30",
// "until 3 Dec 14:30", or "" (zero: when the admin ends it).
func (m *Model) untilText(until time.Time) string {
	if until.IsZero() {
		return ""
	}
	until, now := until.Local(), m.now().Local()
	if until.Year() == now.Year() && until.YearDay() == now.YearDay() {
		return lang.L("until {{.Time}}", vars{"Time": until.Format("15:04")})
	}
	return lang.L("until {{.Time}}", vars{"Time": until.Format(lang.L("2 Jan 15:04"))})
}

// Silenced says why I cannot write in c ("" : I can): muted by the admin,
// or lecture mode in that room.
func (m *Model) Silenced(c *Conv) string {
	if m.Muted != nil {
		s := lang.L("Muted by the admin")
		if u := m.untilText(m.Muted.Until); u != "" {
			s = lang.L("Muted by the admin {{.Until}}", vars{"Until": u})
		}
		if m.Muted.Reason != "" {
			s += ": " + ServerReason(m.Muted.Reason)
		}
		return s + ". " + lang.L("You can still read.")
	}
	if c != nil && c.Kind != Private && (m.LectureAll != "" || c.Lecture != "") {
		return lang.L("Lecture mode: you can send private messages only") // short: it is the entry's placeholder
	}
	return ""
}

// bannedText is what a ban refusal says.
func (m *Model) bannedText(ev client.Refused) string {
	text := lang.L("You are banned from this server for good")
	if u := m.untilText(ev.Until); u != "" {
		text = lang.L("You are banned from this server {{.Until}}", vars{"Until": u})
	}
	if ev.Text != "" {
		text += ". " + lang.L("Reason: {{.Reason}}", vars{"Reason": ServerReason(ev.Text)})
	}
	return text + ". " + lang.L("MultiChat will not try to connect again by itself.")
}

// clearModeration forgets the restrictions of the last connection: the
// server sends those in force after the welcome. Topics stay (the server
// sends them again; the same one is not logged twice).
func (m *Model) clearModeration() {
	m.Muted, m.LectureAll = nil, ""
	for _, c := range m.Convs {
		c.Lecture = ""
	}
	m.ch.Phase = true
}

func (m *Model) restricted(ev client.Restricted) {
	switch ev.Kind {
	case wire.RestrictMute:
		if ev.On {
			m.Muted = &Muted{Until: ev.Until, Reason: ev.Reason}
			m.errorLine(m.lobby(), time.Time{}, m.Silenced(nil))
			if m.Cur != nil && m.Cur != m.lobby() {
				m.errorLine(m.Cur, time.Time{}, m.Silenced(nil))
			}
		} else if m.Muted != nil {
			m.Muted = nil
			m.systemBoth(time.Time{}, KindSystem, lang.L("The admin ended your mute: you can write again."))
		}
	case wire.RestrictLecture:
		text := lang.L("Lecture mode ended: you can write again.")
		switch {
		case ev.On && ev.Room != "":
			text = lang.L("Lecture mode: only the admin's announcements are posted in #{{.Room}} until it ends.", vars{"Room": ev.Room})
		case ev.On:
			text = lang.L("Lecture mode: only the admin's announcements are posted until it ends.")
		}
		if ev.Room == "" {
			m.LectureAll = ""
			if ev.On {
				m.LectureAll = ev.Reason + " " // never "" while on
			}
			m.systemBoth(time.Time{}, KindNotice, text)
		} else if c := m.RoomConv(ev.Room, false); c != nil {
			c.Lecture = ""
			if ev.On {
				c.Lecture = ev.Reason + " "
			}
			m.add(c, Entry{Text: text, Kind: KindNotice})
		}
	}
	m.ch.Phase = true
}

func (m *Model) topic(ev client.Topic) {
	c := m.RoomConv(ev.Room, false)
	if c == nil {
		return
	}
	if c.Topic == ev.Text {
		return // the same topic again (after a reconnect)
	}
	// The admin's topic comes "by admin"; an operator's by the operator's
	// nickname, which the line names (also when it comes with the join:
	// who set it, as IRC says).
	byOp := ev.By != "" && ev.By != "admin"
	c.Topic = ev.Text
	switch {
	case ev.Text == "" && byOp:
		m.system(c, ev.Time, lang.L("{{.By}} removed the topic.", vars{"By": ev.By}))
	case ev.Text == "":
		m.system(c, ev.Time, lang.L("The admin removed the topic."))
	case byOp:
		m.add(c, Entry{T: ev.Time, Text: lang.L("{{.By}} set the topic: {{.Text}}", vars{"By": ev.By, "Text": ev.Text}), Kind: KindNotice})
	default:
		m.add(c, Entry{T: ev.Time, Text: lang.L("Topic: {{.Text}}", vars{"Text": ev.Text}), Kind: KindNotice})
	}
	m.ch.Header = true
}
