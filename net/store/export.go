package store

import (
	"context"
	"strings"
)

// Range returns a page of at most n records of room conversation conv
// (messages and the joins, leaves and kicks) after id after, oldest first;
// more reports that later ones exist. Paging with the last id returned
// reads a whole room, for export, without holding it all.
func (s *Store) Range(ctx context.Context, conv string, after uint64, n int) (recs []Record, more bool, err error) {
	if !strings.HasPrefix(conv, "#") {
		return nil, false, nil // private conversations are never exported
	}
	if err := s.Flush(ctx); err != nil {
		return nil, false, err
	}
	out, err := s.query(ctx, `SELECT `+cols+` FROM messages WHERE conv = ? AND id > ? ORDER BY id LIMIT ?`,
		conv, int64(after), n+1)
	if len(out) > n {
		out, more = out[:n], true
	}
	return out, more, err
}
