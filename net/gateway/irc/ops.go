package irc

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/multichat/multichat/net/wire"
)

// Channel operators. MultiChat's rooms have operators (whoever opened the
// room, those they make operators, and the server's operators in every
// room): the hub says who they are with RoomOps, and decides every request.
// IRC shows them as '@' (PREFIX=(o)@) in NAMES, WHO and WHOIS, and as MODE
// +o/-o lines when they change; TOPIC, KICK and MODE ±o become the hub's
// SetTopic, RoomKick and RoomOp. Rooms are always +nt: only operators set
// the topic, and only members speak.
//
// The hub answers a granted request with what everyone in the room sees (a
// Topic, a RoomKicked, a RoomOps) and a refused one with an Error that
// carries no Ref. So each request is sent between two barrier Pings: an
// Error that arrives between their Pongs is the refusal of that request,
// and is answered with the IRC numeric for it (482 not an operator, 441
// not on that channel…).

// opReq is a request to the hub about a room (or OPER), kept until its
// closing barrier is answered.
type opReq struct {
	command string // TOPIC, KICK, MODE or OPER
	ch      string // the channel as the client named it
	target  string // KICK's and MODE's nickname as the client wrote it
	on      bool   // MODE +o (true) or -o
}

// Barrier kinds of pingFor.op.
const (
	opOpen  = 1 // errors from here on answer the oldest opReq
	opClose = 2 // the oldest opReq is answered
)

// sendOp sends m, a request described by r, between its two barriers.
func (s *session) sendOp(r opReq, m wire.Message) {
	s.mu.Lock()
	s.opReqs = append(s.opReqs, r)
	s.nextPing++
	open := s.nextPing
	s.pings[open] = pingFor{op: opOpen}
	s.nextPing++
	closing := s.nextPing
	s.pings[closing] = pingFor{op: opClose}
	s.mu.Unlock()
	s.send(wire.Ping{Token: open})
	s.send(m)
	s.send(wire.Ping{Token: closing})
}

// opBarrier handles the Pong of one of sendOp's barriers (wmu held).
func (s *session) opBarrier(kind int) {
	switch kind {
	case opOpen:
		s.opActive = true
	case opClose:
		s.opActive = false
		s.mu.Lock()
		if len(s.opReqs) > 0 {
			s.opReqs = s.opReqs[1:]
		}
		s.mu.Unlock()
	}
}

// currentOp returns the request whose refusal an Error without a Ref is
// (ok = false when none is between its barriers).
func (s *session) currentOp() (opReq, bool) {
	if !s.opActive {
		return opReq{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.opReqs) == 0 {
		return opReq{}, false
	}
	return s.opReqs[0], true
}

// opsOf returns the FoldKeys of room's operators. The map is replaced, never
// changed, when the hub's list changes: the caller may read it unlocked.
func (s *session) opsOf(room string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops[room]
}

// isOp reports whether nick is an operator of room.
func (s *session) isOp(room, nick string) bool {
	return s.opsOf(room)[wire.FoldKey(nick)]
}

// isOper reports whether nick is one of the server's operators: they are
// operators of every room, the lobby too, which has no others.
func (s *session) isOper(nick string) bool { return s.isOp(s.lobby, nick) }

// prefixed is nick (or what stands for it) with its channel prefix in a
// room whose operators are ops.
func prefixed(ops map[string]bool, nick, shown string) string {
	if len(ops) > 0 && ops[wire.FoldKey(nick)] {
		return "@" + shown
	}
	return shown
}

// setOps keeps the hub's list of room's operators and shows the changes as
// MODE lines (wmu held). The first list of a room the client is entering
// is its state, shown by NAMES, not a change. by is the operator who made
// the change, when the hub says so.
func (s *session) setOps(room string, nicks []string, by string) {
	ops := make(map[string]bool, len(nicks))
	for _, n := range nicks {
		ops[wire.FoldKey(n)] = true
	}
	s.mu.Lock()
	if len(ops) == 0 {
		delete(s.ops, room)
	} else {
		s.ops[room] = ops
	}
	s.mu.Unlock()
	if !s.roster.In(room) || !s.shown(room) {
		return
	}
	if _, entering := s.entering[wire.FoldKey(room)]; entering {
		return
	}
	shown := s.shownOps[room]
	if shown == nil {
		shown = make(map[string]bool)
		s.shownOps[room] = shown
	}
	ch := Channel(room)
	for _, u := range s.roster.Users(room) {
		k := wire.FoldKey(u)
		switch {
		case ops[k] && !shown[k]:
			shown[k] = true
			s.line(s.modeSource(room, u, true, by), "MODE", ch, "+o", u)
		case !ops[k] && shown[k]:
			delete(shown, k)
			s.line(s.modeSource(room, u, false, by), "MODE", ch, "-o", u)
		}
	}
}

// modeSource is who a MODE ±o line comes from: the client when it is what
// the client asked for, else the operator the hub names (by), else the
// server (a room's creation, an operator's return, a server operator).
func (s *session) modeSource(room, nick string, on bool, by string) string {
	if r, ok := s.currentOp(); ok && r.command == "MODE" && r.on == on &&
		wire.FoldKey(Room(r.ch)) == wire.FoldKey(room) && wire.FoldKey(r.target) == wire.FoldKey(nick) {
		return s.mask(s.nick)
	}
	if by != "" {
		return s.mask(by)
	}
	return s.cfg.ServerName
}

// showOpsNow records room's operators among its members as shown, when
// NAMES has just shown them (wmu held).
func (s *session) showOpsNow(room string, users []string) {
	ops := s.opsOf(room)
	if len(ops) == 0 {
		delete(s.shownOps, room)
		return
	}
	shown := make(map[string]bool, len(ops))
	for _, u := range users {
		if k := wire.FoldKey(u); ops[k] {
			shown[k] = true
		}
	}
	s.shownOps[room] = shown
}

// joinedOps follows the JOIN lines of users with MODE +o for those who are
// operators already (wmu held): the hub sends a room's new list of
// operators before the arrival of one who comes back to it as an operator.
func (s *session) joinedOps(room string, users []string) {
	ops := s.opsOf(room)
	if len(ops) == 0 {
		return
	}
	for _, u := range users {
		k := wire.FoldKey(u)
		if !ops[k] || u == s.nick || s.shownOps[room][k] {
			continue
		}
		if s.shownOps[room] == nil {
			s.shownOps[room] = make(map[string]bool)
		}
		s.shownOps[room][k] = true
		s.line(s.cfg.ServerName, "MODE", Channel(room), "+o", u)
	}
}

// leftOps forgets nick as an operator of room, which it left (wmu held):
// RoomOps lists the operators in the room, and the hub does not send it
// when one leaves; one who comes back is in the next RoomOps.
func (s *session) leftOps(room, nick string) {
	ops := s.opsOf(room)
	if len(ops) == 0 {
		return
	}
	k := wire.FoldKey(nick)
	if shown := s.shownOps[room]; shown != nil {
		delete(shown, k)
	}
	if !ops[k] {
		return
	}
	rest := make(map[string]bool, len(ops))
	for o := range ops {
		if o != k {
			rest[o] = true
		}
	}
	s.mu.Lock()
	s.ops[room] = rest
	s.mu.Unlock()
}

// forgetOps forgets room's operators (the client left it) (wmu held).
func (s *session) forgetOps(room string) {
	delete(s.shownOps, room)
	s.mu.Lock()
	delete(s.ops, room)
	s.mu.Unlock()
}

// kick answers KICK #chan nick[,nick…] [:reason], or KICK #a,#b nick,nick
// (one channel for each nickname): each becomes a RoomKick; the hub decides.
// A KICK without a reason shows the kicker's nickname as the reason, as
// RFC 2812 says, and sends none to MultiChat's clients.
func (s *session) kick(m Message) {
	if len(m.Params) < 2 || m.Params[1] == "" {
		s.reply(func() { s.num("461", "KICK", "Not enough parameters") })
		return
	}
	chans := strings.Split(m.Params[0], ",")
	users := strings.Split(m.Params[1], ",")
	if len(users) > maxKicks {
		users = users[:maxKicks]
	}
	if len(chans) != 1 && len(chans) != len(users) {
		s.reply(func() { s.num("461", "KICK", "Not enough parameters: one channel, or one for each nickname") })
		return
	}
	reason := leavingWords(m.Param(2))
	for i, u := range users {
		ch := chans[min(i, len(chans)-1)]
		room := s.joined(ch)
		if room == "" {
			if i == 0 || len(chans) > 1 {
				s.notOn(ch)
			}
			continue
		}
		if u == "" {
			continue
		}
		s.sendOp(opReq{command: "KICK", ch: ch, target: u}, wire.RoomKick{Room: room, User: u, Reason: reason})
	}
}

// maxKicks is the most nicknames one KICK removes (TARGMAX KICK:4).
const maxKicks = 4

// roomKicked shows a member removed from a room by an operator as a KICK from
// them (wmu held); the removed user leaves the channel.
func (s *session) roomKicked(m wire.RoomKicked) {
	if !s.roster.In(m.Room) {
		return
	}
	ch := Channel(m.Room)
	source := s.cfg.ServerName
	if m.By != "" && m.By != "admin" {
		source = s.mask(m.By)
	}
	reason := cmp.Or(m.Reason, m.By)
	if m.User == s.nick {
		if m.Room == s.lobby { // the lobby is never left: the channel is only not shown any more
			if s.lobbyOn.Load() {
				s.line(source, "KICK", ch, s.nick, reason)
				s.lobbyOn.Store(false)
			}
			return
		}
		if s.shown(m.Room) {
			s.line(source, "KICK", ch, s.nick, reason)
		}
		s.roster.Forget(m.Room)
		delete(s.entering, wire.FoldKey(m.Room))
		s.forgetOps(m.Room)
		s.mu.Lock()
		delete(s.topics, m.Room)
		delete(s.parting, m.Room)
		s.mu.Unlock()
		return
	}
	if s.shown(m.Room) {
		s.line(source, "KICK", ch, m.User, reason)
	}
	s.leftOps(m.Room, m.User)
	s.roster.Apply(wire.Left{Room: m.Room, User: m.User})
}

// setTopic answers TOPIC #chan :text (text empty: clear the topic).
func (s *session) setTopic(ch, room, text string) {
	clean := leavingWords(text)
	if text != "" && strings.TrimSpace(clean) == "" {
		return // only formatting codes or a CTCP: no topic to set
	}
	s.sendOp(opReq{command: "TOPIC", ch: ch}, wire.SetTopic{Room: room, Text: clean})
}

// chanMode answers MODE #chan with changes: ±o becomes a RoomOp (the hub
// decides); +n and +t are always set, and a ban list is empty; other modes
// do not exist here: 472 to an operator, 482 to anyone else (who may not
// change modes at all).
func (s *session) chanMode(ch, room string, m Message) {
	args := m.Params[2:]
	arg := func() (string, bool) {
		if len(args) == 0 {
			return "", false
		}
		a := args[0]
		args = args[1:]
		return a, true
	}
	plus := true
	var unknown []string
	var lists []string
	setting := false // +n or +t, which are set already
	type change struct {
		nick string
		on   bool
	}
	var changes []change
	for _, c := range m.Params[1] {
		switch c {
		case '+', '-':
			plus = c == '+'
		case 'o':
			if nick, ok := arg(); ok && len(changes) < maxModes {
				changes = append(changes, change{nick, plus})
			}
		case 'b', 'e', 'I':
			if _, ok := arg(); ok {
				unknown = append(unknown, string(c))
			} else {
				lists = append(lists, string(c))
			}
		case 'n', 't':
			if plus {
				setting = true
			} else {
				unknown = append(unknown, "-"+string(c))
			}
		case 'v', 'h', 'k':
			arg()
			unknown = append(unknown, string(c))
		case 'l':
			if plus {
				arg()
			}
			unknown = append(unknown, string(c))
		default:
			unknown = append(unknown, string(c))
		}
	}
	if len(lists) > 0 || len(unknown) > 0 || setting {
		op := s.isOp(room, s.nick)
		s.reply(func() {
			for _, l := range lists {
				switch l {
				case "b":
					s.num("368", ch, "End of channel ban list")
				case "e":
					s.num("349", ch, "End of channel exception list")
				case "I":
					s.num("347", ch, "End of channel invite list")
				}
			}
			switch {
			case !op && (setting || len(unknown) > 0):
				s.num("482", ch, "You're not channel operator")
			case len(unknown) == 0: // +n, +t: nothing to change
			default:
				for _, u := range unknown {
					if strings.HasPrefix(u, "-") {
						s.num("472", u[1:], "is always set here: only channel operators set the topic, only members speak")
					} else {
						s.num("472", u, "is not a mode of MultiChat rooms")
					}
				}
			}
		})
	}
	for _, c := range changes {
		s.sendOp(opReq{command: "MODE", ch: ch, target: c.nick, on: c.on}, wire.RoomOp{Room: room, User: c.nick, On: c.on})
	}
}

// maxModes is the most ±o changes one MODE makes (MODES=4).
const maxModes = 4

// opRefused answers the hub's refusal of r (wmu held).
func (s *session) opRefused(r opReq, m wire.Error) {
	switch {
	case m.Code == wire.CodeNotOperator || m.Code == wire.CodeLobby: // the lobby has no room operators
		s.num("482", r.ch, sentence(m.Text))
	case m.Code == wire.CodeNotInRoom && r.target != "" && s.roster.Find(r.target) == "":
		s.num("401", r.target, "No such nick/channel")
	case m.Code == wire.CodeNotInRoom && r.target != "":
		s.num("441", r.target, r.ch, "They aren't on that channel")
	case m.Code == wire.CodeNotInRoom:
		s.num("442", r.ch, "You're not on that channel")
	case m.Code == wire.CodeNoSuchUser && r.target != "":
		s.num("401", r.target, "No such nick/channel")
	case m.Code == wire.CodeNoSuchRoom:
		s.num("403", r.ch, "No such channel")
	case m.Code == wire.CodeOperOff:
		s.num("491", cmp.Or(m.Text, "Operator logins are off on this server"))
	case m.Code == wire.CodeOperWrong:
		s.num("464", "Password incorrect: "+m.Text)
	case r.ch == "":
		s.notice(s.nick, r.command+": "+m.Text)
	default:
		s.notice(s.nick, r.command+" "+r.ch+": "+m.Text)
	}
}

// sentence is the hub's refusal text with a capital first letter (IRC's
// words for 482 when it has none).
func sentence(text string) string {
	r, n := utf8.DecodeRuneInString(text)
	if n == 0 {
		return "You're not channel operator"
	}
	return string(unicode.ToUpper(r)) + text[n:]
}
