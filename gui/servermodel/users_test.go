package servermodel

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
func classModel(t *testing.T, n int) (*Model, time.Time) {
	t.Helper()
	m := &Model{}
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.Local)
	m.Apply(server.Started{Addr: "0.0.0.0:7878", At: t0})
	for i := range n {
		ch := m.Apply(server.UserJoined{
			Nick:  fmt.Sprintf("user%02d", i),
			Addr:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 168, 1, byte(200 - i)}), 50000),
			Since: t0.Add(time.Duration(i) * time.Second),
		})
		if !ch.Users {
			t.Fatal("a join did not change the users")
		}
	}
	return m, t0
}

func shownNicks(m *Model) []string {
	out := make([]string, len(m.Shown))
	for i, u := range m.Shown {
		out[i] = u.Nick
	}
	return out
}

func TestServerModelClassSortFilterSelect(t *testing.T) {
	m, _ := classModel(t, 40)
	if got := m.Title("MultiChat Server"); got != "MultiChat Server — Running, 40 connected" {
		t.Errorf("title %q", got)
	}
	nicks := shownNicks(m)
	if len(nicks) != 40 || nicks[0] != "user00" || nicks[39] != "user39" {
		t.Fatalf("by nickname: %q", nicks)
	}

	// By address: 192.168.1.161 (user39) first.
	m.SortUsers(ByAddr)
	if got := shownNicks(m); got[0] != "user39" || got[39] != "user00" {
		t.Errorf("by address: first %s last %s", got[0], got[39])
	}
	// The same header again reverses.
	m.SortUsers(ByAddr)
	if got := shownNicks(m); got[0] != "user00" || !m.SortDesc {
		t.Errorf("by address, reversed: first %s", got[0])
	}
	m.SortUsers(ByTime)
	if got := shownNicks(m); got[0] != "user00" || got[39] != "user39" || m.SortDesc {
		t.Errorf("by time: first %s last %s", got[0], got[39])
	}
	m.SortUsers(ByTime)
	if got := shownNicks(m); got[0] != "user39" {
		t.Errorf("by time, newest first: first %s", got[0])
	}

	// The filter matches nickname (any case) or address, and keeps the order.
	m.SetFilter("USER1")
	if got := shownNicks(m); len(got) != 10 || got[0] != "user19" || got[9] != "user10" {
		t.Errorf("filter user1: %q", got)
	}
	m.SetFilter("192.168.1.17")
	want := []string{"user30", "user29", "user28", "user27", "user26", "user25", "user24", "user23", "user22", "user21"}
	if got := shownNicks(m); !slices.Equal(got, want) { // 192.168.1.170–179, newest first
		t.Errorf("filter by address: %q", got)
	}

	// Select what the filter shows, plus one by its row; a leave drops it
	// from the selection; the ones the filter hides come last.
	m.SetFilter("user2")
	m.SelectShown()
	m.SetFilter("")
	m.SortUsers(ByNick)
	m.Toggle(slices.Index(shownNicks(m), "user05"))
	sel := m.Selection()
	if len(sel) != 11 || sel[0] != "user05" || sel[1] != "user20" {
		t.Fatalf("selection %q", sel)
	}
	m.Toggle(slices.Index(shownNicks(m), "user05"))
	m.Apply(server.UserLeft{Nick: "user21", Reason: "kicked", At: time.Now()})
	sel = m.Selection()
	if len(sel) != 9 || slices.Contains(sel, "user21") || slices.Contains(sel, "user05") {
		t.Fatalf("selection after a leave and an unselect %q", sel)
	}
	m.SetFilter("user0")
	if got := m.Selection(); len(got) != 9 || got[0] != "user20" {
		t.Errorf("selection with the selected users filtered out: %q", got)
	}

	// Stop asks with the count; Stopped clears users and selection.
	if q := m.StopQuestion(false); q != "39 people are connected. Stop the server?" {
		t.Errorf("stop question %q", q)
	}
	if q := m.StopQuestion(true); !strings.Contains(q, "close the window") {
		t.Errorf("close question %q", q)
	}
	m.State = Stopping
	if m.Title("MultiChat Server") != "MultiChat Server — Stopping" {
		t.Fatalf("stop: title %q", m.Title("MultiChat Server"))
	}
	m.Apply(server.Stopped{At: time.Now()})
	if len(m.Users) != 0 || len(m.Shown) != 0 || len(m.Selection()) != 0 || m.StopQuestion(false) != "" {
		t.Errorf("after Stopped: %d users, %d shown, selection %q", len(m.Users), len(m.Shown), m.Selection())
	}
	if m.Title("MultiChat Server") != "MultiChat Server — Stopped" {
		t.Errorf("title %q", m.Title("MultiChat Server"))
	}
}

func TestServerModelActivity(t *testing.T) {
	m, t0 := classModel(t, 1)
	long := strings.Repeat("가나다라 ", 200) // 1 000 characters
	m.Apply(server.Message{Room: "lobby", From: "user00", Text: "hi\n" + long, At: t0})
	m.Apply(server.Refused{Nick: "user00", Addr: netip.MustParseAddrPort("192.168.1.99:4000"),
		Reason: "nickname “user00” is taken", At: t0})
	m.Apply(server.Error{Op: "kick", Err: fmt.Errorf("no user “zed”"), At: t0})

	chat := m.Lines[len(m.Lines)-3]
	if !strings.HasPrefix(chat.Text, "[lobby] user00: hi ↵ 가나다라") || !strings.HasSuffix(chat.Text, "…") {
		t.Errorf("log line %q", chat.Text)
	}
	if chat.Full != "[lobby] user00: hi\n"+long {
		t.Errorf("the full line lost text: %d characters", len([]rune(chat.Full)))
	}
	if got := chat.CopyText(); got != t0.Format("15:04:05")+" [lobby] user00: hi\n"+long {
		t.Errorf("copy text starts %q", got[:40])
	}
	ref := m.Lines[len(m.Lines)-2]
	if ref.Kind != Warn || ref.Text != "Refused “user00” from 192.168.1.99:4000: nickname “user00” is taken" {
		t.Errorf("refusal line %v %q", ref.Kind, ref.Text)
	}
	if e := m.Lines[len(m.Lines)-1]; e.Kind != Error || !strings.Contains(e.Text, "Could not kick") {
		t.Errorf("error line %q", e.Text)
	}

	// A huge line is kept up to MaxLogDetail characters.
	m.Apply(server.Notice{Text: strings.Repeat("x", 3*MaxLogDetail), At: t0})
	if n := len([]rune(m.Lines[len(m.Lines)-1].Full)); n != MaxLogDetail+1 {
		t.Errorf("kept %d characters", n)
	}

}

func TestServerModelClosingHidesProblems(t *testing.T) {
	m, _ := classModel(t, 1)
	m.Apply(server.Error{Op: "kick", Err: fmt.Errorf("x")})
	if len(m.Problems) != 1 {
		t.Fatalf("problems %v", m.Problems)
	}
	m.Problems, m.Closing = nil, true
	m.Apply(server.Error{Op: "announce", Err: fmt.Errorf("x")})
	if len(m.Problems) != 0 || !strings.Contains(m.Lines[len(m.Lines)-1].Text, "Could not send the announcement") {
		t.Errorf("closing: problems %v, last line %q", m.Problems, m.Lines[len(m.Lines)-1].Text)
	}
}

func TestNaturalCompare(t *testing.T) {
	in := []string{"pupil10", "pupil2", "Pupil1", "pupil02x", "민수", "pupil", "a-0", "a-10", "a-9"}
	slices.SortFunc(in, func(a, b string) int { return NaturalCompare(strings.ToLower(a), strings.ToLower(b)) })
	want := []string{"a-0", "a-9", "a-10", "pupil", "Pupil1", "pupil2", "pupil02x", "pupil10", "민수"}
	if !slices.Equal(in, want) {
		t.Errorf("sorted %q, want %q", in, want)
	}
}
