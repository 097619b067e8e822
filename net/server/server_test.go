package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
	"go.uber.org/goleak"
)

func TestWelcomeAndLists(t *testing.T) {
	h := startServer(t, testConfig())
	alice := join(t, h.addr, "alice")
	if !slices.Equal(alice.list, []string{"alice"}) {
		t.Fatalf("alice's list %v", alice.list)
	}
	bob := join(t, h.addr, "bob")
	if !equalSet(bob.list, []string{"alice", "bob"}) {
		t.Fatalf("bob's list %v", bob.list)
	}
	j := expect[wire.Joined](alice)
	if j.Room != wire.Lobby || !slices.Equal(j.Users, []string{"bob"}) {
		t.Fatalf("alice got %+v", j)
	}
	uj := waitEvent[UserJoined](h)
	if uj.Nick != "alice" || !uj.Addr.Addr().IsLoopback() || uj.Since.IsZero() {
		t.Fatalf("UserJoined %+v", uj)
	}
	bob.send(wire.Quit{})
	bob.expectEOF()
	l := expect[wire.Left](alice)
	if l.User != "bob" || l.Reason != wire.LeftQuit || l.Room != wire.Lobby {
		t.Fatalf("alice got %+v", l)
	}
	ev, _ := h.waitFor(0, func(e Event) bool { ul, ok := e.(UserLeft); return ok && ul.Nick == "bob" }, "UserLeft bob")
	if r := ev.(UserLeft).Reason; r != "quit" {
		t.Fatalf("UserLeft reason %q", r)
	}
	alice.quiet()
}

// TestFanOut: 50 clients, 5 of them sending 40 messages each; everyone gets
// every message exactly once, in each sender's order, stamped with the
// sender's registered nick, and senders get their own as receipts.
func TestFanOut(t *testing.T) {
	const clients, senders, per = 50, 5, 40
	h := startServer(t, testConfig())
	cs := make([]*client, clients)
	for i := range cs {
		cs[i] = join(t, h.addr, fmt.Sprintf("user%02d", i))
	}
	for _, c := range cs {
		c.sync() // the Joined frames of later users
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients+senders)
	for i := range senders {
		wg.Go(func() {
			var b []byte
			for k := range per {
				b = wire.AppendFrame(b, wire.Say{Ref: uint32(k), Room: wire.Lobby, Text: fmt.Sprintf("%d:%d", i, k)})
			}
			cs[i].nc.SetWriteDeadline(time.Now().Add(wait))
			if _, err := cs[i].nc.Write(b); err != nil {
				errs <- err
			}
		})
	}
	for _, c := range cs {
		wg.Go(func() {
			next := make([]int, senders)
			for got := 0; got < senders*per; got++ {
				m, err := c.read(wait)
				if err != nil {
					errs <- fmt.Errorf("%s after %d: %v", c.nick, got, err)
					return
				}
				ch, ok := m.(wire.Chat)
				if !ok {
					errs <- fmt.Errorf("%s: got %T", c.nick, m)
					return
				}
				var s, k int
				fmt.Sscanf(ch.Text, "%d:%d", &s, &k)
				if ch.From != fmt.Sprintf("user%02d", s) || k != next[s] || ch.Ref != uint32(k) || ch.Room != wire.Lobby {
					errs <- fmt.Errorf("%s: got %+v, want message %d of sender %d", c.nick, ch, next[s], s)
					return
				}
				next[s]++
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range cs {
		c.quiet()
	}
}

// TestNickRace: 50 clients race for one name; exactly one wins.
func TestNickRace(t *testing.T) {
	const n = 50
	h := startServer(t, testConfig())
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = dial(t, h.addr)
		cs[i].nick = "bob"
	}
	var wg sync.WaitGroup
	results := make([]wire.Message, n)
	start := make(chan struct{})
	for i, c := range cs {
		wg.Go(func() {
			<-start
			c.nc.Write(wire.Encode(c.helloFor("bob")))
			m, err := c.read(wait)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			results[i] = m
		})
	}
	close(start)
	wg.Wait()
	welcomes := 0
	for i, m := range results {
		switch m := m.(type) {
		case wire.Welcome:
			welcomes++
		case wire.Refused:
			if m.Code != wire.RefuseNickTaken || !strings.Contains(m.Text, "“bob” is taken") {
				t.Errorf("client %d: %+v", i, m)
			}
			cs[i].expectEOF()
		default:
			t.Errorf("client %d: got %T %+v", i, m, m)
		}
	}
	if welcomes != 1 {
		t.Fatalf("%d welcomes, want exactly 1", welcomes)
	}
	if _, members := h.counts(); members != 1 {
		t.Fatalf("%d members, want 1", members)
	}
}

func TestNickRules(t *testing.T) {
	h := startServer(t, testConfig())
	join(t, h.addr, "Alice")
	for _, tc := range []struct {
		nick string
		code wire.RefuseCode
	}{
		{"alice", wire.RefuseNickTaken},
		{"ALICE", wire.RefuseNickTaken},
		{"ａｌｉｃｅ", wire.RefuseNickTaken},      // full width
		{"\u0430lice", wire.RefuseNickTaken}, // Cyrillic а
		{"a1ice", wire.RefuseNickTaken},
		{"ɑlice", wire.RefuseNickTaken}, // Latin alpha (al1ce is no longer one: the confusables data does not draw i as 1)
		{"", wire.RefuseNickInvalid},
		{"has space", wire.RefuseNickInvalid},
		{"bad\u202Eltr", wire.RefuseNickInvalid},
		{"zero\u200Bwidth", wire.RefuseNickInvalid},
		{strings.Repeat("x", 33), wire.RefuseNickInvalid},
		{"/cmd", wire.RefuseNickInvalid},
	} {
		if r := refused(t, h.addr, tc.nick); r.Code != tc.code {
			t.Errorf("nick %q: got %+v, want refused %v", tc.nick, r, tc.code)
		}
	}
	// Korean and other scripts are fine, and distinct names are distinct.
	join(t, h.addr, "앨리스")
	join(t, h.addr, "alicia")
	// Wrong version.
	v := dial(t, h.addr)
	v.send(wire.Hello{Version: wire.Version + 1, Nick: "future"})
	if r := expect[wire.Refused](v); r.Code != wire.RefuseVersion {
		t.Fatalf("got %+v", r)
	}
	v.expectEOF()
}

// TestNickFreedOnLeave: a nickname whose user left is free again for the
// same device at once, and for another device after NickGrace.
func TestNickFreedOnLeave(t *testing.T) {
	cfg := testConfig()
	cfg.NickGrace = 300 * time.Millisecond
	h := startServer(t, cfg)
	a := join(t, h.addr, "carol")
	a.send(wire.Quit{})
	a.expectEOF()
	h.waitFor(0, func(e Event) bool { _, ok := e.(UserLeft); return ok }, "UserLeft")
	other := dial(t, h.addr)
	if r, ok := other.hello("Carol").(wire.Refused); !ok || r.Code != wire.RefuseNickTaken {
		t.Fatalf("another device took carol's nickname within the grace period: %+v", r)
	}
	same := dial(t, h.addr)
	same.dev = a.dev
	expectWelcome(t, same, "CAROL")
	same.send(wire.Quit{})
	same.expectEOF()
	left := time.Now()
	for {
		late := dial(t, h.addr)
		m := late.hello("carol")
		if _, ok := m.(wire.Welcome); ok {
			if time.Since(left) < cfg.NickGrace {
				t.Fatalf("another device got the nickname %v after it was left, before the grace period", time.Since(left))
			}
			return
		}
		if time.Since(left) > cfg.NickGrace+wait {
			t.Fatalf("the nickname was never freed: %+v", m)
		}
		late.expectEOF()
		time.Sleep(cfg.NickGrace / 4) // polling the grace period's end; no event marks it
	}
}

func TestKick(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	alice, bob, carol := cs[0], cs[1], cs[2]
	for _, step := range []struct {
		c    *client
		room string
	}{{alice, "dev"}, {bob, "dev"}, {carol, "ops"}, {bob, "ops"}} {
		step.c.send(wire.Join{Room: step.room})
		step.c.readList(step.room)
	}
	for _, c := range []*client{alice, bob, carol} {
		c.sync()
	}

	h.send(Kick{Nick: "BOB", Reason: "spamming"})
	k := expect[wire.Kicked](bob)
	if k.Reason != "spamming" || k.By != "admin" {
		t.Fatalf("bob got %+v", k)
	}
	bob.expectEOF()

	// alice: Removed, then Left for the lobby and dev (in some order);
	// carol: Removed, then Left for the lobby and ops.
	for _, tc := range []struct {
		c     *client
		rooms []string
	}{{alice, []string{wire.Lobby, "dev"}}, {carol, []string{wire.Lobby, "ops"}}} {
		r := expect[wire.Removed](tc.c)
		if r.User != "bob" || r.Reason != "spamming" {
			t.Fatalf("%s got %+v", tc.c.nick, r)
		}
		var rooms []string
		for range tc.rooms {
			l := expect[wire.Left](tc.c)
			if l.User != "bob" || l.Reason != wire.LeftKicked {
				t.Fatalf("%s got %+v", tc.c.nick, l)
			}
			rooms = append(rooms, l.Room)
		}
		if !equalSet(rooms, tc.rooms) {
			t.Fatalf("%s: Left for %v, want %v", tc.c.nick, rooms, tc.rooms)
		}
		tc.c.quiet()
	}
	ev, _ := h.waitFor(0, func(e Event) bool { ul, ok := e.(UserLeft); return ok && ul.Nick == "bob" }, "UserLeft bob")
	if ev.(UserLeft).Reason != "kicked" {
		t.Fatalf("UserLeft %+v", ev)
	}
	h.waitFor(0, func(e Event) bool { n, ok := e.(Notice); return ok && strings.Contains(n.Text, "bob") }, "kick notice")
	// The room lists no longer hold bob: a newcomer to ops sees only carol.
	dave := join(t, h.addr, "dave")
	dave.send(wire.Join{Room: "ops"})
	if got := dave.readList("ops"); !equalSet(got, []string{"carol", "dave"}) {
		t.Fatalf("ops members %v", got)
	}

	// Unknown nick, default reason.
	n := len(h.events())
	h.send(Kick{Nick: "nobody"})
	ev, _ = h.waitFor(n, func(e Event) bool { _, ok := e.(Error); return ok }, "Error")
	var ce *CommandError
	if e := ev.(Error); e.Op != "kick" || !errors.Is(e.Err, ErrNoSuchUser) || !errors.As(e.Err, &ce) ||
		ce.Problem != ProblemNoSuchUser || ce.Name != "nobody" {
		t.Fatalf("got %+v", e)
	}
	h.send(Kick{Nick: "dave"})
	if k := until[wire.Kicked](dave); k.Reason != DefaultKickReason {
		t.Fatalf("dave got %+v", k)
	}
	dave.expectEOF()
}

// TestSlowConsumer: a client that never reads is dropped as a slow consumer,
// while another client's messages keep arriving within 50 ms. The flood goes
// to a room that holds only the flooder and the slow client; the probes go
// to the lobby, which everyone is in.
func TestSlowConsumer(t *testing.T) {
	cfg := testConfig()
	cfg.OutboxBytes = 1 << 20 // dropped by the cap or by the stall time, whichever comes first
	cfg.WriteTimeout = 2 * time.Second
	h := startServer(t, cfg)
	slow := join(t, h.addr, "slow")
	flooder := join(t, h.addr, "flooder")
	prober := join(t, h.addr, "prober")
	watcher := join(t, h.addr, "watcher")
	for _, c := range []*client{slow, flooder} {
		c.sync()
		c.send(wire.Join{Room: "flood"})
		c.readList("flood")
	}
	for _, c := range []*client{flooder, prober, watcher} {
		c.sync()
	}

	// dropped reports the UserLeft of the slow client with reason "slow
	// consumer", or why it did not come before the flood's deadline.
	deadline := time.Now().Add(20 * time.Second)
	dropped := make(chan error, 1)
	go func() {
		for {
			_, _, err := h.tryWait(0, func(e Event) bool {
				ul, ok := e.(UserLeft)
				return ok && ul.Nick == "slow" && ul.Reason == "slow consumer"
			})
			if err == nil || time.Now().After(deadline) {
				dropped <- err
				return
			}
		}
	}()
	// The watcher times the prober's messages while the flood goes on.
	lats := make(chan time.Duration, 10000)
	watchErr := make(chan error, 1)
	go func() {
		defer close(lats)
		for {
			m, err := watcher.read(wait)
			if err != nil {
				watchErr <- err
				return
			}
			if ch, ok := m.(wire.Chat); ok && ch.From == "prober" {
				if ch.Text == "done" {
					return
				}
				ns, _ := strconv.ParseInt(ch.Text, 10, 64)
				lats <- time.Since(time.Unix(0, ns))
			}
		}
	}()
	// The flooder keeps at most 8 messages unconfirmed (it reads its own
	// echoes), so that only the slow client falls behind.
	big := strings.Repeat("x", 4000)
	lastProbe := time.Time{}
	sent, probes := 0, 0
	isDropped := false
	// Detection may take a few messages or thousands (however much the
	// kernel buffers for the slow client); the flood goes on until it has
	// happened and at least 10 probes were timed.
flood:
	for {
		if !isDropped {
			select {
			case err := <-dropped:
				if err != nil {
					t.Fatalf("slow client not dropped as a slow consumer after %d messages: %v", sent, err)
				}
				isDropped = true
			default:
			}
		}
		if isDropped && probes >= 10 {
			break flood
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow client not dropped after %d messages", sent)
		}
		if time.Since(lastProbe) >= 5*time.Millisecond {
			lastProbe = time.Now()
			prober.send(wire.Say{Room: wire.Lobby, Text: strconv.FormatInt(lastProbe.UnixNano(), 10)})
			probes++
		}
		flooder.floodSay("flood", sent, 8, big)
		sent++
	}
	prober.send(wire.Say{Room: wire.Lobby, Text: "done"})
	var all []time.Duration
	for l := range lats {
		all = append(all, l)
	}
	select {
	case err := <-watchErr:
		t.Fatalf("watcher: %v", err)
	default:
	}
	if len(all) < 3 {
		t.Fatalf("only %d probes measured", len(all))
	}
	slices.Sort(all)
	med, p90, worst := all[len(all)/2], all[len(all)*9/10], all[len(all)-1]
	t.Logf("slow consumer dropped after %d messages of 4000 bytes; %d probes: median %v, p90 %v, max %v",
		sent, len(all), med, p90, worst)
	// The bound is 50 ms. A shared 2-core machine under -race can stall any
	// goroutine for a moment, so a rare outlier is reported, not failed.
	if p90 > 50*time.Millisecond {
		t.Errorf("probe latency median %v, p90 %v, max %v; want under 50 ms", med, p90, worst)
	} else if worst > 50*time.Millisecond {
		t.Logf("note: worst probe %v over 50 ms (scheduling on a loaded machine)", worst)
	}
	// The slow client's socket is closed: it reads what the kernel held,
	// then EOF or a reset.
	slow.closed()
}

func TestStopStart(t *testing.T) {
	h := startServer(t, testConfig())
	a := join(t, h.addr, "alice")
	pre := dial(t, h.addr) // connected, no hello yet
	h.waitCounts(2, 1)
	h.send(Stop{})
	if s := expect[wire.Stopping](a); s.Reason != stopReason {
		t.Fatalf("got %+v", s)
	}
	a.expectEOF()
	if s := expect[wire.Stopping](pre); s.Reason == "" {
		t.Fatalf("got %+v", s)
	}
	pre.expectEOF()
	waitEvent[Stopped](h)
	if _, err := net.DialTimeout("tcp", h.addr, time.Second); err == nil {
		t.Fatalf("still accepting after Stop")
	}
	n := len(h.events())
	h.send(Stop{})
	ev, _ := h.waitFor(n, func(e Event) bool { _, ok := e.(Error); return ok }, "Error")
	if e := ev.(Error); e.Op != "stop" || !errors.Is(e.Err, ErrNotRunning) {
		t.Fatalf("got %+v", e)
	}
	// Start again on the same port, at once.
	n = len(h.events())
	h.send(Start{Addr: h.addr})
	ev, _ = h.waitFor(n, func(e Event) bool { _, ok := e.(Started); return ok }, "Started")
	if ev.(Started).Addr != h.addr {
		t.Fatalf("restarted on %s, want %s", ev.(Started).Addr, h.addr)
	}
	b := dial(t, h.addr) // the old alice is gone; her device gets her nickname back
	b.dev = a.dev
	expectWelcome(t, b, "alice")
	if !slices.Equal(b.list, []string{"alice"}) {
		t.Fatalf("list after restart %v", b.list)
	}
	// Start while running; a port in use.
	n = len(h.events())
	h.send(Start{Addr: "127.0.0.1:0"})
	ev, _ = h.waitFor(n, func(e Event) bool { _, ok := e.(Error); return ok }, "Error")
	if e := ev.(Error); e.Op != "start" || !errors.Is(e.Err, ErrRunning) {
		t.Fatalf("got %+v", e)
	}
	h2 := newHarness(t, testConfig())
	h2.send(Start{Addr: h.addr})
	if e := waitEvent[Error](h2); e.Op != "start" || !strings.Contains(e.Err.Error(), "in use") {
		t.Fatalf("got %+v", e)
	}
	h2.send(Start{Addr: "not an address"})
	h2.waitFor(1, func(e Event) bool { e2, ok := e.(Error); return ok && e2.Op == "start" }, "Error start")
}

// TestConnectCycles: 1000 connect/disconnect cycles of every kind leave no
// goroutine, connection or member behind.
func TestConnectCycles(t *testing.T) {
	h := startServer(t, testConfig())
	stay := join(t, h.addr, "stayer")
	before := goleak.IgnoreCurrent()
	const cycles, workers = 1000, 4
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < cycles; i += workers {
				if err := cycle(h.addr, i); err != nil {
					errs <- fmt.Errorf("cycle %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	h.waitCounts(1, 1)
	// The hub keeps a few side-stack workers for the next handshakes and
	// device proofs (sideStacks); Run ends them. A worker stuck in a job
	// would hold its reader, which goleak would find.
	if err := goleak.Find(before, goleak.IgnoreTopFunction("github.com/multichat/multichat/net/server.(*sideStacks).work")); err != nil {
		t.Fatal(err)
	}
	h.inspect(func(h *hub) {
		h.side.mu.Lock()
		defer h.side.mu.Unlock()
		if len(h.side.idle) > maxIdleSide {
			t.Errorf("%d side-stack workers kept, at most %d expected", len(h.side.idle), maxIdleSide)
		}
	})
	// stayer saw every join and leave and holds the same list as the server.
	list := []string{"stayer"}
	for _, m := range stay.sync() {
		switch m := m.(type) {
		case wire.Joined:
			list = append(list, m.Users...)
		case wire.Left:
			i := slices.Index(list, m.User)
			if i < 0 {
				t.Fatalf("Left for %s, not in the list", m.User)
			}
			list = slices.Delete(list, i, i+1)
		}
	}
	if !slices.Equal(list, []string{"stayer"}) {
		t.Fatalf("stayer's list %v", list)
	}
}

// cycle connects and leaves in one of four ways.
func cycle(addr string, i int) error {
	if i%8 == 2 { // vanishes before the TLS handshake
		nc, err := net.DialTimeout("tcp", addr, wait)
		if err != nil {
			return err
		}
		return nc.Close()
	}
	nc, r, ch, fp, err := tlsDial(addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(wait))
	nick := fmt.Sprintf("u%d", i)
	switch i % 4 {
	case 0: // polite: hello, welcome, list, quit, wait for the close
		nc.Write(wire.Encode(provenHello(nick, ch, fp)))
		if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeWelcome {
			return fmt.Errorf("want welcome, got %v %v", m, err)
		}
		nc.Write(wire.Encode(wire.Quit{}))
		for {
			if _, err := r.ReadMessage(); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return err
				}
				return nil
			}
		}
	case 1: // vanishes right after the hello
		nc.Write(wire.Encode(provenHello(nick, ch, fp)))
	case 2: // vanishes before the hello
	case 3: // refused: the name is taken
		nc.Write(wire.Encode(provenHello("stayer", ch, fp)))
		if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeRefused {
			return fmt.Errorf("want refused, got %v %v", m, err)
		}
	}
	return nil
}

// frame builds a raw frame: length, type, payload.
func frame(t wire.Type, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)))
	return append(append(b, byte(t)), payload...)
}

func TestBadInput(t *testing.T) {
	cfg := testConfig()
	cfg.MaxFrame = 8 << 10
	h := startServer(t, cfg)
	watcher := join(t, h.addr, "watcher")
	goodSay := wire.Encode(wire.Say{Room: wire.Lobby, Text: "hi"})
	badUTF8 := slices.Clone(goodSay)
	badUTF8[len(badUTF8)-1] = 0xFF
	for i, tc := range []struct {
		name  string
		raw   []byte
		code  wire.ErrorCode
		hello bool // before the handshake
	}{
		{"truncated say", frame(wire.TypeSay, []byte{0, 0, 0, 1, 0, 5, 'l'}), wire.CodeMalformed, false},
		{"trailing bytes", frame(wire.TypeSay, append(slices.Clone(goodSay[5:]), 0)), wire.CodeMalformed, false},
		{"oversized", binary.BigEndian.AppendUint32(nil, 1<<30), wire.CodeTooLarge, false},
		{"over max frame", frame(wire.TypeSay, make([]byte, 9<<10)), wire.CodeTooLarge, false},
		{"empty frame", []byte{0, 0, 0, 0}, wire.CodeMalformed, false},
		{"invalid utf-8", badUTF8, wire.CodeInvalidUTF8, false},
		{"unknown type", frame(0x7F, nil), wire.CodeUnknownType, false},
		{"seed text", frame(wire.TypeSeedText, []byte("hello")), wire.CodeUnsupported, false},
		{"seed command", frame(wire.TypeSeedCommand, []byte("/kick")), wire.CodeUnsupported, false},
		{"seed join before hello", frame(wire.TypeSeedJoin, []byte("bob")), wire.CodeUnsupported, true},
		{"garbage before hello", []byte("GET / HTTP/1.1\r\n\r\n"), wire.CodeTooLarge, true},
		{"bad utf-8 hello", frame(wire.TypeHello, []byte{0, 1, 0, 2, 0xC3, 0x28}), wire.CodeInvalidUTF8, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *client
			if tc.hello {
				c = dial(t, h.addr)
			} else {
				c = join(t, h.addr, fmt.Sprintf("bad%d", i))
			}
			c.write(tc.raw)
			e := expect[wire.Error](c)
			if e.Code != tc.code || e.Text == "" {
				t.Fatalf("got %+v, want code %v", e, tc.code)
			}
			c.expectEOF()
		})
	}
	// Not fatal: a second hello, a server-only frame (here: a forged chat).
	c := join(t, h.addr, "mallory")
	c.send(c.helloFor("again"))
	if e := expect[wire.Error](c); e.Code != wire.CodeUnexpected {
		t.Fatalf("got %+v", e)
	}
	c.send(wire.Chat{ID: 1, Room: wire.Lobby, From: "watcher", Text: "I am watcher"})
	if e := expect[wire.Error](c); e.Code != wire.CodeUnexpected {
		t.Fatalf("got %+v", e)
	}
	// A non-hello first frame is a refused handshake.
	d := dial(t, h.addr)
	d.send(wire.Say{Room: wire.Lobby, Text: "hi"})
	if r := expect[wire.Refused](d); r.Code != wire.RefuseHandshake {
		t.Fatalf("got %+v", r)
	}
	d.expectEOF()
	// The watcher saw joins and leaves, and never a chat from the forger.
	for _, m := range watcher.sync() {
		if ch, ok := m.(wire.Chat); ok {
			t.Fatalf("watcher got %+v", ch)
		}
	}
	if conns, members := h.counts(); conns != 2 || members != 2 {
		t.Fatalf("%d conns, %d members; want 2, 2", conns, members)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.HandshakeTime = 200 * time.Millisecond
	h := startServer(t, cfg)
	start := time.Now() // the handshake time runs from the connection, TLS included
	c := dial(t, h.addr)
	r := expect[wire.Refused](c)
	if r.Code != wire.RefuseHandshake {
		t.Fatalf("got %+v", r)
	}
	c.expectEOF()
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Fatalf("refused after %v", d)
	}
	// A half-sent hello times out too.
	c = dial(t, h.addr)
	c.write(wire.Encode(c.helloFor("slowpoke"))[:6])
	if r := expect[wire.Refused](c); r.Code != wire.RefuseHandshake {
		t.Fatalf("got %+v", r)
	}
	if conns, _ := h.counts(); conns != 0 {
		t.Fatalf("%d connections left", conns)
	}
}

func TestKeepalive(t *testing.T) {
	cfg := testConfig()
	cfg.PingAfter = 100 * time.Millisecond
	cfg.MissedPings = 2
	h := startServer(t, cfg)
	mute := join(t, h.addr, "mute")
	alive := join(t, h.addr, "alive")
	mute.sync()
	// alive answers pings for 6 ping periods.
	done := make(chan struct{})
	var aliveGot []wire.Message
	go func() {
		defer close(done)
		deadline := time.Now().Add(600 * time.Millisecond)
		for time.Now().Before(deadline) {
			m, err := alive.read(time.Until(deadline))
			if err != nil {
				return
			}
			if p, ok := m.(wire.Ping); ok {
				alive.nc.Write(wire.Encode(wire.Pong{Token: p.Token}))
				continue
			}
			aliveGot = append(aliveGot, m)
		}
	}()
	pings := 0
	for {
		m, err := mute.read(wait)
		if err != nil {
			break
		}
		if _, ok := m.(wire.Ping); ok {
			pings++
		}
	}
	if pings != 2 {
		t.Fatalf("mute got %d pings before the close, want 2", pings)
	}
	ev, _ := h.waitFor(0, func(e Event) bool { ul, ok := e.(UserLeft); return ok && ul.Nick == "mute" }, "UserLeft mute")
	if ev.(UserLeft).Reason != "timed out" {
		t.Fatalf("got %+v", ev)
	}
	<-done
	aliveGot = append(aliveGot, alive.sync()...)
	if len(aliveGot) != 1 {
		t.Fatalf("alive got %+v, want one Left", aliveGot)
	}
	if l, ok := aliveGot[0].(wire.Left); !ok || l.User != "mute" || l.Reason != wire.LeftTimedOut {
		t.Fatalf("alive got %+v", aliveGot[0])
	}
	if _, members := h.counts(); members != 1 {
		t.Fatalf("%d members; alive should still be there", members)
	}
}

func TestFloodControl(t *testing.T) {
	cfg := testConfig()
	cfg.FloodBurst = 3
	cfg.FloodRate = 20
	h := startServer(t, cfg)
	a := join(t, h.addr, "chatty")
	const n = 13
	var b []byte
	for i := range n {
		b = wire.AppendFrame(b, wire.Say{Ref: uint32(i), Room: wire.Lobby, Text: fmt.Sprint(i)})
	}
	start := time.Now()
	a.write(b)
	var at []time.Duration
	for i := range n {
		ch := expect[wire.Chat](a)
		if ch.Ref != uint32(i) {
			t.Fatalf("message %d has ref %d", i, ch.Ref)
		}
		at = append(at, time.Since(start))
	}
	// 3 at once, then one every 50 ms: the last after about 500 ms.
	if at[2] > 100*time.Millisecond {
		t.Errorf("the burst took %v", at[2])
	}
	if at[n-1] < 400*time.Millisecond || at[n-1] > 2*time.Second {
		t.Errorf("the last message came after %v, want about 500 ms", at[n-1])
	}
	// Pings are not limited.
	a.quiet()
}

// TestRooms: membership, isolation, lists, errors.
func TestRooms(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	a, b, c := cs[0], cs[1], cs[2]

	a.send(wire.Join{Room: "Dev Team"})
	if got := a.readList("Dev Team"); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("alice's list %v", got)
	}
	b.send(wire.Join{Room: "dev team"}) // same room, whatever the case
	if got := b.readList("Dev Team"); !equalSet(got, []string{"alice", "bob"}) {
		t.Fatalf("bob's list %v", got)
	}
	if j := expect[wire.Joined](a); j.Room != "Dev Team" || !slices.Equal(j.Users, []string{"bob"}) {
		t.Fatalf("alice got %+v", j)
	}
	c.quiet() // carol is told nothing about the room

	a.send(wire.Say{Ref: 7, Room: "DEV TEAM", Text: "secret plans"})
	for _, x := range []*client{a, b} {
		ch := expect[wire.Chat](x)
		if ch.Room != "Dev Team" || ch.From != "alice" || ch.Text != "secret plans" || ch.Ref != 7 {
			t.Fatalf("%s got %+v", x.nick, ch)
		}
	}
	// carol tries to read and to speak in it.
	c.send(wire.Say{Ref: 9, Room: "Dev Team", Text: "let me in"})
	if e := expect[wire.Error](c); e.Code != wire.CodeNotInRoom || e.Ref != 9 {
		t.Fatalf("carol got %+v", e)
	}
	c.send(wire.Say{Ref: 10, Room: "nowhere", Text: "hello?"})
	if e := expect[wire.Error](c); e.Code != wire.CodeNoSuchRoom || e.Ref != 10 {
		t.Fatalf("carol got %+v", e)
	}
	c.send(wire.Part{Room: "Dev Team"})
	if e := expect[wire.Error](c); e.Code != wire.CodeNotInRoom {
		t.Fatalf("carol got %+v", e)
	}
	c.quiet()
	a.quiet()
	b.quiet()

	// Bad requests.
	for _, tc := range []struct {
		m    wire.Message
		code wire.ErrorCode
	}{
		{wire.Join{Room: ""}, wire.CodeInvalidRoom},
		{wire.Join{Room: " padded"}, wire.CodeInvalidRoom},
		{wire.Join{Room: "bidi\u202E"}, wire.CodeBidiControl},
		{wire.Join{Room: strings.Repeat("r", 65)}, wire.CodeInvalidRoom},
		{wire.Part{Room: "LOBBY"}, wire.CodeLobby},
		{wire.Say{Room: "Dev Team", Text: " \n "}, wire.CodeEmptyText},
		{wire.Say{Room: "Dev Team", Text: "bell\a"}, wire.CodeBadText},
		{wire.Say{Room: "Dev Team", Text: strings.Repeat("x", wire.MaxTextChars+1)}, wire.CodeTextTooLong},
		{wire.Say{Room: "Dev Team", Text: strings.Repeat("한", wire.MaxTextChars+1)}, wire.CodeTextTooLong},
	} {
		a.send(tc.m)
		if e := expect[wire.Error](a); e.Code != tc.code {
			t.Errorf("%+v: got %+v, want %v", tc.m, e, tc.code)
		}
	}
	b.quiet()

	// Room list.
	c.send(wire.Join{Room: "random"})
	c.readList("random")
	c.send(wire.ListRooms{})
	rl := expect[wire.RoomList](c)
	want := []wire.RoomInfo{{Name: "Dev Team", Members: 2}, {Name: "lobby", Members: 3}, {Name: "random", Members: 1}}
	if rl.Flags != wire.ListFirst|wire.ListLast || !slices.Equal(rl.Rooms, want) {
		t.Fatalf("room list %+v", rl)
	}

	// Part: the others get Left, the leaver gets Left too; the last one out
	// deletes the room.
	b.send(wire.Part{Room: "dev team"})
	for _, x := range []*client{a, b} {
		l := expect[wire.Left](x)
		if l.Room != "Dev Team" || l.User != "bob" || l.Reason != wire.LeftParted {
			t.Fatalf("%s got %+v", x.nick, l)
		}
	}
	b.send(wire.Say{Room: "Dev Team", Text: "still here?"})
	if e := expect[wire.Error](b); e.Code != wire.CodeNotInRoom {
		t.Fatalf("bob got %+v", e)
	}
	c.send(wire.Part{Room: "random"})
	expect[wire.Left](c)
	c.send(wire.ListRooms{})
	rl = expect[wire.RoomList](c)
	if len(rl.Rooms) != 2 {
		t.Fatalf("room list %+v", rl)
	}
	a.quiet()
	c.quiet()
	ev, _ := h.waitFor(0, func(e Event) bool {
		rc, ok := e.(RoomChanged)
		return ok && rc.Room == "random" && len(rc.Members) == 0
	}, "random gone")
	_ = ev
}

func TestMaxRooms(t *testing.T) {
	cfg := testConfig()
	cfg.MaxRooms = 2 // the lobby and one more
	h := startServer(t, cfg)
	a := join(t, h.addr, "alice")
	a.send(wire.Join{Room: "one"})
	a.readList("one")
	a.send(wire.Join{Room: "two"})
	if e := expect[wire.Error](a); e.Code != wire.CodeTooManyRooms {
		t.Fatalf("got %+v", e)
	}
}

func TestPrivate(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob", "carol")
	a, b, c := cs[0], cs[1], cs[2]
	a.send(wire.Private{Ref: 3, To: "BOB", Text: "psst"})
	for _, x := range []*client{a, b} {
		pm := expect[wire.PrivMsg](x)
		if pm.From != "alice" || pm.To != "bob" || pm.Text != "psst" || pm.Ref != 3 {
			t.Fatalf("%s got %+v", x.nick, pm)
		}
	}
	c.quiet()
	a.send(wire.Private{Ref: 4, To: "dave", Text: "anyone?"})
	if e := expect[wire.Error](a); e.Code != wire.CodeNoSuchUser || e.Ref != 4 || !strings.Contains(e.Text, "dave") {
		t.Fatalf("got %+v", e)
	}
	a.send(wire.Private{Ref: 5, To: "bob", Text: ""})
	if e := expect[wire.Error](a); e.Code != wire.CodeEmptyText || e.Ref != 5 {
		t.Fatalf("got %+v", e)
	}
	b.quiet()
	c.quiet()
	ev, _ := h.waitFor(0, func(e Event) bool { m, ok := e.(Message); return ok && m.Private }, "private Message")
	if m := ev.(Message); m.From != "alice" || m.To != "bob" || m.Text != "" {
		t.Fatalf("event %+v", m)
	}
}

func TestAnnounce(t *testing.T) {
	h := startServer(t, testConfig())
	a := join(t, h.addr, "alice")
	h.send(Announce{Text: "maintenance at noon"})
	if n := expect[wire.Notice](a); n.Text != "maintenance at noon" {
		t.Fatalf("got %+v", n)
	}
	h.send(Announce{Text: ""})
	h.waitFor(0, func(e Event) bool { e2, ok := e.(Error); return ok && e2.Op == "announce" }, "Error announce")
}

func TestConnLimits(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConns = 2
	cfg.MaxPerIP = 1 // loopback is exempt
	h := startServer(t, cfg)
	join(t, h.addr, "one")
	join(t, h.addr, "two")
	c := dialRaw(t, h.addr) // refused before TLS, in plaintext
	if r := expect[wire.Refused](c); r.Code != wire.RefuseServerFull {
		t.Fatalf("got %+v", r)
	}
	c.expectEOF()
}

// TestJoinBurst: many clients join at once; the joins are announced in
// batches, and every client's list ends up exactly the server's.
func TestJoinBurst(t *testing.T) {
	const n = 200
	h := startServer(t, testConfig())
	first := join(t, h.addr, "first")
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = dial(t, h.addr)
		cs[i].nick = fmt.Sprintf("burst%03d", i)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range cs {
		wg.Go(func() {
			<-start
			c.nc.Write(wire.Encode(c.helloFor(c.nick)))
		})
	}
	close(start)
	wg.Wait()
	for _, c := range cs {
		expect[wire.Welcome](c)
		c.list = c.readList(wire.Lobby)
	}
	all := []string{"first"}
	for i := range n {
		all = append(all, fmt.Sprintf("burst%03d", i))
	}
	joinedFrames := 0
	check := func(c *client, list []string) {
		for _, m := range c.sync() {
			j, ok := m.(wire.Joined)
			if !ok {
				t.Fatalf("%s got %+v", c.nick, m)
			}
			joinedFrames++
			for _, u := range j.Users {
				if slices.Contains(list, u) {
					t.Fatalf("%s: %s announced twice", c.nick, u)
				}
				list = append(list, u)
			}
		}
		if !equalSet(list, all) {
			t.Fatalf("%s's list has %d users, want %d", c.nick, len(list), len(all))
		}
	}
	check(first, first.list)
	for _, c := range cs {
		check(c, c.list)
	}
	t.Logf("%d joins announced to the first user in %d Joined frames", n, joinedFrames)
}

func TestRunEnds(t *testing.T) {
	// An invalid config: Run returns an error and closes events.
	events := make(chan Event, 1)
	err := Run(t.Context(), Config{MaxText: 1 << 20}, make(chan Command), events)
	if err == nil {
		t.Fatal("no error for MaxText 1 MiB")
	}
	if _, ok := <-events; ok {
		t.Fatal("events not closed")
	}
	// Context cancel while serving: clients are told, events closed.
	h := startServer(t, testConfig())
	a := join(t, h.addr, "alice")
	h.close()
	expect[wire.Stopping](a)
	a.expectEOF()
	evs := h.events()
	if _, ok := evs[len(evs)-1].(Stopped); !ok {
		t.Fatalf("last event %T, want Stopped", evs[len(evs)-1])
	}
}

func TestStartTestHelper(t *testing.T) {
	addr, stop := StartTest(t, Config{})
	c := join(t, addr, "helper")
	stop()
	expect[wire.Stopping](c)
	stop()
}

func TestTestServer(t *testing.T) {
	s := NewTestServer(t, testConfig())
	bob := join(t, s.Addr, "bob")
	if uj := WaitEvent[UserJoined](s); uj.Nick != "bob" {
		t.Fatalf("got %+v", uj)
	}
	s.Do(Kick{Nick: "bob", Reason: "testing"})
	if k := until[wire.Kicked](bob); k.Reason != "testing" {
		t.Fatalf("bob got %+v", k)
	}
	if ul := WaitEvent[UserLeft](s); ul.Nick != "bob" || ul.Reason != "kicked" {
		t.Fatalf("got %+v", ul)
	}
	addr := s.Addr
	s.Stop()
	s.Start(addr)
	if s.Addr != addr {
		t.Fatalf("restarted on %s, want %s", s.Addr, addr)
	}
	carol := join(t, s.Addr, "carol")
	s.Close()
	expect[wire.Stopping](carol)
	s.Close()
}

// dialStuck connects with a small fixed receive buffer, so that a client
// that never reads fills the server's socket buffers quickly.
func dialStuck(t *testing.T, addr, nick string) *client {
	t.Helper()
	return dialRcvbuf(t, addr, nick, 256<<10)
}

// dialRcvbuf is dialStuck with a receive buffer of rcvbuf bytes.
func dialRcvbuf(t *testing.T, addr, nick string, rcvbuf int) *client {
	t.Helper()
	d := net.Dialer{Timeout: wait, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
	}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &client{t: t, nc: nc, r: wire.NewReader(bufio.NewReader(nc), wire.AbsoluteMaxFrame), dev: trust.NewDeviceKey()}
	expectWelcome(t, c.secure(), nick)
	return c
}

func expectWelcome(t *testing.T, c *client, nick string) {
	t.Helper()
	if m := c.hello(nick); m.Type() != wire.TypeWelcome {
		t.Fatalf("%s: got %+v", nick, m)
	}
	c.list = c.readList(wire.Lobby)
}

// TestStopWithStuckClient: Stop takes about a second even while a writer is
// blocked on a client that stopped reading (its write timeout is a minute).
func TestStopWithStuckClient(t *testing.T) {
	cfg := testConfig()
	cfg.OutboxBytes = 64 << 20
	cfg.WriteTimeout = time.Minute
	h := startServer(t, cfg)
	stuck := dialStuck(t, h.addr, "stuck")
	flooder := join(t, h.addr, "flooder")
	stuck.sync()
	for _, c := range []*client{stuck, flooder} {
		c.send(wire.Join{Room: "flood"})
		c.readList("flood")
	}
	flooder.sync()
	queued := func() (n int) {
		h.inspect(func(hb *hub) {
			if c := hb.members[wire.FoldKey("stuck")]; c != nil {
				n = c.out.queued()
			}
		})
		return n
	}
	big := strings.Repeat("y", 4000)
	deadline := time.Now().Add(20 * time.Second)
	for sent := 0; ; sent++ {
		if sent%64 == 0 && queued() > 256<<10 {
			t.Logf("stuck client's writer blocked after %d messages", sent)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stuck client's writer never blocked (%d messages)", sent)
		}
		flooder.floodSay("flood", sent, 8, big)
	}
	n := len(h.events())
	start := time.Now()
	h.send(Stop{})
	h.waitFor(n, func(e Event) bool { _, ok := e.(Stopped); return ok }, "Stopped")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Stop took %v", d)
	} else {
		t.Logf("Stop took %v", d)
	}
}

func TestNilEvents(t *testing.T) {
	cmds := make(chan Command, 2)
	done := make(chan error, 1)
	go func() { done <- Run(t.Context(), testConfig(), cmds, nil) }()
	cmds <- Start{Addr: "127.0.0.1:0"}
	cmds <- Announce{Text: "nobody listens"}
	close(cmds)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return")
	}
}
