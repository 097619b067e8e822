package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// rawConn returns the TCP socket under nc.
func rawConn(nc net.Conn) net.Conn {
	if tc, ok := nc.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return nc
}

// maxEarly bounds the frames kept between Welcome and the end of the lobby's
// member list (a busy lobby may already be talking).
const maxEarly = 4096

// maxSpare is the largest write buffer the writer keeps between batches:
// room for a file leg's window of chunks with their frame headers (at 256
// KiB, eight chunks were just too many, and a sender allocated a new
// buffer for nearly every batch).
const maxSpare = 2 * window

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

	fp       trust.Fingerprint // the server's certificate (zero in plaintext)
	server   string            // the server's name, from its challenge
	unknown  bool              // the certificate is not pinned: ask the user (no hello was sent)
	password bool              // the server wants a password and none was given (no hello was sent)
}

// target is what one connection attempt needs from the session.
type target struct {
	addr      string
	nick      string
	password  string
	plaintext bool
	pins      *trust.Pins
	dev       *trust.DeviceKey
	autoTrust bool              // pin an unknown server without asking (tests)
	known     trust.Fingerprint // the certificate this session already trusts (the server moved: Redirect)
}

// dial connects to t.addr and does the handshake. Cancelling ctx aborts both
// the dial and the handshake.
func dial(ctx context.Context, o *options, t target) dialResult {
	d := net.Dialer{Timeout: o.dialTimeout}
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return dialResult{err: err}
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	r := handshake(nc, o, t)
	if !stop() {
		nc.Close()
		return dialResult{err: ctx.Err()}
	}
	if r.c == nil {
		nc.Close()
	}
	return r
}

// secure runs the TLS handshake and checks the server's certificate against
// the pins before anything else is sent: a server whose identity changed is
// refused (IdentityChangedError); one never seen is reported as unknown.
func secure(nc net.Conn, t target) (net.Conn, trust.Fingerprint, bool, error) {
	var fp trust.Fingerprint
	unknown := false
	host, _, _ := net.SplitHostPort(t.addr)
	cfg := &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// The certificate is self-signed: it is trusted by its pinned
		// fingerprint (VerifyConnection), not by a certificate authority.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			fp = trust.FingerprintOf(cs.PeerCertificates[0].Raw)
			state, old, err := t.pins.Check(t.addr, fp)
			if err != nil {
				return fmt.Errorf("reading the trusted servers: %w", err)
			}
			switch state {
			case trust.PinMismatch:
				return &IdentityChangedError{Addr: t.addr, Trusted: old, Presented: fp}
			case trust.PinUnknown:
				unknown = true
			}
			return nil
		},
	}
	tc := tls.Client(nc, cfg)
	if err := tc.Handshake(); err != nil {
		if ic, ok := errors.AsType[*IdentityChangedError](err); ok {
			return nil, fp, false, ic
		}
		var rhe tls.RecordHeaderError
		if errors.As(err, &rhe) && rhe.RecordHeader[0] == 0 && rhe.Conn != nil {
			return nil, fp, false, plainAnswer(rhe)
		}
		return nil, fp, false, fmt.Errorf("TLS: %w", err)
	}
	return tc, fp, unknown, nil
}

// plainAnswer reads the plaintext frame a server sent where the TLS
// handshake should be: a refusal made before TLS (server full, too many
// connections from this address), or the challenge of a server that does not
// use TLS at all.
func plainAnswer(rhe tls.RecordHeaderError) error {
	h := rhe.RecordHeader
	n := int(binary.BigEndian.Uint32(h[:4]))
	typ := wire.Type(h[4])
	if typ == wire.TypeChallenge {
		return ErrServerPlaintext
	}
	if n < 1 || n > 4<<10 || typ != wire.TypeRefused {
		return fmt.Errorf("TLS: the server answered with something that is not TLS (%s)", typ)
	}
	payload := make([]byte, n-1)
	if _, err := io.ReadFull(rhe.Conn, payload); err != nil {
		return fmt.Errorf("TLS: the server answered in plaintext: %w", err)
	}
	m, err := wire.Decode(typ, payload)
	if err != nil {
		return fmt.Errorf("TLS: the server answered in plaintext: %w", err)
	}
	ref := m.(wire.Refused)
	return &refusedPlain{ref}
}

// refusedPlain carries a refusal read before TLS up to handshake.
type refusedPlain struct{ wire.Refused }

func (e *refusedPlain) Error() string { return e.Text }

// handshake secures the connection (unless plaintext), reads the challenge,
// sends Hello with the device proof and reads Welcome (or Refused) and the
// lobby's member list, within the handshake timeout.
func handshake(nc net.Conn, o *options, t target) dialResult {
	fail := func(err error) dialResult { return dialResult{err: fmt.Errorf("handshake: %w", err)} }
	if err := nc.SetDeadline(time.Now().Add(o.handshakeTimeout)); err != nil {
		return fail(err)
	}
	var r dialResult
	if !t.plaintext {
		tc, fp, unknown, err := secure(nc, t)
		if err != nil {
			if rp, ok := errors.AsType[*refusedPlain](err); ok {
				return dialResult{refused: &rp.Refused}
			}
			if ic, ok := errors.AsType[*IdentityChangedError](err); ok {
				return dialResult{err: ic}
			}
			if errors.Is(err, ErrServerPlaintext) {
				return dialResult{err: err}
			}
			return fail(err)
		}
		nc, r.fp, r.unknown = tc, fp, unknown
	} else if _, err := nc.Write(wire.Encode(wire.Ping{})); err != nil {
		// A plaintext client speaks first, so that a TLS server (which
		// waits for a ClientHello) refuses it at once instead of at its
		// handshake timeout.
		return fail(err)
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	rd := wire.NewReader(br, wire.DefaultMaxFrame)
	m, err := rd.ReadMessage()
	if err != nil {
		return fail(err)
	}
	switch m := m.(type) {
	case wire.Refused:
		return dialResult{refused: &m}
	case wire.Challenge:
		r.server = m.Server
		if r.unknown {
			if !t.autoTrust && (t.known.IsZero() || t.known != r.fp) {
				return r // ask the user before saying anything
			}
			if err := t.pins.Trust(t.addr, r.fp); err != nil {
				return fail(err)
			}
			r.unknown = false
		}
		if m.Flags&wire.ChallengePassword != 0 && t.password == "" {
			r.password = true
			return r
		}
		hello := wire.Hello{Version: wire.Version, Nick: t.nick, Device: t.dev.Pub, Proof: t.dev.Prove(m.Nonce, r.fp)}
		if m.Flags&wire.ChallengePassword != 0 {
			hello.Password = t.password // only to a server that asks, inside TLS unless plaintext was chosen
		}
		if _, err := nc.Write(wire.Encode(hello)); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("expected the server's challenge, got %s (is it an older MultiChat server?)", m.Type()))
	}
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
	nc           net.Conn // the TLS connection, or raw in plaintext
	raw          net.Conn // the TCP socket
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
		raw:          rawConn(nc),
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
			c.raw.Close() // the reader reports the failure
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
			if tc, ok := c.nc.(*tls.Conn); ok {
				_ = tc.CloseWrite() // close_notify
			}
			if tc, ok := c.raw.(*net.TCPConn); ok {
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
	c.raw.Close()
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
