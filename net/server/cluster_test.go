package server

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/multichat/multichat/net/cluster"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// member is a server of a test cluster: its hub and its node.
type member struct {
	*harness
	node *cluster.Node
}

// startCluster runs n servers clustering over embedded NATS on loopback
// ports, and waits until each sees the others and nicknames can be claimed.
func startCluster(t *testing.T, n int, tweak ...func(i int, cfg *Config)) []*member {
	t.Helper()
	cfgs := cluster.LocalConfigs(t, n)
	ms := make([]*member, n)
	for i, cc := range cfgs {
		node, err := cluster.Start(cc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(node.Close) // after the hub's Run has returned (cleanups run last first)
		cfg := testConfig()
		cfg.Identity = clusterIdentity(i)
		cfg.Name = fmt.Sprintf("server %d", i)
		cfg.Cluster = node
		for _, f := range tweak {
			f(i, &cfg)
		}
		ms[i] = &member{harness: startServer(t, cfg), node: node}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range ms {
		if err := m.node.Ready(ctx); err != nil {
			t.Fatalf("%s: nicknames not ready: %v", m.node.ID(), err)
		}
		m.waitFor(0, func(e Event) bool {
			cc, ok := e.(ClusterChanged)
			up := 0
			for _, p := range cc.Peers {
				if p.Up {
					up++
				}
			}
			return ok && up == n-1
		}, "every other server up")
	}
	return ms
}

var clusterIDs = struct {
	sync.Mutex
	ids map[int]*trust.Identity
}{ids: map[int]*trust.Identity{}}

// clusterIdentity gives each server of a test cluster a certificate of its
// own, as real servers have.
func clusterIdentity(i int) *trust.Identity {
	clusterIDs.Lock()
	defer clusterIDs.Unlock()
	if clusterIDs.ids[i] == nil {
		id, err := trust.NewIdentity(fmt.Sprintf("server %d", i))
		if err != nil {
			panic(err)
		}
		clusterIDs.ids[i] = id
	}
	return clusterIDs.ids[i]
}

// seeUsers reads c's frames until room's list, as the welcome and the
// Joined and Left frames since tell it, is want; it returns what else
// arrived meanwhile.
func (c *client) seeUsers(room string, want ...string) []wire.Message {
	c.t.Helper()
	have := map[string]bool{}
	if room == wire.Lobby {
		for _, n := range c.list {
			have[n] = true
		}
	}
	match := func() bool {
		if len(have) != len(want) {
			return false
		}
		for _, w := range want {
			if !have[w] {
				return false
			}
		}
		return true
	}
	var other []wire.Message
	deadline := time.Now().Add(10 * time.Second)
	for !match() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %s lists %v, want %v", c.nick, room, have, want)
		}
		switch m := c.next().(type) {
		case wire.Joined:
			if m.Room == room {
				for _, u := range m.Users {
					have[u] = true
				}
				continue
			}
			other = append(other, m)
		case wire.Left:
			if m.Room == room {
				delete(have, m.User)
				continue
			}
			other = append(other, m)
		case wire.UserList:
			if m.Room == room {
				if m.Flags&wire.ListFirst != 0 {
					clear(have)
				}
				for _, u := range m.Users {
					have[u] = true
				}
				continue
			}
			other = append(other, m)
		default:
			other = append(other, m)
		}
	}
	if room == wire.Lobby {
		c.list = slices.Sorted(func(yield func(string) bool) {
			for n := range have {
				if !yield(n) {
					return
				}
			}
		})
	}
	return other
}

func TestClusterThreeServers(t *testing.T) {
	ms := startCluster(t, 3)
	// Every server reports the same cluster id (the LAN announcement's).
	ids := map[string]bool{}
	for _, m := range ms {
		ev, _ := m.waitFor(0, func(e Event) bool { c, ok := e.(ClusterChanged); return ok && c.Cluster != "" }, "the cluster's id")
		ids[ev.(ClusterChanged).Cluster] = true
	}
	if len(ids) != 1 {
		t.Fatalf("cluster ids %v, want one", ids)
	}
	alice := join(t, ms[0].addr, "alice")
	srv := until[wire.Servers](alice)
	if len(srv.Servers) != 3 || srv.Servers[0].Addr != ms[0].addr {
		t.Fatalf("servers frame %+v, want the 3 servers, %s first", srv, ms[0].addr)
	}
	for i, s := range srv.Servers {
		want := clusterIdentity(i).Fingerprint
		if s.Addr != ms[i].addr || trust.Fingerprint(s.Fingerprint) != want {
			t.Errorf("server %d listed as %s %x, want %s %x", i, s.Addr, s.Fingerprint[:4], ms[i].addr, want[:4])
		}
	}
	bob := join(t, ms[1].addr, "bob")
	carol := join(t, ms[2].addr, "carol")
	everyone := []string{"alice", "bob", "carol"}
	for _, c := range []*client{alice, bob, carol} {
		c.seeUsers(wire.Lobby, everyone...)
	}
	// The server window shows where each person is.
	ev, _ := ms[0].waitFor(0, func(e Event) bool { j, ok := e.(UserJoined); return ok && j.Nick == "carol" }, "carol joined")
	if s := ev.(UserJoined).Server; s != "server 2" {
		t.Errorf("carol shown on %q, want server 2", s)
	}

	// Cross-server chat: one sender's order is kept on every server.
	const count = 100
	before, _ := ms[0].node.Stats()
	for i := range count {
		alice.send(wire.Say{Ref: uint32(i + 1), Room: wire.Lobby, Text: fmt.Sprintf("m%d", i)})
	}
	for _, c := range []*client{alice, bob, carol} {
		for i := 0; i < count; {
			m := until[wire.Chat](c)
			if want := fmt.Sprintf("m%d", i); m.From != "alice" || m.Text != want {
				t.Fatalf("%s got %s: %q, want alice: %q", c.nick, m.From, m.Text, want)
			}
			i++
		}
	}
	after, _ := ms[0].node.Stats()
	if pub := after - before; pub > count+2 { // the chat messages, and a snapshot or two
		t.Errorf("server 0 published %d NATS messages for %d chat messages", pub, count)
	}

	// Rooms span the servers.
	bob.send(wire.Join{Room: "dev"})
	if got := bob.readListSkipping("dev"); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("bob: dev lists %v", got)
	}
	// Carol waits until her server knows of bob in dev.
	ms[2].waitFor(0, func(e Event) bool {
		rc, ok := e.(RoomChanged)
		return ok && rc.Room == "dev" && slices.Contains(rc.Members, "bob")
	}, "dev with bob on server 2")
	carol.send(wire.Join{Room: "dev"})
	if got := carol.readListSkipping("dev"); !equalSet(got, []string{"bob", "carol"}) {
		t.Fatalf("carol: dev lists %v", got)
	}
	if j := until[wire.Joined](bob); j.Room != "dev" || !slices.Equal(j.Users, []string{"carol"}) {
		t.Fatalf("bob: %+v, want carol joining dev", j)
	}
	carol.send(wire.Say{Room: "dev", Text: "hello dev"})
	if m := until[wire.Chat](bob); m.Room != "dev" || m.From != "carol" || m.Text != "hello dev" {
		t.Fatalf("bob got %+v", m)
	}
	// A notice and the words of a part cross servers too.
	carol.send(wire.Say{Room: "dev", Text: "build passed", Notice: true})
	if m := until[wire.Chat](bob); m.From != "carol" || m.Text != "build passed" || !m.Notice {
		t.Fatalf("bob got %+v, want carol's notice", m)
	}
	carol.send(wire.Part{Room: "dev", Reason: "brb"})
	if l := until[wire.Left](bob); l.Room != "dev" || l.User != "carol" || l.Text != "brb" {
		t.Fatalf("bob: %+v, want carol leaving dev with her words", l)
	}
	carol.send(wire.Join{Room: "dev"})
	carol.readListSkipping("dev")
	if j := until[wire.Joined](bob); j.Room != "dev" || !slices.Equal(j.Users, []string{"carol"}) {
		t.Fatalf("bob: %+v, want carol back in dev", j)
	}

	// Private messages cross servers.
	alice.send(wire.Private{Ref: 7, To: "carol", Text: "비밀"})
	if m := until[wire.PrivMsg](carol); m.From != "alice" || m.To != "carol" || m.Text != "비밀" {
		t.Fatalf("carol got %+v", m)
	}
	if m := until[wire.PrivMsg](alice); m.Ref != 7 {
		t.Fatalf("alice's receipt %+v", m)
	}

	// A kick from server 1's window reaches carol on server 2.
	ms[1].send(Kick{Nick: "carol", Reason: "enough"})
	ms[1].waitFor(0, func(e Event) bool {
		n, ok := e.(Notice)
		return ok && n.News == AskedNews{Op: "kick", Nick: "carol", Server: "server 2"}
	}, "the notice that server 2 was asked")
	if k := until[wire.Kicked](carol); k.Reason != "enough" {
		t.Fatalf("carol: kicked %+v", k)
	}
	carol.closed()
	if r := until[wire.Removed](alice); r.User != "carol" || r.Reason != "enough" {
		t.Fatalf("alice: removed %+v", r)
	}
	alice.seeUsers(wire.Lobby, "alice", "bob")
	if l := until[wire.Left](bob); l.Room != "dev" || l.User != "carol" || l.Reason != wire.LeftKicked {
		t.Fatalf("bob: %+v, want carol kicked from dev", l)
	}

	// An announcement from server 2 reaches everyone.
	ms[2].send(Announce{Text: "점심시간"})
	for _, c := range []*client{alice, bob} {
		if n := until[wire.Notice](c); n.Text != "점심시간" {
			t.Fatalf("%s: notice %+v", c.nick, n)
		}
	}
	ms[0].waitFor(0, func(e Event) bool {
		n, ok := e.(Notice)
		return ok && n.News == AnnouncedNews{Server: "server 2", Text: "점심시간"}
	}, "server 2's announcement with its facts")

	// Carol's nickname, held by no device here, is released on every server.
	ms[0].send(Release{Nick: "carol"})
	ms[0].waitFor(0, func(e Event) bool { n, ok := e.(Notice); return ok && n.News == ReleasedNews{Nick: "carol"} },
		"the release on every server")
}

// readListSkipping reads until room's UserList, skipping other frames.
func (c *client) readListSkipping(room string) []string {
	c.t.Helper()
	for {
		m := c.next()
		if ul, ok := m.(wire.UserList); ok && ul.Room == room {
			users := ul.Users
			if ul.Flags&wire.ListLast == 0 {
				users = append(users, c.readList(room)...)
			}
			return users
		}
	}
}

// TestClusterNickRace: 50 devices race for one nickname across 3 servers;
// exactly one gets it.
func TestClusterNickRace(t *testing.T) {
	ms := startCluster(t, 3)
	const racers = 50
	type result struct {
		won  bool
		code wire.RefuseCode
		err  error
	}
	results := make(chan result, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			nc, rd, ch, fp, err := tlsDial(ms[i%3].addr)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer nc.Close()
			dev := trust.NewDeviceKey()
			hello := wire.Hello{Version: wire.Version, Nick: "dave", Device: dev.Pub, Proof: dev.Prove(ch.Nonce, fp)}
			if _, err := nc.Write(wire.Encode(hello)); err != nil {
				results <- result{err: err}
				return
			}
			nc.SetReadDeadline(time.Now().Add(15 * time.Second))
			m, err := rd.ReadMessage()
			switch m := m.(type) {
			case wire.Welcome:
				results <- result{won: true}
			case wire.Refused:
				results <- result{code: m.Code}
			default:
				results <- result{err: fmt.Errorf("got %T %v", m, err)}
			}
		})
	}
	wg.Wait()
	close(results)
	wins := 0
	for r := range results {
		switch {
		case r.err != nil:
			t.Error(r.err)
		case r.won:
			wins++
		case r.code != wire.RefuseNickTaken:
			t.Errorf("refused with %v, want nickname taken", r.code)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d racers got the nickname, want exactly 1", wins, racers)
	}
}

// TestClusterServerDies: a server dies without a word; its users are shown
// as left on the others within 5 s, and one of them gets its nickname back
// on another server.
func TestClusterServerDies(t *testing.T) {
	ms := startCluster(t, 3)
	alice := join(t, ms[0].addr, "alice")
	erin := join(t, ms[2].addr, "erin")
	alice.seeUsers(wire.Lobby, "alice", "erin")
	erin.seeUsers(wire.Lobby, "alice", "erin")

	ms[2].node.Kill() // NATS gone at once, no goodbye
	died := time.Now()
	ms[2].close()
	erin.closed()
	alice.seeUsers(wire.Lobby, "alice")
	if took := time.Since(died); took > 5*time.Second {
		t.Errorf("erin shown as left after %v, want within 5 s", took)
	}
	// Erin's client comes back on server 1 with the same device: the
	// nickname is hers.
	erin2 := join(t, ms[1].addr, "erin")
	erin2.seeUsers(wire.Lobby, "alice", "erin")
	alice.seeUsers(wire.Lobby, "alice", "erin")
	// Another device may not take it meanwhile.
	other := dial(t, ms[0].addr)
	if m := other.hello("erin"); m.(wire.Refused).Code != wire.RefuseNickTaken {
		t.Fatalf("another device for erin: %+v", m)
	}
}

// TestClusterHistory: each server keeps the whole cluster's stream, so a
// room's history is the same whichever server a client asks.
func TestClusterHistory(t *testing.T) {
	dir := t.TempDir()
	ms := startCluster(t, 2, func(i int, cfg *Config) {
		cfg.History = openStore(t, filepath.Join(dir, fmt.Sprintf("s%d.db", i)))
	})
	alice := join(t, ms[0].addr, "alice")
	readHistory(alice, wire.HistReplay)
	for i := range 3 {
		alice.send(wire.Say{Ref: uint32(i + 1), Room: wire.Lobby, Text: fmt.Sprintf("기록 %d", i)})
	}
	// Server 1 has kept them once it reports the last one.
	ms[1].waitFor(0, func(e Event) bool { m, ok := e.(Message); return ok && m.Text == "기록 2" }, "the last message on server 1")
	carol := join(t, ms[1].addr, "carol")
	_, entries := readHistory(carol, wire.HistReplay)
	var texts []string
	for _, e := range entries {
		if e.Kind == wire.EntryChat {
			texts = append(texts, e.From+": "+e.Text)
		}
	}
	if want := []string{"alice: 기록 0", "alice: 기록 1", "alice: 기록 2"}; !slices.Equal(texts, want) {
		t.Fatalf("carol's replay on server 1: %q, want %q", texts, want)
	}
}

// TestClusterSnapshotConverges: what a server knows of another's users is
// replaced by that server's snapshot (sent after lost events): a user it
// missed leaving goes, one it missed joining comes, rooms follow.
func TestClusterSnapshotConverges(t *testing.T) {
	ms := startCluster(t, 2)
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	alice.seeUsers(wire.Lobby, "alice", "bob")
	// Pretend server 0 missed events of server 1: it believes in a ghost
	// and has not heard of dave, who is in #dev.
	peer := ms[1].node.ID()
	dev := deviceFor("dave").Pub
	ms[0].inspect(func(h *hub) {
		p := h.cl.peers[peer]
		h.addRemote(p, snapUser{Nick: "ghost"}, time.Now(), true)
		h.applySnapshot(p, []snapUser{{Nick: "bob", Dev: deviceFor("bob").Pub[:]}, {Nick: "dave", Dev: dev[:], Rooms: []string{"dev"}}}, time.Now())
	})
	alice.seeUsers(wire.Lobby, "alice", "bob", "dave")
	alice.send(wire.Join{Room: "dev"})
	if got := alice.readListSkipping("dev"); !equalSet(got, []string{"alice", "dave"}) {
		t.Fatalf("alice: dev lists %v, want alice and dave", got)
	}
	_ = bob
}

// TestClusterNATSInterruption: two servers share an existing NATS
// deployment, which goes away for a while and comes back: each server shows
// the other's users as gone meanwhile, and afterwards every user list
// converges and chat crosses again.
func TestClusterNATSInterruption(t *testing.T) {
	addr := cluster.FreePorts(t, 1)[0]
	_, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	store := t.TempDir()
	startNATS := func() *natsserver.Server {
		ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, JetStream: true,
			StoreDir: store, NoSigs: true, NoLog: true})
		if err != nil {
			t.Fatal(err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatal("NATS did not start")
		}
		return ns
	}
	ns := startNATS()
	ms := make([]*member, 2)
	for i := range ms {
		node, err := cluster.Start(cluster.Config{ID: fmt.Sprintf("s%d", i), NATS: "nats://" + addr,
			Heartbeat: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(node.Close)
		cfg := testConfig()
		cfg.Identity, cfg.Name, cfg.Cluster = clusterIdentity(i), fmt.Sprintf("server %d", i), node
		ms[i] = &member{harness: startServer(t, cfg), node: node}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range ms {
		if err := m.node.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}
	alice := join(t, ms[0].addr, "alice")
	bob := join(t, ms[1].addr, "bob")
	alice.seeUsers(wire.Lobby, "alice", "bob")
	bob.seeUsers(wire.Lobby, "alice", "bob")

	ns.Shutdown()
	ns.WaitForShutdown()
	alice.seeUsers(wire.Lobby, "alice") // bob's server is silent: taken as down
	bob.seeUsers(wire.Lobby, "bob")
	bob.send(wire.Join{Room: "dev"}) // while the servers cannot hear each other…
	bob.readListSkipping("dev")
	ns = startNATS()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	alice.seeUsers(wire.Lobby, "alice", "bob")
	bob.seeUsers(wire.Lobby, "alice", "bob")
	ms[0].waitFor(0, func(e Event) bool { // …and is known everywhere afterwards
		rc, ok := e.(RoomChanged)
		return ok && rc.Room == "dev" && slices.Contains(rc.Members, "bob")
	}, "bob in dev on server 0 after the interruption")
	alice.send(wire.Join{Room: "dev"})
	if got := alice.readListSkipping("dev"); !equalSet(got, []string{"alice", "bob"}) {
		t.Fatalf("alice: dev lists %v after the interruption", got)
	}
	bob.send(wire.Say{Room: wire.Lobby, Text: "back"})
	if m := until[wire.Chat](alice); m.From != "bob" || m.Text != "back" {
		t.Fatalf("alice got %+v", m)
	}
}

// TestClusterRemoteBurst: bursts of chat from another server (delivered by
// the node in batches, and gathered by the hub while they keep coming) reach
// every member in each sender's order, none lost; and a message that comes
// alone afterwards is written at once (the writers are woken when nothing
// more comes).
func TestClusterRemoteBurst(t *testing.T) {
	ms := startCluster(t, 2)
	alice := join(t, ms[0].addr, "alice")
	dan := join(t, ms[0].addr, "dan")
	bob := join(t, ms[1].addr, "bob")
	carol := join(t, ms[1].addr, "carol")
	everyone := []string{"alice", "bob", "carol", "dan"}
	for _, c := range []*client{alice, bob, carol, dan} {
		c.seeUsers(wire.Lobby, everyone...)
	}
	const count = 500
	for _, c := range []*client{alice, dan} {
		var burst []wire.Message
		for i := range count {
			burst = append(burst, wire.Say{Ref: uint32(i + 1), Room: wire.Lobby, Text: fmt.Sprintf("%s %d", c.nick, i)})
		}
		c.send(burst...)
	}
	for _, c := range []*client{bob, carol} {
		got := map[string]int{}
		for got["alice"]+got["dan"] < 2*count {
			m := until[wire.Chat](c)
			if want := fmt.Sprintf("%s %d", m.From, got[m.From]); m.Text != want {
				t.Fatalf("%s got %s: %q, want %q", c.nick, m.From, m.Text, want)
			}
			got[m.From]++
		}
	}
	start := time.Now()
	alice.send(wire.Say{Ref: count + 1, Room: wire.Lobby, Text: "alone"})
	for _, c := range []*client{bob, carol} {
		if m := until[wire.Chat](c); m.Text != "alone" {
			t.Fatalf("%s got %q, want alone", c.nick, m.Text)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a lone remote message took %v to be written", d)
	}
}
