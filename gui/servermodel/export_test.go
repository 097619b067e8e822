package servermodel

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/multichat/multichat/net/store"
)

// hostileStore keeps a room whose messages try to break out of every format:
// markup, quotes, an ampersand entity, a line break, Korean.
func hostileStore(t *testing.T) (*store.Store, time.Time) {
	t.Helper()
	st := openStore(t)
	day := midnight(time.Now()).AddDate(0, 0, -2)
	recs := []store.Record{
		{Kind: store.KindJoined, Room: "dev", From: "<b>eve</b>"},
		{Kind: store.KindChat, Room: "dev", From: "<b>eve</b>", Text: `<script>alert("x")</script> &amp; 'q'`},
		{Kind: store.KindChat, Room: "dev", From: "ann", Text: "두 줄\n둘째 줄"},
		{Kind: store.KindNotice, Room: "dev", Text: "restart at noon"},
		{Kind: store.KindChat, Room: "dev", From: "bob", Text: "the next day"},
		{Kind: store.KindChat, Room: "lobby", From: "bob", Text: "not in dev"},
	}
	for i, r := range recs {
		r.ID, r.Time, r.Conv = uint64(i+1), day.Add(time.Duration(i)*time.Hour).UnixMilli(), store.RoomConv(r.Room)
		if i >= 4 {
			r.Time = day.AddDate(0, 0, 1).Add(time.Hour).UnixMilli()
		}
		st.Append(r)
	}
	return st, day
}

// TestExportFormats: plain text and HTML (escaped: no markup from a message
// reaches the page), and CSV and JSON as before (JSON written entry by
// entry, byte for byte what one encoder of the whole array writes).
func TestExportFormats(t *testing.T) {
	st, day := hostileStore(t)
	rows, _, err := st.Day(context.Background(), "#dev", day, day.AddDate(0, 0, 1), 100)
	if err != nil || len(rows) != 4 {
		t.Fatalf("day: %d rows, %v", len(rows), err)
	}
	export := func(f ExportFormat, rows []store.Record) string {
		t.Helper()
		var b bytes.Buffer
		if err := Export(&b, f, "MultiChat history: dev", rows); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}

	txt := export(FormatText, rows)
	at := func(i int) string { return time.UnixMilli(rows[i].Time).Format(time.DateTime) }
	want := "MultiChat history: dev\n\n" +
		at(0) + " [dev] <b>eve</b> joined\n" +
		at(1) + ` [dev] <b>eve</b>: <script>alert("x")</script> &amp; 'q'` + "\n" +
		at(2) + " [dev] ann: 두 줄\n" + strings.Repeat(" ", len(at(2))+1) + "둘째 줄\n" +
		at(3) + " [dev] [announcement] restart at noon\n"
	if txt != want {
		t.Errorf("text:\n%s\nwant:\n%s", txt, want)
	}

	page := export(FormatHTML, rows)
	for _, bad := range []string{"<script>", "<b>eve", `alert("x")`, "&amp; 'q'"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML holds %q unescaped:\n%s", bad, page)
		}
	}
	for _, good := range []string{"<!DOCTYPE html>", `<meta charset="utf-8">`, "<title>MultiChat history: dev</title>",
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp;amp; &#39;q&#39;", "&lt;b&gt;eve&lt;/b&gt; joined",
		"두 줄\n둘째 줄", `<tr class="announcement">`, "<p>4 entries</p>", "</html>\n"} {
		if !strings.Contains(page, good) {
			t.Errorf("HTML lacks %q:\n%s", good, page)
		}
	}
	if strings.Count(page, "<tr class=") != 4 {
		t.Errorf("HTML rows: %d", strings.Count(page, "<tr class="))
	}

	var whole bytes.Buffer
	enc := json.NewEncoder(&whole)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	var objs []exported
	for _, r := range rows {
		objs = append(objs, exported{ID: r.ID, Time: time.UnixMilli(r.Time).Format(time.RFC3339),
			Kind: kindName(r.Kind), Room: r.Room, From: r.From, Text: r.Text})
	}
	enc.Encode(objs)
	if got := export(FormatJSON, rows); got != whole.String() {
		t.Errorf("json:\n%s\nwant:\n%s", got, whole.String())
	}
	if got := export(FormatJSON, nil); got != "[]\n" {
		t.Errorf("empty json %q", got)
	}
	if got := export(FormatCSV, rows[1:2]); !strings.Contains(got, `"<script>alert(""x"")</script> &amp; 'q'"`) {
		t.Errorf("csv:\n%s", got)
	}
	if FormatLabeled(FormatHTML.Label()) != FormatHTML || FormatLabeled("?") != FormatText {
		t.Error("format labels")
	}
}

// TestExportWholeRoom: exporting a room writes every day of it (read in
// pages, here of 2 entries), not the day shown, and nothing of other rooms.
func TestExportWholeRoom(t *testing.T) {
	st, day := hostileStore(t)
	defer func(n int) { exportPage = n }(exportPage)
	exportPage = 2
	var h History
	run(t, &h, st, h.LoadRooms())
	run(t, &h, st, h.ShowRoom("dev"))
	if len(h.Rows) != 1 || h.Rows[0].Text != "the next day" {
		t.Fatalf("the latest day of dev: %+v", h.Rows)
	}
	if name := h.ExportName(FormatHTML, true); name != "multichat-dev-all.html" {
		t.Errorf("name %q", name)
	}
	var b bytes.Buffer
	n, err := ExportRoom(context.Background(), st, h.Conv, &b, FormatText, h.RoomExportTitle())
	if err != nil || n != 5 {
		t.Fatalf("exported %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[0] != "MultiChat history: dev, everything kept" || len(lines) != 8 ||
		!strings.HasSuffix(lines[7], "bob: the next day") || strings.Contains(b.String(), "not in dev") ||
		!strings.HasPrefix(lines[2], day.Format(time.DateOnly)) {
		t.Errorf("whole room:\n%s", b.String())
	}
	if n, err := ExportRoom(context.Background(), st, store.PrivateConv("a", "b"), &b, FormatCSV, ""); n != 0 || err != nil {
		t.Errorf("a private conversation exported %d, %v", n, err)
	}
}
