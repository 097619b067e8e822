package gui

import (
	"net/netip"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/server"
)

// press delivers a key as the desktop driver does: to the focused widget.
func press(t *testing.T, w fyne.Window, key fyne.KeyName) {
	t.Helper()
	f := w.Canvas().Focused()
	if f == nil {
		t.Fatalf("nothing has the focus for %s", key)
	}
	f.TypedKey(&fyne.KeyEvent{Name: key})
}

// overlayKeyed lists the top dialog's check boxes and selects.
func overlayKeyed(w fyne.Window) []fyne.Focusable {
	var out []fyne.Focusable
	walkTree(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *dialogCheck:
			out = append(out, x)
		case *dialogSelect:
			out = append(out, x)
		}
	})
	return out
}

// TestSettingsKeysOnChecksAndSelects: with a check box or a select of the
// Settings dialog focused, Escape closes it keeping nothing, and Enter
// saves; Space still toggles the check box.
func TestSettingsKeysOnChecksAndSelects(t *testing.T) {
	w, _ := newTestClient(t, ClientOptions{})
	p := w.app.Preferences()
	w.showSettings()
	ws := overlayKeyed(w.win)
	if len(ws) < 10 { // 3 checks + 4 selects here, 3 checks + 1 select of presence
		t.Fatalf("%d check boxes and selects in Settings", len(ws))
	}
	for i := range ws {
		if i > 0 {
			w.showSettings()
		}
		f := overlayKeyed(w.win)[i]
		w.win.Canvas().Focus(f)
		if c, ok := f.(*dialogCheck); ok {
			was := c.Checked
			test.Type(c, " ")
			if c.Checked == was {
				t.Fatalf("Space did not toggle %q", c.Text)
			}
		}
		press(t, w.win, fyne.KeyEscape)
		if top := w.win.Canvas().Overlays().Top(); top != nil {
			t.Fatalf("Escape on %T #%d did not close Settings", f, i)
		}
	}
	if p.Bool(prefDND) || p.String(prefVariant) != "" {
		t.Error("Escape saved a change")
	}

	w.showSettings()
	for _, f := range overlayKeyed(w.win) {
		if c, ok := f.(*dialogCheck); ok && c.Text == "Do not disturb: no desktop notifications" {
			w.win.Canvas().Focus(c)
			test.Type(c, " ")
		}
	}
	press(t, w.win, fyne.KeyReturn)
	if w.win.Canvas().Overlays().Top() != nil || !p.Bool(prefDND) {
		t.Fatalf("Enter on a check box: dialog open %v, saved %v", w.win.Canvas().Overlays().Top() != nil, p.Bool(prefDND))
	}
}

// TestServerDialogKeysOnChecksAndSelects: the Kick dialog's ban length and
// nickname check box, and the file transfers dialog, answer Escape and
// Enter.
func TestServerDialogKeysOnChecksAndSelects(t *testing.T) {
	f := newServerFixture(t, 8)
	at := time.Now()
	f.apply(server.Started{Addr: "127.0.0.1:7878", At: at},
		server.UserJoined{Nick: "bob", Addr: netip.MustParseAddrPort("192.168.1.31:40002"), Since: at})
	selectUser(t, f.sw, "bob")

	for _, key := range []fyne.KeyName{fyne.KeyEscape, fyne.KeyReturn} {
		for i := range 2 { // the select, then the check box
			test.Tap(f.sw.kick)
			ws := overlayKeyed(f.win)
			if len(ws) != 2 {
				t.Fatalf("kick dialog: %d check boxes and selects", len(ws))
			}
			f.win.Canvas().Focus(ws[i])
			press(t, f.win, key)
			if f.win.Canvas().Overlays().Top() != nil {
				t.Fatalf("%s on %T did not close the Kick dialog", key, ws[i])
			}
			if key == fyne.KeyEscape {
				f.noCmd()
			} else if k, ok := f.nextCmd().(server.Kick); !ok || k.Nick != "bob" {
				t.Fatalf("Enter sent %#v", k)
			}
		}
	}

	test.Tap(f.sw.filesBtn)
	f.win.Canvas().Focus(overlayFind[*dialogSelect](f.win))
	press(t, f.win, fyne.KeyEscape)
	if f.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape did not close the file transfers dialog")
	}
	f.noCmd()
}
