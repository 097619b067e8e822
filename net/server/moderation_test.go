package server

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// fakeClock is the moderation clock the tests move instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rejoin connects as nick from dev and returns the answer to its hello.
func rejoin(t *testing.T, addr, nick string, dev *trust.DeviceKey) wire.Message {
	t.Helper()
	c := dial(t, addr)
	c.dev = dev
	return c.hello(nick)
}

func TestBanRefusesUntilItEndsAcrossRestart(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), store.File)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Now, cfg.Moderation = clk.Now, st
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]

	end := clk.Now().Add(10 * time.Minute)
	h.send(Ban{Nick: "bob", Until: end, Reason: "도배 금지"})
	k := until[wire.Kicked](bob)
	if !strings.Contains(k.Reason, "도배 금지") || !strings.Contains(k.Reason, "banned until") {
		t.Fatalf("kicked reason %q", k.Reason)
	}
	bob.closed()
	if r := until[wire.Removed](alice); r.User != "bob" {
		t.Fatalf("removed %+v", r)
	}
	bans, _ := h.waitFor(0, func(e Event) bool { b, ok := e.(Bans); return ok && len(b.List) == 1 }, "the ban listed")
	info := bans.(Bans).List[0]
	if info.Name != "bob" || info.Device == "" || info.Nick != "" || info.Reason != "도배 금지" || !info.Until.Equal(end.Truncate(0)) {
		t.Fatalf("ban %+v", info)
	}

	refusedUntil := func(m wire.Message) {
		t.Helper()
		r, ok := m.(wire.Refused)
		if !ok || r.Code != wire.RefuseBanned || r.Text != "도배 금지" || r.Until != end.UnixMilli() {
			t.Fatalf("got %T %+v, want refused banned with the reason and %d", m, m, end.UnixMilli())
		}
	}
	refusedUntil(rejoin(t, h.addr, "bob", deviceFor("bob")))
	refusedUntil(rejoin(t, h.addr, "bobby", deviceFor("bob"))) // the device, under any nickname
	h.waitFor(0, func(e Event) bool {
		r, ok := e.(Refused)
		return ok && strings.Contains(r.Reason, "banned") && r.Code == wire.RefuseBanned && r.BanReason == "도배 금지" &&
			r.Until.Equal(end) && r.Nick == "bobby"
	}, "the refusal in the activity log, with the ban's facts")
	alice.sync() // alice is untouched (same loopback address: loopback is never banned)

	// A restart keeps the ban: the store has it.
	h.close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, path)
	cfg.Moderation = st
	h = startServer(t, cfg)
	log := waitEvent[AuditLog](h)
	var actions []AuditAction
	for _, e := range log.Entries {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []AuditAction{AuditStart, AuditBan, AuditStop}) || log.Entries[1].Target != "bob" {
		t.Fatalf("audit log after restart: %+v", log.Entries)
	}
	// The facts come back as data (the window words them), and in English
	// for the console.
	ban, stop := log.Entries[1], log.Entries[2]
	if ban.OldWords || !ban.Args.Until.Equal(end) || ban.Args.Device != info.Device ||
		ban.Reason != "도배 금지" || stop.Args.Users != 1 {
		t.Fatalf("audit entries read back: %+v", log.Entries)
	}
	if got := ban.Text(); got != "ban bob — 도배 금지 ("+UntilText(end, ban.Time)+"; device "+info.Device[:8]+")" {
		t.Fatalf("ban entry in words: %q", got)
	}
	refusedUntil(rejoin(t, h.addr, "bob", deviceFor("bob")))

	// Once it ends, bob is admitted.
	clk.Add(10*time.Minute + time.Second)
	if w, ok := rejoin(t, h.addr, "bob", deviceFor("bob")).(wire.Welcome); !ok || w.Nick != "bob" {
		t.Fatalf("after the ban: %+v", w)
	}
	h.waitFor(0, func(e Event) bool { b, ok := e.(Bans); return ok && len(b.List) == 0 }, "the ended ban gone")
}

func TestBanByNicknameAndUnban(t *testing.T) {
	h := startServer(t, testConfig())
	join(t, h.addr, "carol").sync()
	// An offline nickname with no device bound: the nickname is banned.
	h.send(Ban{Nick: "mallory", Reason: "impersonation"})
	ev, _ := h.waitFor(0, func(e Event) bool { b, ok := e.(Bans); return ok && len(b.List) == 1 }, "the ban")
	info := ev.(Bans).List[0]
	if info.Nick != "mallory" || !info.Until.IsZero() {
		t.Fatalf("ban %+v", info)
	}
	for _, nick := range []string{"mallory", "MALLORY", "ma11ory"} { // look-alikes too
		if r, ok := rejoin(t, h.addr, nick, trust.NewDeviceKey()).(wire.Refused); !ok || r.Code != wire.RefuseBanned || r.Until != 0 {
			t.Fatalf("%s: %+v", nick, r)
		}
	}
	// Loopback addresses are never banned.
	h.send(Ban{Addr: netip.MustParseAddr("127.0.0.1")})
	h.waitFor(0, func(e Event) bool { er, ok := e.(Error); return ok && er.Op == "ban" }, "the loopback ban refused")

	h.send(Unban{ID: info.ID})
	h.waitFor(0, func(e Event) bool { b, ok := e.(Bans); return ok && len(b.List) == 0 }, "the unban")
	if _, ok := rejoin(t, h.addr, "mallory", trust.NewDeviceKey()).(wire.Welcome); !ok {
		t.Fatal("mallory still refused after the unban")
	}
	h.waitFor(0, func(e Event) bool { a, ok := e.(Audited); return ok && a.Entry.Action == "unban" }, "the unban audited")
}

func TestMuteRefusesUntilItEnds(t *testing.T) {
	clk := newClock()
	cfg := testConfig()
	cfg.Now = clk.Now
	h := startServer(t, cfg)
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]

	end := clk.Now().Add(10 * time.Minute)
	h.send(Mute{Nick: "bob", Until: end, Reason: "spam"})
	r := until[wire.Restriction](bob)
	if r.Kind != wire.RestrictMute || !r.On || r.Until != end.UnixMilli() || r.Reason != "spam" {
		t.Fatalf("restriction %+v", r)
	}
	bob.send(wire.Say{Ref: 5, Room: wire.Lobby, Text: "hello?"})
	e := until[wire.Error](bob)
	if e.Code != wire.CodeMuted || e.Ref != 5 || e.Until != end.UnixMilli() || !strings.Contains(e.Text, "spam") {
		t.Fatalf("say while muted: %+v", e)
	}
	bob.send(wire.Private{Ref: 6, To: "alice", Text: "psst"})
	if e := until[wire.Error](bob); e.Code != wire.CodeMuted || e.Ref != 6 {
		t.Fatalf("private while muted: %+v", e)
	}
	for _, m := range alice.sync() {
		if _, ok := m.(wire.Chat); ok {
			t.Fatalf("alice got %+v from a muted bob", m)
		}
	}

	// The mute follows bob's device when he reconnects.
	bob.send(wire.Quit{})
	bob.closed()
	bob = join(t, h.addr, "bob")
	if r := until[wire.Restriction](bob); r.Kind != wire.RestrictMute || !r.On {
		t.Fatalf("after reconnecting: %+v", r)
	}

	// It ends by itself.
	clk.Add(11 * time.Minute)
	h.inspect(func(*hub) {}) // the hub looks at its clock after each command
	if r := until[wire.Restriction](bob); r.Kind != wire.RestrictMute || r.On {
		t.Fatalf("at the end: %+v", r)
	}
	if c := say(bob, "back"); c.From != "bob" {
		t.Fatalf("chat %+v", c)
	}

	// And early, when the admin says so.
	h.send(Mute{Nick: "bob", Reason: "again"})
	if r := until[wire.Restriction](bob); !r.On || r.Until != 0 {
		t.Fatalf("open-ended mute: %+v", r)
	}
	h.send(Unmute{Nick: "bob"})
	if r := until[wire.Restriction](bob); r.On {
		t.Fatalf("unmute: %+v", r)
	}
	say(bob, "free")
	h.waitFor(0, func(e Event) bool { m, ok := e.(MuteChanged); return ok && !m.On && m.Nick == "bob" }, "unmuted")
	// Once more: the window is told why not, as a fact.
	h.send(Unmute{Nick: "bob"})
	h.waitFor(0, func(e Event) bool {
		var ce *CommandError
		f, ok := e.(Error)
		return ok && f.Op == "unmute" && errors.As(f.Err, &ce) && ce.Problem == ProblemNotMuted && ce.Name == "bob" &&
			f.Err.Error() == "bob is not muted"
	}, "unmute refused: not muted")
}

func TestLectureModeAndTopic(t *testing.T) {
	h := startServer(t, testConfig())
	cs := joinAll(t, h.addr, "alice", "bob")
	alice, bob := cs[0], cs[1]

	h.send(Lecture{On: true})
	for _, c := range cs {
		if r := until[wire.Restriction](c); r.Kind != wire.RestrictLecture || !r.On || r.Room != "" {
			t.Fatalf("%s: %+v", c.nick, r)
		}
	}
	alice.send(wire.Say{Ref: 9, Room: wire.Lobby, Text: "question"})
	if e := until[wire.Error](alice); e.Code != wire.CodeLecture || e.Ref != 9 {
		t.Fatalf("say in lecture mode: %+v", e)
	}
	alice.send(wire.Private{Ref: 10, To: "bob", Text: "whisper"}) // private messages still go
	if p := until[wire.PrivMsg](bob); p.Text != "whisper" {
		t.Fatalf("private %+v", p)
	}
	h.send(Announce{Text: "시험 시작", Pin: true})
	if n := until[wire.Notice](bob); n.Text != "시험 시작" {
		t.Fatalf("notice %+v", n)
	}
	if tp := until[wire.Topic](bob); tp.Room != wire.Lobby || tp.Text != "시험 시작" || tp.By != "admin" {
		t.Fatalf("topic %+v", tp)
	}
	// Whoever comes later learns of both.
	carol := join(t, h.addr, "carol")
	var got []string
	for _, m := range carol.sync() {
		switch m := m.(type) {
		case wire.Restriction:
			got = append(got, fmt.Sprintf("lecture %v", m.On))
		case wire.Topic:
			got = append(got, "topic "+m.Text)
		}
	}
	if !slices.Equal(got, []string{"lecture true", "topic 시험 시작"}) {
		t.Fatalf("carol got %v", got)
	}
	h.send(Lecture{On: false})
	if r := until[wire.Restriction](alice); r.On {
		t.Fatalf("lecture off: %+v", r)
	}
	say(alice, "now I may")

	// One room only.
	alice.send(wire.Join{Room: "math"})
	alice.sync()
	h.send(Lecture{Room: "math", On: true})
	if r := until[wire.Restriction](alice); r.Room != "math" || !r.On {
		t.Fatalf("room lecture %+v", r)
	}
	alice.send(wire.Say{Ref: 11, Room: "math", Text: "x"})
	if e := until[wire.Error](alice); e.Code != wire.CodeLecture {
		t.Fatalf("say in math: %+v", e)
	}
	say(alice, "the lobby is open")
	h.waitFor(0, func(e Event) bool {
		a, ok := e.(Audited)
		return ok && a.Entry.Action == "lecture" && a.Entry.Target == "math"
	},
		"the room lecture audited")
}

// BenchmarkAdmission is the ban check of one connection attempt against
// 10 000 bans (devices, addresses and nicknames), for a user who is not
// banned: every lookup runs. Target: at most 5 µs. The nickname's skeleton
// keys are an input: the hello computes them for its nickname checks
// whether or not there are bans (BenchmarkNickCheck).
func BenchmarkAdmission(b *testing.B) {
	var m moderation
	m.bans = map[int64]*ban{}
	for i := range 10000 {
		bn := &ban{info: BanInfo{ID: int64(i + 1), Reason: "x"}}
		switch i % 3 {
		case 0:
			bn.device[0], bn.device[1], bn.device[2] = byte(i), byte(i>>8), 1
			bn.hasDev = true
		case 1:
			bn.info.Addr = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		case 2:
			bn.info.Nick = fmt.Sprintf("banned%05d", i)
			bn.keys = wire.SkeletonKeys(bn.info.Nick)
		}
		m.bans[bn.info.ID] = bn
	}
	m.reindex()
	dev := trust.NewDeviceKey().Pub
	ip := netip.MustParseAddr("192.0.2.77")
	keys := wire.SkeletonKeys("홍길동")
	now := time.Now()
	for b.Loop() {
		if found, _ := m.banned(dev, ip, &keys, now); found != nil {
			b.Fatal("banned")
		}
	}
}

// BenchmarkModerationOverhead measures, side by side in one run, what the
// mute and lecture checks add to a delivery: one hub of 500 members takes
// the same says in short blocks, alternately without moderation and with
// moderation in force elsewhere (another user muted, another room in
// lecture mode: every say runs both checks and passes). The reported
// overhead-% is the median of the blocks' ratios, so that the load of the
// (shared) machine falls on both alike. Target: at most 2 %.
func BenchmarkModerationOverhead(b *testing.B) {
	const n, block = 500, 50
	h, cs := benchHub(b, n)
	say := wire.Say{Ref: 1, Room: wire.Lobby, Text: strings.Repeat("x", 100)}
	spares := make([][]outFrame, n)
	other := &mute{reason: "x", nick: cs[1].nick}
	run := func(moderated bool) time.Duration {
		if moderated {
			h.mod.lectures, cs[1].muted = map[string]string{"other": "quiet"}, other
		} else {
			h.mod.lectures, cs[1].muted = nil, nil
		}
		start := time.Now()
		for range block {
			h.say(cs[0], say)
			h.wakeWriters()
			for i, c := range cs {
				spares[i] = takeAll(c.out, spares[i])
			}
		}
		return time.Since(start)
	}
	var ratios []float64
	var tp, tm time.Duration
	for b.Loop() {
		var p, m time.Duration
		if len(ratios)%2 == 0 { // alternate which goes first
			p, m = run(false), run(true)
		} else {
			m, p = run(true), run(false)
		}
		tp, tm = tp+p, tm+m
		ratios = append(ratios, float64(m)/float64(p))
	}
	slices.Sort(ratios)
	b.ReportMetric(100*(ratios[len(ratios)/2]-1), "overhead-%")
	b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N*block*n), "plain-ns/delivery")
	b.ReportMetric(float64(tm.Nanoseconds())/float64(b.N*block*n), "moderated-ns/delivery")
}
