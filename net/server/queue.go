package server

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// queueConn carries the hub's frames to a gateway (see Port) without a
// rendezvous: the hub's writer appends its batch to a buffer and goes on, the
// gateway's reader takes everything buffered in one read. net.Pipe, by
// contrast, blocks every write until the reader has copied it, which costs a
// second goroutine switch per batch on the fan-out path. The buffer is
// bounded: a gateway that stops reading blocks the writer, whose deadline
// then makes the user a slow consumer as for a socket.
type queue struct {
	mu       sync.Mutex
	buf      []byte
	limit    int
	closed   bool
	readable chan struct{} // cap 1: data or close since the reader last looked
	writable chan struct{} // cap 1: room or close since the writer last looked
	rdl, wdl time.Time     // deadlines
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, readable: make(chan struct{}, 1), writable: make(chan struct{}, 1)}
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// waitFor blocks until c is signalled or the deadline passes.
func waitFor(c chan struct{}, deadline time.Time) error {
	if deadline.IsZero() {
		<-c
		return nil
	}
	d := time.Until(deadline)
	if d <= 0 {
		return os.ErrDeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c:
		return nil
	case <-t.C:
		return os.ErrDeadlineExceeded
	}
}

func (q *queue) write(p []byte) (int, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return 0, io.ErrClosedPipe
		}
		if len(q.buf) < q.limit {
			q.buf = append(q.buf, p...)
			q.mu.Unlock()
			notify(q.readable)
			return len(p), nil
		}
		deadline := q.wdl
		q.mu.Unlock()
		if err := waitFor(q.writable, deadline); err != nil {
			return 0, err
		}
	}
}

func (q *queue) read(p []byte) (int, error) {
	for {
		q.mu.Lock()
		if len(q.buf) > 0 {
			n := copy(p, q.buf)
			q.buf = q.buf[:copy(q.buf, q.buf[n:])]
			q.mu.Unlock()
			notify(q.writable)
			return n, nil
		}
		if q.closed {
			q.mu.Unlock()
			return 0, io.EOF
		}
		deadline := q.rdl
		q.mu.Unlock()
		if err := waitFor(q.readable, deadline); err != nil {
			return 0, err
		}
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	notify(q.readable)
	notify(q.writable)
}

func (q *queue) setReadDeadline(t time.Time) {
	q.mu.Lock()
	q.rdl = t
	q.mu.Unlock()
	notify(q.readable) // a waiting reader rechecks with the new deadline
}

func (q *queue) setWriteDeadline(t time.Time) {
	q.mu.Lock()
	q.wdl = t
	q.mu.Unlock()
	notify(q.writable)
}

// hubEnd is the hub's side of a gateway connection: it reads the gateway's
// frames from a pipe and writes its own to the queue.
type hubEnd struct {
	net.Conn // the pipe: Read, SetReadDeadline, addresses
	q        *queue
	remote   net.Addr
	once     sync.Once
}

func (c *hubEnd) Write(p []byte) (int, error) { return c.q.write(p) }
func (c *hubEnd) RemoteAddr() net.Addr        { return c.remote }
func (c *hubEnd) Close() error {
	c.once.Do(c.q.close)
	return c.Conn.Close()
}
func (c *hubEnd) SetWriteDeadline(t time.Time) error { c.q.setWriteDeadline(t); return nil }
func (c *hubEnd) SetDeadline(t time.Time) error {
	c.q.setWriteDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

// gatewayEnd is the gateway's side: it reads the hub's frames from the queue
// and writes its own into the pipe.
type gatewayEnd struct {
	net.Conn // the pipe: Write, SetWriteDeadline
	q        *queue
	once     sync.Once
}

func (c *gatewayEnd) Read(p []byte) (int, error) { return c.q.read(p) }
func (c *gatewayEnd) Close() error {
	c.once.Do(c.q.close)
	return c.Conn.Close()
}
func (c *gatewayEnd) SetReadDeadline(t time.Time) error { c.q.setReadDeadline(t); return nil }
func (c *gatewayEnd) SetDeadline(t time.Time) error {
	c.q.setReadDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

// gatewayConn returns the two ends of a gateway connection whose hub end
// reports remote as its peer's address.
func gatewayConn(remote net.Addr, limit int) (hub, gateway net.Conn) {
	a, b := net.Pipe()
	q := newQueue(limit)
	return &hubEnd{Conn: a, q: q, remote: remote}, &gatewayEnd{Conn: b, q: q}
}
