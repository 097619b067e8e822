package store

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestAwayAcrossRestart: the directory and the messages kept for an offline
// party survive a restart; Away hands them over once, newest n with the
// count of earlier ones, and only up to the id asked for.
func TestAwayAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.SetParty(Party{NickKey: "bob", Nick: "Bob", Party: "dev-b1", Seen: 1})
	s.SetParty(Party{NickKey: "bob", Nick: "BOB", Party: "dev-b2", Seen: 2}) // the nickname changed hands
	s.SetParty(Party{NickKey: "ann", Nick: "ann", Party: "dev-a", Seen: 3})
	for i := range 5 {
		r := private(uint64(10+i), "dev-a", "dev-b2", fmt.Sprintf("while away %d", i))
		r.Away = i != 2 // one of them was delivered live
		s.Append(r)
	}
	s.Append(chat(20, "lobby", "ann", "a room message"))
	if st := s.Status(); st.Err != nil {
		t.Fatal(st.Err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	if got := s.Status().Stored; got != 0 {
		t.Fatalf("a fresh store counts %d stored", got)
	}
	ps, waiting, err := s.Directory(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := map[string]Party{}
	for _, p := range ps {
		dir[p.NickKey] = p
	}
	if len(dir) != 2 || dir["bob"] != (Party{"bob", "BOB", "dev-b2", 2}) || dir["ann"].Party != "dev-a" {
		t.Fatalf("directory %+v", ps)
	}
	if len(waiting) != 1 || waiting["dev-b2"] != 4 {
		t.Fatalf("waiting %v, want dev-b2: 4", waiting)
	}
	// Up to id 13: 10, 11, 13 wait; the newest two are handed over.
	recs, earlier, err := s.Away(ctx(t), "dev-b2", 13, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(recs)) != "[11 13]" || earlier != 1 || recs[1].Text != "while away 3" || !recs[1].Away {
		t.Fatalf("away: %v (earlier %d) %+v", ids(recs), earlier, recs)
	}
	if recs, _, _ := s.Away(ctx(t), "dev-b2", 13, 2); fmt.Sprint(ids(recs)) != "[11 13]" {
		t.Fatalf("not yet delivered, asked again: %v", ids(recs))
	}
	s.Delivered("dev-b2", 13)
	// Handed over: only 14 is left.
	recs, earlier, err = s.Away(ctx(t), "dev-b2", 100, 10)
	if err != nil || fmt.Sprint(ids(recs)) != "[14]" || earlier != 0 {
		t.Fatalf("away again: %v (earlier %d) %v", ids(recs), earlier, err)
	}
	s.Delivered("dev-b2", 100)
	if recs, _, _ := s.Away(ctx(t), "dev-b2", 100, 10); len(recs) != 0 {
		t.Fatalf("delivered twice: %v", ids(recs))
	}
	if recs, _, _ := s.Away(ctx(t), "dev-a", 100, 10); len(recs) != 0 {
		t.Fatalf("the sender got its own messages as kept for it: %v", ids(recs))
	}
	// The private history itself is untouched.
	all, _, err := s.PrivateAfter(ctx(t), "dev-b2", 0, 100, 100)
	if err != nil || len(all) != 5 {
		t.Fatalf("private history after delivery: %v %v", ids(all), err)
	}
}
