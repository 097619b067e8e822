package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/server"
)

// Files… turns file transfers off and on and sets the largest file; the
// server gets SetFiles at once and the log says what changed.
func TestServerWindowFilesDialog(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	sw.SetFilePolicy(false, 1<<30)

	test.Tap(sw.filesBtn)
	allow := overlayFind[*dialogCheck](f.win)
	if allow == nil || !allow.Checked {
		t.Fatalf("dialog: %q", overlayTexts(f.win))
	}
	test.Tap(allow)
	dismissOverlay(t, f.win, "Apply")
	if got := f.nextCmd(); got != (server.SetFiles{Off: true, MaxSize: 1 << 30}) {
		t.Fatalf("sent %#v", got)
	}
	test.Tap(sw.filesBtn)
	test.Tap(overlayFind[*dialogCheck](f.win))
	sel := overlayFind[*dialogSelect](f.win)
	sel.SetSelected("100.0 MiB")
	dismissOverlay(t, f.win, "Apply")
	if got := f.nextCmd(); got != (server.SetFiles{MaxSize: 100 << 20}) {
		t.Fatalf("sent %#v", got)
	}
	if !strings.Contains(logText(sw), "File transfers are on, up to 100.0 MiB a file") {
		t.Errorf("log: %q", logText(sw))
	}
	test.Tap(sw.filesBtn)
	dismissOverlay(t, f.win, "Cancel")
	f.noCmd()
}

// overlayFind finds the first T in the topmost overlay.
func overlayFind[T fyne.CanvasObject](w fyne.Window) T {
	var found T
	done := false
	walkTree(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if v, ok := o.(T); ok && !done {
			found, done = v, true
		}
	})
	return found
}

func logText(sw *ServerWindow) string {
	var b strings.Builder
	for _, ln := range sw.m.Lines {
		b.WriteString(ln.Text + "\n")
	}
	return b.String()
}
