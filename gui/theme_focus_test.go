package gui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func colorDistance(a, b color.Color) int {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) int {
		if x > y {
			return int(x-y) >> 8
		}
		return int(y-x) >> 8
	}
	return d(ar, br) + d(ag, bg) + d(ab, bb)
}

// TestFocusMarkVisible: a focused button, even a primary one (Connect,
// dialogs' confirm), looks clearly different from an unfocused one, in
// both variants.
func TestFocusMarkVisible(t *testing.T) {
	for _, variant := range []string{"light", "dark"} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(NewThemeWith(Appearance{Variant: variant, Scale: 1}))
		win := a.NewWindow("")
		primary := widget.NewButton("Connect", nil)
		primary.Importance = widget.HighImportance
		plain := widget.NewButton("Cancel", nil)
		win.SetContent(container.NewVBox(primary, plain))
		win.Resize(fyne.NewSize(200, 120))
		for _, b := range []*widget.Button{primary, plain} {
			at := func() color.Color {
				img := win.Canvas().Capture()
				p := b.Position().Add(fyne.NewPos(6, b.Size().Height/2))
				s := win.Canvas().Scale()
				return img.At(int(p.X*s), int(p.Y*s))
			}
			win.Canvas().Focus(nil)
			before := at()
			win.Canvas().Focus(b)
			after := at()
			if colorDistance(before, after) < 90 {
				t.Errorf("%s, %q: focused %v vs %v: the focus mark is hard to see", variant, b.Text, after, before)
			}
		}
		win.Close()
	}
}
