package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// latencyOpts: N clients in one room, S of them send at Rate messages/s each
// for Duration; every receiver measures each message's age on arrival.
type latencyOpts struct {
	roomOpts
	Rate     float64
	Duration time.Duration
	Drain    time.Duration // how long to wait for the last messages after sending stops
}

// latencyResult is the latency scenario's report. Latencies are in
// microseconds.
type latencyResult struct {
	Scenario string  `json:"scenario"`
	Clients  int     `json:"clients"`
	Senders  int     `json:"senders"`
	Rate     float64 `json:"rate_per_sender"`
	Size     int     `json:"size"`
	Room     string  `json:"room"`

	ConnectSeconds float64 `json:"connect_seconds"`
	MembersSeen    int     `json:"members_seen"` // the longest member list a client got on joining: N when no one else is there
	Seconds        float64 `json:"seconds"`
	Sent           uint64  `json:"sent"`
	Expected       uint64  `json:"expected"`
	deliveryStats
	Lost uint64 `json:"lost"`

	natsFigures

	// With clients on several servers: the deliveries to clients of the
	// sender's own server, and to clients of the other servers (the
	// cluster's path).
	SameServer  *latencyPart `json:"same_server,omitempty"`
	OtherServer *latencyPart `json:"other_servers,omitempty"`

	Samples uint64  `json:"samples"`
	P50us   float64 `json:"p50_us"`
	P90us   float64 `json:"p90_us"`
	P99us   float64 `json:"p99_us"`
	P999us  float64 `json:"p999_us"`
	MaxUs   float64 `json:"max_us"`
	MeanUs  float64 `json:"mean_us"`

	ServerPID        int     `json:"server_pid,omitempty"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	ToolCPUSeconds   float64 `json:"tool_cpu_seconds"`

	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`
}

// latencyPart is the latency of a part of the deliveries, in microseconds.
type latencyPart struct {
	Samples uint64  `json:"samples"`
	P50us   float64 `json:"p50_us"`
	P99us   float64 `json:"p99_us"`
	MaxUs   float64 `json:"max_us"`
}

func partOf(h *hist) *latencyPart {
	if h == nil {
		return nil
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return &latencyPart{Samples: h.n, P50us: us(h.quantile(0.50)), P99us: us(h.quantile(0.99)), MaxUs: us(h.max)}
}

func (o *latencyOpts) check() error {
	if err := o.roomOpts.check(); err != nil {
		return err
	}
	if o.Rate <= 0 || o.Rate > 100_000 {
		return fmt.Errorf("-rate %v: want 0 < rate ≤ 100000 messages/s per sender", o.Rate)
	}
	if o.Duration <= 0 || o.Duration > time.Hour {
		return fmt.Errorf("-d %v: want 0 < duration ≤ 1h", o.Duration)
	}
	if o.Drain <= 0 || o.Drain > time.Minute {
		return fmt.Errorf("-drain %v: want 0 < drain ≤ 1m", o.Drain)
	}
	if float64(o.Duration)/float64(time.Second)*o.Rate > 1<<30 {
		return errors.New("-rate × -d is too many messages")
	}
	return nil
}

// runLatency runs the latency scenario for o.Duration (or until ctx ends),
// then waits up to o.Drain for the last deliveries.
func runLatency(ctx context.Context, o latencyOpts) (*latencyResult, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	res := &latencyResult{Scenario: "latency", Clients: o.Clients, Senders: o.Senders, Rate: o.Rate,
		Size: o.Size, ServerPID: o.PID}
	maxSeq := uint32(o.Rate*o.Duration.Seconds()) + 2
	base := time.Now()
	rr, err := openRoom(ctx, &o.roomOpts, maxSeq, base, true)
	if err != nil {
		return nil, err
	}
	res.Room, res.ConnectSeconds, res.MembersSeen = rr.room, rr.connect.Seconds(), rr.members

	counter, err := countNATS(o.NATS)
	if err != nil {
		rr.close()
		return nil, err
	}
	cpu := startCPU(o.PID, o.MorePIDs...)
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(rr.ctx, o.Duration)
	interval := time.Duration(float64(time.Second) / o.Rate)
	sent := make([]uint32, o.Senders)
	errs := make([]error, o.Senders)
	var wg sync.WaitGroup
	for s := range o.Senders {
		// Senders are spread evenly over one interval.
		offset := interval * time.Duration(s) / time.Duration(o.Senders)
		wg.Go(func() { sent[s], errs[s] = sendPaced(sctx, rr, s, maxSeq, o.Size, offset, interval, base) })
	}
	wg.Wait()
	cancel()
	res.Seconds = time.Since(t0).Seconds()

	// Wait for the last messages to reach everyone.
	dctx, dcancel := context.WithTimeout(rr.ctx, o.Drain)
	for s := range o.Senders {
		if rr.ctx.Err() != nil {
			break
		}
		if _, err := rr.tr.waitAll(dctx, s, sent[s]); err != nil {
			errs = append(errs, fmt.Errorf("sender %d: not every message arrived within %v: %w", s, o.Drain, err))
			break
		}
	}
	dcancel()
	cpu.stop()
	counted := counter.stop()
	rr.close()

	for _, n := range sent {
		res.Sent += uint64(n)
	}
	res.Expected = res.Sent * uint64(o.Clients)
	res.natsFigures.set(len(addrList(o.Addr)), counted, counter != nil, res.Sent)
	res.deliveryStats = rr.stats()
	if res.Received < res.Expected {
		res.Lost = res.Expected - res.Received
	}
	h := rr.latencies()
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	res.Samples = h.n
	res.P50us, res.P90us, res.P99us = us(h.quantile(0.50)), us(h.quantile(0.90)), us(h.quantile(0.99))
	res.P999us, res.MaxUs, res.MeanUs = us(h.quantile(0.999)), us(h.max), h.mean()/1e3
	same, other := rr.latenciesApart()
	res.SameServer, res.OtherServer = partOf(same), partOf(other)
	res.ToolCPUSeconds = cpu.self.Seconds()
	if o.PID > 0 {
		if cpu.serverErr != nil {
			res.Error = "server CPU: " + cpu.serverErr.Error()
		} else {
			res.ServerCPUSeconds = cpu.server.Seconds()
		}
	}
	if err := runError(ctx, rr, errs); err != "" {
		res.Error = joinMsg(res.Error, err)
	}
	res.Complete = res.Received == res.Expected && res.Duplicates == 0 && res.OrderViolations == 0 &&
		res.WrongSender == 0 && res.Malformed == 0 && res.Error == ""
	return res, nil
}

// sendPaced sends message k at start+offset+(k−1)·interval until ctx ends,
// and returns how many it sent. A sender that falls behind (the machine is
// busy) sends the late messages at once rather than skipping them, so the
// rate holds; the time in each text is when it was actually written.
func sendPaced(ctx context.Context, rr *roomRun, s int, maxSeq uint32, size int, offset, interval time.Duration, base time.Time) (uint32, error) {
	bc := rr.conns[s]
	text := newPayload(size)
	buf := make([]byte, 0, size+64)
	start := time.Now().Add(offset)
	timer := time.NewTimer(offset)
	defer timer.Stop()
	var seq uint32
	for seq < maxSeq {
		due := start.Add(time.Duration(seq) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return seq, nil
			}
		} else if ctx.Err() != nil {
			return seq, nil
		}
		seq++
		setStamp(text, stamp{Sender: uint16(s), Seq: seq, SentNs: time.Since(base).Nanoseconds()})
		if err := bc.write(sayFrame(buf[:0], rr.room, seq, text)); err != nil {
			return seq - 1, fmt.Errorf("sender %d: %w", s, err)
		}
	}
	return seq, nil
}
