package main

import (
	"math"
	"math/bits"
)

// hist is a log-linear histogram of non-negative values (nanoseconds), in the
// manner of HdrHistogram: values below 256 are counted exactly, larger ones in
// 128 buckets per power of two, so a reported quantile is at most 1/128
// (0.8 %) above the true value. It has a fixed size (about 60 KB), records in
// constant time without allocating, and is owned by one goroutine; merge
// per-goroutine histograms after they stop.
type hist struct {
	counts   [histBuckets]uint64
	n        uint64
	min, max int64
	sum      float64
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits // buckets per power of two
	histLinear  = 2 * histSub      // values counted exactly: 0..255
	histBuckets = histLinear + (63-histSubBits)*histSub
)

func histIndex(v int64) int {
	if v < histLinear {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - (histSubBits + 1) // ≥ 1
	return histLinear + (e-1)*histSub + int(uint64(v)>>e) - histSub
}

// histHigh is the largest value that falls in bucket i.
func histHigh(i int) int64 {
	if i < histLinear {
		return int64(i)
	}
	i -= histLinear
	e := i/histSub + 1
	m := int64(i%histSub + histSub)
	hi := (m+1)<<e - 1
	if hi < 0 { // the top bucket
		return math.MaxInt64
	}
	return hi
}

func (h *hist) record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.counts[histIndex(v)]++
	h.n++
	h.sum += float64(v)
}

func (h *hist) merge(o *hist) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the value at or below which a fraction q of the recorded
// values lie (the bucket's upper bound, never above the largest value seen).
func (h *hist) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := histHigh(i)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return v
		}
	}
	return h.max
}

func (h *hist) mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}
