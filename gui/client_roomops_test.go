package gui

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/server"
)

// userRowOf is nick's row in w's member list, or nil.
func userRowOf(w *ClientWindow, nick string) *userRow {
	for _, o := range test.LaidOutObjects(w.usersList) {
		if r, ok := o.(*userRow); ok && r.Visible() && r.id >= 0 && r.nick == nick {
			return r
		}
	}
	return nil
}

// inRoom waits until c shows room (joined), with its members listed.
func (c *e2eClient) inRoom(room string, members int) {
	c.t.Helper()
	c.until(c.w.m.Me+" in #"+room, func() bool {
		cur := c.w.m.Cur
		return cur != nil && cur.Title() == "#"+room && cur.Joined && len(cur.Users) == members
	})
}

// Room operators against a real server: whoever opens a room is marked as
// its operator; /op marks another; an operator's topic shows under the
// title; a non-operator's /kick gets the server's refusal; an operator
// removes someone through the member list's menu and a dialog, and the one
// removed keeps the room's log to read and is told who removed them and why.
func TestClientRoomOperators(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "alice")
	bob := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "bob")
	carol := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "carol")
	for _, c := range []*e2eClient{alice, bob, carol} {
		test.Tap(c.w.connectBtn)
		c.until(c.w.nick.Text+" connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	}

	// The lobby has no operators, and nobody can act there.
	if got := shownUsers(alice.w); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, opMark()) }) {
		t.Errorf("lobby list %q marks an operator", got)
	}
	if !alice.w.topicBtn.Hidden {
		t.Error("Set topic… offered in the lobby")
	}

	// alice opens #dev: she runs it, and her list says so.
	enter(alice.w, "/join dev")
	alice.inRoom("dev", 1)
	alice.until("alice marked op", func() bool { return slices.Equal(shownUsers(alice.w), []string{"alice · op (you)"}) })
	alice.until("alice told she runs #dev", alice.shows("You are an operator of #dev"))
	if alice.w.topicBtn.Hidden {
		t.Error("Set topic… not offered to the room's operator")
	}
	enter(bob.w, "/join dev")
	bob.inRoom("dev", 2)
	bob.until("bob sees alice as op", func() bool { return slices.Equal(shownUsers(bob.w), []string{"alice · op", "bob (you)"}) })
	if !bob.w.topicBtn.Hidden {
		t.Error("Set topic… offered to a member who is not an operator")
	}
	enter(carol.w, "/join dev")
	carol.inRoom("dev", 3)
	alice.until("alice sees 3 in #dev", func() bool { return len(alice.w.m.Cur.Users) == 3 })

	// /topic by the operator: under the title for everyone in the room.
	enter(alice.w, "/topic 금요일에 릴리스합니다")
	bob.until("bob sees the topic", func() bool {
		return bob.w.topic.Visible() && strings.Contains(bob.w.topic.Text, "금요일에 릴리스합니다")
	})
	bob.until("bob's log says who set it", bob.shows("alice set the topic: 금요일에 릴리스합니다"))
	// The same through "Set topic…".
	alice.until("alice sees her topic", func() bool { return alice.w.m.Cur.Topic == "금요일에 릴리스합니다" })
	test.Tap(alice.w.topicBtn)
	if alice.w.topicDlg == nil || alice.w.topicDlg.entry.Text != "금요일에 릴리스합니다" {
		t.Fatal("the topic dialog is not open with the topic in it")
	}
	alice.w.topicDlg.entry.SetText("Release on Friday")
	alice.w.topicDlg.d.Submit()
	carol.until("carol sees the new topic", func() bool {
		return strings.Contains(carol.w.topic.Text, "Release on Friday")
	})

	// /op gives bob the mark, in every member's list.
	enter(alice.w, "/op bob")
	bob.until("bob marked op", func() bool { return slices.Contains(shownUsers(bob.w), "bob · op (you)") })
	bob.until("bob told", bob.shows("You are now an operator of #dev"))
	carol.until("carol sees bob as op", func() bool {
		return slices.Equal(shownUsers(carol.w), []string{"alice · op", "bob · op", "carol (you)"})
	})
	carol.until("carol told who made bob an operator", carol.shows("alice made bob an operator of this room."))
	if bob.w.topicBtn.Hidden {
		t.Error("Set topic… not offered to the new operator")
	}

	// carol is no operator: the server refuses her /kick, and says so
	// where requests' errors show.
	enter(carol.w, "/강퇴 bob 그냥")
	carol.until("carol's refusal", func() bool {
		c := carol.w.m.Cur
		for _, e := range c.Entries {
			if e.Kind == clientmodel.KindError && strings.Contains(e.Text, "operator") {
				return true
			}
		}
		return false
	})
	// Her menu on bob offers no operator's actions.
	r := userRowOf(carol.w, "bob")
	if r == nil {
		t.Fatal("bob not in carol's list")
	}
	if items := carol.w.roomOpsMenu("bob"); len(items) != 0 {
		t.Errorf("a non-operator is offered %d operator actions", len(items))
	}

	// alice removes carol through the member list: right click, "Remove
	// from room…", a reason, Remove.
	r = userRowOf(alice.w, "carol")
	if r == nil {
		t.Fatalf("carol not in alice's list %q", shownUsers(alice.w))
	}
	r.TappedSecondary(&fyne.PointEvent{})
	menu := alice.w.win.Canvas().Overlays().Top()
	if menu == nil {
		t.Fatal("no menu")
	}
	tapMenuItem(t, menu, "Remove from room…")
	if alice.w.roomKick == nil {
		t.Fatal("no Remove dialog")
	}
	alice.w.roomKick.entry.SetText("주제와 무관한 글")
	alice.w.roomKick.d.Submit()

	carol.until("carol removed from #dev", func() bool {
		c := carol.w.m.RoomConv("dev", false)
		return c != nil && !c.Joined
	})
	carol.until("carol told who and why", carol.shows("alice removed you from #dev: 주제와 무관한 글. Its conversation stays"))
	dev := carol.w.m.RoomConv("dev", false)
	if !slices.ContainsFunc(dev.Entries, func(e clientmodel.Entry) bool { return strings.Contains(e.Text, "Release on Friday") }) {
		t.Error("carol's #dev log lost what she saw")
	}
	if len(dev.Users) != 0 || !carol.w.topicBtn.Hidden {
		t.Errorf("carol's #dev still lists %q", dev.Users)
	}
	if got := convBadges(carol.w); len(got) == 0 {
		t.Error("carol's sidebar is empty")
	} else if _, ok := got["#dev (left)"]; !ok {
		t.Errorf("carol's sidebar %v does not show #dev as left", got)
	}
	bob.until("bob sees the removal", bob.shows("alice removed carol from the room: 주제와 무관한 글"))
	bob.until("carol gone from bob's list", func() bool {
		return slices.Equal(shownUsers(bob.w), []string{"alice · op", "bob · op (you)"})
	})
	carol.until("the lobby still works for carol", func() bool { return carol.w.m.Link == clientmodel.Live })

	// "Remove operator" from the menu takes bob's mark away.
	alice.until("alice sees bob as op", func() bool { return slices.Contains(shownUsers(alice.w), "bob · op") })
	r = userRowOf(alice.w, "bob")
	if r == nil {
		t.Fatal("bob not in alice's list")
	}
	r.TappedSecondary(&fyne.PointEvent{})
	tapMenuItem(t, alice.w.win.Canvas().Overlays().Top(), "Remove operator")
	bob.until("bob unmarked", func() bool { return slices.Contains(shownUsers(bob.w), "bob (you)") })
	bob.until("bob told", bob.shows("You are no longer an operator of #dev"))
}

// After the server comes back, the operator who rejoins her room by herself
// is marked again, and is not told again (nor "now") that she runs it; the
// lobby refuses operator commands with a hint, before anything is sent.
func TestClientRoomOperatorAfterReconnect(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := connectedE2E(t, a, srv, "alice")

	enter(alice.w, "/kick bob 그냥")
	if !strings.Contains(alice.w.inputHint.Text, "works in a room") || alice.w.input.Text == "" {
		t.Errorf("/kick in the lobby: hint %q, entry %q", alice.w.inputHint.Text, alice.w.input.Text)
	}
	enter(alice.w, "/join dev")
	alice.inRoom("dev", 1)
	alice.until("alice marked op", func() bool { return slices.Equal(shownUsers(alice.w), []string{"alice · op (you)"}) })

	srv.Stop()
	alice.until("connection lost", func() bool { return alice.w.m.Link != clientmodel.Live })
	if !alice.w.topicBtn.Hidden {
		t.Error("Set topic… offered while offline")
	}
	srv.Start(srv.Addr)
	alice.until("alice back", func() bool { return alice.w.m.Link == clientmodel.Live })
	alice.until("alice marked op again", func() bool {
		return slices.Equal(shownUsers(alice.w), []string{"alice · op (you)"}) && !alice.w.topicBtn.Hidden
	})
	var told int
	for _, e := range alice.w.m.Cur.Entries {
		if strings.Contains(e.Text, "operator of #dev") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("alice told %d times that she runs #dev:\n%s", told, shownText(alice.w))
	}
}

// The operator's screens in Korean, against a real server: the mark, the
// menu's dialog, the server's refusals (not an operator; someone not in the
// room) and the removal, all in Korean.
func TestClientRoomOperatorsKorean(t *testing.T) {
	useKorean(t)
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	minsu := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "민수")
	jieun := startE2EClient(t, a, srv.Addr, srv.Fingerprint, "지은")
	for _, c := range []*e2eClient{minsu, jieun} {
		test.Tap(c.w.connectBtn)
		c.until(c.w.nick.Text+" connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	}
	enter(minsu.w, "/방 수학")
	minsu.inRoom("수학", 1)
	minsu.until("민수 marked op", func() bool {
		return slices.ContainsFunc(shownUsers(minsu.w), func(s string) bool { return strings.Contains(s, "방장") })
	})
	enter(jieun.w, "/방 수학")
	jieun.inRoom("수학", 2)
	minsu.until("민수 sees 지은", func() bool { return len(minsu.w.m.Cur.Users) == 2 })
	enter(minsu.w, "/주제 시험은 금요일")
	minsu.until("the topic", func() bool { return strings.Contains(minsu.w.topic.Text, "시험은 금요일") })
	checkKorean(t, "operator's room", minsu.w.win)

	enter(jieun.w, "/강퇴 민수 그냥")
	jieun.until("지은's refusal", jieun.shows("이 방의 방장이 아닙니다"))
	checkKorean(t, "not an operator", jieun.w.win)
	enter(minsu.w, "/강퇴 바다 그냥")
	minsu.until("nobody by that name in the room", minsu.shows("“바다” 님은 그 방에 없습니다"))

	r := userRowOf(minsu.w, "지은")
	if r == nil {
		t.Fatalf("지은 not in 민수's list %q", shownUsers(minsu.w))
	}
	r.TappedSecondary(&fyne.PointEvent{})
	checkKorean(t, "member menu", minsu.w.win)
	tapMenuItem(t, minsu.w.win.Canvas().Overlays().Top(), "방에서 내보내기…")
	if minsu.w.roomKick == nil {
		t.Fatal("no Remove dialog")
	}
	checkKorean(t, "remove dialog", minsu.w.win)
	minsu.w.roomKick.entry.SetText("도배")
	minsu.w.roomKick.d.Submit()
	jieun.until("지은 told", jieun.shows("민수 님이 나를 #수학 방에서 내보냈습니다: 도배"))
	checkKorean(t, "removed", jieun.w.win)
	minsu.until("민수's log", minsu.shows("민수 님이 지은 님을 방에서 내보냈습니다: 도배"))
}

// /oper against a real server with an operators list: a wrong password is
// refused where errors show; the right one makes me an operator of the
// lobby too (marked, and Set topic… there), and my topic shows under its
// title.
func TestClientServerOperator(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1,
		Operators: []server.Operator{{Name: "boss", Password: "s3cret"}}})
	a := test.NewTempApp(t)
	alice := connectedE2E(t, a, srv, "alice")

	enter(alice.w, "/oper boss wrong")
	alice.until("the refusal", func() bool {
		return slices.ContainsFunc(alice.w.m.Cur.Entries, func(e clientmodel.Entry) bool { return e.Kind == clientmodel.KindError })
	})
	if alice.w.m.Cur.IsOp("alice") || !alice.w.topicBtn.Hidden {
		t.Fatal("a wrong password made alice an operator")
	}
	enter(alice.w, "/oper boss s3cret")
	alice.until("alice is a server operator", alice.shows("You are a server operator"))
	alice.until("alice marked in the lobby", func() bool { return slices.Contains(shownUsers(alice.w), "alice · op (you)") })
	if alice.w.topicBtn.Hidden {
		t.Error("Set topic… not offered to a server operator in the lobby")
	}
	enter(alice.w, "/topic 오늘은 휴강입니다")
	alice.until("the lobby's topic", func() bool { return strings.Contains(alice.w.topic.Text, "오늘은 휴강입니다") })
}

// TestClientTopicAboveLog: joining a room whose topic is already set shows
// the topic under the title and the log below it, not under it; removing
// the topic gives the log its place back.
func TestClientTopicAboveLog(t *testing.T) {
	srv := server.NewTestServer(t, server.Config{Logger: slog.New(slog.DiscardHandler), FloodBurst: -1})
	a := test.NewTempApp(t)
	alice := connectedE2E(t, a, srv, "alice")
	enter(alice.w, "/join math")
	alice.inRoom("math", 1)
	enter(alice.w, "/topic Chapter 3 quiz on Friday, bring a calculator and the workbook; no phones during the quiz")
	alice.until("alice sees her topic", func() bool { return alice.w.topic.Visible() })

	bob := connectedE2E(t, a, srv, "bob")
	enter(bob.w, "/join math")
	bob.inRoom("math", 2)
	bob.until("bob sees the topic", func() bool { return bob.w.topic.Visible() })
	d := a.Driver()
	logTop := func() float32 { return d.AbsolutePositionForObject(bob.w.logList).Y }
	topicBottom := d.AbsolutePositionForObject(bob.w.topic).Y + bob.w.topic.Size().Height
	if bob.w.topic.Size().Height <= 0 || logTop() < topicBottom {
		t.Fatalf("the log starts at %v, above the topic's bottom %v (topic height %v)", logTop(), topicBottom,
			bob.w.topic.Size().Height)
	}
	withTopic := logTop()
	test.Tap(alice.w.topicBtn)
	if alice.w.topicDlg == nil {
		t.Fatal("no topic dialog")
	}
	alice.w.topicDlg.entry.SetText("")
	alice.w.topicDlg.d.Submit()
	bob.until("the topic removed", func() bool { return !bob.w.topic.Visible() })
	if logTop() >= withTopic {
		t.Errorf("the log stays at %v after the topic went (it was at %v with it)", logTop(), withTopic)
	}
}

// connectedE2E starts a client window for nick and connects it to srv.
func connectedE2E(t *testing.T, a fyne.App, srv *server.TestServer, nick string) *e2eClient {
	t.Helper()
	c := startE2EClient(t, a, srv.Addr, srv.Fingerprint, nick)
	test.Tap(c.w.connectBtn)
	c.until(nick+" connected", func() bool { return c.w.m.Phase == clientmodel.Chat })
	return c
}
