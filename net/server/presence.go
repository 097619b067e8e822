package server

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/wire"
)

// Presence: away and "typing…" (PROTOCOL.md, "Presence"). The hub keeps each
// member's status on its conn and answers set-away and typing frames here.

// AwayChanged reports that a user set away (with Text) or came back.
type AwayChanged struct {
	Nick string
	Away bool
	Text string
	At   time.Time
}

func (AwayChanged) isEvent() {}

// presence is a member's away status and when its last typing notice was
// forwarded; the hub owns it.
type presence struct {
	away     bool
	awayText string
	awayAt   int // while away: c's index in hub.away
	typedAt  time.Time
}

// setAway records c's status and tells every member when it changed.
func (h *hub) setAway(c *conn, m wire.SetAway) {
	text := m.Text
	if !m.Away {
		text = ""
	}
	if utf8.RuneCountInString(text) > wire.MaxAwayText {
		h.sendError(c, wire.CodeAwayText, 0, fmt.Sprintf("an away text can be at most %d characters", wire.MaxAwayText))
		return
	}
	if text != "" {
		if code, err := wire.CheckText(text, 4*wire.MaxAwayText); err != nil && code != wire.CodeEmptyText {
			h.sendError(c, wire.CodeAwayText, 0, err.Error())
			return
		}
	}
	if c.presence.away == m.Away && c.presence.awayText == text {
		return
	}
	if c.presence.away != m.Away {
		h.listAway(c, m.Away)
	}
	c.presence.away, c.presence.awayText = m.Away, text
	h.broadcast(h.lobby, wire.Encode(wire.Away{User: c.nick, Away: m.Away, Text: text}))
	h.emit(AwayChanged{Nick: c.nick, Away: m.Away, Text: text, At: time.Now()})
}

// awayTo tells a new member who is away.
func (h *hub) awayTo(c *conn) {
	for _, m := range h.away {
		if m != c {
			h.pushForce(c, wire.Encode(wire.Away{User: m.nick, Away: true, Text: m.presence.awayText}))
		}
	}
}

// listAway adds c to the members who are away, or takes it out, so that a
// join costs the number of those away, not the size of the lobby.
func (h *hub) listAway(c *conn, away bool) {
	if away {
		c.presence.awayAt = len(h.away)
		h.away = append(h.away, c)
		return
	}
	i, last := c.presence.awayAt, len(h.away)-1
	if i != last {
		h.away[i] = h.away[last]
		h.away[i].presence.awayAt = i
	}
	h.away[last] = nil
	h.away = h.away[:last]
}

// presenceLeave forgets a member who leaves the server.
func (h *hub) presenceLeave(c *conn) {
	if c.presence.away {
		h.listAway(c, false)
		c.presence.away = false
	}
}

// typing forwards c's typing notice, at most one per wire.TypingEvery per
// user; the others are dropped without an answer.
func (h *hub) typing(c *conn, m wire.Typing) {
	now := time.Now()
	if now.Sub(c.presence.typedAt) < wire.TypingEvery {
		return
	}
	c.presence.typedAt = now
	switch {
	case (m.Room == "") == (m.To == ""):
		h.sendError(c, wire.CodeTypingTarget, 0, "typing needs a room or a user, not both")
	case m.Room != "":
		r := h.roomNamed(m.Room)
		if r == nil || !c.in(r) {
			h.sendError(c, wire.CodeTypingTarget, 0, fmt.Sprintf("you are not in “%s”", clip(m.Room)))
			return
		}
		frame := wire.Encode(wire.TypingNotice{Room: r.name, From: c.nick})
		for _, o := range r.members {
			if o != c {
				h.push(o, frame)
			}
		}
	default:
		to := h.members[wire.FoldKey(m.To)]
		if to == nil || to == c {
			h.sendError(c, wire.CodeTypingTarget, 0, fmt.Sprintf("“%s” is not online", clip(m.To)))
			return
		}
		h.push(to, wire.Encode(wire.TypingNotice{From: c.nick, To: to.nick}))
	}
}
