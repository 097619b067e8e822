package servermodel

import (
	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/net/server"
)

// Cluster is what the window shows of the other servers of the cluster.
type Cluster struct {
	ID    string // this server's id in the cluster
	Peers []server.ClusterPeer
}

// applyCluster takes the cluster's new state and logs the servers that
// came up or went down; it reports whether anything changed.
func (m *Model) applyCluster(ev server.ClusterChanged) bool {
	old := map[string]bool{}
	if m.Cluster != nil {
		for _, p := range m.Cluster.Peers {
			old[p.ID] = p.Up
		}
	}
	for _, p := range ev.Peers {
		name := p.Name
		if name == "" {
			name = p.ID
		}
		was, known := old[p.ID]
		switch {
		case p.Up && (!known || !was):
			m.Log(ev.At, Join, lang.L("Cluster: server {{.Name}} ({{.Addr}}) is up", vars{"Name": name, "Addr": p.Addr}))
		case !p.Up && was:
			m.Log(ev.At, Warn, lang.L("Cluster: server {{.Name}} is down; its users are shown as having left", vars{"Name": name}))
		}
	}
	m.Cluster = &Cluster{ID: ev.ID, Peers: ev.Peers}
	return true
}

// PeopleOn counts the users shown on each server of the cluster ("" is
// this one).
func (m *Model) PeopleOn() map[string]int {
	n := map[string]int{}
	for _, u := range m.Users {
		n[u.Server]++
	}
	return n
}
