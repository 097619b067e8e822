package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/gateway/classic"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
)

// gatewayOptions says which other clients the server lets in.
type gatewayOptions struct {
	Classic  bool   // seed-001 Python clients, unencrypted, on the MultiChat port
	IRC      bool   // IRC clients
	IRCAddr  string // plain IRC (only where plaintext is allowed); "" for none
	IRCSAddr string // IRC over TLS with the server's certificate; "" for none
	// TLS is the server's certificate for IRC over TLS (and, once the
	// native port speaks TLS, for gateway.SniffConfig.TLS). Nil: no TLS
	// listener.
	TLS *tls.Config
	// Plaintext says whether unencrypted clients are allowed at all (the
	// classic gateway and plain IRC need it).
	Plaintext bool
}

// gateways runs the gateways the options ask for, beside server.Run.
type gateways struct {
	classic *classic.Gateway
	irc     *irc.Gateway
	done    chan error // one per IRC listener's Serve
	serving int
}

// startGateways sets cfg up for the gateways o asks for (a Port, and a
// sniffing listener for classic clients) and opens the IRC listeners. Close
// stops them; call it after server.Run has returned.
func startGateways(o gatewayOptions, cfg *server.Config, log *slog.Logger) (*gateways, error) {
	g := &gateways{done: make(chan error, 2)}
	if !o.Classic && !o.IRC {
		return g, nil
	}
	cfg.Port = server.NewPort()
	if o.Classic {
		if !o.Plaintext {
			return nil, fmt.Errorf("-classic needs plaintext clients to be allowed: classic clients cannot encrypt")
		}
		g.classic = classic.New(classic.Config{Port: cfg.Port, MaxFrame: cfg.Defaults().MaxFrame,
			WriteTimeout: cfg.WriteTimeout, JoinTimeout: cfg.HandshakeTime, Logger: log})
		cfg.Listen = func(addr string) (net.Listener, error) {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return nil, err
			}
			return gateway.Sniff(ln, gateway.SniffConfig{Classic: g.classic.Serve, Timeout: cfg.HandshakeTime}), nil
		}
		log.Info("classic (seed-001) clients are served on the MultiChat port, unencrypted")
	}
	if !o.IRC {
		return g, nil
	}
	g.irc = irc.New(irc.Config{Port: cfg.Port, Network: cfg.Name, WriteTimeout: cfg.WriteTimeout, Logger: log})
	listen := func(addr string, tc *tls.Config) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("IRC listener: %w", err)
		}
		if tc != nil {
			ln = tls.NewListener(ln, tc)
		}
		g.serving++
		go func() { g.done <- g.irc.Serve(ln) }()
		log.Info("IRC gateway listening", "addr", ln.Addr().String(), "tls", tc != nil)
		return nil
	}
	var err error
	switch {
	case o.IRCAddr != "" && !o.Plaintext:
		log.Warn("plain IRC is off: plaintext clients are not allowed", "addr", o.IRCAddr)
	case o.IRCAddr != "":
		err = listen(o.IRCAddr, nil)
	}
	if err == nil && o.IRCSAddr != "" {
		if o.TLS == nil {
			log.Warn("IRC over TLS is off: the server has no certificate", "addr", o.IRCSAddr)
		} else {
			err = listen(o.IRCSAddr, o.TLS)
		}
	}
	if err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// Close ends every gateway session and listener.
func (g *gateways) Close() {
	if g.irc != nil {
		g.irc.Close()
		for ; g.serving > 0; g.serving-- {
			<-g.done
		}
	}
	if g.classic != nil {
		g.classic.Close()
	}
}
