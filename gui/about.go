package gui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/net/wire"
)

// ReadmeURL is where both apps' About dialogs point for documentation.
const ReadmeURL = "https://github.com/multichat/multichat#readme"

// aboutVersion is the app's version from FyneApp.toml (set by `fyne build` /
// `fyne package`), or "dev" for a plain `go build`.
func aboutVersion(a fyne.App) string {
	if a == nil {
		return "dev"
	}
	if v := a.Metadata().Version; v != "" {
		return v
	}
	return "dev"
}

// ShowAbout shows the About dialog over w: the app's name and icon, its
// version, the protocol version it speaks and a link to the README. Both apps
// use it from their Help menu.
func ShowAbout(w fyne.Window, appName string) {
	newAbout(w, appName).Show()
}

// newAbout builds the About dialog without showing it.
func newAbout(w fyne.Window, appName string) dialog.Dialog {
	a := fyne.CurrentApp()

	title := widget.NewLabelWithStyle(appName, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	lines := container.NewVBox(
		title,
		widget.NewLabelWithStyle(lang.L("A real-time chat for your local network"), fyne.TextAlignCenter, fyne.TextStyle{}),
		widget.NewLabelWithStyle(lang.L("Version {{.Version}}  ·  protocol version {{.Protocol}}", map[string]any{"Version": aboutVersion(a), "Protocol": wire.Version}),
			fyne.TextAlignCenter, fyne.TextStyle{}),
	)
	if u, err := url.Parse(ReadmeURL); err == nil {
		link := widget.NewHyperlink(lang.L("README and documentation"), u)
		link.Alignment = fyne.TextAlignCenter
		lines.Add(link)
	}

	var content fyne.CanvasObject = lines
	if a != nil && a.Icon() != nil {
		icon := widget.NewIcon(a.Icon())
		content = container.NewVBox(container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(64), icon)), lines)
	}
	return dialog.NewCustom(lang.L("About {{.App}}", map[string]any{"App": appName}), lang.L("Close"), content, w)
}
