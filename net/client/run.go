package client

import (
	"context"
	"sync"
	"time"
)

// flushTimeout bounds how long Run, once its context is done, keeps trying
// to hand the last events to a UI that no longer reads them.
const flushTimeout = 2 * time.Second

// Run is the client session. It reads commands until cmds is closed or ctx is
// done, and reports what happens on events; it owns at most one connection at
// a time. On the way out it says Quit if connected, hands back every message
// the server has not confirmed (Undelivered), closes the connection, waits
// for all its goroutines, and finally closes events. It returns ctx.Err()
// when ctx ended it, nil when cmds was closed.
//
// Run never blocks on a slow reader of events: events go through an
// unbounded queue, so nothing is lost and commands keep being served.
func Run(ctx context.Context, cmds <-chan Command, events chan<- Event, opts ...Option) error {
	o := newOptions(opts)
	q := make(chan Event)
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		forward(ctx, q, events)
	}()

	var wg sync.WaitGroup
	s := newSession(ctx, o, q, &wg)
	err := s.run(cmds)
	wg.Wait()
	close(q)
	<-forwarded
	return err
}

// forward moves events from in to out through an unbounded FIFO, so that a
// sender on in never waits for the reader of out. When in is closed it
// delivers what is left, then closes out; if ctx is done by then, it gives the
// reader flushTimeout and drops what is still undelivered.
func forward(ctx context.Context, in <-chan Event, out chan<- Event) {
	defer close(out)
	var (
		buf     []Event
		head    int
		giveUp  <-chan time.Time
		ctxDone = ctx.Done()
	)
	for in != nil || head < len(buf) {
		var (
			send chan<- Event
			next Event
		)
		if head < len(buf) {
			send, next = out, buf[head]
		}
		var wait <-chan struct{}
		if in == nil && giveUp == nil {
			wait = ctxDone
		}
		select {
		case ev, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			buf = append(buf, ev)
		case send <- next:
			buf[head] = nil
			head++
			if head == len(buf) {
				buf, head = buf[:0], 0
			} else if head > 1024 && head*2 > len(buf) {
				n := copy(buf, buf[head:])
				clear(buf[n:])
				buf, head = buf[:n], 0
			}
		case <-wait:
			t := time.NewTimer(flushTimeout)
			defer t.Stop()
			giveUp = t.C
		case <-giveUp:
			return
		}
	}
}
