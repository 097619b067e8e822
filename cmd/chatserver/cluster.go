package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/multichat/multichat/net/cluster"
	"github.com/multichat/multichat/net/datadir"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

// clusterOptions say how this server joins others serving the same chat
// (README, "Running several servers"). With none set it runs alone and no
// NATS starts.
type clusterOptions struct {
	Listen string // embedded NATS: where the other servers' routes come in
	Peers  string // their route addresses, comma-separated
	Trust  string // fingerprints of the peers' certificates, comma-separated
	NATS   string // an existing NATS deployment instead
	Client string // embedded NATS: where NATS clients (monitoring, chatbench) connect
	ID     string
}

func (c clusterOptions) on() bool { return c.Listen != "" || c.NATS != "" }

func clusterFlags(fs *flag.FlagSet, c *clusterOptions, cfg *server.Config) {
	fs.StringVar(&c.Listen, "cluster-listen", "", "join other MultiChat servers as one chat: embedded NATS accepts their routes here, host:port (e.g. :6222)")
	fs.StringVar(&c.Peers, "cluster-peers", "", "with -cluster-listen: the other servers' -cluster-listen addresses, comma-separated (e.g. a:6222,b:6222)")
	fs.StringVar(&c.Trust, "cluster-trust", "", "with -cluster-listen: the other servers' certificate fingerprints, comma-separated; without it any server may join (routes are still encrypted)")
	fs.StringVar(&c.NATS, "nats", "", "join other MultiChat servers through an existing NATS deployment with JetStream (nats://host:4222 or tls://…) instead of -cluster-listen")
	fs.StringVar(&c.Client, "nats-listen", "", "with -cluster-listen: where the embedded NATS server accepts NATS clients such as monitoring tools, host:port (default: a free port on 127.0.0.1)")
	fs.StringVar(&c.ID, "cluster-id", "", "this server's id in the cluster, unique among its servers (default: the host name and the port of -addr)")
	fs.StringVar(&cfg.Advertise, "advertise", "", "the address clients of the other servers use to reach this one, host:port (default: -addr)")
}

var notWord = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// startCluster joins the cluster the options ask for and sets cfg to use it;
// the returned close (never nil) is called after Run returns.
func startCluster(o options, cfg *server.Config, log *slog.Logger) (close func(), err error) {
	c := o.Cluster
	if !c.on() {
		return func() {}, nil
	}
	if c.Listen != "" && c.NATS != "" {
		return nil, errors.New("give either -cluster-listen (embedded NATS) or -nats (an existing deployment), not both")
	}
	dir, err := datadir.Resolve(o.DataDir)
	if err != nil {
		return nil, err
	}
	id := c.ID
	if id == "" {
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(o.Addr)
		id = host + "-" + port
	}
	id = strings.Trim(notWord.ReplaceAllString(id, "_"), "_")
	cc := cluster.Config{ID: id, NATS: c.NATS, Dir: filepath.Join(dir, "cluster"), Logger: log, Grace: cfg.NickGrace}
	if c.Listen != "" {
		ident := cfg.Identity
		if ident == nil {
			if ident, err = trust.LoadOrCreateIdentity(dir, cfg.Name); err != nil {
				return nil, err
			}
			cfg.Identity = ident // the server uses the same certificate
		}
		var fps []trust.Fingerprint
		for _, s := range split(c.Trust) {
			fp, err := trust.ParseFingerprint(s)
			if err != nil {
				return nil, fmt.Errorf("-cluster-trust %q: %w", s, err)
			}
			fps = append(fps, fp)
		}
		if len(fps) == 0 {
			log.Warn("cluster routes are encrypted but any server may join: list the others' fingerprints with -cluster-trust",
				"this server", ident.Fingerprint.String())
		}
		cc.Listen, cc.Peers, cc.TLS, cc.ClientListen = c.Listen, split(c.Peers), cluster.RouteTLS(ident, fps), c.Client
	}
	node, err := cluster.Start(cc)
	if err != nil {
		return nil, err
	}
	log.Info("cluster joined", "id", id, "routes", node.RouteAddr(), "nats", c.NATS)
	cfg.Cluster = node
	return node.Close, nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// clusterText is the console's /cluster: the other servers of the cluster
// and the people on each, as users (the roster) counts them.
func clusterText(c *server.ClusterChanged, users roster) string {
	if c == nil {
		return "this server is not in a cluster (or has heard no other server yet)"
	}
	on := map[string]int{}
	for _, u := range users {
		on[u.Server]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cluster: this server is %s (%d people); %d other servers", c.ID, on[""], len(c.Peers))
	for _, p := range c.Peers {
		state := "up"
		if !p.Up {
			state = "DOWN"
		}
		fmt.Fprintf(&b, "\n  %-16s %-20q %-4s %-22s %d people", p.ID, p.Name, state, p.Addr, on[p.Name])
	}
	return b.String()
}
