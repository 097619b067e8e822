package servermodel

import (
	"testing"
	"time"

	"github.com/multichat/multichat/net/server"
)

func TestModerationState(t *testing.T) {
	var m Model
	now := time.Date(2026, 12, 2, 14, 0, 0, 0, time.Local)
	m.Apply(server.LectureChanged{Room: "math", On: true})
	m.Apply(server.LectureChanged{On: true})
	m.Apply(server.TopicChanged{Room: "lobby", Text: "시험은 3시"})
	if got := m.ModState(); got != "Lecture mode on in every room, math. Topics — lobby: 시험은 3시" {
		t.Errorf("state %q", got)
	}
	m.Apply(server.LectureChanged{})
	m.Apply(server.LectureChanged{Room: "math"})
	m.Apply(server.TopicChanged{Room: "lobby"})
	if got := m.ModState(); got != "" {
		t.Errorf("state after the end %q", got)
	}
	ch := m.Apply(server.MuteChanged{Nick: "bob", On: true, Until: now.Add(30 * time.Minute)})
	if !ch.Users || m.MuteTag("bob", now) != " · muted until 14:30" || !m.IsMuted("bob") {
		t.Errorf("mute tag %q", m.MuteTag("bob", now))
	}
	m.Apply(server.MuteChanged{Nick: "bob"})
	if m.MuteTag("bob", now) != "" {
		t.Error("still muted")
	}
	m.Apply(server.Bans{List: []server.BanInfo{{ID: 1, Name: "eve"}, {ID: 2, Name: "old", Until: now.Add(-time.Minute)}}})
	if bans := m.ActiveBans(now); len(bans) != 1 || bans[0].Name != "eve" {
		t.Errorf("active bans %+v", bans)
	}
	if u, ok := ChoiceUntil(BanChoices, "Today", now); !ok || !u.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, time.Local)) {
		t.Errorf("today ends %v", u)
	}
	if u, ok := ChoiceUntil(BanChoices, "Permanently", now); !ok || !u.IsZero() {
		t.Errorf("permanently %v", u)
	}
}
