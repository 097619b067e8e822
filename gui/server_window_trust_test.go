package gui

import (
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

// TestServerWindowShowsFingerprintAndSetsPassword: a real server started
// from the window shows the fingerprint of the certificate it really
// presents (in the status and the log, copyable); the Password… dialog sets
// a password on the real server, which the status then says, and removes
// it; the password itself is never shown or logged.
func TestServerWindowShowsFingerprintAndSetsPassword(t *testing.T) {
	f := newRealServerFixture(t)
	sw := f.sw
	port := freeLoopbackPort(t)
	f.startOn(port)

	// What the server really presents, read over TLS.
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	fp := trust.FingerprintOf(conn.ConnectionState().PeerCertificates[0].Raw).String()
	conn.Close()

	want := "Encrypted (TLS). Server fingerprint: " + fp
	if sw.security.Text != want || !sw.security.Selectable || !sw.security.Visible() {
		t.Fatalf("status %q (selectable %v), want %q", sw.security.Text, sw.security.Selectable, want)
	}
	if !activityContains(sw, want) {
		t.Errorf("the log does not show the fingerprint: %q", activityTexts(sw))
	}
	if !sw.copyFP.Visible() {
		t.Fatal("no copy button beside the fingerprint")
	}
	test.Tap(sw.copyFP)
	if got := f.app.Clipboard().Content(); got != fp {
		t.Errorf("copied %q, want %q", got, fp)
	}
	if sw.access.Text != "No password" {
		t.Errorf("access %q", sw.access.Text)
	}

	// Set a password with Enter.
	const secret = "zebra-42"
	test.Tap(sw.password)
	e := overlayPasswordEntry(f.win)
	if e == nil || !e.Password {
		t.Fatalf("no password entry in the dialog: %q", overlayTexts(f.win))
	}
	test.Type(e, secret)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("the dialog stays open: %q", overlayTexts(f.win))
	}
	f.ui.waitFor("the server to require the password", 20*time.Second, func() bool { return sw.access.Text == "Password required" })

	// Change it: the dialog now offers to remove it.
	test.Tap(sw.password)
	if !strings.Contains(overlayTexts(f.win), "A password is set") {
		t.Errorf("dialog %q", overlayTexts(f.win))
	}
	dismissOverlay(t, f.win, "Remove password")
	f.ui.waitFor("the password to be removed", 20*time.Second, func() bool { return sw.access.Text == "No password" })

	for _, l := range sw.m.Lines {
		if strings.Contains(l.Full, secret) {
			t.Errorf("the log shows the password: %q", l.Full)
		}
	}
	if !activityContains(sw, "Password set") || !activityContains(sw, "Password removed") {
		t.Errorf("the log does not say the password changed: %q", activityTexts(sw))
	}

	// Stopped: no fingerprint any more.
	test.Tap(sw.stop)
	if f.win.Canvas().Overlays().Top() != nil {
		dismissOverlay(t, f.win, "Stop")
	}
	f.ui.waitFor("the server to stop", 10*time.Second, func() bool { return sw.stateLabel.Text == "Stopped" })
	if sw.security.Text != "" || sw.copyFP.Visible() {
		t.Errorf("stopped, still shows %q", sw.security.Text)
	}
}

// TestServerWindowPasswordDialogKeys: Escape cancels without a command, a
// blank password is refused in the dialog, a plaintext server warns, and
// the window says "Password required" when the server starts with one.
func TestServerWindowPasswordDialogKeys(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "0.0.0.0:7878", At: time.Now(), Password: true})
	if sw.security.Text != servermodel.PlaintextWarning() || sw.copyFP.Visible() || sw.access.Text != "Password required" {
		t.Fatalf("plaintext status %q copy %v access %q", sw.security.Text, sw.copyFP.Visible(), sw.access.Text)
	}

	test.Tap(sw.password)
	if !strings.Contains(overlayTexts(f.win), "not encrypted") {
		t.Errorf("no plaintext warning in the dialog: %q", overlayTexts(f.win))
	}
	e := overlayPasswordEntry(f.win)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if f.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape did not close the dialog")
	}
	f.noCmd()

	test.Tap(sw.password)
	e = overlayPasswordEntry(f.win)
	test.Type(e, "   ")
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !strings.Contains(overlayTexts(f.win), "Type a password") {
		t.Fatalf("blank password: dialog shows %q", overlayTexts(f.win))
	}
	f.noCmd()
	e.SetText(strings.Repeat("비", 25)) // 75 bytes
	dismissOverlay(t, f.win, "Set password")
	if !strings.Contains(overlayTexts(f.win), "too long") {
		t.Fatalf("long password: dialog shows %q", overlayTexts(f.win))
	}
	f.noCmd()
	e.SetText("새 코드")
	dismissOverlay(t, f.win, "Set password")
	if got := f.nextCmd(); got != (server.SetPassword{Password: "새 코드"}) {
		t.Errorf("sent %#v", got)
	}
}

// overlayPasswordEntry finds the dialog's password entry.
func overlayPasswordEntry(w fyne.Window) *dialogEntry {
	var found *dialogEntry
	walkTree(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*dialogEntry); ok && found == nil {
			found = e
		}
	})
	return found
}
