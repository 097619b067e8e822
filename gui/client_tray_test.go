package gui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/assets"
	"github.com/multichat/multichat/net/client"
)

// trayTestApp is a test app with a system tray that records what it shows.
type trayTestApp struct {
	fyne.App
	menu *fyne.Menu
	icon fyne.Resource
}

func (a *trayTestApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menu = m }
func (a *trayTestApp) SetSystemTrayIcon(r fyne.Resource) { a.icon = r }

// TestClientTray: the tray menu shows the window, sets away and quits; the
// icon is marked while private messages wait unread; closing hides the
// window only with the "close to tray" setting.
func TestClientTray(t *testing.T) {
	a := &trayTestApp{App: test.NewTempApp(t)}
	win := a.NewWindow("")
	cmds := make(chan client.Command, 1000)
	w := NewClientWindow(a, win, cmds, nil, ClientOptions{Addr: "127.0.0.1:7878", Nick: "alice"})
	t.Cleanup(func() {
		select {
		case <-w.closed:
		default:
			win.Close()
		}
	})
	if a.menu == nil || a.icon != assets.ClientIcon {
		t.Fatal("no tray menu or icon")
	}
	var labels []string
	for _, i := range a.menu.Items {
		labels = append(labels, i.Label)
	}
	if len(labels) != 4 || labels[0] != "Show MultiChat" || labels[1] != "Away" || labels[3] != "Quit" || !a.menu.Items[3].IsQuit {
		t.Fatalf("tray menu %q", labels)
	}
	connectAs(t, w, cmds, "bob")

	a.menu.Items[1].Action() // Away
	if c, ok := nextCmd(t, cmds).(client.SetAway); !ok || !c.Away || !a.menu.Items[1].Checked {
		t.Fatalf("tray Away: %#v checked %v", c, a.menu.Items[1].Checked)
	}
	a.menu.Items[1].Action()
	nextCmd(t, cmds)

	w.change(func() { w.m.SetFocused(false) })
	w.apply([]client.Event{client.Message{Private: true, From: "bob", To: "alice", Text: "hi", Time: time.Now()}})
	if a.icon == assets.ClientIcon || a.icon == nil {
		t.Fatal("no unread mark for a private message while away from the window")
	}
	w.change(func() { w.m.SetFocused(true) })
	if a.icon != assets.ClientIcon {
		t.Fatal("the unread mark stayed after the window was looked at")
	}

	w.closeTapped() // the setting is off: the window closes
	select {
	case <-w.closed:
	default:
		t.Fatal("close did not close the window with close-to-tray off")
	}
}

// TestClientCloseToTray: with the setting on, closing hides the window.
func TestClientCloseToTray(t *testing.T) {
	a := &trayTestApp{App: test.NewTempApp(t)}
	a.Preferences().SetBool(prefCloseTray, true)
	win := a.NewWindow("")
	w := NewClientWindow(a, win, make(chan client.Command, 10), nil, ClientOptions{Addr: "127.0.0.1:7878", Nick: "alice"})
	t.Cleanup(win.Close)
	w.closeTapped()
	select {
	case <-w.closed:
		t.Fatal("close-to-tray closed the window")
	default:
	}
}
