package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
	"go.uber.org/goleak"
)

// Every wait in these tests is bounded by this.
const waitLimit = 5 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testLogger logs to the test when -v is given.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// fast makes the session's internal waits short for tests.
func fast(o *options) {
	o.linger = 200 * time.Millisecond
	o.echoGrace = 200 * time.Millisecond
}

// --- A fake server, scripted by the test ----------------------------------

type fakeServer struct {
	t     testing.TB
	mu    sync.Mutex
	ln    net.Listener
	addr  string
	conns chan net.Conn
	wg    sync.WaitGroup
	open  []net.Conn
}

func newFakeServer(t testing.TB) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, conns: make(chan net.Conn, 64)}
	f.listen("127.0.0.1:0")
	t.Cleanup(f.close)
	return f
}

func (f *fakeServer) listen(addr string) {
	f.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		f.t.Fatalf("listen %s: %v", addr, err)
	}
	f.mu.Lock()
	f.ln, f.addr = ln, ln.Addr().String()
	f.mu.Unlock()
	f.wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.open = append(f.open, nc)
			f.mu.Unlock()
			select {
			case f.conns <- nc:
			default:
				nc.Close()
			}
		}
	})
}

// stopListening closes the listener (connections stay).
func (f *fakeServer) stopListening() {
	f.mu.Lock()
	ln := f.ln
	f.ln = nil
	f.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	f.wg.Wait()
}

// relisten listens again on the same address.
func (f *fakeServer) relisten() {
	f.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		ln, err := net.Listen("tcp", f.addr)
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("relisten %s: %v", f.addr, err)
		}
		time.Sleep(10 * time.Millisecond) // the port is in TIME_WAIT or similar: poll, bounded
	}
	f.listen(f.addr)
}

func (f *fakeServer) close() {
	f.stopListening()
	f.mu.Lock()
	for _, nc := range f.open {
		nc.Close()
	}
	f.mu.Unlock()
}

// accept returns the next connection.
func (f *fakeServer) accept() *peer {
	f.t.Helper()
	select {
	case nc := <-f.conns:
		return f.peer(nc)
	case <-time.After(waitLimit):
		f.t.Fatal("no connection came")
		return nil
	}
}

// peer wraps a connection the fake server accepted: it runs the TLS
// handshake and sends a challenge, as the real server does.
func (f *fakeServer) peer(nc net.Conn) *peer {
	f.t.Helper()
	tc := tls.Server(nc, fakeIdentity().ServerTLS())
	tc.SetDeadline(time.Now().Add(waitLimit))
	if err := tc.Handshake(); err != nil {
		f.t.Fatalf("fake server: TLS handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	p := &peer{t: f.t, nc: tc, rd: wire.NewReader(tc, wire.DefaultMaxFrame)}
	p.send(wire.Challenge{Version: wire.Version, Nonce: [32]byte{7}, Server: "fake"})
	return p
}

// fakeIdentity is the fake server's certificate, made once.
var fakeIdentity = sync.OnceValue(func() *trust.Identity {
	id, err := trust.NewIdentity("fake")
	if err != nil {
		panic(err)
	}
	return id
})

// trustAll pins every server without asking, for tests that are not about
// trust.
func trustAll(o *options) { o.autoTrust = true }

// noConnection asserts that nobody connects for d.
func (f *fakeServer) noConnection(d time.Duration) {
	f.t.Helper()
	select {
	case nc := <-f.conns:
		f.t.Fatalf("unexpected connection from %s", nc.RemoteAddr())
	case <-time.After(d):
	}
}

// peer is the server's side of one client connection.
type peer struct {
	t  testing.TB
	nc net.Conn
	rd *wire.Reader
}

func (p *peer) send(ms ...wire.Message) {
	p.t.Helper()
	var b []byte
	for _, m := range ms {
		b = wire.AppendFrame(b, m)
	}
	p.nc.SetWriteDeadline(time.Now().Add(waitLimit))
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatalf("fake server write: %v", err)
	}
}

// read returns the next message from the client.
func (p *peer) read() wire.Message {
	p.t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(waitLimit))
	m, err := p.rd.ReadMessage()
	if err != nil {
		p.t.Fatalf("fake server read: %v", err)
	}
	return m
}

// readErr returns the next message or the read error, waiting at most d.
func (p *peer) readErr(d time.Duration) (wire.Message, error) {
	p.nc.SetReadDeadline(time.Now().Add(d))
	return p.rd.ReadMessage()
}

// expect reads the next message and checks its type.
func expect[T wire.Message](p *peer) T {
	p.t.Helper()
	m := p.read()
	v, ok := m.(T)
	if !ok {
		var zero T
		p.t.Fatalf("fake server: expected %T, got %#v", zero, m)
	}
	return v
}

// expectEOF asserts that the client closes the connection (after a Quit if
// quit is set).
func (p *peer) expectEOF(quit bool) {
	p.t.Helper()
	if quit {
		expect[wire.Quit](p)
	}
	if m, err := p.readErr(waitLimit); !errors.Is(err, io.EOF) {
		p.t.Fatalf("expected EOF, got %v %v", m, err)
	}
}

// nothing asserts that the client sends nothing for d.
func (p *peer) nothing(d time.Duration) {
	p.t.Helper()
	m, err := p.readErr(d)
	if err == nil {
		p.t.Fatalf("unexpected frame from the client: %#v", m)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		p.t.Fatalf("unexpected read error: %v", err)
	}
}

// welcome does the server's side of a handshake and returns the Hello.
func (p *peer) welcome(w wire.Welcome, users ...string) wire.Hello {
	p.t.Helper()
	h := expect[wire.Hello](p)
	if w.Nick == "" {
		w.Nick = h.Nick
	}
	if w.Lobby == "" {
		w.Lobby = wire.Lobby
	}
	if w.Server == "" {
		w.Server = "fake"
	}
	w.Version = wire.Version
	if users == nil {
		users = []string{w.Nick}
	}
	p.send(w, wire.UserList{Room: w.Lobby, Flags: wire.ListFirst | wire.ListLast, Users: users})
	return h
}

func (p *peer) close() { p.nc.Close() }

// --- The client under test -------------------------------------------------

type harness struct {
	t       testing.TB
	cmds    chan Command
	events  chan Event
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

func startClient(t testing.TB, opts ...Option) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, cmds: make(chan Command), events: make(chan Event), cancel: cancel, done: make(chan error, 1)}
	opts = append([]Option{WithLogger(testLogger(t)), WithBackoff(10*time.Millisecond, 40*time.Millisecond),
		WithDownloadDir(t.TempDir()), WithDataDir(t.TempDir()), trustAll, fast}, opts...)
	go func() { h.done <- Run(ctx, h.cmds, h.events, opts...) }()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) do(cmds ...Command) {
	h.t.Helper()
	for _, c := range cmds {
		select {
		case h.cmds <- c:
		case <-time.After(waitLimit):
			h.t.Fatalf("the session did not take %#v", c)
		}
	}
}

// next returns the next event.
func (h *harness) next() Event {
	h.t.Helper()
	select {
	case ev, ok := <-h.events:
		if !ok {
			h.t.Fatal("events closed")
		}
		return ev
	case <-time.After(waitLimit):
		h.t.Fatal("no event came")
		return nil
	}
}

// nextIs returns the next event, which must be a T.
func nextIs[T Event](h *harness) T {
	h.t.Helper()
	ev := h.next()
	v, ok := ev.(T)
	if !ok {
		var zero T
		h.t.Fatalf("expected %T, got %#v", zero, ev)
	}
	return v
}

// waitFor skips events until a T comes, and returns it with those skipped.
func waitFor[T Event](h *harness) (T, []Event) {
	h.t.Helper()
	var skipped []Event
	deadline := time.After(waitLimit)
	for {
		select {
		case ev, ok := <-h.events:
			if !ok {
				h.t.Fatalf("events closed while waiting; skipped %v", skipped)
			}
			if v, ok := ev.(T); ok {
				return v, skipped
			}
			skipped = append(skipped, ev)
		case <-deadline:
			var zero T
			h.t.Fatalf("no %T came; skipped %#v", zero, skipped)
		}
	}
}

// quiet asserts that no event comes for d.
func (h *harness) quiet(d time.Duration) {
	h.t.Helper()
	select {
	case ev := <-h.events:
		h.t.Fatalf("unexpected event %#v", ev)
	case <-time.After(d):
	}
}

// stop closes cmds, drains events until closed and checks Run returned.
func (h *harness) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	close(h.cmds)
	deadline := time.After(waitLimit)
	for {
		select {
		case _, ok := <-h.events:
			if ok {
				continue
			}
		case <-deadline:
			h.cancel()
			h.t.Error("events were not closed after cmds was")
			return
		}
		break
	}
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run returned %v after cmds closed", err)
		}
	case <-time.After(waitLimit):
		h.t.Error("Run did not return")
	}
	h.cancel()
}

// connect connects h to f as nick and does the handshake with the given
// lobby members; it returns the server's peer and the Connected event.
func connect(h *harness, f *fakeServer, nick string, users ...string) (*peer, Connected) {
	h.t.Helper()
	h.do(Connect{Addr: f.addr, Nick: nick})
	p := f.accept()
	p.welcome(wire.Welcome{Nick: nick, MaxText: wire.DefaultMaxText, MaxFrame: wire.DefaultMaxFrame}, users...)
	c := nextIs[Connected](h)
	nextIs[Users](h)
	return p, c
}

// rejoins expects the session, which has reported a lost connection, to
// retry and come back to f; it does the server's side of the handshake and
// returns the Connected, which must be a rejoin.
func rejoins(h *harness, f *fakeServer) Connected {
	h.t.Helper()
	nextIs[Reconnecting](h)
	f.accept().welcome(wire.Welcome{})
	c, _ := waitFor[Connected](h)
	if !c.Rejoin {
		h.t.Fatalf("connected: %#v", c)
	}
	return c
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", what, got, want)
	}
}

func tempFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := fmt.Sprintf("%s/%s", t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
