package client

import "github.com/multichat/multichat/net/wire"

// Away is the private messages sent to me while I was offline, kept by the
// server for my device and delivered when it connected (oldest first): show
// them as "sent while you were away", new and unread (History is false).
// Earlier > 0 means that many earlier ones were kept too: they are in my
// private history (LoadOlder with the peer).
type Away struct {
	Messages []Message
	Earlier  int
}

// Queued says that my private message MsgID (its Message event came just
// before) is kept for To, who is offline: it is delivered when To's device
// next connects.
type Queued struct {
	MsgID uint64
	To    string
}

// awayDelivered handles the private messages kept for me while I was away.
// Chunks are assembled first. While my private messages are being caught up
// (a reconnect within this session), they join that answer, merged by id.
func (s *session) awayDelivered(m wire.History) {
	entries, whole := gather(&s.awayBuf, m)
	if !whole {
		return
	}
	if cu := s.catchUpFor(privateConv); cu != nil {
		cu.entries = append(cu.entries, entries...)
		cu.earlier += int(m.Earlier)
		return
	}
	msgs := make([]Message, 0, len(entries))
	for _, e := range entries {
		msg := s.entryMessage(e)
		msg.History = false
		msgs = append(msgs, msg)
		s.markSeen(privateConv, e.ID)
	}
	if len(msgs) > 0 || m.Earlier > 0 {
		s.emit(Away{Messages: msgs, Earlier: int(m.Earlier)})
	}
}
