package server

import (
	"fmt"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// Room operators in a cluster: every server shows the same operators of a
// room. The server where something happens publishes it once, and every
// other server applies it to its own view of the room (whose members
// include the other servers' users) and tells its own users:
//
//   - a room opened here: its creator is an operator (ckRoomOp, after the
//     ckIn of the join). Two servers that open a room at the same moment
//     both add their creator, so both end up with both;
//   - an operator made or unmade (ckRoomOp), a topic set (ckTopic, by an
//     operator or the administrator), a room kick (ckRoomKick: each server
//     removes the member from its own view of the room and tells its own
//     members, the member itself if it is one of them), a server operator
//     login (ckOper).
//
// Operator changes are additions and removals, not whole lists, so that
// changes made on two servers at once both hold everywhere. A server that
// starts, or comes back, learns the operators of the open rooms from the
// others' snapshots (cmsg.ROps, snapUser.Oper: added to what it knows). A
// room closes on every server when its last member, wherever connected,
// leaves, and each server forgets its operators then. What a server
// misses while it cannot hear the others (an operator unmade meanwhile)
// it does not learn from a snapshot.

// Event kinds of room operators.
const (
	ckRoomOp   = "rop"   // Room; To: the member; Dev: its device; On; Nick: the operator who did it ("" : To opened the room)
	ckRoomKick = "rkick" // Room; To: the member removed; Nick: the operator; Text: the reason; Time
	ckTopic    = "topic" // Room; Text: the topic ("" : none); Nick: who set it ("admin", or an operator); Time
	ckOper     = "oper"  // Nick is a server operator now; Text: the operator name
)

// clusterRoomOp tells the other servers that target (a member here or on
// another server) is (on) or is no longer an operator of r, by operator by
// ("" : target opened the room).
func (h *hub) clusterRoomOp(r *room, target *conn, by string, on bool) {
	if h.cl != nil {
		h.publish(cmsg{K: ckRoomOp, Room: r.name, To: target.nick, Dev: devBytes(target.device), Nick: by, On: on})
	}
}

// devBytes is a device key for a cluster event (nil: none).
func devBytes(dev [32]byte) []byte {
	if dev == ([32]byte{}) {
		return nil
	}
	return dev[:]
}

// devOf reads a device key from a cluster event (zero: none).
func devOf(b []byte) (dev [32]byte) {
	copy(dev[:], b)
	return dev
}

// clusterRoomKick tells the other servers that operator by removed target
// from r.
func (h *hub) clusterRoomKick(r *room, target, by, reason string, at time.Time) {
	if h.cl != nil {
		h.publish(cmsg{K: ckRoomKick, Room: r.name, To: target, Nick: by, Text: reason, Time: at.UnixMilli()})
	}
}

// clusterTopic tells the other servers of r's new topic.
func (h *hub) clusterTopic(r *room, text, by string, at time.Time) {
	if h.cl != nil {
		h.publish(cmsg{K: ckTopic, Room: r.name, Text: text, Nick: by, Time: at.UnixMilli()})
	}
}

// clusterOper tells the other servers that c, a user of this one, is a
// server operator.
func (h *hub) clusterOper(c *conn) {
	if h.cl != nil {
		h.publish(cmsg{K: ckOper, Nick: c.nick, Text: c.oper})
	}
}

// remoteRoomOps applies a room operators' event of server p; it reports
// whether m was one.
func (h *hub) remoteRoomOps(p *peerServer, m cmsg) bool {
	now := time.Now()
	at := now
	if m.Time != 0 {
		at = time.UnixMilli(m.Time)
	}
	switch m.K {
	case ckRoomOp:
		r := h.roomNamed(m.Room)
		if r == nil || r == h.lobby {
			return true
		}
		before := h.opsOf(r)
		if !h.setOp(r, wire.FoldKey(m.To), m.To, devOf(m.Dev), m.On) {
			return true
		}
		h.opsChanged(r, before, m.Nick) // m.Nick: the operator on the other server ("" for a creation)
		if m.Nick != "" {
			h.audit(Audit{Action: AuditRoomOp, Target: m.To, Args: AuditArgs{Room: r.name, On: m.On, By: m.Nick,
				Server: p.info.Name}})
			h.emit(Notice{Text: roomOpText(m.To, r.name, m.Nick, m.On, p.info.Name), At: now, Typed: true})
		}
	case ckRoomKick:
		r := h.roomNamed(m.Room)
		t := h.members[wire.FoldKey(m.To)]
		if r == nil || t == nil || !t.in(r) {
			return true
		}
		h.roomKick(r, t, m.Nick, m.Text, at)
		h.audit(Audit{Action: AuditRoomKick, Target: t.nick, Reason: m.Text, Args: AuditArgs{Room: r.name, By: m.Nick,
			Server: p.info.Name}})
		h.emit(Notice{Text: roomKickText(t.nick, r.name, m.Nick, m.Text, p.info.Name), At: now, Typed: true})
	case ckTopic:
		r := h.roomNamed(m.Room)
		if r == nil { // nobody is in it: it closed meanwhile
			return true
		}
		h.pinTopic(r, m.Text, m.Nick, at)
		news := TopicNews{Room: r.name, Text: m.Text, By: m.Nick, Server: p.info.Name}
		if m.Text == "" {
			h.emit(Notice{Text: fmt.Sprintf("%s removed the topic of “%s” on %s", m.Nick, r.name, p.info.Name), At: now,
				News: news})
		} else {
			h.emit(Notice{Text: fmt.Sprintf("%s set the topic of “%s” on %s: %s", m.Nick, r.name, p.info.Name, m.Text),
				At: now, News: news})
		}
	case ckOper:
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil && c.oper == "" {
			h.makeOper(c, m.Text)
		}
	default:
		return false
	}
	return true
}

// roomOpsSnapshot lists the operators of the open rooms (besides the
// lobby), by room name, for this server's snapshot.
func (h *hub) roomOpsSnapshot() map[string][]snapUser {
	var out map[string][]snapUser
	for _, r := range h.rooms {
		if len(r.ops) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string][]snapUser)
		}
		for _, o := range r.ops {
			out[r.name] = append(out[r.name], snapUser{Nick: o.nick, Dev: devBytes(o.dev)})
		}
	}
	return out
}

// syncRoomOps adds the operators another server's snapshot lists to the
// rooms open here, and its users' server operator logins.
func (h *hub) syncRoomOps(p *peerServer, m cmsg) {
	for name, ops := range m.ROps {
		r := h.roomNamed(name)
		if r == nil || r == h.lobby {
			continue
		}
		before := h.opsOf(r)
		changed := false
		for _, o := range ops {
			fold := wire.FoldKey(o.Nick)
			if _, known := r.ops[fold]; !known && wire.CheckNick(o.Nick) == nil &&
				h.setOp(r, fold, o.Nick, devOf(o.Dev), true) {
				changed = true
			}
		}
		if changed {
			h.opsChanged(r, before, "")
		}
	}
	for _, u := range m.Users {
		if u.Oper == "" {
			continue
		}
		if c := p.users[wire.FoldKey(u.Nick)]; c != nil && c.oper == "" {
			h.makeOper(c, u.Oper)
		}
	}
}
