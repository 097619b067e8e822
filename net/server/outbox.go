package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// outFrame is one queued frame. Broadcast frames are shared: the same b is
// queued to every recipient and must never be modified. t, when set, is told
// once the frame has been written or discarded (file chunks use it to
// acknowledge the sender).
type outFrame struct {
	b []byte
	t *ticket
}

// frameCost is what one queued frame is charged on top of its bytes: its
// slot in the queue (an outFrame, 32 bytes) and room for the slice to grow.
// A broadcast frame's bytes are shared by every recipient but charged to
// each, so the accounted total is an upper bound on the memory outboxes hold.
const frameCost = 64

func cost(f outFrame) int { return len(f.b) + frameCost }

// closeMode says how a connection ends once its outbox is closed.
type closeMode uint8

const (
	// closeGraceful writes what is queued, half-closes the socket, waits
	// briefly for the peer to close, then closes (net/http's
	// closeWriteAndWait): the last frame (kicked, stopping, refused,
	// error) reaches the peer instead of being destroyed by a reset.
	closeGraceful closeMode = iota + 1
	// closeAbort discards what is queued and closes at once.
	closeAbort
)

// pushResult says what happened to a pushed frame.
type pushResult uint8

const (
	pushed       pushResult = iota
	pushClosed              // the outbox is closed; the frame was dropped
	pushOverflow            // the frame would take the peer over its cap: the outbox is now closed (slow consumer)
)

// budget is the server-wide account of what every outbox holds: frames
// queued and frames a writer has taken but not yet written, each charged
// cost(f). The hub adds what it hands over; writers take off what they have
// written; an aborted outbox takes off everything it held at once.
type budget struct {
	used atomic.Int64
	max  int64 // 0: no budget (benchmarks)
	peak int64 // the most used after a hand-over (hub goroutine only; tests read it)
}

func (b *budget) add(n int64) int64 {
	if b == nil {
		return 0
	}
	return b.used.Add(n)
}

// outbox is a connection's send queue: a mutex, a slice of frames and a
// one-slot wake-up channel. The hub stages frames without locking and hands
// each outbox what a burst of its work queued under one lock, waking the
// writer only if the queue was empty. The writer takes everything queued in
// one swap.
//
// Slow consumers (PROTOCOL.md, "Slow consumers"): a peer is dropped when what
// it is owed would pass its cap (limit), when its socket accepts nothing for
// the stall time (the writer's deadline), or when the server-wide budget is
// full and it is the peer the hub picks (stalled first, most owed first). A
// peer that keeps reading is never dropped for a burst under its cap.
//
// The outbox also owns the socket's write deadline, and sets it under its
// mutex: the writer extends it (now + stall) as it makes progress, close
// sets the closing one, an abort one in the past. So a close always reaches
// a write in progress: a writer stuck on a peer that stopped reading gives
// up at once on an abort and within the close deadline on a graceful close
// (kick, stop), not after the stall time.
type outbox struct {
	mu       sync.Mutex
	frames   []outFrame
	bulk     []outFrame // file chunks: the writer takes them after frames, bulkTake at a time
	bytes    int64      // cost of the frames queued (frames and bulk) and not yet taken by the writer
	bulkCost int64      // the part of bytes that is bulk
	inflight int64      // cost of the frames the writer has taken and not yet written
	limit    int64      // cap on bytes+inflight
	closed   bool
	detached bool // aborted: the frames still in flight are no longer in acct
	mode     closeMode
	deadline time.Time // for closeGraceful: when the connection must be closed
	wake     chan struct{}
	nc       writeDeadliner // nil in benchmarks
	stall    time.Duration
	acct     *budget // nil in benchmarks

	// writing is when the writer's current socket write began (Unix
	// nanoseconds), 0 when it is not in one. The hub reads it to tell a
	// stalled peer from one that is merely behind.
	writing atomic.Int64

	// Staged by the hub, not yet handed over (hub goroutine only): during a
	// burst of work the hub appends here without locking, and hands each
	// outbox its frames under one lock at the end of the burst.
	hq      []outFrame
	hqBytes int64
	hqForce bool // hq holds a frame that must not be refused
}

type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// longAgo is a deadline in the past: it fails a pending write at once.
var longAgo = time.Unix(1, 0)

func newOutbox(limit int, nc writeDeadliner, stall time.Duration, acct *budget) *outbox {
	return &outbox{limit: int64(limit), wake: make(chan struct{}, 1), nc: nc, stall: stall, acct: acct}
}

func (o *outbox) setDeadlineLocked(t time.Time) {
	if o.nc != nil {
		o.nc.SetWriteDeadline(t)
	}
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// pushForce queues a frame regardless of the cap and wakes the writer if
// the queue was empty. It is how a file chunk's acknowledgement reaches the
// sender, from whichever goroutine released the chunk last (usually a
// writer); the hub stages its own frames instead (stage, handover).
func (o *outbox) pushForce(b []byte) {
	f := outFrame{b: b}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	wasEmpty := len(o.frames) == 0
	o.frames = append(o.frames, f)
	o.bytes += int64(cost(f))
	o.acct.add(int64(cost(f)))
	o.mu.Unlock()
	if wasEmpty {
		o.signal()
	}
}

// pushBulk queues a file chunk regardless of the cap (a leg bounds what
// it has unacknowledged, maxUnacked) and wakes the writer if it is idle;
// on a closed outbox the chunk is released. Bulk frames go after the
// other frames, at most bulkTake bytes per write, so that chat is not
// queued behind a file. Any goroutine (the sender's reader).
func (o *outbox) pushBulk(f outFrame) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		f.t.release()
		return
	}
	idle := len(o.frames) == 0 && len(o.bulk) == 0
	o.queueBulkLocked(f)
	o.mu.Unlock()
	if idle {
		o.signal()
	}
}

// pushBehindBulk queues f behind the bulk frames if any are queued, and
// reports whether it did.
func (o *outbox) pushBehindBulk(f outFrame) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed || len(o.bulk) == 0 {
		return false
	}
	o.queueBulkLocked(f)
	return true
}

func (o *outbox) queueBulkLocked(f outFrame) {
	o.bulk = append(o.bulk, f)
	o.bytes += int64(cost(f))
	o.bulkCost += int64(cost(f))
	o.acct.add(int64(cost(f)))
}

// bulkTake is the most bulk one take hands the writer, two full file
// chunks: chat queued meanwhile waits at most for that much file data.
const bulkTake = 2 * (wire.HeaderSize + 8 + wire.MaxChunk)

// stage appends f to the hub's batch for this outbox and reports whether
// the batch was empty (the hub then lists the outbox for handover). Hub
// goroutine only.
func (o *outbox) stage(f outFrame, force bool) (first bool) {
	first = len(o.hq) == 0
	o.hq = append(o.hq, f)
	o.hqBytes += int64(cost(f))
	o.hqForce = o.hqForce || force
	return first
}

// handover moves the staged frames into the queue and wakes the writer. If
// they would take what the peer is owed over its cap (and none is forced,
// and force is false) the outbox aborts instead and handover reports
// pushOverflow; a single frame into an empty queue is always taken. Hub
// goroutine only.
func (o *outbox) handover(force bool) pushResult {
	if len(o.hq) == 0 {
		return pushed
	}
	r := pushed
	var dropped []outFrame
	wasEmpty := false
	o.mu.Lock()
	owed := o.bytes + o.inflight
	switch {
	case o.closed:
		r, dropped = pushClosed, o.hq
	case !force && !o.hqForce && (owed > 0 || len(o.hq) > 1) && owed+o.hqBytes > o.limit:
		r, dropped = pushOverflow, append(o.abortLocked(), o.hq...)
	default:
		wasEmpty = len(o.frames) == 0
		if wasEmpty {
			o.frames, o.hq = o.hq, o.frames[:0]
		} else {
			o.frames = append(o.frames, o.hq...)
		}
		o.bytes += o.hqBytes
		if o.acct != nil {
			if u := o.acct.used.Add(o.hqBytes); u > o.acct.peak {
				o.acct.peak = u
			}
		}
	}
	o.mu.Unlock()
	releaseAll(dropped)
	o.discardStaged()
	if wasEmpty || r == pushOverflow {
		o.signal()
	}
	return r
}

// discardStaged empties the hub's batch (its frames were handed over or
// released). Hub goroutine only.
func (o *outbox) discardStaged() {
	clear(o.hq)
	o.hq = o.hq[:0]
	o.hqBytes, o.hqForce = 0, false
}

// discardStagedAndRelease drops the hub's batch, releasing its tickets.
// Hub goroutine only.
func (o *outbox) discardStagedAndRelease() {
	releaseAll(o.hq)
	o.discardStaged()
}

// owed reports what the peer is owed and not yet sent (queued, or in the
// writer's hands) as charged to the server's account, and whether the outbox
// is still open.
func (o *outbox) owed() (n int64, open bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.bytes + o.inflight, !o.closed
}

// stalledSince reports when the writer's current write began, or the zero
// time if it is not writing.
func (o *outbox) stalledSince() time.Time {
	if ns := o.writing.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// abortLocked closes the outbox for an immediate close and returns the
// discarded frames (whose tickets the caller releases outside the lock).
// Everything the outbox held leaves the server's account now: the writer's
// write in flight fails at once on the past deadline.
func (o *outbox) abortLocked() []outFrame {
	o.closed = true
	o.mode = closeAbort
	o.setDeadlineLocked(longAgo)
	dropped := append(o.frames, o.bulk...)
	o.frames, o.bulk, o.bulkCost = nil, nil, 0
	if !o.detached {
		o.acct.add(-(o.bytes + o.inflight))
		o.detached = true
	}
	o.bytes = 0
	return dropped
}

// close ends the queue: nothing more is accepted. With closeGraceful the
// writer still writes what is queued, then closes by deadline. An abort
// also ends a graceful close (its writer failed).
func (o *outbox) close(mode closeMode, deadline time.Time) {
	o.mu.Lock()
	if o.closed && (mode != closeAbort || o.mode == closeAbort) {
		o.mu.Unlock()
		return
	}
	var dropped []outFrame
	if mode == closeAbort {
		dropped = o.abortLocked()
	} else {
		o.closed = true
		o.mode = mode
		o.deadline = deadline
		o.setDeadlineLocked(deadline)
	}
	o.mu.Unlock()
	releaseAll(dropped)
	o.signal()
}

// take hands the writer everything queued, giving it spare (an emptied slice
// from its previous take) as the new queue's storage, and reports whether
// the outbox is closed and how. What it takes stays charged (inflight) until
// the writer reports it written (sent).
//
// Bulk frames (pushBulk) come after the others, at most bulkTake bytes of
// them (all once the outbox is closed); if more are left, the writer is
// woken again for them.
func (o *outbox) take(spare []outFrame) (frames []outFrame, closed bool, mode closeMode, deadline time.Time) {
	o.mu.Lock()
	frames = o.frames
	if len(frames) == 0 && len(o.bulk) == 0 {
		frames = nil
	} else {
		o.frames = spare[:0]
		taken := o.bytes - o.bulkCost // all the other frames
		if len(o.bulk) > 0 {
			k, size, bulk := 0, 0, int64(0)
			for k < len(o.bulk) && (k == 0 || size+len(o.bulk[k].b) <= bulkTake || o.closed) {
				size += len(o.bulk[k].b)
				bulk += int64(cost(o.bulk[k]))
				k++
			}
			taken += bulk
			o.bulkCost -= bulk
			frames = append(frames, o.bulk[:k]...)
			n := copy(o.bulk, o.bulk[k:])
			clear(o.bulk[n:])
			o.bulk = o.bulk[:n]
			if n > 0 {
				o.signal()
			}
		}
		o.inflight += taken
		o.bytes -= taken
	}
	closed, mode, deadline = o.closed, o.mode, o.deadline
	o.mu.Unlock()
	return frames, closed, mode, deadline
}

// extend sets the writer's deadline to now + the stall time, unless the
// outbox is closed (its deadline is then the closing one).
func (o *outbox) extend(now time.Time) {
	o.mu.Lock()
	if !o.closed {
		o.setDeadlineLocked(now.Add(o.stall))
	}
	o.mu.Unlock()
}

// sent tells the outbox the writer has written (or given up on) frames
// costing n: they leave what the peer is owed and the server's account.
func (o *outbox) sent(n int64) {
	o.mu.Lock()
	o.inflight -= n
	if !o.detached {
		o.acct.add(-n)
	}
	o.mu.Unlock()
}

// queued reports the bytes waiting for the writer or in its hands.
func (o *outbox) queued() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int(o.bytes + o.inflight)
}

func releaseAll(frames []outFrame) {
	for i := range frames {
		if frames[i].t != nil {
			frames[i].t.release()
		}
	}
}
