package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/gateway"
	"github.com/multichat/multichat/net/gateway/classic"
	"github.com/multichat/multichat/net/gateway/irc"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

// gatewayOptions says which other clients the server lets in.
type gatewayOptions struct {
	Classic  bool   // seed-001 Python clients, unencrypted, on the MultiChat port
	IRC      bool   // IRC clients
	IRCAddr  string // plain IRC (only where plaintext is allowed); "" for none
	IRCSAddr string // IRC over TLS with the server's certificate; "" for none
	IRCName  string // the IRC server name (irc.Config.ServerName)
	// IRCNoAutoJoin leaves IRC clients in no channel until they JOIN
	// #lobby (irc.Config.NoAutoJoin; -irc-autojoin=false).
	IRCNoAutoJoin bool
	// TLS is the certificate for IRC over TLS. Nil: the server's own
	// (trust.LoadOrCreateIdentity) unless the server runs -plaintext, then
	// no TLS listener.
	TLS *tls.Config
	// Plaintext says whether unencrypted clients are allowed at all (the
	// classic gateway and plain IRC need it).
	Plaintext bool
}

// gateways runs the gateways beside server.Run and switches them on and off
// (the server window's switches, through gui.GatewaySwitch; the -classic
// and -irc flags). Classic clients are served on the MultiChat port through
// a sniffing listener; IRC clients on listeners of their own. SetGateways
// and Close are called from one goroutine (the UI's, or runHeadless).
type gateways struct {
	o    gatewayOptions
	port *server.Port
	ccfg classic.Config
	icfg irc.Config
	log  *slog.Logger

	mu      sync.Mutex       // guards classic: the sniffer's goroutines read it
	classic *classic.Gateway // nil while classic clients are off

	irc     *irc.Gateway // nil while IRC is off
	host    string       // the host IRC listens on where its address names none
	done    chan error   // one per IRC listener's Serve
	serving int
	st      servermodel.GatewayStatus
}

// newGateways sets cfg up so that gateways can be switched on later: a Port,
// and a sniffing listener that hands classic clients to the classic gateway
// while it is on. All of them off, the server serves as without gateways
// (a classic client gets error 17, as before).
func newGateways(o gatewayOptions, cfg *server.Config, log *slog.Logger) *gateways {
	cfg.Port = server.NewPort()
	g := &gateways{o: o, port: cfg.Port, log: log, done: make(chan error, 2)}
	g.ccfg = classic.Config{Port: cfg.Port, MaxFrame: cfg.Defaults().MaxFrame,
		WriteTimeout: cfg.WriteTimeout, JoinTimeout: cfg.HandshakeTime, Logger: log}
	g.icfg = irc.Config{Port: cfg.Port, Network: cfg.Name, ServerName: o.IRCName, NoAutoJoin: o.IRCNoAutoJoin,
		WriteTimeout: cfg.WriteTimeout, Logger: log}
	if g.o.TLS == nil && !cfg.Plaintext && o.IRCSAddr != "" {
		id := cfg.Identity
		var err error
		if id == nil {
			id, err = trust.LoadOrCreateIdentity(cfg.DataDir, cfg.Name)
		}
		if err != nil {
			log.Warn("IRC over TLS is off: no server certificate", "err", err)
		} else {
			cfg.Identity = id // one certificate for MultiChat and IRC clients
			g.o.TLS = id.ServerTLS()
		}
	}
	timeout := cfg.HandshakeTime
	cfg.Listen = func(addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return gateway.Sniff(ln, gateway.SniffConfig{Classic: g.serveClassic, ClassicOn: g.classicOn, Timeout: timeout}), nil
	}
	return g
}

// startGateways is newGateways with the gateways o asks for switched on; an
// IRC listener that cannot open is an error.
// Without either, the server's listener is left as it is.
func startGateways(o gatewayOptions, cfg *server.Config, log *slog.Logger) (*gateways, error) {
	if !o.Classic && !o.IRC {
		return &gateways{}, nil
	}
	if o.Classic && !o.Plaintext {
		return nil, errors.New("-classic needs plaintext clients to be allowed: classic clients cannot encrypt")
	}
	g := newGateways(o, cfg, log)
	if _, err := g.set(servermodel.Gateways{Classic: o.Classic, IRC: o.IRC}); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

func (g *gateways) classicOn() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.classic != nil
}

func (g *gateways) serveClassic(nc net.Conn) {
	g.mu.Lock()
	cg := g.classic
	g.mu.Unlock()
	if cg == nil { // switched off since the sniffer asked
		nc.Close()
		return
	}
	cg.Serve(nc) // after cg.Close it closes nc
}

// SetGateways implements gui.GatewaySwitch: it switches each gateway to
// what want says and reports what serves, a failure in plain words.
func (g *gateways) SetGateways(want servermodel.Gateways) servermodel.GatewayStatus {
	st, err := g.set(want)
	if err != nil {
		st.Problem, st.Why = err.Error(), servermodel.GatewayFailed
		switch {
		case errors.Is(err, syscall.EADDRINUSE):
			st.Why = servermodel.IRCPortInUse
		case errors.Is(err, errNoIRCPort):
			st.Why = servermodel.IRCNoPort
		}
	}
	return st
}

func (g *gateways) set(want servermodel.Gateways) (servermodel.GatewayStatus, error) {
	var err error
	g.st.Problem, g.st.Why = "", 0
	switch {
	case want.Classic && !g.o.Plaintext:
		g.st.Problem, g.st.Why = "classic clients need plaintext to be allowed", servermodel.ClassicNeedsPlaintext
	case want.Classic && !g.st.Classic:
		g.mu.Lock()
		g.classic = classic.New(g.ccfg)
		g.mu.Unlock()
		g.st.Classic = true
		g.log.Info("classic (seed-001) clients are served on the MultiChat port, unencrypted")
	case !want.Classic && g.st.Classic:
		g.mu.Lock()
		cg := g.classic
		g.classic = nil
		g.mu.Unlock()
		cg.Close() // ends the classic sessions: their users leave
		g.st.Classic = false
		g.log.Info("classic clients are no longer served")
	}
	if host := everyIf(want.Host); host != g.host {
		g.host = host
		if g.st.IRC && want.IRC { // the admin chose another listen host: IRC follows
			g.stopIRC()
		}
	}
	switch {
	case want.IRC && !g.st.IRC:
		err = g.startIRC()
	case !want.IRC && g.st.IRC:
		g.stopIRC()
		g.log.Info("IRC gateway stopped")
	}
	return g.st, err
}

var errNoIRCPort = errors.New("IRC has no port to listen on")

// startIRC opens the IRC listeners; if none opens, IRC stays off.
func (g *gateways) startIRC() error {
	g.irc = irc.New(g.icfg)
	listen := func(addr string, tc *tls.Config) (string, error) {
		if h, p, err := net.SplitHostPort(addr); err == nil && h == "" && g.host != "" {
			addr = net.JoinHostPort(g.host, p)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("IRC cannot listen on %s: %w", addr, err)
		}
		bound := ln.Addr().String()
		if tc != nil {
			ln = tls.NewListener(ln, tc)
		}
		g.serving++
		go func() { g.done <- g.irc.Serve(ln) }()
		g.log.Info("IRC gateway listening", "addr", bound, "tls", tc != nil)
		return bound, nil
	}
	var errs []error
	type note struct {
		text string
		why  servermodel.GatewayProblem
	}
	var notes []note
	switch {
	case g.o.IRCAddr != "" && !g.o.Plaintext:
		notes = append(notes, note{"plain IRC is off: plaintext clients are not allowed", servermodel.PlainIRCOff})
	case g.o.IRCAddr != "":
		a, err := listen(g.o.IRCAddr, nil)
		g.st.IRCPlain, errs = a, append(errs, err)
	}
	switch {
	case g.o.IRCSAddr != "" && g.o.TLS == nil:
		notes = append(notes, note{"IRC over TLS is off: the server has no certificate", servermodel.IRCTLSOff})
	case g.o.IRCSAddr != "":
		a, err := listen(g.o.IRCSAddr, g.o.TLS)
		g.st.IRCTLS, errs = a, append(errs, err)
	}
	for _, n := range notes {
		g.log.Warn(n.text)
	}
	err := errors.Join(errs...)
	if err != nil || g.serving == 0 {
		g.stopIRC()
		if err == nil {
			err = errNoIRCPort
		}
		return err
	}
	g.st.IRC = true
	if len(notes) > 0 {
		g.st.Problem, g.st.Why = notes[0].text, notes[0].why
	}
	return nil
}

// everyIf returns "" for a host meaning every interface.
func everyIf(host string) string {
	if host == "0.0.0.0" || host == "::" || host == "[::]" {
		return ""
	}
	return host
}

// stopIRC closes the IRC listeners and ends the IRC sessions.
func (g *gateways) stopIRC() {
	if g.irc == nil {
		return
	}
	g.irc.Close()
	for ; g.serving > 0; g.serving-- {
		<-g.done
	}
	g.irc = nil
	g.st.IRC, g.st.IRCPlain, g.st.IRCTLS = false, "", ""
}

// Close ends every gateway session and listener.
func (g *gateways) Close() {
	g.set(servermodel.Gateways{})
}
