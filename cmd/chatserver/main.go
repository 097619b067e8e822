// Command chatserver is MultiChat's server: a window to start, stop and watch
// the server, or with -headless a plain process that logs to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/store"
)

func main() {
	opts, err := configFromFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "chatserver: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills at once
	if opts.Headless {
		// Fyne's desktop driver and its systray lock the main goroutine to
		// the main thread (in their init) for a window's event loop.
		// Without a window nothing needs that, and a locked goroutine costs
		// a hand-over between two threads every time it wakes: the headless
		// loop wakes for every event, that is for every chat message. So it
		// runs on a goroutine of its own; main only waits.
		code := make(chan int)
		go func() { code <- runHeadless(ctx, opts, os.Stdin, os.Stdout, os.Stderr) }()
		os.Exit(<-code)
	}
	runWindow(ctx, opts)
}

// runWindow shows the server window until it is closed (or ctx is done),
// then lets server.Run stop the server cleanly.
func runWindow(ctx context.Context, o options) {
	a := app.NewWithID("io.github.multichat.server")
	a.SetIcon(assets.ServerIcon)
	gui.SetupLanguage(a.Preferences())
	a.Settings().SetTheme(gui.NewTheme())
	w := a.NewWindow(gui.ServerTitle)

	cfg := o.Config
	cfg.Logger = newLogger(o, os.Stderr)
	dataDirOperators(&cfg, cfg.Logger)
	closeHistory := openHistory(o, &cfg, cfg.Logger)
	closeCluster, err := startCluster(o, &cfg, cfg.Logger)
	if err != nil { // the window says so, and the server runs on its own
		cfg.ClusterErr = err
		closeCluster = func() {}
	}
	defer closeCluster()
	gws := newGateways(o.Gateways, &cfg, cfg.Logger) // switched in the window
	defer gws.Close()
	runCtx, cancel := context.WithCancel(context.Background())
	cmds := make(chan server.Command, 64)
	ended := make(chan struct{})
	events := serve(runCtx, o, cfg, cmds, func(error) { close(ended) }, cfg.Logger)

	sw := gui.NewServerWindow(a, w, cmds, events)
	sw.SetFilePolicy(cfg.FilesOff, cfg.MaxFileSize)
	if st, ok := cfg.History.(*store.Store); ok {
		sw.ShowHistory(st) // the History tab
	}
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "keep-days":
			sw.SetKeepDays(o.KeepDays)
		case "addr":
			_ = sw.SetListenAddress(o.Addr)
		case "name":
			sw.SetServerName(o.Config.Name)
		}
	})
	sw.ShowGateways(gws)
	want, flagged := sw.Gateways(), false // -classic and -irc override the remembered switches
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "classic":
			want.Classic, flagged = o.Gateways.Classic, true
		case "irc":
			want.IRC, flagged = o.Gateways.IRC, true
		}
	})
	if flagged {
		sw.SetGateways(want)
	}
	sw.StartIfAsked() // "Start serving when the app opens"
	shown := make(chan struct{})
	go func() { // Ctrl-C closes the window; the goroutine ends with it either way
		select {
		case <-ctx.Done():
			fyne.Do(w.Close)
		case <-shown:
		}
	}()
	w.ShowAndRun()
	close(shown)
	sw.Detach()

	cancel() // Run tells every client the server is stopping and closes everything
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
	}
	closeHistory() // stores every message queued (later appends are counted as not stored)
}
