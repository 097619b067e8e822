package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

// connOpts: C clients connect and finish the handshake (Welcome and the
// lobby's member list), stay for Hold, then close.
type connOpts struct {
	Addr      string
	Clients   int
	Conc      int
	ReadBuf   int
	Hold      time.Duration
	Probes    int // single joins, one at a time, once all C have joined
	PID       int
	Handshake time.Duration
	Plaintext bool // connect without TLS
}

// connResult is the connections scenario's report.
type connResult struct {
	Scenario string `json:"scenario"`
	Clients  int    `json:"clients"`
	Conc     int    `json:"concurrency"`

	Joined         int            `json:"joined"`
	Failed         int            `json:"failed"`
	Refusals       map[string]int `json:"refusals,omitempty"`
	FirstErrors    []string       `json:"first_errors,omitempty"`
	ConnectSeconds float64        `json:"connect_seconds"`
	HandshakeP50ms float64        `json:"handshake_p50_ms"`
	HandshakeP99ms float64        `json:"handshake_p99_ms"`
	HandshakeMaxms float64        `json:"handshake_max_ms"`
	LobbySeen      int            `json:"lobby_members_seen"` // the longest lobby list a client received
	Dropped        int            `json:"dropped_by_server"`  // connections the server closed before the tool did
	FramesRead     uint64         `json:"frames_read"`        // frames received after the handshakes (join announcements, pings)
	// Probes: once all C have joined, single joins one at a time; the time
	// from each one's Hello to its Welcome.
	Probes            int     `json:"probes,omitempty"`
	ProbeWelcomeP50ms float64 `json:"probe_welcome_p50_ms,omitempty"`
	ProbeWelcomeP99ms float64 `json:"probe_welcome_p99_ms,omitempty"`
	ProbeWelcomeMaxms float64 `json:"probe_welcome_max_ms,omitempty"`

	ServerPID         int     `json:"server_pid,omitempty"`
	RSSBeforeBytes    int64   `json:"server_rss_before_bytes,omitempty"`
	RSSJoinedBytes    int64   `json:"server_rss_joined_bytes,omitempty"`
	RSSAfterHoldBytes int64   `json:"server_rss_after_hold_bytes,omitempty"`
	RSSPerConnKiB     float64 `json:"server_rss_per_conn_kib,omitempty"`
	// CPU time spent while the clients joined (not during the hold), and
	// what share of the machine's CPUs the server and the tool had then.
	ServerCPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	ToolCPUSeconds   float64 `json:"tool_cpu_seconds"`
	MachineShare     float64 `json:"machine_share,omitempty"`
	NofileLimit      uint64  `json:"nofile_limit"`
	HoldSeconds      float64 `json:"hold_seconds"`
	Complete         bool    `json:"complete"`
	Error            string  `json:"error,omitempty"`
}

func (o *connOpts) check() error {
	switch {
	case o.Clients < 1 || o.Clients > 60000:
		return fmt.Errorf("-c %d: want 1..60000 clients", o.Clients)
	case o.Conc < 1 || o.Conc > 20000:
		return fmt.Errorf("-conc %d: want 1..20000", o.Conc)
	case o.ReadBuf < 4096 || o.ReadBuf > 4<<20:
		return fmt.Errorf("-rbuf %d: want 4096..4194304", o.ReadBuf)
	case o.Hold < 0 || o.Hold > 10*time.Minute:
		return fmt.Errorf("-hold %v: want 0..10m", o.Hold)
	case o.Probes < 0 || o.Probes > 10000:
		return fmt.Errorf("-probes %d: want 0..10000", o.Probes)
	}
	return nil
}

// runConnections connects o.Clients clients, o.Conc handshakes at a time.
// Each keeps reading (others' arrivals are announced to it) and answers pings
// until the end. Server RSS is read before, once all have joined, and after
// the hold.
func runConnections(ctx context.Context, o connOpts) (*connResult, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	res := &connResult{Scenario: "connections", Clients: o.Clients, Conc: o.Conc, ServerPID: o.PID}
	lim, err := raiseNofile(uint64(o.Clients) + 256)
	res.NofileLimit = lim
	if err != nil {
		return nil, err
	}
	rss := func() int64 {
		if o.PID <= 0 {
			return 0
		}
		v, err := procRSS(o.PID)
		if err != nil {
			res.Error = joinMsg(res.Error, err.Error())
		}
		return v
	}
	res.RSSBeforeBytes = rss()
	cpu := startCPU(o.PID)

	var (
		mu       sync.Mutex
		took     hist
		frames   atomic.Uint64
		dropped  atomic.Int64
		drainers sync.WaitGroup
		closing  atomic.Bool
	)
	prefix := nickPrefix()
	t0 := time.Now()
	conns, errs := dialAll(ctx, o.Addr, o.Plaintext, "", o.Clients, o.Conc, o.ReadBuf,
		func(i int) string { return fmt.Sprintf("%s%d", prefix, i) }, o.Handshake, true,
		func(i int, bc *benchConn, d time.Duration) {
			mu.Lock()
			took.record(d.Nanoseconds())
			res.LobbySeen = max(res.LobbySeen, bc.members)
			mu.Unlock()
			drainers.Go(func() {
				for {
					t, p, err := bc.next()
					if err != nil {
						if !closing.Load() {
							dropped.Add(1)
						}
						return
					}
					frames.Add(1)
					if t == wire.TypePing {
						if bc.pong(p) != nil {
							return
						}
					}
				}
			})
		})
	res.ConnectSeconds = time.Since(t0).Seconds()
	cpu.stop()
	res.RSSJoinedBytes = rss()
	for _, bc := range conns {
		if bc != nil {
			res.Joined++
		}
	}
	res.Failed = o.Clients - res.Joined
	for _, err := range errs {
		if he, ok := errors.AsType[*handshakeError](err); ok && he.Refused != nil {
			if res.Refusals == nil {
				res.Refusals = map[string]int{}
			}
			res.Refusals[he.Refused.Code.String()]++
		}
		if len(res.FirstErrors) < 5 {
			res.FirstErrors = append(res.FirstErrors, err.Error())
		}
	}
	res.HandshakeP50ms = float64(took.quantile(0.5)) / 1e6
	res.HandshakeP99ms = float64(took.quantile(0.99)) / 1e6
	res.HandshakeMaxms = float64(took.max) / 1e6
	probes := probeJoins(ctx, o, prefix, res)

	th := time.Now()
	if o.Hold > 0 {
		hold := time.NewTimer(o.Hold)
		select {
		case <-hold.C:
		case <-ctx.Done():
			hold.Stop()
		}
	}
	res.HoldSeconds = time.Since(th).Seconds()
	res.RSSAfterHoldBytes = rss()
	closing.Store(true)
	for _, bc := range append(conns, probes...) {
		if bc != nil {
			bc.close()
		}
	}
	drainers.Wait()
	res.Dropped = int(dropped.Load())
	res.ToolCPUSeconds = cpu.self.Seconds()
	res.FramesRead = frames.Load()
	if o.PID > 0 && res.Joined > 0 {
		res.RSSPerConnKiB = float64(res.RSSAfterHoldBytes-res.RSSBeforeBytes) / 1024 / float64(res.Joined)
		if cpu.serverErr == nil {
			res.ServerCPUSeconds = cpu.server.Seconds()
			res.MachineShare = (cpu.server + cpu.self).Seconds() / (res.ConnectSeconds * float64(runtime.NumCPU()))
		}
	}
	if ctx.Err() != nil {
		res.Error = joinMsg(res.Error, "stopped by -timeout")
	}
	res.Complete = res.Joined == o.Clients && res.Dropped == 0 && res.Error == ""
	return res, nil
}

// probeJoins joins o.Probes more clients one at a time and records each
// one's time from Hello to Welcome: the welcome latency of a single join
// into the lobby the run has filled. It returns the connections (kept open
// until the end, so that the lobby does not churn).
func probeJoins(ctx context.Context, o connOpts, prefix string, res *connResult) []*benchConn {
	var conns []*benchConn
	var h hist
	for i := range o.Probes {
		bc, err := dial(ctx, addrList(o.Addr)[0], o.Plaintext, fmt.Sprintf("%sprobe%d", prefix, i), "", o.ReadBuf, o.Handshake)
		if err != nil {
			res.Error = joinMsg(res.Error, "probe: "+err.Error())
			break
		}
		conns = append(conns, bc)
		h.record(bc.welcomeIn.Nanoseconds())
		go func() { // keep reading what the server sends it
			for {
				t, p, err := bc.next()
				if err != nil {
					return
				}
				if t == wire.TypePing && bc.pong(p) != nil {
					return
				}
			}
		}()
	}
	res.Probes = len(conns)
	if len(conns) > 0 {
		res.ProbeWelcomeP50ms = float64(h.quantile(0.5)) / 1e6
		res.ProbeWelcomeP99ms = float64(h.quantile(0.99)) / 1e6
		res.ProbeWelcomeMaxms = float64(h.max) / 1e6
	}
	return conns
}
