package gui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/multichat/multichat/net/server"
)

func TestServerWindowLogIsCappedAndFollows(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	batch := make([]server.Event, 0, 3000)
	total := 0
	for range 4 {
		batch = batch[:0]
		for range 3000 {
			total++
			batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprintf("line %d", total)})
		}
		f.apply(batch...)
		if !sw.logAtBottom() {
			t.Fatalf("log stopped following the bottom at %d lines", total)
		}
	}
	if n := sw.log.Length(); n > maxLogLines+logTrimSlack || n < maxLogLines {
		t.Fatalf("log holds %d lines", n)
	}
	if last := activityText(sw, sw.log.Length()-1); last != fmt.Sprintf("[lobby] bot: line %d", total) {
		t.Fatalf("last line %q", last)
	}

	// Scrolled up, new lines do not move the view off the lines it shows,
	// whether or not they make the log drop its oldest lines.
	row := sw.logItemHt + theme.Padding()
	topLine := func() string { return activityText(sw, int(sw.log.GetScrollOffset()/row)) }
	for _, more := range []int{1, logTrimSlack} {
		sw.log.ScrollToOffset(float32(sw.log.Length()/2) * row)
		before := topLine()
		batch = batch[:0]
		for range more {
			total++
			batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprintf("line %d", total)})
		}
		f.apply(batch...)
		if got := topLine(); got != before {
			t.Fatalf("after %d more lines the view moved from %q to %q", more, before, got)
		}
		if sw.logAtBottom() {
			t.Fatal("log claims to be at the bottom")
		}
	}
	if n := sw.log.Length(); n > maxLogLines+logTrimSlack {
		t.Fatalf("log holds %d lines", n)
	}
}

func TestServerWindowLogFollowsItsOwnLines(t *testing.T) {
	f := newServerFixture(t, 8)
	sw := f.sw
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	var batch []server.Event
	for i := range 100 {
		batch = append(batch, server.Message{Room: "lobby", From: "bot", Text: fmt.Sprint(i)})
	}
	batch = append(batch, server.Stopped{At: time.Now()})
	f.apply(batch...)
	test.Tap(sw.start) // logs "Starting on …" itself
	f.nextCmd()
	if !sw.logAtBottom() {
		t.Fatal("the log stopped following after the window's own line")
	}
	f.apply(server.Started{Addr: "127.0.0.1:5000", At: time.Now()})
	if !sw.logAtBottom() || !strings.HasPrefix(activityText(sw, sw.log.Length()-1), "Server started") {
		t.Fatal("the log does not show the last line")
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		"a\nb":          "a ↵ b",
		"tab\there":     "tab here",
		"bidi\u202eabc": "bidi abc",
		"long text":     "long…",
	} {
		limit := 100
		if in == "long text" {
			limit = 4
		}
		if got := oneLine(in, limit); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
