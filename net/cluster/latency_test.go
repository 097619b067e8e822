package cluster

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// BenchmarkLatency measures the NATS leg of a chat message between servers:
// from Publish on one node to Events on the two others (three embedded
// servers in this process, TLS routes on loopback), at 200 messages/s as in
// the latency scenario. It reports p50 and p99 in microseconds.
//
//	go test -run '^$' -bench Latency -benchtime 2000x ./net/cluster
func BenchmarkLatency(b *testing.B) {
	nodes := startAll(b, LocalConfigs(b, 3))
	for _, n := range nodes[1:] {
		for range 2 {
			next[PeerUp](b, n)
		}
	}
	lat := make(chan time.Duration, 2*b.N)
	for _, n := range nodes[1:] {
		go func() {
			for got := 0; got < b.N; {
				var ms []Msg
				switch e := (<-n.Events()).(type) {
				case Msg:
					ms = []Msg{e}
				case Batch:
					ms = e
				}
				for _, m := range ms {
					if len(m.Data) == 8 && got < b.N {
						lat <- time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(m.Data))))
						got++
					}
				}
			}
		}()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for range b.N {
		<-tick.C
		nodes[0].Publish(binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())))
	}
	ds := make([]time.Duration, 0, 2*b.N)
	timeout := time.After(20 * time.Second)
	for range 2 * b.N {
		select {
		case d := <-lat:
			ds = append(ds, d)
		case <-timeout:
			b.Fatalf("%d of %d messages arrived within 20 s", len(ds), 2*b.N)
		}
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}
