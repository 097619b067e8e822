package discovery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/multichat/multichat/net/wire"
)

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

// StatusKind is where the search stands, as the line above the list says.
type StatusKind int

const (
	Searching   StatusKind = iota // the first round has not answered yet
	NotFound                      // the network was searched; no server answered
	Listed                        // Count servers are listed
	Unavailable                   // searching does not work; Err says why
)

// Status is what the line above (or instead of) the list says, as data:
// the window words it in the interface's language (String is the English,
// for logs and tests). Servers listed win over an error: they were found.
type Status struct {
	Kind  StatusKind
	Count int   // Listed: how many
	Err   error // Unavailable: why (errors.Is(Err, ErrNoInterface): no network connection is up)
}

// Status says where the search stands.
func (l *List) Status() Status {
	switch {
	case len(l.servers) > 0:
		return Status{Kind: Listed, Count: len(l.servers)}
	case l.err != nil:
		return Status{Kind: Unavailable, Err: l.err}
	case !l.searched:
		return Status{Kind: Searching}
	}
	return Status{Kind: NotFound}
}

// String is the status in English.
func (s Status) String() string {
	switch s.Kind {
	case Listed:
		if s.Count == 1 {
			return "1 server found on this network"
		}
		return fmt.Sprintf("%d servers found on this network", s.Count)
	case Unavailable:
		return "Cannot search this network for servers (" + s.Err.Error() + "); type the address the admin shows"
	case Searching:
		return "Looking for servers on this network…"
	}
	return "No servers found on this network; type the address the admin shows"
}

// Title is the row's main text: the server's name.
func (s Server) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Instance
}

// OtherVersion reports whether the server speaks another protocol version
// than this app (Version; 0 when it did not say).
func (s Server) OtherVersion() bool { return s.Version != 0 && s.Version != wire.Version }

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
