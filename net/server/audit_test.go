package server

import (
	"net/netip"
	"testing"
	"time"
)

// TestAuditDetailStored: an entry's facts survive the store's detail
// column as data, and entries written by older versions (English words)
// are shown as they were.
func TestAuditDetailStored(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	entries := []Audit{
		{Action: AuditBan, Target: "mallory", Reason: "spam", Args: AuditArgs{Until: at.Add(time.Hour), Device: "1a2b3c4d5e6f",
			Addr: netip.MustParseAddr("192.0.2.7"), Nick: "mallory"}},
		{Action: AuditLecture, Reason: "quiz"}, // off, in every room: no facts but "off"
		{Action: AuditPassword, Args: AuditArgs{On: true}},
		{Action: AuditKick, Target: "bob", Detail: "192.0.2.9"},
		{Action: AuditTopic, Target: "lobby", Detail: `{"text":"not JSON to us"}`},
		{Action: AuditRoomKick, Target: "carol", Reason: "off topic", Args: AuditArgs{Room: "dev", By: "bob"}},
		{Action: AuditRoomOp, Target: "bob", Args: AuditArgs{Room: "dev", By: "alice", On: true, Server: "server 1"}},
		{Action: AuditOper, Target: "alice", Detail: "root"},
	}
	want := []string{
		"ban mallory — spam (until 15:00; device 1a2b3c4d, 192.0.2.7, nickname mallory)",
		"lecture every room — quiz (off)",
		"password (set)",
		"kick bob (192.0.2.9)",
		`topic lobby ({"text":"not JSON to us"})`,
		"room-kick carol — off topic (from “dev” by bob)",
		"room-op bob (made an operator of “dev” by alice; on server 1)",
		"oper alice (root)",
	}
	for i, e := range entries {
		e.Time = at
		got := auditFrom(at, string(e.Action), e.Target, e.Reason, e.storeDetail())
		if got.Args.Until.Equal(e.Args.Until) {
			got.Args.Until = e.Args.Until // the same instant; the location may differ
		}
		if got != e {
			t.Errorf("%s: stored and read back as %+v, want %+v", e.Action, got, e)
		}
		if got.Text() != want[i] {
			t.Errorf("%s: %q, want %q", e.Action, got.Text(), want[i])
		}
	}
	// Older entries: plain words are read back as facts; the others are
	// kept as words.
	old := auditFrom(at, "lecture", "every room", "quiz", "on")
	if old.OldWords || old.Target != "" || !old.Args.On || old.Text() != "lecture every room — quiz (on)" {
		t.Errorf("an older lecture entry: %+v %q", old, old.Text())
	}
	if old := auditFrom(at, "stop", "0.0.0.0:7878", "", "3 users were connected"); old.OldWords || old.Args.Users != 3 {
		t.Errorf("an older stop entry: %+v", old)
	}
	if old := auditFrom(at, "kick", "bob", "spam", "on Room 7"); old.OldWords || old.Args.Server != "Room 7" || old.Detail != "" {
		t.Errorf("an older kick entry: %+v", old)
	}
	if old := auditFrom(at, "mute", "bob", "spam", "until 14:30"); !old.OldWords || old.Text() != "mute bob — spam (until 14:30)" {
		t.Errorf("an older mute entry: %+v", old)
	}
	if e := auditFrom(at, "announce", "", "", "{}"); e.OldWords || e.Detail != "{}" {
		t.Errorf("an announcement's text is kept as it is: %+v", e)
	}
}

// TestUntilText: an end on the same day is said by its time, on another day
// with its date, and none is "for good".
func TestUntilText(t *testing.T) {
	now := time.Date(2026, 12, 2, 23, 40, 0, 0, time.Local)
	for _, c := range []struct {
		until time.Time
		want  string
	}{
		{now.Add(10 * time.Minute), "until 23:50"},
		{now.Add(30 * time.Minute), "until 3 Dec 00:10"},
		{time.Time{}, "for good"},
	} {
		if got := UntilText(c.until, now); got != c.want {
			t.Errorf("UntilText(%v) = %q, want %q", c.until, got, c.want)
		}
	}
}
