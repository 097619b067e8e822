package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/multichat/multichat/net/cluster"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// Cluster is how the hub reaches the other servers of a cluster
// (net/cluster's Node implements it). With Config.Cluster nil the server is
// on its own, as it always was.
//
// The hub publishes one event per thing that happens on it (a user joined,
// a chat message, a user left…: one per chat message, never one per
// recipient), and applies the other servers' events to its own view: their
// users are members of its rooms (remote members, conn.peer set) that it
// never writes to; each server writes to its own users.
type Cluster interface {
	ID() string
	Publish(data []byte)
	Events() <-chan cluster.Event
	SetInfo(info []byte)
	WantSnapshot(peer string)
	// Claim and Release keep nicknames unique across the cluster; Claim
	// blocks (the connection's reader calls it, never the hub).
	Claim(ctx context.Context, keys []string, device [32]byte, token string) error
	Release(keys []string, device [32]byte, token string, free bool)
	Forget(keys []string)
}

// claimTime bounds a nickname claim with the other servers.
const claimTime = 5 * time.Second

// clusterHub is the hub's view of the other servers; only the hub's
// goroutine touches it.
type clusterHub struct {
	node  Cluster
	peers map[string]*peerServer
	addr  string // where clients reach this server (the servers frame)
	// rfiles are the other servers' transfers offered here (cluster_files.go).
	rfiles *clusterFiles
	// clusterID is the cluster's id (cluster.Formed; "" until then).
	clusterID string
}

// peerServer is another server of the cluster and its users.
type peerServer struct {
	id    string
	info  serverInfo
	up    bool
	users map[string]*conn // FoldKey(nick) → remote member
}

// serverInfo is what a server's heartbeats carry.
type serverInfo struct {
	Name string            `json:"name"`
	Addr string            `json:"addr"`
	FP   trust.Fingerprint `json:"fp"`
}

// cmsg is one event between servers.
type cmsg struct {
	K      string          `json:"k"`
	Nick   string          `json:"n,omitempty"`
	Dev    []byte          `json:"d,omitempty"`
	Via    string          `json:"v,omitempty"`
	Room   string          `json:"r,omitempty"`
	To     string          `json:"to,omitempty"`
	Text   string          `json:"t,omitempty"`
	Time   int64           `json:"at,omitempty"`
	Why    wire.LeftReason `json:"why,omitempty"`
	Notice bool            `json:"no,omitempty"` // ckSay: a notice (wire.Say.Notice)
	Server string          `json:"s,omitempty"`
	Op     string          `json:"op,omitempty"`
	Args   json.RawMessage `json:"a,omitempty"`
	Users  []snapUser      `json:"u,omitempty"`
	Mod    *modSnapshot    `json:"mod,omitempty"` // ckSnap: the bans and mutes made on the server
	On     bool            `json:"on,omitempty"`  // ckRoomOp: made an operator (else unmade)
	// ROps: ckSnap: the operators of the open rooms the server knows, by
	// room name, with their devices (cluster_roomops.go).
	ROps map[string][]snapUser `json:"ro,omitempty"`
}

// snapUser is one user in a snapshot: the rooms besides the lobby.
type snapUser struct {
	Nick  string   `json:"n"`
	Dev   []byte   `json:"d,omitempty"`
	Via   string   `json:"v,omitempty"`
	Rooms []string `json:"r,omitempty"`
	Oper  string   `json:"o,omitempty"` // the operator name it logged in with as a server operator
}

// Event kinds.
const (
	ckJoin    = "join"    // a user joined the server (the lobby)
	ckLeft    = "left"    // a user left the server
	ckIn      = "in"      // a user joined a room
	ckOut     = "out"     // a user left a room
	ckSay     = "say"     // a chat message
	ckPriv    = "priv"    // a private message to a user on another server
	ckNotice  = "notice"  // an announcement
	ckRemoved = "removed" // a user was removed by the administrator (left follows)
	ckAdmin   = "admin"   // an administrator's command for a user of server Server
	ckSnap    = "snap"    // every user of the server, replacing what the others knew
	ckStop    = "stop"    // the server stopped serving (its users are gone)
)

// AdminOps are the administrator's commands that one server carries out on
// its own member at another server's request (remoteAdmin): kick. Bans and
// mutes are not carried out this way: every server keeps them
// (cluster_moderation.go).
// args is what the requesting server passed to remoteAdmin, as JSON.
var adminOps = map[string]func(h *hub, c *conn, args json.RawMessage){
	"kick": func(h *hub, c *conn, args json.RawMessage) {
		var k Kick
		if err := json.Unmarshal(args, &k); err != nil {
			h.log.Warn("cluster: kick with bad arguments", "err", err)
			return
		}
		k.Nick = c.nick
		h.kick(k)
	},
}

func newClusterHub(node Cluster) *clusterHub {
	return &clusterHub{node: node, peers: make(map[string]*peerServer)}
}

func (h *hub) publish(m cmsg) {
	if h.cl == nil || h.ln == nil {
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		h.log.Error("cluster: encoding an event", "err", err)
		return
	}
	h.cl.node.Publish(b)
}

// clusterClock keeps message ids comparable across the servers: in a
// cluster they follow the clock in microseconds (each server's ids still
// only grow), so that a client that moves to another server asks it what it
// missed since an id that means the same moment there.
func (h *hub) clusterClock() {
	if h.cl != nil {
		h.nextID = max(h.nextID, uint64(time.Now().UnixMicro()))
	}
}

// ---- this server's events, for the others ----

// clusterJoined tells the other servers of a new user and sends it the
// cluster's servers.
func (h *hub) clusterJoined(c *conn) {
	if h.cl == nil {
		return
	}
	h.publish(cmsg{K: ckJoin, Nick: c.nick, Dev: c.device[:], Via: c.via})
	h.pushForce(c, h.serversFrame())
}

// clusterLeft tells the other servers that a user of this one left and
// gives its nickname back to the cluster.
func (h *hub) clusterLeft(c *conn, reason wire.LeftReason) {
	if h.cl == nil || c.peer != nil {
		return
	}
	h.publish(cmsg{K: ckLeft, Nick: c.nick, Why: reason, Text: c.leftText})
	h.releaseNick(c, false)
}

// releaseNick marks c's nickname offline in the cluster's bucket: it stays
// bound to the device for the grace period, unless free (a refused hello)
// or c came through a gateway (no device).
func (h *hub) releaseNick(c *conn, free bool) {
	if h.cl != nil && c.claimed {
		c.claimed = false
		h.cl.node.Release(c.claim.keys, c.claim.device, claimToken(c), free || c.gateway)
	}
}

// clusterForget asks the cluster to free a nickname bound to a device that
// is not online (the administrator's Release); false without a cluster.
func (h *hub) clusterForget(keys [2]string) bool {
	if h.cl == nil {
		return false
	}
	h.cl.node.Forget(uniqueKeys(keys))
	return true
}

// claim is what a connection's reader bound in the cluster's bucket.
type claim struct {
	keys   []string
	device [32]byte
}

// claimToken names a connection's claim.
func claimToken(c *conn) string { return fmt.Sprintf("%x", c.nonce[:8]) }

func uniqueKeys(k [2]string) []string {
	if k[0] == k[1] {
		return k[:1]
	}
	return k[:]
}

func (h *hub) clusterRoom(c *conn, r *room, in bool) {
	if h.cl == nil {
		return
	}
	k := ckOut
	if in {
		k = ckIn
	}
	h.publish(cmsg{K: k, Nick: c.nick, Room: r.name, Text: c.leftText})
}

func (h *hub) clusterSay(m *wire.Chat) {
	if h.cl != nil {
		h.publish(cmsg{K: ckSay, Nick: m.From, Room: m.Room, Text: m.Text, Time: m.Time, Notice: m.Notice})
	}
}

// clusterPrivate sends a private message to a user on another server.
func (h *hub) clusterPrivate(from, to *conn, text string, at int64) {
	if h.cl != nil && to.peer != nil {
		h.publish(cmsg{K: ckPriv, Nick: from.nick, To: to.nick, Server: to.peer.id, Text: text, Time: at})
	}
}

func (h *hub) clusterNotice(text string, at int64) {
	if h.cl != nil {
		h.publish(cmsg{K: ckNotice, Text: text, Time: at})
	}
}

func (h *hub) clusterRemoved(c *conn, reason string, at int64) {
	if h.cl != nil {
		h.publish(cmsg{K: ckRemoved, Nick: c.nick, Text: reason, Time: at})
	}
}

// remoteAdmin asks the server of c, a member of another server, to carry out
// the administrator's command op (one of adminOps) on it; it returns false
// when c is on this server (the caller carries the command out itself).
func (h *hub) remoteAdmin(c *conn, op string, args any) bool {
	if c.peer == nil {
		return false
	}
	a, err := json.Marshal(args)
	if err != nil {
		h.failed(op, err)
		return true
	}
	h.publish(cmsg{K: ckAdmin, Server: c.peer.id, Op: op, Nick: c.nick, Args: a})
	h.log.Info("admin command sent to another server", "op", op, "nick", c.nick, "server", c.peer.info.Name)
	h.emit(Notice{Text: fmt.Sprintf("%s: asked %s, where %s is connected", op, c.peer.info.Name, c.nick), At: time.Now(),
		News: AskedNews{Op: op, Nick: c.nick, Server: c.peer.info.Name}})
	return true
}

// snapshot lists this server's users and their rooms.
func (h *hub) snapshot() cmsg {
	m := cmsg{K: ckSnap, Users: []snapUser{}, Mod: h.modSnapshot(), ROps: h.roomOpsSnapshot()}
	for _, c := range h.members {
		if c.peer != nil {
			continue
		}
		u := snapUser{Nick: c.nick, Dev: c.device[:], Via: c.via, Oper: c.oper}
		for _, ms := range c.rooms {
			if ms.r != h.lobby {
				u.Rooms = append(u.Rooms, ms.r.name)
			}
		}
		m.Users = append(m.Users, u)
	}
	return m
}

// clusterStart tells the other servers where this one is, and asks them who
// is on them.
func (h *hub) clusterStart() {
	if h.cl == nil {
		return
	}
	h.cl.addr = h.cfg.Advertise
	if h.cl.addr == "" {
		h.cl.addr = h.ln.Addr().String()
	}
	info, _ := json.Marshal(serverInfo{Name: h.cfg.Name, Addr: h.cl.addr, FP: h.fp})
	h.cl.node.SetInfo(info)
	h.publish(h.snapshot())
	h.cl.node.WantSnapshot("")
}

// clusterStop tells the other servers that this one's users are gone and
// forgets theirs (reset follows).
func (h *hub) clusterStop() {
	if h.cl == nil {
		return
	}
	h.publish(cmsg{K: ckStop})
	for _, c := range h.members {
		if c.peer == nil {
			h.releaseNick(c, false)
		}
	}
	for _, p := range h.cl.peers {
		clear(p.users)
	}
	h.cl.node.SetInfo(nil)
}

// replaceRemote lets go of other, a member of another server whose device
// connects here again (its old server died, or the client moved): it
// reports whether other was remote.
func (h *hub) replaceRemote(other *conn) bool {
	if other.peer == nil {
		return false
	}
	h.dropRemote(other, wire.LeftLost, time.Now())
	return true
}

// ---- the other servers' events ----

func (h *hub) peer(id string) *peerServer {
	p := h.cl.peers[id]
	if p == nil {
		p = &peerServer{id: id, users: make(map[string]*conn)}
		h.cl.peers[id] = p
	}
	return p
}

// clusterEvent applies an event of the cluster.
func (h *hub) clusterEvent(e cluster.Event) {
	switch e := e.(type) {
	case cluster.Batch: // handled in one go: the writers are woken once for all
		h.burst += len(e) - 1 // each message counts towards maxBurst
		for _, m := range e {
			h.clusterEvent(m)
		}
	case cluster.Msg:
		if h.ln == nil {
			return // stopped: what the others do is learnt again at start
		}
		// A stream of chat (the last one came within hotGap) makes the hub
		// yield once before waking the writers (idle); a message that
		// comes alone is written at once.
		now := time.Now()
		if now.Sub(h.remoteAt) < hotGap {
			h.remoteChat = true
		}
		h.remoteAt = now
		var m cmsg
		if err := json.Unmarshal(e.Data, &m); err != nil {
			h.log.Warn("cluster: undecodable event", "from", e.From, "err", err)
			return
		}
		h.remote(h.peer(e.From), m)
	case cluster.PeerUp:
		p := h.peer(e.Peer)
		p.up = true
		json.Unmarshal(e.Info, &p.info)
		h.log.Info("cluster server up", "peer", e.Peer, "name", p.info.Name, "addr", p.info.Addr)
		h.serversChanged()
	case cluster.PeerInfo:
		p := h.peer(e.Peer)
		p.info = serverInfo{}
		json.Unmarshal(e.Info, &p.info)
		h.serversChanged()
	case cluster.PeerDown:
		p := h.peer(e.Peer)
		p.up = false
		h.log.Warn("cluster server down", "peer", e.Peer, "name", p.info.Name, "clean", e.Clean, "users", len(p.users))
		h.dropPeerUsers(p)
		h.serversChanged()
	case cluster.SnapshotWanted:
		if h.ln != nil {
			h.publish(h.snapshot())
		}
	case cluster.Formed:
		h.cl.clusterID = e.ID
		h.emit(h.clusterStatus())
	case cluster.Resync:
		// A snapshot is on its way.
	}
}

func (h *hub) dropPeerUsers(p *peerServer) {
	h.remoteFilesGone(p)
	now := time.Now()
	for _, c := range p.users {
		h.dropRemote(c, wire.LeftLost, now)
	}
}

// remote applies an event of server p.
func (h *hub) remote(p *peerServer, m cmsg) {
	now := time.Now()
	at := now
	if m.Time != 0 {
		at = time.UnixMilli(m.Time)
	}
	switch m.K {
	case ckJoin:
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil {
			h.dropRemote(c, wire.LeftLost, now) // a join we did not hear the end of
		}
		h.addRemote(p, snapUser{Nick: m.Nick, Dev: m.Dev, Via: m.Via}, now, true)
	case ckLeft:
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil {
			c.leftText = h.leavingWords(c, m.Text)
			h.dropRemote(c, m.Why, now)
		}
	case ckIn:
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil {
			h.remoteIn(c, m.Room, now)
		}
	case ckOut:
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil {
			if r := h.roomNamed(m.Room); r != nil && r != h.lobby {
				c.leftText = h.leavingWords(c, m.Text)
				h.leaveRoom(c, r, wire.LeftParted, now)
				c.leftText = ""
			}
		}
	case ckSay:
		h.remoteSay(m, at)
	case ckPriv:
		to := h.members[wire.FoldKey(m.To)]
		if to == nil || to.peer != nil {
			return
		}
		h.nextID++
		h.push(to, wire.Encode(wire.PrivMsg{ID: h.nextID, Time: at.UnixMilli(), From: m.Nick, To: to.nick, Text: m.Text}))
		from := "nick:" + wire.FoldKey(m.Nick)
		if c := p.users[wire.FoldKey(m.Nick)]; c != nil {
			from = c.party
		}
		h.keep(store.Record{ID: h.nextID, Time: at.UnixMilli(), Kind: store.KindPrivate,
			Conv: store.PrivateConv(from, to.party), From: m.Nick, To: to.nick, Text: m.Text,
			FromParty: from, ToParty: to.party}, nil)
		h.emit(Message{From: m.Nick, To: to.nick, Private: true, At: at})
	case ckNotice:
		h.broadcast(h.lobby, wire.Encode(wire.Notice{Time: at.UnixMilli(), Text: m.Text}))
		h.nextID++
		h.keepRemote(store.Record{ID: h.nextID, Time: at.UnixMilli(), Kind: store.KindNotice,
			Conv: store.RoomConv(h.lobby.key), Room: h.lobby.name, Text: m.Text}, h.lobby)
		h.emit(Notice{Text: fmt.Sprintf("announced on %s: %s", p.info.Name, m.Text), At: at,
			News: AnnouncedNews{Server: p.info.Name, Text: m.Text}})
	case ckRemoved:
		h.broadcast(h.lobby, wire.Encode(wire.Removed{Time: at.UnixMilli(), User: m.Nick, Reason: m.Text}))
		h.keepEvent(store.KindKicked, h.lobby, m.Nick, m.Text, at)
	case ckAdmin:
		if m.Server != h.cl.node.ID() {
			return
		}
		c := h.members[wire.FoldKey(m.Nick)]
		op := adminOps[m.Op]
		switch {
		case c == nil || c.peer != nil:
			h.log.Info("cluster: admin command for a user not here", "op", m.Op, "nick", m.Nick, "from", p.info.Name)
		case op == nil:
			h.log.Warn("cluster: unknown admin command", "op", m.Op, "from", p.info.Name)
		default:
			h.log.Info("admin command from another server", "op", m.Op, "nick", c.nick, "from", p.info.Name)
			op(h, c, m.Args)
		}
	case ckSnap:
		h.applySnapshot(p, m.Users, now)
		h.syncRoomOps(p, m)
		h.syncModeration(p, m.Mod)
	case ckStop:
		h.dropPeerUsers(p)
	default:
		if !h.remoteModeration(p, m) && !h.remoteAway(p, m) && !h.remoteFileEvent(p, m) && !h.remoteRoomOps(p, m) {
			h.log.Warn("cluster: unknown event", "kind", m.K, "from", p.info.Name)
		}
	}
}

func (h *hub) remoteSay(m cmsg, at time.Time) {
	key := wire.FoldKey(m.Room)
	r := h.rooms[key]
	h.nextID++
	if r == nil { // nobody here is in it: kept for the history only
		h.keep(store.Record{ID: h.nextID, Time: at.UnixMilli(), Kind: store.KindChat, Conv: store.RoomConv(key),
			Room: m.Room, From: m.Nick, Text: m.Text}, nil)
		return
	}
	msg := wire.Chat{ID: h.nextID, Time: at.UnixMilli(), Room: r.name, From: m.Nick, Text: m.Text, Notice: m.Notice}
	h.broadcast(r, wire.AppendFrame(make([]byte, 0, 48+len(r.name)+len(m.Nick)+len(m.Text)), msg))
	h.keepRemote(store.Record{ID: msg.ID, Time: msg.Time, Kind: store.KindChat, Conv: store.RoomConv(r.key),
		Room: r.name, From: m.Nick, Text: m.Text}, r)
	h.emit(Message{Room: r.name, From: m.Nick, Text: m.Text, At: at})
}

// keepRemote keeps another server's message as keep does. The room's ring
// is loaded first: a room with nobody of this server in it may have none
// yet, and loading it after the message is stored would hold it twice.
func (h *hub) keepRemote(rec store.Record, r *room) {
	if h.hist != nil && h.cfg.Replay > 0 {
		h.ringFor(r.key)
	}
	h.keep(rec, r)
}

// addRemote makes a user of server p a member of the lobby here. announce:
// its arrival is told to the lobby at once (else the caller does it for a
// batch). It returns nil when a user of another device holds the nickname
// here (the cluster's bucket makes that rare: both servers keep their own).
func (h *hub) addRemote(p *peerServer, u snapUser, now time.Time, announce bool) *conn {
	fold, skels := wire.FoldKey(u.Nick), wire.SkeletonKeys(u.Nick)
	var dev [32]byte
	copy(dev[:], u.Dev)
	for _, k := range skels {
		other := h.names.nicks[k]
		switch {
		case other == nil:
		case other.device == dev && !other.gateway && u.Via == "":
			// The same device is on p now: the connection here is stale.
			if !h.replaceRemote(other) {
				h.pushForce(other, wire.Encode(wire.Kicked{Reason: "you connected again from the same device", By: "server"}))
				h.drop(other, wire.LeftLost, closeGraceful, "replaced by a connection to "+p.info.Name)
			}
		default:
			h.log.Warn("cluster: a nickname is held on two servers", "nick", u.Nick, "here", other.nick,
				"there", p.info.Name)
			return nil
		}
	}
	c := &conn{h: h, peer: p, state: stateMember, announced: true, nick: u.Nick, fold: fold, skels: skels,
		device: dev, via: u.Via, gone: make(chan struct{})}
	c.party = partyOf(c) // private history belongs to the device, as for users of this server
	if c.via != "" {
		c.party = "nick:" + fold // a gateway user of the other server: no device
	}
	h.members[fold] = c
	h.names.addNick(c)
	p.users[fold] = c
	h.remoteSeen(c, now)
	if announce {
		j := wire.Joined{Time: now.UnixMilli(), Room: h.lobby.name, Users: []string{c.nick}}
		if c.via != "" {
			j.Via = []string{c.via}
		}
		h.broadcast(h.lobby, wire.Encode(j))
	}
	h.lobby.add(c)
	h.markDirty(h.lobby)
	h.keepEvent(store.KindJoined, h.lobby, c.nick, "", now)
	h.emit(UserJoined{Nick: c.nick, Since: now, Via: c.via, Server: p.info.Name})
	return c
}

// remoteIn adds remote member c to the room called name, making the room if
// nobody here is in it.
func (h *hub) remoteIn(c *conn, name string, now time.Time) {
	if wire.CheckRoom(name) != nil {
		return
	}
	key := wire.FoldKey(name)
	r := h.rooms[key]
	if r == nil {
		r = &room{name: name, key: key}
		h.rooms[key] = r
		h.byName[r.name] = r
		h.names.addRoom(r, wire.SkeletonKeys(name), nil)
	}
	if c.in(r) {
		return
	}
	j := wire.Joined{Time: now.UnixMilli(), Room: r.name, Users: []string{c.nick}}
	if c.via != "" {
		j.Via = []string{c.via}
	}
	h.broadcast(r, wire.Encode(j))
	before := h.opsOf(r)
	r.add(c)
	h.opsChanged(r, before, "") // a remembered operator (or a server operator) is back
	h.keepEvent(store.KindJoined, r, c.nick, "", now)
	h.markDirty(r)
}

// dropRemote takes a remote member out of every room (the members here get
// Left) and forgets it.
func (h *hub) dropRemote(c *conn, reason wire.LeftReason, now time.Time) {
	if c.state == stateGone {
		return
	}
	c.state = stateGone
	if h.members[c.fold] == c {
		delete(h.members, c.fold)
	}
	delete(h.opers, c)
	h.names.removeNick(c)
	if c.peer.users[c.fold] == c {
		delete(c.peer.users, c.fold)
	}
	for len(c.rooms) > 0 {
		h.leaveRoom(c, c.rooms[len(c.rooms)-1].r, reason, now)
	}
	h.filesLeave(c) // its part in the transfers of users here waits for it, as for a user here
	h.emit(UserLeft{Nick: c.nick, Reason: reason.String(), At: now, Server: c.peer.info.Name})
}

// applySnapshot makes what this server knows of p's users what p says.
func (h *hub) applySnapshot(p *peerServer, users []snapUser, now time.Time) {
	seen := make(map[string]bool, len(users))
	var nicks, via []string
	for _, u := range users {
		fold := wire.FoldKey(u.Nick)
		seen[fold] = true
		c := p.users[fold]
		if c == nil {
			if c = h.addRemote(p, u, now, false); c == nil {
				continue
			}
			nicks = append(nicks, c.nick)
			via = append(via, c.via)
		}
		want := make(map[string]bool, len(u.Rooms))
		for _, name := range u.Rooms {
			want[wire.FoldKey(name)] = true
			h.remoteIn(c, name, now)
		}
		for i := len(c.rooms) - 1; i >= 0; i-- {
			if r := c.rooms[i].r; r != h.lobby && !want[r.key] {
				h.leaveRoom(c, r, wire.LeftParted, now)
			}
		}
	}
	for fold, c := range p.users {
		if !seen[fold] {
			h.dropRemote(c, wire.LeftLost, now)
		}
	}
	if len(nicks) == 0 {
		return
	}
	if !slices.ContainsFunc(via, func(v string) bool { return v != "" }) {
		via = nil
	}
	frames := joinedFrames(h.lobby.name, nicks, via, now)
	for _, m := range h.lobby.members {
		if m.peer == nil && m.announced {
			for _, f := range frames {
				h.push(m, f)
			}
		}
	}
	h.log.Info("cluster snapshot", "server", p.info.Name, "users", len(p.users), "new", len(nicks))
}

// serversFrame lists this server and the others that are up.
func (h *hub) serversFrame() []byte {
	local := 0
	for _, c := range h.members {
		if c.peer == nil {
			local++
		}
	}
	list := wire.Servers{Servers: []wire.ServerInfo{{Addr: h.cl.addr, Name: h.cfg.Name, Fingerprint: h.fp,
		Users: uint32(local)}}}
	ids := make([]string, 0, len(h.cl.peers))
	for id, p := range h.cl.peers {
		if p.up && p.info.Addr != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := h.cl.peers[id]
		list.Servers = append(list.Servers, wire.ServerInfo{Addr: p.info.Addr, Name: p.info.Name,
			Fingerprint: p.info.FP, Users: uint32(len(p.users))})
	}
	return wire.Encode(list)
}

// serversChanged sends every user here the new list of servers and tells
// the UI.
func (h *hub) serversChanged() {
	if h.ln != nil {
		f := h.serversFrame()
		for c := range h.conns {
			if c.state == stateMember {
				h.pushForce(c, f)
			}
		}
	}
	h.emit(h.clusterStatus())
}

// clusterStatus reports the cluster as the UI shows it.
func (h *hub) clusterStatus() ClusterChanged {
	ev := ClusterChanged{ID: h.cl.node.ID(), Cluster: h.cl.clusterID, At: time.Now()}
	for id, p := range h.cl.peers {
		ev.Peers = append(ev.Peers, ClusterPeer{ID: id, Name: p.info.Name, Addr: p.info.Addr, Up: p.up,
			Users: len(p.users)})
	}
	slices.SortFunc(ev.Peers, func(a, b ClusterPeer) int { return strings.Compare(a.ID, b.ID) })
	return ev
}

// claimNick binds the hello's nickname to its device in the cluster's
// bucket: the reader calls it before handing the hello to the hub. A
// refusal is returned for the client.
func (c *conn) claimNick(hello wire.Hello) *wire.Refused {
	if wire.CheckNick(hello.Nick) != nil {
		return nil // the hub refuses it
	}
	dev := hello.Device
	if c.gateway {
		dev = c.nonce // no device: bound to this connection only
	}
	ctx, cancel := context.WithTimeout(context.Background(), claimTime)
	defer cancel()
	go func() {
		select {
		case <-c.gone:
			cancel()
		case <-ctx.Done():
		}
	}()
	keys := uniqueKeys(wire.SkeletonKeys(hello.Nick))
	err := c.h.cl.node.Claim(ctx, keys, dev, claimToken(c))
	switch {
	case err == nil:
		c.claimed, c.claim = true, claim{keys: keys, device: dev}
		return nil
	case errors.Is(err, cluster.ErrTaken):
		return &wire.Refused{Code: wire.RefuseNickTaken, Text: fmt.Sprintf("nickname “%s” is taken", clip(hello.Nick))}
	default:
		c.h.log.Warn("cluster: nickname claim failed", "nick", clip(hello.Nick), "err", err)
		return &wire.Refused{Code: wire.RefuseClusterBusy,
			Text: "the servers cannot check nicknames with each other right now; please try again in a moment"}
	}
}

// ClusterChanged reports the other servers of the cluster: which are up and
// how many people are on each.
type ClusterChanged struct {
	ID      string // this server's id in the cluster
	Cluster string // the cluster's id, the same on every server ("" until known)
	Peers   []ClusterPeer
	At      time.Time
}

// ClusterPeer is another server of the cluster.
type ClusterPeer struct {
	ID    string
	Name  string
	Addr  string // where its clients connect
	Up    bool
	Users int
}

func (ClusterChanged) isEvent() {}
