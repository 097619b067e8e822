package servermodel

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
)

// openStore opens a history database in a new directory, closed when the
// test ends.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), store.File), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func historyStore(t *testing.T) (*store.Store, time.Time) {
	t.Helper()
	st := openStore(t)
	today := midnight(time.Now())
	recs := []store.Record{
		{Kind: store.KindChat, Room: "lobby", From: "ann", Text: "three days ago, \"quoted\", with a comma"},
		{Kind: store.KindJoined, Room: "lobby", From: "bob"},
		{Kind: store.KindChat, Room: "lobby", From: "bob", Text: "오늘 회의는 3시"},
		{Kind: store.KindNotice, Room: "lobby", Text: "server restarts at noon"},
		{Kind: store.KindChat, Room: "team", From: "bob", Text: "회의 notes"},
		{Kind: store.KindPrivate, From: "ann", To: "bob", Text: "private 회의", FromParty: "a", ToParty: "b"},
	}
	times := []time.Time{today.AddDate(0, 0, -3).Add(9 * time.Hour), today.Add(time.Hour), today.Add(2 * time.Hour),
		today.Add(3 * time.Hour), today.AddDate(0, 0, -1), today.Add(time.Hour)}
	for i, r := range recs {
		r.ID, r.Time = uint64(i+1), times[i].UnixMilli()
		r.Conv = store.RoomConv(r.Room)
		if r.Kind == store.KindPrivate {
			r.Conv = store.PrivateConv("a", "b")
		}
		st.Append(r)
	}
	return st, today
}

func run(t *testing.T, h *History, src HistorySource, read HistoryRead) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if !h.Apply(read(ctx, src)) {
		t.Fatal("the answer was dropped")
	}
}

func TestHistoryBrowseSearchExport(t *testing.T) {
	st, today := historyStore(t)
	var h History
	run(t, &h, st, h.LoadRooms())
	if h.Err != "" || strings.Join(h.RoomNames(), ",") != "lobby,team" || h.Conv != "#lobby" || !h.Day.Equal(today) {
		t.Fatalf("after loading: rooms %v conv %q day %v err %q", h.RoomNames(), h.Conv, h.Day, h.Err)
	}
	if len(h.Rows) != 3 || h.Title() != "lobby, "+today.Format("Mon 2006-01-02")+": 3 entries" {
		t.Fatalf("today: %q, %d rows", h.Title(), len(h.Rows))
	}
	if _, _, _, text := HistoryLine(h.Rows[0]); text != "bob joined" {
		t.Fatalf("first line %q", text)
	}
	run(t, &h, st, h.StepDay(-1)) // back to the day with entries, three days ago
	if !h.Day.Equal(today.AddDate(0, 0, -3)) || len(h.Rows) != 1 {
		t.Fatalf("a step back: day %v rows %d", h.Day, len(h.Rows))
	}
	run(t, &h, st, h.StepDay(-1))
	if h.Err == "" || len(h.Rows) != 1 {
		t.Fatalf("before the first day: err %q, rows %d", h.Err, len(h.Rows))
	}
	var csvOut bytes.Buffer
	if err := ExportCSV(&csvOut, h.Rows); err != nil {
		t.Fatal(err)
	}
	if want := `"three days ago, ""quoted"", with a comma"`; !strings.Contains(csvOut.String(), want) ||
		!strings.HasPrefix(csvOut.String(), "id,time,kind,room,from,text\n1,") {
		t.Fatalf("csv:\n%s", csvOut.String())
	}
	if name := h.ExportName(FormatCSV, false); name != "multichat-lobby-"+today.AddDate(0, 0, -3).Format(time.DateOnly)+".csv" {
		t.Fatalf("export name %q", name)
	}

	// A stale answer is dropped: a newer read began.
	stale := h.ShowRoom("team")
	read := h.Search("회의")
	ctx := context.Background()
	if h.Apply(stale(ctx, st)) {
		t.Fatal("a stale answer was taken")
	}
	run(t, &h, st, read)
	var texts []string
	for _, r := range h.Rows {
		texts = append(texts, r.Text)
	}
	if strings.Join(texts, "|") != "회의 notes|오늘 회의는 3시" {
		t.Fatalf("search found %q (private messages must not be)", texts)
	}
	var js bytes.Buffer
	if err := ExportJSON(&js, h.Rows); err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back) != 2 || back[0]["room"] != "team" {
		t.Fatalf("json %s: %v", js.String(), err)
	}
	if _, err := h.ShowDate("yesterday"); err == nil {
		t.Fatal("a date in words was taken")
	}
	for text, want := range map[string]int{"": 0, "30": 30, " 7 ": 7} {
		if n, err := ParseKeepDays(text); err != nil || n != want {
			t.Errorf("keep days %q: %d %v", text, n, err)
		}
	}
	for _, bad := range []string{"-1", "ten", "99999999"} {
		if _, err := ParseKeepDays(bad); err == nil {
			t.Errorf("keep days %q accepted", bad)
		}
	}
}
