package client

import (
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRedirect: a server stopped and started again at another address (as
// LAN discovery reports it) is reached through Redirect at once, although
// the backoff would wait a minute, and rooms are rejoined as after any
// reconnect. A Redirect while connected keeps the connection.
func TestRedirect(t *testing.T) {
	old := startServer(t, noFlood)
	h := join(t, old, "alice", WithBackoff(time.Minute, time.Minute), WithFastRetry(0, 0))
	joinRoom(h, "dev")
	waitUsers(h, "dev", "alice")

	h.do(Redirect{Addr: "127.0.0.1:1"}) // connected: only remembered
	h.do(Say{ID: 1, Room: "dev", Text: "still here"})
	if m, skipped := waitFor[Message](h); !m.Mine || m.ID != 1 {
		t.Fatalf("message %#v after %#v", m, skipped)
	}

	moved := startServer(t, noFlood)
	old.Stop()
	if d, _ := waitFor[Disconnected](h); d.Final || !errors.Is(d.Err, ErrServerStopping) {
		t.Fatalf("disconnected: %#v", d)
	}
	if r, _ := waitFor[Reconnecting](h); r.Delay < 30*time.Second {
		t.Fatalf("reconnecting %#v: the test needs a long backoff", r)
	}
	h.do(Redirect{Addr: moved.Addr})
	c, skipped := waitFor[Connected](h)
	if !c.Rejoin || c.Addr != moved.Addr {
		t.Fatalf("connected %#v after %#v", c, skipped)
	}
	waitUsers(h, "dev", "alice")

	h.do(Redirect{Addr: "no port"})
	if e, _ := waitFor[Error](h); e.Err == nil {
		t.Fatal("a bad address was not reported")
	}
}

// blackhole relays TCP connections to target until cut: then it forwards
// nothing more and closes nothing, as when the server's old address goes
// away under an open connection (a DHCP change).
type blackhole struct {
	addr string
	cut  atomic.Bool
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	relay := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				dst.Close()
				return
			}
			if !b.cut.Load() {
				dst.Write(buf[:n])
			}
		}
	}
	wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			open = append(open, in, out)
			mu.Unlock()
			wg.Add(2)
			go relay(out, in)
			go relay(in, out)
		}
	})
	return b
}

// TestRedirectWhileConnected: a Redirect while connected asks the server
// for a sign of life. A connection that answers is kept; one whose address
// went away is given up within 3 s (not after the keepalive's minute and
// more) and the session rejoins at the new address.
func TestRedirectWhileConnected(t *testing.T) {
	t.Run("answers", func(t *testing.T) {
		s := startServer(t, noFlood)
		// The probe waits at most PingAfter: 300 ms here.
		h := join(t, s, "alice", WithPingAfter(300*time.Millisecond))
		waitUsers(h, "lobby", "alice")
		h.do(Redirect{Addr: "127.0.0.1:1"})
		h.quiet(time.Second)
		h.do(Say{ID: 1, Text: "still here"})
		if m, skipped := waitFor[Message](h); !m.Mine || m.ID != 1 {
			t.Fatalf("message %#v after %#v", m, skipped)
		}
	})
	t.Run("gone", func(t *testing.T) {
		old := startServer(t, noFlood)
		path := newBlackhole(t, old.Addr)
		h := startClient(t)
		h.do(Connect{Addr: path.addr, Nick: "alice"})
		waitFor[Connected](h)
		moved := startServer(t, noFlood)
		path.cut.Store(true)
		h.do(Redirect{Addr: moved.Addr})
		start := time.Now()
		if d, _ := waitFor[Disconnected](h); d.Final || d.Err == nil || !strings.Contains(d.Err.Error(), "old address does not answer") {
			t.Fatalf("disconnected: %#v", d)
		}
		c, skipped := waitFor[Connected](h)
		if c.Addr != moved.Addr || !c.Rejoin {
			t.Fatalf("connected %#v after %#v", c, skipped)
		}
		t.Logf("rejoined at the new address %v after the Redirect", time.Since(start).Round(time.Millisecond))
	})
}
