//go:build unix

package server

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// historyHub is benchHub with history kept in a real database file (on) or
// none (off).
func historyHub(b *testing.B, n int, on bool) (*hub, []*conn) {
	h, cs := benchHub(b, n)
	if on {
		st, err := store.Open(filepath.Join(b.TempDir(), store.File), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		h.hist = st
		h.rings = map[string]*ring{}
	}
	return h, cs
}

func drain(cs []*conn, spares [][]outFrame) {
	for i, c := range cs {
		frames, _, _, _ := c.out.take(spares[i])
		clear(frames)
		spares[i] = frames
	}
}

// BenchmarkBroadcastHistory is BenchmarkBroadcast at N=100 with history off
// and on, side by side: the hub's own cost of keeping each message (the
// store's writer goroutine works beside it and is measured by
// BenchmarkStoreAppend and chatbench's history100).
func BenchmarkBroadcastHistory(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", on), func(b *testing.B) {
			h, cs := historyHub(b, 100, on)
			say := wire.Say{Ref: 1, Room: wire.Lobby, Text: strings.Repeat("x", 100)}
			spares := make([][]outFrame, len(cs))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				h.say(cs[0], say)
				h.wakeWriters()
				drain(cs, spares)
			}
			if h.hist != nil {
				h.hist.(*store.Store).Close() // its writer's work is part of the cost
			}
			cpu = cpuTime() - cpu
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/delivery")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(cs)), "cpu-ns/delivery")
		})
	}
}

// BenchmarkJoinReplay is the hub's side of joining a room of 10 members
// that has 100 messages to replay (and leaving it again), with history off
// and on.
func BenchmarkJoinReplay(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", on), func(b *testing.B) {
			h, cs := historyHub(b, 11, on)
			for _, c := range cs[1:] {
				h.join(c, wire.Join{Room: "dev"})
			}
			for i := range 100 {
				h.say(cs[1], wire.Say{Ref: 1, Room: "dev", Text: fmt.Sprintf("message %d %s", i, strings.Repeat("x", 90))})
			}
			spares := make([][]outFrame, len(cs))
			h.wakeWriters()
			drain(cs, spares)
			b.ReportAllocs()
			for b.Loop() {
				h.join(cs[0], wire.Join{Room: "dev"})
				h.part(cs[0], wire.Part{Room: "dev"})
				h.wakeWriters()
				drain(cs, spares)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/join")
		})
	}
}

// cpuTime is the process's user and system CPU time so far: the hub's work
// and the store writer's, whatever else the machine is doing.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
