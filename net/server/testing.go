package server

import (
	"context"
	"fmt"
	"time"

	"github.com/multichat/multichat/net/trust"
)

// TB is the part of testing.TB that the test helpers need (declared here so
// that the server package does not import testing).
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// testWait bounds each wait of the test helpers.
const testWait = 10 * time.Second

// TestServer runs a server for another package's tests and drives it as a
// UI does, through Run's channels: Do sends a command, WaitEvent waits for an
// event. Events nobody waits for are kept (Run queues them without bound)
// until a WaitEvent skips them. Close, also registered with t.Cleanup, ends
// Run.
type TestServer struct {
	Addr        string            // where the server listens (set by Start)
	Fingerprint trust.Fingerprint // its certificate's (set by Start; zero in plaintext)

	t      TB
	cancel context.CancelFunc
	cmds   chan Command
	events chan Event
	done   chan struct{} // closed when Run has returned
	err    error         // what Run returned, once done is closed
}

// NewTestServer starts a server listening on 127.0.0.1 with a free port.
// Zero fields of cfg take the defaults; it speaks TLS with a certificate made
// in a temporary DataDir unless cfg says Plaintext (or has its own).
func NewTestServer(t TB, cfg Config) *TestServer {
	t.Helper()
	if !cfg.Plaintext && cfg.Identity == nil && cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &TestServer{t: t, cancel: cancel, cmds: make(chan Command),
		events: make(chan Event, 1024), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = Run(ctx, cfg, s.cmds, s.events) // closes events
	}()
	t.Cleanup(s.Close)
	s.Start("127.0.0.1:0")
	return s
}

// Do sends c to the server.
func (s *TestServer) Do(c Command) {
	s.t.Helper()
	t := time.NewTimer(testWait)
	defer t.Stop()
	select {
	case s.cmds <- c:
	case <-s.done:
		s.t.Fatalf("server.TestServer: Run has returned (%v); %#v not sent", s.err, c)
	case <-t.C:
		s.t.Fatalf("server.TestServer: the server did not take %#v within %v", c, testWait)
	}
}

// WaitEvent returns the server's next event of type E. The events before it
// are skipped; the Error events among them are logged.
func WaitEvent[E Event](s *TestServer) E {
	s.t.Helper()
	ev := s.wait(func(ev Event) bool { _, ok := ev.(E); return ok }, fmt.Sprintf("%T", *new(E)))
	return ev.(E)
}

func (s *TestServer) wait(match func(Event) bool, what string) Event {
	s.t.Helper()
	t := time.NewTimer(testWait)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				<-s.done
				s.t.Fatalf("server.TestServer: Run returned (%v) before %s", s.err, what)
				return nil
			}
			if match(ev) {
				return ev
			}
			if e, ok := ev.(Error); ok {
				s.t.Logf("server.TestServer: %s failed: %v", e.Op, e.Err)
			}
		case <-t.C:
			s.t.Fatalf("server.TestServer: no %s within %v", what, testWait)
			return nil
		}
	}
}

// Start listens on addr (after Stop: s.Addr, to serve on the same port again)
// and waits until the server does; failing to listen fails the test.
func (s *TestServer) Start(addr string) {
	s.t.Helper()
	s.Do(Start{Addr: addr})
	ev := s.wait(func(ev Event) bool {
		switch ev := ev.(type) {
		case Started:
			return true
		case Error:
			return ev.Op == "start"
		}
		return false
	}, "Started")
	if e, ok := ev.(Error); ok {
		s.t.Fatalf("server.TestServer: start on %s: %v", addr, e.Err)
	}
	s.Addr, s.Fingerprint = ev.(Started).Addr, ev.(Started).Fingerprint
}

// Stop stops the server (clients are told and disconnected; Start serves
// again) and waits until it has.
func (s *TestServer) Stop() {
	s.t.Helper()
	s.Do(Stop{})
	WaitEvent[Stopped](s)
}

// Close ends Run, which stops the server cleanly, and waits for it; the
// events not waited for are discarded. Calling it again is fine.
func (s *TestServer) Close() {
	s.t.Helper()
	s.cancel()
	t := time.NewTimer(testWait)
	defer t.Stop()
	events := s.events
	for {
		select {
		case <-s.done:
			return
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		case <-t.C:
			s.t.Fatalf("server.TestServer: the server did not stop within %v", testWait)
		}
	}
}

// StartTest runs a server for another package's tests that only need its
// address: it listens on 127.0.0.1 with a free port, and stop stops it
// cleanly and waits for Run to return (also registered with t.Cleanup;
// calling it twice is fine). Events are discarded. Zero fields of cfg take
// the defaults.
func StartTest(t TB, cfg Config) (addr string, stop func()) {
	t.Helper()
	s := NewTestServer(t, cfg)
	go func() {
		for range s.events { // nobody waits for them; ends when Run closes events
		}
	}()
	return s.Addr, s.Close
}
