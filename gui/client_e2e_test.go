package gui

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/trust"
)

const e2eWait = 10 * time.Second

// e2eClient is a client window driven by the real session. The test
// goroutine itself applies the session's events (as the pump would, in
// batches), so that it can look at the widgets without racing Fyne.
type e2eClient struct {
	t         *testing.T
	w         *ClientWindow
	events    chan client.Event
	downloads string // where the session saves received files
}

func startE2EClient(t *testing.T, a fyne.App, addr string, fp trust.Fingerprint, nick string) *e2eClient {
	t.Helper()
	dataDir := t.TempDir() // the server is trusted already (unless fp is zero): the window does not ask
	if !fp.IsZero() {
		if err := trust.OpenPins(dataDir).Trust(addr, fp); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmds, events := make(chan client.Command, 64), make(chan client.Event, 256)
	downloads := t.TempDir()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.Run(ctx, cmds, events, client.WithBackoff(50*time.Millisecond, 200*time.Millisecond),
			client.WithDownloadDir(downloads), client.WithDataDir(dataDir))
	}()
	win := a.NewWindow("")
	c := &e2eClient{t: t, w: NewClientWindow(a, win, cmds, nil, ClientOptions{Addr: addr, Nick: nick, DataDir: dataDir}), events: events,
		downloads: downloads}
	win.Resize(fyne.NewSize(900, 600))
	t.Cleanup(func() {
		cancel()
		deadline := time.After(e2eWait)
		for {
			select {
			case _, ok := <-events:
				if !ok {
					<-done
					win.Close()
					return
				}
			case <-deadline:
				t.Error("client.Run did not end")
				return
			}
		}
	})
	return c
}

// until applies events until cond holds.
func (c *e2eClient) until(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.After(e2eWait)
	for !cond() {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("%s: session ended", what)
			}
			c.w.apply(batchFrom(ev, c.events))
		case <-deadline:
			c.t.Fatalf("%s: timed out; log:\n%s", what, shownText(c.w))
		}
	}
}

func (c *e2eClient) shows(text string) func() bool {
	return func() bool { return strings.Contains(shownText(c.w), text) }
}

func TestClientEndToEnd(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice") // will be refused, then pick another name

	test.Tap(alice.w.connectBtn)
	alice.until("alice connected", func() bool { return alice.w.m.Phase == clientmodel.Chat })

	// [아이디 중복]: the form stays filled and says why.
	test.Tap(bob.w.connectBtn)
	bob.until("bob refused", func() bool { return strings.Contains(bob.w.formStatus.Text, "already taken") })
	if bob.w.win.Content() != bob.w.form || bob.w.nick.Text != "alice" || bob.w.addr.Text != srv.Addr {
		t.Fatal("refused form not kept")
	}
	bob.w.nick.SetText("bob")
	test.Tap(bob.w.connectBtn)
	bob.until("bob connected", func() bool { return bob.w.m.Phase == clientmodel.Chat })
	alice.until("alice sees bob online", func() bool { return alice.w.usersTitle.Text == "Online — 2" })
	if got := shownUsers(alice.w); !slices.Equal(got, []string{"alice (you)", "bob"}) {
		t.Errorf("alice's user list %q", got)
	}

	// Korean, English and emoji in the lobby, delivered whole both ways.
	enter(bob.w, "안녕하세요 alice! 😀")
	alice.until("alice gets bob's greeting", alice.shows("bob|안녕하세요 alice! 😀"))
	bob.until("bob's line delivered", func() bool {
		rows := shownRows(bob.w)
		return len(rows) > 0 && !strings.HasPrefix(rows[len(rows)-1], "…") && strings.HasSuffix(rows[len(rows)-1], "|bob|안녕하세요 alice! 😀")
	})
	enter(alice.w, "hi bob, 반가워요 👋")
	bob.until("bob gets alice's answer", bob.shows("alice|hi bob, 반가워요 👋"))

	// A room: only its members see its traffic.
	enter(alice.w, "/join dev")
	alice.until("alice in #dev", func() bool { return alice.w.m.Cur != nil && alice.w.m.Cur.Title() == "#dev" })
	enter(alice.w, "only for dev")
	alice.until("alice's dev line delivered", func() bool {
		c := alice.w.m.Cur
		return len(c.Entries) > 0 && c.Entries[len(c.Entries)-1].State == clientmodel.Delivered
	})
	enter(bob.w, "/join dev")
	bob.until("bob in #dev", func() bool { return bob.w.m.Cur != nil && bob.w.m.Cur.Title() == "#dev" })
	if strings.Contains(shownText(bob.w), "only for dev") {
		t.Error("bob saw a dev message sent before he joined")
	}
	enter(alice.w, "welcome to dev")
	bob.until("bob gets dev traffic", bob.shows("alice|welcome to dev"))
	alice.until("alice sees 2 in dev", func() bool { return alice.w.usersTitle.Text == "Online — 2" })

	// A file to the room: offered, relayed, saved on bob's side.
	path := filepath.Join(t.TempDir(), "노트.txt")
	content := []byte(strings.Repeat("회의록 minutes\n", 5000))
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	enter(alice.w, "/send "+path)
	bob.until("bob is asked", func() bool { return card(bob.w, "노트.txt") != nil })
	test.Tap(card(bob.w, "노트.txt").accept)
	alice.until("alice's file sent", alice.shows("노트.txt — bob: received"))
	bob.until("bob's file saved", bob.shows("Received 노트.txt, saved as "))
	var saved string
	for _, e := range bob.w.m.Cur.Entries {
		if _, p, ok := strings.Cut(e.Text, ", saved as "); ok {
			saved = p
		}
	}
	if got, err := os.ReadFile(saved); err != nil || !bytes.Equal(got, content) {
		t.Errorf("received file %q: %d bytes, err %v", saved, len(got), err)
	}

	// A private message opens a conversation on the other side, with an unread count.
	enter(alice.w, "/msg bob 비밀이에요")
	bob.until("bob gets the private message", func() bool {
		c := bob.w.m.Find("alice", true)
		return c != nil && c.Unread == 1
	})
	if b := convBadges(bob.w); b["@alice"] != "✉ 1" {
		t.Errorf("bob's badges %v", b)
	}

	// Kick: bob sees why, keeps his conversations to read, and does not
	// come back by himself.
	srv.Do(server.Kick{Nick: "bob", Reason: "테스트 kick"})
	bob.until("bob kicked", func() bool { return bob.w.m.Link == clientmodel.Ended })
	if !strings.Contains(bob.w.bannerText.Text, "테스트 kick") || bob.w.win.Canvas().Overlays().Top() == nil {
		t.Errorf("kick not explained: %q", bob.w.bannerText.Text)
	}
	if bob.w.win.Content() != bob.w.chat || !bob.w.input.Disabled() || !bob.shows("alice|welcome to dev")() {
		t.Errorf("bob's conversation not kept read-only after the kick:\n%s", shownText(bob.w))
	}
	alice.until("alice sees the removal", alice.shows("bob was removed by the admin: 테스트 kick"))

	// Server restart on the same port: the banner shows, alice rejoins by
	// herself, and what she typed meanwhile is delivered.
	srv.Stop()
	alice.until("banner shown", func() bool { return !alice.w.banner.Hidden })
	alice.w.convList.Select(0) // the lobby
	enter(alice.w, "typed while the server was down")
	srv.Start(srv.Addr)
	alice.until("alice back", func() bool { return alice.w.banner.Hidden && alice.w.m.Phase == clientmodel.Chat })
	alice.until("queued line delivered", func() bool {
		c := alice.w.m.Cur
		for i := range c.Entries {
			if e := &c.Entries[i]; e.Text == "typed while the server was down" {
				return e.State == clientmodel.Delivered
			}
		}
		return false
	})
}

// next applies the session's events one at a time until one satisfies stop,
// and returns it; events behind it stay queued.
func (c *e2eClient) next(what string, stop func(client.Event) bool) client.Event {
	c.t.Helper()
	deadline := time.After(e2eWait)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("%s: session ended", what)
			}
			c.w.apply([]client.Event{ev})
			if stop(ev) {
				return ev
			}
		case <-deadline:
			c.t.Fatalf("%s: timed out; form says %q", what, c.w.formStatus.Text)
		}
	}
}

// TestClientStaleEventsOfAbandonedAttempt: after a refusal the user presses
// Connect again before the refused attempt's last event (its final
// Disconnected) has been applied. That stale event must not reset the window,
// and the new attempt's Connected must open the chat. The test holds the
// events back itself, so the order is the one that used to lose the session.
func TestClientStaleEventsOfAbandonedAttempt(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	test.Tap(alice.w.connectBtn)
	alice.until("alice connected", func() bool { return alice.w.m.Phase == clientmodel.Chat })

	test.Tap(bob.w.connectBtn)
	bob.next("bob refused", func(ev client.Event) bool { _, ok := ev.(client.Refused); return ok })
	// The refused attempt's Disconnected{Final} is still queued.
	bob.w.nick.SetText("bob")
	test.Tap(bob.w.connectBtn)
	bob.next("bob's new attempt connected", func(ev client.Event) bool { _, ok := ev.(client.Connected); return ok })
	if bob.w.m.Phase != clientmodel.Chat || bob.w.win.Content() != bob.w.chat {
		t.Fatalf("the new attempt's Connected was ignored: the form shows %q", bob.w.formStatus.Text)
	}
}
