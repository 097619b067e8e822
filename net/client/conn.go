package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// maxEarly bounds the frames kept between Welcome and the end of the lobby's
// member list (a busy lobby may already be talking).
const maxEarly = 4096

// maxSpare is the largest write buffer the writer keeps between batches.
const maxSpare = 256 << 10

// inbound is what a connection's reader hands the session: one frame, or the
// error that ended the connection.
type inbound struct {
	msg wire.Message
	err error
}

// dialResult is what one connection attempt produced: a connection with its
// handshake done, a refusal, or an error.
type dialResult struct {
	c       *conn
	welcome wire.Welcome
	lobby   []string          // the lobby's member list, as sent
	via     map[string]string // gateway marks of its users, by fold key (see wire.UserList.Via)
	early   []wire.Message    // frames that came before the lobby list was complete
	refused *wire.Refused
	err     error
}

// dial connects to addr and does the handshake as nick. Cancelling ctx aborts
// both the dial and the handshake.
func dial(ctx context.Context, o *options, addr, nick string) dialResult {
	d := net.Dialer{Timeout: o.dialTimeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return dialResult{err: err}
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	r := handshake(nc, o, nick)
	if !stop() {
		nc.Close()
		return dialResult{err: ctx.Err()}
	}
	if r.c == nil {
		nc.Close()
	}
	return r
}

// handshake sends Hello and reads Welcome (or Refused) and the lobby's member
// list, within the handshake timeout.
func handshake(nc net.Conn, o *options, nick string) dialResult {
	fail := func(err error) dialResult { return dialResult{err: fmt.Errorf("handshake: %w", err)} }
	if err := nc.SetDeadline(time.Now().Add(o.handshakeTimeout)); err != nil {
		return fail(err)
	}
	if _, err := nc.Write(wire.Encode(wire.Hello{Version: wire.Version, Nick: nick})); err != nil {
		return fail(err)
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	rd := wire.NewReader(br, wire.DefaultMaxFrame)
	var r dialResult
welcome:
	for {
		m, err := rd.ReadMessage()
		if err != nil {
			return fail(err)
		}
		switch m := m.(type) {
		case wire.Refused:
			return dialResult{refused: &m}
		case wire.Ping:
			if _, err := nc.Write(wire.Encode(wire.Pong{Token: m.Token})); err != nil {
				return fail(err)
			}
		case wire.Welcome:
			r.welcome = m
			break welcome
		default:
			return fail(fmt.Errorf("expected welcome, got %s", m.Type()))
		}
	}
	if r.welcome.Lobby == "" {
		r.welcome.Lobby = wire.Lobby
	}
	max := max(int(r.welcome.MaxFrame), wire.DefaultMaxFrame)
	rd = wire.NewReader(br, max) // no read-ahead in wire.Reader: br holds all that is buffered
	lobbyKey := wire.FoldKey(r.welcome.Lobby)
	for done := false; !done; {
		m, err := rd.ReadMessage()
		if err != nil {
			var de *wire.DecodeError
			if errors.As(err, &de) {
				continue // a frame this client does not know; framing is intact
			}
			return fail(err)
		}
		switch m := m.(type) {
		case wire.UserList:
			if wire.FoldKey(m.Room) == lobbyKey {
				if m.Flags&wire.ListFirst != 0 {
					r.lobby = r.lobby[:0]
				}
				r.lobby = append(r.lobby, m.Users...)
				r.via = addMarks(r.via, m.Users, m.Via)
				done = m.Flags&wire.ListLast != 0
				continue
			}
		case wire.Refused:
			return dialResult{refused: &m}
		}
		if len(r.early) >= maxEarly {
			return fail(errors.New("the server sent too much before the member list"))
		}
		r.early = append(r.early, m)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return fail(err)
	}
	r.c = newConn(nc, rd, o)
	return r
}

// conn is one established connection: a reader goroutine that hands frames
// to the session and a writer goroutine that drains the outbox, so that a
// server that is slow to read (flood control, TCP backpressure) never blocks
// the session.
type conn struct {
	nc           net.Conn
	rd           *wire.Reader
	out          outbox
	in           chan inbound  // reader → session
	released     chan struct{} // closed when the session lets go of the connection
	abort        chan struct{} // closed to stop the writer at once
	readerDone   chan struct{}
	writerDone   chan struct{}
	writeTimeout time.Duration
	log          *slog.Logger

	releaseOnce sync.Once
	mu          sync.Mutex
	cause       error // the first failure
}

func newConn(nc net.Conn, rd *wire.Reader, o *options) *conn {
	return &conn{
		nc:           nc,
		rd:           rd,
		out:          outbox{wake: make(chan struct{}, 1)},
		in:           make(chan inbound),
		released:     make(chan struct{}),
		abort:        make(chan struct{}),
		readerDone:   make(chan struct{}),
		writerDone:   make(chan struct{}),
		writeTimeout: o.writeTimeout,
		log:          o.logger.With("server", nc.RemoteAddr().String()),
	}
}

// start runs the reader and the writer. They exit when the connection is
// closed; shutdown waits for both.
func (c *conn) start() {
	go c.reader()
	go c.writer()
}

// send queues m for the writer. It never blocks.
func (c *conn) send(m wire.Message) { c.out.push(m) }

// fail records err as why the connection ended, unless a cause is known.
func (c *conn) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause == nil {
		c.cause = err
	}
	return c.cause
}

func (c *conn) reader() {
	defer close(c.readerDone)
	for {
		m, err := c.rd.ReadMessage()
		if err != nil {
			var de *wire.DecodeError
			if errors.As(err, &de) {
				c.log.Warn("ignoring a frame", "err", err)
				continue
			}
			err = c.fail(err)
			select {
			case c.in <- inbound{err: err}:
			case <-c.released:
			}
			return
		}
		select {
		case c.in <- inbound{msg: m}:
		case <-c.released:
			// The session has let go; keep reading (and dropping) until the
			// server closes, so that a polite close can see its EOF.
		}
	}
}

func (c *conn) writer() {
	defer close(c.writerDone)
	var spare []byte
	for {
		b, closed := c.out.take(spare)
		if len(b) == 0 {
			if closed {
				return
			}
			select {
			case <-c.out.wake:
				continue
			case <-c.abort:
				return
			}
		}
		if err := c.write(b); err != nil {
			c.fail(fmt.Errorf("write: %w", err))
			c.nc.Close() // the reader reports the failure
			return
		}
		if cap(b) <= maxSpare {
			spare = b[:0]
		} else {
			spare = nil
		}
	}
}

// write writes b. The write deadline bounds a write that makes no progress,
// not a slow one: a server that applies flood control reads slowly, and that
// is not a reason to drop the connection.
func (c *conn) write(b []byte) error {
	for len(b) > 0 {
		if err := c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
			return err
		}
		n, err := c.nc.Write(b)
		b = b[n:]
		if err != nil {
			var ne net.Error
			if n > 0 && errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
	}
	return nil
}

// release stops handing frames to the session. It is safe to call twice.
func (c *conn) release() { c.releaseOnce.Do(func() { close(c.released) }) }

// shutdown closes the connection and waits for its goroutines. With quit, it
// first writes what is queued and a Quit, half-closes, and waits up to linger
// for the server to close its side (closing at once could turn the close into
// a reset that destroys the Quit); otherwise it closes at once.
func (c *conn) shutdown(quit bool, linger time.Duration) {
	c.release()
	if quit {
		c.out.finish(wire.Quit{})
		t := time.NewTimer(linger)
		defer t.Stop()
		select {
		case <-c.writerDone:
			if tc, ok := c.nc.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			_ = c.nc.SetReadDeadline(time.Now().Add(linger))
			select {
			case <-c.readerDone:
			case <-t.C:
			}
		case <-t.C:
		}
	} else {
		c.out.finish(nil)
	}
	close(c.abort)
	c.nc.Close()
	<-c.writerDone
	<-c.readerDone
}

// outbox is the writer's queue: encoded frames appended to one buffer, which
// the writer takes whole and writes in one call.
type outbox struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	wake   chan struct{} // capacity 1: "there is something to write"
}

func (o *outbox) push(m wire.Message) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	o.buf = wire.AppendFrame(o.buf, m)
	o.mu.Unlock()
	o.signal()
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// finish queues last (if not nil) and closes the outbox: the writer exits
// once it has written everything.
func (o *outbox) finish(last wire.Message) {
	o.mu.Lock()
	if !o.closed && last != nil {
		o.buf = wire.AppendFrame(o.buf, last)
	}
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

// dropUnsent forgets what the writer has not taken yet.
func (o *outbox) dropUnsent() {
	o.mu.Lock()
	o.buf = o.buf[:0]
	o.mu.Unlock()
}

// take returns everything queued (swapping in spare as the new buffer) and
// whether the outbox is closed.
func (o *outbox) take(spare []byte) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buf
	if len(b) == 0 {
		return nil, o.closed
	}
	o.buf = spare[:0]
	return b, o.closed
}
