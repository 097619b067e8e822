package gui

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// linear is c's sRGB channels as linear light, 0–1.
func linear(c color.Color) (r, g, b float64) {
	cr, cg, cb, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return lin(cr), lin(cg), lin(cb)
}

// WCAG 2 relative luminance and contrast ratio.
func relLuminance(c color.Color) float64 {
	r, g, b := linear(c)
	return 0.2126*r + 0.7152*g + 0.0722*b
}

func contrast(a, b color.Color) float64 {
	la, lb := relLuminance(a), relLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over blends fg (with its alpha) over an opaque bg.
func over(fg, bg color.Color) color.Color {
	f := color.NRGBAModel.Convert(fg).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// lab is CIE L*a*b* (D65) of c, for telling colours apart (CIE76 ΔE).
func lab(c color.Color) [3]float64 {
	R, G, B := linear(c)
	x := (0.4124*R + 0.3576*G + 0.1805*B) / 0.95047
	y := 0.2126*R + 0.7152*G + 0.0722*B
	z := (0.0193*R + 0.1192*G + 0.9505*B) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func deltaE(a, b color.Color) float64 {
	p, q := lab(a), lab(b)
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}

var variants = map[string]fyne.ThemeVariant{"light": theme.VariantLight, "dark": theme.VariantDark}

// logBackgrounds are what a log line's text is drawn on: the background, a
// line of mine (hover) and a mention (the warning colour's tint).
func logBackgrounds(th fyne.Theme, v fyne.ThemeVariant) map[string]color.Color {
	bg := th.Color(theme.ColorNameBackground, v)
	return map[string]color.Color{"background": bg, "my line": over(th.Color(theme.ColorNameHover, v), bg),
		"mention": over(mentionTint, bg)}
}

// TestThemeContrast: the colours text is drawn in (the log's times and
// system lines, notices, errors, the server window's Running, Starting and
// error states) read at 4.5:1 or more in both themes.
func TestThemeContrast(t *testing.T) {
	th := NewTheme()
	// Where each colour's text is drawn: chat text and times on every line;
	// "not sent" (error) on my lines; notices and errors on plain lines; the
	// server window's states on its background.
	on := map[fyne.ThemeColorName][]string{
		theme.ColorNameForeground:  {"background", "my line", "mention"},
		theme.ColorNamePlaceHolder: {"background", "my line", "mention"},
		theme.ColorNameError:       {"background", "my line"},
		theme.ColorNamePrimary:     {"background"},
		theme.ColorNameHyperlink:   {"background", "my line", "mention"}, // links in the log
		theme.ColorNameSuccess:     {"background"},
		theme.ColorNameWarning:     {"background"},
	}
	for vname, v := range variants {
		bgs := logBackgrounds(th, v)
		for n, where := range on {
			for _, bname := range where {
				bg := bgs[bname]
				if c := contrast(th.Color(n, v), bg); c < 4.5 {
					t.Errorf("%s theme: %s on %s is %.2f:1, want ≥ 4.5", vname, n, bname, c)
				}
			}
		}
	}
}

// TestNickColours: the first twelve people of a window get twelve colours
// no two of which look alike (ΔE ≥ 15), each at 4.5:1 or more on every log
// background of both themes; a nick keeps its colour.
func TestNickColours(t *testing.T) {
	th := NewTheme()
	for vname, v := range variants {
		s := nickSlots{}
		nicks := []string{"alice", "민수", "bob", "지은", "carol", "서준", "dave", "하늘", "eve", "도윤", "frank", "Alice2"}
		var cols []color.Color
		for _, n := range nicks {
			cols = append(cols, s.colour(n, v))
		}
		for i := range cols {
			for j := range i {
				if d := deltaE(cols[i], cols[j]); d < 15 {
					t.Errorf("%s theme: %s and %s look alike (ΔE %.1f)", vname, nicks[i], nicks[j], d)
				}
			}
			for bname, bg := range logBackgrounds(th, v) {
				if c := contrast(cols[i], bg); c < 4.5 {
					t.Errorf("%s theme: %s's colour on %s is %.2f:1", vname, nicks[i], bname, c)
				}
			}
		}
		if s.colour("ALICE", v) != cols[0] || fmt.Sprint(s.colour("zed", v)) != fmt.Sprint(s.colour("zed", v)) {
			t.Errorf("%s theme: a nick's colour changed", vname)
		}
	}
}
