// Package assets holds MultiChat's embedded resources: the two application
// icons (drawn for this project; SVG sources in icons/, PNGs rendered with
// scripts/render-icons) and a Hangul-capable font, NanumGothic regular and
// bold from Debian's fonts-nanum (SIL Open Font License 1.1, see
// fonts/OFL.txt), for the GUI theme to use as its text font.
//
// The font files are not kept in the repository (4.5 MiB each): `make fonts`,
// which every build, test and packaging target runs, copies them from
// fonts-nanum into fonts/, and they are embedded from there. A binary built
// without them (a plain `go build`) reads the system's fonts-nanum copy
// instead, and without that the font resources are nil. Either way a font's
// bytes are read on its first use, not at start-up (embed.FS hands out a
// copy), so a program that draws no text (the headless server) holds none.
//
// Every value is a fyne.Resource ready for Window.SetIcon, App.SetIcon or a
// theme's Font method, safe for concurrent use.
package assets

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"fyne.io/fyne/v2"
)

var (
	//go:embed icons/server.png
	serverIconPNG []byte
	//go:embed icons/client.png
	clientIconPNG []byte
	//go:embed fonts
	fonts embed.FS
)

// SystemFontDir is where Debian's fonts-nanum installs NanumGothic, read when
// the fonts were not embedded at build time.
const SystemFontDir = "/usr/share/fonts/truetype/nanum"

// font returns the named font as a resource: the embedded copy, else the
// system's (if it can be opened), else nil. Its bytes are read when first
// asked for.
func font(name string) fyne.Resource {
	if _, err := fs.Stat(fonts, "fonts/"+name); err == nil {
		return &lazyFont{name: name, read: func() ([]byte, error) { return fonts.ReadFile("fonts/" + name) }}
	}
	path := filepath.Join(SystemFontDir, name)
	if f, err := os.Open(path); err == nil {
		_ = f.Close()
		return &lazyFont{name: name, read: func() ([]byte, error) { return os.ReadFile(path) }}
	}
	return nil
}

// lazyFont is a font resource whose content is read once, on first use.
type lazyFont struct {
	name string
	read func() ([]byte, error)
	once sync.Once
	data []byte
}

func (f *lazyFont) Name() string { return f.name }

func (f *lazyFont) Content() []byte {
	f.once.Do(func() { f.data, _ = f.read() })
	return f.data
}

var (
	// ServerIcon is the server app's 512×512 PNG icon: a server rack with a
	// chat bubble.
	ServerIcon fyne.Resource = fyne.NewStaticResource("chatserver.png", serverIconPNG)

	// ClientIcon is the client app's 512×512 PNG icon: two speech bubbles.
	ClientIcon fyne.Resource = fyne.NewStaticResource("chatclient.png", clientIconPNG)

	// HangulFont is NanumGothic Regular (TrueType), covering Hangul, Latin
	// and common symbols; nil when neither embedded nor installed.
	HangulFont = font("NanumGothic.ttf")

	// HangulFontBold is NanumGothic Bold (TrueType); nil like HangulFont.
	HangulFontBold = font("NanumGothicBold.ttf")
)
