package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestBrowseRoomsDaysAndRetention: the server's window lists the rooms with
// history (never private conversations), reads a room by day, finds the
// neighbouring days, searches every room, and a changed retention prunes.
func TestBrowseRoomsDaysAndRetention(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), File))
	day := func(d int) time.Time { return time.Date(2026, 3, 1+d, 0, 0, 0, 0, time.Local) }
	id := uint64(0)
	add := func(r Record, at time.Time) {
		id++
		r.ID, r.Time = id, at.UnixMilli()
		s.Append(r)
	}
	now := time.Now()
	for d := range 3 {
		for h := range 4 {
			add(chat(0, "lobby", "ann", fmt.Sprintf("lobby day %d hour %d", d, h)), day(d).Add(time.Duration(h)*time.Hour))
		}
	}
	add(chat(0, "team", "bob", "team meeting"), day(1).Add(time.Hour))
	add(private(0, "dev-a", "dev-b", "private meeting"), day(1).Add(2*time.Hour))
	add(chat(0, "lobby", "ann", "today"), now)

	rooms, err := s.Rooms(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rooms) != 2 || rooms[0].Conv != RoomConv("lobby") || rooms[0].Entries != 13 || rooms[1].Room != "team" {
		t.Fatalf("rooms %+v", rooms)
	}
	recs, more, err := s.Day(ctx(t), RoomConv("lobby"), day(1), day(2), 3)
	if err != nil || !more || len(recs) != 3 || recs[0].Text != "lobby day 1 hour 0" {
		t.Fatalf("day 1: %v more %v err %v", recs, more, err)
	}
	if recs, _, _ := s.Day(ctx(t), PrivateConv("dev-a", "dev-b"), day(0), day(3), 10); len(recs) != 0 {
		t.Fatalf("a private conversation browsed: %+v", recs)
	}
	next, ok, err := s.NextDay(ctx(t), RoomConv("team"), day(0), 1)
	if err != nil || !ok || !next.Equal(day(1).Add(time.Hour)) {
		t.Fatalf("next day of team: %v %v %v", next, ok, err)
	}
	if _, ok, _ := s.NextDay(ctx(t), RoomConv("team"), day(1), -1); ok {
		t.Fatal("a day before team's first")
	}
	found, _, err := s.Search(ctx(t), "meeting", Scope{AllRooms: true}, 0, 10)
	if err != nil || len(found) != 1 || found[0].Text != "team meeting" {
		t.Fatalf("search every room: %+v %v", found, err)
	}

	pruned := make(chan Status, 8)
	s.SetReport(func(st Status) { pruned <- st })
	s.SetKeepDays(1)
	if s.KeepDays() != 1 {
		t.Fatalf("keep days %d", s.KeepDays())
	}
	select {
	case <-pruned:
	case <-ctx(t).Done():
		t.Fatal("no prune")
	}
	rooms, err = s.Rooms(ctx(t))
	if err != nil || len(rooms) != 1 || rooms[0].Entries != 1 {
		t.Fatalf("after keeping 1 day: %+v %v", rooms, err)
	}
}
