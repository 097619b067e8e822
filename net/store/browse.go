package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Browsing for the server's own window: the rooms with history, a room's
// entries by day, and the retention setting. Private messages are never
// browsed: they belong to their two parties.

// RoomSummary is a room with history.
type RoomSummary struct {
	Conv    string // RoomConv key
	Room    string // its name as last shown
	Entries int    // messages and events kept
	Last    int64  // Unix milliseconds of the newest
}

// SetKeepDays changes the retention (0 keeps everything); records older
// than that are pruned in the background soon after.
func (s *Store) SetKeepDays(n int) {
	s.keepDays.Store(int64(max(n, 0)))
	s.pruneNow.Store(true)
}

// KeepDays is the retention in days (0: forever).
func (s *Store) KeepDays() int { return int(s.keepDays.Load()) }

// Rooms lists the rooms with history, most recently active first.
func (s *Store) Rooms(ctx context.Context) ([]RoomSummary, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.db.QueryContext(ctx, `SELECT conv, count(*), max(id) FROM messages
		WHERE conv >= '#' AND conv < '$' GROUP BY conv`)
	if err != nil {
		return nil, explain(s.path, err)
	}
	var out []RoomSummary
	var lastIDs []int64
	for rows.Next() {
		var r RoomSummary
		var last int64
		if err := rows.Scan(&r.Conv, &r.Entries, &last); err != nil {
			rows.Close()
			return nil, explain(s.path, err)
		}
		out, lastIDs = append(out, r), append(lastIDs, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, explain(s.path, err)
	}
	for i := range out {
		if err := s.db.QueryRowContext(ctx, `SELECT room, time FROM messages WHERE id = ?`, lastIDs[i]).
			Scan(&out[i].Room, &out[i].Last); err != nil {
			return nil, explain(s.path, err)
		}
	}
	slices.SortFunc(out, func(a, b RoomSummary) int {
		return cmp.Or(cmp.Compare(b.Last, a.Last), strings.Compare(a.Room, b.Room))
	})
	return out, nil
}

// Day returns a room's entries (messages and events) from from until to,
// oldest first, at most n; more reports that later ones were left out.
func (s *Store) Day(ctx context.Context, conv string, from, to time.Time, n int) (recs []Record, more bool, err error) {
	if !strings.HasPrefix(conv, "#") {
		return nil, false, nil
	}
	if err := s.Flush(ctx); err != nil {
		return nil, false, err
	}
	// Ids increase with time: the range is found through the conversation's
	// index, by the first id at or after from.
	out, err := s.query(ctx, `SELECT `+cols+` FROM messages WHERE conv = ? AND id >= coalesce(
		(SELECT id FROM messages WHERE conv = ? AND time >= ? ORDER BY id LIMIT 1), 1<<62)
		AND time < ? ORDER BY id LIMIT ?`, conv, conv, from.UnixMilli(), to.UnixMilli(), n+1)
	if len(out) > n {
		out, more = out[:n], true
	}
	return out, more, err
}

// NextDay returns the time of the room's entry nearest before from (dir <
// 0) or at or after it (dir > 0); ok is false when there is none.
func (s *Store) NextDay(ctx context.Context, conv string, from time.Time, dir int) (t time.Time, ok bool, err error) {
	if err := s.Flush(ctx); err != nil {
		return time.Time{}, false, err
	}
	q := `SELECT time FROM messages WHERE conv = ? AND time >= ? ORDER BY id LIMIT 1`
	if dir < 0 {
		q = `SELECT time FROM messages WHERE conv = ? AND time < ? ORDER BY id DESC LIMIT 1`
	}
	recs, err := s.db.QueryContext(ctx, q, conv, from.UnixMilli())
	if err != nil {
		return time.Time{}, false, explain(s.path, err)
	}
	defer recs.Close()
	if !recs.Next() {
		if err := recs.Err(); err != nil {
			return time.Time{}, false, explain(s.path, err)
		}
		return time.Time{}, false, nil
	}
	var ms int64
	if err := recs.Scan(&ms); err != nil {
		return time.Time{}, false, explain(s.path, err)
	}
	return time.UnixMilli(ms), true, nil
}
