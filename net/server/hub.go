package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/multichat/multichat/net/cluster"
	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// Errors carried by Error events.
var (
	ErrRunning    = errors.New("the server is already running")
	ErrNotRunning = errors.New("the server is not running")
	ErrNoSuchUser = errors.New("no such user online")
)

const (
	// closeGrace is how long a final frame (kicked, stopping, refused,
	// error) gets to reach its peer before the socket is closed.
	closeGrace = time.Second
	// Bursts of joins are announced in batches: a join that comes sooner
	// than the join window after the last announcement waits for the next
	// one (the joiner itself is welcomed at once), so that a thousand joins
	// cost each member a few Joined frames, not a thousand. An announcement
	// costs a push, a writer wake-up and a write (5–10 µs, and as much
	// again for the reader's wake-up, on this project's machine) per member,
	// so the window grows with the lobby (joinWindowPer each, at most
	// maxJoinWindow), which bounds announcing to 5 000 writes a second up
	// to a lobby of 2 500 (beyond, the cap holds it to the lobby's size
	// twice a second): in a class of 30 joins are announced within 6 ms, in
	// a lobby of 2 500 or more within 500 ms. (At 100 µs per member
	// announcing was a third of the writes while 5 000 clients joined.)
	joinWindowPer = 200 * time.Microsecond
	maxJoinWindow = 500 * time.Millisecond
	maxJoinBatch  = 512
	// roomsEvery bounds how often RoomChanged events are sent: each one
	// lists a room's members, which for the lobby may be thousands.
	roomsEvery = 50 * time.Millisecond
	// maxBurst is how many items the hub handles, when busy, before it
	// wakes the writers it has queued frames to (a round), and maxFanned
	// how many broadcast deliveries it stages in a round; handEvery is how
	// much it stages for one outbox before it wakes them anyway. Every
	// round costs one hand-over and usually one socket write per
	// recipient, so a round of more messages costs less per delivery: in
	// a room of 2 000, rounds of 64 messages left about 80 frames per
	// write, and the write system calls were most of the server's CPU.
	// maxFanned bounds the hub's work before the first write (about
	// 15 ms of CPU) however large the room. A round ends as soon as
	// nothing more is queued, so a quiet server writes at once.
	maxBurst  = 512
	maxFanned = 1 << 20
	// hotGap: chat from the cluster that comes within hotGap of the last
	// is a stream, for which the hub yields once before waking the
	// writers (see idle).
	hotGap    = time.Millisecond
	handEvery = 256 << 10
	inboxSize = 1024
	// eventGrace bounds how long Run, when ending, waits for the UI to take
	// the last events.
	eventGrace = 2 * time.Second

	stopReason = "server is stopping"
	// ReasonStopped is UserLeft.Reason for users disconnected by Stop.
	ReasonStopped = "server stopped"
	// DefaultKickReason is what the kicked user is told when Kick.Reason is
	// empty.
	DefaultKickReason = wire.ReasonKicked
)

// Run serves until ctx is done or cmds is closed, then stops cleanly (every
// client told, every connection closed, every goroutine it started exited)
// and closes events. It starts idle: a Start command opens the listener. It
// never blocks on events: they are queued without bound and forwarded in
// order. It returns an error only for an invalid Config.
func Run(ctx context.Context, cfg Config, cmds <-chan Command, events chan<- Event) error {
	cfg = cfg.Defaults()
	q := newEventQueue(events)
	if err := cfg.validate(); err != nil {
		q.close(eventGrace)
		return err
	}
	id := cfg.Identity
	if !cfg.Plaintext && id == nil {
		var err error
		if id, err = trust.LoadOrCreateIdentity(cfg.DataDir, cfg.Name); err != nil {
			q.close(eventGrace)
			return fmt.Errorf("server: %w", err)
		}
	}
	h := newHub(cfg, q)
	if !cfg.Plaintext {
		h.tlsConf, h.fp = id.ServerTLS(), id.Fingerprint
		if id.Created {
			h.log.Info("created a new server certificate", "dir", cfg.DataDir, "fingerprint", id.Fingerprint.String())
		}
	}
	h.binds = newBindings(cfg.Bindings, cfg.NickGrace, func(err error) { h.failed("bindings", err) })
	if cfg.Cluster != nil {
		h.cl, h.clIn = newClusterHub(cfg.Cluster), cfg.Cluster.Events()
	}
	h.startHistory(ctx)
	h.startModeration(ctx)
	if cfg.Port != nil {
		dials, closePort := cfg.Port.open()
		defer closePort()
		h.dials = dials
	}
	h.loop(ctx, cmds)
	if h.ln != nil {
		h.stop()
	}
	h.side.close()
	h.stopHistory()
	h.stopModeration()
	h.timer.Stop()
	h.binds.close()
	q.close(eventGrace)
	return nil
}

// ErrServerName: the server's name is too long (or not UTF-8).
var ErrServerName = errors.New("the server name must be valid UTF-8 of at most 255 bytes")

func (c Config) validName() error {
	if len(c.Name) > 255 || !utf8.ValidString(c.Name) {
		return ErrServerName
	}
	return nil
}

func (c Config) validate() error {
	if err := c.validName(); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	switch {
	case c.MaxFrame < 4<<10 || c.MaxFrame > wire.AbsoluteMaxFrame:
		return fmt.Errorf("server: MaxFrame %d is outside 4 KiB–%d", c.MaxFrame, wire.AbsoluteMaxFrame)
	case c.MaxText < 1 || c.MaxText > 0xFFFF || c.MaxText+1024 > c.MaxFrame:
		return fmt.Errorf("server: MaxText %d must be 1–65535 and leave 1 KiB of MaxFrame for headers", c.MaxText)
	case c.OutboxBytes < 64<<10:
		return errors.New("server: OutboxBytes must be at least 64 KiB")
	case c.OutboxBudget > 0 && c.OutboxBudget < 1<<20:
		return errors.New("server: OutboxBudget must be at least 1 MiB (or -1: none)")
	case c.WriteTimeout <= 0 || c.HandshakeTime <= 0 || c.PingAfter <= 0:
		return errors.New("server: WriteTimeout, HandshakeTime and PingAfter must be positive")
	case c.MissedPings < 0:
		return errors.New("server: MissedPings must not be negative")
	case c.FloodBurst > 0 && c.FloodRate <= 0:
		return errors.New("server: FloodRate must be positive when flood control is on")
	case !c.Plaintext && c.Identity == nil && c.DataDir == "":
		return errors.New("server: TLS needs a DataDir (or an Identity); Plaintext turns TLS off")
	case c.NickGrace < 0:
		return errors.New("server: NickGrace must not be negative")
	}
	for _, op := range c.Operators {
		if op.Name == "" || op.Password == "" {
			return errors.New("server: every operator needs a name and a password")
		}
	}
	return nil
}

// hub owns the listener state, the members and the rooms. Only its goroutine
// (the one running loop) touches them.
type hub struct {
	cfg      Config
	log      *slog.Logger
	ev       *eventQueue
	in       chan inbound
	acceptCh chan net.Conn
	dials    <-chan dialReq // Config.Port's requests; nil without a Port
	wg       sync.WaitGroup // the accept loop and every connection goroutine
	side     sideStacks     // the readers' deep work: TLS handshakes, device proofs

	ln       net.Listener // nil when stopped
	stopping chan struct{}

	conns   map[*conn]struct{} // every open connection
	perIP   map[netip.Addr]int
	members map[string]*conn // wire.FoldKey(nick) → member
	names   names            // look-alike keys of reserved names, nicknames and rooms
	rooms   map[string]*room // wire.FoldKey(name) → room
	byName  map[string]*room // display name → room (fast path for Say)
	lobby   *room
	away    []*conn // members who are away (presence.go)
	nextID  uint64

	pending     []*conn           // accepted, Welcome not yet sent (a join batch)
	dirty       map[string]string // rooms changed since the last RoomChanged, key → name
	lastFlush   time.Time
	timer       *time.Timer
	timerC      <-chan time.Time // timer.C while armed, else nil
	timerAt     time.Time        // when the armed timer fires
	doomed      []doom           // slow consumers found while pushing
	acct        *budget          // what every outbox holds, against OutboxBudget
	noRoomUntil time.Time        // makeRoom found no one to drop: do not scan again before
	wake        []*conn          // connections with frames staged, not yet handed over
	burst       int              // items handled since the writers were last woken
	handNow     bool             // an outbox has handEvery staged: hand over now
	fanned      int              // broadcast deliveries staged since the writers were last woken
	remoteChat  bool             // the round has chat from the cluster: yield before waking the writers
	remoteAt    time.Time        // when the last chat from the cluster came
	lastRooms   time.Time        // when RoomChanged events were last sent

	files map[uint64]*transfer
	legs  map[uint64]*leg // files.go: each accepted recipient's stream

	tlsConf *tls.Config        // nil: plaintext
	fp      trust.Fingerprint  // the certificate's fingerprint (zero in plaintext)
	gate    *gate              // password and device proof, checked by the readers
	binds   *bindings          // nickname → device, kept across restarts
	mod     moderation         // bans, mutes, lecture mode, topics (moderation.go)
	opers   map[*conn]struct{} // server operators online, here and on other servers (roomops.go)
	opGate  *gate              // wrong operator logins per address (roomops.go)

	// History (history.go): nil hist means none is kept.
	hist     History
	rings    map[string]*ring // room key → its last messages (replay)
	histQ    chan histReq     // reads for the reader goroutine
	histRes  chan histRes     // its answers; nil when history is off
	histDone chan struct{}
	histWG   sync.WaitGroup

	// Offline delivery (away.go).
	dir     map[string]store.Party // nickname fold key → the device that last held it
	waiting map[string]int         // party → private messages kept for it while offline

	// Cluster (cluster.go): nil without one.
	cl   *clusterHub
	clIn <-chan cluster.Event
}

func newHub(cfg Config, q *eventQueue) *hub {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	h := &hub{
		cfg:      cfg,
		log:      log,
		ev:       q,
		in:       make(chan inbound, inboxSize),
		acceptCh: make(chan net.Conn),
		timer:    t,
		acct:     &budget{max: max(cfg.OutboxBudget, 0)},
		gate:     newGate(cfg.PasswordHash),
		opGate:   newGate(nil),
		hist:     cfg.History,
		names:    newNames(cfg),
	}
	h.reset()
	return h
}

// reset empties the member and room state (at start and after Stop).
func (h *hub) reset() {
	h.conns = make(map[*conn]struct{})
	h.perIP = make(map[netip.Addr]int)
	h.members = make(map[string]*conn)
	h.rooms = make(map[string]*room)
	h.byName = make(map[string]*room)
	h.dirty = make(map[string]string)
	h.files = make(map[uint64]*transfer)
	h.legs = make(map[uint64]*leg)
	h.away = nil
	h.opers = make(map[*conn]struct{})
	h.lobby = &room{name: wire.Lobby, key: wire.FoldKey(wire.Lobby)}
	h.rooms[h.lobby.key] = h.lobby
	h.names.reset()
	h.names.addRoom(h.lobby, wire.SkeletonKeys(h.lobby.name), nil)
	h.byName[h.lobby.name] = h.lobby
	h.pending = nil
	h.doomed = nil
}

func (h *hub) emit(e Event) { h.ev.push(e) }

// failed reports a command that failed, to the log and as an Error event.
func (h *hub) failed(op string, err error) {
	h.log.Warn("command failed", "op", op, "err", err)
	h.emit(Error{Op: op, Err: err, At: time.Now()})
}

func (h *hub) loop(ctx context.Context, cmds <-chan Command) {
	for {
		select {
		case <-ctx.Done():
			return
		case cmd, ok := <-cmds:
			if !ok {
				return
			}
			h.flushJoins()
			h.command(cmd)
		case nc := <-h.acceptCh:
			h.accept(nc)
		case req := <-h.dials:
			h.dialed(req)
		case in := <-h.in:
			if _, hello := in.m.(wire.Hello); !hello || in.kind != inFrame {
				h.flushJoins()
			}
			h.inbound(in)
		case <-h.timerC:
			h.timerC = nil
		case res := <-h.histRes:
			h.answered(res)
		case e := <-h.clIn:
			h.clusterEvent(e)
		}
		h.clusterClock()
		h.reap()
		h.housekeep()
		// Writers are woken when the hub has nothing more queued (from the
		// connections or the cluster), or under load every maxBurst items
		// or maxFanned broadcast deliveries, or when one outbox has
		// handEvery staged: each then writes what the round queued for it
		// in one write.
		if h.burst++; len(h.wake) > 0 && (h.idle() || h.burst >= maxBurst ||
			h.fanned >= maxFanned || h.handNow) {
			for len(h.wake) > 0 {
				h.wakeWriters() // may find slow consumers,
				h.reap()        // whose Left frames queue more
			}
		}
	}
}

// idle reports that nothing more is queued for the hub. Chat from the
// cluster comes one message at a time from the cluster's goroutine, which
// seldom has the next one queued yet when the hub is done with the last: when
// the burst has some that came as a stream (within hotGap of the one before;
// not a lone message, whose latency the yield would only add to), the hub
// yields once before saying it is idle, so that
// the next one, if it is on its way, joins the burst and the writers are
// woken once for both (a wake-up and a write per member each time: the
// cluster's servers made five times as many writes per delivery as a single
// server before). The yield is a few microseconds; maxBurst still bounds a
// burst.
func (h *hub) idle() bool {
	if len(h.in)+len(h.clIn) > 0 {
		return false
	}
	if !h.remoteChat {
		return true
	}
	h.remoteChat = false
	runtime.Gosched()
	return len(h.in)+len(h.clIn) == 0
}

// housekeep sends the pending join batch when the join window has passed,
// and the RoomChanged events at most every roomsEvery; otherwise it arms the
// timer for when one is due.
func (h *hub) housekeep() {
	now := time.Now()
	next := h.binds.maybeSave(now)
	if d := h.liftMutes(); d >= 0 && (next < 0 || d < next) {
		next = d
	}
	if len(h.pending) == 0 && len(h.dirty) == 0 && next < 0 {
		return
	}
	if len(h.pending) > 0 {
		window := min(time.Duration(len(h.lobby.members))*joinWindowPer, maxJoinWindow)
		if since := now.Sub(h.lastFlush); len(h.pending) >= maxJoinBatch || since >= window {
			h.flushJoins()
		} else if d := window - since; next < 0 || d < next {
			next = d
		}
	}
	if len(h.dirty) > 0 {
		if since := now.Sub(h.lastRooms); since >= roomsEvery {
			h.emitRooms()
			h.lastRooms = now
		} else if next < 0 || roomsEvery-since < next {
			next = roomsEvery - since
		}
	}
	if next < 0 {
		return
	}
	next = max(next, 50*time.Microsecond)
	if at := now.Add(next); h.timerC == nil || at.Before(h.timerAt) {
		h.timer.Reset(next)
		h.timerC, h.timerAt = h.timer.C, at
	}
}

// doom is a slow consumer found while pushing, and why.
type doom struct {
	c      *conn
	detail string
}

// reap drops the slow consumers found while pushing. Dropping sends Left
// frames, which may find more.
func (h *hub) reap() {
	for len(h.doomed) > 0 {
		d := h.doomed[len(h.doomed)-1]
		h.doomed = h.doomed[:len(h.doomed)-1]
		h.drop(d.c, wire.LeftSlowConsumer, closeAbort, d.detail)
	}
}

// push queues a frame to c. It is staged in c's outbox without locking and
// handed over, with everything else the hub queued to c in its current burst
// of work, when the hub wakes the writers (see wakeWriters): one lock and one
// write per burst, not per frame. If the hand-over takes what c is owed over
// its cap, c is a slow consumer and is dropped.
func (h *hub) push(c *conn, frame []byte) { h.stage(c, outFrame{b: frame}, false) }

// pushForce queues a frame that is not refused for the outbox limit: final
// frames (kicked, stopping, refused), replies the client asked for (lists).
func (h *hub) pushForce(c *conn, frame []byte) { h.stage(c, outFrame{b: frame}, true) }

func (h *hub) stage(c *conn, f outFrame, force bool) {
	if c.peer != nil {
		return // a member of another server: that server writes to it
	}
	h.stageTo(c, c.out, f, force)
}

// stageTo stages f in o, c's outbox, and notes c for the next wake-up.
func (h *hub) stageTo(c *conn, o *outbox, f outFrame, force bool) {
	if o.stage(f, force) {
		h.wake = append(h.wake, c)
	}
	// Writers get a big burst in parts, so that they start writing early.
	if o.hqBytes >= handEvery {
		h.handNow = true
	}
}

// wakeWriters hands every outbox the hub has queued to since the last call
// its frames, and wakes their writers. A hand-over that would take the
// server's outboxes over the budget first makes room (makeRoom).
func (h *hub) wakeWriters() {
	for i, c := range h.wake {
		if h.acct.max > 0 && !c.out.hqForce && h.acct.used.Load()+c.out.hqBytes > h.acct.max && !h.noRoomUntil.After(time.Now()) {
			h.makeRoom(c.out.hqBytes)
		}
		if c.out.handover(false) == pushOverflow {
			h.doomed = append(h.doomed, doom{c, fmt.Sprintf("owed over %d bytes", h.cfg.OutboxBytes)})
		}
		h.wake[i] = nil
	}
	h.wake = h.wake[:0]
	h.burst = 0
	h.handNow = false
	h.fanned = 0
}

// makeRoom drops slow consumers until need more bytes fit in the server's
// outbox budget with an eighth of it to spare (so that the next hand-overs
// do not each scan every connection). Connections whose writer has waited
// for the socket for an eighth of the stall time or more go first, then the
// others; among each, the one owed the most goes first. Their outboxes are
// aborted at once (what they held leaves the account); reap drops them.
func (h *hub) makeRoom(need int64) {
	type candidate struct {
		c       *conn
		owed    int64
		stalled bool
	}
	now := time.Now()
	var cs []candidate
	for c := range h.conns {
		if n, open := c.out.owed(); open && n > 0 {
			since := c.out.stalledSince()
			cs = append(cs, candidate{c, n, !since.IsZero() && now.Sub(since) >= h.cfg.WriteTimeout/8})
		}
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if a.stalled != b.stalled {
			if a.stalled {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.owed, a.owed)
	})
	target := h.acct.max - h.acct.max/8 - need
	if len(cs) == 0 {
		// What is owed is held by connections already closing: scanning
		// again at every hand-over would find nothing either.
		h.noRoomUntil = now.Add(10 * time.Millisecond)
	}
	for _, k := range cs {
		if h.acct.used.Load() <= target {
			break
		}
		detail := "server outbox budget full; the most owed"
		if k.stalled {
			detail = "server outbox budget full; stalled and the most owed"
		}
		h.log.Warn("outbox budget full", "used", h.acct.used.Load(), "budget", h.acct.max, "nick", k.c.nick,
			"addr", k.c.addr, "owed", k.owed, "stalled", k.stalled)
		k.c.out.discardStagedAndRelease()
		k.c.out.close(closeAbort, time.Time{})
		h.doomed = append(h.doomed, doom{k.c, detail})
	}
}

// closeOut ends c's outbox: what the hub staged for it is handed over first
// (graceful: the final frame goes after everything queued before it) or
// discarded (abort).
func (h *hub) closeOut(c *conn, mode closeMode, deadline time.Time) {
	if mode == closeAbort {
		c.out.discardStagedAndRelease()
	} else {
		c.out.handover(true)
	}
	c.out.close(mode, deadline)
}

func (h *hub) pushMsg(c *conn, m wire.Message) { h.push(c, wire.Encode(m)) }

// broadcast queues one encoded frame to every member of r, as push does
// (members of other servers are skipped: r.outs holds nil for them). It
// touches each recipient's outbox only, not its conn, unless the frame is
// the first staged to it in the round.
func (h *hub) broadcast(r *room, frame []byte) {
	h.fanned += len(r.outs)
	f := outFrame{b: frame}
	for i, o := range r.outs {
		if o != nil {
			h.stageTo(r.members[i], o, f, false)
		}
	}
}

func (h *hub) sendError(c *conn, code wire.ErrorCode, ref uint32, text string) {
	h.pushMsg(c, wire.Error{Code: code, Ref: ref, Text: text})
}

func (h *hub) markDirty(r *room) { h.dirty[r.key] = r.name }

func (h *hub) emitRooms() {
	for key, name := range h.dirty {
		if r := h.rooms[key]; r != nil {
			h.emit(RoomChanged{Room: r.name, Members: r.nicks()})
		} else {
			h.emit(RoomChanged{Room: name})
		}
	}
	clear(h.dirty)
}

// ---- commands ----

// inspect runs f on the hub goroutine; tests use it to read the hub's state.
type inspect struct{ f func(*hub) }

func (inspect) isCommand() {}

func (h *hub) command(cmd Command) {
	switch cmd := cmd.(type) {
	case Start:
		h.start(cmd.Addr, cmd.Name)
	case Stop:
		if h.ln == nil {
			h.failed("stop", ErrNotRunning)
			return
		}
		h.stop()
	case Kick:
		h.kick(cmd)
	case Announce:
		h.announce(cmd.Text)
		if cmd.Pin && h.ln != nil {
			h.setTopic(SetTopic{Text: cmd.Text})
		}
	case Ban:
		h.ban(cmd)
	case Unban:
		h.unban(cmd.ID)
	case Mute:
		h.mute(cmd)
	case Unmute:
		h.unmute(cmd.Nick)
	case Lecture:
		h.lecture(cmd)
	case SetTopic:
		h.setTopic(cmd)
	case SetPassword:
		h.setPassword(cmd.Password)
	case Release:
		h.release(cmd.Nick)
	case SetFiles:
		h.setFiles(cmd)
	case inspect:
		cmd.f(h)
	default:
		h.failed("command", fmt.Errorf("unknown command %T", cmd))
	}
}

func (h *hub) start(addr, name string) {
	if h.ln != nil {
		h.failed("start", fmt.Errorf("%w on %s", ErrRunning, h.ln.Addr()))
		return
	}
	if name != "" {
		if err := (Config{Name: name}).validName(); err != nil {
			h.failed("start", err)
			return
		}
		h.cfg.Name = name
	}
	listen := h.cfg.Listen
	if listen == nil {
		listen = func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
	}
	ln, err := listen(addr)
	if err != nil {
		h.failed("start", err)
		return
	}
	h.ln = ln
	h.stopping = make(chan struct{})
	h.wg.Add(1)
	go h.acceptLoop(ln, h.stopping)
	if h.tlsConf != nil {
		h.log.Info("listening", "addr", ln.Addr().String(), "tls", true, "fingerprint", h.fp.String())
	} else {
		h.log.Warn("listening without TLS: chat crosses the network in cleartext", "addr", ln.Addr().String())
	}
	h.emit(Started{Addr: ln.Addr().String(), Name: h.cfg.Name, At: time.Now(), TLS: h.tlsConf != nil,
		Fingerprint: h.fp, Password: h.gate.required()})
	h.audit(Audit{Action: AuditStart, Target: ln.Addr().String(), Detail: h.cfg.Name})
	h.clusterStart()
}

func (h *hub) acceptLoop(ln net.Listener, stopping <-chan struct{}) {
	defer h.wg.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-stopping:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			h.log.Warn("accept failed", "err", err, "retry in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-stopping:
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		select {
		case h.acceptCh <- nc:
		case <-stopping:
			nc.Close()
			return
		}
	}
}

func remoteAddr(nc net.Conn) netip.AddrPort {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(nc.RemoteAddr().String())
	return ap
}

// accept serves a new connection; it returns nil when it is refused.
func (h *hub) accept(nc net.Conn) *conn {
	addr := remoteAddr(nc)
	ip := addr.Addr()
	if h.cfg.MaxConns > 0 && len(h.conns) >= h.cfg.MaxConns {
		h.log.Warn("connection refused", "addr", addr, "reason", "server full", "conns", len(h.conns))
		h.refuseConn(nc, wire.Refused{Code: wire.RefuseServerFull,
			Text: fmt.Sprintf("the server is full (%d connections)", h.cfg.MaxConns)})
		return nil
	}
	if h.cfg.MaxPerIP > 0 && !ip.IsLoopback() && h.perIP[ip] >= h.cfg.MaxPerIP {
		h.log.Warn("connection refused", "addr", addr, "reason", "too many from address")
		h.refuseConn(nc, wire.Refused{Code: wire.RefuseTooManyFrom,
			Text: fmt.Sprintf("at most %d connections from one address", h.cfg.MaxPerIP)})
		return nil
	}
	c := newConn(h, nc, addr)
	h.conns[c] = struct{}{}
	h.perIP[ip]++
	if !c.gateway {
		var flags uint8
		if h.gate.required() {
			flags |= wire.ChallengePassword
		}
		h.pushForce(c, wire.Encode(wire.Challenge{Version: wire.Version, Nonce: c.nonce, Flags: flags, Server: h.cfg.Name}))
	}
	h.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	h.log.Debug("connection accepted", "addr", addr)
	return c
}

// stop tells every client the server is stopping, closes every connection
// and the listener, and waits for every goroutine of this run to exit
// (bounded: final frames get closeGrace).
func (h *hub) stop() {
	h.flushJoins()
	h.clusterStop()
	close(h.stopping)
	h.ln.Close()
	frame := wire.Encode(wire.Stopping{Reason: stopReason})
	now := time.Now()
	deadline := now.Add(closeGrace)
	users := 0
	for c := range h.conns {
		if c.state == stateMember {
			users++
			h.binds.leave(c.skels, c.device, now)
			h.emit(UserLeft{Nick: c.nick, Reason: ReasonStopped, At: now})
		}
		c.state = stateGone
		close(c.gone)
		h.pushForce(c, frame)
		h.closeOut(c, closeGraceful, deadline)
	}
	gone := make([]string, 0, len(h.rooms))
	for _, r := range h.rooms {
		gone = append(gone, r.name)
	}
	for _, t := range h.files {
		t.cancel()
	}
	h.reset()
	slices.Sort(gone)
	for _, name := range gone {
		h.emit(RoomChanged{Room: name})
	}
	h.timer.Stop()
	h.timerC = nil
	h.wg.Wait()
	addr := h.ln.Addr().String()
	h.ln = nil
	h.log.Info("stopped", "addr", addr, "users", users, "took", time.Since(now).Round(time.Millisecond))
	h.audit(Audit{Action: AuditStop, Target: addr, Args: AuditArgs{Users: users}})
	h.emit(Stopped{At: time.Now()})
}

func (h *hub) kick(k Kick) {
	c, reason := h.target("kick", k.Nick, k.Reason, DefaultKickReason)
	if c == nil {
		return
	}
	e := Audit{Action: AuditKick, Target: c.nick, Reason: reason, Detail: c.addr.Addr().String()}
	if c.peer != nil { // a member of another server: its address is not known here
		e.Detail, e.Args.Server = "", c.peer.info.Name
	}
	h.audit(e)
	if h.remoteAdmin(c, "kick", Kick{Reason: reason}) {
		return
	}
	h.remove(c, reason, time.Now())
}

// remove kicks c: [kick] to c, [시스템 추방] to everyone else.
func (h *hub) remove(c *conn, reason string, now time.Time) {
	h.pushForce(c, wire.Encode(wire.Kicked{Reason: reason, By: "admin"}))
	removed := wire.Encode(wire.Removed{Time: now.UnixMilli(), User: c.nick, Reason: reason})
	h.clusterRemoved(c, reason, now.UnixMilli())
	for _, m := range h.lobby.members {
		if m != c {
			h.push(m, removed)
		}
	}
	h.keepEvent(store.KindKicked, h.lobby, c.nick, reason, now)
	h.log.Info("kick", "nick", c.nick, "addr", c.addr, "reason", reason)
	h.drop(c, wire.LeftKicked, closeGraceful, reason)
	h.emit(Notice{Text: fmt.Sprintf("kicked %s: %s", c.nick, reason), At: now, Typed: true})
}

func (h *hub) setPassword(pw string) {
	if pw == "" {
		h.gate.set(nil)
		h.audit(Audit{Action: AuditPassword})
		h.log.Info("password removed")
		h.emit(Notice{Text: "password removed: anyone may join", At: time.Now(), Typed: true})
		h.emit(PasswordChanged{At: time.Now()})
		return
	}
	hash, err := HashPassword(pw)
	if err != nil {
		h.failed("password", err)
		return
	}
	h.gate.set(hash)
	h.audit(Audit{Action: AuditPassword, Args: AuditArgs{On: true}})
	h.log.Info("password set")
	h.emit(Notice{Text: "password set: new users need it to join", At: time.Now(), Typed: true})
	h.emit(PasswordChanged{Required: true, At: time.Now()})
}

func (h *hub) release(nick string) {
	keys := wire.SkeletonKeys(nick)
	for _, k := range keys {
		if c := h.names.nicks[k]; c != nil {
			h.failed("release", cmdErr(ProblemStillOnline, c.nick, "%s is online: kick them first", c.nick))
			return
		}
	}
	b := h.binds.forget(keys)
	if h.clusterForget(keys) && b == nil {
		h.log.Info("nickname released in the cluster", "nick", nick)
		h.emit(Notice{Text: fmt.Sprintf("released the nickname %s on every server: anyone may take it now", nick), At: time.Now(),
			News: ReleasedNews{Nick: nick}})
		return
	}
	if b == nil {
		h.failed("release", cmdErr(ProblemNotHeld, nick, "no device holds the nickname %q", nick))
		return
	}
	h.log.Info("nickname released", "nick", b.Nick)
	h.audit(Audit{Action: AuditRelease, Target: b.Nick})
	h.emit(Notice{Text: fmt.Sprintf("released the nickname %s: anyone may take it now", b.Nick), At: time.Now(), Typed: true})
}

func (h *hub) announce(text string) {
	now := time.Now()
	if h.ln == nil {
		h.failed("announce", ErrNotRunning)
		return
	}
	if _, err := wire.CheckText(text, h.cfg.MaxText); err != nil {
		h.failed("announce", err)
		return
	}
	h.broadcast(h.lobby, wire.Encode(wire.Notice{Time: now.UnixMilli(), Text: text}))
	h.clusterNotice(text, now.UnixMilli())
	h.nextID++
	h.keep(store.Record{ID: h.nextID, Time: now.UnixMilli(), Kind: store.KindNotice,
		Conv: store.RoomConv(h.lobby.key), Room: h.lobby.name, Text: text}, h.lobby)
	h.log.Info("announcement", "text", text, "users", len(h.lobby.members))
	h.audit(Audit{Action: AuditAnnounce, Detail: text})
	h.emit(Notice{Text: "announced: " + text, At: now, Typed: true})
}

// ---- connections ----

// drop lets go of c: it leaves every room (the others get Left with reason),
// the hub forgets it and its socket closes as mode says. Safe to call twice.
func (h *hub) drop(c *conn, reason wire.LeftReason, mode closeMode, detail string) {
	if c.state == stateGone {
		return
	}
	now := time.Now()
	wasMember := c.state == stateMember
	c.state = stateGone
	close(c.gone)
	delete(h.conns, c)
	ip := c.addr.Addr()
	if h.perIP[ip]--; h.perIP[ip] <= 0 {
		delete(h.perIP, ip)
	}
	deadline := now.Add(closeGrace)
	if !wasMember {
		h.closeOut(c, mode, deadline)
		h.log.Debug("connection closed", "addr", c.addr, "reason", reason.String(), "detail", detail)
		return
	}
	delete(h.members, c.fold)
	delete(h.opers, c)
	h.names.removeNick(c)
	h.binds.leave(c.skels, c.device, now)
	h.clusterLeft(c, reason)
	h.filesLeave(c)
	h.presenceLeave(c)
	for len(c.rooms) > 0 {
		r := c.rooms[len(c.rooms)-1].r
		h.leaveRoom(c, r, reason, now)
	}
	h.closeOut(c, mode, deadline)
	h.log.Info("user left", "nick", c.nick, "addr", c.addr, "reason", reason.String(), "detail", detail)
	h.emit(UserLeft{Nick: c.nick, Reason: reason.String(), At: now})
}

// leaveRoom takes c out of r; the remaining members get Left. Empty rooms
// other than the lobby are deleted.
func (h *hub) leaveRoom(c *conn, r *room, reason wire.LeftReason, now time.Time) {
	if !r.remove(c) {
		return
	}
	if len(r.members) > 0 {
		left := wire.Encode(wire.Left{Time: now.UnixMilli(), Room: r.name, User: c.nick, Reason: reason,
			Text: c.leftText})
		if c.announced {
			h.broadcast(r, left)
		} else {
			// Only those who joined after c know of it: c was in the list
			// their welcome carried.
			for _, p := range h.pending[c.pendingAt+1:] {
				if p.state == stateMember {
					h.push(p, left)
				}
			}
		}
	}
	if reason != wire.LeftKicked || r != h.lobby { // a kick is kept as such
		h.keepEvent(store.KindLeft, r, c.nick, reason.String(), now)
	}
	h.roomLeft(c, r)
}

// roomLeft follows c's leaving r (parted, gone, or removed by an operator):
// a gateway user's operator status goes (its nickname belongs to no device),
// and an empty room other than the lobby closes, forgetting its operators
// and the topic one of them set.
func (h *hub) roomLeft(c *conn, r *room) {
	if c.via != "" {
		delete(r.ops, c.fold)
	}
	if len(r.members) == 0 && r != h.lobby {
		delete(h.rooms, r.key)
		delete(h.byName, r.name)
		h.names.removeRoom(r)
		if t, ok := h.mod.topics[r.key]; ok && t.By != "admin" {
			delete(h.mod.topics, r.key)
		}
	}
	h.markDirty(r)
}

func (h *hub) inbound(in inbound) {
	c := in.c
	if c.state == stateGone {
		return
	}
	switch in.kind {
	case inFail:
		mode := closeGraceful
		if in.final != nil {
			h.pushForce(c, wire.Encode(in.final))
		} else if in.reason == wire.LeftTimedOut || in.reason == wire.LeftSlowConsumer {
			mode = closeAbort
		}
		h.drop(c, in.reason, mode, in.detail)
	case inPingDue:
		h.pushMsg(c, wire.Ping{Token: uint64(time.Now().UnixNano())})
	case inFrame:
		h.safeFrame(c, in.m)
	}
}

// safeFrame handles a frame; a bug that panics on some input drops the
// client that sent it (and is logged with its stack) instead of taking the
// server down for everyone.
func (h *hub) safeFrame(c *conn, m wire.Message) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("internal error", "frame", m.Type().String(), "addr", c.addr, "panic", r,
				"stack", string(debug.Stack()))
			h.emit(Error{Op: "internal", Err: fmt.Errorf("handling %s from %s: %v", m.Type(), c.addr, r), At: time.Now()})
			h.drop(c, wire.LeftProtocol, closeAbort, "internal error")
		}
	}()
	h.frame(c, m)
}

func (h *hub) frame(c *conn, m wire.Message) {
	if c.state == stateNew {
		if hello, ok := m.(wire.Hello); ok {
			h.hello(c, hello)
		}
		return
	}
	switch m := m.(type) {
	case wire.Say:
		h.say(c, m)
	case wire.Private:
		h.private(c, m)
	case wire.Join:
		h.join(c, m)
	case wire.Part:
		h.part(c, m)
	case wire.ListRooms:
		h.listRooms(c)
	case wire.Quit:
		c.leftText = h.leavingWords(c, m.Reason)
		h.drop(c, wire.LeftQuit, closeGraceful, "")
	case wire.Ping:
		h.pushMsg(c, wire.Pong{Token: m.Token})
	case wire.FileOffer:
		if c.muted != nil && h.silenced(c, nil, m.Ref) {
			return
		}
		h.fileOffer(c, m)
	case wire.FileEnd:
		h.fileEnd(c, m)
	case wire.FileAbort:
		h.fileAbort(c, m)
	case wire.FileAccept:
		h.fileAccept(c, m)
	case wire.Missed:
		h.missed(c, m)
	case wire.Older:
		h.older(c, m)
	case wire.Search:
		h.search(c, m)
	case wire.SetAway:
		h.setAway(c, m)
	case wire.Typing:
		h.typing(c, m)
	case wire.SetTopic:
		h.opSetTopic(c, m)
	case wire.RoomKick:
		h.roomKickRequest(c, m)
	case wire.RoomOp:
		h.roomOp(c, m)
	case wire.Oper:
		h.oper(c, m)
	case wire.Hello:
		h.sendError(c, wire.CodeUnexpected, 0, "hello is sent once, at the start")
	default:
		h.sendError(c, wire.CodeUnexpected, 0, fmt.Sprintf("%s frames are sent by the server, not to it", m.Type()))
	}
}

// hello registers a new user, or refuses it (the connection closes).
func (h *hub) hello(c *conn, m wire.Hello) {
	refuse := func(no *Refused) { h.refuseHello(c, m.Nick, wire.Refused{Code: no.Code, Text: no.Reason}, *no) }
	// The reader has checked the version, the device proof and the password.
	if !h.admit(c, m, nil) {
		return
	}
	now := time.Now()
	if wire.CheckNick(m.Nick) == nil && !c.gateway {
		for _, k := range wire.SkeletonKeys(m.Nick) {
			if other := h.names.nicks[k]; other != nil && !other.gateway && other.device == m.Device {
				if h.replaceRemote(other) {
					continue
				}
				// The same device again: its old connection is dead or
				// about to be (a client reconnects only after losing it).
				// The new one takes over; the old one, if it still reads,
				// is told and does not reconnect, so two windows of one
				// device do not take turns.
				h.pushForce(other, wire.Encode(wire.Kicked{Reason: "you connected again from the same device", By: "server"}))
				h.drop(other, wire.LeftLost, closeGraceful, "replaced by a new connection of the same device")
			}
		}
	}
	fold, skels, no := h.names.checkNick(m.Nick)
	if no != nil {
		refuse(no)
		return
	}
	if !h.admit(c, m, &skels) {
		return
	}
	if b := h.binds.holder(skels, now); b != nil && (c.gateway || b.Device != m.Device) {
		refuse(nickTaken(m.Nick, b.Nick))
		return
	}
	if other := h.members[fold]; other != nil { // implied by the skeleton; kept as a guard
		refuse(nickTaken(m.Nick, m.Nick))
		return
	}
	c.state = stateMember
	c.nick, c.fold, c.skels, c.device = m.Nick, fold, skels, m.Device
	c.party = partyOf(c)
	h.members[fold] = c
	h.names.addNick(c)
	if !c.gateway { // gateway users have no device to bind their nickname to
		h.binds.bind(skels, m.Nick, m.Device)
	}
	h.lobby.add(c)
	h.markDirty(h.lobby)
	h.welcome(c, now)
	h.entered(c, h.lobby)
	h.arrived(c, now)
	c.pendingAt = len(h.pending)
	h.pending = append(h.pending, c)
	h.log.Info("user joined", "nick", c.nick, "addr", c.addr, "via", c.via)
	h.emit(UserJoined{Nick: c.nick, Addr: c.addr, Since: now, Via: c.via})
	h.clusterJoined(c)
}

// welcome sends a new user Welcome and the lobby's list (which includes
// the user) at once; its arrival is announced to the others in a batch
// (flushJoins).
func (h *hub) welcome(c *conn, now time.Time) {
	h.pushForce(c, wire.Encode(wire.Welcome{
		Version:  wire.Version,
		Nick:     c.nick,
		Server:   h.cfg.Name,
		Lobby:    h.lobby.name,
		MaxText:  uint32(h.cfg.MaxText),
		MaxFrame: uint32(h.cfg.MaxFrame),
		Time:     now.UnixMilli(),
	}))
	for _, f := range h.lobby.userLists() {
		h.pushForce(c, f)
	}
	h.opsTo(c, h.lobby)
	h.awayTo(c)
	h.replay(c, h.lobby)
	h.keepEvent(store.KindJoined, h.lobby, c.nick, "", now)
}

// joinBlock is how many names of a join batch go in one of the Joined
// frames that tell the batch's own members about those who came after them.
const joinBlock = 64

// flushJoins announces the pending batch of joins. The members who were
// there before it get Joined frames listing the whole batch (encoded once);
// each new user, whose welcome listed everyone up to itself, gets Joined
// frames listing those of the batch who came after it: a partial block of
// its own, then whole blocks of joinBlock names shared by everyone before
// them.
func (h *hub) flushJoins() {
	if len(h.pending) == 0 {
		return
	}
	now := time.Now()
	h.lastFlush = now
	joiners := make([]*conn, 0, len(h.pending))
	nicks := make([]string, 0, len(h.pending))
	var via []string // nil unless a gateway user joins
	for _, c := range h.pending {
		if c.state == stateMember {
			if c.via != "" && via == nil {
				via = make([]string, len(nicks), len(h.pending))
			}
			if via != nil {
				via = append(via, c.via)
			}
			joiners = append(joiners, c)
			nicks = append(nicks, c.nick)
		}
	}
	if len(nicks) > 0 {
		joined := joinedFrames(h.lobby.name, nicks, via, now)
		for _, m := range h.lobby.members {
			if m.announced {
				for _, f := range joined {
					h.push(m, f)
				}
			}
		}
		blocks := make([][]byte, (len(nicks)+joinBlock-1)/joinBlock)
		block := func(k int) []byte {
			if blocks[k] == nil {
				from, to := k*joinBlock, min((k+1)*joinBlock, len(nicks))
				blocks[k] = wire.Encode(wire.Joined{Time: now.UnixMilli(), Room: h.lobby.name,
					Users: nicks[from:to], Via: viaChunk(via, from, to-from)})
			}
			return blocks[k]
		}
		for i, c := range joiners {
			s := i + 1
			k := (s + joinBlock - 1) / joinBlock // the first whole block after s
			if head := min(k*joinBlock, len(nicks)); s < head {
				h.push(c, wire.Encode(wire.Joined{Time: now.UnixMilli(), Room: h.lobby.name, Users: nicks[s:head],
					Via: viaChunk(via, s, head-s)}))
			}
			for ; k < len(blocks); k++ {
				h.push(c, block(k))
			}
		}
	}
	for _, c := range joiners {
		c.announced = true
	}
	clear(h.pending)
	h.pending = h.pending[:0]
}

// ---- rooms and messages ----

// clip shortens a name a client sent, for quoting it back in an error: the
// name may be as long as a frame, an error text may not.
func clip(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// roomNamed finds a room by the name a client gave.
func (h *hub) roomNamed(name string) *room {
	if r := h.byName[name]; r != nil {
		return r
	}
	return h.rooms[wire.FoldKey(name)]
}

func (h *hub) say(c *conn, m wire.Say) {
	r := h.roomNamed(m.Room)
	if r == nil {
		h.sendError(c, wire.CodeNoSuchRoom, m.Ref, fmt.Sprintf("there is no room “%s”", clip(m.Room)))
		return
	}
	if !c.in(r) {
		h.sendError(c, wire.CodeNotInRoom, m.Ref, fmt.Sprintf("you are not in “%s”", r.name))
		return
	}
	if code, err := wire.CheckText(m.Text, h.cfg.MaxText); err != nil {
		h.sendError(c, code, m.Ref, err.Error())
		return
	}
	if (c.muted != nil || h.mod.all != "" || len(h.mod.lectures) > 0) && h.silenced(c, r, m.Ref) {
		return
	}
	now := time.Now()
	h.nextID++
	msg := wire.Chat{ID: h.nextID, Time: now.UnixMilli(), Room: r.name, From: c.nick, Text: m.Text, Ref: m.Ref,
		Notice: m.Notice}
	frame := wire.AppendFrame(make([]byte, 0, 48+len(r.name)+len(c.nick)+len(m.Text)), msg)
	h.broadcast(r, frame)
	h.clusterSay(&msg)
	h.keep(store.Record{ID: msg.ID, Time: msg.Time, Kind: store.KindChat, Conv: store.RoomConv(r.key),
		Room: r.name, From: c.nick, Text: m.Text, Ref: m.Ref}, r)
	h.emit(Message{Room: r.name, From: c.nick, Text: m.Text, At: now})
}

func (h *hub) private(c *conn, m wire.Private) {
	if c.muted != nil && h.silenced(c, nil, m.Ref) {
		return // before the offline path: a mute keeps nothing for later either
	}
	to := h.members[wire.FoldKey(m.To)]
	if to == nil && h.privateAway(c, m) {
		return
	}
	if to == nil {
		h.sendError(c, wire.CodeNoSuchUser, m.Ref, fmt.Sprintf("“%s” is not online", clip(m.To)))
		return
	}
	if code, err := wire.CheckText(m.Text, h.cfg.MaxText); err != nil {
		h.sendError(c, code, m.Ref, err.Error())
		return
	}
	now := time.Now()
	h.nextID++
	frame := wire.Encode(wire.PrivMsg{ID: h.nextID, Time: now.UnixMilli(), From: c.nick, To: to.nick, Text: m.Text,
		Ref: m.Ref, Notice: m.Notice})
	h.push(to, frame)
	h.clusterPrivate(c, to, m.Text, now.UnixMilli())
	if to != c {
		h.push(c, frame)
	}
	h.keep(store.Record{ID: h.nextID, Time: now.UnixMilli(), Kind: store.KindPrivate,
		Conv: store.PrivateConv(c.party, to.party), From: c.nick, To: to.nick, Text: m.Text, Ref: m.Ref,
		FromParty: c.party, ToParty: to.party}, nil)
	h.log.Debug("private message", "from", c.nick, "to", to.nick) // never the text
	h.emit(Message{From: c.nick, To: to.nick, Private: true, At: now})
}

func (h *hub) join(c *conn, m wire.Join) {
	if err := wire.CheckRoom(m.Room); err != nil {
		h.sendError(c, nameCode(err, wire.CodeInvalidRoom), 0, err.Error())
		return
	}
	key := wire.FoldKey(m.Room)
	r := h.rooms[key]
	created := r == nil
	if r == nil {
		skels, code, text := h.names.checkNewRoom(c, m.Room, key)
		if code != 0 {
			h.sendError(c, code, 0, text)
			return
		}
		if h.cfg.MaxRooms > 0 && len(h.rooms) >= h.cfg.MaxRooms {
			h.sendError(c, wire.CodeTooManyRooms, 0, fmt.Sprintf("there are already %d rooms", len(h.rooms)))
			return
		}
		r = &room{name: m.Room, key: key}
		h.rooms[key] = r
		h.byName[r.name] = r
		h.names.addRoom(r, skels, c)
		r.ops = map[string]roomOp{c.fold: {nick: c.nick, dev: c.device}} // whoever opens a room runs it
		h.log.Info("room created", "room", r.name, "by", c.nick)
	}
	if c.in(r) {
		for _, f := range r.userLists() {
			h.pushForce(c, f)
		}
		h.opsTo(c, r)
		return
	}
	now := time.Now()
	joined := wire.Joined{Time: now.UnixMilli(), Room: r.name, Users: []string{c.nick}}
	if c.via != "" {
		joined.Via = []string{c.via}
	}
	h.broadcast(r, wire.Encode(joined))
	r.add(c)
	for _, f := range r.userLists() {
		h.pushForce(c, f)
	}
	if h.isOp(c, r) {
		h.sendOps(r) // the list of those present changed: c is one of them
	} else {
		h.opsTo(c, r)
	}
	h.replay(c, r)
	h.entered(c, r)
	h.keepEvent(store.KindJoined, r, c.nick, "", now)
	h.markDirty(r)
	h.clusterRoom(c, r, true)
	if created {
		h.clusterRoomOp(r, c, "", true)
	}
	h.log.Info("joined room", "nick", c.nick, "room", r.name)
}

func (h *hub) part(c *conn, m wire.Part) {
	r := h.roomNamed(m.Room)
	if r == h.lobby {
		h.sendError(c, wire.CodeLobby, 0, fmt.Sprintf("“%s” cannot be left", h.lobby.name))
		return
	}
	if r == nil || !c.in(r) {
		h.sendError(c, wire.CodeNotInRoom, 0, fmt.Sprintf("you are not in “%s”", clip(m.Room)))
		return
	}
	now := time.Now()
	c.leftText = h.leavingWords(c, m.Reason)
	h.leaveRoom(c, r, wire.LeftParted, now)
	h.clusterRoom(c, r, false)
	c.leftText = ""
	h.pushMsg(c, wire.Left{Time: now.UnixMilli(), Room: r.name, User: c.nick, Reason: wire.LeftParted})
	h.log.Info("left room", "nick", c.nick, "room", r.name)
}

func (h *hub) listRooms(c *conn) {
	infos := make([]wire.RoomInfo, 0, len(h.rooms))
	for _, r := range h.rooms {
		infos = append(infos, wire.RoomInfo{Name: r.name, Members: uint32(len(r.members))})
	}
	slices.SortFunc(infos, func(a, b wire.RoomInfo) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range roomListFrames(infos) {
		h.pushForce(c, f)
	}
}
