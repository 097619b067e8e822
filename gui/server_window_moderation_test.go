package gui

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/multichat/multichat/gui/servermodel"
	"github.com/multichat/multichat/net/client"
	"github.com/multichat/multichat/net/server"
	"github.com/multichat/multichat/net/wire"
)

// overlaySelect finds the select in the top overlay whose options include
// option.
func overlaySelect(w fyne.Window, option string) *dialogSelect {
	var found *dialogSelect
	walkTree(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if s, ok := o.(*dialogSelect); ok && found == nil && containsString(s.Options, option) {
			found = s
		}
	})
	return found
}

func overlayCheck(w fyne.Window) *dialogCheck {
	var found *dialogCheck
	walkTree(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if c, ok := o.(*dialogCheck); ok && found == nil {
			found = c
		}
	})
	return found
}

func listText(l *widget.List, row int) string {
	o := l.CreateItem()
	l.UpdateItem(row, o)
	var b strings.Builder
	walkTree(o, func(o fyne.CanvasObject) {
		if lb, ok := o.(*widget.Label); ok {
			b.WriteString(lb.Text + " ")
		}
	})
	return b.String()
}

// The admin kicks and bans from the Kick dialog, the ban is listed and
// refuses the nickname, Unban lifts it; Mute marks the user; the
// Moderation tab lists every action.
func TestServerWindowBanUnbanMute(t *testing.T) {
	f := newRealServerFixture(t)
	sw := f.sw
	port := freeLoopbackPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	f.startOn(port)
	p1, p2 := newChatClient(t, addr, "pupil01"), newChatClient(t, addr, "pupil02")
	f.ui.waitFor("two users", 10*time.Second, func() bool { return userRows(sw) == 2 })

	selectUser(t, sw, "pupil01")
	test.Tap(sw.kick)
	ban := overlaySelect(f.win, "1 hour")
	if ban == nil || ban.Selected != "Do not ban" {
		t.Fatalf("no ban choice in the kick dialog: %q", overlayTexts(f.win))
	}
	ban.SetSelected("1 hour")
	test.Tap(overlayCheck(f.win)) // and the nickname
	reason := overlayEntry(f.win)
	reason.SetText("cheating")
	dismissOverlay(t, f.win, "Kick")
	k := p1.waitEvent("Kicked", func(ev client.Event) bool { _, ok := ev.(client.Kicked); return ok }).(client.Kicked)
	if !strings.Contains(k.Reason, "cheating") || !strings.Contains(k.Reason, "banned until") {
		t.Errorf("kicked %q", k.Reason)
	}
	f.ui.waitFor("the ban listed", 10*time.Second, func() bool { return sw.mod.bans.Length() == 1 })
	if got := listText(sw.mod.bans, 0); !strings.Contains(got, "pupil01") || !strings.Contains(got, "until") ||
		!strings.Contains(got, "nickname pupil01") || !strings.Contains(got, "cheating") {
		t.Errorf("ban row %q", got)
	}
	if sw.mod.modTab.Text != "Moderation (1 banned)" {
		t.Errorf("tab %q", sw.mod.modTab.Text)
	}

	// Another device under the banned nickname is refused, with the end.
	again := startChatClient(t, addr, "pupil01")
	r := again.waitEvent("Refused", func(ev client.Event) bool { _, ok := ev.(client.Refused); return ok }).(client.Refused)
	if r.Code != wire.RefuseBanned || r.Until.IsZero() || r.Text != "cheating" {
		t.Errorf("refused %#v", r)
	}

	checkEnabled(t, "Unban before a ban is picked", sw.mod.unban, false)
	sw.mod.bans.Select(0)
	test.Tap(sw.mod.unban)
	f.ui.waitFor("the ban lifted", 10*time.Second, func() bool { return sw.mod.bans.Length() == 0 })

	// Mute.
	sw.m.ClearSelection()
	selectUser(t, sw, "pupil02")
	test.Tap(sw.mod.mute)
	overlaySelect(f.win, "10 minutes").SetSelected("10 minutes")
	dismissOverlay(t, f.win, "Mute")
	p2.waitEvent("Restricted", func(ev client.Event) bool { r, ok := ev.(client.Restricted); return ok && r.On })
	f.ui.waitFor("the muted mark", 10*time.Second, func() bool {
		return strings.Contains(userCell(sw, 0, colNick), "muted until")
	})
	checkEnabled(t, "Unmute", sw.mod.unmute, true)
	test.Tap(sw.mod.unmute)
	p2.waitEvent("unmuted", func(ev client.Event) bool { r, ok := ev.(client.Restricted); return ok && !r.On })

	var actions []string
	f.ui.waitFor("the audit log", 10*time.Second, func() bool {
		actions = actions[:0]
		for i := range sw.mod.audit.Length() {
			actions = append(actions, listText(sw.mod.audit, i))
		}
		return len(actions) >= 5
	})
	want := []string{"Server started", "Banned pupil01", "Ban lifted pupil01", "Muted pupil02", "Mute lifted pupil02"}
	for i, w := range want {
		if i >= len(actions) || !strings.HasPrefix(actions[i], w+" ") {
			t.Errorf("audit lines %q, want them to begin %q", actions, want)
			break
		}
	}
}

// The audit log of earlier runs is shown when the server starts, and
// exported as CSV.
func TestServerWindowAuditOfEarlierRuns(t *testing.T) {
	f := newServerFixture(t, 16)
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.Local)
	f.apply(server.AuditLog{Entries: []server.Audit{
		{Time: at, Action: server.AuditBan, Target: "bob", Reason: "도배, 욕설", Args: server.AuditArgs{Nick: "bob"}},
		{Time: at.Add(time.Minute), Action: server.AuditStop, Target: "0.0.0.0:7878", Args: server.AuditArgs{Users: 3}},
		{Time: at.Add(2 * time.Minute), Action: server.AuditMute, Target: "eve", Detail: "until 14:30", OldWords: true},
	}})
	if n := f.sw.mod.audit.Length(); n != 3 {
		t.Fatalf("%d audit lines", n)
	}
	if got := listText(f.sw.mod.audit, 0); !strings.Contains(got, "2026-12-01 09:30:00") ||
		!strings.Contains(got, "Banned bob — 도배, 욕설 (for good; nickname bob)") {
		t.Errorf("line %q", got)
	}
	checkEnabled(t, "Export", f.sw.mod.export, true)
	csv := string(servermodel.AuditCSV(f.sw.m.Mod.Audit))
	want := "time,action,what,target,reason,detail\n" +
		"2026-12-01 09:30:00,ban,Banned,bob,\"도배, 욕설\",for good; nickname bob\n" +
		"2026-12-01 09:31:00,stop,Server stopped,0.0.0.0:7878,,3 users were connected\n" +
		"2026-12-01 09:32:00,mute,Muted,eve,,until 14:30\n"
	if csv != want {
		t.Errorf("csv\n%s\nwant\n%s", csv, want)
	}
}
