package main

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/wire"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, size := range []int{minPayload, 100, 4096} {
		b := newPayload(size)
		for _, st := range []stamp{{0, 1, 0}, {9, 123456, 987654321}, {0xFFFF, math.MaxUint32, math.MaxInt64}} {
			setStamp(b, st)
			if len(b) != size {
				t.Fatalf("size %d: payload is %d bytes", size, len(b))
			}
			for _, c := range b {
				if c < 0x21 || c > 0x7E {
					t.Fatalf("payload holds %q, not printable ASCII", c)
				}
			}
			got, err := parseStamp(b, true)
			if err != nil || got != st {
				t.Fatalf("size %d: parseStamp(%q) = %+v, %v; want %+v", size, b, got, err, st)
			}
			got, err = parseStamp(b, false)
			if err != nil || got != (stamp{st.Sender, st.Seq, 0}) {
				t.Fatalf("size %d: parseStamp(%q, false) = %+v, %v", size, b, got, err)
			}
		}
	}
}

func TestParseStampRefuses(t *testing.T) {
	good := newPayload(60)
	setStamp(good, stamp{3, 4, 5})
	bad := []string{
		"", "hello", string(good[:minPayload-1]),
		"xcb:" + string(good[4:]),
		strings.Replace(string(good), "0003", "00g3", 1),
		strings.Replace(string(good), "0003:", "00030", 1),
		strings.ToUpper(string(good)),
		strings.Replace(string(good), "0005:", "000G:", 1),
		strings.Replace(string(good), "0005:", "000\xff:", 1),
	}
	for _, s := range bad {
		if st, err := parseStamp([]byte(s), true); err == nil {
			t.Errorf("parseStamp(%q) = %+v, want an error", s, st)
		}
	}
}

func TestNewPayloadPanicsBelowHeader(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a payload smaller than its header")
		}
	}()
	newPayload(minPayload - 1)
}

// parseChat must read exactly what wire encodes.
func TestParseChatMatchesWire(t *testing.T) {
	text := newPayload(100)
	setStamp(text, stamp{7, 42, 1234})
	m := wire.Chat{ID: 99, Time: 1700000000000, Room: "방 1", From: "사용자", Text: string(text), Ref: 42}
	frame := wire.Encode(m)
	if wire.Type(frame[4]) != wire.TypeChat {
		t.Fatalf("type %v", frame[4])
	}
	v, ok := parseChat(frame[wire.HeaderSize:])
	if !ok {
		t.Fatal("parseChat refused a wire-encoded Chat")
	}
	if string(v.Room) != m.Room || string(v.From) != m.From || string(v.Text) != m.Text || v.Ref != m.Ref {
		t.Fatalf("parseChat = %q %q %q %d", v.Room, v.From, v.Text, v.Ref)
	}
	p := frame[wire.HeaderSize:]
	for n := range len(p) {
		if _, ok := parseChat(p[:n]); ok {
			t.Fatalf("parseChat accepted a payload cut to %d of %d bytes", n, len(p))
		}
	}
	if _, ok := parseChat(append(slices.Clone(p), 0)); ok {
		t.Fatal("parseChat accepted a trailing byte")
	}
}

func TestHistExactBelow256(t *testing.T) {
	var h hist
	for v := range int64(256) {
		h.record(v)
	}
	for _, q := range []float64{0.01, 0.5, 0.99, 1} {
		want := int64(math.Ceil(q*256)) - 1
		if got := h.quantile(q); got != want {
			t.Errorf("quantile(%v) = %d, want %d", q, got, want)
		}
	}
	if h.min != 0 || h.max != 255 || h.n != 256 {
		t.Fatalf("min %d max %d n %d", h.min, h.max, h.n)
	}
}

// Every quantile is within 1/128 above the exact one (never below it), over
// values from nanoseconds to hours.
func TestHistQuantileAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h hist
	vals := make([]int64, 0, 200000)
	for range cap(vals) {
		v := int64(math.Exp(r.Float64() * math.Log(float64(4*time.Hour))))
		vals = append(vals, v)
		h.record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/128+1 {
			t.Errorf("quantile(%v) = %d, exact %d", q, got, exact)
		}
	}
	if h.max != vals[len(vals)-1] || h.min != vals[0] {
		t.Errorf("min/max %d/%d, want %d/%d", h.min, h.max, vals[0], vals[len(vals)-1])
	}
}

func TestHistIndexMonotonic(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 255, 256, 257, 511, 512, 1000, 1 << 20, 1<<40 + 12345, math.MaxInt64} {
		i := histIndex(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d after %d (buckets %d)", v, i, prev, histBuckets)
		}
		if hi := histHigh(i); hi < v {
			t.Fatalf("histHigh(histIndex(%d)) = %d, below the value", v, hi)
		}
		if i > 0 && histHigh(i-1) >= v {
			t.Fatalf("value %d also fits bucket %d", v, i-1)
		}
		prev = i
	}
}

func TestHistMerge(t *testing.T) {
	var a, b, all hist
	for v := range int64(1000) {
		all.record(v * 1000)
		if v%2 == 0 {
			a.record(v * 1000)
		} else {
			b.record(v * 1000)
		}
	}
	a.merge(&b)
	a.merge(new(hist))
	if a != all {
		t.Fatal("merged histogram differs from the one recorded whole")
	}
	var e hist
	if e.quantile(0.99) != 0 || e.mean() != 0 {
		t.Fatal("empty histogram")
	}
	e.record(-5)
	if e.quantile(0.5) != 0 {
		t.Fatal("negative values count as 0")
	}
}

func TestParseStat(t *testing.T) {
	// comm with spaces and parentheses, as a process can name itself.
	line := "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 500 0 0 0 1523 287 0 0 20 0 12 0 987 123456 789 1844674 1 1 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	u, s, err := parseStat([]byte(line))
	if err != nil || u != 1523 || s != 287 {
		t.Fatalf("parseStat = %d %d %v, want 1523 287", u, s, err)
	}
	for _, bad := range []string{"", "1234 no parens", "1 (x) S 1 2 3", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 2 0"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) gave no error", bad)
		}
	}
	if ticksToDuration(250) != 2500*time.Millisecond {
		t.Fatal("ticks are 1/100 s")
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tchatserver\nVmPeak:\t 1000 kB\nVmRSS:\t   20480 kB\nThreads:\t7\n"
	v, err := parseStatusField([]byte(status), "VmRSS")
	if err != nil || v != 20480<<10 {
		t.Fatalf("VmRSS = %d, %v", v, err)
	}
	if v, err := parseStatusField([]byte(status), "Threads"); err != nil || v != 7 {
		t.Fatalf("Threads = %d, %v", v, err)
	}
	for _, bad := range []string{"", "VmRSS:\n", "VmRSS: x kB\n", "VmRSS: 12 MB\n", "VmRSSx: 1 kB\n"} {
		if _, err := parseStatusField([]byte(bad), "VmRSS"); err == nil {
			t.Errorf("%q gave no error", bad)
		}
	}
}

// The /proc readers work on this very process.
func TestProcSelf(t *testing.T) {
	pid := os.Getpid()
	rss, err := procRSS(pid)
	if err != nil || rss < 1<<20 {
		t.Fatalf("procRSS = %d, %v", rss, err)
	}
	c0, err := procCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for time.Now().Before(deadline) { // burn CPU until /proc shows it (ticks are 10 ms)
		for i := range 1_000_000 {
			x += i
		}
		if c1, _ := procCPU(pid); c1 > c0 {
			return
		}
	}
	t.Fatalf("CPU time did not grow (%d)", x)
}

func TestRaiseNofile(t *testing.T) {
	lim, err := raiseNofile(64)
	if err != nil || lim < 64 {
		t.Fatalf("raiseNofile(64) = %d, %v", lim, err)
	}
	if _, err := raiseNofile(math.MaxUint64); err == nil {
		t.Fatal("an impossible limit gave no error")
	}
}

func TestLoopbackAddr(t *testing.T) {
	good := map[string]string{"127.0.0.1:7900": "127.0.0.1:7900", "localhost:1": "127.0.0.1:1"}
	for in, want := range good {
		if got, err := loopbackAddr(in); err != nil || got != want {
			t.Errorf("loopbackAddr(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"10.0.0.1:7900", "0.0.0.0:7900", ":7900", "[::1]:7900", "example.com:80",
		"127.0.0.2:7900", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x"} {
		if got, err := loopbackAddr(in); err == nil {
			t.Errorf("loopbackAddr(%q) = %q, want an error", in, got)
		}
	}
}

// chatPayload encodes what the server would deliver for sender s's message q.
func chatPayload(t *testing.T, tr *tracker, s int, q uint32, from string) []byte {
	t.Helper()
	text := newPayload(64)
	setStamp(text, stamp{Sender: uint16(s), Seq: q})
	f := wire.Encode(wire.Chat{ID: uint64(q), Room: "lobby", From: from, Text: string(text), Ref: q})
	return f[wire.HeaderSize:]
}

// The receiver's accounting: in order, duplicates, a gap filled late, a
// message that never comes, foreign and forged frames.
func TestReceiverAccounting(t *testing.T) {
	nicks := []string{"a", "b"}
	tr := newTracker(2, 1, nicks)
	r := newReceiver(tr, 0, nil, 100, time.Now(), true)
	feed := func(s int, qs ...uint32) {
		for _, q := range qs {
			r.chat(chatPayload(t, tr, s, q, nicks[s]))
		}
	}
	feed(0, 1, 2, 3, 3, 2)                  // two duplicates
	feed(1, 1, 3, 4, 2, 5, 3)               // 2 arrives late (1 violation), 3 again (duplicate)
	feed(0, 5, 7, 4, 6)                     // 4 after 5 and 7, 6 after 7: 2 violations; all present
	feed(1, 7, 7)                           // 6 never comes; 7 twice
	r.chat(chatPayload(t, tr, 0, 8, "b"))   // forged From
	r.chat(chatPayload(t, tr, 2, 1, "c"))   // no such sender
	r.chat(chatPayload(t, tr, 0, 101, "a")) // beyond the last seq
	r.chat([]byte{1, 2, 3})
	text := []byte("just chatting")
	f := wire.Encode(wire.Chat{Room: "lobby", From: "a", Text: string(text)})
	r.chat(f[wire.HeaderSize:])

	if r.unique != 7+6 {
		t.Errorf("unique %d, want 13", r.unique)
	}
	if r.dups != 4 {
		t.Errorf("duplicates %d, want 4", r.dups)
	}
	if r.reorders != 3 {
		t.Errorf("order violations %d, want 3", r.reorders)
	}
	if r.wrongFrom != 1 || r.foreign != 3 || r.malformed != 1 {
		t.Errorf("wrong sender %d foreign %d malformed %d, want 1 3 1", r.wrongFrom, r.foreign, r.malformed)
	}
	if p := tr.prog(0, 0).Load(); p != 7 {
		t.Errorf("progress of sender 0 = %d, want 7", p)
	}
	if p := tr.prog(0, 1).Load(); p != 5 {
		t.Errorf("progress of sender 1 = %d, want 5 (6 is missing)", p)
	}
	if r.lat.n != r.unique {
		t.Errorf("latency samples %d", r.lat.n)
	}
}

// With clients spread over three servers (client i on server i mod 3), a
// receiver keeps the latencies of its own server's senders apart from the
// other servers'.
func TestReceiverLatencyApart(t *testing.T) {
	nicks := []string{"a", "b", "c", "d"}
	tr := newTracker(4, 5, nicks)
	tr.servers = 3
	r := newReceiver(tr, 4, nil, 100, time.Now(), true) // on server 1, as sender 1
	for s := range nicks {
		for q := uint32(1); q <= 3; q++ {
			r.chat(chatPayload(t, tr, s, q, nicks[s]))
		}
	}
	if r.lat.n != 12 || r.latSame.n != 3 || r.latXS.n != 9 {
		t.Fatalf("samples: all %d, same server %d, other servers %d; want 12, 3, 9", r.lat.n, r.latSame.n, r.latXS.n)
	}
	if one := newReceiver(newTracker(1, 1, nicks[:1]), 0, nil, 100, time.Now(), true); one.latSame != nil {
		t.Fatal("a receiver with one server keeps latencies apart")
	}
}

// waitAll returns only once every receiver has reached the mark, and a
// receiver's progress wakes the sender waiting for it.
func TestTrackerWaitAll(t *testing.T) {
	const receivers, last = 5, 1000
	tr := newTracker(1, receivers, []string{"a"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for r := range receivers {
		wg.Go(func() {
			for q := uint32(1); q <= last; q++ {
				tr.advanced(r, 0, q)
				if q%100 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	for need := uint32(0); need <= last; need += 50 {
		low, err := tr.waitAll(ctx, 0, need)
		if err != nil {
			t.Fatalf("waitAll(%d): %v", need, err)
		}
		if low < need {
			t.Fatalf("waitAll(%d) returned %d", need, low)
		}
		for r := range receivers {
			if p := tr.prog(r, 0).Load(); p < need {
				t.Fatalf("receiver %d at %d after waitAll(%d)", r, p, need)
			}
		}
	}
	wg.Wait()
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := tr.waitAll(short, 0, last+1); err == nil {
		t.Fatal("waitAll for a message nobody has returned without error")
	}
}

func TestParseListHeadMatchesWire(t *testing.T) {
	f := wire.Encode(wire.UserList{Room: "로비", Flags: wire.ListLast, Users: []string{"a", "bb", "ccc"}})
	room, flags, n, ok := parseListHead(f[wire.HeaderSize:])
	if !ok || string(room) != "로비" || flags != wire.ListLast || n != 3 {
		t.Fatalf("parseListHead = %q %d %d %v", room, flags, n, ok)
	}
	if _, _, _, ok := parseListHead(f[wire.HeaderSize : wire.HeaderSize+4]); ok {
		t.Fatal("a cut head was accepted")
	}
}
