package discovery

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/miekg/dns"
)

// refreshEvery is how often the advertiser re-reads the network interfaces
// and their addresses: a new address (DHCP) or an interface that came up
// (Wi-Fi joined) is announced within this time.
const refreshEvery = 2 * time.Second

// Options are the settings shared by Advertise and Browse.
type Options struct {
	// Interfaces names the network interfaces to use; empty means every
	// interface that is up and can multicast (see Advertise for loopback).
	Interfaces []string
	// Host is the address the chat server listens on (Advertise only). A
	// specific address is announced alone, on the interface that has it
	// (loopback included, when it can multicast); 0.0.0.0 announces every
	// IPv4 address of the interfaces used; :: and the zero value every
	// address.
	Host netip.Addr
	// OnChange (Advertise only) is told when announcing starts failing (an
	// error in plain words) and when it works again (nil); the first call
	// comes from Advertise itself. It runs on the advertiser's goroutine and
	// must not block.
	OnChange func(error)
	// Logger receives the library's diagnostics at debug level; nil
	// discards them.
	Logger *slog.Logger
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// libLogger adapts the mdns library's *log.Logger to slog at debug level.
func libLogger(l *slog.Logger) *log.Logger {
	return log.New(slogWriter{l}, "", 0)
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug(strings.TrimSpace(string(p)), "component", "mdns")
	return len(p), nil
}

// Advertiser announces one server until Stop. Its goroutine owns the
// responders (one mdns.Server per interface) and the published record; the
// setters only hand it new values.
type Advertiser struct {
	opt  Options
	log  *slog.Logger
	zone zone

	mu   sync.Mutex
	info Info // guarded by mu: written by the setters, read by the goroutine

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once

	// Owned by the goroutine.
	servers map[int]*mdns.Server // by interface index
	ips     []net.IP
	status  string // the last error reported to OnChange ("" when working)
	started bool
}

// Advertise announces info as a _multichat._tcp service and keeps the
// announcement current until Stop: the people count and the other fields
// through the setters, the addresses as the machine's interfaces change.
// Loopback is used only when the server listens on a loopback address (and
// loopback can multicast). It fails only for an invalid info; a network
// that cannot carry the announcement is reported to opt.OnChange, and
// announcing starts by itself when the network allows it.
func Advertise(info Info, opt Options) (*Advertiser, error) {
	if info.Name == "" {
		info.Name = DefaultName()
	}
	if instance(info.Name) == "" {
		return nil, errors.New("discovery: the server name is blank")
	}
	if info.Port < 1 || info.Port > 0xFFFF {
		return nil, fmt.Errorf("discovery: port %d is out of range", info.Port)
	}
	a := &Advertiser{
		opt:     opt,
		log:     opt.logger(),
		info:    info,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		servers: map[int]*mdns.Server{},
	}
	a.refresh()
	go a.loop()
	return a, nil
}

// SetPeople updates the number of people online in the announcement.
func (a *Advertiser) SetPeople(n int) { a.update(func(i *Info) { i.People = n }) }

// SetFingerprint updates the TLS fingerprint in the announcement.
func (a *Advertiser) SetFingerprint(fp string) { a.update(func(i *Info) { i.Fingerprint = fp }) }

// SetPassword updates whether a password is needed.
func (a *Advertiser) SetPassword(needed bool) { a.update(func(i *Info) { i.Password = needed }) }

// SetCluster updates the cluster the server is one of ("" : none) and how
// many of its servers are up.
func (a *Advertiser) SetCluster(id string, servers int) {
	a.update(func(i *Info) { i.Cluster, i.Servers = id, servers })
}

// Info returns what is being announced.
func (a *Advertiser) Info() Info {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.info
}

func (a *Advertiser) update(f func(*Info)) {
	a.mu.Lock()
	f(&a.info)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Stop withdraws the announcement: the responders close, and browsers drop
// the server when it stops answering (within 5 s). It waits for the
// advertiser's goroutine and is safe to call more than once.
func (a *Advertiser) Stop() {
	a.once.Do(func() { close(a.quit) })
	<-a.done
}

func (a *Advertiser) loop() {
	defer close(a.done)
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-a.quit:
			a.zone.svc.Store(nil)
			for idx, s := range a.servers {
				_ = s.Shutdown()
				delete(a.servers, idx)
			}
			return
		case <-a.wake:
			a.publish()
		case <-t.C:
			a.refresh()
		}
	}
}

// refresh re-reads the interfaces: responders are started on new ones and
// stopped on those gone, and the record is republished when the addresses
// changed.
func (a *Advertiser) refresh() {
	ifaces, ips, err := advertiseInterfaces(a.opt)
	var failed []string
	keep := map[int]bool{}
	for _, ifi := range ifaces {
		keep[ifi.Index] = true
		if a.servers[ifi.Index] != nil {
			continue
		}
		s, err := mdns.NewServer(&mdns.Config{Zone: &a.zone, Iface: &ifi, Logger: libLogger(a.log)})
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", ifi.Name, err))
			continue
		}
		a.log.Debug("announcing on interface", "iface", ifi.Name)
		a.servers[ifi.Index] = s
	}
	for idx, s := range a.servers {
		if !keep[idx] {
			_ = s.Shutdown()
			delete(a.servers, idx)
		}
	}
	if err == nil && len(a.servers) == 0 {
		err = fmt.Errorf("multicast is not available on %s", strings.Join(failed, ", "))
	}
	if !slices.EqualFunc(ips, a.ips, net.IP.Equal) || !a.started {
		a.ips = ips
		a.publish()
	}
	a.report(err)
}

// report tells OnChange about a change between working and failing.
func (a *Advertiser) report(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if a.started && msg == a.status {
		return
	}
	a.started, a.status = true, msg
	if err != nil {
		a.log.Warn("LAN announcement failed", "err", err)
	}
	if a.opt.OnChange != nil {
		a.opt.OnChange(err)
	}
}

// publish builds the record from the current info and addresses and hands
// it to the responders.
func (a *Advertiser) publish() {
	info := a.Info()
	if len(a.ips) == 0 {
		a.zone.svc.Store(nil)
		return
	}
	svc, err := mdns.NewMDNSService(escapeLabel(instance(info.Name)), ServiceType, domain,
		hostLabel()+"."+domain, info.Port, a.ips, info.txt())
	if err != nil {
		a.log.Warn("cannot build the announcement", "err", err)
		return
	}
	a.zone.svc.Store(svc)
}

// zone answers the responders' questions from the record published last;
// it is read by the library's goroutines and replaced whole by the
// advertiser's, so an update never races with an answer.
type zone struct {
	svc atomic.Pointer[mdns.MDNSService]
}

func (z *zone) Records(q dns.Question) []dns.RR {
	if s := z.svc.Load(); s != nil {
		return s.Records(q)
	}
	return nil
}

// ErrNoInterface is why nothing can be announced or searched: no network
// connection that can multicast is up (a Failed event's Err wraps it or is
// it; the connect form says so in its own words).
var ErrNoInterface = errors.New("no network connection that can multicast is up")

// usable lists the interfaces that are up and can multicast, restricted
// to names when given; loopback is left out unless names asks for it or
// loopbackToo.
func usable(names []string, loopbackToo bool) ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("cannot list the network interfaces: %w", err)
	}
	var out []net.Interface
	for _, ifi := range all {
		named := slices.Contains(names, ifi.Name)
		switch {
		case ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0:
		case len(names) > 0 && !named:
		case ifi.Flags&net.FlagLoopback != 0 && !named && !loopbackToo:
		default:
			out = append(out, ifi)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoInterface
	}
	return out, nil
}

// advertiseInterfaces chooses the interfaces to answer on and the addresses
// to announce. IPv6 link-local addresses come before global ones and IPv4
// after IPv6 within an interface, because browsers that keep one address of
// each family (hashicorp/mdns's) keep the last.
func advertiseInterfaces(opt Options) ([]net.Interface, []net.IP, error) {
	host := opt.Host.Unmap()
	specific := host.IsValid() && !host.IsUnspecified()
	v4only := host.Is4() && host.IsUnspecified() // 0.0.0.0 listens on IPv4 only; :: on both
	ifaces, err := usable(opt.Interfaces, specific && host.IsLoopback())
	if err != nil {
		return nil, nil, err
	}
	var chosen []net.Interface
	var ips []net.IP
	for _, ifi := range ifaces {
		var mine []netip.Addr
		for _, ip := range Addrs(ifi) {
			switch {
			case specific && ip != host, v4only && !ip.Is4():
			case !specific && ip.IsLoopback() && ifi.Flags&net.FlagLoopback == 0:
			default:
				mine = append(mine, ip)
			}
		}
		if len(mine) == 0 {
			continue
		}
		slices.SortStableFunc(mine, func(x, y netip.Addr) int { return addrRank(y) - addrRank(x) })
		chosen = append(chosen, ifi)
		for _, ip := range mine {
			ips = append(ips, net.IP(ip.AsSlice()))
		}
	}
	if len(chosen) == 0 {
		if specific {
			return nil, nil, fmt.Errorf("no interface that can multicast has the address %s", host)
		}
		return nil, nil, ErrNoInterface
	}
	return chosen, ips, nil
}

// Addrs lists the IP addresses of an interface (IPv4 as IPv4, not as
// IPv4-mapped IPv6).
func Addrs(ifi net.Interface) []netip.Addr {
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if pfx, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(pfx.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// addrRank orders addresses by how good they are to dial, best first (0):
// ordinary IPv4, global IPv6, link-local IPv6 (needs its zone), link-local
// IPv4.
func addrRank(ip netip.Addr) int {
	switch {
	case ip.Is4() && !ip.IsLinkLocalUnicast():
		return 0
	case ip.Is6() && !ip.IsLinkLocalUnicast():
		return 1
	case ip.Is6():
		return 2
	}
	return 3
}
