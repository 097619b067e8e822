// Package cluster joins MultiChat servers into one chat over NATS: each
// server either embeds a NATS server that routes to the other servers' (over
// TLS with the servers' certificates), or connects to an existing NATS
// deployment. A Node is the server's end of it: it publishes the hub's events
// in order, delivers the other servers' events in each server's order, tells
// when a server appears, falls silent or misses events (so that the hub can
// ask it for a snapshot), and keeps nicknames unique across the cluster in a
// JetStream key-value bucket. It knows nothing of chat: what the events say
// is the hub's business (net/server).
package cluster

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config says how a server joins the cluster. Exactly one of Listen (embed a
// NATS server) and NATS (use an existing deployment) is set.
type Config struct {
	// ID names this server in the cluster: unique among the servers, made
	// of letters, digits, '-' and '_' (it is part of NATS subjects).
	ID string
	// Listen is where the embedded NATS server accepts the other servers'
	// routes ("host:port"). Peers are their route addresses.
	Listen string
	Peers  []string
	// NATS is the URL of an existing NATS deployment ("nats://host:4222",
	// "tls://…"); JetStream must be enabled there.
	NATS string
	// TLS secures the routes (embedded) or the connection to NATS. For
	// routes it must hold a certificate and verify the peers' (RouteTLS
	// makes one from the server's certificate).
	TLS *tls.Config
	// Dir holds the embedded server's JetStream files.
	Dir string
	// ClientListen is where the embedded server accepts NATS clients
	// (monitoring tools, chatbench -nats); "" is a free port on loopback.
	ClientListen string
	// Prefix starts every subject and the bucket name ("multichat").
	Prefix string
	// Heartbeat is how often the server says it is alive (1 s); a server not
	// heard for DeadAfter (3 s) is reported down.
	Heartbeat time.Duration
	DeadAfter time.Duration
	// Grace is how long a nickname stays bound to its device after its user
	// left (or its server died): no other device may take it meanwhile.
	Grace  time.Duration
	Logger *slog.Logger
}

// Event is what a Node delivers: Msg, Batch, PeerUp, PeerDown, Resync.
type Event interface{ isEvent() }

// Msg is an event another server published, in that server's order.
type Msg struct {
	From string
	Data []byte
}

// Batch is several Msgs, in the order they came, that were queued together
// (at most maxBatch): the hub handles them in one go, as it handles a burst
// of its own clients' messages, and wakes its writers once for all of them
// rather than once per message. A message that finds nothing queued behind
// it is delivered at once, as a Msg: batching never holds one back.
type Batch []Msg

// maxBatch bounds a Batch (the hub's maxBurst).
const maxBatch = 64

// PeerUp reports a server heard for the first time (or again after it was
// down): ask it for a snapshot. Info is what it last set with SetInfo.
type PeerUp struct {
	Peer string
	Info []byte
}

// PeerInfo reports a server's new Info.
type PeerInfo struct {
	Peer string
	Info []byte
}

// PeerDown reports a server that stopped (Clean) or has not been heard for
// DeadAfter.
type PeerDown struct {
	Peer  string
	Clean bool
}

// Resync reports that events of Peer were lost (a gap in its sequence): what
// this server knows of it is stale until its next snapshot.
type Resync struct{ Peer string }

// SnapshotWanted reports that another server asks this one for a snapshot of
// its state (it published one with Publish).
type SnapshotWanted struct{ By string }

// Formed reports the cluster's id, the same on every server of the cluster
// and kept as long as its JetStream store is (the LAN announcement carries
// it). It comes once, when the nickname bucket is ready.
type Formed struct{ ID string }

func (Formed) isEvent()         {}
func (Msg) isEvent()            {}
func (Batch) isEvent()          {}
func (PeerUp) isEvent()         {}
func (PeerInfo) isEvent()       {}
func (PeerDown) isEvent()       {}
func (Resync) isEvent()         {}
func (SnapshotWanted) isEvent() {}

// Subject kinds: <prefix>.<kind>.<server id>.
const (
	kindEvent = "ev"  // [8-byte seq][data]
	kindBeat  = "hb"  // [8-byte seq of the last event][info]
	kindWant  = "req" // the id of the server asked (empty: everyone)
	kindBye   = "bye" // the server stops cleanly
)

// Node is a server's connection to the cluster. Its methods are safe for
// concurrent use.
type Node struct {
	cfg    Config
	log    *slog.Logger
	ns     *natsserver.Server // nil with an external deployment
	nc     *nats.Conn
	sub    *nats.Subscription
	events chan Event
	done   chan struct{}
	wg     sync.WaitGroup
	nicks  *nicks

	pubMu sync.Mutex // orders events and heartbeats on the connection
	seq   uint64
	info  []byte

	mu    sync.Mutex
	peers map[string]*peer

	batch []Msg // events received, not yet delivered (receive's goroutine only)

	clusterID atomic.Pointer[string]
	published atomic.Uint64
	received  atomic.Uint64
	closeOnce sync.Once
}

type peer struct {
	seq      uint64 // the last event received
	lastSeen time.Time
	up       bool
	info     []byte
}

// Start joins the cluster: it starts the embedded NATS server (with Listen),
// connects, and begins heartbeats. The bucket of nicknames is made in the
// background (JetStream needs its cluster to elect a leader first); Claim
// waits for it.
func Start(cfg Config) (*Node, error) {
	if cfg.ID == "" || strings.ContainsAny(cfg.ID, ".*> \t") {
		return nil, fmt.Errorf("cluster: the server id %q must be a non-empty word", cfg.ID)
	}
	if (cfg.Listen == "") == (cfg.NATS == "") {
		return nil, errors.New("cluster: set either a cluster listen address or a NATS URL")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "multichat"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.DeadAfter <= 0 {
		cfg.DeadAfter = 3 * cfg.Heartbeat
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Node{cfg: cfg, log: log.With("cluster", cfg.ID), events: make(chan Event, 4096),
		done: make(chan struct{}), peers: make(map[string]*peer)}
	opts := []nats.Option{
		nats.Name("multichat-" + cfg.ID),
		nats.NoEcho(),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectBufSize(64 << 20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.log.Warn("cluster connection lost", "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			n.log.Info("cluster connection back")
			n.wantSnapshot("") // whatever was published meanwhile is lost
		}),
	}
	url := cfg.NATS
	if cfg.Listen != "" {
		ns, err := embed(cfg, n.log)
		if err != nil {
			return nil, err
		}
		n.ns = ns
		// In process, Publish writes each event to the NATS server itself
		// (a hand-over to the server's reader, no system call) rather than
		// waking nats.go's flusher to write it: the server then queues the
		// event to the routes before this server's hub wakes its own
		// writers, instead of after a part of them (measured in paired runs
		// of the latency scenario: the leg from Publish here to the other
		// servers' nodes about a fifth shorter at p50, 0.59 → 0.47 ms).
		opts = append(opts, nats.InProcessServer(ns), nats.WriteBufferSize(1))
		url = ""
	} else if cfg.TLS != nil {
		opts = append(opts, nats.Secure(cfg.TLS))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		n.shutdownServer()
		return nil, fmt.Errorf("cluster: connecting to NATS: %w", err)
	}
	n.nc = nc
	sub, err := nc.Subscribe(cfg.Prefix+".>", n.receive)
	if err == nil {
		err = sub.SetPendingLimits(-1, 256<<20)
	}
	if err != nil {
		nc.Close()
		n.shutdownServer()
		return nil, fmt.Errorf("cluster: subscribing: %w", err)
	}
	n.sub = sub
	n.nicks = newNicks(n)
	n.wg.Add(2)
	go n.beat()
	go n.nicks.run()
	n.wantSnapshot("")
	return n, nil
}

// embed starts the embedded NATS server: routes on cfg.Listen, JetStream in cfg.Dir.
func embed(cfg Config, log *slog.Logger) (*natsserver.Server, error) {
	host, port, err := splitPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("cluster: listen address %q: %w", cfg.Listen, err)
	}
	chost, cport := "127.0.0.1", -1
	if cfg.ClientListen != "" {
		if chost, cport, err = splitPort(cfg.ClientListen); err != nil {
			return nil, fmt.Errorf("cluster: NATS client address %q: %w", cfg.ClientListen, err)
		}
	}
	// NATS logs a port it cannot listen on and never becomes ready; try the
	// ports first so that "in use" is said at once, with its cause.
	for _, a := range []struct {
		addr string
		port int
	}{{cfg.Listen, port}, {cfg.ClientListen, cport}} {
		if a.port <= 0 {
			continue
		}
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
		ln.Close()
	}
	var routes []string
	for _, p := range cfg.Peers {
		if p = strings.TrimSpace(p); p != "" {
			routes = append(routes, "nats-route://"+p)
		}
	}
	opts := &natsserver.Options{
		ServerName: cfg.ID,
		// The hub connects in process; the client port (routing waits
		// for it to open) is a free one on loopback unless asked.
		Host:      chost,
		Port:      cport,
		NoSigs:    true,
		JetStream: true,
		StoreDir:  cfg.Dir,
		Cluster: natsserver.ClusterOpts{
			Name:       cfg.Prefix,
			Host:       host,
			Port:       port,
			TLSConfig:  cfg.TLS,
			TLSTimeout: 5,
			// No compression on the routes: chat events are small, and
			// compressing them only adds to their way. ("accept" on both
			// ends, NATS's default, comes to the same today; said here so
			// that a new default cannot change it.)
			Compression: natsserver.CompressionOpts{Mode: natsserver.CompressionOff},
		},
	}
	if len(routes) > 0 { // RoutesFromStr("") is one route with no address
		opts.Routes = natsserver.RoutesFromStr(strings.Join(routes, ","))
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	ns.SetLoggerV2(natsLogger{log}, false, false, false)
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("cluster: the NATS server did not start on %s", cfg.Listen)
	}
	log.Info("cluster routes listening", "addr", ns.ClusterAddr().String(), "peers", cfg.Peers, "tls", cfg.TLS != nil)
	return ns, nil
}

func splitPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := net.LookupPort("tcp", p)
	if err != nil {
		return "", 0, err
	}
	if port == 0 {
		port = -1 // NATS: any free port
	}
	return host, port, nil
}

// RouteAddr is where the embedded server accepts routes (with the real port
// when Listen asked for port 0); "" with an external deployment.
func (n *Node) RouteAddr() string {
	if n.ns == nil {
		return ""
	}
	if a := n.ns.ClusterAddr(); a != nil {
		return a.String()
	}
	return ""
}

// ClusterID is the cluster's id ("" until the nickname bucket is ready).
func (n *Node) ClusterID() string {
	if id := n.clusterID.Load(); id != nil {
		return *id
	}
	return ""
}

// ID is this server's id in the cluster.
func (n *Node) ID() string { return n.cfg.ID }

// Events delivers the other servers' events. It is never closed; stop
// reading when Close is called.
func (n *Node) Events() <-chan Event { return n.events }

// Publish sends data to every other server, after everything published
// before it. It does not wait for the network (NATS buffers it).
func (n *Node) Publish(data []byte) {
	n.pubMu.Lock()
	defer n.pubMu.Unlock()
	n.seq++
	msg := make([]byte, 8+len(data))
	binary.BigEndian.PutUint64(msg, n.seq)
	copy(msg[8:], data)
	if err := n.nc.Publish(n.subject(kindEvent), msg); err != nil {
		n.log.Warn("cluster publish failed", "err", err)
		return
	}
	n.published.Add(1)
}

// SetInfo sets what the heartbeats carry (the hub's address, name and
// certificate); other servers get it in PeerUp and PeerInfo.
func (n *Node) SetInfo(info []byte) {
	n.pubMu.Lock()
	n.info = append([]byte(nil), info...)
	n.pubMu.Unlock()
	n.heartbeat()
}

// Stats reports the events this node has published and received.
func (n *Node) Stats() (published, received uint64) { return n.published.Load(), n.received.Load() }

// Peers lists the servers heard and alive.
func (n *Node) Peers() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for id, p := range n.peers {
		if p.up {
			out = append(out, id)
		}
	}
	return out
}

func (n *Node) subject(kind string) string { return n.cfg.Prefix + "." + kind + "." + n.cfg.ID }

// WantSnapshot asks peer ("" for every server) to publish a snapshot.
func (n *Node) WantSnapshot(peer string) { n.wantSnapshot(peer) }

func (n *Node) wantSnapshot(peer string) {
	if err := n.nc.Publish(n.subject(kindWant), []byte(peer)); err != nil {
		n.log.Warn("cluster: asking for a snapshot", "err", err)
	}
}

func (n *Node) heartbeat() {
	n.pubMu.Lock()
	defer n.pubMu.Unlock()
	msg := make([]byte, 8+len(n.info))
	binary.BigEndian.PutUint64(msg, n.seq)
	copy(msg[8:], n.info)
	n.nc.Publish(n.subject(kindBeat), msg)
}

// beat sends heartbeats and reports servers not heard for DeadAfter.
func (n *Node) beat() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-t.C:
		}
		n.heartbeat()
		now := time.Now()
		var dead []string
		n.mu.Lock()
		for id, p := range n.peers {
			if p.up && now.Sub(p.lastSeen) > n.cfg.DeadAfter {
				p.up, p.seq = false, 0
				dead = append(dead, id)
			}
		}
		n.mu.Unlock()
		for _, id := range dead {
			n.log.Warn("cluster server silent: taken as down", "peer", id, "after", n.cfg.DeadAfter)
			n.deliver(PeerDown{Peer: id})
		}
	}
}

// deliver hands an event to the hub; it waits while the hub is busy (NATS
// buffers meanwhile) unless the node is closing.
func (n *Node) deliver(e Event) {
	select {
	case n.events <- e:
	case <-n.done:
	}
}

// receive handles every message of the cluster's subjects (one goroutine,
// in the order NATS delivers: each server's own order). Events of other
// servers are gathered while more messages are queued behind them, and
// delivered together (a Batch) when none is, or maxBatch are gathered; any
// other event first delivers what was gathered, so the order is kept.
func (n *Node) receive(m *nats.Msg) {
	n.handle(m)
	if len(n.batch) > 0 && (len(n.batch) >= maxBatch || !queued(m.Sub)) {
		n.flush()
	}
}

// queued reports whether more messages wait in the subscription's queue,
// behind the one being handled: nats.go counts that one as pending until
// its callback returns, hence > 1 (were it not counted, > 1 would only
// deliver a batch one message early, never hold one back).
func queued(s *nats.Subscription) bool {
	if s == nil {
		return false
	}
	msgs, _, err := s.Pending()
	return err == nil && msgs > 1
}

// flush delivers the events gathered: one Msg alone, several as a Batch.
func (n *Node) flush() {
	b := n.batch
	n.batch = nil
	if len(b) == 1 {
		n.deliver(b[0])
	} else if len(b) > 1 {
		n.deliver(Batch(b))
	}
}

// emit delivers an event of receive's after the events gathered before it.
func (n *Node) emit(e Event) {
	n.flush()
	n.deliver(e)
}

func (n *Node) handle(m *nats.Msg) {
	parts := strings.SplitN(strings.TrimPrefix(m.Subject, n.cfg.Prefix+"."), ".", 2)
	if len(parts) != 2 || parts[1] == n.cfg.ID {
		return
	}
	kind, from := parts[0], parts[1]
	switch kind {
	case kindWant:
		if target := string(m.Data); target == "" || target == n.cfg.ID {
			n.emit(SnapshotWanted{By: from})
		}
		return
	case kindBye:
		n.mu.Lock()
		p := n.peers[from]
		wasUp := p != nil && p.up
		if p != nil {
			p.up, p.seq = false, 0
		}
		n.mu.Unlock()
		if wasUp {
			n.emit(PeerDown{Peer: from, Clean: true})
		}
		return
	case kindEvent, kindBeat:
	default:
		return
	}
	if len(m.Data) < 8 {
		return
	}
	seq := binary.BigEndian.Uint64(m.Data)
	body := m.Data[8:]
	var pre []Event
	n.mu.Lock()
	p := n.peers[from]
	if p == nil {
		p = &peer{}
		n.peers[from] = p
	}
	p.lastSeen = time.Now()
	if !p.up {
		p.up, p.seq = true, seq
		if kind == kindEvent {
			p.seq = seq - 1 // this one is delivered below
		}
		info := p.info
		if kind == kindBeat {
			info = append([]byte(nil), body...)
			p.info = info
		}
		pre = append(pre, PeerUp{Peer: from, Info: info})
	}
	lost := false
	if kind == kindEvent {
		lost = seq != p.seq+1
		p.seq = seq
	} else {
		lost = seq != p.seq
		p.seq = seq
		if string(p.info) != string(body) {
			p.info = append([]byte(nil), body...)
			pre = append(pre, PeerInfo{Peer: from, Info: p.info})
		}
	}
	n.mu.Unlock()
	for _, e := range pre {
		n.emit(e)
	}
	if _, up := firstUp(pre); up {
		n.wantSnapshot(from)
	} else if lost {
		n.log.Warn("cluster events lost: asking for a snapshot", "peer", from)
		n.emit(Resync{Peer: from})
		n.wantSnapshot(from)
	}
	if kind == kindEvent {
		n.received.Add(1)
		n.batch = append(n.batch, Msg{From: from, Data: body})
	}
}

func firstUp(es []Event) (PeerUp, bool) {
	for _, e := range es {
		if u, ok := e.(PeerUp); ok {
			return u, true
		}
	}
	return PeerUp{}, false
}

// alive reports whether a server is up, and when it was last heard.
func (n *Node) alive(id string) (bool, time.Time) {
	if id == n.cfg.ID {
		return true, time.Now()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[id]; p != nil {
		return p.up, p.lastSeen
	}
	return false, time.Time{}
}

// Close says goodbye to the other servers, closes the connection and stops
// the embedded server. Safe to call twice.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		n.nc.Publish(n.subject(kindBye), nil)
		n.nc.FlushTimeout(time.Second)
		close(n.done)
		n.nicks.close()
		n.wg.Wait()
		n.sub.Unsubscribe()
		n.nc.Close()
		n.shutdownServer()
	})
}

// Kill ends the node as a crash would: no goodbye (tests).
func (n *Node) Kill() {
	n.closeOnce.Do(func() {
		close(n.done)
		n.nicks.close()
		n.wg.Wait()
		n.nc.Close()
		n.shutdownServer()
	})
}

func (n *Node) shutdownServer() {
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
}

// natsLogger passes the embedded server's warnings and errors to slog.
type natsLogger struct{ log *slog.Logger }

func (l natsLogger) Noticef(format string, v ...any) {
	l.log.Debug("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Warnf(format string, v ...any) { l.log.Info("nats: " + fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any) {
	l.log.Error("nats: " + fmt.Sprintf(format, v...))
}
func (l natsLogger) Errorf(format string, v ...any) { l.log.Warn("nats: " + fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(format string, v ...any) {}
func (l natsLogger) Tracef(format string, v ...any) {}
