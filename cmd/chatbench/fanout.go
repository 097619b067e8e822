package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// fanoutOpts: N clients in one room, S of them send M messages each, keeping
// at most W in flight.
type fanoutOpts struct {
	roomOpts
	Messages int  // M per sender
	Window   int  // W
	Packed   bool // a sender writes its window's messages in one write; otherwise one per write
}

// fanoutResult is the fan-out scenario's report.
type fanoutResult struct {
	Scenario string `json:"scenario"`
	Server   string `json:"server"` // "multichat" or "lean hub"
	Writes   string `json:"writes"` // "one message per write" or "packed"
	Clients  int    `json:"clients"`
	Senders  int    `json:"senders"`
	Messages int    `json:"messages_per_sender"`
	Size     int    `json:"size"`
	Window   int    `json:"window"`
	Room     string `json:"room"`

	ConnectSeconds float64 `json:"connect_seconds"`
	MembersSeen    int     `json:"members_seen"` // the longest member list a client got on joining: N when no one else is there
	Seconds        float64 `json:"seconds"`
	Planned        uint64  `json:"planned"`  // S × M messages
	Sent           uint64  `json:"sent"`     // messages written (fewer than planned if stopped early)
	Expected       uint64  `json:"expected"` // sent × N deliveries
	deliveryStats
	Lost             uint64  `json:"lost"`
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	MessagesPerSec   float64 `json:"messages_per_sec"`

	ServerPID                int     `json:"server_pid,omitempty"`
	ServerCPUSeconds         float64 `json:"server_cpu_seconds,omitempty"`
	ServerCPUPerDeliveryUsec float64 `json:"server_cpu_per_delivery_us,omitempty"`
	ToolCPUSeconds           float64 `json:"tool_cpu_seconds"`
	ToolCPUPerDeliveryUsec   float64 `json:"tool_cpu_per_delivery_us"`
	// MachineShare is the server's and the tool's CPU time over the
	// machine's (CPUs × elapsed): below 1, other processes took the rest.
	// CPUBoundPerSec is the rate the two would reach with every CPU to
	// themselves: CPUs ÷ (server + tool CPU per delivery).
	CPUs           int     `json:"cpus"`
	MachineShare   float64 `json:"machine_share,omitempty"`
	CPUBoundPerSec float64 `json:"cpu_bound_deliveries_per_sec,omitempty"`

	natsFigures

	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`

	// With -baseline: the same run against the lean hub, and this run's
	// deliveries per second over the lean hub's.
	Baseline        *fanoutResult `json:"baseline,omitempty"`
	RatioToBaseline float64       `json:"ratio_to_baseline,omitempty"`
}

func (o *fanoutOpts) check() error {
	if err := o.roomOpts.check(); err != nil {
		return err
	}
	if o.Messages < 1 || o.Messages > 100_000_000 {
		return fmt.Errorf("-m %d: want 1..100000000 messages per sender", o.Messages)
	}
	if o.Window < 1 || o.Window > 1<<16 {
		return fmt.Errorf("-w %d: want a window of 1..65536", o.Window)
	}
	return nil
}

// runFanout runs the fan-out scenario until every message has reached every
// client or ctx ends; either way it reports what it measured.
func runFanout(ctx context.Context, o fanoutOpts) (*fanoutResult, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	res := &fanoutResult{Scenario: "fanout", Server: "multichat", Writes: "one message per write", Clients: o.Clients, Senders: o.Senders, Messages: o.Messages,
		Size: o.Size, Window: o.Window, ServerPID: o.PID, Planned: uint64(o.Senders) * uint64(o.Messages)}
	if o.Packed {
		res.Writes = "packed"
	}
	base := time.Now()
	rr, err := openRoom(ctx, &o.roomOpts, uint32(o.Messages), base, false)
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
	var wg sync.WaitGroup
	errs := make([]error, o.Senders)
	sent := make([]uint32, o.Senders)
	for s := range o.Senders {
		wg.Go(func() { sent[s], errs[s] = sendWindowed(rr.ctx, rr, s, o.Messages, o.Window, o.Size, o.Packed) })
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu.stop()
	counted := counter.stop()
	rr.close()

	res.Seconds = elapsed.Seconds()
	res.deliveryStats = rr.stats()
	for _, n := range sent {
		res.Sent += uint64(n)
	}
	res.Expected = res.Sent * uint64(o.Clients)
	res.natsFigures.set(len(addrList(o.Addr)), counted, counter != nil, res.Sent)
	if res.Received < res.Expected {
		res.Lost = res.Expected - res.Received
	}
	res.DeliveriesPerSec = float64(res.Received) / elapsed.Seconds()
	res.MessagesPerSec = float64(res.Received) / float64(o.Clients) / elapsed.Seconds()
	res.ToolCPUSeconds = cpu.self.Seconds()
	if res.Received > 0 {
		res.ToolCPUPerDeliveryUsec = float64(cpu.self.Nanoseconds()) / 1e3 / float64(res.Received)
	}
	if o.PID > 0 {
		if cpu.serverErr != nil {
			res.Error = "server CPU: " + cpu.serverErr.Error()
		} else {
			res.ServerCPUSeconds = cpu.server.Seconds()
			if res.Received > 0 {
				res.ServerCPUPerDeliveryUsec = float64(cpu.server.Nanoseconds()) / 1e3 / float64(res.Received)
			}
		}
	}
	res.CPUs = runtime.NumCPU()
	if o.PID > 0 && cpu.serverErr == nil && res.Received > 0 {
		both := cpu.server + cpu.self
		res.MachineShare = both.Seconds() / (elapsed.Seconds() * float64(res.CPUs))
		res.CPUBoundPerSec = float64(res.CPUs) * float64(res.Received) / both.Seconds()
	}
	if err := runError(ctx, rr, errs); err != "" {
		res.Error = joinMsg(res.Error, err)
	}
	res.Complete = res.Sent == res.Planned && res.Received == res.Expected && res.Duplicates == 0 && res.OrderViolations == 0 &&
		res.WrongSender == 0 && res.Malformed == 0 && res.Error == ""
	return res, nil
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// runError says why a run ended early, once: the -timeout, a client the
// server dropped, or the senders' distinct errors.
func runError(ctx context.Context, rr *roomRun, errs []error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "stopped by -timeout before every message was delivered"
	}
	if err := context.Cause(rr.ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err.Error()
	}
	seen := map[string]bool{}
	var msgs []string
	for _, err := range errs {
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			msgs = append(msgs, err.Error())
		}
	}
	return strings.Join(msgs, "; ")
}

// sendWindowed sends sender s's messages 1..m, never more than w beyond what
// every receiver has, and returns once all m have reached every receiver. It
// returns how many it sent. Packed, it writes all the messages the window
// allows in one write; otherwise each with its own.
func sendWindowed(ctx context.Context, rr *roomRun, s, m, w, size int, packed bool) (uint32, error) {
	bc := rr.conns[s]
	text := newPayload(size)
	buf := make([]byte, 0, w*(size+64))
	next := uint32(1) // the next seq to send
	last := uint32(m)
	for next <= last {
		need := uint32(0)
		if next > uint32(w) {
			need = next - uint32(w)
		}
		low, err := rr.tr.waitAll(ctx, s, need)
		if err != nil {
			return next - 1, fmt.Errorf("sender %d at message %d of %d: %w", s, next, m, err)
		}
		end := min(last, low+uint32(w)) // send up to end: next−w ≤ low for each
		buf = buf[:0]
		for ; next <= end; next++ {
			setStamp(text, stamp{Sender: uint16(s), Seq: next})
			buf = sayFrame(buf, rr.room, next, text)
			if !packed {
				if err := bc.write(buf); err != nil {
					return next - 1, fmt.Errorf("sender %d: %w", s, err)
				}
				buf = buf[:0]
			}
		}
		if len(buf) > 0 {
			if err := bc.write(buf); err != nil {
				return next - 1, fmt.Errorf("sender %d: %w", s, err)
			}
		}
	}
	if _, err := rr.tr.waitAll(ctx, s, last); err != nil {
		return last, fmt.Errorf("sender %d waiting for its last message: %w", s, err)
	}
	return last, nil
}
