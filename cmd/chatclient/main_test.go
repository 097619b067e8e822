package main

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		want  gui.ClientOptions
		noLAN bool
		err   string
	}{
		{args: nil},
		{args: []string{"-lan=false"}, noLAN: true},
		{args: []string{"-addr", "10.0.0.5:7878", "-nick", "민수"}, want: gui.ClientOptions{Addr: "10.0.0.5:7878", Nick: "민수"}},
		{args: []string{"--nick=bob"}, want: gui.ClientOptions{Nick: "bob"}},
		{args: []string{"-port", "1"}, err: "flag provided but not defined: -port"},
		{args: []string{"-addr", "a:1", "extra"}, err: `unexpected argument "extra"`},
	} {
		var stderr bytes.Buffer
		got, lan, err := parseFlags(tc.args, &stderr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got.Addr != tc.want.Addr || got.Nick != tc.want.Nick || lan == tc.noLAN {
			t.Errorf("%q: got %+v, lan %v, %v; want %+v", tc.args, got, lan, err, tc.want)
		}
	}
	var stderr bytes.Buffer
	if _, _, err := parseFlags([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(stderr.String(), "-nick") {
		t.Errorf("-h: %v, usage %q", err, stderr.String())
	}
}

// TestSessionSaysGoodbye: the session main starts joins a real server on
// Connect, and ending it (the window closed) says Quit before it returns.
func TestSessionSaysGoodbye(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{})
	cmds, events, end := startSession(slog.New(slog.DiscardHandler), client.WithDownloadDir(t.TempDir()),
		client.WithDataDir(t.TempDir()))
	cmds <- client.Connect{Addr: srv.Addr, Nick: "alice"}
	for connected := false; !connected; {
		select {
		case ev := <-events:
			_, connected = ev.(client.Connected)
			if tn, ok := ev.(client.TrustNeeded); ok { // a new server: the user accepts it
				if tn.Fingerprint != srv.Fingerprint {
					t.Fatalf("asked to trust %s; the server's is %s", tn.Fingerprint, srv.Fingerprint)
				}
				cmds <- client.TrustServer{Fingerprint: tn.Fingerprint}
			}
			if d, ok := ev.(client.Disconnected); ok {
				t.Fatalf("disconnected: %v", d.Err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("not connected within 5 s")
		}
	}
	if uj := server.WaitEvent[server.UserJoined](srv); uj.Nick != "alice" {
		t.Fatalf("joined: %+v", uj)
	}
	if !end() {
		t.Fatal("the session did not end within 3 s")
	}
	if ul := server.WaitEvent[server.UserLeft](srv); ul.Nick != "alice" || ul.Reason != "quit" {
		t.Fatalf("left: %+v", ul)
	}
	for range events { // closed once the session has ended
	}
}

// TestOpenWindow: the window gets its title, the app the theme with the
// bundled Hangul font, and closing ends the session and the window's pump.
// The widgets are not driven here: the window's own tests do that, and
// tapping them from the test while its pump applies events would race.
func TestOpenWindow(t *testing.T) {
	a := test.NewTempApp(t)
	w, end := open(a, gui.ClientOptions{Addr: "127.0.0.1:1", Nick: "alice"}, slog.New(slog.DiscardHandler))
	if w.Window().Title() != "MultiChat" {
		t.Errorf("title %q", w.Window().Title())
	}
	if a.Settings().Theme().Font(fyne.TextStyle{}) != assets.HangulFont {
		t.Error("the app does not use the theme with the bundled Hangul font")
	}
	if !end() {
		t.Fatal("the session did not end within 3 s")
	}
	select {
	case <-w.Done(): // the events channel closed: the pump has applied the last ones
	case <-time.After(5 * time.Second):
		t.Fatal("the window's pump did not end with the session")
	}
}
