package client

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/multichat/multichat/net/cluster"
	"github.com/multichat/multichat/net/server"
)

// TestClusterFailover: three servers on NATS; alice's server dies without a
// word; her session moves to another server of the cluster by itself,
// keeping her nickname, and bob (on another server) sees her back.
func TestClusterFailover(t *testing.T) {
	cfgs := cluster.LocalConfigs(t, 3)
	nodes := make([]*cluster.Node, 3)
	servers := make([]*server.TestServer, 3)
	for i, cc := range cfgs {
		cc.Heartbeat = 250 * time.Millisecond
		node, err := cluster.Start(cc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(node.Close)
		nodes[i] = node
		servers[i] = startServer(t, server.Config{Name: fmt.Sprintf("server %d", i), Cluster: node})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range nodes {
		if err := n.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}
	alice := join(t, servers[0], "alice")
	for {
		sv, _ := waitFor[Servers](alice)
		if len(sv.Servers) == 3 {
			break
		}
	}
	bob := join(t, servers[1], "bob")
	waitUsers(bob, "lobby", "alice", "bob")

	nodes[0].Kill()
	servers[0].Close()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-alice.events:
			c, ok := ev.(Connected)
			if !ok {
				continue
			}
			if !c.Rejoin || c.Nick != "alice" || c.Addr == servers[0].Addr {
				t.Fatalf("alice connected again as %#v", c)
			}
			if !slices.Contains([]string{servers[1].Addr, servers[2].Addr}, c.Addr) {
				t.Fatalf("alice went to %s, not a server of the cluster", c.Addr)
			}
			waitUsersWithin(bob, 10*time.Second, "lobby", "alice", "bob")
			return
		case <-deadline:
			t.Fatal("alice did not come back on another server within 20 s")
		}
	}
}
