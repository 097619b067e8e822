package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// text100 returns a 100-byte message: English words, and every fifth one
// Korean, so that both kinds of search have something to find.
func text100(i int) string {
	var s string
	if i%5 == 0 {
		s = fmt.Sprintf("오늘 회의는 %d시에 합니다 자료 준비 부탁드려요 #%d ", i%12, i)
	} else {
		words := []string{"meeting", "lunch", "deploy", "review", "coffee", "release", "ticket", "budget"}
		s = fmt.Sprintf("the %s is at %d, bring the %s notes please #%d ", words[i%8], i%12, words[(i/8)%8], i)
	}
	for len(s) < 100 {
		s += "."
	}
	return s[:100]
}

func benchRecord(id uint64) Record {
	room := []string{"lobby", "dev", "ops", "random"}[id%4]
	return Record{ID: id, Time: time.Now().UnixMilli(), Kind: KindChat, Conv: RoomConv(room), Room: room,
		From: fmt.Sprintf("user%d", id%100), Text: text100(int(id)), Ref: uint32(id)}
}

// benchStore opens a store in a temporary directory (closed when b ends)
// and makes 10 000 records for it.
func benchStore(b *testing.B, o Options) (*Store, []Record) {
	s, err := Open(filepath.Join(b.TempDir(), File), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	recs := make([]Record, 10000)
	for i := range recs {
		recs[i] = benchRecord(uint64(i + 1))
	}
	return s, recs
}

// BenchmarkStoreAppend measures sustained writes into a database file on
// disk: b.N 100-byte messages appended and flushed (search indexing, which
// runs when the writer is idle, is not part of it).
func BenchmarkStoreAppend(b *testing.B) {
	var window time.Duration // the default
	if w, err := time.ParseDuration(os.Getenv("STORE_BENCH_WINDOW")); err == nil {
		window = w
	}
	s, recs := benchStore(b, Options{BatchWindow: window})
	b.ResetTimer()
	start := time.Now()
	cpu := cpuTime()
	for i := range b.N {
		r := recs[i%len(recs)]
		r.ID = uint64(i + 1)
		for !s.Append(r) { // the queue is full: wait for the writer, as a benchmark may
			time.Sleep(100 * time.Microsecond)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/msg")
	if st := s.Status(); st.Stored != uint64(b.N) {
		b.Fatalf("stored %d of %d", st.Stored, b.N)
	}
}

// million opens (building it the first time, which takes a minute or two)
// a database of 1 000 000 100-byte messages in the temp dir, fully indexed.
func million(b *testing.B) *Store {
	const n = 1_000_000
	dir := filepath.Join(os.TempDir(), "multichat-store-bench-1m")
	path := filepath.Join(dir, File)
	os.MkdirAll(dir, 0o755)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if s.MaxID() < n {
		b.Logf("building %s with %d messages…", path, n)
		start := time.Now()
		for i := s.MaxID() + 1; i <= n; i++ {
			for !s.Append(benchRecord(i)) {
				time.Sleep(100 * time.Microsecond)
			}
		}
		s.Flush(context.Background())
		b.Logf("written in %v", time.Since(start).Round(time.Second))
	}
	for st := s.Status(); st.Backlog > 0; st = s.Status() {
		time.Sleep(100 * time.Millisecond) // the writer indexes while idle
	}
	b.ReportMetric(float64(s.Status().Size)/(1<<20), "MiB/1M-msgs")
	return s
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkSearch1M: search p50/p99 over a million messages, for an English
// word and Korean substrings, in the four rooms.
func BenchmarkSearch1M(b *testing.B) {
	s := million(b)
	defer s.Close()
	sc := Scope{Convs: []string{RoomConv("lobby"), RoomConv("dev"), RoomConv("ops"), RoomConv("random")}}
	for _, q := range []string{"budget", "Deploy notes", "회의", "자료 준비", "#77777 ", "nomatchatall"} {
		b.Run(q, func(b *testing.B) {
			var times []time.Duration
			found := 0
			for i := range b.N {
				start := time.Now()
				recs, _, err := s.Search(context.Background(), q, sc, 0, 50)
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				found = len(recs)
				_ = i
			}
			b.ReportMetric(float64(percentile(times, 0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(times, 0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(found), "results")
		})
	}
}

// BenchmarkScrollback1M: a page of 50 older messages at a random place in a
// room of 250 000.
func BenchmarkScrollback1M(b *testing.B) {
	s := million(b)
	defer s.Close()
	var times []time.Duration
	for range b.N {
		before := uint64(rand.IntN(1_000_000) + 1)
		start := time.Now()
		recs, _, err := s.Before(context.Background(), RoomConv("dev"), before, 50, true)
		times = append(times, time.Since(start))
		if err != nil || len(recs) == 0 && before > 400 {
			b.Fatalf("page before %d: %d, %v", before, len(recs), err)
		}
	}
	b.ReportMetric(float64(percentile(times, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(times, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkStoreBatches writes 100-byte room messages in transactions of
// STORE_BENCH_BATCH (default 300: 20 ms of the fan-out benchmark's 15 000
// messages a second) and reports the process's CPU per message. Keep b.N
// under 100 000: beyond, search indexing runs during writing.
func BenchmarkStoreBatches(b *testing.B) {
	batch := 300
	if n, err := strconv.Atoi(os.Getenv("STORE_BENCH_BATCH")); err == nil && n > 0 {
		batch = n
	}
	// A batch is written when it is full (MaxBatch), never by the window;
	// no Flush, which would let search indexing run between batches.
	s, recs := benchStore(b, Options{BatchWindow: 100 * time.Millisecond, MaxBatch: batch})
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		r := recs[i%len(recs)]
		r.ID = uint64(i + 1)
		s.Append(r)
		if (i+1)%batch == 0 {
			for s.written.Load() < uint64(i+1) { // the writer has the batch
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	s.Flush(context.Background())
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/msg")
}
