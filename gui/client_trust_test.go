package gui

import (
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
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
	if !strings.Contains(shown, "First connection to Class 3B at "+srv.Addr) || !strings.Contains(shown, fp) {
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
