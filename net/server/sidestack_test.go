package server

import (
	"crypto/ed25519"
	"sync"
	"testing"
	"time"
)

// TestSideStacks: jobs never wait for one another (twenty that block until
// all twenty run), workers are kept for the next jobs up to maxIdleSide,
// close ends them (goleak checks at the end of the package), and a job after
// close still runs.
func TestSideStacks(t *testing.T) {
	var s sideStacks
	const n = 20
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	var done sync.WaitGroup
	for range n {
		done.Go(func() {
			s.run(func() {
				started.Done()
				<-release
			})
		})
	}
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the jobs did not all run at once: one waited for another's worker")
	}
	close(release)
	done.Wait()
	idle := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.idle)
	}
	if got := idle(); got != maxIdleSide {
		t.Fatalf("%d idle workers after the burst, want %d", got, maxIdleSide)
	}
	ran := 0
	for range 100 {
		s.run(func() { ran++ })
	}
	if ran != 100 || idle() != maxIdleSide {
		t.Fatalf("ran %d of 100 jobs one at a time, %d idle workers after them", ran, idle())
	}
	s.close()
	if got := idle(); got != 0 {
		t.Fatalf("%d idle workers after close", got)
	}
	s.run(func() { ran++ })
	if ran != 101 {
		t.Fatal("a job after close did not run")
	}
}

// BenchmarkDeviceProof is a device proof's signature check on a side stack
// (a kept worker) and, for comparison, on a goroutine started for it (how
// it was run before, which grew a new stack every time).
func BenchmarkDeviceProof(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 64)
	sig := ed25519.Sign(priv, msg)
	check := func() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("bad signature")
		}
	}
	b.Run("kept", func(b *testing.B) {
		var s sideStacks
		defer s.close()
		for b.Loop() {
			s.run(check)
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			done := make(chan struct{})
			go func() {
				defer close(done)
				check()
			}()
			<-done
		}
	})
}
