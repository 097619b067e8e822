package discovery

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The multicast tests run real advertisers and browsers in network
// namespaces joined by a veth pair (IPv4 and IPv6 link-local), made and
// removed by the test. A namespace is a property of a whole process, so
// each advertiser and browser is this test binary run again inside its
// namespace with `ip netns exec` in a helper role (TestMain), driven through
// its standard input and reporting on its standard output.

const helperEnv = "DISCOVERY_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "advertise":
		os.Exit(helperAdvertise())
	case "browse":
		os.Exit(helperBrowse())
	}
	os.Exit(m.Run())
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
	a, err := Advertise(Info{Name: os.Getenv("NAME"), Port: port, Version: 1, Fingerprint: os.Getenv("FP")},
		Options{Host: host, OnChange: func(err error) {
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

// evLine is a browser event as the browse helper prints it.
type evLine struct {
	Kind     string
	Instance string
	Name     string
	Addr     string
	Addrs    []string
	People   int
	Err      string
	at       time.Time
}

// helperBrowse prints every event as a JSON line until stdin ends.
func helperBrowse() int {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	enc := json.NewEncoder(os.Stdout)
	for ev := range Browse(ctx, Options{}) {
		l := evLine{Kind: ev.Kind.String(), Instance: ev.Server.Instance, Name: ev.Server.Name,
			Addr: ev.Server.Addr, Addrs: ev.Server.Addrs, People: ev.Server.People}
		if ev.Err != nil {
			l.Err = ev.Err.Error()
		}
		enc.Encode(l)
	}
	return 0
}

// proc is a helper running in a namespace.
type proc struct {
	t     *testing.T
	what  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan line
}

type line struct {
	text string
	at   time.Time
}

var nsSeq atomic.Int32

// needNetns skips the test unless namespaces can be made (root, `ip`).
func needNetns(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to create network namespaces (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipped: the `ip` command (iproute2) is missing")
	}
}

func run(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newNamespace makes an empty namespace with loopback up, removed when the
// test ends (even when it fails). IPv6 duplicate address detection is off
// so that link-local addresses are usable at once.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := fmt.Sprintf("mcdisc-%d-%d", os.Getpid(), nsSeq.Add(1))
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
	run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// network is how the test LAN is set up.
type network struct {
	// gateway gives both sides a default route, as on a LAN with a router.
	// Without one (an isolated switch), hashicorp/mdns's browser cannot join
	// the IPv4 group and queries over IPv6 only: both paths are tested.
	gateway bool
	// noIPv6 switches IPv6 off on the browser's side.
	noIPv6 bool
}

// lan makes two namespaces joined by a veth pair named mc0 on both sides,
// with 10.213.<n>.1/24 and 10.213.<n>.2/24 and IPv6 link-local addresses.
// It returns the namespaces and the IPv4 subnet prefix ("10.213.n.").
func lan(t *testing.T, nw network) (a, b, subnet string) {
	t.Helper()
	needNetns(t)
	a, b = newNamespace(t), newNamespace(t)
	if nw.noIPv6 {
		run(t, "ip", "netns", "exec", b, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.all.disable_ipv6=1")
	}
	subnet = fmt.Sprintf("10.213.%d.", nsSeq.Load())
	run(t, "ip", "link", "add", "mc0", "netns", a, "type", "veth", "peer", "name", "mc0", "netns", b)
	run(t, "ip", "-n", a, "addr", "add", subnet+"1/24", "dev", "mc0")
	run(t, "ip", "-n", b, "addr", "add", subnet+"2/24", "dev", "mc0")
	run(t, "ip", "-n", a, "link", "set", "mc0", "up", "multicast", "on")
	run(t, "ip", "-n", b, "link", "set", "mc0", "up", "multicast", "on")
	if nw.gateway {
		run(t, "ip", "-n", a, "route", "add", "default", "via", subnet+"2")
		run(t, "ip", "-n", b, "route", "add", "default", "via", subnet+"1")
	}
	return a, b, subnet
}

// start runs this test binary in ns in a helper role.
func start(t *testing.T, ns, role string, env ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, exe)
	cmd.Env = append(os.Environ(), append(env, helperEnv+"="+role)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, what: role + " " + strings.Join(env, " "), cmd: cmd, stdin: stdin, lines: make(chan line, 256)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- line{sc.Text(), time.Now()}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
			// A helper that ended badly (a data race found by -race exits
			// 66) fails the test that ran it.
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("%s exited with %d", p.what, code)
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%s did not end within 5 s of its input closing", p.what)
		}
	})
	return p
}

func (p *proc) send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, s+"\n"); err != nil {
		p.t.Fatalf("%s: %v", p.what, err)
	}
}

// await returns the first line that match accepts, within timeout.
func (p *proc) await(timeout time.Duration, desc string, match func(string) bool) line {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s ended before %s", p.what, desc)
			}
			if match(l.text) {
				return l
			}
		case <-deadline.C:
			p.t.Fatalf("%s: no %s within %v", p.what, desc, timeout)
		}
	}
}

func (p *proc) awaitLine(timeout time.Duration, text string) line {
	p.t.Helper()
	return p.await(timeout, fmt.Sprintf("%q", text), func(s string) bool { return s == text })
}

// awaitEvent returns the first browser event of kind for instance that
// match (nil: any) accepts, within timeout.
func (p *proc) awaitEvent(timeout time.Duration, kind, instance string, match func(evLine) bool) evLine {
	p.t.Helper()
	var ev evLine
	l := p.await(timeout, kind+" "+instance, func(s string) bool {
		ev = evLine{}
		if json.Unmarshal([]byte(s), &ev) != nil || ev.Kind != kind || ev.Instance != instance {
			return false
		}
		return match == nil || match(ev)
	})
	ev.at = l.at
	return ev
}

// noEvent fails if an event of kind for instance comes within d.
func (p *proc) noEvent(d time.Duration, kind, instance string) {
	p.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			var ev evLine
			if !ok {
				p.t.Fatalf("%s ended", p.what)
			}
			if json.Unmarshal([]byte(l.text), &ev) == nil && ev.Kind == kind && ev.Instance == instance {
				p.t.Fatalf("unexpected %s %s: %s", kind, instance, l.text)
			}
		case <-deadline.C:
			return
		}
	}
}

func advertiser(t *testing.T, ns, name string, port int, env ...string) *proc {
	t.Helper()
	p := start(t, ns, "advertise", append(env, "NAME="+name, "PORT="+strconv.Itoa(port))...)
	p.awaitLine(5*time.Second, "status ok")
	p.awaitLine(5*time.Second, "ready")
	return p
}

func startBrowser(t *testing.T, ns string) *proc {
	t.Helper()
	p := start(t, ns, "browse")
	p.awaitEvent(5*time.Second, "searched", "", nil)
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
		nw   network
	}{
		{"isolated LAN", network{}},
		{"LAN with a router", network{gateway: true}},
		{"IPv4 only", network{gateway: true, noIPv6: true}},
	} {
		t.Run(c.name, func(t *testing.T) { appearUpdateDisappear(t, c.nw) })
	}
}

func appearUpdateDisappear(t *testing.T, nw network) {
	a, b, subnet := lan(t, nw)
	br := startBrowser(t, b)

	adv := advertiser(t, a, "Room 101 (지민's) MultiChat", 7878, "FP=sha256:ab\\cd")
	started := time.Now()
	found := br.awaitEvent(2*time.Second, "found", "Room 101 (지민's) MultiChat", nil)
	appear := found.at.Sub(started)
	if found.Addr != subnet+"1:7878" || found.Name != "Room 101 (지민's) MultiChat" {
		t.Errorf("found %+v, want address %s1:7878", found, subnet)
	}
	// The IPv6 answer may come in a later round than the IPv4 one.
	if !nw.noIPv6 && !hasLinkLocal6(found.Addrs, "mc0") {
		br.awaitEvent(2*time.Second, "updated", found.Instance, func(e evLine) bool { return hasLinkLocal6(e.Addrs, "mc0") })
	}

	adv.send("people 3")
	changed := time.Now()
	up := br.awaitEvent(3*time.Second, "updated", found.Instance, func(e evLine) bool { return e.People == 3 })
	update := up.at.Sub(changed)

	adv.send("stop")
	stopped := adv.awaitLine(5*time.Second, "stopped").at
	lost := br.awaitEvent(5*time.Second, "lost", found.Instance, nil)
	gone := lost.at.Sub(stopped)
	if gone > 5*time.Second {
		t.Errorf("lost %v after Stop, want within 5 s", gone)
	}
	t.Logf("MEASURED appear %v (target 2 s), people update %v, disappear after Stop %v (target 5 s)",
		appear.Round(time.Millisecond), update.Round(time.Millisecond), gone.Round(time.Millisecond))
}

// TestTwoServers: two servers at once are two rows; stopping one removes
// only that one.
func TestTwoServers(t *testing.T) {
	a, b, subnet := lan(t, network{})
	br := startBrowser(t, b)
	alpha := advertiser(t, a, "Alpha", 7001)
	advertiser(t, a, "Beta", 7002)
	fa := br.awaitEvent(2500*time.Millisecond, "found", "Alpha", nil)
	fb := br.awaitEvent(2500*time.Millisecond, "found", "Beta", nil)
	if fa.Addr != subnet+"1:7001" || fb.Addr != subnet+"1:7002" {
		t.Fatalf("addresses %s and %s", fa.Addr, fb.Addr)
	}
	alpha.send("stop")
	// Beta must survive Alpha's removal and a further round.
	done := make(chan struct{})
	go func() {
		defer close(done)
		br.awaitEvent(5*time.Second, "lost", "Alpha", nil)
	}()
	select {
	case <-done:
	case <-time.After(6 * time.Second):
		t.Fatal("Alpha not lost")
	}
	br.noEvent(2*time.Second, "lost", "Beta")
}

// TestMovedByDHCP: the server machine's address changes under a running
// advertiser (as after a DHCP renewal): the browser reports the same
// instance Updated with the new address, and Moved tells a connected
// client to go there.
func TestMovedByDHCP(t *testing.T) {
	a, b, subnet := lan(t, network{})
	br := startBrowser(t, b)
	advertiser(t, a, "Mover", 7878)
	old := subnet + "1:7878"
	br.awaitEvent(2500*time.Millisecond, "found", "Mover", func(e evLine) bool { return e.Addr == old })

	run(t, "ip", "-n", a, "addr", "del", subnet+"1/24", "dev", "mc0")
	run(t, "ip", "-n", a, "addr", "add", subnet+"7/24", "dev", "mc0")
	moved := time.Now()
	newAddr := subnet + "7:7878"
	up := br.awaitEvent(5*time.Second, "updated", "Mover", func(e evLine) bool { return e.Addr == newAddr })
	// Moved says "reconnect" once the old address is no longer answered.
	var redirect time.Duration
	for ev := up; ; ev = br.awaitEvent(5*time.Second, "updated", "Mover", nil) {
		got, ok := Moved(Event{Kind: Updated, Server: Server{Instance: ev.Instance, Addr: ev.Addr, Addrs: ev.Addrs}}, "Mover", old)
		if ok {
			if got != newAddr {
				t.Fatalf("Moved gave %s, want %s", got, newAddr)
			}
			redirect = ev.at.Sub(moved)
			break
		}
	}
	br.noEvent(time.Second, "lost", "Mover")
	t.Logf("MEASURED new address seen %v after the change, Moved after %v", up.at.Sub(moved).Round(time.Millisecond), redirect.Round(time.Millisecond))
}

// TestRestartedElsewhere: a server stopped and started again at another
// address and port under the same name is the same row, Updated.
func TestRestartedElsewhere(t *testing.T) {
	a, b, subnet := lan(t, network{})
	run(t, "ip", "-n", a, "addr", "add", subnet+"9/24", "dev", "mc0")
	br := startBrowser(t, b)
	first := advertiser(t, a, "Phoenix", 7878, "HOST="+subnet+"1")
	br.awaitEvent(2500*time.Millisecond, "found", "Phoenix", func(e evLine) bool { return e.Addr == subnet+"1:7878" })
	first.send("stop")
	first.awaitLine(5*time.Second, "stopped")
	advertiser(t, a, "Phoenix", 7979, "HOST="+subnet+"9")
	restarted := time.Now()
	ev := br.awaitEvent(3*time.Second, "updated", "Phoenix", func(e evLine) bool { return e.Addr == subnet+"9:7979" })
	if len(ev.Addrs) != 1 {
		t.Errorf("addresses %v: the old port's addresses should be gone", ev.Addrs)
	}
	t.Logf("MEASURED restarted server updated %v after its restart", ev.at.Sub(restarted).Round(time.Millisecond))
}

// TestLoopbackOnly: with multicast switched on for loopback (in a namespace
// of its own), a server listening on 127.0.0.1 is found on the same machine.
func TestLoopbackOnly(t *testing.T) {
	needNetns(t)
	ns := newNamespace(t)
	run(t, "ip", "-n", ns, "link", "set", "lo", "multicast", "on")
	run(t, "ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "lo")
	br := startBrowser(t, ns)
	advertiser(t, ns, "Local", 7878, "HOST=127.0.0.1")
	ev := br.awaitEvent(2500*time.Millisecond, "found", "Local", nil)
	if ev.Addr != "127.0.0.1:7878" {
		t.Fatalf("found at %s", ev.Addr)
	}
}

// TestNoMulticast: an advertiser with no interface that can multicast says
// so in plain words, and a browser reports that it cannot search.
func TestNoMulticast(t *testing.T) {
	needNetns(t)
	ns := newNamespace(t) // loopback only, without multicast
	adv := start(t, ns, "advertise", "NAME=Alone", "PORT=7878")
	adv.await(5*time.Second, "a failure status", func(s string) bool {
		return strings.HasPrefix(s, "status failed: ") && strings.Contains(s, "no network connection that can multicast")
	})
	br := start(t, ns, "browse")
	br.awaitEvent(5*time.Second, "failed", "", func(e evLine) bool { return strings.Contains(e.Err, "multicast") })
}
