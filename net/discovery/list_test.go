package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/mdns"

	"github.com/multichat/multichat/net/wire"
)

func row(inst, name, addr string, people int) Server {
	return Server{Instance: inst, Info: Info{Name: name, Port: 7878, Version: wire.Version, People: people}, Addr: addr, Addrs: []string{addr}}
}

func titles(l *List) []string {
	var out []string
	for i := range l.Len() {
		out = append(out, l.At(i).Title())
	}
	return out
}

func TestListModel(t *testing.T) {
	var l List
	if l.Status() != (Status{Kind: Searching}) || l.Status().String() != "Looking for servers on this network…" {
		t.Fatalf("initial status %+v", l.Status())
	}
	if !l.Apply(Event{Kind: Searched}) || l.Status() != (Status{Kind: NotFound}) {
		t.Fatalf("after an empty search: %+v", l.Status())
	}
	l.Apply(Event{Kind: Found, Server: row("zeta", "zeta", "10.0.0.9:7878", 0)})
	l.Apply(Event{Kind: Found, Server: row("b", "Beta", "10.0.0.2:7878", 2)})
	l.Apply(Event{Kind: Found, Server: row("a", "alpha", "10.0.0.1:7878", 1)})
	if got := titles(&l); !slices.Equal(got, []string{"alpha", "Beta", "zeta"}) {
		t.Fatalf("rows %v", got)
	}
	if l.Status() != (Status{Kind: Listed, Count: 3}) || l.Status().String() != "3 servers found on this network" {
		t.Fatalf("status %+v", l.Status())
	}
	// An update that renames a server moves its row; one that changes
	// nothing reports no change.
	if !l.Apply(Event{Kind: Updated, Server: row("a", "Omega", "10.0.0.1:7878", 1)}) {
		t.Fatal("rename not reported")
	}
	if got := titles(&l); !slices.Equal(got, []string{"Beta", "Omega", "zeta"}) {
		t.Fatalf("rows after rename %v", got)
	}
	if l.Apply(Event{Kind: Updated, Server: row("a", "Omega", "10.0.0.1:7878", 1)}) {
		t.Fatal("an update that changed nothing was reported")
	}
	s, ok := l.Find("b")
	if !ok || s.Addr != "10.0.0.2:7878" || s.People != 2 || s.OtherVersion() {
		t.Fatalf("Find(b) = %+v %v", s, ok)
	}
	locked := row("p", "Private", "10.0.0.5:7878", 1)
	locked.Password, locked.Version = true, 99
	l.Apply(Event{Kind: Found, Server: locked})
	if s, _ := l.Find("p"); !s.Locked() || !s.OtherVersion() {
		t.Fatalf("locked row %+v", s)
	}
	for _, inst := range []string{"a", "b", "zeta", "p"} {
		if !l.Apply(Event{Kind: Lost, Server: Server{Instance: inst}}) {
			t.Fatalf("Lost %s not reported", inst)
		}
	}
	if l.Apply(Event{Kind: Lost, Server: Server{Instance: "a"}}) || l.Status() != (Status{Kind: NotFound}) {
		t.Fatalf("status %+v", l.Status())
	}
	l.Apply(Event{Kind: Failed, Err: fmt.Errorf("browse: %w", ErrNoInterface)})
	if st := l.Status(); st.Kind != Unavailable || !errors.Is(st.Err, ErrNoInterface) ||
		st.String() != "Cannot search this network for servers (browse: no network connection that can multicast is up); type the address the admin shows" {
		t.Fatalf("failed status %+v", st)
	}
	if !l.Apply(Event{Kind: Searched}) || l.Status() != (Status{Kind: NotFound}) {
		t.Fatalf("recovered status %+v", l.Status())
	}
}

func TestMoved(t *testing.T) {
	srv := Server{Instance: "Room", Addr: "10.0.0.7:7878", Addrs: []string{"10.0.0.7:7878", "10.0.0.1:7878"}}
	if _, ok := Moved(Event{Kind: Updated, Server: srv}, "Room", "10.0.0.1:7878"); ok {
		t.Fatal("moved while the old address still answers")
	}
	srv.Addrs = []string{"10.0.0.7:7878", "[fe80::1%eth0]:7878"}
	if got, ok := Moved(Event{Kind: Updated, Server: srv}, "Room", "10.0.0.1:7878"); !ok || got != "10.0.0.7:7878" {
		t.Fatalf("Moved = %q, %v", got, ok)
	}
	for _, ev := range []Event{{Kind: Lost, Server: srv}, {Kind: Updated, Server: Server{Instance: "Other", Addr: "x:1"}}} {
		if _, ok := Moved(ev, "Room", "10.0.0.1:7878"); ok {
			t.Fatalf("Moved on %+v", ev)
		}
	}
}

// TestBrowserMerge feeds the browser's merge the answers a real round
// produces (the network side is covered by the namespace tests): one server
// over two interfaces and both families is one row; its best address is the
// IPv4 one heard last; a new port drops the old addresses; silence expires
// addresses, then the server.
func TestBrowserMerge(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Event, 16)
	b := &browser{ctx: ctx, opt: Options{}, log: Options{}.logger(), out: out, known: map[string]*seen{}}
	info := Info{Name: "Room", Port: 7878, Version: 1, People: 2}
	entry := func(v4 string, v6 string, zone string, port int, people int) *mdns.ServiceEntry {
		i := info
		i.Port, i.People = port, people
		e := &mdns.ServiceEntry{Name: "Room." + ServiceType + ".local.", Host: "pc.local.", Port: port, InfoFields: i.txt()}
		if v4 != "" {
			e.AddrV4 = net.ParseIP(v4)
		}
		if v6 != "" {
			e.AddrV6IPAddr = &net.IPAddr{IP: net.ParseIP(v6), Zone: zone}
		}
		return e
	}
	next := func() Event {
		t.Helper()
		select {
		case ev := <-out:
			return ev
		default:
			t.Fatal("no event")
			return Event{}
		}
	}
	none := func() {
		t.Helper()
		select {
		case ev := <-out:
			t.Fatalf("unexpected %v %+v", ev.Kind, ev.Server)
		default:
		}
	}
	t0 := time.Now()
	b.heard(answer{e: entry("192.168.1.5", "fe80::1", "", 7878, 2), iface: "eth0", at: t0})
	if ev := next(); ev.Kind != Found || ev.Server.Addr != "192.168.1.5:7878" ||
		!slices.Equal(ev.Server.Addrs, []string{"192.168.1.5:7878", "[fe80::1%eth0]:7878"}) {
		t.Fatalf("found %+v", ev)
	}
	// The same answer through another interface changes nothing.
	b.heard(answer{e: entry("192.168.1.5", "", "", 7878, 2), iface: "wlan0", at: t0})
	none()
	// A new IPv4 address (DHCP) becomes the address to dial at once.
	t1 := t0.Add(time.Second)
	b.heard(answer{e: entry("192.168.1.9", "", "", 7878, 3), iface: "eth0", at: t1})
	if ev := next(); ev.Kind != Updated || ev.Server.Addr != "192.168.1.9:7878" || ev.Server.People != 3 || len(ev.Server.Addrs) != 3 {
		t.Fatalf("updated %+v", ev)
	}
	// The old address expires when unheard for lostAfter.
	b.heard(answer{e: entry("192.168.1.9", "", "", 7878, 3), iface: "eth0", at: t0.Add(lostAfter)})
	none()
	b.expire(t0.Add(lostAfter + time.Millisecond))
	if ev := next(); ev.Kind != Updated || !slices.Equal(ev.Server.Addrs, []string{"192.168.1.9:7878"}) {
		t.Fatalf("after expiry %+v", ev)
	}
	// Restarted on another port: the old port's addresses go at once.
	t2 := t0.Add(lostAfter + time.Second)
	b.heard(answer{e: entry("192.168.1.9", "", "", 7979, 0), iface: "eth0", at: t2})
	if ev := next(); ev.Kind != Updated || !slices.Equal(ev.Server.Addrs, []string{"192.168.1.9:7979"}) {
		t.Fatalf("after restart %+v", ev)
	}
	b.expire(t2.Add(lostAfter + time.Millisecond))
	if ev := next(); ev.Kind != Lost || ev.Server.Instance != "Room" {
		t.Fatalf("want Lost, got %+v", ev)
	}
	// Answers that are not MultiChat's, or of an unknown layout, are ignored.
	other := entry("192.168.1.5", "", "", 80, 0)
	other.Name = "Printer._ipp._tcp.local."
	b.heard(answer{e: other, iface: "eth0", at: t2})
	odd := entry("192.168.1.5", "", "", 7878, 0)
	odd.InfoFields = []string{"txtvers=2"}
	b.heard(answer{e: odd, iface: "eth0", at: t2})
	none()
}

// TestListCluster: servers of one cluster say so in their row and find
// each other; a server of its own, or of another cluster, is not one of
// them.
func TestListCluster(t *testing.T) {
	var l List
	in := func(inst, name, cluster string) Server {
		s := row(inst, name, "10.0.0."+inst+":7878", 1)
		s.Cluster, s.Servers = cluster, 2
		return s
	}
	l.Apply(Event{Kind: Found, Server: in("1", "floor 1", "c1")})
	l.Apply(Event{Kind: Found, Server: in("2", "floor 2", "c1")})
	l.Apply(Event{Kind: Found, Server: in("3", "lab", "c2")})
	l.Apply(Event{Kind: Found, Server: row("4", "alone", "10.0.0.4:7878", 0)})
	s, _ := l.Find("2")
	if s.Cluster != "c1" || s.Servers != 2 {
		t.Fatalf("cluster fields %q, %d", s.Cluster, s.Servers)
	}
	same := l.SameChat(s)
	if len(same) != 1 || same[0].Instance != "1" {
		t.Fatalf("same chat as floor 2: %+v", same)
	}
	if alone, _ := l.Find("4"); l.SameChat(alone) != nil || alone.Cluster != "" {
		t.Fatalf("a server of its own: %+v, %q", l.SameChat(alone), alone.Cluster)
	}
}
