package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

func startAll(t testing.TB, cfgs []Config) []*Node {
	t.Helper()
	nodes := make([]*Node, len(cfgs))
	for i, c := range cfgs {
		c.Heartbeat = 200 * time.Millisecond
		n, err := Start(c)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
		t.Cleanup(n.Close)
	}
	return nodes
}

// next waits for the next event of type T, skipping others.
func next[T Event](t testing.TB, n *Node) T {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-n.Events():
			if v, ok := e.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("%s: no %T within 20 s", n.ID(), zero)
			return zero
		}
	}
}

// msgsFrom waits for count events of server from, delivered alone (Msg) or
// together (Batch), skipping other events; it counts the Batches' sizes in
// sizes when not nil.
func msgsFrom(t testing.TB, n *Node, from string, count int, sizes map[int]int) []Msg {
	t.Helper()
	var out []Msg
	deadline := time.After(20 * time.Second)
	for len(out) < count {
		var got []Msg
		select {
		case e := <-n.Events():
			switch e := e.(type) {
			case Msg:
				got = []Msg{e}
			case Batch:
				if len(e) < 2 || len(e) > maxBatch {
					t.Fatalf("%s: a batch of %d", n.ID(), len(e))
				}
				got = e
			}
		case <-deadline:
			t.Fatalf("%s: %d events of %s within 20 s, want %d", n.ID(), len(out), from, count)
		}
		if sizes != nil && len(got) > 0 {
			sizes[len(got)]++
		}
		for _, m := range got {
			if m.From == from {
				out = append(out, m)
			}
		}
	}
	return out
}

// TestBatchKeepsOrder: events queued behind one another (here because the
// receiver was not reading) are delivered in Batches of at most maxBatch,
// in their order, none lost, and the last one is delivered without waiting
// for another (a Batch never holds events back when nothing is queued).
func TestBatchKeepsOrder(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 2))
	next[PeerUp](t, nodes[1])
	const count = 10000 // more than the events channel holds: the rest queue in NATS
	for i := range count {
		nodes[0].Publish(fmt.Appendf(nil, "m%d", i))
	}
	if err := nodes[0].nc.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // they reach the receiver's queue
	sizes := map[int]int{}
	for i, m := range msgsFrom(t, nodes[1], "s0", count, sizes) {
		if want := fmt.Sprintf("m%d", i); string(m.Data) != want {
			t.Fatalf("got %q, want %q", m.Data, want)
		}
	}
	batched := 0
	for size, k := range sizes {
		if size > 1 {
			batched += size * k
		}
	}
	if batched == 0 {
		t.Fatalf("no batch among %v (size: how many)", sizes)
	}
	t.Logf("%d of %d events came in batches (size: how many): %v", batched, count, sizes)
	// One more, alone: delivered at once as a Msg.
	nodes[0].Publish([]byte("last"))
	if m := next[Msg](t, nodes[1]); string(m.Data) != "last" {
		t.Fatalf("got %q, want last", m.Data)
	}
}

func TestThreeNodesOrderAndDown(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 3))
	for _, n := range nodes[1:] {
		for range 2 {
			next[PeerUp](t, n)
		}
	}
	const count = 500
	for i := range count {
		nodes[0].Publish(fmt.Appendf(nil, "m%d", i))
	}
	for _, n := range nodes[1:] {
		for i, m := range msgsFrom(t, n, "s0", count, nil) {
			if want := fmt.Sprintf("m%d", i); string(m.Data) != want {
				t.Fatalf("%s got %q, want %q", n.ID(), m.Data, want)
			}
		}
	}
	if pub, _ := nodes[0].Stats(); pub != count {
		t.Errorf("published %d messages for %d events", pub, count)
	}
	nodes[2].Kill()
	start := time.Now()
	for {
		d := next[PeerDown](t, nodes[0])
		if d.Peer == "s2" {
			break
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a dead server was noticed after %v", took)
	}
}

// TestPublishWritesAtOnce: with the embedded server, Publish hands each
// event to the NATS server before it returns (nothing waits in nats.go's
// buffer for its flusher goroutine), from any number of goroutines at once,
// and every other server still gets every event, each publisher's in its
// order. The routes are not compressed.
func TestPublishWritesAtOnce(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 3))
	for _, n := range nodes[1:] {
		for range 2 {
			next[PeerUp](t, n)
		}
	}
	const publishers, each = 4, 200
	var wg sync.WaitGroup
	var buffered atomic.Int32
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				nodes[0].Publish(fmt.Appendf(nil, "%d %d", p, i))
				if b, err := nodes[0].nc.Buffered(); err != nil || b != 0 {
					buffered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if b := buffered.Load(); b != 0 {
		t.Errorf("%d of %d events were left in nats.go's buffer after Publish", b, publishers*each)
	}
	for _, n := range nodes[1:] {
		want := make([]int, publishers)
		for _, m := range msgsFrom(t, n, "s0", publishers*each, nil) {
			var p, i int
			if _, err := fmt.Sscanf(string(m.Data), "%d %d", &p, &i); err != nil || p < 0 || p >= publishers {
				t.Fatalf("%s: unexpected event %q", n.ID(), m.Data)
			}
			if i != want[p] {
				t.Fatalf("%s: publisher %d's event %d arrived when %d was due", n.ID(), p, i, want[p])
			}
			want[p]++
		}
	}
	rz, err := nodes[0].ns.Routez(&natsserver.RoutezOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rz.Routes) == 0 {
		t.Fatal("no routes")
	}
	for _, r := range rz.Routes {
		if r.Compression != natsserver.CompressionOff {
			t.Errorf("route to %s: compression %q, want %q", r.RemoteName, r.Compression, natsserver.CompressionOff)
		}
	}
}

func TestNickRace(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 3))
	var wins atomic.Int32
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			var dev [32]byte
			dev[0] = byte(i + 1)
			err := nodes[i%3].Claim(ctx, []string{"bob", "b0b"}, dev, fmt.Sprint(i))
			if err == nil {
				wins.Add(1)
			} else if err != ErrTaken {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want exactly 1", wins.Load())
	}
}

// TestClusterID: every server of a cluster reports the same id (the LAN
// announcement carries it), made once by whichever got there first.
func TestClusterID(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 3))
	var ids []string
	for _, n := range nodes {
		f := next[Formed](t, n)
		if f.ID == "" || f.ID != n.ClusterID() {
			t.Fatalf("%s: formed %q, ClusterID %q", n.ID(), f.ID, n.ClusterID())
		}
		ids = append(ids, f.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("cluster ids %v, want one", ids)
	}
}

// TestGapAsksForSnapshot: events lost on the way (a NATS interruption) are
// noticed by the sequence numbers: the receiver reports Resync and the
// sender is asked for a snapshot.
func TestGapAsksForSnapshot(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 2))
	next[PeerUp](t, nodes[1])
	nodes[0].Publish([]byte("one"))
	if m := next[Msg](t, nodes[1]); string(m.Data) != "one" {
		t.Fatalf("got %q", m.Data)
	}
	nodes[0].pubMu.Lock()
	nodes[0].seq++ // as if an event had been lost
	nodes[0].pubMu.Unlock()
	nodes[0].Publish([]byte("three"))
	if r := next[Resync](t, nodes[1]); r.Peer != "s0" {
		t.Fatalf("resync for %q", r.Peer)
	}
	for {
		if w := next[SnapshotWanted](t, nodes[0]); w.By == "s1" {
			break
		}
	}
}

// TestReleaseOnlyItsClaim: a device that reconnects claims its nickname
// again before its old connection is let go; the old connection's release
// must not free the new one's.
func TestReleaseOnlyItsClaim(t *testing.T) {
	cfgs := LocalConfigs(t, 2)
	for i := range cfgs {
		cfgs[i].Grace = time.Millisecond
	}
	n := startAll(t, cfgs)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := []string{"erin"}
	mine, other := [32]byte{1}, [32]byte{2}
	if err := n.Claim(ctx, keys, mine, "old"); err != nil {
		t.Fatal(err)
	}
	if err := n.Claim(ctx, []string{"flush"}, mine, "x"); err != nil {
		t.Fatal(err)
	}
	if err := n.Claim(ctx, keys, mine, "new"); err != nil {
		t.Fatal(err)
	}
	n.Release(keys, mine, "old", false)
	n.Release(keys, [32]byte{9}, "new", false) // another device's release: ignored too
	// Releases are applied in order: once this one is done, the two
	// above are.
	n.Release([]string{"flush"}, mine, "x", false)
	claimSoon(ctx, t, n, []string{"flush"}, other)
	if err := n.Claim(ctx, keys, other, "thief"); err != ErrTaken {
		t.Fatalf("another device claimed an online nickname: %v", err)
	}
	n.Release(keys, mine, "new", false)
	claimSoon(ctx, t, n, keys, other)
}

// claimSoon claims keys for device, retrying while they are taken.
func claimSoon(ctx context.Context, t *testing.T, n *Node, keys []string, device [32]byte) {
	t.Helper()
	for {
		err := n.Claim(ctx, keys, device, "later")
		if err == nil {
			return
		}
		if err != ErrTaken {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("the nickname was never released")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestExistingDeployment: two servers join through a NATS server of their
// own (-nats) instead of embedding one.
func TestExistingDeployment(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	nodes := startAll(t, []Config{{ID: "a", NATS: ns.ClientURL()}, {ID: "b", NATS: ns.ClientURL()}})
	next[PeerUp](t, nodes[1])
	nodes[0].Publish([]byte("hello"))
	if m := next[Msg](t, nodes[1]); m.From != "a" || string(m.Data) != "hello" {
		t.Fatalf("got %+v", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := nodes[0].Claim(ctx, []string{"bob"}, [32]byte{1}, "x"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[1].Claim(ctx, []string{"bob"}, [32]byte{2}, "y"); err != ErrTaken {
		t.Fatalf("a second device got bob: %v", err)
	}
}

// TestForget: the administrator frees a nickname still bound to a device
// that left, on every server.
func TestForget(t *testing.T) {
	nodes := startAll(t, LocalConfigs(t, 2))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := []string{"frank"}
	if err := nodes[0].Claim(ctx, keys, [32]byte{1}, "a"); err != nil {
		t.Fatal(err)
	}
	nodes[0].Release(keys, [32]byte{1}, "a", false) // offline, bound for the grace period (10 min)
	if err := nodes[1].Claim(ctx, keys, [32]byte{2}, "b"); err != ErrTaken {
		t.Fatalf("another device took a nickname in its grace period: %v", err)
	}
	nodes[0].Forget(keys) // after the release: one queue, in order
	claimSoon(ctx, t, nodes[1], keys, [32]byte{2})
}

// TestRoutePortInUse: a route port another program holds is refused at once
// with the system's reason (NATS itself would log it and never be ready).
func TestRoutePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	n, err := Start(Config{ID: "a", Listen: ln.Addr().String(), Dir: filepath.Join(t.TempDir(), "js")})
	if err == nil {
		n.Close()
		t.Fatal("started on a port in use")
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v does not say the port is in use", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to say so", d)
	}
}
