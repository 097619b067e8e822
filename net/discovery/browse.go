package discovery

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/mdns"
)

const (
	// queryEvery is how often the browser queries: each round sends a
	// query on every interface and collects answers for queryWindow (a LAN
	// answers in milliseconds). A server that starts answering is found
	// within queryEvery+queryWindow.
	queryEvery  = time.Second
	queryWindow = 500 * time.Millisecond
	// lostAfter is how long a server may go unheard before it is Lost: two
	// rounds in a row may miss it (multicast on Wi-Fi loses packets); the
	// third drops it, 2.5–3.5 s after Stop.
	lostAfter = 2500 * time.Millisecond
)

// EventKind says what happened to a server in the browser's view.
type EventKind int

const (
	Found    EventKind = iota + 1 // a server appeared
	Updated                       // a known server changed: address, people online, name...
	Lost                          // a server stopped answering
	Searched                      // the network was searched (first round, or again after Failed)
	Failed                        // searching does not work; Err says why
)

func (k EventKind) String() string {
	switch k {
	case Found:
		return "found"
	case Updated:
		return "updated"
	case Lost:
		return "lost"
	case Searched:
		return "searched"
	case Failed:
		return "failed"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is one change in the browser's view. Server is set for Found,
// Updated and Lost (for Lost, as it was last seen); Err for Failed.
type Event struct {
	Kind   EventKind
	Server Server
	Err    error
}

// Server is a MultiChat server found on the network.
type Server struct {
	// Instance is the DNS-SD instance name, the key a server is known by:
	// the same server seen on several interfaces, over IPv4 and IPv6, or at
	// a new address after a DHCP change, is one Server.
	Instance string
	Info
	// Addr is the address to dial (host:port): IPv4 when there is one,
	// else IPv6 (with its zone when link-local); among equals, the one it
	// answered from last, so that after a move Addr is the new address.
	Addr string
	// Addrs is every address it answered with recently, best first.
	Addrs []string
	// Host is its DNS host name ("teacher-pc.local.").
	Host string
}

func (s Server) equal(t Server) bool {
	return s.Instance == t.Instance && s.Info == t.Info && s.Addr == t.Addr &&
		s.Host == t.Host && slices.Equal(s.Addrs, t.Addrs)
}

// Browse searches the network for MultiChat servers until ctx is done, then
// closes the channel it returns. A goroutine owns the view: it queries every
// interface each second (only while someone browses: the connect form),
// merges the answers by instance name and reports the differences. A server
// appears within about a second of answering and is Lost 2.5–3.5 s after
// it stops.
func Browse(ctx context.Context, opt Options) <-chan Event {
	out := make(chan Event, 64)
	b := &browser{ctx: ctx, opt: opt, log: opt.logger(), out: out, known: map[string]*seen{}}
	go b.run()
	return out
}

type browser struct {
	ctx   context.Context
	opt   Options
	log   *slog.Logger
	out   chan<- Event
	known map[string]*seen
	state error // nil while searching works
	first bool  // a round has completed
}

// seen is what the browser knows of one server.
type seen struct {
	srv   Server
	addrs map[netip.AddrPort]time.Time // when each address was last heard
	last  time.Time
}

// answer is one server's answer to a query, with the interface the query
// went out on and when the query ended.
type answer struct {
	e     *mdns.ServiceEntry
	iface string
	at    time.Time
}

func (b *browser) run() {
	defer close(b.out)
	for b.ctx.Err() == nil {
		b.round(b.ctx)
	}
}

// round sends one query per interface, merges the answers when the
// queries end, drops what went silent, and waits for the next round.
func (b *browser) round(ctx context.Context) {
	next := time.NewTimer(queryEvery)
	defer next.Stop()
	ifaces, err := usable(b.opt.Interfaces, true) // loopback only when it can multicast
	answers := make(chan []answer, len(ifaces))
	errs := make(chan error, len(ifaces))
	for _, ifi := range ifaces {
		go func() {
			got, err := query(ctx, ifi, b.opt)
			answers <- got
			errs <- err
		}()
	}
	var failures []error
	for range ifaces {
		for _, a := range <-answers {
			b.heard(a)
		}
		if err := <-errs; err != nil {
			failures = append(failures, err)
		}
	}
	if ctx.Err() != nil {
		return
	}
	if err == nil && len(failures) == len(ifaces) {
		err = errors.Join(failures...)
	}
	b.expire(time.Now())
	b.status(err)
	select {
	case <-next.C:
	case <-ctx.Done():
	}
}

// query asks one interface for MultiChat servers and returns the answers
// when the query ends, after queryWindow (the library waits that long even
// when ctx is done, but closes its sockets at once). When
// the query cannot be sent over both IPv4 and IPv6 (an interface with only
// one of them), it is sent over each alone.
//
// The answers are read only after the library's query has returned:
// hashicorp/mdns hands an entry over as soon as it is complete and keeps
// filling it in from later packets (the IPv6 answer after the IPv4 one),
// so reading it earlier would race with those writes.
func query(ctx context.Context, ifi net.Interface, opt Options) ([]answer, error) {
	entries := make(chan *mdns.ServiceEntry, 32)
	var got []*mdns.ServiceEntry
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for e := range entries {
			got = append(got, e) // the pointer only: see above
		}
	}()
	ask := func(no4, no6 bool) error {
		return mdns.QueryContext(ctx, &mdns.QueryParam{
			Service: ServiceType, Domain: "local", Timeout: queryWindow, Interface: &ifi,
			Entries: entries, DisableIPv4: no4, DisableIPv6: no6, Logger: libLogger(opt.logger()),
		})
	}
	err := ask(false, false)
	if err != nil && ctx.Err() == nil {
		if err = ask(false, true); err != nil {
			if err6 := ask(true, false); err6 == nil {
				err = nil
			}
		}
	}
	close(entries)
	<-collected
	at := time.Now()
	answers := make([]answer, len(got))
	for i, e := range got {
		answers[i] = answer{e: e, iface: ifi.Name, at: at}
	}
	return answers, err
}

// heard merges one answer into the view.
func (b *browser) heard(a answer) {
	inst := instanceOf(a.e.Name)
	if inst == "" {
		return
	}
	info, err := parseTXT(a.e.InfoFields)
	if err != nil {
		b.log.Debug("ignoring a server", "instance", inst, "err", err)
		return
	}
	if a.e.Port > 0 {
		info.Port = a.e.Port
	}
	s := b.known[inst]
	isNew := s == nil
	if isNew {
		s = &seen{addrs: map[netip.AddrPort]time.Time{}}
		b.known[inst] = s
	}
	if ip, ok := netip.AddrFromSlice(a.e.AddrV4); ok && a.e.AddrV4 != nil {
		s.addrs[netip.AddrPortFrom(ip.Unmap(), uint16(info.Port))] = a.at
	}
	if v6 := a.e.AddrV6IPAddr; v6 != nil {
		if ip, ok := netip.AddrFromSlice(v6.IP); ok && ip.Is6() && !ip.Is4In6() {
			if ip.IsLinkLocalUnicast() {
				zone := v6.Zone
				if zone == "" {
					zone = a.iface
				}
				ip = ip.WithZone(zone)
			}
			s.addrs[netip.AddrPortFrom(ip, uint16(info.Port))] = a.at
		}
	}
	if len(s.addrs) == 0 {
		if isNew {
			delete(b.known, inst)
		}
		return
	}
	// A port change (server restarted elsewhere) outdates the old addresses.
	for ap := range s.addrs {
		if ap.Port() != uint16(info.Port) {
			delete(s.addrs, ap)
		}
	}
	s.last = a.at
	prev := s.srv
	s.srv = s.view(inst, info, a.e.Host)
	switch {
	case isNew:
		b.emit(Event{Kind: Found, Server: s.srv})
	case !prev.equal(s.srv):
		b.emit(Event{Kind: Updated, Server: s.srv})
	}
}

// view builds the Server the UI sees from what was heard.
func (s *seen) view(inst string, info Info, host string) Server {
	srv := Server{Instance: inst, Info: info, Host: host}
	aps := make([]netip.AddrPort, 0, len(s.addrs))
	for ap := range s.addrs {
		aps = append(aps, ap)
	}
	slices.SortFunc(aps, func(x, y netip.AddrPort) int {
		if d := addrRank(x.Addr()) - addrRank(y.Addr()); d != 0 {
			return d
		}
		return x.Compare(y)
	})
	var best netip.AddrPort
	for _, ap := range aps {
		srv.Addrs = append(srv.Addrs, ap.String())
		// The best kind of address; among those, the one heard last.
		if !best.IsValid() || addrRank(ap.Addr()) == addrRank(best.Addr()) && s.addrs[ap].After(s.addrs[best]) {
			best = ap
		}
	}
	if best.IsValid() {
		srv.Addr = best.String()
	}
	return srv
}

// expire drops addresses and servers not heard for lostAfter.
func (b *browser) expire(now time.Time) {
	for inst, s := range b.known {
		if now.Sub(s.last) > lostAfter {
			delete(b.known, inst)
			b.emit(Event{Kind: Lost, Server: s.srv})
			continue
		}
		gone := false
		for ap, at := range s.addrs {
			if now.Sub(at) > lostAfter {
				delete(s.addrs, ap)
				gone = true
			}
		}
		if gone {
			prev := s.srv
			s.srv = s.view(inst, prev.Info, prev.Host)
			if !prev.equal(s.srv) {
				b.emit(Event{Kind: Updated, Server: s.srv})
			}
		}
	}
}

// status reports a change between searching and failing.
func (b *browser) status(err error) {
	switch {
	case err != nil && (b.state == nil || b.state.Error() != err.Error()):
		b.emit(Event{Kind: Failed, Err: err})
	case err == nil && (!b.first || b.state != nil):
		b.emit(Event{Kind: Searched})
	}
	b.state, b.first = err, true
}

// emit hands ev to the reader; once ctx is done nobody may be reading, and
// events are dropped.
func (b *browser) emit(ev Event) {
	select {
	case b.out <- ev:
	case <-b.ctx.Done():
	}
}
