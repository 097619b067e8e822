package server

import (
	"sync"
	"time"
)

// eventQueue forwards events to the UI through an unbounded queue, so that
// the hub never waits for a slow UI: push appends under a mutex, and one
// goroutine hands the queued events to the channel in order.
type eventQueue struct {
	mu     sync.Mutex
	q      []Event
	closed bool
	wake   chan struct{}
	abort  chan struct{} // closed when the final flush runs out of time
	done   chan struct{} // closed when the forwarder has closed out
	out    chan<- Event
}

func newEventQueue(out chan<- Event) *eventQueue {
	q := &eventQueue{
		wake:  make(chan struct{}, 1),
		abort: make(chan struct{}),
		done:  make(chan struct{}),
		out:   out,
	}
	go q.forward()
	return q
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.q = append(q.q, e)
	n := len(q.q)
	q.mu.Unlock()
	if n == 1 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

func (q *eventQueue) forward() {
	defer close(q.done)
	if q.out != nil { // a nil channel: nobody listens, events are discarded
		defer close(q.out)
	}
	var batch []Event
	for range q.wake {
		q.mu.Lock()
		batch, q.q = q.q, batch[:0]
		closed := q.closed
		q.mu.Unlock()
		for _, e := range batch {
			if q.out == nil {
				break
			}
			select {
			case q.out <- e:
			case <-q.abort:
				return
			}
		}
		clear(batch)
		if closed {
			q.mu.Lock()
			empty := len(q.q) == 0
			q.mu.Unlock()
			if empty {
				return
			}
		}
	}
}

// close stops taking events, gives the forwarder up to grace to hand over
// what is queued, then waits for it to close the channel. Events the UI did
// not take by then are dropped.
func (q *eventQueue) close(grace time.Duration) {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-q.done:
	case <-t.C:
		close(q.abort)
		<-q.done
	}
}
