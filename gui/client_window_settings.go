package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/trust"
)

// Preference keys of the Settings dialog.
const (
	prefNotify    = "client.notify"
	prefCollapse  = "client.collapse"
	prefDownloads = "client.downloads" // read by cmd/chatclient at start
	prefVariant   = "client.theme"
	prefScale     = "client.textscale"
)

var textSizes = []struct {
	name  string
	scale float32
}{{"Small", 0.85}, {"Normal", 1}, {"Large", 1.2}, {"Larger", 1.45}}

// ClientAppearance is the theme the client's settings ask for.
func ClientAppearance(p fyne.Preferences) Appearance {
	return Appearance{Variant: p.StringWithFallback(prefVariant, "system"), Scale: float32(p.FloatWithFallback(prefScale, 1))}
}

// DownloadDir is the download folder chosen in Settings, or "" for the
// default.
func DownloadDir(p fyne.Preferences) string { return p.String(prefDownloads) }

// showSettings opens the Settings dialog; Save (or Enter) applies, Escape or
// Cancel leaves everything as it was.
func (w *ClientWindow) showSettings() {
	p := w.app.Preferences()
	notify := widget.NewCheck("Desktop notifications for private messages and mentions", nil)
	notify.SetChecked(p.BoolWithFallback(prefNotify, true))
	collapse := widget.NewCheck("Fold joins and leaves into one line (“5 people joined”)", nil)
	collapse.SetChecked(w.m.Collapse)
	folder := newDialogEntry() // Escape cancels, Enter saves
	folder.SetPlaceHolder("Downloads/received_files (default)")
	folder.SetText(p.String(prefDownloads))
	browse := widget.NewButton("Choose…", func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				folder.SetText(u.Path())
			}
		}, w.win)
	})
	variant := widget.NewRadioGroup([]string{"System", "Light", "Dark"}, nil)
	variant.Horizontal = true
	switch ClientAppearance(p).Variant {
	case "light":
		variant.SetSelected("Light")
	case "dark":
		variant.SetSelected("Dark")
	default:
		variant.SetSelected("System")
	}
	size := widget.NewSelect(nil, nil)
	cur := ClientAppearance(p).Scale
	for _, s := range textSizes {
		size.Options = append(size.Options, s.name)
		if s.scale == cur {
			size.Selected = s.name
		}
	}
	if size.Selected == "" {
		size.Selected = "Normal"
	}
	trusted := w.trustedServers()
	items := []*widget.FormItem{
		widget.NewFormItem("Notifications", notify),
		widget.NewFormItem("Download folder", container.NewBorder(nil, nil, nil, browse, folder)),
		widget.NewFormItem("Theme", variant),
		widget.NewFormItem("Text size", size),
		widget.NewFormItem("Joins and leaves", collapse),
		widget.NewFormItem("Trusted servers", trusted),
	}
	items[1].HintText = "Used from the next start of MultiChat."
	var d dialog.Dialog
	save := func() {
		p.SetBool(prefNotify, notify.Checked)
		p.SetBool(prefCollapse, collapse.Checked)
		w.m.Collapse = collapse.Checked
		p.SetString(prefDownloads, folder.Text)
		ap := Appearance{Variant: map[string]string{"Light": "light", "Dark": "dark"}[variant.Selected], Scale: 1}
		if ap.Variant == "" {
			ap.Variant = "system"
		}
		for _, s := range textSizes {
			if s.name == size.Selected {
				ap.Scale = s.scale
			}
		}
		p.SetString(prefVariant, ap.Variant)
		p.SetFloat(prefScale, float64(ap.Scale))
		w.app.Settings().SetTheme(NewThemeWith(ap))
		w.restyle()
	}
	d = dialog.NewForm("Settings", "Save", "Cancel", items, func(ok bool) {
		if ok {
			save()
		}
	}, w.win)
	d.Resize(fyne.NewSize(640, 480))
	folder.onEscape = d.Hide
	folder.OnSubmitted = func(string) { save(); d.Hide() }
	w.openModal(d, func() { save(); d.Hide() }, nil)
}

// restyle measures text again after a theme change and lays every
// conversation out again.
func (w *ClientWindow) restyle() {
	w.meas = newMeasurer()
	w.rowH = w.meas.lineH
	w.timeW = max(fyne.MeasureText("00:00", w.meas.size, fyne.TextStyle{}).Width,
		fyne.MeasureText("not sent", w.meas.size, fyne.TextStyle{}).Width)
	w.bulletW = fyne.MeasureText("•", w.meas.size, fyne.TextStyle{}).Width
	for _, v := range w.views {
		v.wrapW = -1
	}
	if w.shown != nil {
		w.sync(w.shown)
	}
	w.win.Content().Refresh()
}

// trustedServers lists the trusted servers (address → fingerprint), each
// with Remove: a server whose identity changed can then be trusted again.
func (w *ClientWindow) trustedServers() fyne.CanvasObject {
	box := container.NewVBox()
	empty := func() {
		l := widget.NewLabel("None yet: a server is added when you trust it at its first connection.")
		l.Importance = widget.LowImportance
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	pins, err := trust.OpenPins(w.dataDir).List()
	if err != nil {
		l := widget.NewLabel("Cannot read the trusted servers: " + err.Error())
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
		return box
	}
	for _, pin := range pins {
		addr := widget.NewLabelWithStyle(pin.Addr, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		fp := widget.NewLabelWithStyle(pin.Fingerprint.String(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		fp.Wrapping = fyne.TextWrapWord
		var row *fyne.Container
		remove := widget.NewButton("Remove", func() {
			w.change(func() { w.m.ForgetServer(pin.Addr) })
			box.Remove(row)
			if len(box.Objects) == 0 {
				empty()
			}
		})
		row = container.NewBorder(nil, nil, nil, remove, container.NewVBox(addr, fp))
		box.Add(row)
	}
	if len(pins) == 0 {
		empty()
	}
	return box
}
