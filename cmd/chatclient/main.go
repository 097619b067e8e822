// Command chatclient is MultiChat's client app: a window to connect to a
// MultiChat server and chat in the lobby, in rooms and privately.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/client"
)

func main() {
	addr := flag.String("addr", "", "server address (host:port); prefills the connect form")
	nick := flag.String("nick", "", "nickname; prefills the connect form")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a := app.NewWithID("io.github.multichat.client")
	a.SetIcon(assets.ClientIcon)
	a.Settings().SetTheme(gui.NewThemeWith(gui.ClientAppearance(a.Preferences())))
	w := a.NewWindow("MultiChat")

	ctx, cancel := context.WithCancel(context.Background())
	cmds, events := make(chan client.Command, 64), make(chan client.Event, 256)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_ = client.Run(ctx, cmds, events, client.WithLogger(logger), client.WithDownloadDir(gui.DownloadDir(a.Preferences())))
	}()
	gui.NewClientWindow(a, w, cmds, events, gui.ClientOptions{Addr: *addr, Nick: *nick, Logger: logger})
	w.ShowAndRun()

	cancel() // the session says goodbye to the server, then ends
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
	}
}
