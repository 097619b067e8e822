package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Sessions runs a gateway's client sessions, one goroutine each, and the
// accept loops that start them; Close ends them all and waits.
type Sessions struct {
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	lns    map[net.Listener]struct{}
}

// NewSessions returns an empty set of sessions that logs to log.
func NewSessions(log *slog.Logger) *Sessions {
	ctx, cancel := context.WithCancel(context.Background())
	return &Sessions{ctx: ctx, cancel: cancel, log: log,
		conns: make(map[net.Conn]struct{}), lns: make(map[net.Listener]struct{})}
}

// Context is done once Close has been called.
func (s *Sessions) Context() context.Context { return s.ctx }

// Go runs session for the client on nc on a goroutine of its own and returns
// at once. A session that panics (a bug on some input) is logged and its
// client closed; the server goes on. After Close, nc is closed instead.
func (s *Sessions) Go(nc net.Conn, session func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		nc.Close()
		return
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, nc)
			s.mu.Unlock()
		}()
		defer Recover(s.log, nc)
		session()
	}()
}

// Serve accepts clients on ln and hands each to start (which should call
// Go) until ln or the sessions are closed; it returns nil then.
func (s *Sessions) Serve(ln net.Listener, start func(net.Conn)) error {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns[ln] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.ctx.Err() != nil {
				return nil
			}
			// Out of file descriptors and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("gateway: accept failed", "err", err, "retry in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		start(nc)
	}
}

// Close stops the accept loops, closes every client's connection and waits
// for every session to end.
func (s *Sessions) Close() {
	s.mu.Lock()
	s.cancel()
	for ln := range s.lns {
		ln.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
