package server

import (
	"context"
	"time"
)

// TB is the part of testing.TB that StartTest needs (declared here so that
// the server package does not import testing).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// StartTest runs a server for another package's tests: it listens on
// 127.0.0.1 with a free port and returns the address and a stop function
// that stops it cleanly and waits for Run to return (also registered with
// t.Cleanup; calling it twice is fine). Events are discarded. Zero fields of
// cfg take the defaults.
func StartTest(t TB, cfg Config) (addr string, stop func()) {
	t.Helper()
	cmds := make(chan Command, 1)
	events := make(chan Event, 64)
	started := make(chan string, 1)
	failed := make(chan error, 1)
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = Run(context.Background(), cfg, cmds, events) // closes events
	}()
	go func() {
		for ev := range events {
			switch ev := ev.(type) {
			case Started:
				started <- ev.Addr
			case Error:
				if ev.Op == "start" {
					failed <- ev.Err
				}
			}
		}
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		close(cmds)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("server.StartTest: the server did not stop within 10 s")
		}
	}
	t.Cleanup(stop)
	cmds <- Start{Addr: "127.0.0.1:0"}
	select {
	case addr = <-started:
	case err := <-failed:
		stop()
		t.Fatalf("server.StartTest: %v", err)
	case <-done:
		t.Fatalf("server.StartTest: Run returned: %v", runErr)
	case <-time.After(5 * time.Second):
		stop()
		t.Fatalf("server.StartTest: no Started event within 5 s")
	}
	return addr, stop
}
