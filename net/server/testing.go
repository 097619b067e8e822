package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/multichat/multichat/net/trust"
)

// TB is the part of testing.TB that the test helpers need (declared here so
// that the server package does not import testing).
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
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
//
// A server fault fails the test: an Error event that the test does not wait
// for (WaitEvent[Error]) is reported with t.Errorf when it is skipped or
// when Close discards it, and so is a recovered panic (an Error with Op
// "internal") and an error returned by Run.
type TestServer struct {
	Addr        string            // where the server listens (set by Start)
	Fingerprint trust.Fingerprint // its certificate's (set by Start; zero in plaintext)

	t      TB
	cancel context.CancelFunc
	cmds   chan Command
	events chan Event
	done   chan struct{} // closed when Run has returned
	err    error         // what Run returned, once done is closed

	drained chan struct{} // StartTest: closed when its reader has taken the last event

	mu     sync.Mutex
	faults []Error // Error events StartTest's reader discarded, not yet reported
	closed bool    // Close has reported
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
	cmds, events := s.cmds, s.events
	go func() {
		defer close(s.done)
		s.err = Run(ctx, cfg, cmds, events) // closes events
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
// are skipped; an Error among them fails the test.
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
				s.fault(e)
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

// fault fails the test for an Error event nobody waited for.
func (s *TestServer) fault(e Error) {
	s.t.Helper()
	if e.Op == "internal" {
		s.t.Errorf("server.TestServer: the server recovered from a panic: %v", e.Err)
		return
	}
	s.t.Errorf("server.TestServer: server error (%s): %v", e.Op, e.Err)
}

// Close ends Run, which stops the server cleanly, and waits for it; the
// events not waited for are discarded, and an Error among them fails the
// test, as does an error returned by Run. Calling it again is fine.
func (s *TestServer) Close() {
	s.t.Helper()
	s.cancel()
	t := time.NewTimer(testWait)
	defer t.Stop()
	events := s.events
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
			} else if e, ok := ev.(Error); ok {
				s.fault(e)
			}
		case <-t.C:
			s.t.Fatalf("server.TestServer: the server did not stop within %v", testWait)
		}
	}
	for _, ch := range []chan struct{}{s.done, s.drained} {
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-t.C:
			s.t.Fatalf("server.TestServer: the server did not stop within %v", testWait)
		}
	}
	s.mu.Lock()
	faults, closed := s.faults, s.closed
	s.faults, s.closed = nil, true
	s.mu.Unlock()
	for _, e := range faults {
		s.fault(e)
	}
	if s.err != nil && !closed {
		s.t.Errorf("server.TestServer: Run returned %v", s.err)
	}
}

// StartTest runs a server for another package's tests that only need its
// address: it listens on 127.0.0.1 with a free port, and stop stops it
// cleanly and waits for Run to return (also registered with t.Cleanup;
// calling it twice is fine). Events are discarded; an Error among them
// fails the test when stop runs. Zero fields of cfg take the defaults.
func StartTest(t TB, cfg Config) (addr string, stop func()) {
	t.Helper()
	s := NewTestServer(t, cfg)
	s.discardEvents()
	return s.Addr, s.Close
}

// discardEvents hands the events to a goroutine that keeps only the Error
// events, for Close to report.
func (s *TestServer) discardEvents() {
	events := s.events
	s.events = nil // only this reader takes them; Close waits for it
	s.drained = make(chan struct{})
	go func() {
		defer close(s.drained)
		for ev := range events { // ends when Run closes events
			if e, ok := ev.(Error); ok {
				s.mu.Lock()
				s.faults = append(s.faults, e)
				s.mu.Unlock()
			}
		}
	}()
}
