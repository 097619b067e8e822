// Package assets holds MultiChat's embedded resources: the two application
// icons (drawn for this project; SVG sources in icons/, PNGs rendered with
// scripts/render-icons) and a Hangul-capable font, NanumGothic regular and
// bold from Debian's fonts-nanum (SIL Open Font License 1.1, see
// fonts/OFL.txt), for the GUI theme to use as its text font or fallback.
//
// Every value is a fyne.Resource ready for Window.SetIcon, App.SetIcon or a
// theme's Font method. The package has no state and no side effects.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

var (
	//go:embed icons/server.png
	serverIconPNG []byte
	//go:embed icons/client.png
	clientIconPNG []byte
	//go:embed fonts/NanumGothic.ttf
	nanumGothic []byte
	//go:embed fonts/NanumGothicBold.ttf
	nanumGothicBold []byte
)

var (
	// ServerIcon is the server app's 512×512 PNG icon: a server rack with a
	// chat bubble.
	ServerIcon fyne.Resource = fyne.NewStaticResource("chatserver.png", serverIconPNG)

	// ClientIcon is the client app's 512×512 PNG icon: two speech bubbles.
	ClientIcon fyne.Resource = fyne.NewStaticResource("chatclient.png", clientIconPNG)

	// HangulFont is NanumGothic Regular (TrueType), covering Hangul, Latin
	// and common symbols.
	HangulFont fyne.Resource = fyne.NewStaticResource("NanumGothic.ttf", nanumGothic)

	// HangulFontBold is NanumGothic Bold (TrueType).
	HangulFontBold fyne.Resource = fyne.NewStaticResource("NanumGothicBold.ttf", nanumGothicBold)
)
