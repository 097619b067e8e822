package main

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// lanConfig is what the LAN announcement needs besides what Started says
// (the address, the name, the TLS fingerprint, whether a password is needed).
type lanConfig struct {
	Name    string // when Started has none
	Options discovery.Options
	Logger  *slog.Logger
}

// announceLAN passes the server's events from in to out and announces the
// server on the LAN while it serves: from Started (at the bound port, under
// Started.Name) to Stopped, with the people online kept current from
// UserJoined and UserLeft. Whether clients can find it is reported as
// Announced events: Err says "LAN announcement failed: …" when multicast is
// blocked or there is no network. It closes out when in is closed, after
// withdrawing the announcement.
func announceLAN(in <-chan server.Event, out chan<- server.Event, c lanConfig) {
	defer close(out)
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		adv    *discovery.Advertiser
		people int
		// The cluster this server is one of (ClusterChanged), announced so
		// that clients show its servers as one chat.
		cid     string
		servers int
	)
	// The advertiser reports from its own goroutine (and once from
	// Advertise, on this one): a buffered channel, never waited on.
	status := make(chan error, 16)
	withdraw := func() {
		if adv != nil {
			adv.Stop()
			adv = nil
		}
		for len(status) > 0 {
			<-status // reports of the advertiser just stopped
		}
		people = 0
	}
	defer withdraw()
	for {
		select {
		case ev, ok := <-in:
			if !ok {
				return
			}
			switch ev := ev.(type) {
			case server.Started:
				withdraw()
				adv = advertise(ev, c, status, log)
				if adv != nil && cid != "" {
					adv.SetCluster(cid, servers)
				}
			case server.ClusterChanged:
				cid, servers = ev.Cluster, 1
				for _, p := range ev.Peers {
					if p.Up {
						servers++
					}
				}
				if adv != nil && cid != "" {
					adv.SetCluster(cid, servers)
				}
			case server.UserJoined:
				people++
				if adv != nil {
					adv.SetPeople(people)
				}
			case server.UserLeft:
				people = max(people-1, 0)
				if adv != nil {
					adv.SetPeople(people)
				}
			case server.Stopped:
				withdraw()
			case server.PasswordChanged:
				if adv != nil {
					adv.SetPassword(ev.Required)
				}
			}
			out <- ev
		case err := <-status:
			if adv == nil {
				break
			}
			if err != nil {
				err = fmt.Errorf("LAN announcement failed: %w; clients must type the address", err)
			}
			out <- server.Announced{Name: adv.Info().Name, Err: err, At: time.Now()}
		}
	}
}

// advertise starts announcing the server that Started reports; status gets
// the advertiser's reports. It returns nil when there is nothing to
// announce (an address that is not host:port).
func advertise(ev server.Started, c lanConfig, status chan error, log *slog.Logger) *discovery.Advertiser {
	ap, err := netip.ParseAddrPort(ev.Addr)
	if err != nil {
		log.Warn("cannot announce on the LAN", "addr", ev.Addr, "err", err)
		return nil
	}
	name := ev.Name
	if name == "" {
		name = c.Name
	}
	opt := c.Options
	opt.Host, opt.Logger = ap.Addr(), log
	opt.OnChange = func(err error) {
		select {
		case status <- err:
		default:
		}
	}
	fp := "" // plaintext: no identity to compare
	if ev.TLS {
		fp = ev.Fingerprint.String()
	}
	adv, err := discovery.Advertise(discovery.Info{Name: name, Port: int(ap.Port()),
		Version: wire.Version, Fingerprint: fp, Password: ev.Password}, opt)
	if err != nil {
		log.Warn("cannot announce on the LAN", "err", err)
	}
	return adv
}
