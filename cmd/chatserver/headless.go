package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/multichat/multichat/net/server"
)

// serve runs server.Run with cfg on cmds and returns its events, passed
// through the LAN announcement when o asks for it. done gets what Run
// returned; the events channel is closed after that.
func serve(ctx context.Context, o options, cfg server.Config, cmds <-chan server.Command, done func(error), log *slog.Logger) <-chan server.Event {
	events := make(chan server.Event, 256)
	if !o.Announce {
		go func() { done(server.Run(ctx, cfg, cmds, events)) }()
		return events
	}
	run := make(chan server.Event, 256)
	go func() { done(server.Run(ctx, cfg, cmds, run)) }()
	go announceLAN(run, events, lanConfig{Name: cfg.Name, Logger: log})
	return events
}

// newLogger returns the logger the options ask for, writing to w.
func newLogger(o options, w io.Writer) *slog.Logger {
	ho := &slog.HandlerOptions{Level: o.LogLevel}
	if o.LogJSON {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// runHeadless serves on o.Addr without a window until ctx is done, logging
// to stdout, then stops cleanly. It returns the process exit code: 0 after a
// clean stop, 1 when the server could not start (port in use, bad address).
//
// Lines on stdin are the admin console (see console.go): /users, /kick,
// /announce, /stop. A stdin at EOF only means there is no console.
func runHeadless(ctx context.Context, o options, stdin io.Reader, stdout, stderr io.Writer) int {
	log := newLogger(o, stdout)
	cfg := o.Config
	cfg.Logger = log
	closeHistory := openHistory(o, &cfg, log)
	defer closeHistory()
	closeCluster, err := startCluster(o, &cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "chatserver: cluster: %v\n", err)
		return 1
	}
	defer closeCluster() // after Run has returned
	gws, err := startGateways(o.Gateways, &cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "chatserver: %v\n", err)
		return 1
	}
	defer gws.Close() // after Run has returned: the events channel is closed first
	cmds := make(chan server.Command, 16)
	runErr := make(chan error, 1)
	events := serve(context.Background(), o, cfg, cmds, func(err error) { runErr <- err }, log)
	cmds <- server.Start{Addr: o.Addr}

	users := roster{}
	mod := &moderationView{}
	lines := make(chan string)
	stopConsole := make(chan struct{})
	defer close(stopConsole)
	if stdin != nil {
		go readConsole(stdin, lines, stopConsole)
	} else {
		close(lines)
	}

	code := 0
	closed := false
	var started server.Started
	var clusterNow *server.ClusterChanged // nil: not in a cluster (yet)
	finish := func() {
		if !closed {
			closed = true
			close(cmds) // Run stops the server cleanly, then closes events
		}
	}
	done := ctx.Done()
	for {
		select {
		case <-done:
			done = nil
			log.Info("shutting down")
			finish()
		case line, ok := <-lines:
			if !ok {
				lines = nil // no console; keep serving
				continue
			}
			act := parseConsole(line)
			switch {
			case act.quit:
				log.Info("stop asked on the console")
				finish()
			case act.users:
				fmt.Fprintln(stdout, users)
			case act.fingerprint:
				fmt.Fprintln(stdout, fingerprintText(started))
			case act.bans:
				fmt.Fprintln(stdout, mod.bansText(time.Now()))
			case act.log > 0:
				fmt.Fprintln(stdout, mod.logText(act.log))
			case act.unban != "":
				if id, ok := mod.find(act.unban); ok && !closed {
					cmds <- server.Unban{ID: id}
				} else if !ok {
					fmt.Fprintf(stdout, "no ban names %q; see /bans\n", act.unban)
				}
			case act.cluster:
				fmt.Fprintln(stdout, clusterText(clusterNow, users))
			case act.reply != "":
				fmt.Fprintln(stdout, act.reply)
			case act.cmd != nil && !closed:
				cmds <- act.cmd
			}
		case ev, ok := <-events:
			if !ok {
				if err := <-runErr; err != nil {
					fmt.Fprintf(stderr, "chatserver: %v\n", err)
					return 1
				}
				return code
			}
			users.apply(ev)
			mod.apply(ev)
			switch ev := ev.(type) {
			case server.ClusterChanged:
				clusterNow = &ev
			case server.Started:
				started = ev
				log.Info("serving headless", "addr", ev.Addr, "name", cfg.Name, "tls", ev.TLS, "password", ev.Password)
				fmt.Fprintln(stdout, fingerprintText(ev))
			case server.Stopped:
				log.Info("server stopped")
			case server.Message:
				if ev.Private {
					log.Debug("private message", "from", ev.From, "to", ev.To)
				} else {
					log.Debug("chat", "room", ev.Room, "from", ev.From, "text", ev.Text)
				}
			case server.Notice:
				log.Info(ev.Text)
			case server.AuditLog:
				if ev.Err != nil {
					log.Error("the audit log of earlier runs could not be read", "err", ev.Err)
				}
			case server.HistoryStatus:
				if ev.Err != nil {
					log.Error("history is not being stored", "err", ev.Err, "not stored", ev.NotStored)
				} else {
					log.Info("history", "database", ev.Path, "size", ev.Size, "stored", ev.Stored,
						"not stored", ev.NotStored)
				}
			case server.Error:
				if ev.Op == "start" {
					fmt.Fprintf(stderr, "chatserver: cannot listen on %s: %v\n", o.Addr, ev.Err)
					code = 1
					finish()
				} else {
					log.Error("command failed", "op", ev.Op, "err", ev.Err)
				}
			case server.Announced:
				if ev.Err != nil {
					log.Warn(ev.Err.Error())
				} else {
					log.Info("announced on the LAN: clients find the server without typing its address", "name", ev.Name)
				}
			}
		}
	}
}

// fingerprintText says how clients recognise the server: the certificate's
// fingerprint, or that connections are not encrypted.
func fingerprintText(ev server.Started) string {
	switch {
	case ev.Addr == "":
		return "the server is not running"
	case !ev.TLS:
		return "not encrypted: the server runs without TLS (-plaintext)"
	}
	return "server fingerprint (users compare it with what their client shows): " + ev.Fingerprint.String()
}
