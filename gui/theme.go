package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/multichat/multichat/assets"
)

// chatTheme is Fyne's default theme with a Hangul-capable text font, so that
// Korean renders on a machine with no CJK font installed.
//
// Fyne 2.8 resolves each rune against a list of faces in this order: the
// theme's font for the style, Fyne's bundled default font (Latin, Greek,
// Cyrillic), its bundled emoji and symbol fonts, and then whatever fontconfig
// finds on the system. A font added anywhere but first cannot be reached
// without a system font, so the Hangul font (NanumGothic, which also covers
// Latin) is the theme font itself; emoji still come from Fyne's bundled emoji
// font, which follows it. NanumGothic has no italic: italic text uses the
// regular face (Fyne does not slant fonts), because an italic Latin-only face
// would turn every Korean nickname in a system line into empty boxes.
// Monospace and symbol text keep Fyne's own fonts.
type chatTheme struct {
	fyne.Theme
	regular, bold fyne.Resource
}

// NewTheme returns MultiChat's theme: Fyne's default look and colours, with
// the bundled NanumGothic as the text font.
func NewTheme() fyne.Theme {
	return &chatTheme{Theme: theme.DefaultTheme(), regular: assets.HangulFont, bold: assets.HangulFontBold}
}

// Light-theme colours darker than Fyne's, so that text drawn in them (the
// log's times and system lines, notices, errors, the server window's
// status) reads at WCAG AA, 4.5:1 or more, on the light background and on
// a highlighted line (TestThemeContrast). The dark theme's own pass.
var lightText = map[fyne.ThemeColorName]color.Color{
	theme.ColorNamePlaceHolder: color.NRGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff},
	theme.ColorNamePrimary:     color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
	theme.ColorNameHyperlink:   color.NRGBA{R: 0x0d, G: 0x47, B: 0xa1, A: 0xff}, // links in the log, on mentions too
	theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
	theme.ColorNameSuccess:     color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff},
	theme.ColorNameWarning:     color.NRGBA{R: 0x9a, G: 0x34, B: 0x12, A: 0xff},
}

// darkText are the dark variant's: a lighter blue and red, so that notices
// and errors read on a highlighted line too.
var darkText = map[fyne.ThemeColorName]color.Color{
	theme.ColorNamePrimary:   color.NRGBA{R: 0x64, G: 0xb5, B: 0xf6, A: 0xff},
	theme.ColorNameHyperlink: color.NRGBA{R: 0x90, G: 0xca, B: 0xf9, A: 0xff},
	theme.ColorNameError:     color.NRGBA{R: 0xe5, G: 0x73, B: 0x73, A: 0xff},
}

// Color is Fyne's, with lightText and darkText and MultiChat's focus mark.
func (t *chatTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor(v)
	}
	m := darkText
	if v == theme.VariantLight {
		m = lightText
	}
	if c, ok := m[n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

// Font returns the Hangul-capable face for ordinary text.
func (t *chatTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace, s.Symbol:
		return t.Theme.Font(s)
	case s.Bold && t.bold != nil:
		return t.bold
	case !s.Bold && t.regular != nil:
		return t.regular
	default:
		return t.Theme.Font(s) // no Hangul font built in or installed: Fyne's own, with system fallback
	}
}

// Appearance is what the Settings dialog changes in the theme: the variant
// ("system", "light" or "dark") and a text size factor.
type Appearance struct {
	Variant string
	Scale   float32
}

// NewThemeWith returns MultiChat's theme with the given appearance.
func NewThemeWith(ap Appearance) fyne.Theme {
	t := NewTheme().(*chatTheme)
	return &tunedTheme{chatTheme: t, ap: ap}
}

type tunedTheme struct {
	*chatTheme
	ap Appearance
}

func (t *tunedTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.ap.Variant {
	case "light":
		v = theme.VariantLight
	case "dark":
		v = theme.VariantDark
	}
	return t.chatTheme.Color(n, v)
}

func (t *tunedTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.chatTheme.Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText, theme.SizeNameCaptionText,
		theme.SizeNameInlineIcon:
		if t.ap.Scale > 0 {
			return s * t.ap.Scale
		}
	}
	return s
}
