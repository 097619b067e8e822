package gui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/trust"
)

// Preference keys of the Settings dialog.
const (
	prefNotify    = "client.notify"
	prefCollapse  = "client.collapse"
	prefDownloads = "client.downloads" // read by cmd/chatclient at start
	prefVariant   = "client.theme"
	prefScale     = "client.textscale"
	// prefAutoAccept is the largest file accepted without asking from
	// people I have a private chat with (0: always ask).
	prefAutoAccept = "client.autoaccept"
)

// autoAccepts are the sizes offered for accepting without asking.
var autoAccepts = []struct {
	name func() string // in the interface's language
	size int
}{
	{func() string { return lang.L("Never (always ask)") }, 0},
	{func() string { return lang.L("Up to 10 MB") }, 10 << 20},
	{func() string { return lang.L("Up to 100 MB") }, 100 << 20},
	{func() string { return lang.L("Up to 1 GB") }, 1 << 30},
}

func autoAcceptNames() []string {
	var names []string
	for _, a := range autoAccepts {
		names = append(names, a.name())
	}
	return names
}

func autoAcceptName(size int) string {
	for _, a := range autoAccepts {
		if a.size == size {
			return a.name()
		}
	}
	return autoAccepts[0].name()
}

func autoAcceptSize(name string) int {
	for _, a := range autoAccepts {
		if a.name() == name {
			return a.size
		}
	}
	return 0
}

var textSizes = []struct {
	name  func() string
	scale float32
}{
	{func() string { return lang.L("Small") }, 0.85},
	{func() string { return lang.L("Normal") }, 1},
	{func() string { return lang.L("Large") }, 1.2},
	{func() string { return lang.L("Larger") }, 1.45},
}

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
	notify := newDialogCheck(lang.L("Desktop notifications for private messages and mentions"), nil)
	notify.SetChecked(p.BoolWithFallback(prefNotify, true))
	collapse := newDialogCheck(lang.L("Fold joins and leaves into one line (“5 people joined”)"), nil)
	collapse.SetChecked(w.m.Collapse)
	folder := newDialogEntry() // Escape cancels, Enter saves
	folder.SetPlaceHolder(client.DefaultDownloadDir())
	folder.SetText(p.String(prefDownloads))
	browse := widget.NewButton(lang.L("Choose…"), func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				folder.SetText(u.Path())
			}
		}, w.win)
	})
	variants := []string{"system", "light", "dark"}
	variant := newDialogSelect([]string{lang.L("System"), lang.L("Light"), lang.L("Dark")}, nil)
	variant.SetSelected(variant.Options[max(0, slices.Index(variants, ClientAppearance(p).Variant))])
	size := newDialogSelect(nil, nil)
	cur := ClientAppearance(p).Scale
	for _, s := range textSizes {
		size.Options = append(size.Options, s.name())
		if s.scale == cur {
			size.Selected = s.name()
		}
	}
	if size.Selected == "" {
		size.Selected = textSizes[1].name()
	}
	auto := newDialogSelect(autoAcceptNames(), nil)
	auto.SetSelected(autoAcceptName(p.Int(prefAutoAccept)))
	language := languageSelect(p)
	presence := w.presenceSettings(p)
	trusted := w.trustedServers()
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Notifications"), notify),
		widget.NewFormItem(lang.L("Download folder"), container.NewBorder(nil, nil, nil, browse, folder)),
		widget.NewFormItem(lang.L("Accept files without asking"), auto),
		widget.NewFormItem(lang.L("Theme"), variant),
		widget.NewFormItem(lang.L("Text size"), size),
		widget.NewFormItem(lang.L("Language"), language.Select),
		widget.NewFormItem(lang.L("Joins and leaves"), collapse),
	}
	items = append(items, presence.items...)
	items = append(items, widget.NewFormItem(lang.L("Trusted servers"), trusted))
	items[1].HintText = lang.L("Files you accept from now on are saved there.")
	items[2].HintText = lang.L("Only from people you have a private chat with.")
	items[5].HintText = lang.L("Used from the next start of MultiChat.")
	var d dialog.Dialog
	save := func() {
		p.SetBool(prefNotify, notify.Checked)
		p.SetBool(prefCollapse, collapse.Checked)
		w.m.Collapse = collapse.Checked
		p.SetString(prefDownloads, folder.Text)
		w.out.send(client.SetDownloadDir{Dir: folder.Text})
		p.SetInt(prefAutoAccept, autoAcceptSize(auto.Selected))
		w.m.AutoAcceptMax = int64(p.Int(prefAutoAccept))
		ap := Appearance{Variant: variants[max(0, slices.Index(variant.Options, variant.Selected))], Scale: 1}
		for _, s := range textSizes {
			if s.name() == size.Selected {
				ap.Scale = s.scale
			}
		}
		p.SetString(prefVariant, ap.Variant)
		p.SetFloat(prefScale, float64(ap.Scale))
		language.save()
		presence.save()
		w.app.Settings().SetTheme(NewThemeWith(ap))
		w.restyle()
	}
	d = dialog.NewForm(lang.L("Settings"), lang.L("Save"), lang.L("Cancel"), items, func(ok bool) {
		if ok {
			save()
		}
	}, w.win)
	d.Resize(fyne.NewSize(680, 600))
	folder.onEscape = d.Hide
	folder.OnSubmitted = func(string) { save(); d.Hide() }
	dialogKeysTo(d, func() { save(); d.Hide() }, append(presence.keyed, notify, collapse, variant, size, auto, language.Select)...)
	w.openModal(d, func() { save(); d.Hide() }, nil)
}

// restyle measures text again after a theme change and lays every
// conversation out again.
func (w *ClientWindow) restyle() {
	w.meas = newMeasurer()
	w.rowH = w.meas.lineH
	w.timeW = max(fyne.MeasureText("00:00", w.meas.size, fyne.TextStyle{}).Width,
		fyne.MeasureText(notSentMark(), w.meas.size, fyne.TextStyle{}).Width)
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
		l := widget.NewLabel(lang.L("None yet: a server is added when you trust it at its first connection."))
		l.Importance = widget.LowImportance
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	pins, err := trust.OpenPins(w.dataDir).List()
	if err != nil {
		l := widget.NewLabel(lang.L("Cannot read the trusted servers: {{.Why}}", map[string]any{"Why": clientmodel.Plain(err, "")}))
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
		return box
	}
	for _, pin := range pins {
		addr := widget.NewLabelWithStyle(pin.Addr, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		fp := widget.NewLabelWithStyle(pin.Fingerprint.String(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		fp.Wrapping = fyne.TextWrapWord
		var row *fyne.Container
		remove := widget.NewButton(lang.L("Remove"), func() {
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
