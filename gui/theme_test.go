package gui

import (
	"bytes"
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"github.com/multichat/multichat/assets"
)

func TestThemeFontsCoverHangulAndLatin(t *testing.T) {
	th := NewTheme()
	for _, style := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}, {Bold: true, Italic: true}} {
		res := th.Font(style)
		face, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			t.Fatalf("%+v: %s does not parse: %v", style, res.Name(), err)
		}
		for _, r := range "한글 안녕하세요 MultiChat 0-9 ?!" {
			if _, ok := face.NominalGlyph(r); !ok {
				t.Errorf("%+v: %s has no glyph for %q", style, res.Name(), r)
			}
		}
	}
	if th.Font(fyne.TextStyle{}) != assets.HangulFont || th.Font(fyne.TextStyle{Bold: true}) != assets.HangulFontBold {
		t.Error("theme does not use the bundled NanumGothic")
	}
	if th.Font(fyne.TextStyle{Monospace: true}) != theme.DefaultTheme().Font(fyne.TextStyle{Monospace: true}) {
		t.Error("monospace should stay Fyne's")
	}
	// Emoji come from Fyne's bundled emoji font, which follows the theme font.
	emoji, err := font.ParseTTF(bytes.NewReader(theme.DefaultEmojiFont().Content()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "😀👍🍕" {
		if _, ok := emoji.NominalGlyph(r); !ok {
			t.Errorf("no emoji glyph for %q", r)
		}
	}
}

// render draws s with the current theme and returns the image.
func render(t *testing.T, s string) image.Image {
	t.Helper()
	txt := canvas.NewText(s, color.White)
	txt.TextSize = 24
	w := test.NewWindow(container.NewStack(canvas.NewRectangle(color.Black), txt))
	defer w.Close()
	w.Resize(fyne.NewSize(200, 40))
	return w.Canvas().Capture()
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

// renderWith draws s with th as the app's theme.
func renderWith(t *testing.T, a fyne.App, th fyne.Theme, s string) image.Image {
	t.Helper()
	a.Settings().SetTheme(th)
	return render(t, s)
}

// TestThemeRendersHangul draws Hangul with the theme and checks that it is
// neither blank nor the missing-glyph box. The check means something only
// when no system font can draw Hangul: Fyne falls back to the system's fonts
// for runes the theme's font lacks, so with fonts-nanum installed Hangul
// would show whatever the theme did. Built with -tags ci, Fyne loads no
// system fonts (as on a machine without a Korean font); make test runs this
// test that way. Otherwise, when Fyne's own theme draws Hangul too (system
// fonts are in use), the test is skipped rather than passed.
func TestThemeRendersHangul(t *testing.T) {
	a := test.NewTempApp(t)
	missing := renderWith(t, a, theme.DefaultTheme(), "\U000F0000\U000F0001") // private use: no font has these
	if !sameImage(renderWith(t, a, theme.DefaultTheme(), "한글"), missing) {
		t.Skip("a system font draws Hangul here, so the bundled font cannot be told apart; " +
			"run with -tags 'migrated_fynedo ci' (make test does)")
	}
	a.Settings().SetTheme(NewTheme())
	hangul := render(t, "한글")
	blank := render(t, "")
	if sameImage(hangul, blank) {
		t.Fatal("Hangul rendered as nothing")
	}
	if sameImage(hangul, render(t, "\U000F0000\U000F0001")) {
		t.Fatal("Hangul rendered as missing-glyph boxes: the bundled font is not drawing it")
	}
	if sameImage(render(t, "😀"), render(t, "\U000F0002")) {
		t.Error("emoji rendered as a missing-glyph box")
	}
}

// TestThemeWithoutHangulFont: a build with no Hangul font (neither embedded nor
// installed) keeps Fyne's own fonts rather than a nil resource.
func TestThemeWithoutHangulFont(t *testing.T) {
	th := &chatTheme{Theme: theme.DefaultTheme()}
	for _, s := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}} {
		if got, want := th.Font(s), theme.DefaultTheme().Font(s); got == nil || got != want {
			t.Errorf("Font(%+v) = %v, want Fyne's %v", s, got, want)
		}
	}
}
