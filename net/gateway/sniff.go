// Package gateway holds what MultiChat's protocol gateways share. Sniff wraps
// the server's listener so that one port serves MultiChat clients (plain or
// TLS) and seed-001 "classic" clients: it reads a connection's first bytes
// and tells them apart. The gateways themselves (net/gateway/classic,
// net/gateway/irc) translate their protocol to and from MultiChat's wire
// messages and reach the hub through server.Port, the way a connection does.
package gateway

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// Kind is what a connection's first bytes say it speaks.
type Kind uint8

const (
	// KindNative is a MultiChat frame, or anything not recognised (the
	// hub's handshake answers it).
	KindNative Kind = iota
	// KindTLS is a TLS ClientHello: a handshake record, 0x16 0x03.
	KindTLS
	// KindClassic is a seed-001 JOIN frame: a 4-byte length, then 0x03.
	KindClassic
)

func (k Kind) String() string {
	switch k {
	case KindTLS:
		return "tls"
	case KindClassic:
		return "classic"
	}
	return "native"
}

// classicJoin is the seed-001 JOIN frame type. MultiChat's first frame is a
// Hello (0x10), so the type byte after the length tells the two apart.
const classicJoin = 0x03

// Classify reads what the first bytes of a connection say. It needs one byte
// for TLS and five (length and type) for a frame; with fewer it returns
// more = true.
func Classify(b []byte) (k Kind, more bool) {
	switch {
	case len(b) == 0:
		return KindNative, true
	case b[0] == 0x16: // TLS handshake record; a frame's length never starts with 0x16 (16 MiB cap)
		if len(b) < 2 {
			return KindTLS, true
		}
		if b[1] == 0x03 {
			return KindTLS, false
		}
		return KindNative, false
	case b[0] != 0: // a length of 16 MiB or more: no frame of either protocol
		return KindNative, false
	case len(b) < 5:
		return KindNative, true
	case b[4] == classicJoin:
		return KindClassic, false
	}
	return KindNative, false
}

// SniffConfig says where sniffed connections go.
type SniffConfig struct {
	// Classic serves seed-001 clients. It is called on the sniffing
	// goroutine and must return promptly (start the session and return).
	// Nil: classic clients are passed on as native (the hub answers them
	// with error 17), which is what a server that does not allow
	// unencrypted classic clients does.
	Classic func(net.Conn)
	// ClassicOn, when set, is asked for each classic client: while it
	// returns false (the admin has switched classic clients off) they are
	// passed on as native, as with a nil Classic.
	ClassicOn func() bool
	// TLS, when set, wraps connections that start with a ClientHello in
	// tls.Server before Accept returns them.
	TLS *tls.Config
	// Timeout bounds the wait for the first bytes (default 10 s). A client
	// that stays silent longer is passed on as native with what it sent,
	// so that the hub's own handshake timeout answers it.
	Timeout time.Duration
}

// Conn is a sniffed connection: the bytes read to classify it are read again
// first.
type Conn struct {
	net.Conn
	kind Kind
	head []byte
}

// Kind says what the connection's first bytes were.
func (c *Conn) Kind() Kind { return c.kind }

func (c *Conn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite half-closes the socket where it can (a final frame is then
// delivered before the close; see server's closeGracefully).
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// KindOf reports what an accepted connection speaks: KindTLS for a
// *tls.Conn, the sniffed kind for a *Conn, KindNative otherwise.
func KindOf(nc net.Conn) Kind {
	switch c := nc.(type) {
	case *tls.Conn:
		return KindTLS
	case *Conn:
		return c.kind
	}
	return KindNative
}

// maxSniffing bounds the connections being sniffed at once; beyond it the
// accept loop waits (the kernel's backlog then holds new connections).
const maxSniffing = 512

type accepted struct {
	nc  net.Conn
	err error
}

// sniffer is the listener Sniff returns.
type sniffer struct {
	net.Listener
	cfg    SniffConfig
	ready  chan accepted
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	slots  chan struct{}

	mu       sync.Mutex
	sniffing map[net.Conn]struct{}
}

// Sniff wraps ln: Accept returns the connections that speak MultiChat (as a
// *Conn, or a *tls.Conn when cfg.TLS is set and the client opened with TLS);
// classic clients go to cfg.Classic. Classification runs on a goroutine per
// connection, so that a slow client delays nobody. Close closes ln and waits
// for those goroutines.
func Sniff(ln net.Listener, cfg SniffConfig) net.Listener {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	s := &sniffer{
		Listener: ln,
		cfg:      cfg,
		ready:    make(chan accepted),
		closed:   make(chan struct{}),
		slots:    make(chan struct{}, maxSniffing),
		sniffing: make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s
}

func (s *sniffer) Accept() (net.Conn, error) {
	select {
	case a := <-s.ready:
		return a.nc, a.err
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

func (s *sniffer) Close() error {
	err := net.ErrClosed
	s.once.Do(func() {
		close(s.closed)
		err = s.Listener.Close()
		s.mu.Lock()
		for nc := range s.sniffing {
			nc.SetReadDeadline(time.Now()) // ends the read; the goroutine closes nc
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return err
}

func (s *sniffer) acceptLoop() {
	defer s.wg.Done()
	var delay time.Duration
	for {
		select {
		case s.slots <- struct{}{}:
		case <-s.closed:
			return
		}
		nc, err := s.Listener.Accept()
		if err != nil {
			<-s.slots
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select { // the caller backs off too; this loop must not spin meanwhile
			case s.ready <- accepted{err: err}:
			case <-s.closed:
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.closed:
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		s.mu.Lock()
		select {
		case <-s.closed: // Close has already ended the others' reads
			s.mu.Unlock()
			nc.Close()
			<-s.slots
			return
		default:
		}
		s.sniffing[nc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.sniff(nc)
	}
}

// sniff classifies nc and hands it on.
func (s *sniffer) sniff(nc net.Conn) {
	defer s.wg.Done()
	kind, head, err := classify(nc, s.cfg.Timeout)
	s.mu.Lock()
	delete(s.sniffing, nc)
	s.mu.Unlock()
	<-s.slots
	var timeout net.Error
	if err != nil && !(errors.As(err, &timeout) && timeout.Timeout()) {
		nc.Close() // gone before saying anything useful
		return
	}
	select {
	case <-s.closed:
		nc.Close()
		return
	default:
	}
	nc.SetReadDeadline(time.Time{})
	c := &Conn{Conn: nc, kind: kind, head: head}
	var out net.Conn = c
	switch {
	case kind == KindClassic && s.cfg.Classic != nil && (s.cfg.ClassicOn == nil || s.cfg.ClassicOn()):
		s.cfg.Classic(c)
		return
	case kind == KindTLS && s.cfg.TLS != nil:
		out = tls.Server(c, s.cfg.TLS)
	}
	select {
	case s.ready <- accepted{nc: out}:
	case <-s.closed:
		nc.Close()
	}
}

// classify reads until Classify has enough bytes, the timeout passes or the
// read fails.
func classify(nc net.Conn, timeout time.Duration) (Kind, []byte, error) {
	nc.SetReadDeadline(time.Now().Add(timeout))
	head := make([]byte, 0, 5)
	for {
		k, more := Classify(head)
		if !more {
			return k, head, nil
		}
		n, err := nc.Read(head[len(head):cap(head)])
		head = head[:len(head)+n]
		if err != nil && n == 0 {
			k, _ := Classify(head)
			return k, head, err
		}
	}
}
