package server

import (
	"time"

	"github.com/multichat/multichat/net/wire"
)

// listChunk bounds the encoded size of one UserList, Joined or RoomList
// frame, well under any frame limit a client may use.
const listChunk = 16 << 10

// room is a chat room: its display name (as its creator spelled it), its key
// (wire.FoldKey of the name) and its members in join order, except that a
// leaver's slot is taken by the last member.
type room struct {
	name    string
	key     string
	skels   [2]string // wire.SkeletonKeys(name)
	creator string    // FoldKey of its creator's nickname; "" for the lobby
	// ops are the room's operators while it is open (roomops.go), by the
	// fold key of their nickname; nil for none, always for the lobby.
	ops     map[string]roomOp
	members []*conn
	// outs[i] is members[i].out, nil for a member of another server:
	// broadcast stages a frame to each without touching the conns.
	outs  []*outbox
	lists [][]byte // encoded UserList chunks; nil when stale
	// The last chunk of lists holds members[lastFrom:], whose names take
	// lastSize bytes: a member added at the end re-encodes only that chunk.
	lastFrom int
	lastSize int
	listsVia bool // lists carry gateway marks (Via)
}

func (r *room) add(c *conn) {
	c.rooms = append(c.rooms, membership{r: r, i: len(r.members)})
	r.members = append(r.members, c)
	var o *outbox
	if c.peer == nil {
		o = c.out
	}
	r.outs = append(r.outs, o)
	switch {
	case r.lists == nil:
	case r.listsVia || c.via != "":
		r.lists = nil // lists with gateway marks are rebuilt whole
	default:
		r.extendLists()
	}
}

// extendLists brings the cached list up to date with the member just added
// at the end: its last chunk is encoded again with the newcomer, or, if
// that would pass listChunk, ends (encoded again without ListLast) and a
// chunk of the newcomer starts. Earlier chunks are unchanged. Frames
// already queued are never modified: changed chunks are new slices.
func (r *room) extendLists() {
	const per = 2
	i := len(r.members) - 1
	size := per + len(r.members[i].nick)
	last := len(r.lists) - 1
	if r.lastSize+size > listChunk && i > r.lastFrom {
		r.lists[last] = r.listFrame(r.lastFrom, i, last == 0, false)
		r.lists = append(r.lists, nil)
		r.lastFrom, r.lastSize, last = i, 0, last+1
	}
	r.lastSize += size
	if i > r.lastFrom {
		// The chunk's bytes with the name added: a copy, not an encoding
		// of its hundreds of names again.
		if f, ok := wire.AddUser(r.lists[last], r.members[i].nick); ok {
			r.lists[last] = f
			return
		}
	}
	r.lists[last] = r.listFrame(r.lastFrom, len(r.members), last == 0, true)
}

// listFrame encodes members[from:to] as one UserList chunk.
func (r *room) listFrame(from, to int, first, last bool) []byte {
	var flags uint8
	if first {
		flags |= wire.ListFirst
	}
	if last {
		flags |= wire.ListLast
	}
	names := make([]string, to-from)
	for k, m := range r.members[from:to] {
		names[k] = m.nick
	}
	return wire.Encode(wire.UserList{Room: r.name, Flags: flags, Users: names})
}

// remove takes c out of the room in O(1) (plus c's few memberships).
func (r *room) remove(c *conn) bool {
	k := c.membership(r)
	if k < 0 {
		return false
	}
	i := c.rooms[k].i
	last := len(r.members) - 1
	if i != last {
		moved := r.members[last]
		r.members[i] = moved
		r.outs[i] = r.outs[last]
		moved.rooms[moved.membership(r)].i = i
	}
	r.members[last] = nil
	r.members = r.members[:last]
	r.outs[last] = nil
	r.outs = r.outs[:last]
	c.rooms = append(c.rooms[:k], c.rooms[k+1:]...)
	r.lists = nil
	return true
}

// membership returns the index of r in c.rooms, or -1.
func (c *conn) membership(r *room) int {
	for k := range c.rooms {
		if c.rooms[k].r == r {
			return k
		}
	}
	return -1
}

func (c *conn) in(r *room) bool { return c.membership(r) >= 0 }

func (r *room) nicks() []string {
	out := make([]string, len(r.members))
	for i, m := range r.members {
		out[i] = m.nick
	}
	return out
}

// userLists returns the room's member list as UserList frames, encoded once
// and kept until the membership changes.
func (r *room) userLists() [][]byte {
	if r.lists == nil {
		nicks, via := r.nicks(), r.via()
		r.lists = userListFrames(r.name, nicks, via)
		r.listsVia = via != nil
		cs := chunks(nicks, perName(via))
		last := cs[len(cs)-1]
		r.lastFrom, r.lastSize = len(nicks)-len(last), 0
		for _, n := range last {
			r.lastSize += perName(via) + len(n)
		}
	}
	return r.lists
}

// via returns the members' gateway marks, parallel to nicks, or nil when
// every member is a MultiChat client.
func (r *room) via() []string {
	var out []string
	for i, m := range r.members {
		if m.via != "" && out == nil {
			out = make([]string, len(r.members))
		}
		if out != nil {
			out[i] = m.via
		}
	}
	return out
}

// perName is a list entry's size beyond its name: a length field, and with
// marks a second one and the mark.
func perName(via []string) int {
	if via == nil {
		return 2
	}
	return 2 + 2 + len(wire.ViaClassic)
}

// viaChunk returns the marks of names[start:start+n] (nil when none).
func viaChunk(via []string, start, n int) []string {
	if via == nil {
		return nil
	}
	return via[start : start+n]
}

// chunks splits names into runs whose encoded size stays under listChunk.
func chunks(names []string, per int) [][]string {
	var out [][]string
	start, size := 0, 0
	for i, n := range names {
		if size+per+len(n) > listChunk && i > start {
			out = append(out, names[start:i])
			start, size = i, 0
		}
		size += per + len(n)
	}
	return append(out, names[start:])
}

func userListFrames(room string, names, via []string) [][]byte {
	cs := chunks(names, perName(via))
	frames := make([][]byte, len(cs))
	start := 0
	for i, c := range cs {
		var flags uint8
		if i == 0 {
			flags |= wire.ListFirst
		}
		if i == len(cs)-1 {
			flags |= wire.ListLast
		}
		frames[i] = wire.Encode(wire.UserList{Room: room, Flags: flags, Users: c, Via: viaChunk(via, start, len(c))})
		start += len(c)
	}
	return frames
}

func joinedFrames(room string, names, via []string, now time.Time) [][]byte {
	cs := chunks(names, perName(via))
	frames := make([][]byte, len(cs))
	start := 0
	for i, c := range cs {
		frames[i] = wire.Encode(wire.Joined{Time: now.UnixMilli(), Room: room, Users: c, Via: viaChunk(via, start, len(c))})
		start += len(c)
	}
	return frames
}

func roomListFrames(rooms []wire.RoomInfo) [][]byte {
	var frames [][]byte
	start, size := 0, 0
	flush := func(end int, last bool) {
		var flags uint8
		if len(frames) == 0 {
			flags |= wire.ListFirst
		}
		if last {
			flags |= wire.ListLast
		}
		frames = append(frames, wire.Encode(wire.RoomList{Flags: flags, Rooms: rooms[start:end]}))
		start, size = end, 0
	}
	for i, r := range rooms {
		if size+6+len(r.Name) > listChunk && i > start {
			flush(i, false)
		}
		size += 6 + len(r.Name)
	}
	flush(len(rooms), true)
	return frames
}
