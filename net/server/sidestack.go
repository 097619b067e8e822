package server

import "sync"

// maxIdleSide is how many side-stack workers wait for work when none is
// coming (each keeps a stack of a few tens of KiB).
const maxIdleSide = 8

// sideStacks runs deep, one-off work of the connection readers (the TLS
// handshake, the device proof) on goroutines other than the reader's. That
// work grows a goroutine's stack to tens of KiB: on the reader, which lives
// as long as the connection, a server holding thousands of idle connections
// would keep that memory; on a goroutine started for each connection the
// stack would be grown again, copy after copy, every time (7 % of the
// server's CPU while 5 000 clients joined). So the work goes to a few
// long-lived workers whose stacks are already grown: to an idle one, or to a
// new one when all are busy. A job never waits for a worker (a TLS handshake
// may wait on a slow peer for the whole handshake time); a worker that
// finishes while maxIdleSide others are idle exits. The hub owns it: close
// ends the idle workers and waits for the busy ones.
type sideStacks struct {
	mu     sync.Mutex
	idle   []chan sideJob // idle workers' job channels, most recent last
	closed bool
	wg     sync.WaitGroup
}

// sideJob is work for a side stack; done is closed once it has run and its
// worker is idle again (or gone).
type sideJob struct {
	f    func()
	done chan struct{}
}

// run runs f on a side stack and returns when it has returned.
func (s *sideStacks) run(f func()) {
	job := sideJob{f: f, done: make(chan struct{})}
	s.mu.Lock()
	switch n := len(s.idle); {
	case n > 0:
		w := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		w <- job // buffered: the worker is waiting for it
	case s.closed:
		s.mu.Unlock()
		go func() {
			defer close(job.done)
			f()
		}()
	default:
		s.wg.Add(1)
		s.mu.Unlock()
		go s.work(job)
	}
	<-job.done
}

// work is a worker: it runs job, then waits for the next unless enough
// others are idle or the pool is closed.
func (s *sideStacks) work(job sideJob) {
	defer s.wg.Done()
	jobs := make(chan sideJob, 1)
	for {
		job.f()
		s.mu.Lock()
		stay := !s.closed && len(s.idle) < maxIdleSide
		if stay {
			s.idle = append(s.idle, jobs)
		}
		s.mu.Unlock()
		close(job.done)
		if !stay {
			return
		}
		var ok bool
		if job, ok = <-jobs; !ok {
			return
		}
	}
}

// close ends the idle workers and waits for the busy ones to finish. Work
// handed to run afterwards still runs, on a goroutine of its own.
func (s *sideStacks) close() {
	s.mu.Lock()
	s.closed = true
	for _, w := range s.idle {
		close(w)
	}
	s.idle = nil
	s.mu.Unlock()
	s.wg.Wait()
}
