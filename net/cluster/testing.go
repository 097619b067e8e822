package cluster

import (
	"fmt"
	"net"
	"path/filepath"

	"github.com/multichat/multichat/net/trust"
)

// TB is the part of testing.TB the helpers need (so that the package does
// not import testing).
type TB interface {
	Helper()
	Fatal(args ...any)
	TempDir() string
}

// FreePorts returns n distinct free TCP ports on 127.0.0.1 (for tests).
func FreePorts(t TB, n int) []string {
	t.Helper()
	var lns []net.Listener
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// LocalConfigs returns the configurations of n servers clustering on
// loopback ports, with TLS routes from new certificates (for tests).
func LocalConfigs(t TB, n int) []Config {
	t.Helper()
	addrs := FreePorts(t, n)
	cfgs := make([]Config, n)
	ids := make([]*trust.Identity, n)
	fps := make([]trust.Fingerprint, n)
	for i := range n {
		id, err := trust.NewIdentity(fmt.Sprintf("s%d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids[i], fps[i] = id, id.Fingerprint
	}
	for i := range n {
		var peers []string
		for j, a := range addrs {
			if j != i {
				peers = append(peers, a)
			}
		}
		cfgs[i] = Config{ID: fmt.Sprintf("s%d", i), Listen: addrs[i], Peers: peers,
			TLS: RouteTLS(ids[i], fps), Dir: filepath.Join(t.TempDir(), "js")}
	}
	return cfgs
}
