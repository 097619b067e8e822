package gui

import (
	"image/color"
	"net/url"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/multichat/multichat/net/client"
)

// logRowOf returns the row on screen whose text (with its link) is text.
func logRowOf(t *testing.T, w *ClientWindow, text string) *logRow {
	t.Helper()
	for _, o := range test.LaidOutObjects(w.logList) {
		if r, ok := o.(*logRow); ok && r.Visible() && r.seq >= 0 && r.text.Text+r.lk.link.Text+r.lk.post.Text == text {
			return r
		}
	}
	t.Fatalf("no row %q on screen:\n%s", text, shownText(w))
	return nil
}

func TestClientLinksAreTappable(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	var opened []string
	w.opener = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	w.apply([]client.Event{client.Message{MsgID: 1, Room: "lobby", From: "bob", Text: "rules: https://example.org/lab-rules, then 회의"}})
	r := logRowOf(t, w, "rules: https://example.org/lab-rules, then 회의")
	if r.text.Text != "rules: " || r.lk.link.Text != "https://example.org/lab-rules" || r.lk.post.Text != ", then 회의" ||
		!r.lk.under.Visible() || r.lk.x1 <= r.lk.x0 {
		t.Fatalf("row split %q | %q | %q", r.text.Text, r.lk.link.Text, r.lk.post.Text)
	}
	th := w.logList.Theme()
	if r.lk.link.Color != th.Color(theme.ColorNameHyperlink, w.app.Settings().ThemeVariant()) || r.lk.link.Color == r.text.Color {
		t.Errorf("the link is not drawn as one: %v", r.lk.link.Color)
	}
	// A click beside the link selects the line; on it, opens it.
	r.Tapped(&fyne.PointEvent{Position: fyne.NewPos(r.textX+1, 5)})
	if len(opened) != 0 || w.selected != r.seq {
		t.Fatalf("tap beside the link: opened %v, selected %d", opened, w.selected)
	}
	r.Tapped(&fyne.PointEvent{Position: fyne.NewPos(r.textX+(r.lk.x0+r.lk.x1)/2, 5)})
	if len(opened) != 1 || opened[0] != "https://example.org/lab-rules" {
		t.Errorf("opened %v", opened)
	}
	// A row without a link has none left over from a reused row.
	w.apply([]client.Event{client.Message{MsgID: 2, Room: "lobby", From: "bob", Text: "no link here"}})
	if r := logRowOf(t, w, "no link here"); r.lk.url != "" || r.lk.under.Visible() {
		t.Errorf("stale link %q", r.lk.url)
	}
}

// settingsWidgets finds the Settings dialog's widgets.
func settingsWidgets(t *testing.T, w *ClientWindow) (folder *dialogEntry, variant, size *dialogSelect) {
	t.Helper()
	walkTree(w.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *dialogEntry:
			folder = x
		case *dialogSelect:
			switch {
			case slices.Contains(x.Options, "Dark"):
				variant = x
			case slices.Contains(x.Options, "Larger"): // not the auto-accept sizes
				size = x
			}
		}
	})
	if folder == nil || variant == nil || size == nil {
		t.Fatalf("settings dialog widgets not found: %q", overlayTexts(w.win))
	}
	return folder, variant, size
}

func luminance(c color.Color) uint32 {
	r, g, b, _ := c.RGBA()
	return (r + g + b) / 3
}

func TestClientSettingsThemeAndTextSize(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	p := w.app.Preferences()
	baseSize, baseRow := w.meas.size, w.rowH

	// Escape in the folder entry cancels: nothing is kept.
	w.showSettings()
	folder, variant, size := settingsWidgets(t, w)
	w.win.Canvas().Focus(folder)
	test.Type(folder, "/tmp/elsewhere")
	variant.SetSelected("Dark")
	folder.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape did not close Settings")
	}
	if p.String(prefDownloads) != "" || p.String(prefVariant) != "" {
		t.Errorf("Escape saved: folder %q theme %q", p.String(prefDownloads), p.String(prefVariant))
	}

	// Dark and Larger, saved with Enter: the theme changes at once and the
	// log is measured again.
	w.showSettings()
	folder, variant, size = settingsWidgets(t, w)
	variant.SetSelected("Dark")
	size.SetSelected("Larger")
	folder.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.win.Canvas().Overlays().Top() != nil {
		t.Fatal("Enter did not close Settings")
	}
	if p.String(prefVariant) != "dark" || p.Float(prefScale) != float64(float32(1.45)) {
		t.Errorf("saved theme %q scale %v", p.String(prefVariant), p.Float(prefScale))
	}
	th := w.app.Settings().Theme()
	bgDark := th.Color(theme.ColorNameBackground, theme.VariantLight) // the setting wins over the system's variant
	if luminance(bgDark) > 0x4000 {
		t.Errorf("dark theme background %v", bgDark)
	}
	if got := th.Size(theme.SizeNameText); got != theme.DefaultTheme().Size(theme.SizeNameText)*1.45 {
		t.Errorf("text size %v", got)
	}
	if w.meas.size <= baseSize || w.rowH <= baseRow {
		t.Errorf("log not measured again: size %v→%v row %v→%v", baseSize, w.meas.size, baseRow, w.rowH)
	}
	// And back to light, normal size.
	w.showSettings()
	_, variant, size = settingsWidgets(t, w)
	variant.SetSelected("Light")
	size.SetSelected("Normal")
	w.win.Canvas().Focus(nil)
	w.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	th = w.app.Settings().Theme()
	if bg := th.Color(theme.ColorNameBackground, theme.VariantDark); luminance(bg) < 0xc000 {
		t.Errorf("light theme background %v", bg)
	}
	if w.meas.size != baseSize {
		t.Errorf("text size %v, want %v", w.meas.size, baseSize)
	}
}
