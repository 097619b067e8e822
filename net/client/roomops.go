package client

import (
	"fmt"
	"slices"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// Room operators (PROTOCOL.md, "Room operators"). Whoever opens a room is
// its operator: it may set the topic, remove members from the room and make
// members operators. A server operator (Oper) is an operator of every room.
// The server checks every request; a refusal comes back as an Error whose
// Err is a *ServerError (wire.CodeNotOperator "you are not an operator of
// “dev”", wire.CodeNotInRoom "“bob” is not in “dev”", wire.CodeOperWrong…).

// SetTopic asks to set Room's topic (Room "" : the lobby, where only a server
// operator may); Text "" clears it. A Topic event follows for every member.
type SetTopic struct {
	Room string
	Text string
}

// RoomKick asks to remove User from Room (not from the server), saying
// Reason (may be empty). A RoomKicked event follows.
type RoomKick struct {
	Room   string
	User   string
	Reason string
}

// RoomOp asks to make User an operator of Room (On) or not (themselves
// included). A RoomOps event follows.
type RoomOp struct {
	Room string
	User string
	On   bool
}

// Oper logs in as a server operator with a name and password from the
// server's operators file. Opered answers, or an Error (wire.CodeOperWrong,
// wire.CodeOperOff). It lasts until the connection ends: the session does
// not log in again after a reconnect.
type Oper struct {
	Name     string
	Password string
}

func (SetTopic) isCommand() {}
func (RoomKick) isCommand() {}
func (RoomOp) isCommand()   {}
func (Oper) isCommand()     {}

// RoomOps is the list of Room's operators who are in it (nicknames, sorted;
// nil: none), replacing the last one: show an operator's mark next to these
// members. It comes after a room's Users when I join it (or rejoin it after
// a reconnect), and whenever the list changes; for the lobby, after
// Connected when server operators are in it, and with nil after a
// Connected when the lobby had some before.
type RoomOps struct {
	Room string
	Ops  []string
	By   string // the operator whose change this is, when one made it
}

// RoomKicked: operator By removed User from Room, saying Reason (may be
// empty): "By removed User from the room: Reason". Mine: User is me; then
// RoomLeft follows (close the room's tab, saying why) and the room is not
// rejoined after a reconnect. Otherwise Users follows, without User.
type RoomKicked struct {
	Room   string
	User   string
	By     string
	Reason string
	Mine   bool
	Time   time.Time
}

// Opered: I am a server operator (Name: the operator name I logged in
// with) until the connection ends; Text is the server's words.
type Opered struct {
	Name string
	Text string
}

func (RoomOps) isEvent()    {}
func (RoomKicked) isEvent() {}
func (Opered) isEvent()     {}

// IsOp reports whether nick is in ops (a RoomOps list), by fold key.
func IsOp(ops []string, nick string) bool {
	key := wire.FoldKey(nick)
	return slices.ContainsFunc(ops, func(o string) bool { return wire.FoldKey(o) == key })
}

// opRequest sends an operator's request m about room (as the UI named it,
// "" : the lobby) if it can; when not, it says why in an Error event.
func (s *session) opRequest(verb, room string, m wire.Message) {
	if s.c == nil {
		s.emit(Error{Err: fmt.Errorf("cannot %s: %w", verb, ErrNotConnected)})
		return
	}
	if err := wire.CheckRoom(s.roomName(room)); err != nil {
		s.emit(Error{Code: wire.CodeInvalidRoom, Err: err})
		return
	}
	s.c.send(m)
}

func (s *session) opCommand(cmd Command) {
	switch c := cmd.(type) {
	case SetTopic:
		if c.Text != "" {
			if code, err := wire.CheckText(c.Text, s.maxText); err != nil {
				s.emit(Error{Code: code, Err: fmt.Errorf("the topic: %w", err)})
				return
			}
		}
		s.opRequest("set the topic", c.Room, wire.SetTopic{Room: s.roomName(c.Room), Text: c.Text})
	case RoomKick:
		if err := wire.CheckNick(c.User); err != nil {
			s.emit(Error{Code: wire.CodeNoSuchUser, Err: fmt.Errorf("cannot remove %q: %w", c.User, err)})
			return
		}
		s.opRequest("remove "+c.User, c.Room, wire.RoomKick{Room: s.roomName(c.Room), User: c.User, Reason: c.Reason})
	case RoomOp:
		if err := wire.CheckNick(c.User); err != nil {
			s.emit(Error{Code: wire.CodeNoSuchUser, Err: fmt.Errorf("cannot change %q: %w", c.User, err)})
			return
		}
		s.opRequest("change the operators", c.Room, wire.RoomOp{Room: s.roomName(c.Room), User: c.User, On: c.On})
	case Oper:
		if s.c == nil {
			s.emit(Error{Err: fmt.Errorf("cannot log in as an operator: %w", ErrNotConnected)})
			return
		}
		s.c.send(wire.Oper{Name: c.Name, Password: c.Password})
	}
}

// roomOps records and reports a room's operators.
func (s *session) roomOps(m wire.RoomOps) {
	key := wire.FoldKey(m.Room)
	if len(m.Ops) > 0 {
		if s.opsShown == nil {
			s.opsShown = make(map[string]bool)
		}
		s.opsShown[key] = true
	} else {
		delete(s.opsShown, key)
	}
	s.emit(RoomOps{Room: m.Room, Ops: m.Ops, By: m.By})
}

// opsAfresh follows the lobby's new member list (a new connection): the
// server sends its operators next only if it has any, so the ones shown
// before are cleared. Other rooms' operators always follow their list.
func (s *session) opsAfresh(room string) {
	key := wire.FoldKey(room)
	if s.opsShown[key] {
		delete(s.opsShown, key)
		s.emit(RoomOps{Room: room})
	}
}

// roomKicked handles a member's removal from a room by an operator: mine
// closes the room as a part does; another's updates the list.
func (s *session) roomKicked(m wire.RoomKicked) {
	key := wire.FoldKey(m.Room)
	ev := RoomKicked{Room: m.Room, User: m.User, By: m.By, Reason: m.Reason, Time: stamp(m.Time)}
	if s.isMe(m.User) {
		ev.Mine = true
		s.emit(ev)
		if key == s.lobbyKey {
			return // never sent: the lobby cannot be left
		}
		s.forgetRoom(m.Room, key)
		return
	}
	s.emit(ev)
	if r := s.rosters[key]; r != nil {
		r.remove(m.User)
		s.emitUsers(r)
	}
}
