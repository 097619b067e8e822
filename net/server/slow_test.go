package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// leftOf waits for the UserLeft event of nick.
func leftOf(h *harness, nick string) UserLeft {
	h.t.Helper()
	ev, _ := h.waitFor(0, func(e Event) bool { ul, ok := e.(UserLeft); return ok && ul.Nick == nick }, "UserLeft of "+nick)
	return ev.(UserLeft)
}

// noneLeft fails if any user has left.
func noneLeft(h *harness) {
	h.t.Helper()
	for _, ev := range h.events() {
		if ul, ok := ev.(UserLeft); ok {
			h.t.Errorf("%s dropped: %s", ul.Nick, ul.Reason)
		}
	}
}

// accounted returns the server's outbox account: in use now, and its peak.
func (h *harness) accounted() (used, peak int64) {
	h.inspect(func(hb *hub) { used, peak = hb.acct.used.Load(), hb.acct.peak })
	return
}

// pinSendBuffer fixes the server's send buffer for nick's socket at n
// bytes (the kernel doubles it), so that a peer that stops reading backs up
// into its outbox after a few messages rather than after the megabytes the
// kernel would otherwise buffer.
func (h *harness) pinSendBuffer(nick string, n int) {
	h.t.Helper()
	h.inspect(func(hb *hub) {
		if c := hb.members[wire.FoldKey(nick)]; c != nil {
			if err := c.raw.(*net.TCPConn).SetWriteBuffer(n); err != nil {
				h.t.Errorf("%s: %v", nick, err)
			}
		}
	})
}

// accountDrains waits until the server's outbox account is back to zero,
// and reports what it held last. A writer tells the account after its write
// has returned, which may be after the peer read the bytes or went away.
func (h *harness) accountDrains() int64 {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		used, _ := h.accounted()
		if used == 0 || time.Now().After(deadline) {
			return used
		}
		time.Sleep(5 * time.Millisecond) // polling the account: no event marks a writer's bookkeeping
	}
}

// owedTo returns what the server owes nick (0 if nick is not a member).
func (h *harness) owedTo(nick string) (n int64) {
	h.inspect(func(hb *hub) {
		if c := hb.members[wire.FoldKey(nick)]; c != nil {
			n, _ = c.out.owed()
		}
	})
	return n
}

// floodSay sends message ref of a flood to room and, once more than window
// are unconfirmed, reads up to the echo of ref−window: the flooder keeps at
// most window messages in flight, so that only those who do not read fall
// behind.
func (c *client) floodSay(room string, ref, window int, text string) {
	c.t.Helper()
	c.send(wire.Say{Ref: uint32(ref), Room: room, Text: text})
	if ref < window {
		return
	}
	for {
		if ch, ok := c.next().(wire.Chat); ok && ch.Ref == uint32(ref-window) {
			return
		}
	}
}

// burst has each sender write per 4000-byte messages to the lobby in one
// write, then read until it has every sender's messages (its own included):
// when burst returns, the hub has queued all of them to everyone. Every
// message a sender reads adds one to progress.
func burst(t *testing.T, senders []*client, per int, progress *atomic.Int64) {
	t.Helper()
	big := strings.Repeat("b", 4000)
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(senders))
	for _, c := range senders {
		wg.Go(func() {
			var frames []byte
			for k := range per {
				frames = wire.AppendFrame(frames, wire.Say{Ref: uint32(k), Room: wire.Lobby, Text: big})
			}
			c.nc.SetWriteDeadline(time.Now().Add(wait))
			if _, err := c.nc.Write(frames); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			for got := 0; got < len(senders)*per; {
				m, err := c.read(wait)
				if err != nil {
					errs <- fmt.Errorf("%s after %d: %v", c.nick, got, err)
					return
				}
				if _, ok := m.(wire.Chat); ok {
					got++
					progress.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestSteadyReaderThroughBurst: a burst of 8 MB to every member (far over
// the 256 KiB outbox and the 1 MiB hard limit the server used to have, and
// twice what the kernel buffers for a peer) does not drop a client that
// reads it slowly but steadily, and the senders get all their echoes while
// that client is still far behind: nobody waits for it.
func TestSteadyReaderThroughBurst(t *testing.T) {
	const senders, per = 2, 1050 // 2100 messages of 4000 bytes
	cfg := testConfig()
	cfg.WriteTimeout = 10 * time.Second // the default stall time
	h := startServer(t, cfg)
	steady := dialStuck(t, h.addr, "steady")
	var cs []*client
	for i := range senders {
		cs = append(cs, join(t, h.addr, fmt.Sprintf("sender%d", i)))
	}
	steady.sync()
	for _, c := range cs {
		c.sync()
	}
	// Steady reads steadily but never more than an eighth of what a sender
	// has read on average, whatever the machine's speed: it falls over 7 MB
	// behind (more than the kernel's socket buffers on both sides hold), yet
	// the server's writes to it keep moving, far within the stall time,
	// because it keeps reading as long as the senders do. Once the burst is
	// over it reads the rest as fast as it can.
	var progress atomic.Int64
	done := make(chan struct{})
	read := make(chan error, 1)
	go func() {
		for got := 0; got < senders*per; {
			for int64(got) >= progress.Load()/(8*senders) {
				select {
				case <-done:
				case <-time.After(time.Millisecond): // polling the senders' count
					continue
				}
				break
			}
			m, err := steady.read(wait)
			if err != nil {
				read <- fmt.Errorf("steady after %d messages: %v", got, err)
				return
			}
			if _, ok := m.(wire.Chat); ok {
				got++
			}
		}
		read <- nil
	}()
	burst(t, cs, per, &progress)
	close(done)
	owed := h.owedTo("steady")
	t.Logf("the senders have all %d echoes; steady is still owed %d bytes", senders*per, owed)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	steady.sync()
	noneLeft(h)
	_, peak := h.accounted()
	t.Logf("outbox account peaked at %d bytes", peak)
	if used := h.accountDrains(); used != 0 {
		t.Errorf("account: %d bytes in use after everything was read, want 0", used)
	}
	if owed < 1<<20 {
		t.Errorf("steady was owed only %d bytes when the senders were done: the test did not put it behind", owed)
	}
}

// TestStuckPeerDropped: a peer that accepts nothing is dropped as a slow
// consumer once its writer has waited the stall time (not before 7/8 of
// it), although it is owed far less than its cap; the others are told
// "slow consumer", as are the server's events and log.
func TestStuckPeerDropped(t *testing.T) {
	const stall = 400 * time.Millisecond
	var logs logBuffer
	cfg := testConfig()
	cfg.WriteTimeout = stall
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := startServer(t, cfg)
	stuck := dialStuck(t, h.addr, "stuck")
	flooder := join(t, h.addr, "flooder")
	watcher := join(t, h.addr, "watcher")
	stuck.sync()
	flooder.sync()
	for _, c := range []*client{stuck, flooder} {
		c.send(wire.Join{Room: "flood"})
		c.readList("flood")
	}
	flooder.sync()
	watcher.sync()
	stalled := func() (since time.Time) {
		h.inspect(func(hb *hub) {
			if c := hb.members[wire.FoldKey("stuck")]; c != nil {
				since = c.out.stalledSince()
			}
		})
		return since
	}
	big := strings.Repeat("s", 4000)
	var since time.Time
	deadline := time.Now().Add(20 * time.Second)
	for sent := 0; ; sent++ {
		if sent%16 == 0 {
			// The writer is stuck once it has been in one write for a
			// while; the flood stops there.
			if s := stalled(); !s.IsZero() && time.Since(s) > stall/8 {
				since = s
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stuck client's writer never blocked (%d messages)", sent)
		}
		flooder.floodSay("flood", sent, 8, big)
	}
	ul := leftOf(h, "stuck")
	if ul.Reason != "slow consumer" {
		t.Fatalf("stuck left: %q, want slow consumer", ul.Reason)
	}
	took := ul.At.Sub(since)
	t.Logf("dropped %v after its writer blocked (stall time %v)", took.Round(time.Millisecond), stall)
	if took < stall*7/8-10*time.Millisecond || took > stall+300*time.Millisecond {
		t.Errorf("dropped %v after its writer blocked; want between 7/8 of %v and %v plus scheduling", took, stall, stall)
	}
	if l := until[wire.Left](watcher); l.User != "stuck" || l.Reason != wire.LeftSlowConsumer {
		t.Errorf("watcher got %+v", l)
	}
	if !strings.Contains(logs.String(), `nick=stuck`) || !strings.Contains(logs.String(), `reason="slow consumer" detail="accepted nothing for 400ms"`) {
		t.Errorf("log lacks the slow consumer line:\n%s", logs.String())
	}
	if used, _ := h.accounted(); used > 1<<20 {
		t.Errorf("account holds %d bytes after the drop", used)
	}
}

// TestPingFloodNeverReads: a peer that floods pings and never reads is
// dropped as a slow consumer, and that is the reason everyone sees, every
// time: the writer tells the hub before it closes the socket, so the
// reader's error on the closed socket never wins.
func TestPingFloodNeverReads(t *testing.T) {
	const rounds = 3
	cfg := testConfig()
	cfg.WriteTimeout = 300 * time.Millisecond
	cfg.PingAfter = time.Minute // the keepalive is not what is tested
	h := startServer(t, cfg)
	watcher := join(t, h.addr, "watcher")
	pings := make([]byte, 0, 64<<10)
	for k := 0; len(pings) < 60<<10; k++ {
		pings = wire.AppendFrame(pings, wire.Ping{Token: uint64(k)})
	}
	for round := range rounds {
		nick := fmt.Sprintf("pinger%d", round)
		// Small socket buffers: the pongs fill them after a few thousand pings.
		p := dialRcvbuf(t, h.addr, nick, 8<<10)
		h.pinSendBuffer(nick, 8<<10)
		watcher.sync()
		// Write pings until the server closes the connection; never read.
		var writeErr error
		for deadline := time.Now().Add(20 * time.Second); writeErr == nil; {
			if time.Now().After(deadline) {
				t.Fatalf("%s never dropped", nick)
			}
			p.nc.SetWriteDeadline(time.Now().Add(4 * wait))
			_, writeErr = p.nc.Write(pings)
		}
		var l wire.Left
		for l.User == "" {
			m, err := watcher.read(4 * wait)
			if err != nil {
				t.Fatalf("round %d: watcher: %v (the pinger's last write: %v)", round, err, writeErr)
			}
			l, _ = m.(wire.Left)
		}
		if l.User != nick || l.Reason != wire.LeftSlowConsumer {
			t.Fatalf("round %d: watcher got %+v, want %s left as a slow consumer", round, l, nick)
		}
		if ul := leftOf(h, nick); ul.Reason != "slow consumer" {
			t.Fatalf("round %d: UserLeft %+v", round, ul)
		}
	}
}

// TestOutboxBudget: with a server-wide budget of 2 MiB, peers that stopped
// reading are dropped (the most owed first) so that the total never passes
// it; the clients that read are not dropped, and nobody's sending slows.
func TestOutboxBudget(t *testing.T) {
	const budget = 2 << 20
	var logs logBuffer
	cfg := testConfig()
	cfg.OutboxBudget = budget
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h := startServer(t, cfg)
	var stuck []*client
	for i := range 3 {
		stuck = append(stuck, dialRcvbuf(t, h.addr, fmt.Sprintf("stuck%d", i), 8<<10))
		h.pinSendBuffer(stuck[i].nick, 8<<10)
	}
	readers := []*client{join(t, h.addr, "reader0"), join(t, h.addr, "reader1")}
	flooder := join(t, h.addr, "flooder")
	for _, c := range append(append(stuck, readers...), flooder) {
		c.sync()
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, c := range readers {
		wg.Go(func() {
			for {
				if _, err := c.read(wait); err != nil {
					select {
					case <-stop:
					default:
						t.Errorf("%s: %v", c.nick, err)
					}
					return
				}
			}
		})
	}
	dropped := func() (n int) {
		for _, ev := range h.events() {
			if ul, ok := ev.(UserLeft); ok && strings.HasPrefix(ul.Nick, "stuck") {
				n++
			}
		}
		return n
	}
	big := strings.Repeat("f", 4000)
	deadline := time.Now().Add(30 * time.Second)
	sent := 0
	for ; dropped() < len(stuck); sent++ {
		if time.Now().After(deadline) {
			t.Fatalf("after %d messages only %d stuck peers dropped", sent, dropped())
		}
		flooder.floodSay(wire.Lobby, sent, 8, big)
	}
	_, peak := h.accounted()
	t.Logf("3 stuck peers dropped after %d messages; the account peaked at %d bytes of %d", sent, peak, budget)
	if peak > budget {
		t.Errorf("the account reached %d bytes, over the budget of %d", peak, budget)
	}
	for _, ev := range h.events() {
		if ul, ok := ev.(UserLeft); ok {
			if !strings.HasPrefix(ul.Nick, "stuck") || ul.Reason != "slow consumer" {
				t.Errorf("%s left: %s", ul.Nick, ul.Reason)
			}
		}
	}
	if got := strings.Count(logs.String(), "server outbox budget full"); got != len(stuck) {
		t.Errorf("%d drops for the budget in the log, want %d:\n%s", got, len(stuck), logs.String())
	}
	close(stop)
	for _, c := range readers {
		c.nc.Close()
	}
	wg.Wait()
}

// TestManyLaggingReaders: 300 clients that stop reading during a burst hold
// the server to its budget: the account never passes it, the memory the
// server's heap actually gained stays under the account (broadcast frames
// are shared), and once the laggards are gone the account is back to zero.
func TestManyLaggingReaders(t *testing.T) {
	const laggards, budget = 300, 16 << 20
	cfg := testConfig()
	cfg.OutboxBudget = budget
	cfg.WriteTimeout = time.Minute // only the budget drops anyone here
	h := startServer(t, cfg)
	flooder := join(t, h.addr, "flooder")
	lag := make([]*client, laggards)
	for i := range lag {
		lag[i] = dialRcvbuf(t, h.addr, fmt.Sprintf("lag%03d", i), 8<<10)
		h.pinSendBuffer(lag[i].nick, 8<<10)
	}
	flooder.sync()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	big := strings.Repeat("m", 4000)
	maxUsed, maxHeapGain := int64(0), int64(0)
	for sent := 0; sent < 200; sent++ {
		flooder.floodSay(wire.Lobby, sent, 0, big)
		if sent%20 == 19 {
			used, _ := h.accounted()
			runtime.GC()
			runtime.ReadMemStats(&after)
			maxUsed = max(maxUsed, used)
			maxHeapGain = max(maxHeapGain, int64(after.HeapAlloc)-int64(before.HeapAlloc))
		}
	}
	_, peak := h.accounted()
	t.Logf("%d laggards: account peak %d bytes (budget %d), largest heap gain %d bytes", laggards, peak, budget, maxHeapGain)
	if peak > budget {
		t.Errorf("account peaked at %d, over the budget of %d", peak, budget)
	}
	if maxHeapGain > budget {
		t.Errorf("the heap grew by %d bytes, over the budget of %d", maxHeapGain, budget)
	}
	for _, c := range lag {
		c.nc.Close()
	}
	flooder.send(wire.Quit{})
	h.waitCounts(0, 0)
	if used := h.accountDrains(); used != 0 {
		t.Errorf("account holds %d bytes with no connection left", used)
	}
}

// TestWelcomeAtOnce: a hello into a lobby of 5000 is answered at once
// (Welcome and the lobby's list are staged for the joiner as the hello is
// handled), while the announcement to the others waits for the join batch;
// a second joiner in the same batch is announced to the first, and the
// first to nobody twice.
func TestWelcomeAtOnce(t *testing.T) {
	h, members := benchHub(t, 5000)
	newcomer := func(nick string) *conn {
		c := &conn{h: h, out: newOutbox(h.cfg.OutboxBytes, nil, 0, h.acct), gone: make(chan struct{})}
		h.hello(c, wire.Hello{Version: wire.Version, Nick: nick})
		return c
	}
	staged := func(c *conn) (types []wire.Type) {
		for _, f := range c.out.hq {
			types = append(types, wire.Type(f.b[4]))
		}
		return types
	}
	a := newcomer("newcomer-a")
	if got := staged(a); len(got) < 2 || got[0] != wire.TypeWelcome || got[1] != wire.TypeUserList {
		t.Fatalf("staged for the joiner: %v, want welcome then user-list", got)
	}
	if got := staged(members[0]); len(got) != 0 {
		t.Fatalf("a member was sent %v before the batch", got)
	}
	b := newcomer("newcomer-b")
	if got := staged(b); got[0] != wire.TypeWelcome {
		t.Fatalf("second joiner: %v", got)
	}
	a.out.discardStaged()
	b.out.discardStaged()
	h.flushJoins()
	joined := func(c *conn) (users []string) {
		for _, f := range c.out.hq {
			m, err := wire.Decode(wire.Type(f.b[4]), f.b[5:])
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, m.(wire.Joined).Users...)
		}
		return users
	}
	if got := joined(members[0]); !slices.Equal(got, []string{"newcomer-a", "newcomer-b"}) {
		t.Errorf("a member was told of %v", got)
	}
	if got := joined(a); !slices.Equal(got, []string{"newcomer-b"}) {
		t.Errorf("the first joiner was told of %v, want only the second", got)
	}
	if got := joined(b); len(got) != 0 {
		t.Errorf("the second joiner was told of %v, want nobody (its list had everyone)", got)
	}
}

// TestUserListsIncremental: the cached list, brought up to date chunk by
// chunk as members join at the end (and rebuilt after a leave), always
// decodes to the room's members in order, in well-flagged chunks under the
// chunk size.
func TestUserListsIncremental(t *testing.T) {
	r := &room{name: "lobby"}
	var conns []*conn
	check := func() {
		t.Helper()
		var got []string
		lists := r.userLists()
		for k, f := range lists {
			if len(f) > listChunk+64 {
				t.Fatalf("chunk %d is %d bytes", k, len(f))
			}
			m, err := wire.Decode(wire.Type(f[4]), f[5:])
			if err != nil {
				t.Fatal(err)
			}
			ul := m.(wire.UserList)
			if (ul.Flags&wire.ListFirst != 0) != (k == 0) || (ul.Flags&wire.ListLast != 0) != (k == len(lists)-1) {
				t.Fatalf("chunk %d of %d has flags %d", k, len(lists), ul.Flags)
			}
			got = append(got, ul.Users...)
		}
		if want := r.nicks(); !slices.Equal(got, want) {
			t.Fatalf("list of %d names, want %d", len(got), len(want))
		}
	}
	check()
	for i := range 3000 {
		c := &conn{nick: fmt.Sprintf("%s%d", strings.Repeat("긴", i%11), i)}
		r.add(c)
		conns = append(conns, c)
		if i%97 == 0 {
			check()
		}
		if i%501 == 500 {
			r.remove(conns[i/2])
			check()
		}
	}
	check()
}

// TestWriterMixedFrames: small frames copied, large ones written in place,
// frames over one write in pieces: the bytes arrive whole and in order, no
// write is over maxWrite, and the outbox is told of every frame written.
func TestWriterMixedFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	o := newOutbox(DefaultOutboxBytes, nil, time.Second, &budget{})
	var out writesTo
	w := writer{o: o, nc: &out}
	var want []byte
	var frames []outFrame
	var total int64
	for k := range 120 {
		n := []int{5, 100, 900, copyBelow, 4000, 20000, maxWrite, maxWrite + 1, 150000}[rng.IntN(9)]
		b := bytes.Repeat([]byte{byte(k), byte(k >> 8), byte(n)}, n/3+1)[:n]
		frames = append(frames, outFrame{b: b})
		want = append(want, b...)
		total += int64(cost(frames[len(frames)-1]))
	}
	o.inflight = total
	o.acct.used.Store(total)
	if err := w.write(frames); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.b, want) {
		t.Fatalf("wrote %d bytes, want %d (or different bytes)", len(out.b), len(want))
	}
	if out.largest > maxWrite {
		t.Errorf("a write of %d bytes", out.largest)
	}
	if o.inflight != 0 || o.acct.used.Load() != 0 {
		t.Errorf("after writing: inflight %d, account %d", o.inflight, o.acct.used.Load())
	}
}

// writesTo records what is written and the largest single write.
type writesTo struct {
	b       []byte
	largest int
}

func (w *writesTo) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

// TestStreamLongerThanPingAfter: a client that sends without a pause for
// longer than PingAfter (here a ping flood it reads the answers to; a long
// file upload is the same) is not dropped as timed out: the reader renews
// its deadline while the stream goes on, not only when it waits.
func TestStreamLongerThanPingAfter(t *testing.T) {
	cfg := testConfig()
	cfg.PingAfter = 200 * time.Millisecond
	h := startServer(t, cfg)
	c := join(t, h.addr, "streamer")
	pings := make([]byte, 0, 64<<10)
	for k := 0; len(pings) < 60<<10; k++ {
		pings = wire.AppendFrame(pings, wire.Ping{Token: uint64(k)})
	}
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, err := c.read(wait); err != nil {
				readErr <- err
				return
			}
		}
	}()
	for end := time.Now().Add(5 * cfg.PingAfter); time.Now().Before(end); {
		c.write(pings)
	}
	c.write(wire.Encode(wire.Quit{}))
	if err := <-readErr; !errors.Is(err, io.EOF) {
		t.Fatalf("after quit: %v", err)
	}
	// Had the server dropped it during the stream, the reason would not be quit.
	if ul := leftOf(h, "streamer"); ul.Reason != "quit" {
		t.Fatalf("streamer left: %s", ul.Reason)
	}
}
