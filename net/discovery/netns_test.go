package discovery_test

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/discovery/nstest"
)

// The multicast tests run real advertisers and browsers in network
// namespaces joined by a veth pair (IPv4 and IPv6 link-local), made and
// removed by the test (see nstest): each advertiser and browser is this test
// binary run again inside its namespace in a helper role.

func TestMain(m *testing.M) {
	nstest.Main(m, map[string]func() int{"advertise": helperAdvertise})
}

// helperAdvertise announces NAME on PORT (HOST optional) and obeys lines on
// stdin: "people N", "stop". It prints "status ok|failed: …" (first, and on
// every change), "ready" and "stopped".
func helperAdvertise() int {
	port, _ := strconv.Atoi(os.Getenv("PORT"))
	var host netip.Addr
	if h := os.Getenv("HOST"); h != "" {
		host = netip.MustParseAddr(h)
	}
	// The first status comes from Advertise itself, before "ready".
	a, err := discovery.Advertise(discovery.Info{Name: os.Getenv("NAME"), Port: port, Version: 1, Fingerprint: os.Getenv("FP")},
		discovery.Options{Host: host, OnChange: func(err error) {
			if err != nil {
				fmt.Println("status failed: " + err.Error())
			} else {
				fmt.Println("status ok")
			}
		}})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "people":
			n, _ := strconv.Atoi(arg)
			a.SetPeople(n)
		case "stop":
			a.Stop()
			fmt.Println("stopped")
			return 0
		}
	}
	a.Stop()
	return 0
}

func advertiser(t *testing.T, ns, name string, port int, env ...string) *nstest.Proc {
	t.Helper()
	p := nstest.Start(t, ns, "advertise", append(env, "NAME="+name, "PORT="+strconv.Itoa(port))...)
	p.AwaitLine(5*time.Second, "status ok")
	p.AwaitLine(5*time.Second, "ready")
	return p
}

func hasLinkLocal6(addrs []string, zone string) bool {
	for _, a := range addrs {
		ap, err := netip.ParseAddrPort(a)
		if err == nil && ap.Addr().Is6() && ap.Addr().IsLinkLocalUnicast() && ap.Addr().Zone() == zone {
			return true
		}
	}
	return false
}

// TestAppearUpdateDisappear: a server started in one namespace is found in
// the other within 2 s at its IPv4 address and its IPv6 link-local one; the
// people count follows; after Stop it is Lost within 5 s.
func TestAppearUpdateDisappear(t *testing.T) {
	for _, c := range []struct {
		name string
		nw   nstest.Network
	}{
		{"isolated LAN", nstest.Network{}},
		{"LAN with a router", nstest.Network{Gateway: true}},
		{"IPv4 only", nstest.Network{Gateway: true, NoIPv6: true}},
	} {
		t.Run(c.name, func(t *testing.T) { appearUpdateDisappear(t, c.nw) })
	}
}

func appearUpdateDisappear(t *testing.T, nw nstest.Network) {
	a, b, subnet := nstest.LAN(t, nw)
	br := nstest.StartBrowser(t, b)

	adv := advertiser(t, a, "Room 101 (지민's) MultiChat", 7878, "FP=sha256:ab\\cd")
	started := time.Now()
	found := br.AwaitEvent(2*time.Second, "found", "Room 101 (지민's) MultiChat", nil)
	appear := found.At.Sub(started)
	if found.Addr != subnet+"1:7878" || found.Name != "Room 101 (지민's) MultiChat" {
		t.Errorf("found %+v, want address %s1:7878", found, subnet)
	}
	// The IPv6 answer may come in a later round than the IPv4 one.
	if !nw.NoIPv6 && !hasLinkLocal6(found.Addrs, "mc0") {
		br.AwaitEvent(2*time.Second, "updated", found.Instance, func(e nstest.Event) bool { return hasLinkLocal6(e.Addrs, "mc0") })
	}

	adv.Send("people 3")
	changed := time.Now()
	up := br.AwaitEvent(3*time.Second, "updated", found.Instance, func(e nstest.Event) bool { return e.People == 3 })
	update := up.At.Sub(changed)

	adv.Send("stop")
	stopped := adv.AwaitLine(5*time.Second, "stopped").At
	lost := br.AwaitEvent(5*time.Second, "lost", found.Instance, nil)
	gone := lost.At.Sub(stopped)
	if gone > 5*time.Second {
		t.Errorf("lost %v after Stop, want within 5 s", gone)
	}
	t.Logf("MEASURED appear %v (target 2 s), people update %v, disappear after Stop %v (target 5 s)",
		appear.Round(time.Millisecond), update.Round(time.Millisecond), gone.Round(time.Millisecond))
}

// TestTwoServers: two servers at once are two rows; stopping one removes
// only that one. A server listening on 0.0.0.0 announces no IPv6 address.
func TestTwoServers(t *testing.T) {
	a, b, subnet := nstest.LAN(t, nstest.Network{})
	br := nstest.StartBrowser(t, b)
	alpha := advertiser(t, a, "Alpha", 7001)
	advertiser(t, a, "Beta", 7002, "HOST=0.0.0.0") // listening on IPv4 only
	found := map[string]nstest.Event{}
	br.EventsUntil(3*time.Second, "both found", func(ev nstest.Event) bool {
		if ev.Kind == "found" {
			found[ev.Instance] = ev
		}
		return len(found) == 2
	})
	if found["Alpha"].Addr != subnet+"1:7001" || found["Beta"].Addr != subnet+"1:7002" {
		t.Fatalf("found %+v", found)
	}
	if b := found["Beta"]; len(b.Addrs) != 1 {
		t.Errorf("Beta listens on 0.0.0.0 but was announced at %v", b.Addrs)
	}
	alpha.Send("stop")
	// Beta must survive Alpha's removal and a further round.
	for _, ev := range br.EventsUntil(5*time.Second, "Alpha lost", func(ev nstest.Event) bool {
		return ev.Kind == "lost" && ev.Instance == "Alpha"
	}) {
		if ev.Kind == "lost" && ev.Instance == "Beta" {
			t.Fatal("Beta lost with Alpha")
		}
	}
	br.NoEvent(2*time.Second, "lost", "Beta")
}

// TestMovedByDHCP: the server machine's address changes under a running
// advertiser (as after a DHCP renewal): the browser reports the same
// instance Updated with the new address, and Moved tells a connected
// client to go there.
func TestMovedByDHCP(t *testing.T) {
	a, b, subnet := nstest.LAN(t, nstest.Network{})
	br := nstest.StartBrowser(t, b)
	advertiser(t, a, "Mover", 7878)
	old := subnet + "1:7878"
	br.AwaitEvent(2500*time.Millisecond, "found", "Mover", func(e nstest.Event) bool { return e.Addr == old })

	nstest.Run(t, "ip", "-n", a, "addr", "del", subnet+"1/24", "dev", "mc0")
	nstest.Run(t, "ip", "-n", a, "addr", "add", subnet+"7/24", "dev", "mc0")
	moved := time.Now()
	newAddr := subnet + "7:7878"
	up := br.AwaitEvent(5*time.Second, "updated", "Mover", func(e nstest.Event) bool { return e.Addr == newAddr })
	// Moved says "reconnect" once the old address is no longer answered.
	var redirect time.Duration
	for ev := up; ; ev = br.AwaitEvent(5*time.Second, "updated", "Mover", nil) {
		got, ok := discovery.Moved(discovery.Event{Kind: discovery.Updated, Server: discovery.Server{Instance: ev.Instance, Addr: ev.Addr, Addrs: ev.Addrs}}, "Mover", old)
		if ok {
			if got != newAddr {
				t.Fatalf("Moved gave %s, want %s", got, newAddr)
			}
			redirect = ev.At.Sub(moved)
			break
		}
	}
	br.NoEvent(time.Second, "lost", "Mover")
	t.Logf("MEASURED new address seen %v after the change, Moved after %v", up.At.Sub(moved).Round(time.Millisecond), redirect.Round(time.Millisecond))
}

// TestRestartedElsewhere: a server stopped and started again at another
// address and port under the same name is the same row, Updated.
func TestRestartedElsewhere(t *testing.T) {
	a, b, subnet := nstest.LAN(t, nstest.Network{})
	nstest.Run(t, "ip", "-n", a, "addr", "add", subnet+"9/24", "dev", "mc0")
	br := nstest.StartBrowser(t, b)
	first := advertiser(t, a, "Phoenix", 7878, "HOST="+subnet+"1")
	br.AwaitEvent(2500*time.Millisecond, "found", "Phoenix", func(e nstest.Event) bool { return e.Addr == subnet+"1:7878" })
	first.Send("stop")
	first.AwaitLine(5*time.Second, "stopped")
	advertiser(t, a, "Phoenix", 7979, "HOST="+subnet+"9")
	restarted := time.Now()
	ev := br.AwaitEvent(3*time.Second, "updated", "Phoenix", func(e nstest.Event) bool { return e.Addr == subnet+"9:7979" })
	if len(ev.Addrs) != 1 {
		t.Errorf("addresses %v: the old port's addresses should be gone", ev.Addrs)
	}
	t.Logf("MEASURED restarted server updated %v after its restart", ev.At.Sub(restarted).Round(time.Millisecond))
}

// TestLoopbackOnly: with multicast switched on for loopback (in a namespace
// of its own), a server listening on 127.0.0.1 is found on the same machine.
func TestLoopbackOnly(t *testing.T) {
	ns := nstest.Namespace(t)
	nstest.Run(t, "ip", "-n", ns, "link", "set", "lo", "multicast", "on")
	nstest.Run(t, "ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo")
	br := nstest.StartBrowser(t, ns)
	advertiser(t, ns, "Local", 7878, "HOST=127.0.0.1")
	ev := br.AwaitEvent(2500*time.Millisecond, "found", "Local", nil)
	if ev.Addr != "127.0.0.1:7878" {
		t.Fatalf("found at %s", ev.Addr)
	}
}

// TestNoMulticast: an advertiser with no interface that can multicast says
// so in plain words, and a browser reports that it cannot search.
func TestNoMulticast(t *testing.T) {
	ns := nstest.Namespace(t) // loopback only, without multicast
	adv := nstest.Start(t, ns, "advertise", "NAME=Alone", "PORT=7878")
	adv.Await(5*time.Second, "a failure status", func(s string) bool {
		return strings.HasPrefix(s, "status failed: ") && strings.Contains(s, "no network connection that can multicast")
	})
	br := nstest.Start(t, ns, "browse")
	br.AwaitEvent(5*time.Second, "failed", "", func(e nstest.Event) bool { return strings.Contains(e.Err, "multicast") })
}

// TestAnnouncementRecovers: multicast switched off on the server's only
// interface is reported (and the server drops from the list); switched on
// again, the announcement resumes by itself.
func TestAnnouncementRecovers(t *testing.T) {
	a, b, _ := nstest.LAN(t, nstest.Network{})
	br := nstest.StartBrowser(t, b)
	adv := advertiser(t, a, "Steady", 7878)
	br.AwaitEvent(2500*time.Millisecond, "found", "Steady", nil)

	nstest.Run(t, "ip", "-n", a, "link", "set", "mc0", "multicast", "off")
	adv.AwaitLine(3*time.Second, "status failed: no network connection that can multicast is up")
	br.AwaitEvent(6*time.Second, "lost", "Steady", nil)

	nstest.Run(t, "ip", "-n", a, "link", "set", "mc0", "multicast", "on")
	adv.AwaitLine(3*time.Second, "status ok")
	br.AwaitEvent(3*time.Second, "found", "Steady", nil)
}

// TestTwoNetworks: a client machine on two networks (Wi-Fi and Ethernet)
// finds the server on each, each at the address of its own network.
func TestTwoNetworks(t *testing.T) {
	wifi, client, wifiNet := nstest.LAN(t, nstest.Network{})
	wired := nstest.Namespace(t)
	wiredNet := nstest.Link(t, wired, client, "mc1")
	br := nstest.StartBrowser(t, client)
	advertiser(t, wifi, "Upstairs", 7878)
	advertiser(t, wired, "Downstairs", 7878)
	found := map[string]string{}
	br.EventsUntil(3*time.Second, "both found", func(ev nstest.Event) bool {
		if ev.Kind == "found" {
			found[ev.Instance] = ev.Addr
		}
		return len(found) == 2
	})
	if found["Upstairs"] != wifiNet+"1:7878" || found["Downstairs"] != wiredNet+"1:7878" {
		t.Fatalf("found %v", found)
	}
}
