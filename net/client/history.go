package client

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// History: the session remembers, per conversation, the highest message id
// it has shown (seen). After a reconnect it asks the server for what it
// missed in each (wire.Missed), holds back that conversation's live messages
// until the answer is in, and delivers the missed ones in one Missed event,
// merged by id with the replay and the live messages: no gap, no duplicate.
// Messages typed meanwhile, and those whose echo was lost with the old
// connection, are sent only once every answer is in: one the server already
// had (matched by its ref) is confirmed instead of sent again.

// privateConv is the conversation key of all my private messages.
const privateConv = "@"

func roomConv(room string) string { return "#" + wire.FoldKey(room) }

// catchUp is a Missed request in flight.
type catchUp struct {
	conv    string
	room    string // "" for private messages
	entries []wire.Entry
	earlier int
	held    []Message // live messages of the conversation, held back
}

// histReq is an Older or Search request in flight.
type histReq struct {
	kind    wire.HistKind
	room    string
	peer    string
	query   string
	before  uint64
	entries []wire.Entry
}

func (s *session) histReset() {
	s.seen = map[string]uint64{}
	s.catching = map[uint32]*catchUp{}
	s.histReqs = map[uint32]*histReq{}
	s.histServer = false
}

// convOf is the conversation a live message belongs to.
func convOf(m Message) string {
	if m.Private {
		return privateConv
	}
	return roomConv(m.Room)
}

// catchingUp reports whether Missed answers are awaited: sends wait for them.
func (s *session) catchingUp() bool { return len(s.catching) > 0 }

// askMissed sends, after a reconnect, one Missed per conversation the
// session has seen messages in (or joined): the lobby, the rooms rejoined,
// and private messages.
func (s *session) askMissed() {
	if !s.histServer {
		return // the server sent no history: it keeps none
	}
	ask := func(conv, room string, after uint64) {
		ref := s.newRef()
		s.catching[ref] = &catchUp{conv: conv, room: room}
		s.c.send(wire.Missed{Ref: ref, Room: room, After: after})
	}
	if after, ok := s.seen[roomConv(s.lobby)]; ok {
		ask(roomConv(s.lobby), s.lobby, after)
	}
	for _, room := range s.joined {
		if after, ok := s.seen[roomConv(room)]; ok {
			ask(roomConv(room), room, after)
		}
	}
	if after, ok := s.seen[privateConv]; ok {
		ask(privateConv, "", after)
	}
	if s.catchingUp() {
		s.catchTimer.Reset(catchUpWait)
	}
}

// catchUpWait bounds the wait for Missed answers: past it, what they hold
// back (held messages, sends) goes on without them.
const catchUpWait = 15 * time.Second

func (s *session) catchUpTimeout() {
	if !s.catchingUp() {
		return
	}
	s.log.Warn("no answer to what was missed; going on without it", "conversations", len(s.catching))
	for ref := range s.catching {
		s.missedFailed(ref)
	}
}

func (s *session) catchUpFor(conv string) *catchUp {
	for _, cu := range s.catching {
		if cu.conv == conv {
			return cu
		}
	}
	return nil
}

// live handles a live message: held back while its conversation catches
// up, else delivered. Ids increase along one connection, so the last one is
// what was seen (also when a server that lost its history starts ids anew).
func (s *session) live(ev Message, ref uint32) {
	conv := convOf(ev)
	if cu := s.catchUpFor(conv); cu != nil {
		ev.ref = ref
		cu.held = append(cu.held, ev)
		return
	}
	if _, tracked := s.seen[conv]; tracked || conv == privateConv {
		s.seen[conv] = ev.MsgID
	}
	s.message(ev, ref)
}

func (s *session) markSeen(conv string, id uint64) {
	if id > s.seen[conv] {
		s.seen[conv] = id
	}
}

// entryMessage converts a history entry for an event.
func (s *session) entryMessage(e wire.Entry) Message {
	m := Message{MsgID: e.ID, Time: stamp(e.Time), Room: e.Room, From: e.From, To: e.To, Text: e.Text,
		Private: e.Kind == wire.EntryPrivate, Kind: e.Kind, History: true}
	if e.Kind == wire.EntryChat || e.Kind == wire.EntryPrivate {
		m.Mine = s.isMe(e.From)
	}
	return m
}

func (s *session) history(m wire.History) {
	s.histServer = true
	switch m.Kind {
	case wire.HistReplay:
		s.replayed(m)
	case wire.HistAway:
		s.awayDelivered(m)
	case wire.HistMissed:
		cu := s.catching[m.Ref]
		if cu == nil {
			return
		}
		cu.entries = append(cu.entries, m.Entries...)
		cu.earlier += int(m.Earlier)
		if m.Flags&wire.ListLast != 0 {
			delete(s.catching, m.Ref)
			s.caughtUp(cu)
		}
	case wire.HistOlder, wire.HistSearch:
		r := s.histReqs[m.Ref]
		if r == nil {
			return
		}
		r.entries = append(r.entries, m.Entries...)
		if len(r.entries) > maxList {
			delete(s.histReqs, m.Ref)
			return
		}
		if m.Flags&wire.ListLast == 0 {
			return
		}
		delete(s.histReqs, m.Ref)
		msgs := make([]Message, len(r.entries))
		for i, e := range r.entries {
			msgs[i] = s.entryMessage(e)
		}
		more := m.Flags&wire.HistMore != 0
		if r.kind == wire.HistOlder {
			s.emit(HistoryPage{Room: r.room, Peer: r.peer, Before: r.before, Messages: msgs, More: more})
		} else {
			s.emit(SearchResults{Query: r.query, Before: r.before, Messages: msgs, More: more})
		}
	}
}

// replayed handles the last messages of a room just joined. Chunks of one
// replay are assembled before it is delivered.
// gather collects a history answer that comes in several frames into buf;
// with its last frame it returns the whole answer (and empties buf). An
// answer longer than maxList is dropped.
func gather(buf *[]wire.Entry, m wire.History) (entries []wire.Entry, whole bool) {
	if m.Flags&wire.ListFirst != 0 {
		*buf = (*buf)[:0]
	}
	*buf = append(*buf, m.Entries...)
	if len(*buf) > maxList {
		*buf = nil
		return nil, false
	}
	if m.Flags&wire.ListLast == 0 {
		return nil, false
	}
	entries, *buf = *buf, nil
	return entries, true
}

func (s *session) replayed(m wire.History) {
	conv := roomConv(m.Room)
	entries, whole := gather(&s.replay, m)
	if !whole {
		return
	}
	if cu := s.catchUpFor(conv); cu != nil {
		cu.entries = append(cu.entries, entries...)
		return
	}
	var msgs []Message
	for _, e := range entries {
		if e.ID > s.seen[conv] {
			msgs = append(msgs, s.entryMessage(e))
		}
	}
	if len(entries) > 0 {
		s.markSeen(conv, entries[len(entries)-1].ID)
		if _, ok := s.seen[privateConv]; !ok {
			// Private messages before my first connection were not missed.
			s.seen[privateConv] = entries[len(entries)-1].ID
		}
	}
	if len(msgs) > 0 {
		s.emit(Replay{Room: m.Room, Messages: msgs})
	}
}

// caughtUp delivers a conversation's missed messages, merged with its
// replay and the live messages held back, then sends what was waiting once
// every conversation has caught up.
func (s *session) caughtUp(cu *catchUp) {
	seen := s.seen[cu.conv]
	slices.SortFunc(cu.entries, func(a, b wire.Entry) int { return cmp.Compare(a.ID, b.ID) })
	cu.entries = slices.CompactFunc(cu.entries, func(a, b wire.Entry) bool { return a.ID == b.ID })
	var msgs []Message
	for _, e := range cu.entries {
		if e.ID <= seen {
			continue
		}
		m := s.entryMessage(e)
		if m.Mine {
			// My own message: if its echo was lost with the connection,
			// this confirms it instead of sending it again.
			if p := s.confirm(e.Ref); p != nil {
				m.ID = p.id
			}
		}
		msgs = append(msgs, m)
		seen = e.ID
	}
	s.seen[cu.conv] = max(s.seen[cu.conv], seen)
	if len(msgs) > 0 || cu.earlier > 0 {
		s.emit(Missed{Room: cu.room, Messages: msgs, Earlier: cu.earlier})
	}
	for _, ev := range cu.held {
		if ev.MsgID > s.seen[cu.conv] { // else the missed answer had it
			s.seen[cu.conv] = ev.MsgID
			s.message(ev, ev.ref)
		}
	}
	if !s.catchingUp() && s.c != nil {
		s.catchTimer.Stop()
		s.resend()
	}
}

// missedFailed handles an error answer to a Missed request: nothing more is
// known of that conversation; its held messages are delivered.
func (s *session) missedFailed(ref uint32) bool {
	cu := s.catching[ref]
	if cu == nil {
		return false
	}
	delete(s.catching, ref)
	s.caughtUp(cu)
	return true
}

// histFailed reports an error answer to an Older or Search request.
func (s *session) histFailed(ref uint32, err error) bool {
	r := s.histReqs[ref]
	if r == nil {
		return false
	}
	delete(s.histReqs, ref)
	if r.kind == wire.HistOlder {
		s.emit(HistoryPage{Room: r.room, Peer: r.peer, Before: r.before, Err: err})
	} else {
		s.emit(SearchResults{Query: r.query, Before: r.before, Err: err})
	}
	return true
}

func (s *session) loadOlder(c LoadOlder) {
	if s.c == nil {
		s.emit(HistoryPage{Room: c.Room, Peer: c.Peer, Before: c.Before,
			Err: fmt.Errorf("cannot load history: %w", ErrNotConnected)})
		return
	}
	room := c.Room
	if room == "" && c.Peer == "" {
		room = s.lobby
	}
	ref := s.newRef()
	s.histReqs[ref] = &histReq{kind: wire.HistOlder, room: room, peer: c.Peer, before: c.Before}
	s.c.send(wire.Older{Ref: ref, Room: room, Peer: c.Peer, Before: c.Before, Limit: uint16(c.Limit)})
}

func (s *session) search(c Search) {
	if s.c == nil {
		s.emit(SearchResults{Query: c.Text, Before: c.Before, Err: fmt.Errorf("cannot search: %w", ErrNotConnected)})
		return
	}
	ref := s.newRef()
	s.histReqs[ref] = &histReq{kind: wire.HistSearch, query: c.Text, before: c.Before}
	s.c.send(wire.Search{Ref: ref, Text: c.Text, Before: c.Before, Limit: uint16(c.Limit)})
}
