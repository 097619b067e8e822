package client

import (
	"time"

	"github.com/multichat/multichat/net/wire"
)

// Presence: away and "typing…" (PROTOCOL.md, "Presence").

// SetAway marks me away (with an optional Text) or back. The session keeps
// it and tells the server again after every reconnect.
type SetAway struct {
	Away bool
	Text string
}

// SendTyping tells the others that I am typing in Room or to To. The
// session sends at most one every wire.TypingEvery and none while not
// connected.
type SendTyping struct {
	Room string
	To   string
}

// AwayChanged reports that Nick is away (with Text) or back.
type AwayChanged struct {
	Nick string
	Away bool
	Text string
}

// TypingNotice reports that From is typing in Room, or to me (Room "").
type TypingNotice struct {
	Room string
	From string
}

func (SetAway) isCommand()    {}
func (SendTyping) isCommand() {}
func (AwayChanged) isEvent()  {}
func (TypingNotice) isEvent() {}

// awayState is what the session remembers of my presence.
type awayState struct {
	away    bool
	text    string
	typedAt time.Time // the last typing frame sent
}

func (s *session) setAway(c SetAway) {
	if !c.Away {
		c.Text = ""
	}
	if s.presence.away == c.Away && s.presence.text == c.Text {
		return
	}
	s.presence.away, s.presence.text = c.Away, c.Text
	if s.c != nil {
		s.c.send(wire.SetAway{Away: c.Away, Text: c.Text})
	}
}

// awayAgain tells a new connection that I am away, if I am.
func (s *session) awayAgain() {
	if s.presence.away && s.c != nil {
		s.c.send(wire.SetAway{Away: true, Text: s.presence.text})
	}
}

func (s *session) sendTyping(c SendTyping) {
	now := time.Now()
	if s.c == nil || now.Sub(s.presence.typedAt) < wire.TypingEvery {
		return
	}
	s.presence.typedAt = now
	s.c.send(wire.Typing{Room: c.Room, To: c.To})
}
