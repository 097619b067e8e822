package gui

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// fileE2E connects alice and bob (real windows, real sessions, a real
// server) and opens their private chat on both sides.
func fileE2E(t *testing.T) (alice, bob *e2eClient) {
	t.Helper()
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice = startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	bob = startE2EClient(t, a, srv.Addr, srv.Fingerprint, "bob")
	for _, c := range []*e2eClient{alice, bob} {
		test.Tap(c.w.connectBtn)
		c.until("connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	}
	alice.until("alice sees bob", func() bool { return alice.w.usersTitle.Text == "Online — 2" })
	alice.w.change(func() { alice.w.m.OpenPrivate("bob") })
	bob.w.change(func() { bob.w.m.OpenPrivate("alice") })
	return alice, bob
}

func writeFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	rand.Read(data)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// card returns the window's card whose title contains name, or nil.
func card(w *ClientWindow, name string) *fileCard {
	for _, c := range w.cards {
		if strings.Contains(c.title.Text, name) {
			return c
		}
	}
	return nil
}

func visible(o fyne.CanvasObject) bool { return o.Visible() }

// An offer is a card: nothing is written before Accept; Decline tells the
// sender; Accept saves the file, and the card offers Open and Show in folder.
func TestClientFileConsent(t *testing.T) {
	alice, bob := fileE2E(t)
	dir := t.TempDir()
	declined, _ := writeFile(t, dir, "광고 파일.exe", 1000)
	wanted, data := writeFile(t, dir, "보고서 최종.pdf", 300<<10)

	enter(alice.w, `/send "`+declined+`"`)
	bob.until("bob sees the offer", func() bool { return card(bob.w, "광고 파일.exe") != nil })
	c := card(bob.w, "광고 파일.exe")
	if !visible(c.accept) || !visible(c.decline) || visible(c.cancel) || !strings.Contains(c.title.Text, "alice offers") {
		t.Fatalf("offer card: %q, accept %v", c.title.Text, visible(c.accept))
	}
	if entries, _ := os.ReadDir(bob.downloads); len(entries) != 0 {
		t.Fatalf("before Accept the download folder holds %v", entries)
	}
	test.Tap(c.decline)
	bob.until("bob's card says declined", func() bool { return !visible(c.decline) && visible(c.x) })
	alice.until("alice is told", func() bool {
		ac := card(alice.w, "광고 파일.exe")
		return ac != nil && strings.Contains(ac.info.Text, "bob: declined")
	})

	// Two files dropped on the window at once.
	other, _ := writeFile(t, dir, "second.txt", 10)
	alice.w.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(wanted), storage.NewFileURI(other)})
	bob.until("bob sees both offers", func() bool { return card(bob.w, "보고서 최종.pdf") != nil && card(bob.w, "second.txt") != nil })
	c = card(bob.w, "보고서 최종.pdf")
	test.Tap(c.accept)
	bob.until("received", func() bool { return visible(c.open) })
	if !visible(c.folder) || !strings.Contains(c.info.Text, filepath.Join(bob.downloads, "보고서 최종.pdf")) {
		t.Fatalf("done card: %q", c.info.Text)
	}
	if got, err := os.ReadFile(filepath.Join(bob.downloads, "보고서 최종.pdf")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("saved file differs (%v)", err)
	}
	test.Tap(c.x)
	if card(bob.w, "보고서 최종.pdf") != nil {
		t.Fatal("dismissed card still shown")
	}

	// The sender cancels the other offer: bob's card says why.
	alice.until("alice's card", func() bool { return card(alice.w, "second.txt") != nil })
	ac := card(alice.w, "second.txt")
	if !visible(ac.cancel) {
		t.Fatal("alice's card for second.txt has no Cancel")
	}
	test.Tap(ac.cancel)
	bob.until("bob is told", func() bool {
		c := card(bob.w, "second.txt")
		return c != nil && strings.Contains(c.info.Text, "canceled by the sender")
	})
	if _, err := os.Stat(filepath.Join(bob.downloads, "second.txt")); err == nil {
		t.Fatal("a canceled offer was saved")
	}
}

// Settings: the download folder's default is the desktop's (here a Korean
// XDG folder, ~/다운로드), and a folder chosen there, and the auto-accept
// size, apply at once: the session is told, no restart.
func TestClientFileSettings(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.MkdirAll(filepath.Join(home, ".config"), 0o755)
	os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte("XDG_DOWNLOAD_DIR=\"$HOME/다운로드\"\n"), 0o644)
	w, cmds := newTestClient(t, ClientOptions{})
	w.showSettings()
	folder := overlayFind[*dialogEntry](w.win)
	if folder == nil || folder.PlaceHolder != filepath.Join(home, "다운로드") {
		t.Fatalf("download folder placeholder: %#v", folder)
	}
	folder.SetText(filepath.Join(home, "받은 파일"))
	var auto *dialogSelect
	walkTree(w.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if s, ok := o.(*dialogSelect); ok && slices.Contains(s.Options, "Up to 10 MB") {
			auto = s
		}
	})
	auto.SetSelected("Up to 10 MB")
	dismissOverlay(t, w.win, "Save")
	if c, ok := nextCmd(t, cmds).(client.SetDownloadDir); !ok || c.Dir != filepath.Join(home, "받은 파일") {
		t.Fatalf("sent %#v", c)
	}
	if w.m.AutoAcceptMax != 10<<20 {
		t.Fatalf("auto-accept %d", w.m.AutoAcceptMax)
	}
}

// A file I offer to a room shows a bar per recipient, each with its nick
// and, once it is done or away, what became of it.
func TestClientFileRoomBars(t *testing.T) {
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob", "carol")
	w.apply([]client.Event{client.FileOffered{Key: "k", Mine: true, From: "alice", Room: "lobby", Name: "a.bin", Size: 1000, ID: 1},
		client.FileProgress{Key: "k", Mine: true, To: "bob", Bytes: 500, Size: 1000},
		client.FileProgress{Key: "k", Mine: true, To: "carol", Bytes: 250, Size: 1000}})
	c := card(w, "a.bin")
	if c == nil || visible(c.bar) || !visible(c.rcpts) || len(c.rcpts.Objects) != 2 {
		t.Fatalf("card: %+v", c)
	}
	if r := c.rows[0]; r.nick.Text != "bob" || r.bar.Value != 0.5 || r.note.Text != "" {
		t.Fatalf("bob's row: %q %v %q", r.nick.Text, r.bar.Value, r.note.Text)
	}
	if r := c.rows[1]; r.nick.Text != "carol" || r.bar.Value != 0.25 {
		t.Fatalf("carol's row: %q %v", r.nick.Text, r.bar.Value)
	}
	w.apply([]client.Event{client.FileStatus{Key: "k", Nick: "bob", State: wire.RecipientReceived}})
	if r := c.rows[0]; r.bar.Value != 1 || r.note.Text != "received" {
		t.Fatalf("bob's row: %v %q", r.bar.Value, r.note.Text)
	}
	w.apply([]client.Event{client.FileStatus{Key: "k", Nick: "carol", State: wire.RecipientCanceled, Reason: "canceled"},
		client.FileDone{Key: "k", Mine: true}})
	if visible(c.rcpts) {
		t.Fatal("a finished card still shows the recipients' bars")
	}
}

// Send file… picks several files at once: folders open on a tap, files are
// ticked, hidden ones are not listed, and Send offers every file ticked (in
// whichever folder) to the current conversation.
func TestClientFilePickSeveral(t *testing.T) {
	dir := t.TempDir()
	a, _ := writeFile(t, dir, "a.txt", 10)
	writeFile(t, dir, ".hidden", 1)
	os.Mkdir(filepath.Join(dir, "사진"), 0o755)
	c, _ := writeFile(t, filepath.Join(dir, "사진"), "c.jpg", 2000)
	b, _ := writeFile(t, dir, "B.txt", 20)
	w, cmds := newTestClient(t, ClientOptions{})
	connectAs(t, w, cmds, "bob")
	w.pickDir = dir
	test.Tap(w.fileBtn)
	p := w.picker
	names := func() (out []string) {
		for _, e := range p.entries {
			out = append(out, e.name)
		}
		return out
	}
	if got := strings.Join(names(), ","); got != "사진,a.txt,B.txt" {
		t.Fatalf("listed %q", got)
	}
	p.list.Select(1) // a.txt
	p.list.Select(2) // B.txt
	p.list.Select(2) // B.txt again: unticked
	p.list.Select(2)
	p.list.Select(0) // into 사진
	if p.dir != filepath.Join(dir, "사진") || strings.Join(names(), ",") != "c.jpg" {
		t.Fatalf("in %s: %q", p.dir, names())
	}
	p.list.Select(0)
	if !strings.Contains(p.summary.Text, "3") {
		t.Fatalf("summary %q", p.summary.Text)
	}
	dismissOverlay(t, w.win, "Send")
	var sent []string
	for range 3 {
		sf, ok := nextCmd(t, cmds).(client.SendFile)
		if !ok || sf.Room != "lobby" {
			t.Fatalf("sent %#v", sf)
		}
		sent = append(sent, sf.Path)
	}
	slices.Sort(sent)
	if want := []string{b, a, c}; !slices.Equal(sent, want) {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	noCmd(t, cmds)
}
