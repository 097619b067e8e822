package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// focusColor is the keyboard focus mark: Fyne blends it into the focused
// button, check box, radio button or select. Its default is the primary
// colour at half strength, which cannot be seen on a primary button (the
// form's Connect, a dialog's confirm), so MultiChat's is amber, strong
// enough to show on every background of both variants.
func focusColor(v fyne.ThemeVariant) color.Color {
	if v == theme.VariantDark {
		return color.NRGBA{R: 0xff, G: 0xc4, B: 0x00, A: 0x99}
	}
	return color.NRGBA{R: 0xf5, G: 0x7c, B: 0x00, A: 0x88}
}

// Color is the default theme's, with MultiChat's focus mark.
func (t *chatTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor(v)
	}
	return t.Theme.Color(n, v)
}
