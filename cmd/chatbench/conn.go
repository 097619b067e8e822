package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// benchConn is one benchmark client: a TCP connection that has completed the
// handshake. One goroutine reads it (with next); any goroutine writes whole
// frames through write, which serialises writers with a mutex.
type benchConn struct {
	c        net.Conn // TLS, or TCP with -plaintext
	br       *bufio.Reader
	pending  int // bytes of the last frame returned by next, discarded on the next call
	maxFrame int
	maxText  int // largest chat text the server accepts (from Welcome)
	nick     string
	lobby    string
	room     string // the room the benchmark runs in (the lobby unless -room)
	members  int    // members of room in the list received on joining it
	// welcomeIn is the time from writing Hello to reading Welcome.
	welcomeIn time.Duration

	wmu sync.Mutex
}

// writeTimeout bounds every write of the tool.
const writeTimeout = 10 * time.Second

// handshakeError is a failed handshake; Refused is set when the server
// refused it with a reason code.
type handshakeError struct {
	Nick    string
	Refused *wire.Refused
	Err     error
}

func (e *handshakeError) Error() string {
	if e.Refused != nil {
		return fmt.Sprintf("%s: refused: %s (%s)", e.Nick, e.Refused.Code, e.Refused.Text)
	}
	return fmt.Sprintf("%s: %v", e.Nick, e.Err)
}

func (e *handshakeError) Unwrap() error { return e.Err }

// dial connects to addr, says Hello as nick and reads until the lobby's user
// list is complete; with room set (and not the lobby) it then joins room and
// reads until that room's user list is complete. readBuf is the size of the
// read buffer (frames up to that size are parsed in place). The whole
// handshake must finish within limit and before ctx ends.
//
// Unless plaintext, the connection is TLS. The tool does not pin the
// server's certificate (it only ever talks to 127.0.0.1); it does prove a
// device key, made per connection, as every client must.
func dial(ctx context.Context, addr string, plaintext bool, nick, room string, readBuf int, limit time.Duration) (*benchConn, error) {
	fail := func(err error) (*benchConn, error) { return nil, &handshakeError{Nick: nick, Err: err} }
	hctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(hctx, "tcp4", addr)
	if err != nil {
		return fail(err)
	}
	// Closing the connection is what ends a read blocked past ctx's end.
	stop := context.AfterFunc(hctx, func() { _ = raw.Close() })
	defer stop()
	if dl, ok := hctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	nc := raw
	var fp trust.Fingerprint
	if !plaintext {
		// X25519 only: the server does not use the post-quantum hybrid, and
		// offering it costs the tool a key generation per connection.
		tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12,
			CurvePreferences: []tls.CurveID{tls.X25519}})
		if err := tc.HandshakeContext(hctx); err != nil {
			_ = raw.Close()
			return fail(fmt.Errorf("TLS (use -plaintext for a plaintext server): %w", err))
		}
		fp = trust.FingerprintOf(tc.ConnectionState().PeerCertificates[0].Raw)
		nc = tc
	}
	bc := &benchConn{c: nc, br: bufio.NewReaderSize(nc, readBuf), maxFrame: wire.DefaultMaxFrame, nick: nick}
	t, p, err := bc.next()
	if err == nil && t != wire.TypeChallenge {
		err = fmt.Errorf("expected the server's challenge, got %s", t)
	}
	var ch wire.Challenge
	if err == nil {
		var m wire.Message
		if m, err = wire.Decode(t, p); err == nil {
			ch = m.(wire.Challenge)
		}
	}
	if err != nil {
		_ = raw.Close()
		return fail(err)
	}
	dev := trust.NewDeviceKey()
	hello := wire.Hello{Version: wire.Version, Nick: nick, Device: dev.Pub, Proof: dev.Prove(ch.Nonce, fp)}
	if err := bc.write(wire.Encode(hello)); err != nil {
		_ = raw.Close()
		return fail(err)
	}
	if err := bc.handshake(room, time.Now()); err != nil {
		_ = raw.Close()
		if ref, ok := errors.AsType[*refusedError](err); ok {
			return nil, &handshakeError{Nick: nick, Refused: &ref.Refused, Err: err}
		}
		if hctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("handshake not finished in %v: %w", limit, err)
		}
		return fail(err)
	}
	if !stop() {
		return fail(hctx.Err())
	}
	_ = raw.SetDeadline(time.Time{})
	return bc, nil
}

type refusedError struct{ wire.Refused }

func (e *refusedError) Error() string { return "refused: " + e.Code.String() }

func (bc *benchConn) handshake(room string, helloAt time.Time) error {
	t, p, err := bc.next()
	if err != nil {
		return err
	}
	bc.welcomeIn = time.Since(helloAt)
	switch t {
	case wire.TypeWelcome:
		m, err := wire.Decode(t, p)
		if err != nil {
			return err
		}
		w := m.(wire.Welcome)
		bc.nick, bc.lobby = w.Nick, w.Lobby
		if w.MaxFrame > 0 && int(w.MaxFrame) <= wire.AbsoluteMaxFrame {
			bc.maxFrame = int(w.MaxFrame)
		}
		bc.maxText = int(w.MaxText)
	case wire.TypeRefused:
		m, err := wire.Decode(t, p)
		if err != nil {
			return err
		}
		return &refusedError{m.(wire.Refused)}
	default:
		return fmt.Errorf("expected welcome, got %s", t)
	}
	n, err := bc.readUserList(bc.lobby)
	if err != nil {
		return err
	}
	bc.room, bc.members = bc.lobby, n
	if room == "" || room == bc.lobby {
		return nil
	}
	if err := bc.write(wire.Encode(wire.Join{Room: room})); err != nil {
		return err
	}
	n, err = bc.readUserList(room)
	if err != nil {
		return err
	}
	bc.room, bc.members = room, n
	return nil
}

// readUserList reads frames until room's user list is complete and returns
// its length. Other frames (joins of others, notices) are skipped; an Error
// or a closing frame fails.
func (bc *benchConn) readUserList(room string) (int, error) {
	n := 0
	for range 1 << 20 { // bounded; the deadline ends it sooner
		t, p, err := bc.next()
		if err != nil {
			return 0, err
		}
		switch t {
		case wire.TypeUserList:
			// Only the head is read: a lobby of thousands would otherwise
			// cost the tool a string per name per client.
			r, flags, count, ok := parseListHead(p)
			if !ok {
				return 0, fmt.Errorf("malformed user list")
			}
			if string(r) != room {
				continue
			}
			if flags&wire.ListFirst != 0 {
				n = 0
			}
			n += count
			if flags&wire.ListLast != 0 {
				return n, nil
			}
		case wire.TypeError, wire.TypeKicked, wire.TypeStopping, wire.TypeRefused:
			m, err := wire.Decode(t, p)
			if err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("%s while waiting for the user list of %q: %+v", t, room, m)
		case wire.TypePing:
			if err := bc.pong(p); err != nil {
				return 0, err
			}
		}
	}
	return 0, fmt.Errorf("no complete user list of %q", room)
}

// next returns the next frame. Its payload aliases the read buffer and is
// valid until the following call. Frames that fit the buffer are not copied.
func (bc *benchConn) next() (wire.Type, []byte, error) {
	if bc.pending > 0 {
		if _, err := bc.br.Discard(bc.pending); err != nil {
			return 0, nil, err
		}
		bc.pending = 0
	}
	hdr, err := bc.br.Peek(wire.HeaderSize)
	if err != nil {
		if err == io.EOF && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr))
	if n == 0 {
		return 0, nil, wire.ErrEmptyFrame
	}
	if n > bc.maxFrame {
		return 0, nil, &wire.FrameTooLargeError{Size: n, Max: bc.maxFrame}
	}
	t := wire.Type(hdr[4])
	if 4+n <= bc.br.Size() {
		b, err := bc.br.Peek(4 + n)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		bc.pending = 4 + n
		return t, b[wire.HeaderSize:], nil
	}
	if _, err := bc.br.Discard(wire.HeaderSize); err != nil {
		return 0, nil, err
	}
	p := make([]byte, n-1)
	if _, err := io.ReadFull(bc.br, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return t, p, nil
}

// write writes b (whole frames) with a deadline.
func (bc *benchConn) write(b []byte) error {
	bc.wmu.Lock()
	defer bc.wmu.Unlock()
	_ = bc.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := bc.c.Write(b)
	return err
}

// pong answers a Ping payload.
func (bc *benchConn) pong(p []byte) error {
	m, err := wire.Decode(wire.TypePing, p)
	if err != nil {
		return err
	}
	return bc.write(wire.Encode(wire.Pong{Token: m.(wire.Ping).Token}))
}

// close closes the socket at once (no TLS close_notify: the tool is done).
func (bc *benchConn) close() {
	if tc, ok := bc.c.(*tls.Conn); ok {
		_ = tc.NetConn().Close()
		return
	}
	_ = bc.c.Close()
}

// dialAll connects n clients named nick(i) with at most conc handshakes at
// once. It stops at the first failure unless keepGoing; either way slots not
// connected are nil, the errors are returned, and closing the connections it
// opened is the caller's.
// onConn, if set, runs for each connection as soon as it is ready (the
// caller starts its reader there so that no client stops reading while
// others join).
func dialAll(ctx context.Context, addr string, plaintext bool, room string, n, conc, readBuf int, nick func(int) string,
	limit time.Duration, keepGoing bool, onConn func(i int, bc *benchConn, took time.Duration)) ([]*benchConn, []error) {
	conns := make([]*benchConn, n)
	addrs := addrList(addr)
	var errs []error
	var mu sync.Mutex
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				bc, err := dial(dctx, addrs[i%len(addrs)], plaintext, nick(i), room, readBuf, limit)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					if !keepGoing {
						cancel()
					}
					continue
				}
				conns[i] = bc
				if onConn != nil {
					onConn(i, bc, time.Since(t0))
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-dctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) == 0 && dctx.Err() != nil {
		errs = append(errs, dctx.Err())
	}
	return conns, errs
}
