package server

import (
	"sync"
	"time"
)

// outFrame is one queued frame. Broadcast frames are shared: the same b is
// queued to every recipient and must never be modified. t, when set, is told
// once the frame has been written or discarded (file chunks use it to
// acknowledge the sender).
type outFrame struct {
	b []byte
	t *ticket
}

// closeMode says how a connection ends once its outbox is closed.
type closeMode uint8

const (
	// closeGraceful writes what is queued, half-closes the socket, waits
	// briefly for the peer to close, then closes (net/http's
	// closeWriteAndWait): the last frame (kicked, stopping, refused, error)
	// reaches the peer instead of being destroyed by a reset.
	closeGraceful closeMode = iota + 1
	// closeAbort discards what is queued and closes at once.
	closeAbort
)

// pushResult says what happened to a pushed frame.
type pushResult uint8

const (
	pushed       pushResult = iota
	pushClosed              // the outbox is closed; the frame was dropped
	pushOverflow            // the frame would exceed the limit: the outbox is now closed (slow consumer)
)

// Slow consumers. Queued bytes over the limit make the peer a slow consumer
// only if its writer has been stuck in one write for stuckAfter (the peer's
// socket buffers are full: it is not reading), or if they pass hardLimit
// times the limit. A burst bigger than the limit (dozens of large messages at
// once) therefore does not drop peers that read, whose writers merely have
// not run yet; a peer that stops reading is dropped once the kernel's buffers
// for it are full.
const (
	stuckAfter = 100 * time.Millisecond
	hardLimit  = 4
)

// outbox is a connection's bounded send queue: a mutex, a slice of frames and
// a one-slot wake-up channel. The hub stages frames without locking and hands
// each outbox what a burst of its work queued under one lock, waking the
// writer only if the queue was empty. The writer takes everything queued in
// one swap.
//
// The outbox also owns the socket's write deadline, and sets it under its
// mutex: take sets the writer's (now + timeout), close sets the closing one,
// an abort one in the past. So a close always reaches a write in progress: a
// writer stuck on a peer that stopped reading gives up at once on an abort
// and within the close deadline on a graceful close (kick, stop), not after
// the write timeout.
type outbox struct {
	mu       sync.Mutex
	frames   []outFrame
	bytes    int // bytes queued and not yet taken by the writer
	limit    int
	closed   bool
	mode     closeMode
	deadline time.Time // for closeGraceful: when the connection must be closed
	wake     chan struct{}
	nc       writeDeadliner // nil in benchmarks
	timeout  time.Duration
	setAt    time.Time // when take last set the deadline
	writing  time.Time // when the writer's current write began; zero when it is not writing

	// Staged by the hub, not yet handed over (hub goroutine only): during a
	// burst of work the hub appends here without locking, and hands each
	// outbox its frames under one lock at the end of the burst.
	hq      []outFrame
	hqBytes int
	hqForce bool // hq holds a frame that must not be refused
}

type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// longAgo is a deadline in the past: it fails a pending write at once.
var longAgo = time.Unix(1, 0)

func newOutbox(limit int, nc writeDeadliner, timeout time.Duration) *outbox {
	return &outbox{limit: limit, wake: make(chan struct{}, 1), nc: nc, timeout: timeout}
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

// pushForce queues a frame regardless of the limit and wakes the writer if
// the queue was empty. It is how a file chunk's acknowledgement reaches the
// sender, from whichever goroutine released the chunk last (usually a
// writer); the hub stages its own frames instead (stage, handover).
func (o *outbox) pushForce(b []byte) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	wasEmpty := len(o.frames) == 0
	o.frames = append(o.frames, outFrame{b: b})
	o.bytes += len(b)
	o.mu.Unlock()
	if wasEmpty {
		o.signal()
	}
}

// stage appends f to the hub's batch for this outbox and reports whether
// the batch was empty (the hub then lists the outbox for handover). Hub
// goroutine only.
func (o *outbox) stage(f outFrame, force bool) (first bool) {
	first = len(o.hq) == 0
	o.hq = append(o.hq, f)
	o.hqBytes += len(f.b)
	o.hqForce = o.hqForce || force
	return first
}

// handover moves the staged frames into the queue and wakes the writer. If
// they would take the queue over its limit (and none is forced, and force is
// false) the outbox aborts instead and handover reports pushOverflow; a
// single frame into an empty queue is always taken. Hub goroutine only.
func (o *outbox) handover(force bool) pushResult {
	if len(o.hq) == 0 {
		return pushed
	}
	r := pushed
	var dropped []outFrame
	wasEmpty := false
	o.mu.Lock()
	switch {
	case o.closed:
		r, dropped = pushClosed, o.hq
	case !force && !o.hqForce && (o.bytes > 0 || len(o.hq) > 1) && o.overLocked(o.bytes+o.hqBytes):
		r, dropped = pushOverflow, append(o.abortLocked(), o.hq...)
	default:
		wasEmpty = len(o.frames) == 0
		if wasEmpty {
			o.frames, o.hq = o.hq, o.frames[:0]
		} else {
			o.frames = append(o.frames, o.hq...)
		}
		o.bytes += o.hqBytes
	}
	o.mu.Unlock()
	releaseAll(dropped)
	clear(o.hq)
	o.hq = o.hq[:0]
	o.hqBytes, o.hqForce = 0, false
	if wasEmpty || r == pushOverflow {
		o.signal()
	}
	return r
}

// overLocked reports whether queueing n bytes makes the peer a slow
// consumer.
func (o *outbox) overLocked(n int) bool {
	switch {
	case n <= o.limit:
		return false
	case n > hardLimit*o.limit:
		return true
	}
	return !o.writing.IsZero() && time.Since(o.writing) > stuckAfter
}

// wrote tells the outbox the writer's write has ended.
func (o *outbox) wrote() {
	o.mu.Lock()
	o.writing = time.Time{}
	o.mu.Unlock()
}

// abortLocked closes the outbox for an immediate close and returns the
// discarded frames (whose tickets the caller releases outside the lock).
func (o *outbox) abortLocked() []outFrame {
	o.closed = true
	o.mode = closeAbort
	o.setDeadlineLocked(longAgo)
	dropped := o.frames
	o.frames = nil
	o.bytes = 0
	return dropped
}

// close ends the queue: nothing more is accepted. With closeGraceful the
// writer still writes what is queued, then closes by deadline.
func (o *outbox) close(mode closeMode, deadline time.Time) {
	o.mu.Lock()
	if o.closed {
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
// from its previous take) as the new queue's storage, sets the deadline for
// writing it, and reports whether the outbox is closed and how.
func (o *outbox) take(spare []outFrame) (frames []outFrame, closed bool, mode closeMode, deadline time.Time) {
	o.mu.Lock()
	frames = o.frames
	if len(frames) == 0 {
		frames = nil
	} else {
		o.frames = spare[:0]
		o.bytes = 0
		// The writer's deadline is refreshed when an eighth of the timeout
		// has passed (updating a deadline costs a runtime timer change), so
		// a write gets between 7/8 of the timeout and all of it.
		now := time.Now()
		if !o.closed && now.Sub(o.setAt) >= o.timeout/8 {
			o.setDeadlineLocked(now.Add(o.timeout))
			o.setAt = now
		}
		o.writing = now
	}
	closed, mode, deadline = o.closed, o.mode, o.deadline
	o.mu.Unlock()
	return frames, closed, mode, deadline
}

// queued reports the bytes waiting for the writer.
func (o *outbox) queued() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.bytes
}

func releaseAll(frames []outFrame) {
	for i := range frames {
		if frames[i].t != nil {
			frames[i].t.release()
		}
	}
}
