package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	passwordCost = bcrypt.MinCost
	goleak.VerifyTestMain(m)
}

// wait is the default bound on any single wait in these tests.
const wait = 5 * time.Second

// testConfig is a Config for tests: flood control off unless a test turns it
// on, short close times.
func testConfig() Config {
	return Config{FloodBurst: -1, MaxPerIP: -1, Identity: testIdentity()}
}

// testIdentity is the TLS certificate of the tests' servers, made once.
var testIdentity = sync.OnceValue(func() *trust.Identity {
	id, err := trust.NewIdentity("test")
	if err != nil {
		panic(err)
	}
	return id
})

// tlsDial connects over TLS and reads the server's challenge, for tests
// that drive raw connections from several goroutines (no testing.T calls).
func tlsDial(addr string) (*tls.Conn, *wire.Reader, wire.Challenge, trust.Fingerprint, error) {
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, nil, wire.Challenge{}, trust.Fingerprint{}, err
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(wait))
	if err := tc.Handshake(); err != nil {
		nc.Close()
		return nil, nil, wire.Challenge{}, trust.Fingerprint{}, err
	}
	fp := trust.FingerprintOf(tc.ConnectionState().PeerCertificates[0].Raw)
	r := wire.NewReader(bufio.NewReader(tc), 0)
	m, err := r.ReadMessage()
	ch, ok := m.(wire.Challenge)
	if err == nil && !ok {
		err = fmt.Errorf("first frame %T, want challenge", m)
	}
	if err != nil {
		tc.Close()
		return nil, nil, wire.Challenge{}, trust.Fingerprint{}, err
	}
	return tc, r, ch, fp, nil
}

// provenHello is a hello from a new device that proves itself.
func provenHello(nick string, ch wire.Challenge, fp trust.Fingerprint) wire.Hello {
	dev := trust.NewDeviceKey()
	return wire.Hello{Version: wire.Version, Nick: nick, Device: dev.Pub, Proof: dev.Prove(ch.Nonce, fp)}
}

// harness runs Run with a recorded event stream.
type harness struct {
	t      *testing.T
	cmds   chan Command
	done   chan error
	addr   string
	mu     sync.Mutex
	evs    []Event
	notify chan struct{}
	closed bool
}

// startServer runs a server listening on 127.0.0.1:0 and stops it when the
// test ends.
func startServer(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := newHarness(t, cfg)
	h.cmds <- Start{Addr: "127.0.0.1:0"}
	h.addr = waitEvent[Started](h).Addr
	return h
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = testLogger(t)
	}
	h := &harness{t: t, cmds: make(chan Command, 16), done: make(chan error, 1), notify: make(chan struct{}, 1)}
	events := make(chan Event) // unbuffered: Run must never depend on a fast reader
	go func() { h.done <- Run(context.Background(), cfg, h.cmds, events) }()
	go func() {
		for ev := range events {
			h.mu.Lock()
			h.evs = append(h.evs, ev)
			h.mu.Unlock()
			select {
			case h.notify <- struct{}{}:
			default:
			}
		}
		h.mu.Lock()
		h.closed = true
		h.mu.Unlock()
		select {
		case h.notify <- struct{}{}:
		default:
		}
	}()
	t.Cleanup(h.close)
	return h
}

// close ends Run (closing cmds) and waits for it and its event stream.
func (h *harness) close() {
	h.mu.Lock()
	if h.cmds == nil {
		h.mu.Unlock()
		return
	}
	cmds := h.cmds
	h.cmds = nil
	h.mu.Unlock()
	close(cmds)
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Fatalf("Run did not return within 10 s of cmds closing")
	}
	deadline := time.Now().Add(wait)
	for {
		h.mu.Lock()
		closed := h.closed
		h.mu.Unlock()
		if closed {
			for _, ev := range h.events() {
				if e, ok := ev.(Error); ok && e.Op == "internal" {
					h.t.Errorf("internal error: %v", e.Err)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("events not closed after Run returned")
		}
		select {
		case <-h.notify:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (h *harness) send(c Command) { h.cmds <- c }

// events returns a copy of the events so far.
func (h *harness) events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.evs)
}

// waitFor waits until an event after index from satisfies ok and returns it
// with its index.
func (h *harness) waitFor(from int, ok func(Event) bool, what string) (Event, int) {
	h.t.Helper()
	ev, i, err := h.tryWait(from, ok)
	if err != nil {
		h.t.Fatalf("waiting for %s: %v; events: %v", what, err, h.events())
	}
	return ev, i
}

// tryWait is waitFor for goroutines other than the test's.
func (h *harness) tryWait(from int, ok func(Event) bool) (Event, int, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		for i := from; i < len(h.evs); i++ {
			if ok(h.evs[i]) {
				ev := h.evs[i]
				h.mu.Unlock()
				return ev, i, nil
			}
		}
		from = len(h.evs)
		closed := h.closed
		h.mu.Unlock()
		if closed {
			return nil, 0, errors.New("events closed")
		}
		select {
		case <-h.notify:
		case <-deadline.C:
			return nil, 0, fmt.Errorf("nothing within %v", wait)
		}
	}
}

func waitEvent[E Event](h *harness) E {
	h.t.Helper()
	ev, _ := h.waitFor(0, func(e Event) bool { _, ok := e.(E); return ok }, fmt.Sprintf("%T", *new(E)))
	return ev.(E)
}

func (h *harness) inspect(f func(*hub)) {
	h.t.Helper()
	done := make(chan struct{})
	h.send(inspect{f: func(hb *hub) { f(hb); close(done) }})
	select {
	case <-done:
	case <-time.After(wait):
		h.t.Fatalf("inspect: the hub did not answer within %v", wait)
	}
}

// counts returns the hub's connections and members.
func (h *harness) counts() (conns, members int) {
	h.inspect(func(hb *hub) { conns, members = len(hb.conns), len(hb.members) })
	return
}

// ---- a raw protocol client ----

type client struct {
	t    testing.TB
	nc   net.Conn
	r    *wire.Reader
	nick string
	list []string // lobby list from the welcome

	// ops: the test reads room-ops frames; otherwise next skips them (as it
	// skips pings) for the tests written before room operators, and keeps
	// the last one of each room in lastOps.
	ops     bool
	lastOps map[string][]string

	challenge wire.Challenge    // the server's first frame
	fp        trust.Fingerprint // the server's certificate (zero in plaintext)
	dev       *trust.DeviceKey  // this client's device key (a new one unless set)
	password  string            // sent in the hello
}

// dial connects over TLS (as the servers of these tests run unless their
// Config says Plaintext) and reads the server's challenge.
func dial(t testing.TB, addr string) *client {
	t.Helper()
	return dialRaw(t, addr).secure()
}

// secure runs the TLS handshake on c's connection and reads the challenge.
func (c *client) secure() *client {
	c.t.Helper()
	tc := tls.Client(c.nc, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(wait))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	c.fp = trust.FingerprintOf(tc.ConnectionState().PeerCertificates[0].Raw)
	c.nc, c.r = tc, wire.NewReader(bufio.NewReader(tc), wire.AbsoluteMaxFrame)
	c.challenge = expect[wire.Challenge](c)
	return c
}

// dialPlain connects without TLS (a Plaintext server) and reads the
// challenge.
func dialPlain(t testing.TB, addr string) *client {
	t.Helper()
	c := dialRaw(t, addr)
	c.challenge = expect[wire.Challenge](c)
	return c
}

// dialRaw connects and reads nothing.
func dialRaw(t testing.TB, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, r: wire.NewReader(bufio.NewReader(nc), wire.AbsoluteMaxFrame), dev: trust.NewDeviceKey()}
}

// helloFor is the hello c sends for nick: its device key, the proof over
// the challenge and the server's fingerprint, its password.
func (c *client) helloFor(nick string) wire.Hello {
	return wire.Hello{Version: wire.Version, Nick: nick, Device: c.dev.Pub,
		Proof: c.dev.Prove(c.challenge.Nonce, c.fp), Password: c.password}
}

func (c *client) send(ms ...wire.Message) {
	c.t.Helper()
	var b []byte
	for _, m := range ms {
		b = wire.AppendFrame(b, m)
	}
	c.write(b)
}

func (c *client) write(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("%s: write: %v", c.nick, err)
	}
}

// read returns the next message (answering nothing), or an error.
func (c *client) read(d time.Duration) (wire.Message, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	return c.r.ReadMessage()
}

// next returns the next message that is not a ping, failing the test on error.
func (c *client) next() wire.Message {
	c.t.Helper()
	for {
		m, err := c.read(wait)
		if err != nil {
			c.t.Fatalf("%s: read: %v", c.nick, err)
		}
		if p, ok := m.(wire.Ping); ok {
			c.send(wire.Pong{Token: p.Token})
			continue
		}
		if ro, ok := m.(wire.RoomOps); ok && !c.ops {
			if c.lastOps == nil {
				c.lastOps = map[string][]string{}
			}
			c.lastOps[ro.Room] = ro.Ops
			continue
		}
		return m
	}
}

// expect reads the next message and fails unless it is an M.
func expect[M wire.Message](c *client) M {
	c.t.Helper()
	m := c.next()
	v, ok := m.(M)
	if !ok {
		c.t.Fatalf("%s: got %T %+v, want %T", c.nick, m, m, *new(M))
	}
	return v
}

// until reads until an M arrives, skipping others.
func until[M wire.Message](c *client) M {
	c.t.Helper()
	for {
		if v, ok := c.next().(M); ok {
			return v
		}
	}
}

// expectEOF reads until the server closes the connection, failing if any
// message other than those allowed arrives first.
func (c *client) expectEOF() {
	c.t.Helper()
	for {
		m, err := c.read(wait)
		if _, ops := m.(wire.RoomOps); err == nil && ops && !c.ops {
			continue // skipped as next skips it
		}
		if err == nil {
			c.t.Fatalf("%s: got %T %+v, want the connection closed", c.nick, m, m)
		}
		if errors.Is(err, io.EOF) || isReset(err) {
			return
		}
		c.t.Fatalf("%s: want EOF, got %v", c.nick, err)
	}
}

// closed reads until the server closes the connection, skipping whatever
// arrives first.
func (c *client) closed() {
	c.t.Helper()
	for {
		if _, err := c.read(wait); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.t.Fatalf("%s: connection still open", c.nick)
			}
			return
		}
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !errors.Is(err, os.ErrDeadlineExceeded)
}

// hello sends Hello and returns the answer (Welcome or Refused).
func (c *client) hello(nick string) wire.Message {
	c.t.Helper()
	c.nick = nick
	c.send(c.helloFor(nick))
	return c.next()
}

// readList reads UserList chunks of room until ListLast.
func (c *client) readList(room string) []string {
	c.t.Helper()
	var users []string
	for first := true; ; first = false {
		ul := expect[wire.UserList](c)
		if ul.Room != room {
			c.t.Fatalf("%s: user list of %q, want %q", c.nick, ul.Room, room)
		}
		if first != (ul.Flags&wire.ListFirst != 0) {
			c.t.Fatalf("%s: user list flags %d out of order", c.nick, ul.Flags)
		}
		users = append(users, ul.Users...)
		if ul.Flags&wire.ListLast != 0 {
			return users
		}
	}
}

// devices holds the device key of each nickname join has used, so that a
// nickname that joins again is the same person coming back (the server
// binds nicknames to devices).
var devices = struct {
	sync.Mutex
	m map[string]*trust.DeviceKey
}{m: map[string]*trust.DeviceKey{}}

// deviceFor returns the device key join uses for nick.
func deviceFor(nick string) *trust.DeviceKey {
	devices.Lock()
	defer devices.Unlock()
	k := wire.FoldKey(nick)
	if devices.m[k] == nil {
		devices.m[k] = trust.NewDeviceKey()
	}
	return devices.m[k]
}

// join connects as nick (from nick's own device, see deviceFor) and reads
// the welcome and the lobby list.
func join(t testing.TB, addr, nick string) *client {
	t.Helper()
	c := dial(t, addr)
	c.dev = deviceFor(nick)
	m := c.hello(nick)
	w, ok := m.(wire.Welcome)
	if !ok {
		t.Fatalf("%s: got %T %+v, want welcome", nick, m, m)
	}
	if w.Nick != nick || w.Lobby != wire.Lobby || w.Version != wire.Version {
		t.Fatalf("%s: bad welcome %+v", nick, w)
	}
	c.list = c.readList(wire.Lobby)
	if !slices.Contains(c.list, nick) {
		t.Fatalf("%s: lobby list %v lacks self", nick, c.list)
	}
	return c
}

// joinAll joins nicks in order, then has each client but the last read the
// Joined frames of those who came after it.
func joinAll(t testing.TB, addr string, nicks ...string) []*client {
	t.Helper()
	cs := make([]*client, len(nicks))
	for i, nick := range nicks {
		cs[i] = join(t, addr, nick)
	}
	for _, c := range cs[:len(cs)-1] {
		c.sync()
	}
	return cs
}

// sync makes sure every frame the server sent c before now has been read:
// it pings and reads up to the pong, returning what came before it.
func (c *client) sync() []wire.Message {
	c.t.Helper()
	token := uint64(time.Now().UnixNano())
	c.send(wire.Ping{Token: token})
	var got []wire.Message
	for {
		m := c.next()
		if p, ok := m.(wire.Pong); ok && p.Token == token {
			return got
		}
		got = append(got, m)
	}
}

// quiet asserts that nothing but what is allowed arrived for c so far.
func (c *client) quiet() {
	c.t.Helper()
	if got := c.sync(); len(got) > 0 {
		c.t.Fatalf("%s: unexpected frames %+v", c.nick, got)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b[:len(b)-1]))
	return len(b), nil
}

func equalSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return reflect.DeepEqual(a, b)
}

// waitCounts waits until the hub holds conns connections and members members.
func (h *harness) waitCounts(conns, members int) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, m := h.counts()
		if c == conns && m == members {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d connections and %d members, want %d and %d", c, m, conns, members)
		}
		time.Sleep(5 * time.Millisecond) // polling the hub's counts: there is no event to wait on
	}
}
