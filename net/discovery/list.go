package discovery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/multichat/multichat/net/wire"
)

// NoServers is what the connect form says when the search found nothing.
const NoServers = "No servers found on this network; type the address the admin shows"

// List is the connect form's list of servers found on the network: a
// widget-free model that Apply keeps up to date from a browser's events. Rows
// are sorted by name (ignoring case), then instance. Use it from one
// goroutine (the UI's).
type List struct {
	servers  []Server
	searched bool
	err      error
}

// Apply folds one browser event into the list and reports whether what the
// form shows changed.
func (l *List) Apply(ev Event) bool {
	i := slices.IndexFunc(l.servers, func(s Server) bool { return s.Instance == ev.Server.Instance })
	switch ev.Kind {
	case Found, Updated:
		if i >= 0 {
			if l.servers[i].equal(ev.Server) {
				return false
			}
			l.servers = slices.Delete(l.servers, i, i+1)
		}
		j, _ := slices.BinarySearchFunc(l.servers, ev.Server, compareRows)
		l.servers = slices.Insert(l.servers, j, ev.Server)
		return true
	case Lost:
		if i < 0 {
			return false
		}
		l.servers = slices.Delete(l.servers, i, i+1)
		return true
	case Searched:
		changed := !l.searched || l.err != nil
		l.searched, l.err = true, nil
		return changed
	case Failed:
		changed := l.err == nil || ev.Err == nil || l.err.Error() != ev.Err.Error()
		l.err = ev.Err
		return changed
	}
	return false
}

func compareRows(a, b Server) int {
	if c := strings.Compare(strings.ToLower(a.Title()), strings.ToLower(b.Title())); c != 0 {
		return c
	}
	return strings.Compare(a.Instance, b.Instance)
}

// Len is the number of servers listed.
func (l *List) Len() int { return len(l.servers) }

// At returns row i.
func (l *List) At(i int) Server { return l.servers[i] }

// Servers returns a copy of the rows.
func (l *List) Servers() []Server { return slices.Clone(l.servers) }

// SameChat returns the other servers listed that are of the same cluster as
// s (the same chat: connecting to any of them is the same), by name.
func (l *List) SameChat(s Server) []Server {
	var out []Server
	if s.Cluster == "" {
		return nil
	}
	for _, t := range l.servers {
		if t.Cluster == s.Cluster && t.Instance != s.Instance {
			out = append(out, t)
		}
	}
	return out
}

// Find returns the server known by instance.
func (l *List) Find(instance string) (Server, bool) {
	i := slices.IndexFunc(l.servers, func(s Server) bool { return s.Instance == instance })
	if i < 0 {
		return Server{}, false
	}
	return l.servers[i], true
}

// Status is the line shown above (or instead of) the list: searching,
// nothing found, searching failed, or how many servers were found.
func (l *List) Status() string {
	switch {
	case len(l.servers) > 0:
		if len(l.servers) == 1 {
			return "1 server found on this network"
		}
		return fmt.Sprintf("%d servers found on this network", len(l.servers))
	case l.err != nil:
		return "Cannot search this network for servers (" + l.err.Error() + "); type the address the admin shows"
	case !l.searched:
		return "Looking for servers on this network…"
	}
	return NoServers
}

// Title is the row's main text: the server's name.
func (s Server) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Instance
}

// Detail is the row's second line: address and people online, and a
// warning when the server speaks another protocol version.
func (s Server) Detail() string {
	d := s.Addr + " · "
	switch s.People {
	case 0:
		d += "nobody online"
	case 1:
		d += "1 person online"
	default:
		d += fmt.Sprintf("%d people online", s.People)
	}
	if s.Cluster != "" && s.Servers > 1 {
		d += fmt.Sprintf(" · one of %d servers of the same chat", s.Servers)
	}
	if s.Version != 0 && s.Version != wire.Version {
		d += fmt.Sprintf(" · another MultiChat version (protocol %d, this app speaks %d)", s.Version, wire.Version)
	}
	return d
}

// Locked reports whether joining needs a password (the row shows a lock).
func (s Server) Locked() bool { return s.Password }

// Moved reports where to reconnect when ev says that the server known as
// instance, which the client reaches at current, no longer answers from
// current but from another address. The client then sends
// client.Redirect{Addr: addr}. While current is still among its addresses
// (a server with several), nothing moved.
func Moved(ev Event, instance, current string) (addr string, ok bool) {
	if ev.Kind != Found && ev.Kind != Updated || ev.Server.Instance != instance || ev.Server.Addr == "" {
		return "", false
	}
	if slices.Contains(ev.Server.Addrs, current) {
		return "", false
	}
	return ev.Server.Addr, true
}
