// Command chatclient is MultiChat's client app: a window to connect to a
// MultiChat server and chat in the lobby, in rooms and privately.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
)

// endWait bounds how long the app, once its window is closed, waits for the
// session to say goodbye to the server.
const endWait = 3 * time.Second

func main() {
	opts, lan, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "chatclient: %v\n", err)
		os.Exit(2)
	}
	a := app.NewWithID("io.github.multichat.client")
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if lan {
		opts.Browse = func(ctx context.Context) <-chan discovery.Event {
			return discovery.Browse(ctx, discovery.Options{Logger: logger})
		}
	}
	w, end := open(a, opts, logger)
	w.Window().ShowAndRun()
	w.Detach()
	end()
}

// parseFlags reads the command line: -addr and -nick prefill the connect
// form; -lan=false turns off the search for servers on the network.
func parseFlags(args []string, stderr io.Writer) (o gui.ClientOptions, lan bool, err error) {
	fs := flag.NewFlagSet("chatclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Addr, "addr", "", "server address (host:port); prefills the connect form")
	fs.StringVar(&o.Nick, "nick", "", "nickname; prefills the connect form")
	lanFlag := fs.Bool("lan", true, "list the MultiChat servers found on the network (mDNS) in the connect form")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if fs.NArg() > 0 {
		return o, false, fmt.Errorf("unexpected argument %q (use -addr and -nick)", fs.Arg(0))
	}
	return o, *lanFlag, nil
}

// open sets up a's look and the client window driving a client session.
// end, called when the window is closed, ends the session (it says goodbye
// to the server) and waits for it, at most endWait; it reports whether the
// session ended in time.
func open(a fyne.App, opts gui.ClientOptions, logger *slog.Logger) (w *gui.ClientWindow, end func() bool) {
	a.SetIcon(assets.ClientIcon)
	gui.SetupLanguage(a.Preferences())
	a.Settings().SetTheme(gui.NewThemeWith(gui.ClientAppearance(a.Preferences())))
	opts.Logger = logger
	cmds, events, end := startSession(logger, client.WithDownloadDir(gui.DownloadDir(a.Preferences())))
	return gui.NewClientWindow(a, a.NewWindow("MultiChat"), cmds, events, opts), end
}

// startSession runs a client session (client.Run) for the window. end ends
// it (the session says goodbye to the server if connected) and waits for
// it, at most endWait; it reports whether the session ended in time.
func startSession(logger *slog.Logger, opts ...client.Option) (cmds chan<- client.Command, events <-chan client.Event, end func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	c, ev := make(chan client.Command, 64), make(chan client.Event, 256)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_ = client.Run(ctx, c, ev, append([]client.Option{client.WithLogger(logger)}, opts...)...)
	}()
	return c, ev, func() bool {
		cancel()
		t := time.NewTimer(endWait)
		defer t.Stop()
		select {
		case <-ended:
			return true
		case <-t.C:
			return false
		}
	}
}
