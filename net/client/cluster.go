package client

import "github.com/multichat/multichat/net/wire"

// A server of a cluster lists the cluster's servers (wire.Servers) after the
// welcome. When the connection is lost and the first attempt to reconnect
// fails, the session tries the next listed server, and so on around the
// list: it trusts each by the fingerprint in the list (the list came over a
// connection it trusted) and keeps its nickname (the device proof shows it is
// the same device).

func (s *session) serversListed(m wire.Servers) {
	s.servers = m.Servers
	s.log.Debug("cluster servers", "count", len(m.Servers))
	s.emit(Servers{Servers: m.Servers})
}

// failover makes the next server of the cluster the one to dial, after an
// attempt at the current one failed.
func (s *session) failover() {
	if len(s.servers) < 2 || s.closing {
		return
	}
	i := -1
	for k, sv := range s.servers {
		if sv.Addr == s.addr {
			i = k
		}
	}
	next := s.servers[(i+1)%len(s.servers)]
	if next.Addr == "" || next.Addr == s.addr {
		return
	}
	s.log.Info("trying another server of the cluster", "from", s.addr, "to", next.Addr, "name", next.Name)
	s.addr, s.knownFP = next.Addr, next.Fingerprint
}

// Servers reports the servers of the cluster the server belongs to, as it
// listed them (its own first): where the session goes when it loses its
// server. A server on its own sends none.
type Servers struct {
	Servers []wire.ServerInfo
}

func (Servers) isEvent() {}
