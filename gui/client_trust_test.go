package gui

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

func mustButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	b := overlayButton(w, text)
	if b == nil {
		t.Fatalf("no %q button in %q", text, overlayTexts(w))
	}
	return b
}

// TestClientTrustsANewServer: against a real TLS server never met, the
// window shows the server's fingerprint; Escape cancels (the form stays
// filled), Enter trusts it, and Settings lists it with Remove.
func TestClientTrustsANewServer(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), Name: "Class 3B"})
	a := test.NewTempApp(t)
	c := startE2EClient(t, a, srv.Addr, trust.Fingerprint{}, "alice")
	fp := srv.Fingerprint.String()

	test.Tap(c.w.connectBtn)
	c.until("the trust prompt", func() bool { return c.w.prompt != nil })
	shown := overlayTexts(c.w.win)
	if !strings.Contains(shown, "First connection to Class 3B at "+srv.Addr) || !strings.Contains(shown, twoLines(fp)) {
		t.Fatalf("trust dialog shows %q, want the name, the address and %s", shown, fp)
	}
	c.w.typedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.w.m.Phase != clientmodel.Idle || c.w.prompt != nil || !strings.Contains(c.w.formStatus.Text, "did not trust") {
		t.Fatalf("after Escape: phase %v, status %q", c.w.m.Phase, c.w.formStatus.Text)
	}
	if c.w.nick.Text != "alice" || c.w.addr.Text != srv.Addr || c.w.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the form was not kept, or the dialog stayed")
	}
	pins, err := trust.OpenPins(c.w.dataDir).List()
	if err != nil || len(pins) != 0 {
		t.Fatalf("cancelled, yet trusted: %v %v", pins, err)
	}

	test.Tap(c.w.connectBtn)
	c.until("the trust prompt again", func() bool { return c.w.prompt != nil })
	mustButton(t, c.w.win, "Trust") // offered as a button; Enter presses it
	c.w.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.until("connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	if c.w.banner.Visible() || !c.w.m.Encrypted {
		t.Errorf("an encrypted connection shows banner %q", c.w.bannerText.Text)
	}
	pins, err = trust.OpenPins(c.w.dataDir).List()
	if err != nil || len(pins) != 1 || pins[0].Fingerprint != srv.Fingerprint {
		t.Fatalf("trusted servers %v %v", pins, err)
	}

	// Settings ▸ Trusted servers lists it; Remove forgets it.
	c.w.showSettings()
	if s := overlayTexts(c.w.win); !strings.Contains(s, pins[0].Addr) || !strings.Contains(s, fp) {
		t.Fatalf("settings show %q", s)
	}
	test.Tap(mustButton(t, c.w.win, "Remove"))
	c.until("forgotten", c.shows("removed from the trusted servers"))
	if pins, _ = trust.OpenPins(c.w.dataDir).List(); len(pins) != 0 {
		t.Errorf("still trusted: %v", pins)
	}
}

// TestClientShowsNotEncrypted: a plaintext server, with the form's option,
// is marked "not encrypted" while connected.
func TestClientShowsNotEncrypted(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), Plaintext: true})
	a := test.NewTempApp(t)
	c := startE2EClient(t, a, srv.Addr, trust.Fingerprint{}, "alice")
	c.w.plain.SetChecked(true)
	test.Tap(c.w.connectBtn)
	c.until("connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	if !c.w.banner.Visible() || !strings.Contains(c.w.bannerText.Text, "Not encrypted") || c.w.quitBtn.Visible() {
		t.Errorf("banner shown %v: %q", c.w.banner.Visible(), c.w.bannerText.Text)
	}
}

// TestPasswordAndNicknameDialogs: the password dialog hides what is typed,
// says when it was wrong, sends on Enter and keeps the form on Escape; a
// lost nickname asks for another at once, without "reconnecting".
func TestPasswordAndNicknameDialogs(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	test.Tap(w.connectBtn)
	c := nextCmd(t, cmds).(client.Connect)
	w.apply([]client.Event{client.PasswordNeeded{Addr: c.Addr, Wrong: true, Code: wire.RefuseTooManyTries, Text: "wait 40 seconds"}})
	e := promptEntry(w)
	if e == nil || !e.Password || !strings.Contains(overlayTexts(w.win), "wait 40 seconds") {
		t.Fatalf("password dialog: entry %v, text %q", e, overlayTexts(w.win))
	}
	test.Type(e, "s3cret")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if sp, ok := nextCmd(t, cmds).(client.SendPassword); !ok || sp.Password != "s3cret" {
		t.Fatalf("sent %#v", sp)
	}
	if w.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the dialog stayed open")
	}
	w.apply([]client.Event{client.PasswordNeeded{Addr: c.Addr, Wrong: true, Code: wire.RefusePasswordWrong}})
	if !strings.Contains(overlayTexts(w.win), "Wrong password, try again") {
		t.Fatalf("shows %q", overlayTexts(w.win))
	}
	promptEntry(w).TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if _, ok := nextCmd(t, cmds).(client.Disconnect); !ok || w.win.Content() != w.form || w.nick.Text != "alice" {
		t.Fatal("Escape did not cancel and keep the form")
	}

	// Connected, lost, and the nickname is gone.
	test.Tap(w.connectBtn)
	c = nextCmd(t, cmds).(client.Connect)
	w.apply([]client.Event{client.Connected{Encrypted: true, Session: c.Session, Addr: c.Addr, Nick: "alice", Lobby: "lobby", Users: []string{"alice"}},
		client.Disconnected{Session: c.Session, Err: io.ErrUnexpectedEOF},
		client.NickLost{Nick: "alice", Text: "nickname taken [아이디 중복]"}})
	if strings.Contains(strings.ToLower(w.bannerText.Text), "reconnecting") || w.win.Content() != w.chat {
		t.Errorf("banner %q", w.bannerText.Text)
	}
	e = promptEntry(w)
	if e == nil {
		t.Fatal("no nickname dialog")
	}
	test.Type(e, "alice2")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if cn, ok := nextCmd(t, cmds).(client.ChangeNick); !ok || cn.Nick != "alice2" {
		t.Fatalf("sent %#v", cn)
	}
}

func promptEntry(w *ClientWindow) *dialogEntry {
	var found *dialogEntry
	walkTree(w.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*dialogEntry); ok && found == nil {
			found = e
		}
	})
	return found
}

// TestClientPasswordAgainstARealServer: a server with a class code asks for
// it; a wrong one says so and keeps asking; the right one connects.
func TestClientPasswordAgainstARealServer(t *testing.T) {
	hash, err := server.HashPassword("3B-class")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), PasswordHash: hash})
	a := test.NewTempApp(t)
	c := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	test.Tap(c.w.connectBtn)
	c.until("the password dialog", func() bool { return c.w.prompt != nil && promptEntry(c.w) != nil })
	e := promptEntry(c.w)
	test.Type(e, "wrong")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.until("wrong password", func() bool {
		return c.w.prompt != nil && strings.Contains(overlayTexts(c.w.win), "Wrong password, try again")
	})
	if c.w.win.Content() != c.w.form || c.w.nick.Text != "alice" {
		t.Fatal("the form was not kept")
	}
	e = promptEntry(c.w)
	test.Type(e, "3B-class")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.until("connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	if c.w.win.Canvas().Overlays().Top() != nil {
		t.Error("a dialog stayed open")
	}
}

// TestClientRefusesAChangedIdentity: a server whose certificate is not the
// trusted one gets an error dialog with both fingerprints and no way to go
// on; the form says the same.
func TestClientRefusesAChangedIdentity(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler)})
	a := test.NewTempApp(t)
	old := srv.Fingerprint
	old[0] ^= 0xff // the certificate trusted earlier
	c := startE2EClient(t, a, srv.Addr, old, "alice")
	test.Tap(c.w.connectBtn)
	c.until("the identity error", func() bool { return c.w.win.Canvas().Overlays().Top() != nil })
	shown := overlayTexts(c.w.win)
	for _, s := range []string{"The server's identity changed", old.String(), srv.Fingerprint.String(), "Trusted servers"} {
		if !strings.Contains(shown, s) {
			t.Errorf("dialog lacks %q: %q", s, shown)
		}
	}
	if overlayButton(c.w.win, "Trust") != nil || overlayButton(c.w.win, "Continue") != nil {
		t.Error("a continue-anyway button is offered")
	}
	if c.w.m.Phase != clientmodel.Idle || !strings.Contains(c.w.formStatus.Text, "identity changed") || c.w.nick.Text != "alice" {
		t.Errorf("form: phase %v status %q", c.w.m.Phase, c.w.formStatus.Text)
	}
	c.w.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if c.w.win.Canvas().Overlays().Top() != nil {
		t.Error("Enter did not close the dialog")
	}
}
