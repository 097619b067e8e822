package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// readBufSize is the read buffer a connection uses while frames arrive: big
// enough to take a burst of chat frames in one read. Idle connections hold
// none (see source).
const readBufSize = 4 << 10

// readBufs holds the read buffers of connections that are not reading.
var readBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}

// source is what a connection's wire.Reader reads from: the socket through a
// pooled bufio.Reader that the connection gives back whenever it has read
// everything, so that an idle connection (most of them, on a big server)
// holds no read buffer. It waits for the next frame by reading into a small
// array of its own, which takes a typical chat frame whole, so that a frame
// after a wait costs one read, as with a plain bufio.Reader.
type source struct {
	nc    net.Conn
	br    *bufio.Reader // nil while idle
	first [256]byte     // what ended the wait
	fi    int           // first[fi:fn] is not yet consumed
	fn    int
}

// rawFirst is the socket as the bufio.Reader sees it: the bytes that ended
// the wait first, then the socket.
type rawFirst struct{ s *source }

func (r rawFirst) Read(p []byte) (int, error) {
	if s := r.s; s.fi < s.fn {
		n := copy(p, s.first[s.fi:s.fn])
		s.fi += n
		return n, nil
	}
	return r.s.nc.Read(p)
}

func (s *source) Read(p []byte) (int, error) {
	if s.br == nil {
		s.br = readBufs.Get().(*bufio.Reader)
		s.br.Reset(rawFirst{s})
	}
	return s.br.Read(p)
}

// buffered reports whether bytes are already read and waiting.
func (s *source) buffered() bool { return s.fi < s.fn || (s.br != nil && s.br.Buffered() > 0) }

// release gives the read buffer back when it holds nothing.
func (s *source) release() {
	if s.br != nil && s.br.Buffered() == 0 {
		s.br.Reset(nil)
		readBufs.Put(s.br)
		s.br = nil
	}
}

// await blocks until the peer sends something (or the read deadline
// passes), holding no pooled buffer meanwhile.
func (s *source) await() error {
	if s.buffered() {
		return nil
	}
	s.release()
	n, err := s.nc.Read(s.first[:])
	s.fi, s.fn = 0, n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// connState is where a connection is in its life, as the hub sees it.
type connState uint8

const (
	stateNew    connState = iota // accepted, no hello yet
	stateMember                  // hello accepted: a registered user
	stateGone                    // let go by the hub; its goroutines are finishing
)

// conn is one client connection. The reader and writer goroutines touch only
// nc, out, gone, readerDone and the immutable fields; everything below "hub
// owned" belongs to the hub goroutine.
type conn struct {
	h          *hub
	raw        net.Conn // the TCP socket
	nc         net.Conn // raw, or the TLS connection over it once secured is closed
	addr       netip.AddrPort
	nonce      [32]byte // the challenge the device proof signs
	gateway    bool     // brought in-process by a gateway (Port.Dial): no TLS, no device proof
	out        *outbox
	gone       chan struct{} // closed by the hub when it lets go of the connection
	secured    chan struct{} // closed by the reader once nc is set (TLS handshake done)
	readerDone chan struct{} // closed when the reader has exited
	relay      relay         // the file legs c sends, for its reader to relay chunks (files.go)
	records    *records      // between the TLS connection and raw; nil without TLS

	// hub owned
	state     connState
	announced bool // the others were told of the join (joins are announced in batches)
	pendingAt int  // while not announced: c's index in hub.pending
	nick      string
	fold      string    // wire.FoldKey(nick)
	skels     [2]string // wire.SkeletonKeys(nick)
	device    [32]byte  // the device key that proved itself in the hello
	party     string    // whose private history is c's (partyOf)
	via       string    // the gateway that brought the user (Port.Dial); "" for a socket
	rooms     []membership
	files     int    // transfers this user is sending
	muted     *mute  // nil unless muted (moderation.go)
	leftText  string // the words of the Part or Quit being handled, for Left (leaving.go)
	presence  presence
	oper      string // the operator name it logged in with as a server operator ("" : none; roomops.go)
	// Cluster (cluster.go).
	peer    *peerServer // the server this member is on; nil: this one
	claimed bool        // the nickname is bound in the cluster's bucket (set by the reader)
	claim   claim       // what the reader claimed
}

// membership is a conn's place in a room's member slice.
type membership struct {
	r *room
	i int
}

func newConn(h *hub, nc net.Conn, addr netip.AddrPort) *conn {
	c := &conn{
		h:          h,
		raw:        nc,
		nc:         nc,
		addr:       addr,
		nonce:      newNonce(),
		out:        newOutbox(h.cfg.OutboxBytes, nc, h.cfg.WriteTimeout, h.acct),
		gone:       make(chan struct{}),
		secured:    make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	_, c.gateway = nc.(*hubEnd)
	if h.tlsConf == nil || c.gateway {
		close(c.secured)
	}
	return c
}

// inKind says what an inbound item is.
type inKind uint8

const (
	inFrame   inKind = iota // a decoded frame from the peer
	inFail                  // the connection failed; drop it
	inPingDue               // the peer has been silent: send a ping
)

// inbound is what connection goroutines hand the hub.
type inbound struct {
	c      *conn
	kind   inKind
	m      wire.Message    // inFrame
	reason wire.LeftReason // inFail
	final  wire.Message    // inFail: a frame to deliver before closing (nil: none)
	detail string          // inFail: for the log
}

// deliver hands an item to the hub, or gives up when the hub has let go of
// the connection. It blocks while the hub's inbox is full, and so does the
// reader calling it: TCP backpressure then slows the peer.
func (c *conn) deliver(in inbound) bool {
	select {
	case c.h.in <- in:
		return true
	case <-c.gone:
		return false
	}
}

func (c *conn) isGone() bool {
	select {
	case <-c.gone:
		return true
	default:
		return false
	}
}

// readLoop is the connection's reader: it decodes frames with the frame limit
// and deadlines, applies flood control and hands frames to the hub in order.
func (c *conn) readLoop() {
	defer c.h.wg.Done()
	defer close(c.readerDone)
	fail := c.readFrames()
	if fail.kind == inFail {
		if !c.deliver(fail) {
			fail.reason = 0
		}
	}
	switch fail.reason {
	case wire.LeftLost, wire.LeftTimedOut:
		return // nothing worth reading; the hub closes the socket
	}
	c.drain()
}

// drain reads and discards until the peer closes or the deadline passes, so
// that data the peer is still sending does not turn our close into a reset
// that destroys the final frame. The writer bounds it when closing.
func (c *conn) drain() {
	if !c.isGone() {
		c.nc.SetReadDeadline(time.Now().Add(closeGrace))
	}
	var buf [512]byte
	for {
		if _, err := c.nc.Read(buf[:]); err != nil {
			return
		}
	}
}

func failWith(c *conn, reason wire.LeftReason, final wire.Message, detail string) inbound {
	return inbound{c: c, kind: inFail, reason: reason, final: final, detail: detail}
}

// readFrames reads until the connection fails (the returned item says how)
// or the hub lets go of it (a zero item).
func (c *conn) readFrames() inbound {
	cfg := &c.h.cfg

	// Handshake: TLS (unless plaintext), then the first frame must be a
	// hello, all within HandshakeTime.
	deadline := time.Now().Add(cfg.HandshakeTime)
	c.raw.SetReadDeadline(deadline)
	if c.h.tlsConf != nil && !c.gateway {
		c.raw.SetWriteDeadline(deadline) // the outbox sets its own once the writer runs
		fail, ok := c.secure()
		if !ok {
			return fail
		}
		close(c.secured)
	}
	src := &source{nc: c.nc}
	defer src.release()
	fr := wire.NewReader(src, cfg.MaxFrame)
	chunks := chunkReader{c: c}
	defer chunks.done()
	f, err := fr.Next()
	if err == nil && f.Type == wire.TypePing {
		// A plaintext client opens with a ping, so that a TLS server
		// notices it at once (it never sends a ClientHello); skip it.
		f, err = fr.Next()
	}
	if err != nil {
		if isTimeout(err) {
			return failWith(c, wire.LeftTimedOut, wire.Refused{Code: wire.RefuseHandshake,
				Text: fmt.Sprintf("no hello within %v", cfg.HandshakeTime)}, "handshake timeout")
		}
		if tooLarge, ok := errors.AsType[*wire.FrameTooLargeError](err); ok && isTLSHello(tooLarge.Size) {
			return failWith(c, wire.LeftProtocol, wire.Refused{Code: wire.RefuseNoTLS,
				Text: "this server does not use TLS; connect with the plaintext option, or ask the administrator"},
				"TLS client on a plaintext server")
		}
		return c.readError(err)
	}
	m, err := wire.Decode(f.Type, f.Payload)
	if err != nil {
		return decodeFail(c, err)
	}
	fr.ReadInto(chunks.into) // a member's file chunks are relayed from the reader
	hello, ok := m.(wire.Hello)
	if !ok {
		return failWith(c, wire.LeftProtocol, wire.Refused{Code: wire.RefuseHandshake,
			Text: fmt.Sprintf("the first frame must be hello, not %s", f.Type)}, "no hello")
	}
	var r *wire.Refused
	if c.gateway {
		// A gateway speaks for a client of another protocol, in process:
		// no TLS, no device; the server password still applies (the
		// gateway passes the client's, e.g. IRC PASS).
		if hello.Version != wire.Version {
			r = &wire.Refused{Code: wire.RefuseVersion, Text: "gateway and server versions differ"}
		} else {
			c.h.side.run(func() { r = c.h.gate.checkPassword(hello.Password, c.addr.Addr()) })
		}
	} else {
		c.h.side.run(func() { r = c.h.gate.check(hello, c.addr.Addr(), c.nonce, c.h.fp) })
	}
	if r == nil && c.h.cl != nil {
		r = c.claimNick(hello)
	}
	if r != nil {
		return failWith(c, wire.LeftProtocol, *r, "refused: "+r.Code.String())
	}
	if !c.deliver(inbound{c: c, m: m}) {
		return inbound{}
	}

	var flood *bucket
	if cfg.FloodBurst > 0 {
		flood = newBucket(cfg.FloodBurst, cfg.FloodRate, time.Now())
	}
	// The read deadline is the keepalive: PingAfter of silence times out a
	// read at a frame boundary, and the hub pings. Refreshing it costs a
	// runtime timer update, so it is done at most every PingAfter/8. It is
	// checked before waiting, and every 64 frames of a stream that never
	// leaves the buffer empty (a flood, a long file), which would otherwise
	// run into a deadline set when it began.
	refresh := cfg.PingAfter / 8
	var setAt time.Time
	missed := 0
	for frames := 0; ; frames++ {
		idle := !src.buffered()
		if idle || frames%64 == 0 {
			if now := time.Now(); now.Sub(setAt) >= refresh {
				c.nc.SetReadDeadline(now.Add(cfg.PingAfter))
				setAt = now
			}
		}
		if idle {
			if err := src.await(); err != nil {
				if !isTimeout(err) {
					return c.readError(err)
				}
				if c.isGone() {
					return inbound{}
				}
				if missed >= cfg.MissedPings {
					return failWith(c, wire.LeftTimedOut, nil, fmt.Sprintf("%d pings unanswered", missed))
				}
				missed++
				if !c.deliver(inbound{c: c, kind: inPingDue}) {
					return inbound{}
				}
				setAt = time.Time{}
				continue
			}
		}
		f, err := fr.Next()
		if err != nil {
			if isTimeout(err) {
				return failWith(c, wire.LeftTimedOut, nil, "stalled inside a frame")
			}
			return c.readError(err)
		}
		missed = 0
		if chunks.read {
			if !chunks.relay(f.Payload) {
				return inbound{}
			}
			continue
		}
		m, err := wire.Decode(f.Type, f.Payload)
		if err != nil {
			return decodeFail(c, err)
		}
		switch m.(type) {
		case wire.Pong:
			continue // any frame proves the peer alive
		case wire.Say, wire.Private, wire.Join, wire.Part, wire.ListRooms, wire.FileOffer, wire.FileAccept, wire.Hello,
			wire.SetTopic, wire.RoomKick, wire.RoomOp, wire.Oper:
			if flood != nil {
				if d := flood.take(time.Now()); d > 0 {
					if !c.pause(d) {
						return inbound{}
					}
					setAt = time.Time{} // the deadline may have run out while we waited
				}
			}
		}
		if !c.deliver(inbound{c: c, m: m}) {
			return inbound{}
		}
		if _, ok := m.(wire.Quit); ok {
			return inbound{}
		}
	}
}

// pause waits d (flood control), or until the hub lets go of the connection.
// Not reading meanwhile lets TCP push back on the peer.
func (c *conn) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.gone:
		return false
	}
}

func (c *conn) readError(err error) inbound {
	var tooLarge *wire.FrameTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		return failWith(c, wire.LeftProtocol, wire.Error{Code: wire.CodeTooLarge,
			Text: fmt.Sprintf("frame of %d bytes exceeds the limit of %d", tooLarge.Size, tooLarge.Max)}, err.Error())
	case errors.Is(err, wire.ErrEmptyFrame):
		return failWith(c, wire.LeftProtocol, wire.Error{Code: wire.CodeMalformed,
			Text: "empty frame: the length must count the type byte"}, err.Error())
	}
	if c.isGone() {
		return inbound{}
	}
	return failWith(c, wire.LeftLost, nil, err.Error())
}

func decodeFail(c *conn, err error) inbound {
	code, text := wire.CodeMalformed, err.Error()
	var de *wire.DecodeError
	if errors.As(err, &de) {
		code, text = de.Code, fmt.Sprintf("%s frame: %s", de.Type, de.Reason)
	}
	return failWith(c, wire.LeftProtocol, wire.Error{Code: code, Text: text}, text)
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// writeLoop is the connection's writer: it takes everything queued in one
// swap and writes it in as few writes as possible, each with the stall
// deadline. It is the only goroutine that closes the socket.
func (c *conn) writeLoop() {
	defer c.h.wg.Done()
	select {
	case <-c.secured:
	case <-c.gone:
		select {
		case <-c.secured:
		default:
			// The TLS handshake never finished: nothing queued can be sent.
			c.out.close(closeAbort, time.Time{})
			frames, _, _, _ := c.out.take(nil)
			releaseAll(frames)
			c.raw.Close()
			return
		}
	}
	var spare []outFrame
	w := writer{o: c.out, nc: c.nc, rec: c.records}
	for range c.out.wake {
		frames, closed, mode, deadline := c.out.take(spare)
		if closed && mode == closeAbort {
			releaseAll(frames)
			c.raw.Close()
			return
		}
		if len(frames) > 0 {
			err := w.write(frames)
			releaseAll(frames)
			if err != nil {
				c.writerFailed(err, closed)
				return
			}
			clear(frames)
			if cap(frames) <= 1024 {
				spare = frames[:0]
			} else {
				spare = nil
			}
		}
		if closed {
			c.closeGracefully(deadline)
			return
		}
	}
}

// writerFailed ends a connection whose write failed. The hub hears why
// (slow consumer when the peer accepted nothing for the stall time) before
// the socket is closed: closing first would let the reader's error ("connection
// lost") reach the hub first.
func (c *conn) writerFailed(err error, closing bool) {
	if !closing {
		reason, detail := wire.LeftLost, "write: "+err.Error()
		if isTimeout(err) {
			reason, detail = wire.LeftSlowConsumer, fmt.Sprintf("accepted nothing for %v", c.out.stall)
		}
		c.deliver(failWith(c, reason, nil, detail))
	}
	// Whatever is still queued will never be written.
	c.out.close(closeAbort, time.Time{})
	c.raw.Close()
}

// closeGracefully half-closes the socket after the last frame, waits for the
// peer to close (the reader sees EOF) until deadline, then closes.
func (c *conn) closeGracefully(deadline time.Time) {
	if c.nc != c.raw {
		// close_notify, so that the peer reads a clean end. It may block
		// on a peer that does not read: the deadline closes the socket.
		stop := time.AfterFunc(time.Until(deadline), func() { c.raw.Close() })
		c.nc.(*tls.Conn).CloseWrite()
		stop.Stop()
	}
	if cw, ok := c.raw.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(deadline)
	t := time.NewTimer(time.Until(deadline))
	select {
	case <-c.readerDone:
	case <-t.C:
	}
	t.Stop()
	c.raw.Close()
}

// maxWrite is the most one socket write carries: the unit of progress. A
// peer must accept a write within the stall time.
const maxWrite = 64 << 10

// writeBufs are the writers' batch buffers, shared through a pool so that an
// idle connection holds none.
var writeBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, maxWrite)
	return &b
}}

// writer is a connection's writer state.
type writer struct {
	o     *outbox
	nc    io.Writer
	setAt time.Time   // when the deadline was last extended
	vec   net.Buffers // the pieces of the next write
	rec   *records    // gathers a TLS write's records into one socket write; nil without TLS
	bulk  bool        // the next write holds file chunks: gather its records
}

// copyBelow is the size under which a frame is copied into the batch
// buffer; larger ones are written from where they are (writev), which
// saves copying big messages once per recipient.
const copyBelow = 1 << 10

// write writes frames with as few writes as possible, each of at most
// maxWrite bytes: small frames are copied into one pooled buffer, larger
// ones are written in place (one writev), frames over maxWrite in pieces.
// After each write the outbox is told what left.
func (w *writer) write(frames []outFrame) error {
	if len(frames) == 1 {
		return w.large(frames[0])
	}
	bp := writeBufs.Get().(*[]byte)
	defer writeBufs.Put(bp)
	buf := (*bp)[:0]
	vec := w.vec[:0]
	total, pending := 0, int64(0) // bytes and cost of the frames in vec and the run
	run := -1                     // where in buf the small frames not yet in vec start; -1: none
	endRun := func() {
		if run >= 0 {
			vec = append(vec, buf[run:])
			run = -1
		}
	}
	flush := func() error {
		endRun()
		w.vec = vec
		err := w.flushVec(pending)
		vec, buf, total, pending = w.vec[:0], buf[:0], 0, 0
		w.bulk = false
		return err
	}
	for _, f := range frames {
		if total+len(f.b) > maxWrite && total > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		switch {
		case len(f.b) > maxWrite:
			if err := w.large(f); err != nil {
				return err
			}
			continue
		case len(f.b) >= copyBelow:
			endRun()
			vec = append(vec, f.b)
			w.bulk = w.bulk || f.t != nil
		default:
			if run < 0 {
				run = len(buf)
			}
			buf = append(buf, f.b...) // never grows: total ≤ maxWrite = cap(buf)
		}
		total += len(f.b)
		pending += int64(cost(f))
	}
	if total > 0 {
		return flush()
	}
	w.vec = vec
	return nil
}

// flushVec writes w.vec, whose frames cost n, as flush does.
func (w *writer) flushVec(n int64) error {
	if len(w.vec) == 1 {
		return w.flush(w.vec[0], n)
	}
	v := w.vec
	w.begin()
	_, err := v.WriteTo(w.nc)
	err = w.end(err)
	clear(w.vec[:cap(w.vec)])
	if err == nil {
		w.o.sent(n)
	}
	return err
}

// large writes one frame in pieces of at most maxWrite.
func (w *writer) large(f outFrame) error {
	w.bulk = f.t != nil
	defer func() { w.bulk = false }()
	b := f.b
	for len(b) > maxWrite {
		if err := w.flush(b[:maxWrite], 0); err != nil {
			return err
		}
		b = b[maxWrite:]
	}
	return w.flush(b, int64(cost(f)))
}

// flush writes b, whose frames cost n, with the stall deadline: extended
// when an eighth of the stall time has passed since it was last set
// (updating a deadline costs a runtime timer change), so a write gets
// between 7/8 of the stall time and all of it.
func (w *writer) flush(b []byte, n int64) error {
	w.begin()
	_, err := w.nc.Write(b)
	err = w.end(err)
	if err == nil && n > 0 {
		w.o.sent(n)
	}
	return err
}

// begin starts a socket write: the deadline is extended when due, the
// write is marked as in progress for the hub (outbox.writing, cleared by
// end), and the records of a TLS write of file chunks are gathered (only
// those: a gathered write holds up to maxWrite more while the peer is slow
// to take it, and chat to thousands of stalled peers must not).
func (w *writer) begin() {
	now := time.Now()
	if now.Sub(w.setAt) >= w.o.stall/8 {
		w.o.extend(now)
		w.setAt = now
	}
	w.o.writing.Store(now.UnixNano())
	if w.rec != nil && w.bulk {
		w.rec.gather()
	}
}

// end finishes the write begin started, given its error: the records
// gathered are sent.
func (w *writer) end(err error) error {
	if w.rec != nil && w.bulk {
		if serr := w.rec.send(); err == nil {
			err = serr
		}
	}
	w.o.writing.Store(0)
	return err
}

// bucket is flood control: a token bucket whose debt is paid by waiting.
type bucket struct {
	tokens float64
	burst  float64
	rate   float64 // tokens per second
	last   time.Time
}

func newBucket(burst int, rate float64, now time.Time) *bucket {
	return &bucket{tokens: float64(burst), burst: float64(burst), rate: rate, last: now}
}

// take spends a token and returns how long to wait before acting on it.
func (b *bucket) take(now time.Time) time.Duration {
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// refuseConn answers a connection refused at accept (server full, too many
// from one address) without starting its reader and writer: one bounded
// goroutine writes the refusal and closes gracefully.
func (h *hub) refuseConn(nc net.Conn, m wire.Message) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		deadline := time.Now().Add(closeGrace)
		nc.SetDeadline(deadline)
		if _, err := nc.Write(wire.Encode(m)); err == nil {
			if cw, ok := nc.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			io.Copy(io.Discard, nc)
		}
		nc.Close()
	}()
}
