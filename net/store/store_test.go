package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // -race on a busy machine is slow
	t.Cleanup(cancel)
	return c
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func chat(id uint64, room, from, text string) Record {
	return Record{ID: id, Time: time.Now().UnixMilli(), Kind: KindChat, Conv: RoomConv(room), Room: room,
		From: from, Text: text, Ref: uint32(id)}
}

func private(id uint64, from, to, text string) Record {
	return Record{ID: id, Time: time.Now().UnixMilli(), Kind: KindPrivate, Conv: PrivateConv(from, to),
		From: from, To: to, Text: text, FromParty: from, ToParty: to}
}

func ids(recs []Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestRestartKeepsHistoryAndIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxID() != 0 {
		t.Fatalf("new store MaxID = %d", s.MaxID())
	}
	for i := uint64(1); i <= 300; i++ {
		if !s.Append(chat(i, "lobby", "ann", fmt.Sprintf("message %d", i))) {
			t.Fatal("append refused")
		}
	}
	s.Append(Record{ID: 301, Time: time.Now().UnixMilli(), Kind: KindJoined, Conv: RoomConv("lobby"), Room: "lobby", From: "bob"})
	if err := s.Close(); err != nil { // a clean stop stores everything
		t.Fatal(err)
	}
	s = open(t, path)
	if s.MaxID() != 301 {
		t.Fatalf("MaxID after restart = %d, want 301", s.MaxID())
	}
	recent, err := s.Recent(ctx(t), RoomConv("lobby"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 100 || recent[0].ID != 201 || recent[99].ID != 300 || recent[99].Text != "message 300" {
		t.Fatalf("recent: %d records, %v…", len(recent), ids(recent[:min(3, len(recent))]))
	}
	page, more, err := s.Before(ctx(t), RoomConv("lobby"), 201, 50, true)
	if err != nil || !more || len(page) != 50 || page[0].ID != 151 || page[49].ID != 200 {
		t.Fatalf("page before 201: %v more=%v err=%v", ids(page), more, err)
	}
	page, _, _ = s.Before(ctx(t), RoomConv("lobby"), 0, 2, true)
	if page[1].Kind != KindJoined || page[1].From != "bob" {
		t.Fatalf("newest page with events: %+v", page)
	}
	st := s.Status()
	if st.Size <= 0 || st.Err != nil {
		t.Fatalf("status %+v", st)
	}
}

func TestMissedExactlyOnceAndBounded(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), File))
	var id uint64
	for range 2500 {
		id++
		s.Append(chat(id, "lobby", "ann", "x"))
		id++
		s.Append(chat(id, "other", "bob", "y"))
	}
	// No Flush: After waits for what was appended.
	recs, earlier, err := s.After(ctx(t), RoomConv("lobby"), 3999, id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 500 || earlier != 0 || recs[0].ID != 4001 || recs[499].ID != 4999 {
		t.Fatalf("missed: %d records from %d, earlier %d", len(recs), recs[0].ID, earlier)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].ID != recs[i-1].ID+2 {
			t.Fatalf("gap or duplicate at %d: %d after %d", i, recs[i].ID, recs[i-1].ID)
		}
	}
	recs, earlier, _ = s.After(ctx(t), RoomConv("lobby"), 0, id, 1000)
	if len(recs) != 1000 || earlier != 1500 || recs[999].ID != 4999 {
		t.Fatalf("bounded: %d records, earlier %d", len(recs), earlier)
	}
	s.Append(private(id+1, "ann", "bob", "secret"))
	s.Append(private(id+2, "carl", "ann", "hi"))
	s.Append(private(id+3, "carl", "dora", "not ann's"))
	recs, _, _ = s.PrivateAfter(ctx(t), "ann", id, id+3, 1000)
	if fmt.Sprint(ids(recs)) != fmt.Sprint([]uint64{id + 1, id + 2}) {
		t.Fatalf("ann's private messages: %v", ids(recs))
	}
}

func TestSearchKoreanAndEnglish(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), File))
	texts := []string{"오늘 회의는 3시", "The Meeting is at three", "정기회의 안건", "nothing here",
		"meeting notes", "회사 소식", "회"}
	for i, tx := range texts {
		s.Append(chat(uint64(i+1), "lobby", "ann", tx))
	}
	s.Append(chat(8, "secret", "bob", "meeting in the secret room 회의"))
	s.Append(private(9, "ann", "bob", "private meeting 회의"))
	s.Append(private(10, "bob", "carl", "their meeting 회의"))
	check := func(q string, want ...uint64) {
		t.Helper()
		recs, _, err := s.Search(ctx(t), q, Scope{Convs: []string{RoomConv("lobby")}, Party: "ann"}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(recs)) != fmt.Sprint(want) {
			t.Errorf("search %q: %v, want %v", q, ids(recs), want)
		}
	}
	// Written, perhaps not indexed yet: the scan of the tail answers.
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	check("회의", 9, 3, 1)
	check("MEETING", 9, 5, 2)
	if err := s.Flush(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for s.Status().Backlog > 0 { // the writer indexes when idle
		if err := s.Flush(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	check("회의", 9, 3, 1)
	check("회의는", 1)
	check("MEETING", 9, 5, 2)
	check("meeting three", 2)
	check("회", 9, 7, 6, 3, 1)
	check("nomatch")
	recs, more, _ := s.Search(ctx(t), "meeting", Scope{Convs: []string{RoomConv("lobby")}, Party: "ann"}, 0, 2)
	if !more || fmt.Sprint(ids(recs)) != "[9 5]" {
		t.Fatalf("paged: %v more=%v", ids(recs), more)
	}
	recs, _, _ = s.Search(ctx(t), "meeting", Scope{Convs: []string{RoomConv("lobby")}, Party: "ann"}, 5, 2)
	if fmt.Sprint(ids(recs)) != "[2]" {
		t.Fatalf("second page: %v", ids(recs))
	}
}

func TestNewerSchemaRefusedUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "newer version") {
		t.Fatalf("open newer schema: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the newer database was modified")
	}
}

func TestLockedByAnotherServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	open(t, path)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "in use by another MultiChat server") {
		t.Fatalf("second open: %v", err)
	}
}

func TestReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores permissions")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	_, err := Open(filepath.Join(dir, File), Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot write") {
		t.Fatalf("open in read-only dir: %v", err)
	}
}

func TestDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	os.WriteFile(path, []byte(strings.Repeat("not a database ", 400)), 0o644)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "damaged or not a database") {
		t.Fatalf("open garbage: %v", err)
	}
}

func TestPrune(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), File))
	old := time.Now().AddDate(0, 0, -10).UnixMilli()
	for i := uint64(1); i <= 10; i++ {
		r := chat(i, "lobby", "ann", "old meeting")
		if i > 5 {
			r.Text = "new meeting"
		} else {
			r.Time = old
		}
		s.Append(r)
	}
	s.Flush(ctx(t))
	w := &writer{s: s}
	// Run prune on the writer's behalf: the writer is idle after Flush but
	// still owns the connection pool; database/sql serialises.
	w.prune(time.Now().AddDate(0, 0, -5))
	recs, _, _ := s.Before(ctx(t), RoomConv("lobby"), 0, 50, true)
	if len(recs) != 5 || recs[0].ID != 6 {
		t.Fatalf("after prune: %v", ids(recs))
	}
}

// TestKillLosesAtMostTheBatchWindow runs a child that appends a record per
// millisecond, kills it with SIGKILL and checks what survived.
func TestKillLosesAtMostTheBatchWindow(t *testing.T) {
	if path := os.Getenv("STORE_KILL_CHILD"); path != "" {
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for i := uint64(1); ; i++ {
			s.Append(chat(i, "lobby", "ann", "x"))
			fmt.Println(i)
			time.Sleep(time.Millisecond)
		}
	}
	path := filepath.Join(t.TempDir(), File)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillLosesAtMostTheBatchWindow$")
	cmd.Env = append(os.Environ(), "STORE_KILL_CHILD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var last uint64
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() && last < 500 && time.Now().Before(deadline) {
		last, _ = strconv.ParseUint(sc.Text(), 10, 64)
	}
	// The child appended record `last` before printing it; kill now.
	killedAt := time.Now()
	cmd.Process.Kill()
	cmd.Wait()
	if last < 500 {
		t.Fatalf("child stopped early at %d", last)
	}
	_ = killedAt
	s := open(t, path)
	recs, _, err := s.Before(ctx(t), RoomConv("lobby"), 0, 100000, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.ID != uint64(i+1) {
			t.Fatalf("record %d has id %d: a hole", i, r.ID)
		}
	}
	// One record per millisecond (or slower): 100 ms is at most 100 records.
	if lost := int(last) - len(recs); lost > 100 {
		t.Fatalf("%d records survived of %d appended: %d lost, more than 100 ms", len(recs), last, lost)
	}
	// Ids the killed process gave to lost records are never given again.
	if s.MaxID() <= last+1000 {
		t.Fatalf("MaxID after a kill is %d: new ids could repeat lost ones (up to %d appended)", s.MaxID(), last)
	}
	t.Logf("kill -9: %d of at least %d records survived; ids continue after %d", len(recs), last, s.MaxID())
}

// smallDisk mounts a tmpfs of size for the test (root only; skipped
// otherwise) and returns its path.
func smallDisk(t *testing.T, size string) string {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestDiskFull: a full disk costs history (counted, reported) but Append
// never blocks, and reads go on.
func TestDiskFull(t *testing.T) {
	dir := smallDisk(t, "2m")
	s, err := Open(filepath.Join(dir, File), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reports := make(chan Status, 100)
	s.SetReport(func(st Status) {
		select {
		case reports <- st:
		default:
		}
	})
	big := strings.Repeat("가", 1300) // about 4 KB
	var id uint64
	deadline := time.Now().Add(20 * time.Second)
	// The disk may first fill while the search index is written (the
	// messages are stored, the error is reported, the index waits): go on
	// until messages themselves are refused.
	for st := s.Status(); (st.Err == nil || st.NotStored == 0) && time.Now().Before(deadline); st = s.Status() {
		for range 100 {
			id++
			start := time.Now()
			s.Append(chat(id, "lobby", "ann", big))
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Fatalf("Append blocked for %v", d)
			}
		}
		s.Flush(ctx(t))
	}
	st := s.Status()
	if st.Err == nil || !strings.Contains(st.Err.Error(), "full") || st.NotStored == 0 {
		t.Fatalf("status after filling the disk: %+v", st)
	}
	select {
	case r := <-reports:
		if r.Err == nil {
			t.Fatalf("first report %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report of the failure")
	}
	t.Logf("disk full: %v; %d stored, %d not stored", st.Err, st.Stored, st.NotStored)
	// Reads still work.
	if _, err := s.Recent(ctx(t), RoomConv("lobby"), 10); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	}
}

// TestReadOnlyDisk: a data directory on a read-only disk (root-proof,
// unlike TestReadOnlyDirectory): the store is refused with a clear error.
func TestReadOnlyDisk(t *testing.T) {
	dir := smallDisk(t, "8m")
	s, err := Open(filepath.Join(dir, File), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Append(chat(1, "lobby", "ann", "before"))
	s.Close()
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v: %s", err, out)
	}
	_, err = Open(filepath.Join(dir, File), Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot write") {
		t.Fatalf("open on a read-only disk: %v", err)
	}
	t.Log(err)
}

// waitIndexed flushes until the writer has indexed everything.
func waitIndexed(t *testing.T, s *Store) {
	t.Helper()
	for s.Status().Backlog > 0 {
		if err := s.Flush(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// The index holds trigrams without positions: a message holding every
// trigram of a word, but not the word, is a candidate the LIKE check drops.
func TestSearchTrigramCandidates(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), File))
	texts := []string{
		"internationalization is hard",      // 1: the word
		"nation inter ization alization al", // 2: every trigram of it, not the word
		"INTERNATIONALIZATION shouted",      // 3: case differs
		"회의실 예약", "실회의 예약",                  // 4, 5: Korean substrings
		`quote "marks" here`, // 6
	}
	for i, tx := range texts {
		s.Append(chat(uint64(i+1), "lobby", "ann", tx))
	}
	waitIndexed(t, s)
	for _, c := range []struct {
		q    string
		want string
	}{
		{"internationalization", "[3 1]"},
		{"nationaliz", "[3 1]"},
		{"회의실", "[4]"},
		{"회의", "[5 4]"},
		{`"marks"`, "[6]"},
		{`s" h`, "[6]"},
		{"ization inter", "[3 2 1]"},
	} {
		recs, _, err := s.Search(ctx(t), c.q, Scope{Convs: []string{RoomConv("lobby")}}, 0, 50)
		if err != nil {
			t.Fatalf("search %q: %v", c.q, err)
		}
		if got := fmt.Sprint(ids(recs)); got != c.want {
			t.Errorf("search %q: %v, want %v", c.q, got, c.want)
		}
	}
	if got := trigrams("internationalization"); len(got) != maxTrigrams ||
		got[0] != `"int"` || got[len(got)-1] != `"ion"` {
		t.Errorf("trigrams: %v", got)
	}
}

// A database of schema step 3 (the index with positions) is migrated: its
// messages are indexed again and found, before and after the index catches up.
func TestSchemaStep4Reindexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if _, err := db.Exec(migrations[v]); err != nil {
			t.Fatal(err)
		}
	}
	for i, tx := range []string{"오늘 회의는 3시", "The Meeting is at three", "nothing"} {
		if _, err := db.Exec(`INSERT INTO messages`+insertCols+` VALUES(?,?,1,?,'lobby','ann','',?,0,'','')`,
			i+1, time.Now().UnixMilli(), RoomConv("lobby"), tx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO search(rowid, text, pairs) VALUES(?, ?, ?)`, i+1, tx, pairs(tx)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE meta SET value = 3 WHERE key = 'indexed'; PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := open(t, path)
	if st := s.Status(); st.Backlog != 3 && st.Backlog != 0 {
		t.Fatalf("backlog after the migration: %d", st.Backlog)
	}
	check := func() {
		t.Helper()
		for q, want := range map[string]string{"회의": "[1]", "meeting": "[2]", "thre": "[2]"} {
			recs, _, err := s.Search(ctx(t), q, Scope{Convs: []string{RoomConv("lobby")}}, 0, 50)
			if err != nil || fmt.Sprint(ids(recs)) != want {
				t.Errorf("search %q: %v %v, want %v", q, ids(recs), err, want)
			}
		}
	}
	check()
	waitIndexed(t, s)
	check()
	var detail string
	s.db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'search'`).Scan(&detail)
	if !strings.Contains(detail, "detail=none") {
		t.Fatalf("search table: %s", detail)
	}
}
