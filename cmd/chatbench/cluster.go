package main

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// Clusters: -addr (or -addrs) may list several servers of one cluster,
// comma-separated; client i connects to the (i mod count)-th. With -nats,
// the NATS messages the servers publish for chat while the scenario sends
// are counted (the servers publish one per chat message, whatever the
// number of recipients).

// addrList splits a comma-separated -addr.
func addrList(addr string) []string {
	var out []string
	for _, a := range strings.Split(addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// loopbackAddrs checks every address of a comma-separated list.
func loopbackAddrs(addr string) (string, error) {
	var out []string
	for _, a := range addrList(addr) {
		la, err := loopbackAddr(a)
		if err != nil {
			return "", err
		}
		out = append(out, la)
	}
	if len(out) == 0 {
		return "", fmt.Errorf("-addr %q: no address", addr)
	}
	return strings.Join(out, ","), nil
}

// natsCounter counts the cluster's event messages.
type natsCounter struct {
	nc  *nats.Conn
	sub *nats.Subscription
	n   atomic.Uint64
}

// countNATS starts counting the messages on the servers' event subjects.
// url "" counts nothing.
func countNATS(url string) (*natsCounter, error) {
	if url == "" {
		return nil, nil
	}
	nc, err := nats.Connect(url, nats.Name("chatbench"))
	if err != nil {
		return nil, fmt.Errorf("-nats: %w", err)
	}
	c := &natsCounter{nc: nc}
	if c.sub, err = nc.Subscribe("multichat.ev.>", func(*nats.Msg) { c.n.Add(1) }); err == nil {
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("-nats: %w", err)
	}
	return c, nil
}

// stop ends the count and returns it.
func (c *natsCounter) stop() uint64 {
	if c == nil {
		return 0
	}
	c.nc.Flush()
	c.sub.Unsubscribe()
	c.nc.Close()
	return c.n.Load()
}

// natsFigures is what the scenarios report of the cluster.
type natsFigures struct {
	Servers      int     `json:"servers"`
	NATSMessages uint64  `json:"nats_messages,omitempty"`
	NATSPerChat  float64 `json:"nats_messages_per_chat_message,omitempty"`
}

func (f *natsFigures) set(servers int, count uint64, counted bool, sent uint64) {
	f.Servers = servers
	if counted {
		f.NATSMessages = count
		if sent > 0 {
			f.NATSPerChat = float64(count) / float64(sent)
		}
	}
}

func natsSummary(p func(string, ...any), f natsFigures) {
	if f.Servers > 1 {
		p("  servers          %d (clients spread over them)", f.Servers)
	}
	if f.NATSMessages > 0 {
		p("  NATS messages    %d while sending: %.3f per chat message", f.NATSMessages, f.NATSPerChat)
	}
}
