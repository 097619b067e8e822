package gui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/discovery"
	"github.com/multichat/multichat/net/trust"
	"github.com/multichat/multichat/net/wire"
)

// fakeLAN is a browse source whose events the test hands over: deliver
// sends them to the running search and ends it (its channel closed, its
// pump done); ctxs records the searches.
type fakeLAN struct {
	ch   chan discovery.Event
	ctxs []context.Context
}

func (f *fakeLAN) browse(ctx context.Context) <-chan discovery.Event {
	f.ctxs = append(f.ctxs, ctx)
	f.ch = make(chan discovery.Event, 16)
	return f.ch
}

// deliver hands evs to the window's search and waits until they are shown.
func (f *fakeLAN) deliver(t *testing.T, w *ClientWindow, evs ...discovery.Event) {
	t.Helper()
	for _, ev := range evs {
		f.ch <- ev
	}
	close(f.ch)
	waitLAN(t, w)
}

func lanServer(kind discovery.EventKind, name, addr string, people int, password bool, fp string) discovery.Event {
	return discovery.Event{Kind: kind, Server: discovery.Server{Instance: name, Addr: addr, Addrs: []string{addr},
		Info: discovery.Info{Name: name, Version: wire.Version, People: people, Password: password, Fingerprint: fp}}}
}

// waitLAN waits until the search's events are applied (its pump ended).
func waitLAN(t *testing.T, w *ClientWindow) {
	t.Helper()
	select {
	case <-w.search.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the search's events were not applied")
	}
}

// shownServers returns the server rows on screen as "title|marks|detail".
func shownServers(w *ClientWindow) []string {
	var out []string
	for _, o := range test.LaidOutObjects(w.serverList) {
		if r, ok := o.(*serverRow); ok && r.Visible() && r.id >= 0 && r.id < len(w.serverRows) {
			out = append(out, r.title.Text+"|"+r.marks.Text+"|"+r.detail.Text)
		}
	}
	slices.Sort(out)
	return out
}

func TestClientConnectFormListsLANServers(t *testing.T) {
	fpRoom := trust.Fingerprint{7, 7, 7}
	lan := &fakeLAN{}
	w, cmds := newTestClient(t, ClientOptions{Nick: "alice", Addr: "127.0.0.1:7878", Browse: lan.browse})
	if got := w.serverStatus.Text; got != "Looking for servers on this network…" {
		t.Errorf("status %q", got)
	}
	lan.deliver(t, w, discovery.Event{Kind: discovery.Searched},
		lanServer(discovery.Found, "Room 7", "10.0.0.5:7878", 12, true, fpRoom.String()),
		lanServer(discovery.Found, "Lab", "10.0.0.7:7878", 0, false, ""))
	if got := w.serverStatus.Text; got != "2 servers found on this network" {
		t.Errorf("status %q", got)
	}
	want := []string{
		"Lab|Not encrypted|10.0.0.7:7878 · nobody online",
		"Room 7|Password|10.0.0.5:7878 · 12 people online",
	}
	if got := shownServers(w); !slices.Equal(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}

	// Live: one stops answering.
	w.applyLAN(w.lanGen, []discovery.Event{{Kind: discovery.Lost, Server: discovery.Server{Instance: "Lab"}}})
	if got := shownServers(w); len(got) != 1 || !strings.HasPrefix(got[0], "Room 7|") {
		t.Errorf("after Lost: %q", got)
	}

	// A click fills the form and connects; the search stops once connected.
	test.Tap(firstServerRow(t, w))
	c, ok := nextCmd(t, cmds).(client.Connect)
	if !ok || c.Addr != "10.0.0.5:7878" || c.Nick != "alice" || c.Plaintext || w.addr.Text != "10.0.0.5:7878" {
		t.Fatalf("Connect %#v, form %q", c, w.addr.Text)
	}
	// The trust prompt shows the announced fingerprint beside its own.
	w.apply([]client.Event{client.TrustNeeded{Addr: c.Addr, Server: "Room 7", Fingerprint: fpRoom}})
	if w.prompt == nil || !strings.Contains(w.m.Prompt.Announced, "announced the same fingerprint") {
		t.Fatalf("trust prompt %+v", w.m.Prompt)
	}
	if !strings.Contains(overlayTexts(w.win), "announced the same fingerprint") {
		t.Error("the dialog does not show the announced fingerprint")
	}
	w.win.Canvas().Focus(nil)
	w.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if ts, ok := nextCmd(t, cmds).(client.TrustServer); !ok || ts.Fingerprint != fpRoom {
		t.Fatalf("trust %#v", ts)
	}
	w.apply([]client.Event{client.Connected{Session: c.Session, Addr: c.Addr, Nick: "alice", Server: "Room 7", Lobby: "lobby",
		Users: []string{"alice"}, Encrypted: true}})
	if w.search != nil || lan.ctxs[0].Err() == nil {
		t.Error("still searching the network while chatting")
	}
	if got := w.app.Preferences().String(prefRecent); !strings.Contains(got, `"addr":"10.0.0.5:7878"`) || !strings.Contains(got, `"nick":"alice"`) {
		t.Errorf("recent servers saved as %q", got)
	}

	// The connection drops: the window searches again to follow the
	// server, and when it answers at another address (DHCP) the session
	// is redirected there; once back, the search stops.
	w.apply([]client.Event{client.Disconnected{Session: c.Session, Err: errors.New("connection reset")}})
	if len(lan.ctxs) != 2 || w.search == nil {
		t.Fatalf("not searching while reconnecting: %d", len(lan.ctxs))
	}
	lan.deliver(t, w, lanServer(discovery.Updated, "Room 7", "10.0.0.41:7878", 12, true, fpRoom.String()))
	if rd, ok := nextCmd(t, cmds).(client.Redirect); !ok || rd.Addr != "10.0.0.41:7878" {
		t.Fatalf("redirect %#v", rd)
	}
	w.apply([]client.Event{client.Connected{Session: c.Session, Addr: "10.0.0.41:7878", Nick: "alice", Server: "Room 7", Lobby: "lobby",
		Users: []string{"alice"}, Encrypted: true, Rejoin: true}})
	if w.search != nil || lan.ctxs[1].Err() == nil || !strings.Contains(shownText(w), "now answers at 10.0.0.41:7878") {
		t.Errorf("after the move: searching %v, log:\n%s", w.search != nil, shownText(w))
	}

	// Back on the form (Change server…), a new search starts; the server
	// used is listed as used before.
	w.change(w.m.ChangeServer)
	if len(lan.ctxs) != 3 || w.search == nil {
		t.Fatalf("no new search: %d", len(lan.ctxs))
	}
	lan.deliver(t, w, lanServer(discovery.Found, "Room 7", "10.0.0.5:7878", 1, true, fpRoom.String()),
		lanServer(discovery.Found, "Lab", "10.0.0.7:7878", 0, false, ""))
	if got := shownServers(w); len(got) != 2 || !strings.Contains(got[1], "Room 7|Password · Used before|10.0.0.5:7878") {
		t.Errorf("rows after reconnecting to the form: %q", got)
	}
}

func TestClientRecentServersWithoutLAN(t *testing.T) {
	a := test.NewTempApp(t)
	a.Preferences().SetString(prefRecent, `[{"addr":"10.0.0.9:7878","name":"Library","nick":"minsu","plaintext":true}]`)
	cmds := make(chan client.Command, 10)
	win := a.NewWindow("")
	w := NewClientWindow(a, win, cmds, nil, ClientOptions{Addr: "127.0.0.1:7878"})
	win.Resize(fyne.NewSize(960, 640))
	t.Cleanup(win.Close)
	if got := w.serverStatus.Text; got != "Servers you used before:" {
		t.Errorf("status %q", got)
	}
	if got := shownServers(w); len(got) != 1 || got[0] != "Library|Not encrypted · Used before|10.0.0.9:7878" {
		t.Errorf("rows %q", got)
	}
	// A click fills address, nickname and the plaintext choice, and connects.
	test.Tap(firstServerRow(t, w))
	c, ok := nextCmd(t, cmds).(client.Connect)
	if !ok || c.Addr != "10.0.0.9:7878" || c.Nick != "minsu" || !c.Plaintext {
		t.Fatalf("Connect %#v", c)
	}
	w.change(w.m.Cancel)
	// Forget it (right click).
	firstServerRow(t, w).TappedSecondary(&fyne.PointEvent{})
	menu := w.win.Canvas().Overlays().Top()
	if menu == nil {
		t.Fatal("no menu")
	}
	tapMenuItem(t, menu, "Forget this server")
	if got := shownServers(w); len(got) != 0 || a.Preferences().String(prefRecent) != "[]" {
		t.Errorf("after Forget: %q, saved %q", got, a.Preferences().String(prefRecent))
	}
}

func firstServerRow(t *testing.T, w *ClientWindow) *serverRow {
	t.Helper()
	var first *serverRow
	for _, o := range test.LaidOutObjects(w.serverList) {
		if r, ok := o.(*serverRow); ok && r.Visible() && r.id == 0 {
			first = r
		}
	}
	if first == nil {
		t.Fatal("no server row on screen")
	}
	return first
}

// tapMenuItem taps the item labelled text in a pop-up menu.
func tapMenuItem(t *testing.T, menu fyne.CanvasObject, text string) {
	t.Helper()
	var item fyne.Tappable // the innermost one holding the text
	walkTree(menu, func(o fyne.CanvasObject) {
		tp, ok := o.(fyne.Tappable)
		if !ok {
			return
		}
		walkTree(o, func(in fyne.CanvasObject) {
			if tx, ok := in.(*canvas.Text); ok && tx.Text == text {
				item = tp
			}
		})
	})
	if item == nil {
		t.Fatalf("no menu item %q", text)
	}
	item.Tapped(&fyne.PointEvent{})
}
