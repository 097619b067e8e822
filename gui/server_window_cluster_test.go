package gui

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"

	"github.com/multichat/multichat/net/server"
)

func TestServerWindowClusterTab(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	at := time.Now()
	f.apply(server.Started{Addr: "0.0.0.0:5000", At: at})
	alone := len(sw.tabs.Items)
	if sw.cluster != nil || slices.ContainsFunc(sw.tabs.Items, func(t *container.TabItem) bool { return t.Text == "Cluster" }) {
		t.Fatalf("a server on its own shows a Cluster tab")
	}
	f.apply(
		server.ClusterChanged{ID: "floor1", At: at, Peers: []server.ClusterPeer{
			{ID: "floor2", Name: "floor 2", Addr: "10.0.0.2:7878", Up: true},
			{ID: "floor3", Name: "floor 3", Addr: "10.0.0.3:7878", Up: true}}},
		server.UserJoined{Nick: "alice", Addr: netip.MustParseAddrPort("192.168.1.30:40001"), Since: at},
		server.UserJoined{Nick: "bob", Since: at, Server: "floor 2"},
		server.UserJoined{Nick: "carol", Since: at, Server: "floor 2"},
	)
	if sw.cluster == nil || len(sw.tabs.Items) != alone+1 || sw.tabs.Items[alone].Text != "Cluster" {
		t.Fatalf("no Cluster tab: %d tabs", len(sw.tabs.Items))
	}
	rows := sw.cluster.rows
	if len(rows) != 3 || rows[0][2] != "1" || rows[1][0] != "floor 2 (floor2)" || rows[1][1] != "up" || rows[1][2] != "2" ||
		rows[2][2] != "0" {
		t.Fatalf("cluster rows %q", rows)
	}
	if got := cellText(sw.cluster.list, 1, 3); got != "10.0.0.2:7878" {
		t.Errorf("floor 2's address shown as %q", got)
	}
	if got := userCell(sw, 1, colAddr); got != "on floor 2" {
		t.Errorf("bob's place shown as %q", got)
	}
	// floor 3 dies: it is shown down and the log says so.
	f.apply(server.ClusterChanged{ID: "floor1", At: at, Peers: []server.ClusterPeer{
		{ID: "floor2", Name: "floor 2", Addr: "10.0.0.2:7878", Up: true},
		{ID: "floor3", Name: "floor 3", Addr: "10.0.0.3:7878"}}})
	if sw.cluster.rows[2][1] != "down" {
		t.Errorf("floor 3 shown as %q", sw.cluster.rows[2][1])
	}
	last := sw.m.Lines[len(sw.m.Lines)-1]
	if !strings.Contains(last.Text, "floor 3 is down") {
		t.Errorf("last log line %q", last.Text)
	}
}
