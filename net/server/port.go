package server

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// Port lets a gateway (net/gateway/classic, net/gateway/irc) bring the hub
// users whose clients speak another protocol. Dial gives the gateway one end
// of an in-memory connection; the hub serves the other end exactly as a
// socket it accepted: the gateway sends a Hello and speaks MultiChat's wire
// protocol, and the user is subject to the same nickname rules, limits
// (connections per address count the client's own address), flood control,
// keepalive and moderation as everyone else. The hub stays the one owner of
// members and rooms.
//
// A Port serves one Run at a time (Config.Port); Dial fails with
// ErrNotRunning while no Run has it or the server is stopped.
type Port struct {
	mu  sync.Mutex
	run *portRun // nil while no Run serves the port
}

type portRun struct {
	dials chan dialReq
	done  chan struct{} // closed when that Run ends
}

type dialReq struct {
	remote netip.AddrPort
	via    string
	reply  chan net.Conn // nil: not running
}

// NewPort returns a Port for Config.Port.
func NewPort() *Port { return &Port{} }

// Dial connects a user at remote (the gateway client's address) to the hub.
// via names the gateway ("irc", "classic"); it is reported in UserJoined.Via.
// Closing the returned conn is the user leaving (connection lost, unless a
// Quit was sent first).
func (p *Port) Dial(ctx context.Context, remote netip.AddrPort, via string) (net.Conn, error) {
	p.mu.Lock()
	run := p.run
	p.mu.Unlock()
	if run == nil {
		return nil, ErrNotRunning
	}
	req := dialReq{remote: remote, via: via, reply: make(chan net.Conn, 1)}
	select {
	case run.dials <- req:
	case <-run.done:
		return nil, ErrNotRunning
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if nc := <-req.reply; nc != nil { // the hub always answers a request it took
		return nc, nil
	}
	return nil, ErrNotRunning
}

// open is called by Run: the port serves this run until the returned func.
func (p *Port) open() (dials <-chan dialReq, closeFn func()) {
	run := &portRun{dials: make(chan dialReq), done: make(chan struct{})}
	p.mu.Lock()
	p.run = run
	p.mu.Unlock()
	return run.dials, func() {
		p.mu.Lock()
		if p.run == run {
			p.run = nil
		}
		p.mu.Unlock()
		close(run.done)
	}
}

// gatewayQueue bounds the bytes written to a gateway and not yet read.
const gatewayQueue = 64 << 10

// dialed serves a gateway's Dial: while the server listens, the hub end of a
// new in-memory connection (see queue) is accepted as if it came through the
// listener; it reports the gateway client's address, so that per-address
// limits and logs name the real peer.
func (h *hub) dialed(req dialReq) {
	if h.ln == nil {
		req.reply <- nil
		return
	}
	mine, theirs := gatewayConn(net.TCPAddrFromAddrPort(req.remote), gatewayQueue)
	req.reply <- theirs
	if c := h.accept(mine); c != nil {
		c.via = req.via
	}
}
