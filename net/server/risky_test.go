package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// The server's risky paths: accept errors, the hub's panic recovery,
// stopping during a file transfer, the file relay's abort rules, and the
// test helper's own failure reporting.

// emfileListener is a listener whose first fails Accept calls fail as when
// the process is out of file descriptors; it records when each call came.
type emfileListener struct {
	net.Listener
	mu     sync.Mutex
	fails  int
	calls  []time.Time
	failed chan struct{} // a token per failed call, when not nil
}

func (l *emfileListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.calls = append(l.calls, time.Now())
	fail := l.fails > 0
	if fail {
		l.fails--
	}
	l.mu.Unlock()
	if fail {
		if l.failed != nil {
			select {
			case l.failed <- struct{}{}:
			default:
			}
		}
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

func (l *emfileListener) callTimes() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// logBuffer collects a logger's lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runAcceptLoop serves ln with the hub's own accept loop, as Start does
// for its listener.
func runAcceptLoop(h *harness, ln net.Listener) {
	h.inspect(func(hb *hub) {
		hb.wg.Add(1)
		go hb.acceptLoop(ln, hb.stopping)
	})
}

// TestAcceptErrors: accept failing with EMFILE (out of file descriptors) is
// logged and retried with a growing delay; the server keeps serving, and the
// connection that waited is accepted once accept works again.
func TestAcceptErrors(t *testing.T) {
	var logs logBuffer
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := startServer(t, cfg)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &emfileListener{Listener: inner, fails: 4}
	defer ln.Close()
	runAcceptLoop(h, ln)

	bob := join(t, h.addr, "bob") // the server's own listener keeps working
	alice := join(t, ln.Addr().String(), "alice")
	if j := until[wire.Joined](bob); !slices.Equal(j.Users, []string{"alice"}) {
		t.Fatalf("bob got %+v", j)
	}
	calls := ln.callTimes()
	if len(calls) < 5 {
		t.Fatalf("%d accept calls, want the 4 that failed and one that worked", len(calls))
	}
	for i := 1; i < 5; i++ { // 5, 10, 20, 40 ms
		if gap, min := calls[i].Sub(calls[i-1]), 5*time.Millisecond<<(i-1); gap < min {
			t.Errorf("retry %d came %v after the failure, want at least %v", i, gap, min)
		}
	}
	if n := strings.Count(logs.String(), "accept failed"); n != 4 {
		t.Errorf("%d accept failures logged, want 4:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "too many open files") {
		t.Errorf("the log does not say why accept failed:\n%s", logs.String())
	}
	alice.send(wire.Say{Room: wire.Lobby, Text: "still here"})
	if c := until[wire.Chat](bob); c.From != "alice" || c.Text != "still here" {
		t.Fatalf("bob got %+v", c)
	}
}

// TestAcceptErrorsStop: Stop ends an accept loop that is backing off.
func TestAcceptErrorsStop(t *testing.T) {
	h := startServer(t, testConfig())
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &emfileListener{Listener: inner, fails: 1 << 30, failed: make(chan struct{}, 1)}
	defer ln.Close()
	runAcceptLoop(h, ln)
	for range 3 { // backing off by then
		select {
		case <-ln.failed:
		case <-time.After(wait):
			t.Fatal("the accept loop did not retry")
		}
	}
	start := time.Now()
	h.send(Stop{})
	waitEvent[Stopped](h)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v with an accept loop backing off", d)
	}
}

// dropInternal removes the hub's Error events of a panic a test caused on
// purpose, which the harness would otherwise report when it closes.
func (h *harness) dropInternal() []Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var internal []Error
	h.evs = slices.DeleteFunc(h.evs, func(ev Event) bool {
		e, ok := ev.(Error)
		if ok && e.Op == "internal" {
			internal = append(internal, e)
		}
		return ok && e.Op == "internal"
	})
	return internal
}

// TestPanicRecovery: a handler that panics drops the client that sent the
// frame (the others see it leave with a protocol error), reports an Error
// event, and the server goes on serving everyone else.
func TestPanicRecovery(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	// A nil map makes the next file offer panic inside the hub.
	h.inspect(func(hb *hub) { hb.files = nil })
	alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "a.txt", Size: 1})
	alice.closed()
	if l := until[wire.Left](bob); l.User != "alice" || l.Reason != wire.LeftProtocol {
		t.Fatalf("bob got %+v", l)
	}
	ul, _ := h.waitFor(0, func(e Event) bool { u, ok := e.(UserLeft); return ok && u.Nick == "alice" }, "alice left")
	if r := ul.(UserLeft).Reason; r != wire.LeftProtocol.String() {
		t.Errorf("alice left with reason %q", r)
	}
	h.waitFor(0, func(e Event) bool { ev, ok := e.(Error); return ok && ev.Op == "internal" }, "internal error")
	internal := h.dropInternal()
	if len(internal) != 1 || !strings.Contains(internal[0].Err.Error(), "nil map") {
		t.Fatalf("internal errors: %v", internal)
	}
	h.inspect(func(hb *hub) { hb.files = make(map[uint64]*transfer) })

	carol := join(t, h.addr, "carol")
	bob.sync()
	carol.send(wire.Say{Room: wire.Lobby, Text: "anyone?"})
	if c := until[wire.Chat](bob); c.From != "carol" || c.Text != "anyone?" {
		t.Fatalf("bob got %+v", c)
	}
	if conns, members := h.counts(); conns != 2 || members != 2 {
		t.Fatalf("%d connections, %d members after the panic", conns, members)
	}
}

// TestStopDuringFileTransfer: Stop in the middle of a transfer tells both
// ends the server is stopping, leaves no transfer, connection or goroutine
// behind (goleak checks at the end), and a transfer after a restart works.
func TestStopDuringFileTransfer(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]
	alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "big.bin", Size: 1 << 20})
	id := expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	id = accept(t, bob, alice, id, 0, [wire.FileKeySize]byte{})
	chunk := bytes.Repeat([]byte{7}, wire.MaxChunk)
	alice.send(wire.FileChunk{ID: id, Data: chunk}, wire.FileChunk{ID: id, Data: chunk})
	for range 2 {
		expect[wire.FileChunk](bob)
	}
	alice.send(wire.FileChunk{ID: id, Data: chunk}) // may still be on its way when Stop comes
	from := len(h.events())
	h.send(Stop{})
	for _, c := range []*client{alice, bob} {
		if s := until[wire.Stopping](c); s.Reason == "" {
			t.Errorf("%s: stopping without a reason", c.nick)
		}
		// An acknowledgement of a chunk that was on its way may be queued
		// between the stopping frame and the close (acks bypass the hub's
		// batch); nothing else may follow.
		for {
			m, err := c.read(wait)
			if err != nil {
				if !errors.Is(err, io.EOF) && !isReset(err) {
					t.Fatalf("%s: want EOF, got %v", c.nick, err)
				}
				break
			}
			if _, ok := m.(wire.FileAck); !ok {
				t.Fatalf("%s: got %T %+v after stopping, want the connection closed", c.nick, m, m)
			}
		}
	}
	h.waitFor(from, func(e Event) bool { _, ok := e.(Stopped); return ok }, "Stopped")
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 || len(hb.conns) != 0 {
			t.Errorf("after Stop: %d transfers, %d connections", len(hb.files), len(hb.conns))
		}
	})

	from = len(h.events())
	h.send(Start{Addr: h.addr})
	h.waitFor(from, func(e Event) bool { _, ok := e.(Started); return ok }, "Started again")
	cs = joinAll(t, h.addr, "alice", "bob")
	alice, bob = cs[0], cs[1]
	data := bytes.Repeat([]byte("after restart "), 10_000)
	alice.send(wire.FileOffer{Ref: 2, To: "bob", Name: "again.bin", Size: uint64(len(data))})
	id = expect[wire.FileOffered](alice).ID
	expect[wire.FileOffered](bob)
	leg := accept(t, bob, alice, id, 0, [wire.FileKeySize]byte{})
	type result struct {
		data []byte
		sum  [32]byte
		err  error
	}
	got := make(chan result, 1)
	go func() {
		d, s, err := receiveFile(bob, id)
		got <- result{d, s, err}
	}()
	sendFile(t, alice, leg, data, 0)
	r := <-got
	if r.err != nil || !bytes.Equal(r.data, data) || r.sum != sha256.Sum256(data) {
		t.Fatalf("after a restart bob got %d bytes (%v), want %d", len(r.data), r.err, len(data))
	}
}

// offer makes from offer a file of size bytes to a user or a room and
// returns the transfer ID, after each recipient has read the offer.
func offer(t *testing.T, from *client, ref uint32, to, room string, size uint64, recipients ...*client) uint64 {
	t.Helper()
	from.send(wire.FileOffer{Ref: ref, To: to, Room: room, Name: fmt.Sprintf("f%d.bin", ref), Size: size})
	id := until[wire.FileOffered](from).ID // after FileAcks of earlier transfers
	for _, r := range recipients {
		if o := expect[wire.FileOffered](r); o.ID != id {
			t.Fatalf("%s got offer %d, want %d", r.nick, o.ID, id)
		}
	}
	return id
}

func expectAbort(t *testing.T, c *client, id uint64, reason string) {
	t.Helper()
	a := expect[wire.FileAbort](c)
	if a.ID != id || !strings.Contains(a.Reason, reason) {
		t.Fatalf("%s got %+v, want an abort of %d saying %q", c.nick, a, id, reason)
	}
}

func expectError(t *testing.T, c *client, code wire.ErrorCode) {
	t.Helper()
	if e := expect[wire.Error](c); e.Code != code {
		t.Fatalf("%s got %+v, want code %v", c.nick, e, code)
	}
}

// TestFileAbortRules covers who may end a transfer or a leg and who is told.
func TestFileAbortRules(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := cs[0], cs[1], cs[2], cs[3]
	for _, c := range []*client{alice, bob, carol} {
		c.send(wire.Join{Room: "share"})
		c.readList("share")
	}
	for _, c := range []*client{alice, bob} {
		until[wire.Joined](c) // carol's join of share (alice also sees bob's)
		c.sync()
	}
	carol.sync()
	var none [wire.FileKeySize]byte

	// FileEnd before the offered size: the leg fails, both ends are told.
	id := offer(t, alice, 1, "bob", "", 100, bob)
	leg := accept(t, bob, alice, id, 0, none)
	alice.send(wire.FileChunk{ID: leg, Data: []byte("ten bytes!")})
	expect[wire.FileChunk](bob)
	alice.send(wire.FileEnd{ID: leg})
	expectAbort(t, bob, id, "ended after 10 of 100 bytes")
	if st := until[wire.FileStatus](alice); st.ID != id || st.Leg != leg || st.State != wire.RecipientCanceled { // after the chunk's FileAck
		t.Fatalf("alice got %+v", st)
	}
	expect[wire.FileClosed](alice)

	// The sender cancelling: recipients are told, the sender is not.
	id = offer(t, alice, 2, "bob", "", 100, bob)
	alice.send(wire.FileAbort{ID: id, Reason: "changed my mind"})
	expectAbort(t, bob, id, "canceled by the sender")
	alice.quiet()

	// Only the sender feeds or ends a leg; only a transfer's parties abort
	// or accept it.
	id = offer(t, alice, 3, "", "share", 100, bob, carol)
	dave.send(wire.FileAbort{ID: id}, wire.FileAccept{ID: id})
	expectError(t, dave, wire.CodeNoTransfer)
	expectError(t, dave, wire.CodeNoTransfer)
	dave.send(wire.FileAbort{ID: 1 << 40})
	expectError(t, dave, wire.CodeNoTransfer)

	// In a room, one recipient canceling leaves the others in; the last one
	// answering closes the transfer.
	bobLeg := accept(t, bob, alice, id, 0, none)
	carolLeg := accept(t, carol, alice, id, 0, none)
	dave.send(wire.FileEnd{ID: bobLeg})
	dave.quiet()
	bob.send(wire.FileAbort{ID: id, Reason: "no thanks"})
	if st := expect[wire.FileStatus](alice); st.Leg != bobLeg || st.State != wire.RecipientCanceled || st.Reason != "no thanks" {
		t.Fatalf("alice got %+v", st)
	}
	alice.send(wire.FileChunk{ID: bobLeg, Data: []byte("late")}, wire.FileChunk{ID: carolLeg, Data: []byte("for carol")})
	if c := expect[wire.FileChunk](carol); c.ID != id {
		t.Fatalf("carol got %+v", c)
	}
	bob.quiet() // no more chunks for bob
	carol.send(wire.FileAbort{ID: id, Reason: "no thanks either"})
	if st := until[wire.FileStatus](alice); st.Nick != "carol" || st.Reason != "no thanks either" { // after the chunk's FileAck
		t.Fatalf("alice got %+v", st)
	}
	expect[wire.FileClosed](alice)
	carol.quiet()

	// A recipient leaving a room transfer leaves the others in; the sender
	// learns it is away.
	id = offer(t, alice, 4, "", "share", 100, bob, carol)
	carol.send(wire.Quit{})
	carol.expectEOF()
	until[wire.Left](bob) // carol left share and the lobby
	if st := until[wire.FileStatus](alice); st.Nick != "carol" || st.State != wire.RecipientAway {
		t.Fatalf("alice got %+v", st)
	}
	leg = accept(t, bob, alice, id, 0, none)
	alice.send(wire.FileChunk{ID: leg, Data: []byte("for bob")})
	if c := until[wire.FileChunk](bob); c.ID != id {
		t.Fatalf("bob got %+v", c)
	}
	alice.send(wire.FileAbort{ID: id})
	expectAbort(t, bob, id, "canceled by the sender")

	// At most maxFilesPerUser at once; one ending frees a place.
	var ids []uint64
	for i := range maxFilesPerUser {
		ids = append(ids, offer(t, alice, uint32(10+i), "bob", "", 10))
	}
	alice.send(wire.FileOffer{Ref: 40, To: "bob", Name: "one.more", Size: 10})
	if e := until[wire.Error](alice); e.Code != wire.CodeFileRejected || e.Ref != 40 {
		t.Fatalf("alice got %+v", e)
	}
	alice.send(wire.FileAbort{ID: ids[0]})
	offer(t, alice, 41, "bob", "", 10)
	h.inspect(func(hb *hub) {
		if len(hb.files) != maxFilesPerUser {
			t.Errorf("%d transfers, want %d", len(hb.files), maxFilesPerUser)
		}
	})
}

// faultTB records what TestServer reports.
type faultTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *faultTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *faultTB) reported() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.errors)
}

// TestTestServerFailsOnFaults: an Error event nobody waited for and a
// recovered panic fail the test using TestServer or StartTest.
func TestTestServerFailsOnFaults(t *testing.T) {
	t.Run("skipped by WaitEvent", func(t *testing.T) {
		tb := &faultTB{TB: t}
		s := NewTestServer(tb, testConfig())
		s.Do(Kick{Nick: "nobody"})
		bob := join(t, s.Addr, "bob")
		WaitEvent[UserJoined](s)
		s.Close()
		bob.closed()
		if r := tb.reported(); len(r) != 1 || !strings.Contains(r[0], "no such user") {
			t.Fatalf("reported %q", r)
		}
	})
	t.Run("discarded by Close", func(t *testing.T) {
		tb := &faultTB{TB: t}
		s := NewTestServer(tb, testConfig())
		s.Do(Announce{Text: strings.Repeat("x", 1<<20)})
		s.Close()
		if r := tb.reported(); len(r) != 1 || !strings.Contains(r[0], "announce") {
			t.Fatalf("reported %q", r)
		}
		s.Close() // reports once
		if r := tb.reported(); len(r) != 1 {
			t.Fatalf("reported %q", r)
		}
	})
	t.Run("waited for", func(t *testing.T) {
		tb := &faultTB{TB: t}
		s := NewTestServer(tb, testConfig())
		s.Do(Kick{Nick: "nobody"})
		if e := WaitEvent[Error](s); e.Op != "kick" {
			t.Fatalf("got %+v", e)
		}
		s.Close()
		if r := tb.reported(); len(r) != 0 {
			t.Fatalf("reported %q", r)
		}
	})
	t.Run("panic, events discarded", func(t *testing.T) {
		tb := &faultTB{TB: t}
		s := NewTestServer(tb, testConfig())
		s.discardEvents() // as StartTest does
		alice := join(t, s.Addr, "alice")
		bob := join(t, s.Addr, "bob")
		s.Do(inspect{f: func(hb *hub) { hb.files = nil }}) // the next file offer panics
		alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "a.txt", Size: 1})
		alice.closed()
		until[wire.Left](bob)
		s.Close()
		if r := tb.reported(); len(r) != 1 || !strings.Contains(r[0], "panic") {
			t.Fatalf("reported %q", r)
		}
	})
	t.Run("Run returns an error", func(t *testing.T) {
		tb := &faultTB{TB: t}
		s := &TestServer{t: tb, cancel: func() {}, done: make(chan struct{}), err: errors.New("bad config")}
		close(s.done)
		s.Close()
		if r := tb.reported(); len(r) != 1 || !strings.Contains(r[0], "bad config") {
			t.Fatalf("reported %q", r)
		}
	})
}

// TestFileSenderAheadOfAcks: a sender that runs more than maxUnacked bytes
// ahead of its acknowledgements (here because the recipient does not read,
// so its writer blocks and acknowledges nothing more) has the transfer
// aborted, before the recipient's outbox or write deadline gives out.
func TestFileSenderAheadOfAcks(t *testing.T) {
	cfg := testConfig()
	cfg.OutboxBytes = 256 << 20
	cfg.WriteTimeout = time.Minute
	h := startServer(t, cfg)
	alice := join(t, h.addr, "alice")
	bob := dialStuck(t, h.addr, "bob") // never reads after its welcome
	until[wire.Joined](alice)
	size := uint64(64 << 20)
	alice.send(wire.FileOffer{Ref: 1, To: "bob", Name: "big.bin", Size: size})
	xfer := expect[wire.FileOffered](alice).ID
	bob.send(wire.FileAccept{ID: xfer}) // writes, never reads
	id := until[wire.FileSend](alice).Leg

	stop := make(chan struct{})
	sent := make(chan int, 1)
	go func() { // streams without waiting for acks, until told to stop
		chunk := wire.Encode(wire.FileChunk{ID: id, Data: make([]byte, wire.MaxChunk)})
		n := 0
		defer func() { sent <- n }()
		for uint64(n+1)*wire.MaxChunk <= size {
			select {
			case <-stop:
				return
			default:
			}
			alice.nc.SetWriteDeadline(time.Now().Add(wait))
			if _, err := alice.nc.Write(chunk); err != nil {
				return
			}
			n++
		}
	}()
	var abort wire.FileStatus
	for {
		m, err := alice.read(10 * time.Second)
		if err != nil {
			close(stop)
			t.Fatalf("alice: %v before the transfer was aborted", err)
		}
		if a, ok := m.(wire.FileStatus); ok {
			abort = a
			break
		}
	}
	close(stop)
	n := <-sent
	if abort.Leg != id || abort.State != wire.RecipientCanceled || !strings.Contains(abort.Reason, "ahead of acknowledgements") {
		t.Fatalf("alice got %+v", abort)
	}
	t.Logf("aborted after about %d chunks", n)
	h.inspect(func(hb *hub) {
		if len(hb.files) != 0 {
			t.Errorf("%d transfers left", len(hb.files))
		}
		if _, ok := hb.members["bob"]; !ok {
			t.Error("bob was dropped: the transfer's abort should come first")
		}
	})
}
