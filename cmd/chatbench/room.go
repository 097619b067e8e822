package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// roomOpts are the settings the fan-out and latency scenarios share.
type roomOpts struct {
	Addr      string
	Clients   int    // N: clients in the room, all of them receivers
	Senders   int    // S: the first S clients also send
	Size      int    // text bytes per message
	Room      string // "" is the lobby
	PID       int    // server process for CPU figures; 0: none
	Conc      int    // handshakes at once
	ReadBuf   int    // read buffer per client
	Handshake time.Duration
	Plaintext bool   // connect without TLS
	Nicks     string // nickname prefix; "" picks a random one
	NATS      string // count the cluster's NATS messages here (cluster.go); "" does not
	MorePIDs  []int  // a cluster's other server processes, their CPU counted with PID's
}

func (o *roomOpts) check() error {
	switch {
	case o.Clients < 1 || o.Clients > 20000:
		return fmt.Errorf("-n %d: want 1..20000 clients", o.Clients)
	case o.Senders < 1 || o.Senders > o.Clients || o.Senders > 0xFFFF:
		return fmt.Errorf("-s %d: want 1..n senders", o.Senders)
	case o.Size < minPayload || o.Size > 1<<20:
		return fmt.Errorf("-size %d: want %d..%d bytes", o.Size, minPayload, 1<<20)
	case o.Conc < 1 || o.Conc > 1000:
		return fmt.Errorf("-conc %d: want 1..1000", o.Conc)
	case o.ReadBuf < 4096 || o.ReadBuf > 4<<20:
		return fmt.Errorf("-rbuf %d: want 4096..4194304", o.ReadBuf)
	}
	if o.Room != "" {
		if err := wire.CheckRoom(o.Room); err != nil {
			return fmt.Errorf("-room: %w", err)
		}
	}
	return nil
}

// nickPrefix returns a random prefix so that runs (and leftovers of an
// earlier run the server has not dropped yet) never share a nickname.
func nickPrefix() string { return fmt.Sprintf("cb%04x-", rand.IntN(0x10000)) }

// roomRun is N connected clients, each with a receiver goroutine.
type roomRun struct {
	// ctx ends with the caller's, or as soon as a client's connection
	// ends before the benchmark closes it (its cause says which and why).
	ctx     context.Context
	fail    context.CancelCauseFunc
	closing atomic.Bool
	conns   []*benchConn
	recv    []*receiver
	tr      *tracker
	readers sync.WaitGroup
	connect time.Duration
	members int // the largest room member list a client saw on joining
	room    string
}

// openRoom connects o.Clients clients, joins them to the room and starts
// their receivers. When it returns without error, the server has put every
// client in the room (each has received the room's complete member list), so
// every message sent afterwards must reach all of them.
func openRoom(ctx context.Context, o *roomOpts, maxSeq uint32, base time.Time, latency bool) (*roomRun, error) {
	prefix := o.Nicks
	if prefix == "" {
		prefix = nickPrefix()
	}
	nicks := make([]string, o.Clients)
	for i := range nicks {
		nicks[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	rr := &roomRun{recv: make([]*receiver, o.Clients), tr: newTracker(o.Senders, o.Clients, nicks[:o.Senders])}
	rr.tr.servers = len(addrList(o.Addr))
	rr.ctx, rr.fail = context.WithCancelCause(ctx)
	var mu sync.Mutex
	t0 := time.Now()
	conns, errs := dialAll(ctx, o.Addr, o.Plaintext, o.Room, o.Clients, o.Conc, o.ReadBuf,
		func(i int) string { return nicks[i] }, o.Handshake, false,
		func(i int, bc *benchConn, _ time.Duration) {
			r := newReceiver(rr.tr, i, bc, maxSeq, base, latency)
			mu.Lock()
			rr.recv[i] = r
			rr.members = max(rr.members, bc.members)
			mu.Unlock()
			rr.readers.Go(func() {
				r.run()
				if !rr.closing.Load() {
					rr.fail(fmt.Errorf("client %s lost its connection (%v; server said %q)", bc.nick, r.err, r.closedBy))
				}
			})
		})
	rr.conns = conns
	rr.connect = time.Since(t0)
	if len(errs) > 0 {
		rr.close()
		return nil, fmt.Errorf("connecting %d clients: %w", o.Clients, errors.Join(firstErrs(errs, 3)...))
	}
	for i, bc := range conns {
		if bc.nick != nicks[i] {
			rr.close()
			return nil, fmt.Errorf("server registered %q as %q", nicks[i], bc.nick)
		}
		if bc.maxText > 0 && o.Size > bc.maxText {
			rr.close()
			return nil, fmt.Errorf("-size %d exceeds the server's text limit of %d bytes", o.Size, bc.maxText)
		}
	}
	rr.room = conns[0].room
	return rr, nil
}

func firstErrs(errs []error, n int) []error {
	if len(errs) <= n {
		return errs
	}
	return append(errs[:n:n], fmt.Errorf("and %d more errors", len(errs)-n))
}

// close closes every connection and waits for the receivers to end (a closed
// socket ends a blocked read at once).
func (rr *roomRun) close() {
	rr.closing.Store(true)
	defer rr.fail(nil)
	for _, bc := range rr.conns {
		if bc != nil {
			bc.close()
		}
	}
	rr.readers.Wait()
}

// deliveryStats sums what the receivers counted. Call it after close.
type deliveryStats struct {
	Received        uint64         `json:"received"`
	Duplicates      uint64         `json:"duplicates"`
	OrderViolations uint64         `json:"order_violations"`
	Foreign         uint64         `json:"foreign"`
	WrongSender     uint64         `json:"wrong_sender"`
	Malformed       uint64         `json:"malformed"`
	ServerErrors    map[string]int `json:"server_errors,omitempty"`
	ClosedByServer  map[string]int `json:"closed_by_server,omitempty"`
}

func (rr *roomRun) stats() deliveryStats {
	var d deliveryStats
	for _, r := range rr.recv {
		if r == nil {
			continue
		}
		d.Received += r.unique
		d.Duplicates += r.dups
		d.OrderViolations += r.reorders
		d.Foreign += r.foreign
		d.WrongSender += r.wrongFrom
		d.Malformed += r.malformed
		for c, n := range r.errCodes {
			if d.ServerErrors == nil {
				d.ServerErrors = map[string]int{}
			}
			d.ServerErrors[c.String()] += n
		}
		if r.closedBy != "" {
			if d.ClosedByServer == nil {
				d.ClosedByServer = map[string]int{}
			}
			d.ClosedByServer[r.closedBy]++
		}
	}
	return d
}

// latencies merges the receivers' histograms. Call it after close.
func (rr *roomRun) latencies() *hist {
	h := new(hist)
	for _, r := range rr.recv {
		if r != nil && r.lat != nil {
			h.merge(r.lat)
		}
	}
	return h
}

// latenciesApart merges the receivers' histograms of deliveries to clients
// of the sender's server and to clients of the other servers (nil with one
// server). Call it after close.
func (rr *roomRun) latenciesApart() (same, other *hist) {
	for _, r := range rr.recv {
		if r == nil || r.latSame == nil {
			continue
		}
		if same == nil {
			same, other = new(hist), new(hist)
		}
		same.merge(r.latSame)
		other.merge(r.latXS)
	}
	return same, other
}

// say appends a Say frame carrying text to buf.
func sayFrame(buf []byte, room string, seq uint32, text []byte) []byte {
	return wire.AppendFrame(buf, wire.Say{Ref: seq, Room: room, Text: string(text)})
}

// cpuMeter reads the server's and this tool's CPU time at the start and end
// of a measured phase.
type cpuMeter struct {
	pid            int
	more           []int // more server processes (a cluster's), counted with pid's
	server0, self0 time.Duration
	serverErr      error
	server, self   time.Duration
}

func startCPU(pid int, more ...int) *cpuMeter {
	m := &cpuMeter{pid: pid, more: more, self0: selfCPU()}
	if pid > 0 {
		m.server0, m.serverErr = m.serverCPU()
	}
	return m
}

// serverCPU sums the CPU time of the server processes.
func (m *cpuMeter) serverCPU() (time.Duration, error) {
	var sum time.Duration
	for _, p := range append([]int{m.pid}, m.more...) {
		c, err := procCPU(p)
		if err != nil {
			return 0, err
		}
		sum += c
	}
	return sum, nil
}

func (m *cpuMeter) stop() {
	m.self = selfCPU() - m.self0
	if m.pid > 0 && m.serverErr == nil {
		var c time.Duration
		c, m.serverErr = m.serverCPU()
		m.server = c - m.server0
	}
}

// sortedKeys is for stable summaries.
func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
