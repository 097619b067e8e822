package irc

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/wire"
)

// fromClient reads the registered client's commands until it goes or quits
// (quit = true), or fromHub ends the session.
//
// Keepalive: after IdleTime of silence the client is sent a PING; after as
// long again without a line it is dropped ("Ping timeout"). Flood control:
// the commands the gateway answers itself (WHO, NAMES, MODE…) are held to
// localBurst at once, then localRate a second, by not reading meanwhile;
// what goes to the hub (PRIVMSG, JOIN…) meets the hub's own flood control.
func (s *session) fromClient(br *bufio.Reader) (quit bool) {
	pinged := false
	tokens, last := float64(localBurst), time.Now()
	for {
		s.nc.SetReadDeadline(time.Now().Add(s.cfg.IdleTime))
		m, err := s.readLine(br)
		if isTimeout(err) && !pinged {
			pinged = true
			if s.reply(func() { s.line("", "PING", s.cfg.ServerName) }) != nil {
				return false
			}
			continue
		}
		if isTimeout(err) {
			s.reply(func() { s.line("", "ERROR", "Closing Link: "+s.host+" (Ping timeout)") })
			return false
		}
		if err != nil {
			return false
		}
		pinged = false
		if !toHub[m.Command] {
			now := time.Now()
			tokens = min(tokens+now.Sub(last).Seconds()*localRate, localBurst) - 1
			last = now
			if tokens < 0 {
				time.Sleep(time.Duration(-tokens / localRate * float64(time.Second)))
			}
		}
		if !s.command(m) {
			return true
		}
	}
}

// Flood control of the commands the gateway answers itself.
const (
	localBurst = 20
	localRate  = 4.0
)

// toHub lists the commands that become hub messages (flood-controlled there).
var toHub = map[string]bool{"PRIVMSG": true, "NOTICE": true, "JOIN": true, "PART": true, "LIST": true, "QUIT": true}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// command handles one command; it returns false for QUIT.
func (s *session) command(m Message) bool {
	if m.BadUTF8 && m.Command != "QUIT" {
		// MultiChat refuses text that is not UTF-8 rather than alter it
		// (ISUPPORT UTF8ONLY; IRCv3 standard replies).
		s.reply(func() {
			s.line(s.cfg.ServerName, "FAIL", m.Command, "INVALID_UTF8",
				"Not sent: the line is not UTF-8 (set your client's charset to UTF-8)")
		})
		return true
	}
	switch m.Command {
	case "PRIVMSG", "NOTICE":
		s.privmsg(m)
	case "JOIN":
		s.join(m)
	case "PART":
		s.part(m)
	case "NAMES":
		s.names(m)
	case "WHO":
		s.who(m)
	case "WHOIS":
		s.whois(m)
	case "LIST":
		s.list(m)
	case "TOPIC":
		s.topic(m)
	case "MODE":
		s.mode(m)
	case "KICK":
		s.kick(m)
	case "MOTD":
		s.reply(s.motd)
	case "PING":
		s.ping(m)
	case "PONG":
	case "ISON":
		s.ison(m)
	case "USERHOST":
		s.userhost(m)
	case "AWAY":
		s.mu.Lock()
		s.away = m.Param(0) != ""
		away := s.away
		s.mu.Unlock()
		s.send(wire.SetAway{Away: away, Text: m.Param(0)})
		s.reply(func() {
			if away {
				s.num("306", "You have been marked as being away")
			} else {
				s.num("305", "You are no longer marked as being away")
			}
		})
	case "CAP":
		s.capCommand(m)
	case "NICK":
		s.reply(func() {
			s.notice(s.nick, "Nickname changes are not supported here: reconnect with the new nickname.")
		})
	case "USER", "PASS":
		s.reply(func() { s.num("462", "You may not reregister") })
	case "OPER":
		if len(m.Params) < 2 {
			s.reply(func() { s.num("461", "OPER", "Not enough parameters") })
		} else {
			s.sendOp(opReq{command: "OPER"}, wire.Oper{Name: m.Params[0], Password: m.Params[1]})
		}
	case "QUIT":
		reason := "Quit"
		if q := m.Param(0); q != "" {
			if !m.BadUTF8 {
				s.quitText = leavingWords(q)
			}
			reason = "Quit: " + q
		}
		s.reply(func() { s.line("", "ERROR", "Closing Link: "+s.host+" ("+reason+")") })
		return false
	default:
		s.reply(func() { s.num("421", m.Command, "Unknown command") })
	}
	return true
}

// send writes a message to the hub; a hub that is gone ends the session.
func (s *session) send(m wire.Message) {
	if err := s.link.Send(m); err != nil {
		s.nc.Close()
	}
}

// ref remembers where a message went, for the hub's answer.
func (s *session) ref(target string, notice bool) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextRef++
	if s.nextRef == 0 {
		s.nextRef = 1
	}
	if len(s.targets) < 1024 { // each is answered (echo or error); this bounds a hub that does not
		s.targets[s.nextRef] = sent{target, notice}
	}
	return s.nextRef
}

// answered forgets ref and returns where it went.
func (s *session) answered(ref uint32) sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.targets[ref]
	delete(s.targets, ref)
	return t
}

func (s *session) privmsg(m Message) {
	notice := m.Command == "NOTICE"
	if len(m.Params) == 0 {
		if !notice {
			s.reply(func() { s.num("411", "No recipient given (PRIVMSG)") })
		}
		return
	}
	text, ok := cleanText(m.Param(1))
	if !ok {
		return // CTCP requests are not chat
	}
	if strings.TrimSpace(text) == "" {
		if !notice {
			s.reply(func() { s.num("412", "No text to send") })
		}
		return
	}
	targets := strings.Split(m.Params[0], ",")
	for _, t := range targets[:min(len(targets), 4)] {
		if room := Room(t); room != "" {
			if !notice && !s.lobbyOn.Load() && wire.FoldKey(room) == wire.FoldKey(s.lobby) {
				// The user is in the hub's lobby but not shown it: a
				// message there would go where no answer is seen. A
				// NOTICE, which is never answered with an error, goes.
				s.reply(func() { s.num("404", t, "Cannot send to channel: /join "+Channel(s.lobby)+" first") })
				continue
			}
			s.send(wire.Say{Ref: s.ref(t, notice), Room: room, Text: text, Notice: notice})
		} else if t != "" {
			if away, ok := s.awayText(t); ok && !notice {
				s.reply(func() { s.num("301", s.roster.Find(t), away) })
			}
			s.send(wire.Private{Ref: s.ref(t, notice), To: t, Text: text, Notice: notice})
		}
	}
}

func (s *session) join(m Message) {
	if len(m.Params) == 0 {
		s.reply(func() { s.num("461", "JOIN", "Not enough parameters") })
		return
	}
	if m.Params[0] == "0" { // leave every channel (the lobby only where it is joined by choice)
		for _, r := range s.roster.Rooms() {
			if r != s.lobby {
				s.send(wire.Part{Room: r})
			}
		}
		if s.cfg.NoAutoJoin {
			s.partLobby("")
		}
		return
	}
	for _, ch := range strings.Split(m.Params[0], ",") {
		room := Room(ch)
		if room == "" {
			s.reply(func() { s.num("403", ch, "No such channel (channels start with #)") })
			continue
		}
		if err := wire.CheckRoom(room); err != nil {
			s.reply(func() { s.num("479", ch, "Illegal channel name: "+err.Error()) })
			continue
		}
		if s.joined(ch) != "" {
			continue // already there: IRC servers ignore the JOIN
		}
		if wire.FoldKey(room) == wire.FoldKey(s.lobby) {
			s.joinLobby() // in the hub's lobby all along
			continue
		}
		s.joinRoom(room)
	}
}

func (s *session) part(m Message) {
	if len(m.Params) == 0 {
		s.reply(func() { s.num("461", "PART", "Not enough parameters") })
		return
	}
	for _, ch := range strings.Split(m.Params[0], ",") {
		room := s.joined(ch)
		switch {
		case room == "":
			s.reply(func() { s.num("442", ch, "You're not on that channel") })
		case room == s.lobby && s.cfg.NoAutoJoin:
			s.partLobby(m.Param(1))
		case room == s.lobby:
			s.reply(func() { s.notice(ch, ch+" is where everyone is; it cannot be left.") })
		default:
			s.mu.Lock()
			s.parting[room] = m.Param(1) // the hub's echo of one's own part carries no words
			s.mu.Unlock()
			s.send(wire.Part{Room: room, Reason: leavingWords(m.Param(1))})
		}
	}
}

// joined returns the room of channel ch as the hub names it, if the user is
// in it ("" otherwise). Channel names match regardless of case.
//
// The lobby counts only while the client is shown it (NoAutoJoin).
func (s *session) joined(ch string) string {
	room := Room(ch)
	if room == "" {
		return ""
	}
	if !s.roster.In(room) {
		key := wire.FoldKey(room)
		room = ""
		for _, r := range s.roster.Rooms() {
			if wire.FoldKey(r) == key {
				room = r
			}
		}
	}
	if room != "" && !s.shown(room) {
		return ""
	}
	return room
}

// namesReply queues RPL_NAMREPLY lines for room and RPL_ENDOFNAMES.
func (s *session) namesReply(room string, users []string) {
	ch := Channel(room)
	prefix := []string{"=", ch}
	budget := s.budget(s.cfg.ServerName, "353", s.nick+" = "+ch)
	var b strings.Builder
	full := s.hasCap("userhost-in-names")
	ops := s.opsOf(room)
	for _, u := range users {
		if full {
			u = prefixed(ops, u, s.mask(u))
		} else {
			u = prefixed(ops, u, u)
		}
		if b.Len()+len(u)+1 > budget {
			s.num("353", append(prefix, b.String())...)
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(u)
	}
	if b.Len() > 0 {
		s.num("353", append(prefix, b.String())...)
	}
	s.num("366", ch, "End of /NAMES list")
}

func (s *session) names(m Message) {
	var rooms []string
	if len(m.Params) == 0 {
		rooms = slices.DeleteFunc(s.roster.Rooms(), func(r string) bool { return !s.shown(r) })
	} else {
		for _, ch := range strings.Split(m.Params[0], ",") {
			if r := s.joined(ch); r != "" {
				rooms = append(rooms, r)
			} else {
				s.reply(func() { s.num("366", ch, "End of /NAMES list") })
			}
		}
	}
	for _, r := range rooms {
		users := s.roster.Users(r)
		s.reply(func() { s.namesReply(r, users) })
	}
}

// whoLine queues RPL_WHOREPLY for nick seen in channel ch ("*": none):
// its flags are H (here) or G (gone: away), * for a server operator, @ for
// an operator of ch.
func (s *session) whoLine(ch, nick string) {
	user, host, real := s.identity(nick)
	flags := "H"
	if _, away := s.awayText(nick); away {
		flags = "G"
	}
	if s.isOper(nick) {
		flags += "*"
	}
	if ch != "*" && s.isOp(Room(ch), nick) {
		flags += "@"
	}
	s.num("352", ch, user, host, s.cfg.ServerName, nick, flags, "0 "+real)
}

// identity returns what WHO, WHOIS and USERHOST show of nick: the user name
// and real name an IRC user of this gateway gave (and the client's own
// address for itself); for anyone else the nickname as user name and what
// kind of client they use as real name. Others' host is the server's name.
func (s *session) identity(nick string) (user, host, real string) {
	if nick == s.nick {
		return s.user, s.host, s.real
	}
	if u, r, ok := s.g.identOf(nick); ok {
		return u, s.cfg.ServerName, r
	}
	switch s.roster.Via(nick) {
	case wire.ViaIRC:
		real = "IRC client on another MultiChat server"
	case wire.ViaClassic:
		real = "classic chat client (seed 001)"
	default:
		real = "MultiChat client"
	}
	return nick, s.cfg.ServerName, real
}

// visible returns the members a WHO mask may list: every user is +i here,
// so those who share a channel the client is shown (with #lobby shown:
// everyone on the server), the client first, each once.
func (s *session) visible() []string {
	var out []string
	seen := make(map[string]bool)
	for _, r := range append([]string{s.lobby}, s.roster.Rooms()...) {
		if !s.shown(r) {
			continue
		}
		for _, u := range s.roster.Users(r) {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	if !seen[s.nick] {
		out = append([]string{s.nick}, out...)
	}
	return out
}

// who answers WHO for a channel, a nickname or a mask with * and ? (none,
// "0" or "*": everyone visible; a nickname is answered whoever it is).
func (s *session) who(m Message) {
	mask := m.Param(0)
	s.reply(func() {
		if room := s.joined(mask); room != "" {
			for _, u := range s.roster.Users(room) {
				s.whoLine(Channel(room), u)
			}
		} else if nick := s.roster.Find(mask); nick != "" {
			s.whoLine("*", nick)
		} else if !strings.HasPrefix(mask, "#") {
			pattern := mask
			if pattern == "" || pattern == "0" {
				pattern = "*"
			}
			for _, u := range s.visible() {
				if maskMatch(pattern, u) {
					s.whoLine("*", u)
				}
			}
		}
		s.num("315", cmp.Or(mask, "*"), "End of /WHO list")
	})
}

func (s *session) whois(m Message) {
	target := m.Param(len(m.Params) - 1)
	nick := s.roster.Find(target)
	s.reply(func() {
		if nick == "" {
			s.num("401", target, "No such nick/channel")
		} else {
			user, host, real := s.identity(nick)
			s.num("311", nick, user, host, "*", real)
			var chans []string
			for _, r := range s.shownRooms(nick) {
				chans = append(chans, prefixed(s.opsOf(r), nick, Channel(r)))
			}
			if len(chans) > 0 {
				s.num("319", nick, strings.Join(chans, " "))
			}
			s.num("312", nick, s.cfg.ServerName, s.cfg.Network)
			if s.isOper(nick) {
				s.num("313", nick, "is an IRC operator")
			}
			if away, ok := s.awayText(nick); ok {
				s.num("301", nick, away)
			}
		}
		s.num("318", target, "End of /WHOIS list")
	})
}

func (s *session) topic(m Message) {
	ch := m.Param(0)
	if ch == "" {
		s.reply(func() { s.num("461", "TOPIC", "Not enough parameters") })
		return
	}
	room := s.joined(ch)
	if room == "" {
		s.notOn(ch)
		return
	}
	if len(m.Params) > 1 {
		s.setTopic(ch, room, m.Params[1]) // the hub decides: operators only (+t)
		return
	}
	s.mu.Lock()
	t, ok := s.topics[room]
	s.mu.Unlock()
	s.reply(func() {
		switch {
		case ok:
			s.topicReply(t)
		default:
			s.num("331", Channel(room), "No topic is set")
		}
	})
}

// topicReply queues RPL_TOPIC and RPL_TOPICWHOTIME for t.
func (s *session) topicReply(t wire.Topic) {
	ch := Channel(t.Room)
	s.num("332", ch, t.Text)
	s.num("333", ch, cmp.Or(t.By, s.cfg.ServerName), strconv.FormatInt(t.Time/1000, 10))
}

// mode answers MODE: a channel's modes (rooms are +nt; operators are ±o,
// ops.go) and the user's own (+i, and +o for a server operator).
func (s *session) mode(m Message) {
	target := m.Param(0)
	if strings.HasPrefix(target, "#") {
		room := s.joined(target)
		switch {
		case room == "":
			s.notOn(target)
		case len(m.Params) == 1:
			s.reply(func() { s.num("324", target, "+nt") })
		default:
			s.chanMode(target, room, m)
		}
		return
	}
	s.mu.Lock()
	modes := "+i"
	if s.oper {
		modes = "+io"
	}
	s.mu.Unlock()
	s.reply(func() {
		switch {
		case target == "":
			s.num("461", "MODE", "Not enough parameters")
		case !strings.EqualFold(target, s.nick):
			s.num("502", "Cannot change mode for other users")
		case len(m.Params) == 1:
			s.num("221", modes)
		default: // every user is +i here: a change is confirmed as if made
			s.line(s.mask(s.nick), "MODE", s.nick, "+i")
		}
	})
}

func (s *session) ison(m Message) {
	var on []string
	for _, p := range m.Params {
		for _, n := range strings.Fields(p) {
			if u := s.roster.Find(n); u != "" {
				on = append(on, u)
			}
		}
	}
	s.reply(func() { s.num("303", strings.Join(on, " ")) })
}

// ---- from the hub ----

// fromHub turns the hub's frames into IRC lines until the hub closes the
// link (kick, stop, drop) or the session ends. Lines are flushed when the
// hub has nothing more queued, so a burst costs one write.
func (s *session) fromHub() {
	defer s.nc.Close()
	var rooms []wire.RoomInfo
	for {
		f, err := s.link.NextFrame()
		if err != nil {
			return
		}
		var end bool
		var answer wire.Message
		if v, ok := viewChat(f); ok {
			// Most of what a session relays: read in place, no allocation.
			s.wmu.Lock()
			s.chat(v)
		} else {
			m, err := wire.Decode(f.Type, f.Payload)
			if err != nil {
				return
			}
			s.wmu.Lock()
			end, answer = s.hubMessage(m, &rooms)
		}
		var werr error
		if end || !s.link.Buffered() {
			werr = s.flush()
		}
		s.wmu.Unlock()
		if end || werr != nil {
			return
		}
		if answer != nil {
			s.send(answer) // not under wmu: flood control may hold it a while
		}
	}
}

// hubMessage queues the lines for one hub message (wmu held). It returns
// end = true when the session ends (kicked, server stopping), and a message
// to answer the hub with, if any.
func (s *session) hubMessage(m wire.Message, rooms *[]wire.RoomInfo) (end bool, answer wire.Message) {
	switch m := m.(type) {
	case wire.PrivMsg:
		if m.From == s.nick {
			s.answered(m.Ref)
			if m.To != s.nick {
				return false, nil
			}
		}
		s.say(s.mask(m.From), command(m.Notice), s.nick, m.Text)
	case wire.UserList:
		was := s.roster.In(m.Room)
		if s.roster.Apply(m) {
			if !was {
				s.entered(m.Room)
			} else if s.shown(m.Room) {
				s.namesReply(m.Room, s.roster.Users(m.Room))
			}
		}
	case wire.Joined:
		if s.roster.In(m.Room) {
			if !s.shown(m.Room) {
				s.roster.Apply(m)
				break
			}
			// away-notify: an AWAY line follows the JOIN of one who is
			// away, unless a shared channel already showed it.
			s.mu.Lock()
			notify := s.caps["away-notify"]
			s.mu.Unlock()
			var tell map[string]string
			for _, u := range m.Users {
				if away, ok := s.awayText(u); ok && notify && u != s.nick && len(s.shownRooms(u)) == 0 {
					if tell == nil {
						tell = make(map[string]string)
					}
					tell[u] = away
				}
			}
			s.roster.Apply(m)
			for _, u := range m.Users {
				if u != s.nick {
					s.line(s.mask(u), "JOIN", Channel(m.Room))
					if away, ok := tell[u]; ok {
						s.line(s.mask(u), "AWAY", away)
					}
				}
			}
			s.joinedOps(m.Room, m.Users)
		}
	case wire.Left:
		s.left(m)
	case wire.Removed:
		for _, r := range s.roster.RoomsOf(m.User) {
			if s.shown(r) {
				s.line(s.cfg.ServerName, "KICK", Channel(r), m.User, m.Reason)
			}
			s.leftOps(r, m.User)
			s.roster.Apply(wire.Left{Room: r, User: m.User})
		}
	case wire.Kicked:
		for _, r := range s.roster.Rooms() {
			if s.shown(r) {
				s.line(s.cfg.ServerName, "KICK", Channel(r), s.nick, m.Reason)
			}
		}
		s.line("", "ERROR", "Closing Link: "+s.host+" (Kicked by the administrator: "+m.Reason+")")
		return true, nil
	case wire.Stopping:
		s.notice(s.nick, "The server is stopping: "+m.Reason)
		s.line("", "ERROR", "Closing Link: "+s.host+" (Server is stopping)")
		return true, nil
	case wire.Notice: // the administrator's announcement, to everyone
		if s.lobbyOn.Load() {
			s.notice(Channel(s.lobby), m.Text)
		} else {
			s.notice(s.nick, m.Text)
		}
	case wire.Restriction:
		s.notice(s.nick, m.Text())
	case wire.Queued:
		s.notice(s.nick, gateway.QueuedText(m.To))
	case wire.Topic:
		s.topicChanged(m)
	case wire.Away:
		s.mu.Lock()
		if m.Away {
			s.aways[wire.FoldKey(m.User)] = cmp.Or(m.Text, "Away")
		} else {
			delete(s.aways, wire.FoldKey(m.User))
		}
		notify := s.caps["away-notify"]
		s.mu.Unlock()
		if notify && m.User != s.nick && len(s.shownRooms(m.User)) > 0 {
			if m.Away {
				s.line(s.mask(m.User), "AWAY", cmp.Or(m.Text, "Away"))
			} else {
				s.line(s.mask(m.User), "AWAY")
			}
		}
	case wire.Pong:
		s.mu.Lock()
		p, ok := s.pings[m.Token]
		delete(s.pings, m.Token)
		s.mu.Unlock()
		switch {
		case !ok:
		case p.op != 0:
			s.opBarrier(p.op)
		case p.room != "":
			s.joined1(p.room)
		default:
			s.line(s.cfg.ServerName, "PONG", s.cfg.ServerName, p.token)
		}
	case wire.Error:
		s.hubError(m)
	case wire.RoomOps:
		if s.roster.In(m.Room) {
			s.setOps(m.Room, m.Ops, m.By)
		}
	case wire.RoomKicked:
		s.roomKicked(m)
	case wire.Opered:
		s.mu.Lock()
		s.oper = true
		s.mu.Unlock()
		s.num("381", cmp.Or(m.Text, "You are now an IRC operator"))
		s.line(s.mask(s.nick), "MODE", s.nick, "+o")
	case wire.RoomList:
		s.roomList(m, rooms)
	case wire.FileOffered:
		if m.From == s.nick {
			return false, nil
		}
		target := s.nick
		if m.Room != "" {
			target = Channel(m.Room)
		}
		if m.Room != "" && !s.shown(m.Room) {
			return false, wire.FileAbort{ID: m.ID, Reason: "IRC clients cannot receive files"}
		}
		s.say(s.mask(m.From), "NOTICE", target, fmt.Sprintf("sent the file “%s” (%s); "+
			"IRC clients cannot receive MultiChat files: ask %s for it another way.", m.Name, gateway.Size(m.Size), m.From))
		return false, wire.FileAbort{ID: m.ID, Reason: "IRC clients cannot receive files"}
	case wire.Ping:
		return false, wire.Pong{Token: m.Token}
	}
	return false, nil
}

// chat queues a room message (wmu held): its own echo only answers the
// PRIVMSG it came from; a message that fits one line is written straight
// from the frame's bytes, others are cut into lines by say.
func (s *session) chat(v wire.ChatView) {
	if string(v.From) == s.nick {
		s.answered(v.Ref)
		return
	}
	if !s.lobbyOn.Load() && string(v.Room) == s.lobby {
		return // the client has not joined #lobby (NoAutoJoin)
	}
	user := s.g.userOf(v.From)
	const fixed = len(":!@ PRIVMSG # :\r\n") // NOTICE is as long
	if bytes.IndexByte(v.Text, '\n') >= 0 || bytes.IndexByte(v.Room, ' ') >= 0 ||
		fixed+len(v.From)+max(len(user), len(v.From))+len(s.cfg.ServerName)+len(v.Room)+len(v.Text) > maxLine {
		s.say(s.mask(string(v.From)), command(v.Notice), Channel(string(v.Room)), string(v.Text))
		return
	}
	w := s.w
	w.WriteByte(':')
	w.Write(v.From)
	w.WriteByte('!')
	if user != "" {
		w.WriteString(user)
	} else {
		w.Write(v.From)
	}
	w.WriteByte('@')
	w.WriteString(s.cfg.ServerName)
	if v.Notice {
		w.WriteString(" NOTICE #")
	} else {
		w.WriteString(" PRIVMSG #")
	}
	w.Write(v.Room)
	w.WriteString(" :")
	w.Write(v.Text)
	w.WriteString("\r\n")
}

// command is the IRC command a message is relayed with.
func command(notice bool) string {
	if notice {
		return "NOTICE"
	}
	return "PRIVMSG"
}

// say queues text from source to target as PRIVMSG or NOTICE lines, one per
// line of text and cut to fit IRC's line limit.
func (s *session) say(source, command, target, text string) {
	for _, l := range splitText(text, s.budget(source, command, target)) {
		s.line(source, command, target, l)
	}
}

// left shows a user leaving a room: PART for a part, one QUIT (the user is
// gone from every channel) otherwise; kicks were shown with Removed.
func (s *session) left(m wire.Left) {
	if m.User == s.nick {
		if s.roster.In(m.Room) {
			s.mu.Lock()
			reason := s.parting[m.Room]
			delete(s.parting, m.Room)
			s.mu.Unlock()
			s.line(s.mask(s.nick), "PART", Channel(m.Room), cmp.Or(reason, "Left"))
			s.roster.Forget(m.Room)
			delete(s.entering, wire.FoldKey(m.Room))
			s.forgetOps(m.Room)
			s.mu.Lock()
			delete(s.topics, m.Room)
			s.mu.Unlock()
		}
		return
	}
	inRoom := false
	for _, r := range s.roster.RoomsOf(m.User) {
		inRoom = inRoom || r == m.Room
	}
	if !inRoom {
		return
	}
	if m.Reason == wire.LeftParted {
		if s.shown(m.Room) {
			s.line(s.mask(m.User), "PART", Channel(m.Room), cmp.Or(m.Text, "Left"))
		}
		s.leftOps(m.Room, m.User)
		s.roster.Apply(m)
		return
	}
	reason := "Quit"
	switch {
	case m.Reason == wire.LeftQuit && m.Text != "":
		reason = "Quit: " + m.Text
	case m.Reason != wire.LeftQuit:
		reason = m.Reason.String()
	}
	if len(s.shownRooms(m.User)) > 0 { // seen only by those who share a channel
		s.line(s.mask(m.User), "QUIT", reason)
	}
	for _, r := range s.roster.RoomsOf(m.User) {
		s.leftOps(r, m.User)
		s.roster.Apply(wire.Left{Room: r, User: m.User})
	}
}

// hubError shows a refused request: with the standard numeric where there is
// one, else as a notice in the window it concerns.
func (s *session) hubError(m wire.Error) {
	if m.Code == wire.CodeNoTransfer {
		return // a file declined (FileAbort) after it had already ended
	}
	if r, ok := s.currentOp(); ok && m.Ref == 0 {
		s.opRefused(r, m)
		return
	}
	to := s.answered(m.Ref)
	if to.notice {
		return // no automatic reply to a NOTICE, not even an error
	}
	target := to.target
	switch {
	case m.Code == wire.CodeNoSuchUser && target != "":
		s.num("401", target, "No such nick/channel")
	case m.Code == wire.CodeNoSuchRoom && target != "":
		s.num("403", target, "No such channel")
	case m.Code == wire.CodeNotInRoom && target != "":
		s.num("404", target, "Cannot send to channel (join it first)")
	case target != "":
		s.notice(target, "Not sent: "+m.Text)
	default:
		s.notice(s.nick, m.Text)
	}
}

// viewChat reads f in place if it is a chat.
func viewChat(f wire.Frame) (wire.ChatView, bool) {
	if f.Type != wire.TypeChat {
		return wire.ChatView{}, false
	}
	return wire.ViewChat(f.Payload)
}
