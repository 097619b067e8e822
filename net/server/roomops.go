package server

import (
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// Room operators (PROTOCOL.md, "Room operators"). Whoever opens a room is
// its operator: it may set the room's topic (the same topic the
// administrator pins), remove a member from the room (a room kick: the
// member leaves that room, not the server) and make members operators or
// not. A room remembers its operators by nickname fold key while it is open
// (nicknames belong to devices, so a member who reconnects and joins again
// is an operator again); it forgets them when it closes. The lobby has no
// room operators. A server operator (Config.Operators, the oper frame) is
// an operator of every room, the lobby included, until it disconnects.
// The hub owns all of it; the cluster keeps it the same on every server
// (cluster_roomops.go).

// roomOp is an operator a room remembers: the nickname, and the device that
// held it when it was made one. A nickname outlives its device's binding
// (Config.NickGrace): another device that takes it later is not the
// operator. A zero dev (a gateway user, or an operator another server's
// snapshot named without one) is matched by the nickname alone.
type roomOp struct {
	nick string
	dev  [32]byte
}

// is reports whether c is the operator o remembers.
func (o roomOp) is(c *conn) bool {
	return o.nick != "" && (o.dev == [32]byte{} || o.dev == c.device)
}

// isOp reports whether c may act as an operator of r.
func (h *hub) isOp(c *conn, r *room) bool {
	return c.oper != "" || r != h.lobby && r.ops[c.fold].is(c)
}

// opsOf lists r's operators who are in it now, sorted by fold key: the
// room-ops frame's list.
func (h *hub) opsOf(r *room) []string {
	type op struct{ key, nick string }
	var ops []op
	for fold, o := range r.ops {
		if m := h.members[fold]; m != nil && m.in(r) && o.is(m) {
			ops = append(ops, op{fold, m.nick})
		}
	}
	for c := range h.opers {
		if c.in(r) && !(r.ops[c.fold].is(c) && h.members[c.fold] == c) { // else listed already
			ops = append(ops, op{c.fold, c.nick})
		}
	}
	if len(ops) == 0 {
		return nil
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) })
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.nick
	}
	return out
}

// sendOps tells every member of r its operators (after a change).
func (h *hub) sendOps(r *room) {
	h.broadcast(r, wire.Encode(wire.RoomOps{Room: r.name, Ops: h.opsOf(r)}))
}

// opsTo tells c, who just received r's member list, r's operators: always
// for a room (so that a client knows its list of operators is complete
// with it), for the lobby only when server operators are in it.
func (h *hub) opsTo(c *conn, r *room) {
	if ops := h.opsOf(r); len(ops) > 0 || r != h.lobby {
		h.pushForce(c, wire.Encode(wire.RoomOps{Room: r.name, Ops: ops}))
	}
}

// setOp makes the nickname with fold key fold, held by device dev, an
// operator of r (on) or not; it reports whether that changed anything.
func (h *hub) setOp(r *room, fold, nick string, dev [32]byte, on bool) bool {
	if r == h.lobby {
		return false
	}
	o, had := r.ops[fold]
	if on {
		if had && o.dev == dev {
			return false
		}
		if r.ops == nil {
			r.ops = make(map[string]roomOp)
		}
		r.ops[fold] = roomOp{nick: nick, dev: dev}
		return true
	}
	if !had {
		return false
	}
	delete(r.ops, fold)
	return true
}

// opRoom checks a room operator's request about the room called name: the
// room exists, c is in it (a server operator need not be) and is an
// operator of it. It sends c the refusal itself and returns nil.
func (h *hub) opRoom(c *conn, name string) *room {
	r := h.roomNamed(name)
	switch {
	case r == nil:
		h.sendError(c, wire.CodeNoSuchRoom, 0, fmt.Sprintf("there is no room “%s”", clip(name)))
	case c.oper == "" && !c.in(r):
		h.sendError(c, wire.CodeNotInRoom, 0, fmt.Sprintf("you are not in “%s”", r.name))
	case r == h.lobby && !h.isOp(c, r):
		h.sendError(c, wire.CodeNotOperator, 0, fmt.Sprintf("“%s” has no room operators: only the administrator "+
			"and server operators may change it", r.name))
	case !h.isOp(c, r):
		h.sendError(c, wire.CodeNotOperator, 0, fmt.Sprintf("you are not an operator of “%s”", r.name))
	default:
		return r
	}
	return nil
}

// roomMember finds the member of r a request names; a user who is not in r
// gets c the refusal, and nil.
func (h *hub) roomMember(c *conn, r *room, user string) *conn {
	t := h.members[wire.FoldKey(user)]
	if t == nil || !t.in(r) {
		h.sendError(c, wire.CodeNotInRoom, 0, fmt.Sprintf("“%s” is not in “%s”", clip(user), r.name))
		return nil
	}
	return t
}

// notLobby refuses a room kick or an operator change in the lobby, which
// nobody can be removed from and which has no room operators; why says it
// (%s: the lobby's name).
func (h *hub) notLobby(c *conn, name, why string) bool {
	if r := h.roomNamed(name); r == h.lobby {
		h.sendError(c, wire.CodeLobby, 0, fmt.Sprintf(why, r.name))
		return false
	}
	return true
}

// opText checks a topic or a reason: trimmed, and within the text rules
// when not empty. It sends c the refusal and reports false.
func (h *hub) opText(c *conn, what, text string) (string, bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", true
	}
	if code, err := wire.CheckText(text, h.cfg.MaxText); err != nil {
		h.sendError(c, code, 0, what+": "+err.Error())
		return "", false
	}
	return text, true
}

// opSetTopic: an operator sets (or clears) a room's topic.
func (h *hub) opSetTopic(c *conn, m wire.SetTopic) {
	r := h.opRoom(c, m.Room)
	if r == nil {
		return
	}
	text, ok := h.opText(c, "the topic", m.Text)
	if !ok {
		return
	}
	if (c.muted != nil || h.mod.all != "" || len(h.mod.lectures) > 0) && h.silenced(c, r, 0) {
		return
	}
	now := time.Now()
	h.pinTopic(r, text, c.nick, now)
	h.clusterTopic(r, text, c.nick, now)
	h.log.Info("topic set by an operator", "room", r.name, "by", c.nick)
	news := TopicNews{Room: r.name, Text: text, By: c.nick}
	if text == "" {
		h.emit(Notice{Text: fmt.Sprintf("%s removed the topic of “%s”", c.nick, r.name), At: now, News: news})
	} else {
		h.emit(Notice{Text: fmt.Sprintf("%s set the topic of “%s”: %s", c.nick, r.name, text), At: now, News: news})
	}
}

// opTarget finds, for operator c's request on user in room name, the room
// and the member; it answers c with the refusal and returns a nil member
// when name is the lobby (lobbyWhy), c is not its operator, or user is not in it.
func (h *hub) opTarget(c *conn, name, user, lobbyWhy string) (*room, *conn) {
	if !h.notLobby(c, name, lobbyWhy) {
		return nil, nil
	}
	r := h.opRoom(c, name)
	if r == nil {
		return nil, nil
	}
	return r, h.roomMember(c, r, user)
}

// roomKickRequest: an operator removes a member from a room.
func (h *hub) roomKickRequest(c *conn, m wire.RoomKick) {
	r, t := h.opTarget(c, m.Room, m.User, "nobody can be removed from “%s”: everyone is in it, and the administrator moderates it")
	if t == nil {
		return
	}
	reason, ok := h.opText(c, "the reason", m.Reason)
	if !ok {
		return
	}
	if c.muted != nil && h.silenced(c, nil, 0) {
		return
	}
	now := time.Now()
	target := t.nick
	h.roomKick(r, t, c.nick, reason, now)
	h.clusterRoomKick(r, target, c.nick, reason, now)
	h.audit(Audit{Action: AuditRoomKick, Target: target, Reason: reason, Args: AuditArgs{Room: r.name, By: c.nick}})
	h.emit(Notice{Text: roomKickText(target, r.name, c.nick, reason, ""), At: now, Typed: true})
}

// roomKickText says a room kick in English, for the log and the console.
func roomKickText(target, room, by, reason, server string) string {
	s := fmt.Sprintf("%s removed %s from “%s”", by, target, room)
	if server != "" {
		s += " on " + server
	}
	if reason != "" {
		s += ": " + reason
	}
	return s
}

// roomKick removes t from r on operator by's word: every member, t
// included, receives room-kicked (instead of left), t is no longer an
// operator of r, and the room's history keeps it as a kick.
func (h *hub) roomKick(r *room, t *conn, by, reason string, now time.Time) {
	h.broadcast(r, wire.Encode(wire.RoomKicked{Time: now.UnixMilli(), Room: r.name, User: t.nick, By: by, Reason: reason}))
	if !r.remove(t) {
		return
	}
	delete(r.ops, t.fold) // a member removed is no longer an operator
	h.keepRoomKick(r, t.nick, by, reason, now)
	h.roomLeft(t, r)
	h.log.Info("room kick", "room", r.name, "nick", t.nick, "by", by, "reason", reason)
}

// roomOp: an operator makes a member an operator of a room, or not.
func (h *hub) roomOp(c *conn, m wire.RoomOp) {
	r, t := h.opTarget(c, m.Room, m.User, "“%s” has no room operators: the administrator moderates it")
	if t == nil {
		return
	}
	if c.muted != nil && h.silenced(c, nil, 0) {
		return
	}
	before := h.opsOf(r)
	if !h.setOp(r, t.fold, t.nick, t.device, m.On) {
		// Nothing to change: the answer is the list as it is.
		h.pushMsg(c, wire.RoomOps{Room: r.name, Ops: before})
		return
	}
	h.opsChanged(r, before, c.nick)
	h.clusterRoomOp(r, t, c.nick, m.On)
	h.audit(Audit{Action: AuditRoomOp, Target: t.nick, Args: AuditArgs{Room: r.name, On: m.On, By: c.nick}})
	h.emit(Notice{Text: roomOpText(t.nick, r.name, c.nick, m.On, ""), At: time.Now(), Typed: true})
}

// opsChanged sends r's operators to its members if the list differs from
// before (by: the operator who changed it, or ""); otherwise nobody needs
// it.
func (h *hub) opsChanged(r *room, before []string, by string) {
	if ops := h.opsOf(r); !slices.Equal(ops, before) {
		h.broadcast(r, wire.Encode(wire.RoomOps{Room: r.name, Ops: ops, By: by}))
	}
}

// roomOpText says an operator change in English.
func roomOpText(target, room, by string, on bool, server string) string {
	s := fmt.Sprintf("%s made %s an operator of “%s”", by, target, room)
	if !on {
		s = fmt.Sprintf("%s made %s no longer an operator of “%s”", by, target, room)
	}
	if server != "" {
		s += " on " + server
	}
	return s
}

// roomActText adds where an operator's action was made, when on another
// server of the cluster.
func roomActText(s, server string) string {
	if server != "" {
		return s + "; on " + server
	}
	return s
}

// ---- server operators ----

// operText is what opered says.
const operText = "you are now a server operator: an operator of every room, the lobby included, until you disconnect"

// oper logs c in as a server operator. Wrong pairs are counted per address
// as wrong server passwords are.
func (h *hub) oper(c *conn, m wire.Oper) {
	if len(h.cfg.Operators) == 0 {
		h.sendError(c, wire.CodeOperOff, 0, "operator logins are off on this server (it has no operators file)")
		return
	}
	if c.oper != "" {
		h.pushMsg(c, wire.Opered{Name: c.oper, Text: operText})
		return
	}
	now := time.Now()
	ip := c.addr.Addr()
	if d := h.opGate.wait(ip, now); d > 0 {
		h.sendError(c, wire.CodeOperWrong, 0, fmt.Sprintf("too many wrong operator logins from your address: "+
			"wait %d seconds", secondsOf(d)))
		return
	}
	name := ""
	for _, op := range h.cfg.Operators {
		// Every pair is compared, in constant time, whatever matched.
		n := subtle.ConstantTimeCompare([]byte(op.Name), []byte(m.Name))
		p := subtle.ConstantTimeCompare([]byte(op.Password), []byte(m.Password))
		if n&p == 1 {
			name = op.Name
		}
	}
	if name == "" {
		left := h.opGate.failed(ip, now)
		h.log.Warn("wrong operator login", "nick", c.nick, "addr", c.addr, "name", clip(m.Name))
		h.emit(Notice{Text: fmt.Sprintf("wrong operator login by %s from %s", c.nick, c.addr.Addr()), At: now,
			News: OperFailedNews{Nick: c.nick, Addr: c.addr.Addr().String()}})
		text := fmt.Sprintf("wrong operator name or password (%d more %s this minute)", left,
			map[bool]string{true: "try", false: "tries"}[left == 1])
		if left == 0 {
			text = fmt.Sprintf("wrong operator name or password; no tries left: wait %d seconds",
				secondsOf(h.opGate.wait(ip, now)))
		}
		h.sendError(c, wire.CodeOperWrong, 0, text)
		return
	}
	h.pushMsg(c, wire.Opered{Name: name, Text: operText})
	h.makeOper(c, name)
	h.clusterOper(c)
	h.audit(Audit{Action: AuditOper, Target: c.nick, Detail: name})
	h.log.Info("server operator", "nick", c.nick, "addr", c.addr, "name", name)
	h.emit(Notice{Text: fmt.Sprintf("%s is a server operator (%s)", c.nick, name), At: now, Typed: true})
}

// makeOper makes c (here or on another server) a server operator and tells
// the members of its rooms.
func (h *hub) makeOper(c *conn, name string) {
	before := make([][]string, len(c.rooms))
	for i, ms := range c.rooms {
		before[i] = h.opsOf(ms.r)
	}
	c.oper = name
	h.opers[c] = struct{}{}
	for i, ms := range c.rooms {
		h.opsChanged(ms.r, before[i], "")
	}
}
