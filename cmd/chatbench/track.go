package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// tracker is what the senders and receivers of a room benchmark share:
// per-sender per-receiver delivery progress, written by each receiver with
// atomic stores to cache lines of its own and read by the senders, and the
// wake-ups a receiver gives a sender that is waiting for it.
type tracker struct {
	senders, receivers int
	// servers is how many servers the clients are spread over (client i is
	// on server i mod servers): latencies are also kept apart for clients of
	// the sender's server and of the others.
	servers  int
	nicks    []string // sender index → nickname, to check Chat.From
	stride   int      // uint32s per receiver block (a multiple of 16: 64 bytes)
	progress []atomic.Uint32
	need     []atomic.Uint32 // per sender: the progress it waits for
	waitOn   []atomic.Int32  // per sender: the receiver it waits for, or -1
	wake     []chan struct{} // per sender, capacity 1
}

func newTracker(senders, receivers int, nicks []string) *tracker {
	tr := &tracker{
		senders: senders, receivers: receivers, nicks: nicks,
		stride: (senders + 15) &^ 15,
		need:   make([]atomic.Uint32, senders),
		waitOn: make([]atomic.Int32, senders),
		wake:   make([]chan struct{}, senders),
	}
	tr.progress = make([]atomic.Uint32, tr.stride*receivers)
	for s := range senders {
		tr.waitOn[s].Store(-1)
		tr.wake[s] = make(chan struct{}, 1)
	}
	return tr
}

func (tr *tracker) prog(r, s int) *atomic.Uint32 { return &tr.progress[r*tr.stride+s] }

// advanced publishes that receiver r has every message of sender s up to
// seq, and wakes the sender if it waits for exactly that.
func (tr *tracker) advanced(r, s int, seq uint32) {
	tr.prog(r, s).Store(seq)
	if int(tr.waitOn[s].Load()) == r && seq >= tr.need[s].Load() {
		select {
		case tr.wake[s] <- struct{}{}:
		default:
		}
	}
}

// waitAll blocks until every receiver has every message of sender s up to
// need, and returns the lowest progress it saw (≥ need). Only sender s's
// goroutine calls it.
func (tr *tracker) waitAll(ctx context.Context, s int, need uint32) (uint32, error) {
	low := ^uint32(0)
	for r := range tr.receivers {
		p := tr.prog(r, s).Load()
		if p < need {
			tr.need[s].Store(need)
			tr.waitOn[s].Store(int32(r))
			for p = tr.prog(r, s).Load(); p < need; p = tr.prog(r, s).Load() {
				select {
				case <-tr.wake[s]:
				case <-ctx.Done():
					tr.waitOn[s].Store(-1)
					return low, context.Cause(ctx)
				}
			}
			tr.waitOn[s].Store(-1)
		}
		low = min(low, p)
	}
	return low, nil
}

// receiver is one client's reading side: it checks every benchmark message
// for its sender, sequence, duplicates and order, and publishes progress.
// Its counters are read only after its goroutine has ended.
type receiver struct {
	tr      *tracker
	idx     int
	bc      *benchConn
	maxSeq  uint32
	base    time.Time
	lat     *hist                 // latency mode only
	latSame *hist                 // latency mode with several servers: deliveries on the sender's server
	latXS   *hist                 // … and on the other servers (across the cluster)
	next    []uint32              // per sender: every seq below it was received
	highest []uint32              // per sender: the largest seq received
	early   []map[uint32]struct{} // per sender: received seqs above next (after a gap)

	unique, dups, reorders, foreign, wrongFrom, malformed uint64
	errCodes                                              map[wire.ErrorCode]int
	closedBy                                              string // kicked, stopping
	err                                                   error  // why reading ended
}

func newReceiver(tr *tracker, idx int, bc *benchConn, maxSeq uint32, base time.Time, latency bool) *receiver {
	r := &receiver{tr: tr, idx: idx, bc: bc, maxSeq: maxSeq, base: base,
		next: make([]uint32, tr.senders), highest: make([]uint32, tr.senders),
		early: make([]map[uint32]struct{}, tr.senders)}
	for s := range r.next {
		r.next[s] = 1
	}
	if latency {
		r.lat = new(hist)
		if tr.servers > 1 {
			r.latSame, r.latXS = new(hist), new(hist)
		}
	}
	return r
}

// run reads until the connection ends (the benchmark closes it).
func (r *receiver) run() {
	for {
		t, p, err := r.bc.next()
		if err != nil {
			r.err = err
			return
		}
		switch t {
		case wire.TypeChat:
			r.chat(p)
		case wire.TypePing:
			if err := r.bc.pong(p); err != nil {
				r.err = err
				return
			}
		case wire.TypeError:
			if m, err := wire.Decode(t, p); err == nil {
				if r.errCodes == nil {
					r.errCodes = map[wire.ErrorCode]int{}
				}
				r.errCodes[m.(wire.Error).Code]++
			} else {
				r.malformed++
			}
		case wire.TypeKicked, wire.TypeStopping:
			r.closedBy = t.String()
		}
	}
}

func (r *receiver) chat(p []byte) {
	v, ok := parseChat(p)
	if !ok {
		r.malformed++
		return
	}
	st, err := parseStamp(v.Text, r.lat != nil)
	if err != nil || int(st.Sender) >= r.tr.senders || st.Seq == 0 || st.Seq > r.maxSeq {
		r.foreign++
		return
	}
	s, q := int(st.Sender), st.Seq
	if string(v.From) != r.tr.nicks[s] {
		r.wrongFrom++
		return
	}
	switch {
	case q < r.next[s]:
		r.dups++
		return
	case q == r.next[s]:
		if q < r.highest[s] {
			r.reorders++ // a late arrival filling a gap
		}
		r.next[s]++
		for len(r.early[s]) > 0 {
			if _, ok := r.early[s][r.next[s]]; !ok {
				break
			}
			delete(r.early[s], r.next[s])
			r.next[s]++
		}
	default: // q > next: a gap before it
		if r.early[s] == nil {
			r.early[s] = map[uint32]struct{}{}
		}
		if _, ok := r.early[s][q]; ok {
			r.dups++
			return
		}
		if q < r.highest[s] {
			r.reorders++
		}
		r.early[s][q] = struct{}{}
	}
	if r.lat != nil {
		d := time.Since(r.base).Nanoseconds() - st.SentNs
		r.lat.record(d)
		switch {
		case r.latSame == nil:
		case s%r.tr.servers == r.idx%r.tr.servers:
			r.latSame.record(d)
		default:
			r.latXS.record(d)
		}
	}
	r.highest[s] = max(r.highest[s], q)
	r.unique++
	r.tr.advanced(r.idx, s, r.next[s]-1)
}
