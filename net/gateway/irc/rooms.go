package irc

import (
	"github.com/multichat/multichat/net/wire"
)

// askRooms asks the hub for its rooms; answer queues the lines for them
// (write lock held) when the last chunk of the list arrives. Answers come in
// the order asked, after the replies to everything sent before.
func (s *session) askRooms(answer func([]wire.RoomInfo)) {
	s.mu.Lock()
	s.lists = append(s.lists, answer)
	s.mu.Unlock()
	s.send(wire.ListRooms{})
}

// roomList gathers a RoomList's chunks in rooms and answers the oldest
// askRooms with the whole list (wmu held).
func (s *session) roomList(m wire.RoomList, rooms *[]wire.RoomInfo) {
	if m.Flags&wire.ListFirst != 0 {
		*rooms = (*rooms)[:0]
	}
	*rooms = append(*rooms, m.Rooms...)
	if m.Flags&wire.ListLast == 0 {
		return
	}
	s.mu.Lock()
	var answer func([]wire.RoomInfo)
	if len(s.lists) > 0 {
		answer, s.lists = s.lists[0], s.lists[1:]
	}
	s.mu.Unlock()
	if answer != nil {
		answer(*rooms)
	}
}

// notOn answers a command on channel ch that the user is not in: 403
// ERR_NOSUCHCHANNEL when no such room exists (asking the hub, which alone
// knows every room), else 442 ERR_NOTONCHANNEL.
func (s *session) notOn(ch string) {
	room := Room(ch)
	if room == "" {
		s.reply(func() { s.num("403", ch, "No such channel") })
		return
	}
	s.askRooms(func(rooms []wire.RoomInfo) {
		for _, r := range rooms {
			if wire.FoldKey(r.Name) == wire.FoldKey(room) {
				s.num("442", ch, "You're not on that channel")
				return
			}
		}
		s.num("403", ch, "No such channel")
	})
}
