package client

import (
	"errors"
	"testing"
	"time"
)

// TestRedirect: a server stopped and started again at another address (as
// LAN discovery reports it) is reached through Redirect at once, although
// the backoff would wait a minute, and rooms are rejoined as after any
// reconnect. A Redirect while connected keeps the connection.
func TestRedirect(t *testing.T) {
	old := startServer(t, noFlood)
	h := join(t, old, "alice", WithBackoff(time.Minute, time.Minute))
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
