package main

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/gui"
	"github.com/multichat/multichat/net/server"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want gui.ClientOptions
		err  string
	}{
		{args: nil},
		{args: []string{"-addr", "10.0.0.5:7878", "-nick", "민수"}, want: gui.ClientOptions{Addr: "10.0.0.5:7878", Nick: "민수"}},
		{args: []string{"--nick=bob"}, want: gui.ClientOptions{Nick: "bob"}},
		{args: []string{"-port", "1"}, err: "flag provided but not defined: -port"},
		{args: []string{"-addr", "a:1", "extra"}, err: `unexpected argument "extra"`},
	} {
		var stderr bytes.Buffer
		got, err := parseFlags(tc.args, &stderr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
	var stderr bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(stderr.String(), "-nick") {
		t.Errorf("-h: %v, usage %q", err, stderr.String())
	}
}

// find returns the button labelled text in o's tree.
func find(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	if b, ok := o.(*widget.Button); ok && b.Text == text {
		return b
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			if b := find(t, child, text); b != nil {
				return b
			}
		}
	}
	if w, ok := o.(fyne.Widget); ok {
		r := test.TempWidgetRenderer(t, w)
		for _, child := range r.Objects() {
			if b := find(t, child, text); b != nil {
				return b
			}
		}
	}
	return nil
}

// TestOpenWiresWindowAndSession: the flags prefill the form, Connect joins
// the server through the session open started, and end ends the session
// and its connection.
func TestOpenWiresWindowAndSession(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{})
	a := test.NewTempApp(t)
	w, end := open(a, gui.ClientOptions{Addr: srv.Addr, Nick: "alice"}, slog.New(slog.DiscardHandler))
	if w.Window().Title() != "MultiChat" {
		t.Errorf("title %q", w.Window().Title())
	}
	if a.Settings().Theme().Font(fyne.TextStyle{}) != assets.HangulFont {
		t.Error("the app does not use the theme with the bundled Hangul font")
	}
	connect := find(t, w.Window().Content(), "Connect")
	if connect == nil {
		t.Fatal("no Connect button on the form")
	}
	test.Tap(connect) // with the address and nickname from the flags
	if uj := server.WaitEvent[server.UserJoined](srv); uj.Nick != "alice" {
		t.Fatalf("joined: %+v", uj)
	}
	if !end() {
		t.Fatal("the session did not end within 3 s")
	}
	// Quit if the Welcome had reached the session, else the handshake was
	// cut short: either way the session let go of its connection.
	if ul := server.WaitEvent[server.UserLeft](srv); ul.Nick != "alice" {
		t.Fatalf("left: %+v", ul)
	}
	<-w.Done() // the window has applied the session's last events
}
