package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// History is what the hub needs of a history store (net/store's Store). The
// hub runs without one (Config.History nil: no history kept); writes never
// block it, and reads run on a reader goroutine of their own.
type History interface {
	// Append queues a record; it never blocks and returns false when the
	// record will not be stored.
	Append(store.Record) bool
	// MaxID is the highest id stored: the hub's ids continue after it.
	MaxID() uint64
	Recent(ctx context.Context, conv string, n int) ([]store.Record, error)
	After(ctx context.Context, conv string, after, upTo uint64, n int) ([]store.Record, int, error)
	PrivateAfter(ctx context.Context, party string, after, upTo uint64, n int) ([]store.Record, int, error)
	Before(ctx context.Context, conv string, before uint64, n int, events bool) ([]store.Record, bool, error)
	Search(ctx context.Context, query string, sc store.Scope, before uint64, n int) ([]store.Record, bool, error)
	Status() store.Status
	// The directory and offline delivery (away.go).
	SetParty(store.Party) bool
	Directory(ctx context.Context) ([]store.Party, map[string]int, error)
	Away(ctx context.Context, party string, upTo uint64, n int) ([]store.Record, int, error)
	Delivered(party string, upTo uint64) bool
	// SetReport sets the function told about the store's health changes.
	SetReport(func(store.Status))
}

const (
	// MaxMissed bounds the messages a Missed answer carries per
	// conversation; the count of earlier ones is sent instead.
	MaxMissed  = 1000
	pageSize   = 50
	maxPage    = 200
	histQueue  = 64
	histBudget = 32 << 10 // bytes of entries per History frame
	histTime   = 10 * time.Second
	// maxRings bounds the rooms whose last messages are kept in memory
	// beyond the rooms that exist (rooms re-created soon replay at once).
	maxRings = 2000
)

// ring is a room's last messages (at most Config.Replay, in a circular
// buffer), for the replay on join and for Missed answers that reach no
// further back. complete means it holds every message the room ever had.
type ring struct {
	buf      []wire.Entry // len ≤ cap; once full, head is the oldest
	head     int
	complete bool
	frames   [][]byte // encoded replay, nil when stale
	framesOf string   // room name the frames were encoded for
}

func (g *ring) add(e wire.Entry, n int) {
	g.frames = nil
	if len(g.buf) < n {
		g.buf = append(g.buf, e)
		return
	}
	g.buf[g.head] = e
	g.head = (g.head + 1) % len(g.buf)
	g.complete = false
}

// entries returns the messages oldest first (a copy once the buffer has
// wrapped).
func (g *ring) entries() []wire.Entry {
	if g.head == 0 {
		return g.buf
	}
	return append(slices.Clone(g.buf[g.head:]), g.buf[:g.head]...)
}

// covers reports whether every message after id is in the ring.
func (g *ring) covers(after uint64) bool {
	return g.complete || len(g.buf) > 0 && g.buf[g.head].ID <= after
}

func (g *ring) since(after uint64) []wire.Entry {
	es := g.entries()
	i, _ := slices.BinarySearchFunc(es, after+1, func(e wire.Entry, id uint64) int {
		return compareID(e.ID, id)
	})
	return es[i:]
}

func compareID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// histReq is a history read for the reader goroutine; histRes its answer.
type histReq struct {
	c      *conn
	ref    uint32
	kind   wire.HistKind
	room   string // room name as shown (answers carry it)
	peer   string
	conv   string
	party  string // PrivateAfter: all of party's private messages
	after  uint64
	upTo   uint64
	before uint64
	n      int
	text   string
	scope  store.Scope
}

type histRes struct {
	req     histReq
	recs    []store.Record
	earlier int
	more    bool
	err     error
}

// historyReader serves reads until q is closed.
func historyReader(ctx context.Context, hist History, q <-chan histReq, out chan<- histRes, done <-chan struct{}) {
	for req := range q {
		res := histRes{req: req}
		c, cancel := context.WithTimeout(ctx, histTime)
		switch {
		case req.kind == wire.HistAway:
			res.recs, res.earlier, res.err = hist.Away(c, req.party, req.upTo, req.n)
		case req.kind == wire.HistMissed && req.party != "":
			res.recs, res.earlier, res.err = hist.PrivateAfter(c, req.party, req.after, req.upTo, req.n)
		case req.kind == wire.HistMissed:
			res.recs, res.earlier, res.err = hist.After(c, req.conv, req.after, req.upTo, req.n)
		case req.kind == wire.HistOlder:
			res.recs, res.more, res.err = hist.Before(c, req.conv, req.before, req.n, true)
		case req.kind == wire.HistSearch:
			res.recs, res.more, res.err = hist.Search(c, req.text, req.scope, req.before, req.n)
		}
		cancel()
		select {
		case out <- res:
		case <-done:
			return
		}
	}
}

func entryOf(r store.Record) wire.Entry {
	return wire.Entry{ID: r.ID, Time: r.Time, Kind: wire.EntryKind(r.Kind), Room: r.Room, From: r.From, To: r.To,
		Text: r.Text, Ref: r.Ref}
}

// startHistory sets the hub up for history: ids continue after the store's,
// the reader goroutine starts, and the store's reports become events.
func (h *hub) startHistory(ctx context.Context) {
	if h.cfg.HistoryErr != nil {
		h.log.Error("history is off", "err", h.cfg.HistoryErr)
		h.emit(Error{Op: "history", Err: h.cfg.HistoryErr, At: time.Now()})
	}
	if h.cfg.ClusterErr != nil {
		h.log.Error("not in the cluster", "err", h.cfg.ClusterErr)
		h.emit(Error{Op: "cluster", Err: h.cfg.ClusterErr, At: time.Now()})
	}
	h.rings = make(map[string]*ring)
	h.loadDirectory(ctx)
	if h.hist == nil {
		return
	}
	h.nextID = max(h.nextID, h.hist.MaxID())
	h.histQ = make(chan histReq, histQueue)
	h.histRes = make(chan histRes)
	h.histDone = make(chan struct{})
	h.histWG.Add(1)
	go func() {
		defer h.histWG.Done()
		historyReader(ctx, h.hist, h.histQ, h.histRes, h.histDone)
	}()
	q := h.ev
	h.hist.SetReport(func(st store.Status) { q.push(historyStatus(st)) })
	h.emit(historyStatus(h.hist.Status()))
}

// stopHistory ends the reader goroutine (the store itself is closed by
// whoever opened it, after Run).
func (h *hub) stopHistory() {
	if h.hist == nil {
		return
	}
	h.hist.SetReport(nil)
	close(h.histQ)
	close(h.histDone)
	h.histWG.Wait()
	h.emit(historyStatus(h.hist.Status()))
}

func historyStatus(st store.Status) HistoryStatus {
	return HistoryStatus{Path: st.Path, Size: st.Size, Stored: st.Stored, NotStored: st.NotStored,
		Backlog: st.Backlog, Err: st.Err, At: time.Now()}
}

// ringFor returns room r's ring, loading it from the store the first time.
func (h *hub) ringFor(key string) *ring {
	if g := h.rings[key]; g != nil {
		return g
	}
	if len(h.rings) >= maxRings {
		for k := range h.rings {
			if h.rooms[k] == nil {
				delete(h.rings, k)
			}
		}
	}
	g := &ring{complete: true}
	if h.hist != nil && h.cfg.Replay > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		recs, err := h.hist.Recent(ctx, store.RoomConv(key), h.cfg.Replay)
		cancel()
		if err != nil {
			h.log.Warn("history: cannot load a room's last messages", "room", key, "err", err)
			g.complete = false
		}
		for _, r := range recs {
			g.buf = append(g.buf, entryOf(r))
		}
		g.complete = g.complete && len(recs) < h.cfg.Replay
	}
	h.rings[key] = g
	return g
}

// keep records rec in the store and, for a room's message, in its ring.
func (h *hub) keep(rec store.Record, r *room) {
	if h.hist != nil {
		h.hist.Append(rec)
	}
	if h.hist != nil && r != nil && rec.Kind.IsMessage() && h.cfg.Replay > 0 {
		h.ringFor(r.key).add(entryOf(rec), h.cfg.Replay)
	}
}

// keepEvent records a room event (joined, left, kicked).
func (h *hub) keepEvent(kind store.Kind, r *room, nick, text string, now time.Time) {
	if h.hist == nil {
		return
	}
	h.nextID++
	h.hist.Append(store.Record{ID: h.nextID, Time: now.UnixMilli(), Kind: kind, Conv: store.RoomConv(r.key),
		Room: r.name, From: nick, Text: text})
}

// keepRoomKick keeps in r's history that operator by removed nick from r:
// a kick (as the administrator's are) whose To is the operator.
func (h *hub) keepRoomKick(r *room, nick, by, reason string, now time.Time) {
	if h.hist == nil {
		return
	}
	h.nextID++
	h.hist.Append(store.Record{ID: h.nextID, Time: now.UnixMilli(), Kind: store.KindKicked, Conv: store.RoomConv(r.key),
		Room: r.name, From: nick, To: by, Text: reason})
}

// replay sends c the last messages of r, as history.
func (h *hub) replay(c *conn, r *room) {
	if h.hist == nil || h.cfg.Replay <= 0 {
		return
	}
	g := h.ringFor(r.key) // an empty replay too: it tells the client history is kept
	if g.frames == nil || g.framesOf != r.name {
		g.frames = h.historyFrames(wire.History{Kind: wire.HistReplay, Room: r.name}, g.entries(), nil)
		g.framesOf = r.name
	}
	for _, f := range g.frames {
		h.pushForce(c, f)
	}
}

// historyFrames encodes entries as History frames of at most histBudget
// bytes of entries each, with ListFirst and ListLast set (and, on the last,
// extra flags).
func (h *hub) historyFrames(m wire.History, entries []wire.Entry, frames [][]byte) [][]byte {
	extra := m.Flags
	budget := min(histBudget, h.cfg.MaxFrame-1024)
	first := len(frames)
	for {
		n, size := 0, 0
		for n < len(entries) && (n == 0 || size+wire.EntrySize(entries[n]) <= budget) {
			size += wire.EntrySize(entries[n])
			n++
		}
		m.Flags = 0
		if len(frames) == first {
			m.Flags |= wire.ListFirst
		}
		if n == len(entries) {
			m.Flags |= wire.ListLast | extra
		}
		m.Entries = entries[:n]
		frames = append(frames, wire.Encode(m))
		entries = entries[n:]
		if len(entries) == 0 {
			return frames
		}
		m.Earlier = 0
	}
}

func (h *hub) sendHistory(c *conn, m wire.History, entries []wire.Entry) {
	for _, f := range h.historyFrames(m, entries, nil) {
		h.pushForce(c, f)
	}
}

// ask hands a read to the reader goroutine, or says why it cannot.
func (h *hub) ask(req histReq) {
	if h.hist == nil {
		h.sendError(req.c, wire.CodeHistoryOff, req.ref, "this server keeps no history")
		return
	}
	select {
	case h.histQ <- req:
	default:
		h.sendError(req.c, wire.CodeHistoryBusy, req.ref, "the history is busy; try again in a moment")
	}
}

// answered sends a read's result to the client that asked, if still here.
func (h *hub) answered(res histRes) {
	c := res.req.c
	if h.awayAnswered(res) || c.state != stateMember {
		return
	}
	if res.err != nil {
		h.log.Warn("history read failed", "kind", res.req.kind, "err", res.err)
		h.sendError(c, wire.CodeHistoryFailed, res.req.ref, "the history could not be read: "+res.err.Error())
		return
	}
	m := wire.History{Ref: res.req.ref, Kind: res.req.kind, Room: res.req.room, Peer: res.req.peer,
		Earlier: uint32(res.earlier)}
	if res.more {
		m.Flags = wire.HistMore
	}
	entries := make([]wire.Entry, len(res.recs))
	for i, r := range res.recs {
		entries[i] = entryOf(r)
	}
	h.sendHistory(c, m, entries)
}

func limitOf(n uint16) int {
	if n == 0 {
		return pageSize
	}
	return min(int(n), maxPage)
}

// memberRoom finds a room c is in, or answers with an error.
func (h *hub) memberRoom(c *conn, name string, ref uint32) *room {
	r := h.roomNamed(name)
	if r == nil || !c.in(r) {
		h.sendError(c, wire.CodeNotInRoom, ref, fmt.Sprintf("you are not in “%s”", clip(name)))
		return nil
	}
	return r
}

func (h *hub) missed(c *conn, m wire.Missed) {
	if m.Room == "" {
		req := histReq{c: c, ref: m.Ref, kind: wire.HistMissed, peer: m.Peer, after: m.After, upTo: h.nextID,
			n: MaxMissed}
		if m.Peer == "" {
			req.party = c.party
		} else {
			req.conv = store.PrivateConv(c.party, h.partyNamed(m.Peer))
		}
		h.ask(req)
		return
	}
	r := h.memberRoom(c, m.Room, m.Ref)
	if r == nil {
		return
	}
	if h.hist != nil && h.cfg.Replay > 0 {
		if g := h.ringFor(r.key); g.covers(m.After) {
			// Everything after m.After is in memory: no need to ask the store.
			h.sendHistory(c, wire.History{Ref: m.Ref, Kind: wire.HistMissed, Room: r.name}, g.since(m.After))
			return
		}
	}
	h.ask(histReq{c: c, ref: m.Ref, kind: wire.HistMissed, room: r.name, conv: store.RoomConv(r.key),
		after: m.After, upTo: h.nextID, n: MaxMissed})
}

func (h *hub) older(c *conn, m wire.Older) {
	n := limitOf(m.Limit)
	if m.Room == "" {
		if err := wire.CheckNick(m.Peer); err != nil {
			h.sendError(c, wire.CodeNoSuchUser, m.Ref, err.Error())
			return
		}
		h.ask(histReq{c: c, ref: m.Ref, kind: wire.HistOlder, peer: m.Peer,
			conv: store.PrivateConv(c.party, h.partyNamed(m.Peer)), before: m.Before, n: n})
		return
	}
	r := h.memberRoom(c, m.Room, m.Ref)
	if r == nil {
		return
	}
	h.ask(histReq{c: c, ref: m.Ref, kind: wire.HistOlder, room: r.name, conv: store.RoomConv(r.key),
		before: m.Before, n: n})
}

func (h *hub) search(c *conn, m wire.Search) {
	if len(m.Text) > h.cfg.MaxText || strings.TrimSpace(m.Text) == "" {
		h.sendError(c, wire.CodeSearchInvalid, m.Ref, "type a word to search for (at most a message long)")
		return
	}
	sc := store.Scope{Party: c.party}
	for _, ms := range c.rooms {
		sc.Convs = append(sc.Convs, store.RoomConv(ms.r.key))
	}
	h.ask(histReq{c: c, ref: m.Ref, kind: wire.HistSearch, text: m.Text, scope: sc, before: m.Before,
		n: limitOf(m.Limit)})
}
