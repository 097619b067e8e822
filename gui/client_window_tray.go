package gui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/assets"
)

// The client's system tray icon (where the desktop has a tray): its menu
// shows the window, sets away and quits; a red mark on it says that
// messages for me came while the window was not looked at. With the
// "close to tray" setting (off by default), closing the window hides it
// there instead of quitting.

// trayApp is what the tray needs of the app (desktop.App's tray methods).
type trayApp interface {
	SetSystemTrayMenu(*fyne.Menu)
	SetSystemTrayIcon(fyne.Resource)
}

// tray is the window's tray icon and menu; nil without a tray.
type tray struct {
	app    trayApp
	away   *fyne.MenuItem
	menu   *fyne.Menu
	unread bool // the icon shows the unread mark
}

// setupTray puts the icon and menu in the tray, if the app has one.
func (w *ClientWindow) setupTray() {
	ta, ok := w.app.(trayApp)
	if !ok {
		return
	}
	t := &tray{app: ta}
	show := fyne.NewMenuItem(lang.L("Show MultiChat"), func() {
		w.win.Show()
		w.win.RequestFocus()
	})
	t.away = fyne.NewMenuItem(lang.L("Away"), w.toggleAway)
	quit := fyne.NewMenuItem(lang.L("Quit"), w.app.Quit)
	quit.IsQuit = true
	t.menu = fyne.NewMenu("MultiChat", show, t.away, fyne.NewMenuItemSeparator(), quit)
	ta.SetSystemTrayMenu(t.menu)
	ta.SetSystemTrayIcon(assets.ClientIcon)
	w.tray = t
	w.win.SetCloseIntercept(w.closeTapped)
}

// closeTapped hides the window in the tray when the setting asks for it,
// else closes it (which quits).
func (w *ClientWindow) closeTapped() {
	if w.tray != nil && w.app.Preferences().Bool(prefCloseTray) {
		w.win.Hide()
		return
	}
	w.win.Close()
}

// drawTray updates the tray's away check and unread mark.
func (w *ClientWindow) drawTray() {
	t := w.tray
	if t == nil {
		return
	}
	if t.away.Checked != w.m.Away {
		t.away.Checked = w.m.Away
		t.menu.Refresh()
	}
	if unread := w.m.TitleUnread > 0; unread != t.unread {
		t.unread = unread
		if unread {
			t.app.SetSystemTrayIcon(unreadIcon())
		} else {
			t.app.SetSystemTrayIcon(assets.ClientIcon)
		}
	}
}

// unreadIcon is the client icon with a red dot in its top right corner.
var unreadIcon = sync.OnceValue(func() fyne.Resource {
	src, err := png.Decode(bytes.NewReader(assets.ClientIcon.Content()))
	if err != nil {
		return assets.ClientIcon
	}
	b := src.Bounds()
	img := image.NewNRGBA(b)
	draw.Draw(img, b, src, b.Min, draw.Src)
	r := b.Dx() / 5
	cx, cy := b.Max.X-r-b.Dx()/32, b.Min.Y+r+b.Dy()/32
	red, white := color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	for y := cy - r - 8; y <= cy+r+8; y++ {
		for x := cx - r - 8; x <= cx+r+8; x++ {
			d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
			switch {
			case d <= r*r:
				img.SetNRGBA(x, y, red)
			case d <= (r+8)*(r+8):
				img.SetNRGBA(x, y, white) // a ring, so that the mark shows on any panel colour
			}
		}
	}
	var buf bytes.Buffer
	if png.Encode(&buf, img) != nil {
		return assets.ClientIcon
	}
	return fyne.NewStaticResource("chatclient-unread.png", buf.Bytes())
})
