package gui

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
)

// classModel is a running model with n users: user00 … joined one second
// apart from addresses that run backwards, so that the three sort orders
// differ.
func classModel(t *testing.T, n int) (*serverModel, time.Time) {
	t.Helper()
	m := newServerModel()
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.Local)
	if !m.start("0.0.0.0:7878") {
		t.Fatal("start refused while stopped")
	}
	m.apply(server.Started{Addr: "0.0.0.0:7878", At: t0})
	for i := range n {
		ch := m.apply(server.UserJoined{
			Nick:  fmt.Sprintf("user%02d", i),
			Addr:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, 1, byte(200 - i)}), 50000),
			Since: t0.Add(time.Duration(i) * time.Second),
		})
		if !ch.users {
			t.Fatal("a join did not change the users")
		}
	}
	return m, t0
}

func shownNicks(m *serverModel) []string {
	out := make([]string, len(m.shown))
	for i, u := range m.shown {
		out[i] = u.nick
	}
	return out
}

func TestServerModelClassSortFilterSelect(t *testing.T) {
	m, _ := classModel(t, 40)
	if got := m.title(); got != "MultiChat Server — Running, 40 connected" {
		t.Errorf("title %q", got)
	}
	nicks := shownNicks(m)
	if len(nicks) != 40 || nicks[0] != "user00" || nicks[39] != "user39" {
		t.Fatalf("by nickname: %q", nicks)
	}

	// By address: 192.168.1.161 (user39) first.
	m.sortUsers(sortByAddr)
	if got := shownNicks(m); got[0] != "user39" || got[39] != "user00" {
		t.Errorf("by address: first %s last %s", got[0], got[39])
	}
	// The same header again reverses.
	m.sortUsers(sortByAddr)
	if got := shownNicks(m); got[0] != "user00" || !m.sortDesc {
		t.Errorf("by address, reversed: first %s", got[0])
	}
	m.sortUsers(sortByTime)
	if got := shownNicks(m); got[0] != "user00" || got[39] != "user39" || m.sortDesc {
		t.Errorf("by time: first %s last %s", got[0], got[39])
	}
	m.sortUsers(sortByTime)
	if got := shownNicks(m); got[0] != "user39" {
		t.Errorf("by time, newest first: first %s", got[0])
	}

	// The filter matches nickname (any case) or address, and keeps the order.
	m.setFilter("USER1")
	if got := shownNicks(m); len(got) != 10 || got[0] != "user19" || got[9] != "user10" {
		t.Errorf("filter user1: %q", got)
	}
	m.setFilter("192.168.1.17")
	want := []string{"user30", "user29", "user28", "user27", "user26", "user25", "user24", "user23", "user22", "user21"}
	if got := shownNicks(m); !slices.Equal(got, want) { // 192.168.1.170–179, newest first
		t.Errorf("filter by address: %q", got)
	}

	// Select what the filter shows, plus one by its row; a leave drops it
	// from the selection; the ones the filter hides come last.
	m.setFilter("user2")
	m.selectShown()
	m.setFilter("")
	m.sortUsers(sortByNick)
	m.toggle(slices.Index(shownNicks(m), "user05"))
	sel := m.selection()
	if len(sel) != 11 || sel[0] != "user05" || sel[1] != "user20" {
		t.Fatalf("selection %q", sel)
	}
	m.toggle(slices.Index(shownNicks(m), "user05"))
	m.apply(server.UserLeft{Nick: "user21", Reason: "kicked", At: time.Now()})
	sel = m.selection()
	if len(sel) != 9 || slices.Contains(sel, "user21") || slices.Contains(sel, "user05") {
		t.Fatalf("selection after a leave and an unselect %q", sel)
	}
	m.setFilter("user0")
	if got := m.selection(); len(got) != 9 || got[0] != "user20" {
		t.Errorf("selection with the selected users filtered out: %q", got)
	}

	// Stop asks with the count; Stopped clears users and selection.
	if q := m.stopQuestion(false); q != "39 people are connected. Stop the server?" {
		t.Errorf("stop question %q", q)
	}
	if q := m.stopQuestion(true); !strings.Contains(q, "close the window") {
		t.Errorf("close question %q", q)
	}
	if !m.stop() || m.title() != "MultiChat Server — Stopping" {
		t.Fatalf("stop: title %q", m.title())
	}
	m.apply(server.Stopped{At: time.Now()})
	if len(m.users) != 0 || len(m.shown) != 0 || len(m.selection()) != 0 || m.stopQuestion(false) != "" {
		t.Errorf("after Stopped: %d users, %d shown, selection %q", len(m.users), len(m.shown), m.selection())
	}
	if m.title() != "MultiChat Server — Stopped" {
		t.Errorf("title %q", m.title())
	}
}

func TestServerModelActivity(t *testing.T) {
	m, t0 := classModel(t, 1)
	long := strings.Repeat("가나다라 ", 200) // 1 000 characters
	m.apply(server.Message{Room: "lobby", From: "user00", Text: "hi\n" + long, At: t0})
	m.apply(server.Refused{Nick: "user00", Addr: netip.MustParseAddrPort("192.168.1.99:4000"),
		Reason: "nickname “user00” is taken", At: t0})
	m.apply(server.Error{Op: "kick", Err: fmt.Errorf("no user “zed”"), At: t0})

	chat := m.lines[len(m.lines)-3]
	if !strings.HasPrefix(chat.text, "[lobby] user00: hi ↵ 가나다라") || !strings.HasSuffix(chat.text, "…") {
		t.Errorf("log line %q", chat.text)
	}
	if chat.full != "[lobby] user00: hi\n"+long {
		t.Errorf("the full line lost text: %d characters", len([]rune(chat.full)))
	}
	if got := chat.copyText(); got != t0.Format("15:04:05")+" [lobby] user00: hi\n"+long {
		t.Errorf("copy text starts %q", got[:40])
	}
	ref := m.lines[len(m.lines)-2]
	if ref.kind != actWarn || ref.text != "Refused “user00” from 192.168.1.99:4000: nickname “user00” is taken" {
		t.Errorf("refusal line %v %q", ref.kind, ref.text)
	}
	if e := m.lines[len(m.lines)-1]; e.kind != actError || !strings.Contains(e.text, "Could not kick") {
		t.Errorf("error line %q", e.text)
	}

	// A huge line is kept up to maxLogDetail characters.
	m.apply(server.Notice{Text: strings.Repeat("x", 3*maxLogDetail), At: t0})
	if n := len([]rune(m.lines[len(m.lines)-1].full)); n != maxLogDetail+1 {
		t.Errorf("kept %d characters", n)
	}

	// The log keeps at most maxLogLines+logTrimSlack, dropping in chunks.
	for i := range maxLogLines + logTrimSlack {
		m.apply(server.Notice{Text: fmt.Sprint(i), At: t0})
	}
	if drop := m.trimLog(); drop == 0 || len(m.lines) != maxLogLines {
		t.Errorf("trim dropped %d, kept %d", drop, len(m.lines))
	}
	if m.trimLog() != 0 {
		t.Error("a second trim dropped more")
	}
}

func TestServerModelErrorsUndoState(t *testing.T) {
	m := newServerModel()
	m.start("127.0.0.1:1")
	if ch := m.apply(server.Error{Op: "start", Err: fmt.Errorf("bind: address already in use")}); ch.alert == nil ||
		ch.alert.title != "Could not start the server" || m.state != stateStopped {
		t.Fatalf("start error: state %v alert %+v", m.state, ch.alert)
	}
	m.start("127.0.0.1:1")
	m.apply(server.Started{Addr: "127.0.0.1:1", At: time.Now()})
	m.stop()
	m.apply(server.Error{Op: "stop", Err: fmt.Errorf("boom")})
	if m.state != stateRunning {
		t.Errorf("after a failed stop: state %v", m.state)
	}
	// Closing: Stop is sent, and errors no longer ask for a dialog.
	if !m.close() || m.state != stateStopping {
		t.Fatalf("close while running: state %v", m.state)
	}
	if ch := m.apply(server.Error{Op: "announce", Err: fmt.Errorf("x")}); ch.alert != nil {
		t.Error("an error while closing asks for a dialog")
	}
	if m.start("127.0.0.1:2") {
		t.Error("start accepted while closing")
	}
}

func TestNaturalCompare(t *testing.T) {
	in := []string{"pupil10", "pupil2", "Pupil1", "pupil02x", "민수", "pupil", "a-0", "a-10", "a-9"}
	slices.SortFunc(in, func(a, b string) int { return naturalCompare(strings.ToLower(a), strings.ToLower(b)) })
	want := []string{"a-0", "a-9", "a-10", "pupil", "Pupil1", "pupil2", "pupil02x", "pupil10", "민수"}
	if !slices.Equal(in, want) {
		t.Errorf("sorted %q, want %q", in, want)
	}
}
