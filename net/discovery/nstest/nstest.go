// Package nstest is test support for real multicast: it makes network
// namespaces joined by veth pairs (IPv4 and IPv6 link-local), removes them
// when the test ends, and runs the test binary again inside a namespace in
// a helper role, driven through its standard input and read line by line
// from its standard output. A namespace belongs to a whole process, hence
// the helper processes. It needs root and iproute2's `ip`; without them the
// tests that use it are skipped.
package nstest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/discovery"
)

// RoleEnv names the helper role of a process started by Start.
const RoleEnv = "MULTICHAT_NSTEST_ROLE"

// TB is the part of testing.TB the helpers need.
type TB interface {
	Helper()
	Skip(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

var seq atomic.Int32

// Need skips the test unless namespaces can be made (root, `ip`).
func Need(t TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to create network namespaces (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipped: the `ip` command (iproute2) is missing")
	}
}

// Run runs a command, failing the test when it fails.
func Run(t TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Namespace makes an empty namespace with loopback up, removed when the test
// ends (even when it fails). IPv6 duplicate address detection is off so
// that link-local addresses are usable at once.
func Namespace(t TB) string {
	t.Helper()
	Need(t)
	ns := fmt.Sprintf("mcdisc-%d-%d", os.Getpid(), seq.Add(1))
	Run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	Run(t, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
	Run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	return ns
}

// Network is how a test LAN is set up.
type Network struct {
	// Gateway gives both sides a default route, as on a LAN with a router.
	// Without one (an isolated switch), hashicorp/mdns's browser cannot join
	// the IPv4 group and queries over IPv6 only: both paths need testing.
	Gateway bool
	// NoIPv6 switches IPv6 off on the second namespace's side.
	NoIPv6 bool
}

// LAN makes two namespaces joined by a veth pair named mc0 on both sides,
// with 10.213.<n>.1/24 and 10.213.<n>.2/24 and IPv6 link-local addresses.
// It returns the namespaces and the IPv4 prefix ("10.213.n.").
func LAN(t TB, nw Network) (a, b, subnet string) {
	t.Helper()
	a, b = Namespace(t), Namespace(t)
	if nw.NoIPv6 {
		Run(t, "ip", "netns", "exec", b, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.all.disable_ipv6=1")
	}
	subnet = Link(t, a, b, "mc0")
	if nw.Gateway {
		Run(t, "ip", "-n", a, "route", "add", "default", "via", subnet+"2")
		Run(t, "ip", "-n", b, "route", "add", "default", "via", subnet+"1")
	}
	return a, b, subnet
}

// Link joins namespaces a and b with a veth pair named ifname on both
// sides, up with multicast, with 10.213.<n>.1/24 on a's side and .2/24 on
// b's (a fresh n each time), and returns the prefix "10.213.n.".
func Link(t TB, a, b, ifname string) string {
	t.Helper()
	subnet := fmt.Sprintf("10.213.%d.", seq.Add(1))
	Run(t, "ip", "link", "add", ifname, "netns", a, "type", "veth", "peer", "name", ifname, "netns", b)
	Run(t, "ip", "-n", a, "addr", "add", subnet+"1/24", "dev", ifname)
	Run(t, "ip", "-n", b, "addr", "add", subnet+"2/24", "dev", ifname)
	Run(t, "ip", "-n", a, "link", "set", ifname, "up", "multicast", "on")
	Run(t, "ip", "-n", b, "link", "set", ifname, "up", "multicast", "on")
	return subnet
}

// Proc is a helper process running in a namespace.
type Proc struct {
	t     TB
	what  string
	stdin io.WriteCloser
	lines chan Line
}

// Line is one line of a helper's output and when it was read.
type Line struct {
	Text string
	At   time.Time
}

// Start runs this test binary in ns in role, with env added to the
// environment. When the test ends its input is closed; it must then exit
// within 5 s, with status 0 (a data race found by -race exits 66).
func Start(t TB, ns, role string, env ...string) *Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("%v", err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, exe)
	cmd.Env = append(os.Environ(), append(env, RoleEnv+"="+role)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("%v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%v", err)
	}
	p := &Proc{t: t, what: role + " " + strings.Join(env, " "), stdin: stdin, lines: make(chan Line, 256)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- Line{sc.Text(), time.Now()}
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
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

// Send writes one line to the helper's input.
func (p *Proc) Send(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, s+"\n"); err != nil {
		p.t.Fatalf("%s: %v", p.what, err)
	}
}

// until hands the helper's lines to f until f returns true (then until
// returns that line and true) or timeout passes (false).
func (p *Proc) until(timeout time.Duration, f func(Line) bool) (Line, bool) {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("%s ended", p.what)
			}
			if f(l) {
				return l, true
			}
		case <-deadline.C:
			return Line{}, false
		}
	}
}

// Await returns the first line that match accepts, within timeout; lines
// before it are skipped.
func (p *Proc) Await(timeout time.Duration, desc string, match func(string) bool) Line {
	p.t.Helper()
	l, ok := p.until(timeout, func(l Line) bool { return match(l.Text) })
	if !ok {
		p.t.Fatalf("%s: no %s within %v", p.what, desc, timeout)
	}
	return l
}

// AwaitLine waits for the line text.
func (p *Proc) AwaitLine(timeout time.Duration, text string) Line {
	p.t.Helper()
	return p.Await(timeout, fmt.Sprintf("%q", text), func(s string) bool { return s == text })
}

// Event is a browser event as Browser prints it.
type Event struct {
	Kind     string
	Instance string
	Name     string
	Addr     string
	Addrs    []string
	People   int
	// Fingerprint and Password are the announced TLS fingerprint and
	// whether a password is needed.
	Fingerprint string
	Password    bool
	Err         string
	At          time.Time `json:"-"` // when the test read it
}

// Browser is the browse helper role: it prints every discovery event as a
// JSON line until its input ends, and returns the exit status.
func Browser() int {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	enc := json.NewEncoder(os.Stdout)
	for ev := range discovery.Browse(ctx, discovery.Options{}) {
		l := Event{Kind: ev.Kind.String(), Instance: ev.Server.Instance, Name: ev.Server.Name,
			Addr: ev.Server.Addr, Addrs: ev.Server.Addrs, People: ev.Server.People,
			Fingerprint: ev.Server.Fingerprint, Password: ev.Server.Password}
		if ev.Err != nil {
			l.Err = ev.Err.Error()
		}
		enc.Encode(l)
	}
	return 0
}

// StartBrowser runs Browser in ns (the test's TestMain must run
// nstest.Browser for the role "browse") and waits for its first search.
func StartBrowser(t TB, ns string) *Proc {
	t.Helper()
	p := Start(t, ns, "browse")
	p.AwaitEvent(5*time.Second, "searched", "", nil)
	return p
}

// AwaitEvent returns the first browser event of kind for instance that
// match (nil: any) accepts, within timeout.
func (p *Proc) AwaitEvent(timeout time.Duration, kind, instance string, match func(Event) bool) Event {
	p.t.Helper()
	var ev Event
	l := p.Await(timeout, kind+" "+instance, func(s string) bool {
		ev = Event{}
		if json.Unmarshal([]byte(s), &ev) != nil || ev.Kind != kind || ev.Instance != instance {
			return false
		}
		return match == nil || match(ev)
	})
	ev.At = l.At
	return ev
}

// EventsUntil returns the browser's events up to the first that done
// accepts, within timeout.
func (p *Proc) EventsUntil(timeout time.Duration, desc string, done func(Event) bool) []Event {
	p.t.Helper()
	var evs []Event
	p.Await(timeout, desc, func(s string) bool {
		var ev Event
		if json.Unmarshal([]byte(s), &ev) != nil {
			return false
		}
		evs = append(evs, ev)
		return done(ev)
	})
	return evs
}

// NoEvent fails if an event of kind for instance comes within d.
func (p *Proc) NoEvent(d time.Duration, kind, instance string) {
	p.t.Helper()
	if l, ok := p.until(d, func(l Line) bool {
		var ev Event
		return json.Unmarshal([]byte(l.Text), &ev) == nil && ev.Kind == kind && ev.Instance == instance
	}); ok {
		p.t.Fatalf("unexpected %s %s: %s", kind, instance, l.Text)
	}
}

// Main is a test binary's TestMain for helper roles: run in a role (by
// Start), it runs that role's function, or Browser for "browse", and exits
// with its status; otherwise it runs the tests.
func Main(m interface{ Run() int }, roles map[string]func() int) {
	role := os.Getenv(RoleEnv)
	if role == "browse" {
		os.Exit(Browser())
	}
	if f := roles[role]; f != nil {
		os.Exit(f())
	}
	os.Exit(m.Run())
}
