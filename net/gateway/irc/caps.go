package irc

import (
	"slices"
	"strings"
)

// IRCv3 capabilities the gateway offers: multi-prefix and
// userhost-in-names (MultiChat has one channel prefix, @ for operators, so
// the former changes nothing; with the latter NAMES gives nick!user@host),
// away-notify (an AWAY line when a member in a shared channel goes away or
// comes back).
var capsOffered = []string{"away-notify", "multi-prefix", "userhost-in-names"}

// capCommand answers CAP LS, LIST and REQ (END is the registration's).
// A REQ is taken whole or refused whole (NAK), as the spec says.
func (s *session) capCommand(m Message) {
	sub := strings.ToUpper(m.Param(0))
	switch sub {
	case "LS":
		s.reply(func() { s.line(s.cfg.ServerName, "CAP", s.capTarget(), "LS", strings.Join(capsOffered, " ")) })
	case "LIST":
		s.mu.Lock()
		var on []string
		for _, c := range capsOffered {
			if s.caps[c] {
				on = append(on, c)
			}
		}
		s.mu.Unlock()
		s.reply(func() { s.line(s.cfg.ServerName, "CAP", s.capTarget(), "LIST", strings.Join(on, " ")) })
	case "REQ":
		asked := strings.Fields(m.Param(1))
		ok := len(asked) > 0
		for _, c := range asked {
			ok = ok && slices.Contains(capsOffered, strings.TrimPrefix(c, "-"))
		}
		verdict := "NAK"
		if ok {
			verdict = "ACK"
			s.mu.Lock()
			for _, c := range asked {
				s.caps[strings.TrimPrefix(c, "-")] = !strings.HasPrefix(c, "-")
			}
			s.mu.Unlock()
		}
		s.reply(func() { s.line(s.cfg.ServerName, "CAP", s.capTarget(), verdict, m.Param(1)) })
	case "END":
	default:
		s.reply(func() { s.num("410", m.Param(0), "Invalid CAP command") })
	}
}

// capTarget is the client's nickname in CAP replies ("*" before it has one).
func (s *session) capTarget() string {
	if s.link == nil {
		return "*"
	}
	return s.nick
}

// hasCap reports whether the client enabled capability c.
func (s *session) hasCap(c string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps[c]
}
