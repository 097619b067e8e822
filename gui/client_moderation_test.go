package gui

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
)

// Against a real server: a mute disables the entry and says until when, a
// pinned announcement shows under the title, a ban ends the session with
// the reason and the end, and the banner says so (no retry).
func TestClientMutedTopicAndBanned(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "bob")
	test.Tap(bob.w.connectBtn)
	bob.until("bob connected", func() bool { return bob.w.m.Phase == clientmodel.Chat })

	now := time.Now()
	end := now.Add(time.Hour)
	// The end is said with its date when it is another day (past midnight).
	when := end.Format("15:04")
	if end.YearDay() != now.YearDay() {
		when = end.Format("2 Jan 15:04")
	}
	srv.Do(server.Mute{Nick: "bob", Until: end, Reason: "잠깐 쉬어요"})
	bob.until("the entry disabled", func() bool { return bob.w.input.Disabled() })
	want := "Muted by the admin until " + when
	if !strings.HasPrefix(bob.w.input.PlaceHolder, want) || !strings.Contains(bob.w.input.PlaceHolder, "잠깐 쉬어요") {
		t.Errorf("placeholder %q, want it to start %q", bob.w.input.PlaceHolder, want)
	}
	srv.Do(server.Unmute{Nick: "bob"})
	bob.until("the entry enabled again", func() bool { return !bob.w.input.Disabled() })

	srv.Do(server.Announce{Text: "시험은 3시에 시작합니다", Pin: true})
	bob.until("the topic under the title", func() bool {
		return bob.w.topic.Visible() && strings.Contains(bob.w.topic.Text, "시험은 3시에 시작합니다")
	})

	srv.Do(server.Ban{Nick: "bob", Until: end, Reason: "도배"})
	bob.until("bob removed", func() bool { return bob.w.m.ReadOnly() })
	test.Tap(bob.w.againBtn)
	bob.until("the ban refusal", func() bool { return strings.Contains(bob.w.bannerText.Text, "banned") })
	if s := bob.w.bannerText.Text; !strings.Contains(s, "until "+when) || !strings.Contains(s, "도배") ||
		!strings.Contains(s, "will not try to connect again") {
		t.Errorf("banner %q", s)
	}
	if bob.w.m.Link != clientmodel.Ended {
		t.Errorf("link %v: the session goes on after a ban", bob.w.m.Link)
	}
}
