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
