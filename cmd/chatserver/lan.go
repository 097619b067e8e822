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

// lanConfig is what the LAN announcement says besides the address.
type lanConfig struct {
	Name        string
	Fingerprint string // the TLS certificate's, once the server has TLS; "" until then
	Password    bool   // a password is needed to join
	Options     discovery.Options
	Logger      *slog.Logger
}

// announceLAN passes the server's events from in to out unchanged and
// announces the server on the LAN while it serves: from Started (at the
// bound port) to Stopped, with the people online kept current from
// UserJoined and UserLeft. A failure to announce (multicast blocked, no
// network) becomes an Error event (Op "lan") that says "LAN announcement
// failed: …"; recovering, a Notice. It closes out when in is closed, after
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
		failed bool
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
		people, failed = 0, false
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
				ap, err := netip.ParseAddrPort(ev.Addr)
				if err != nil {
					log.Warn("cannot announce on the LAN", "addr", ev.Addr, "err", err)
					break
				}
				opt := c.Options
				opt.Host, opt.Logger = ap.Addr(), log
				opt.OnChange = func(err error) {
					select {
					case status <- err:
					default:
					}
				}
				adv, err = discovery.Advertise(discovery.Info{Name: c.Name, Port: int(ap.Port()),
					Version: wire.Version, Fingerprint: c.Fingerprint, Password: c.Password}, opt)
				if err != nil {
					log.Warn("cannot announce on the LAN", "err", err)
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
			}
			out <- ev
		case err := <-status:
			if adv == nil {
				break
			}
			switch {
			case err != nil:
				failed = true
				out <- server.Error{Op: "lan", Err: fmt.Errorf("LAN announcement failed: %w; clients must type the address", err), At: time.Now()}
			case failed:
				failed = false
				out <- server.Notice{Text: "LAN announcement works again: clients on this network find the server by its name", At: time.Now()}
			default:
				out <- server.Notice{Text: fmt.Sprintf("Announced on the LAN as %q: clients on this network find it without typing the address", adv.Info().Name), At: time.Now()}
			}
		}
	}
}
