package servermodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/multichat/multichat/gui/clientmodel"
	"github.com/multichat/multichat/net/store"
)

// HistorySource is what the History tab reads and sets: the server's
// history store (net/store's Store). Reads block; the window runs them off
// its UI goroutine.
type HistorySource interface {
	Path() string
	Status() store.Status
	Rooms(ctx context.Context) ([]store.RoomSummary, error)
	Day(ctx context.Context, conv string, from, to time.Time, n int) ([]store.Record, bool, error)
	NextDay(ctx context.Context, conv string, from time.Time, dir int) (time.Time, bool, error)
	Search(ctx context.Context, query string, sc store.Scope, before uint64, n int) ([]store.Record, bool, error)
	Range(ctx context.Context, conv string, after uint64, n int) ([]store.Record, bool, error)
	SetKeepDays(n int)
	KeepDays() int
}

// MaxHistoryRows bounds the entries the tab shows (and exports) at once: a
// day of a room, or search results.
const MaxHistoryRows = 5000

// History is the History tab's state: the rooms with history, the room and
// day shown (or the search whose results are shown), and those entries.
type History struct {
	Rooms []store.RoomSummary
	Conv  string    // the room shown (RoomConv key)
	Day   time.Time // local midnight of the day shown; zero before the first answer
	Query string    // set while search results are shown
	Rows  []store.Record
	More  bool   // more entries than MaxHistoryRows
	Err   string // why the last read failed, in words
	Busy  bool
	seq   int // the read whose answer is awaited; older answers are dropped
}

// HistoryRead is a read to run off the UI goroutine; Apply takes its result
// on the UI goroutine.
type HistoryRead func(ctx context.Context, src HistorySource) HistoryResult

// HistoryResult is a read's answer.
type HistoryResult struct {
	seq   int
	rooms []store.RoomSummary // set when the room list was read
	conv  string
	day   time.Time
	query string
	rows  []store.Record
	more  bool
	err   error
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func (h *History) begin() int {
	h.seq++
	h.Busy, h.Err = true, ""
	return h.seq
}

// readDay reads the day of t in conv; with dir ≠ 0 it first moves to the
// nearest day with entries before (dir < 0) or after (dir > 0) that day.
func readDay(ctx context.Context, src HistorySource, seq int, conv string, t time.Time, dir int) HistoryResult {
	res := HistoryResult{seq: seq, conv: conv, day: midnight(t)}
	if dir != 0 {
		from := res.day
		if dir > 0 {
			from = from.AddDate(0, 0, 1)
		}
		next, ok, err := src.NextDay(ctx, conv, from, dir)
		if err != nil || !ok {
			res.err = err
			if err == nil {
				res.err = errNoMoreDays
				if dir < 0 {
					res.err = errNoEarlierDays
				}
			}
			return res
		}
		res.day = midnight(next)
	}
	res.rows, res.more, res.err = src.Day(ctx, conv, res.day, res.day.AddDate(0, 0, 1), MaxHistoryRows)
	return res
}

var (
	errNoEarlierDays = errors.New(lang.L("nothing earlier was kept in this room"))
	errNoMoreDays    = errors.New(lang.L("nothing later was kept in this room"))
)

// LoadRooms reads the room list, then shows the latest day of the room
// shown (the most recently active room at first).
func (h *History) LoadRooms() HistoryRead {
	seq, conv := h.begin(), h.Conv
	return func(ctx context.Context, src HistorySource) HistoryResult {
		rooms, err := src.Rooms(ctx)
		if err != nil {
			return HistoryResult{seq: seq, err: err}
		}
		known := false
		for _, r := range rooms {
			known = known || r.Conv == conv
		}
		if !known {
			conv = ""
			if len(rooms) > 0 {
				conv = rooms[0].Conv
			}
		}
		res := HistoryResult{seq: seq, conv: conv}
		if conv != "" {
			res = readDay(ctx, src, seq, conv, time.Now().AddDate(0, 0, 1), -1)
			if errors.Is(res.err, errNoEarlierDays) {
				res.err = nil
			}
		}
		res.rooms = rooms
		if res.rooms == nil {
			res.rooms = []store.RoomSummary{}
		}
		return res
	}
}

// ShowRoom shows the latest day of the room named name.
func (h *History) ShowRoom(name string) HistoryRead {
	conv := ""
	for _, r := range h.Rooms {
		if r.Room == name {
			conv = r.Conv
		}
	}
	seq := h.begin()
	return func(ctx context.Context, src HistorySource) HistoryResult {
		res := readDay(ctx, src, seq, conv, time.Now().AddDate(0, 0, 1), -1)
		if errors.Is(res.err, errNoEarlierDays) {
			res.err = nil
		}
		return res
	}
}

// StepDay shows the nearest earlier (dir < 0) or later (dir > 0) day with
// entries.
func (h *History) StepDay(dir int) HistoryRead {
	seq, conv, day := h.begin(), h.Conv, h.Day
	if day.IsZero() {
		day = midnight(time.Now())
	}
	return func(ctx context.Context, src HistorySource) HistoryResult {
		return readDay(ctx, src, seq, conv, day, dir)
	}
}

// ShowDate shows the day typed as YYYY-MM-DD, or says why it cannot.
func (h *History) ShowDate(text string) (HistoryRead, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(text), time.Local)
	if err != nil {
		return nil, errors.New(lang.L("type a date as 2026-03-04"))
	}
	seq, conv := h.begin(), h.Conv
	return func(ctx context.Context, src HistorySource) HistoryResult {
		return readDay(ctx, src, seq, conv, t, 0)
	}, nil
}

// Search searches every room's messages and announcements (never private
// messages), newest first.
func (h *History) Search(query string) HistoryRead {
	query = strings.TrimSpace(query)
	seq, conv, day := h.begin(), h.Conv, h.Day
	return func(ctx context.Context, src HistorySource) HistoryResult {
		res := HistoryResult{seq: seq, conv: conv, day: day, query: query}
		res.rows, res.more, res.err = src.Search(ctx, query, store.Scope{AllRooms: true}, 0, MaxHistoryRows)
		if errors.Is(res.err, store.ErrQueryShort) {
			res.err = errors.New(lang.L("type a word to search for"))
		}
		return res
	}
}

// Apply takes a read's answer; an answer to a read since overtaken is
// dropped. It reports whether anything changed.
func (h *History) Apply(res HistoryResult) bool {
	if res.seq != h.seq {
		return false
	}
	h.Busy = false
	if res.err != nil {
		h.Err = res.err.Error()
		return true
	}
	if res.rooms != nil {
		h.Rooms = res.rooms
	}
	h.Conv, h.Day, h.Query, h.Rows, h.More = res.conv, res.day, res.query, res.rows, res.more
	return true
}

// RoomNames lists the rooms with history, for the room picker.
func (h *History) RoomNames() []string {
	out := make([]string, len(h.Rooms))
	for i, r := range h.Rooms {
		out[i] = r.Room
	}
	return out
}

// RoomName is the name of the room shown.
func (h *History) RoomName() string {
	for _, r := range h.Rooms {
		if r.Conv == h.Conv {
			return r.Room
		}
	}
	return ""
}

// Title says what is shown: a room's day or search results.
func (h *History) Title() string {
	switch {
	case h.Query != "":
		more := ""
		if h.More {
			more = fmt.Sprintf(lang.L(" (the newest %d)"), len(h.Rows))
		}
		return fmt.Sprintf(lang.L("“%s” in every room: %d found%s"), h.Query, len(h.Rows), more)
	case h.Conv == "":
		return lang.L("No room has history yet")
	case h.Day.IsZero():
		return h.RoomName()
	}
	more := ""
	if h.More {
		more = fmt.Sprintf(lang.L(" (the first %d)"), len(h.Rows))
	}
	return fmt.Sprintf(lang.L("%s, %s: %d entries%s"), RoomName(h.RoomName()), Weekday(h.Day)+" "+h.Day.Format("2006-01-02"),
		len(h.Rows), more)
}

// Weekday is t's day of the week, short, in the interface's language.
func Weekday(t time.Time) string {
	switch t.Weekday() {
	case time.Monday:
		return lang.L("Mon")
	case time.Tuesday:
		return lang.L("Tue")
	case time.Wednesday:
		return lang.L("Wed")
	case time.Thursday:
		return lang.L("Thu")
	case time.Friday:
		return lang.L("Fri")
	case time.Saturday:
		return lang.L("Sat")
	}
	return lang.L("Sun")
}

// HistoryLine is how the tab shows an entry: time, room, who, what.
func HistoryLine(r store.Record) (at, room, who, text string) {
	at = time.UnixMilli(r.Time).Format("01-02 15:04:05")
	switch r.Kind {
	case store.KindNotice:
		return at, r.Room, "", lang.L("[announcement]") + " " + r.Text
	case store.KindJoined:
		return at, r.Room, r.From, fmt.Sprintf(lang.L("%s joined"), r.From)
	case store.KindLeft:
		return at, r.Room, r.From, fmt.Sprintf(lang.L("%s left (%s)"), r.From, leftReason(r.Text))
	case store.KindKicked:
		return at, r.Room, r.From, fmt.Sprintf(lang.L("%s was removed (%s)"), r.From, clientmodel.ServerReason(r.Text))
	}
	return at, r.Room, r.From, r.Text
}

// ParseKeepDays reads the retention typed in days (0 or empty: forever).
func ParseKeepDays(text string) (int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 || n > 100*365 {
		return 0, errors.New(lang.L("type a number of days (0 keeps history forever)"))
	}
	return n, nil
}

// DatabaseLine says where the history database is and how big.
func DatabaseLine(st store.Status) string {
	return fmt.Sprintf(lang.L("Database: %s (%.1f MB)"), st.Path, float64(st.Size)/1e6)
}
