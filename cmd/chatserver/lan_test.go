package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/discovery/nstest"
	"github.com/multichat/multichat/net/wire"
)

// The LAN tests run the real headless server in one network namespace and
// a browser and a chat client in another, joined by a veth pair (see
// nstest): each is this test binary run again in a helper role.

func TestMain(m *testing.M) {
	// The tests' history databases stay out of the real data folder (the
	// helpers inherit the variable; the test process removes the folder).
	var run interface{ Run() int } = m
	if os.Getenv(nstest.RoleEnv) == "" {
		dir, err := os.MkdirTemp("", "chatserver-test-data-")
		if err != nil {
			panic(err)
		}
		os.Setenv("XDG_DATA_HOME", dir)
		run = removeAfter{m, dir}
	}
	nstest.Main(run, map[string]func() int{"headless": helperHeadless, "join": helperJoin})
}

// removeAfter removes dir once the tests have run.
type removeAfter struct {
	m   interface{ Run() int }
	dir string
}

func (r removeAfter) Run() int {
	defer os.RemoveAll(r.dir)
	return r.m.Run()
}

// helperHeadless runs the headless server with the arguments in ARGS
// (separated by "|"); its console is this process's standard input, whose
// end means /stop.
func helperHeadless() int {
	o, err := configFromFlags(flag.NewFlagSet("headless", flag.ContinueOnError), strings.Split(os.Getenv("ARGS"), "|"))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	console, w := io.Pipe()
	go func() {
		io.Copy(w, os.Stdin)
		io.WriteString(w, "/stop\n")
	}()
	return runHeadless(context.Background(), o, console, os.Stdout, os.Stderr)
}

// helperJoin joins the server at ADDR as NICK, prints "joined", and on the
// line "quit" (or the end of its input) says goodbye and prints "left".
func helperJoin() int {
	nc, r, err := sayHelloTLS(os.Getenv("ADDR"), os.Getenv("NICK"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer nc.NetConn().Close()
	if m, err := r.ReadMessage(); err != nil || m.Type() != wire.TypeWelcome {
		fmt.Println("no welcome:", m, err)
		return 1
	}
	fmt.Println("joined")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() && sc.Text() != "quit" {
	}
	nc.Write(wire.Encode(wire.Quit{}))
	io.Copy(io.Discard, nc) // until the server closes
	fmt.Println("left")
	return 0
}

func headless(t *testing.T, ns string, args ...string) *nstest.Proc {
	t.Helper()
	return nstest.Start(t, ns, "headless", "ARGS="+strings.Join(append([]string{"-headless", "-data", t.TempDir()}, args...), "|"))
}

// TestHeadlessAnnouncesOnTheLAN: the headless server is found from another
// machine by its -name with the TLS fingerprint it prints, the people online
// follow a real client joining and leaving, /password changes whether a
// password is needed, and /stop withdraws it.
func TestHeadlessAnnouncesOnTheLAN(t *testing.T) {
	a, b, subnet := nstest.LAN(t, nstest.Network{})
	br := nstest.StartBrowser(t, b)
	srv := headless(t, a, "-addr", ":7878", "-name", "Class 3B")
	const fpPrefix = "server fingerprint (users compare it with what their client shows): "
	fp := strings.TrimPrefix(srv.Await(5*time.Second, "the fingerprint", func(s string) bool {
		return strings.HasPrefix(s, fpPrefix)
	}).Text, fpPrefix)
	srv.Await(5*time.Second, "the announcement notice", func(s string) bool {
		return strings.Contains(s, `msg="announced on the LAN: clients find the server without typing its address" name="Class 3B"`)
	})
	found := br.AwaitEvent(3*time.Second, "found", "Class 3B", nil)
	if found.Addr != subnet+"1:7878" || found.People != 0 || found.Fingerprint != fp || len(fp) != 79 || found.Password {
		t.Fatalf("found %+v; the server printed fingerprint %q", found, fp)
	}
	srv.Send("/password sesame")
	// bcrypt at its real cost takes seconds under the race detector
	br.AwaitEvent(30*time.Second, "updated", "Class 3B", func(e nstest.Event) bool { return e.Password })
	srv.Send("/password")
	br.AwaitEvent(3*time.Second, "updated", "Class 3B", func(e nstest.Event) bool { return !e.Password })
	alice := nstest.Start(t, b, "join", "ADDR="+found.Addr, "NICK=alice")
	alice.AwaitLine(5*time.Second, "joined")
	br.AwaitEvent(3*time.Second, "updated", "Class 3B", func(e nstest.Event) bool { return e.People == 1 })
	alice.Send("quit")
	alice.AwaitLine(5*time.Second, "left")
	br.AwaitEvent(3*time.Second, "updated", "Class 3B", func(e nstest.Event) bool { return e.People == 0 })
	srv.Send("/stop")
	br.AwaitEvent(5*time.Second, "lost", "Class 3B", nil)
}

// TestHeadlessAnnounceOff: with -announce=false nothing is announced.
func TestHeadlessAnnounceOff(t *testing.T) {
	a, b, _ := nstest.LAN(t, nstest.Network{})
	br := nstest.StartBrowser(t, b)
	srv := headless(t, a, "-addr", ":7878", "-name", "Quiet", "-announce=false")
	srv.Await(5*time.Second, "serving", func(s string) bool { return strings.Contains(s, "serving headless") })
	br.NoEvent(2500*time.Millisecond, "found", "Quiet")
}

// TestHeadlessAnnounceFails: without a network that can multicast, the
// server keeps serving and says why it cannot be found.
func TestHeadlessAnnounceFails(t *testing.T) {
	ns := nstest.Namespace(t) // loopback only, without multicast
	srv := headless(t, ns, "-addr", ":7878")
	srv.Await(5*time.Second, "the failure", func(s string) bool {
		return strings.Contains(s, "LAN announcement failed: no network connection that can multicast is up; clients must type the address")
	})
}
