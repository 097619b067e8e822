package irc

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/multichat/multichat/net/wire"
)

// Entering a channel. IRC clients expect JOIN, the topic (332, 333) when
// there is one, then the names (353, 366); the hub sends a room's members,
// then (after any history replay) its topic, and the lobby's topic before or
// after its members. So the gateway follows each Join (and the Hello) with a
// Ping, the join's barrier: the hub answers it after everything the join
// brings, and the topic and names are shown then. The lobby's end the
// registration burst with the MOTD.

// joinRoom asks the hub to join room, followed by its barrier (registered
// first: the hub's answer may be read before Send returns).
func (s *session) joinRoom(room string) {
	n := s.awaitBarrier(room)
	s.send(wire.Join{Room: room})
	s.send(wire.Ping{Token: n})
}

// awaitBarrier registers the Ping that will follow the Join of room (the
// Hello: the lobby) and returns its token.
func (s *session) awaitBarrier(room string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextPing++
	s.pings[s.nextPing] = pingFor{room: room}
	return s.nextPing
}

// entered shows the JOIN of room, whose member list just came (wmu held);
// joined1 shows the rest when its barrier is answered (at once if none is
// outstanding: the hub put the user there).
func (s *session) entered(room string) {
	if s.shown(room) {
		s.line(s.mask(s.nick), "JOIN", Channel(room))
	}
	key := wire.FoldKey(room)
	s.mu.Lock()
	waiting := false
	for _, p := range s.pings {
		waiting = waiting || p.room != "" && wire.FoldKey(p.room) == key
	}
	s.mu.Unlock()
	s.entering[key] = room
	if !waiting {
		s.joined1(room)
	}
}

// joined1 queues the topic and the names of room (as the client or the hub
// spelled it), whose JOIN was shown (wmu held).
func (s *session) joined1(asked string) {
	key := wire.FoldKey(asked)
	room, ok := s.entering[key]
	if !ok {
		return // the join was refused, or the room was left meanwhile
	}
	delete(s.entering, key)
	if s.shown(room) {
		s.channelBurst(room)
	}
	if room != s.lobby {
		return
	}
	select {
	case <-s.ready:
	default:
		s.motd()
		if !s.lobbyOn.Load() {
			s.notice(s.nick, "You are in no channel yet: /join #lobby to talk with everyone on this server.")
		}
		close(s.ready)
	}
}

// channelBurst queues what follows a JOIN of room: its topic, if any, and
// its names (wmu held).
func (s *session) channelBurst(room string) {
	s.mu.Lock()
	t, ok := s.topics[room]
	s.mu.Unlock()
	if ok {
		s.topicReply(t)
	}
	users := s.roster.Users(room)
	s.namesReply(room, users)
	s.showOpsNow(room, users)
}

// shown reports whether the client is shown room, one of its rooms in the
// hub: every room but the lobby, and the lobby while lobbyOn.
func (s *session) shown(room string) bool {
	return room != s.lobby || s.lobbyOn.Load()
}

// shownRooms returns the rooms of the roster that nick is in and the client
// is shown.
func (s *session) shownRooms(nick string) []string {
	rooms := s.roster.RoomsOf(nick)
	if !s.lobbyOn.Load() {
		rooms = slices.DeleteFunc(rooms, func(r string) bool { return r == s.lobby })
	}
	return rooms
}

// joinLobby shows #lobby to a client that was not shown it (NoAutoJoin):
// the user has been in the hub's lobby all along, so JOIN, topic and names
// come from the roster at once.
func (s *session) joinLobby() {
	s.reply(func() {
		if s.lobbyOn.Load() {
			return
		}
		s.lobbyOn.Store(true)
		s.line(s.mask(s.nick), "JOIN", Channel(s.lobby))
		s.channelBurst(s.lobby)
	})
}

// partLobby stops showing #lobby (NoAutoJoin): the user stays on the server,
// and in the hub's lobby, where nobody sees a PART.
func (s *session) partLobby(reason string) {
	s.reply(func() {
		if !s.lobbyOn.Load() {
			return
		}
		s.lobbyOn.Store(false)
		s.line(s.mask(s.nick), "PART", Channel(s.lobby), cmp.Or(reason, "Left"))
	})
}

// topicChanged keeps the topic of t.Room (wmu held) and shows a change; a
// topic that comes with entering the room is shown by joined1.
func (s *session) topicChanged(t wire.Topic) {
	s.mu.Lock()
	if t.Text == "" {
		delete(s.topics, t.Room)
	} else {
		s.topics[t.Room] = t
	}
	s.mu.Unlock()
	if _, entering := s.entering[wire.FoldKey(t.Room)]; !entering && s.roster.In(t.Room) && s.shown(t.Room) {
		source := s.cfg.ServerName // the administrator's
		if t.By != "" && t.By != "admin" {
			source = s.mask(t.By) // an operator's
		}
		s.line(source, "TOPIC", Channel(t.Room), t.Text)
	}
}

// pingFor is what a Ping to the hub answers: the client's PING (token), a
// join's barrier (room) or one of a request's barriers (op, ops.go).
type pingFor struct {
	token, room string
	op          int
}

// maxPings bounds the client's PINGs waiting for the hub's Pong; past it a
// PING is answered at once.
const maxPings = 64

// ping answers PING after everything sent before it: the hub answers a Ping
// in order, so the PONG follows the replies to earlier JOINs, LISTs and
// messages (clients use PING as a barrier).
func (s *session) ping(m Message) {
	if len(m.Params) == 0 {
		s.reply(func() { s.num("409", "No origin specified") })
		return
	}
	token := m.Params[0]
	s.mu.Lock()
	queued := len(s.pings) < maxPings
	if queued {
		s.nextPing++
		s.pings[s.nextPing] = pingFor{token: token}
	}
	n := s.nextPing
	s.mu.Unlock()
	if queued {
		s.send(wire.Ping{Token: n})
		return
	}
	s.reply(func() { s.line(s.cfg.ServerName, "PONG", s.cfg.ServerName, token) })
}

// list asks the hub for its rooms; LIST #a,#b shows only those (other
// parameters, such as ELIST conditions, are ignored).
func (s *session) list(m Message) {
	var only []string
	if ch := m.Param(0); strings.HasPrefix(ch, "#") {
		only = strings.Split(ch, ",")
	}
	s.askRooms(func(rooms []wire.RoomInfo) {
		s.num("321", "Channel", "Users  Name")
		for _, r := range rooms {
			if only == nil || slices.ContainsFunc(only, func(ch string) bool {
				return wire.FoldKey(Room(ch)) == wire.FoldKey(r.Name)
			}) {
				s.num("322", Channel(r.Name), strconv.Itoa(int(r.Members)), "")
			}
		}
		s.num("323", "End of /LIST")
	})
}

// userhost answers USERHOST nick… with nick=+user@host (- when away).
func (s *session) userhost(m Message) {
	if len(m.Params) == 0 {
		s.reply(func() { s.num("461", "USERHOST", "Not enough parameters") })
		return
	}
	var out []string
	for _, n := range m.Params[:min(len(m.Params), 5)] {
		nick := s.roster.Find(n)
		if nick == "" {
			continue
		}
		here := "+"
		if _, away := s.awayText(nick); away {
			here = "-"
		}
		user, host, _ := s.identity(nick)
		out = append(out, nick+"="+here+user+"@"+host)
	}
	s.reply(func() { s.num("302", strings.Join(out, " ")) })
}

// awayText returns nick's away message and whether they are away.
func (s *session) awayText(nick string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.aways[wire.FoldKey(nick)]
	return t, ok
}

// maskMatch reports whether nick matches an IRC mask with * and ?,
// regardless of case.
func maskMatch(mask, nick string) bool {
	mask = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(strings.ToLower(mask))
	ok, err := path.Match(mask, strings.ToLower(nick))
	return err == nil && ok
}
