package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode"
)

const cols = `id, time, kind, conv, room, sender, recipient, text, ref, from_party, to_party`

// messageKinds restricts a query to messages (not joins, leaves, kicks).
const messageKinds = ` AND kind IN (1, 2, 3)`

func scan(rows *sql.Rows, out []Record) ([]Record, error) {
	defer rows.Close()
	for rows.Next() {
		var r Record
		var id, ref int64
		var kind int
		if err := rows.Scan(&id, &r.Time, &kind, &r.Conv, &r.Room, &r.From, &r.To, &r.Text, &ref,
			&r.FromParty, &r.ToParty); err != nil {
			return out, err
		}
		r.ID, r.Kind, r.Ref = uint64(id), Kind(kind), uint32(ref)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]Record, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, explain(s.path, err)
	}
	out, err := scan(rows, nil)
	if err != nil {
		return nil, explain(s.path, err)
	}
	return out, nil
}

// Recent returns the last n messages of a conversation, oldest first.
func (s *Store) Recent(ctx context.Context, conv string, n int) ([]Record, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	out, err := s.query(ctx, `SELECT `+cols+` FROM messages WHERE conv = ?`+messageKinds+
		` ORDER BY id DESC LIMIT ?`, conv, n)
	slices.Reverse(out)
	return out, err
}

// Before returns a page of at most n records of a conversation older than
// id before (all of them when before is 0), oldest first; with events the
// joins, leaves and kicks of a room are included. more reports whether older
// records exist.
func (s *Store) Before(ctx context.Context, conv string, before uint64, n int, events bool) (recs []Record, more bool, err error) {
	if before == 0 {
		before = 1<<63 - 1
	}
	if err := s.Flush(ctx); err != nil {
		return nil, false, err
	}
	kinds := messageKinds
	if events {
		kinds = ""
	}
	out, err := s.query(ctx, `SELECT `+cols+` FROM messages WHERE conv = ? AND id < ?`+kinds+
		` ORDER BY id DESC LIMIT ?`, conv, int64(before), n+1)
	if len(out) > n {
		out, more = out[:n], true
	}
	slices.Reverse(out)
	return out, more, err
}

// After returns what a client that saw conversation conv up to id after
// missed: the messages with ids after it, up to id upTo, oldest first; at most
// n (the newest n), with earlier the count of those left out. It first waits
// until everything appended so far is written, so nothing is missing.
func (s *Store) After(ctx context.Context, conv string, after, upTo uint64, n int) (recs []Record, earlier int, err error) {
	return s.after(ctx, `conv = ?`, []any{conv}, after, upTo, n)
}

// PrivateAfter is After for every private message to or from party.
func (s *Store) PrivateAfter(ctx context.Context, party string, after, upTo uint64, n int) ([]Record, int, error) {
	return s.after(ctx, `kind = 2 AND (from_party = ? OR to_party = ?)`, []any{party, party}, after, upTo, n)
}

func (s *Store) after(ctx context.Context, where string, args []any, after, upTo uint64, n int) ([]Record, int, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, 0, err
	}
	args = append(args, int64(after), int64(upTo))
	var total int
	if s.closed.Load() {
		return nil, 0, ErrClosed
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE `+where+
		` AND id > ? AND id <= ?`+messageKinds, args...).Scan(&total); err != nil {
		return nil, 0, explain(s.path, err)
	}
	out, err := s.query(ctx, `SELECT `+cols+` FROM messages WHERE `+where+` AND id > ? AND id <= ?`+
		messageKinds+` ORDER BY id DESC LIMIT ?`, append(args, n)...)
	slices.Reverse(out)
	return out, max(total-len(out), 0), err
}

// Scope says whose history a search covers: the conversations of the rooms
// (RoomConv keys) and the private messages of Party.
type Scope struct {
	Convs []string
	Party string
	// AllRooms widens the scope to every room message and announcement
	// (the server's own search; never private messages).
	AllRooms bool
}

// ErrQueryShort is returned for a search with no term of at least one letter.
var ErrQueryShort = errors.New("type at least one word to search for")

// Search waits for what is queued to be written, then returns messages in scope that contain every word of query
// (substrings, case-insensitive; Korean works with two letters or more),
// newest first, at most n, older than id before (0: from the newest). more
// reports whether more results may follow.
func (s *Store) Search(ctx context.Context, query string, sc Scope, before uint64, n int) (recs []Record, more bool, err error) {
	terms := strings.Fields(query)
	if len(terms) == 0 {
		return nil, false, ErrQueryShort
	}
	if len(terms) > 8 {
		terms = terms[:8]
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	// What was said a moment ago is found too.
	if err := s.Flush(ctx); err != nil {
		return nil, false, err
	}
	// Scope.
	var scope strings.Builder
	var scopeArgs []any
	scope.WriteString(`(m.conv IN (`)
	for i, c := range sc.Convs {
		if i > 0 {
			scope.WriteByte(',')
		}
		scope.WriteByte('?')
		scopeArgs = append(scopeArgs, c)
	}
	scope.WriteString(`)`)
	if sc.AllRooms {
		scope.WriteString(` OR m.kind IN (1, 3)`)
	}
	if sc.Party != "" {
		scope.WriteString(` OR (m.kind = 2 AND (m.from_party = ? OR m.to_party = ?))`)
		scopeArgs = append(scopeArgs, sc.Party, sc.Party)
	}
	scope.WriteString(`)`)
	// Every term is checked with LIKE (ASCII case-insensitive, exact for
	// the rest); terms the index can narrow down go into MATCH too.
	var like strings.Builder
	var likeArgs []any
	var match []string
	for _, t := range terms {
		like.WriteString(` AND m.text LIKE ? ESCAPE '\'`)
		likeArgs = append(likeArgs, "%"+escapeLike(t)+"%")
		match = append(match, trigrams(t)...)
	}
	indexed := s.indexed.Load()
	// Newest first: what the index does not cover yet, by scanning.
	tailArgs := append(append([]any{int64(max(indexed, 0)), int64(before)}, scopeArgs...), likeArgs...)
	out, err := s.query(ctx, `SELECT `+prefixed("m.")+` FROM messages m WHERE m.id > ? AND m.id < ?`+
		` AND m.kind IN (1, 2, 3) AND `+scope.String()+like.String()+` ORDER BY m.id DESC LIMIT ?`,
		append(tailArgs, n+1)...)
	if err != nil || len(out) > n {
		if len(out) > n {
			out, more = out[:n], true
		}
		return out, more, err
	}
	if last := min(before, indexed+1); last > 1 {
		var q string
		var args []any
		if len(match) > 0 {
			q = `SELECT ` + prefixed("m.") + ` FROM search JOIN messages m ON m.id = search.rowid` +
				` WHERE search MATCH ? AND search.rowid < ? AND ` + scope.String() + like.String() +
				` ORDER BY search.rowid DESC LIMIT ?`
			args = append([]any{strings.Join(match, " AND "), int64(last)}, scopeArgs...)
		} else {
			// Only one-letter (or two-letter English) terms: a scan, newest
			// first, stopping at n results.
			q = `SELECT ` + prefixed("m.") + ` FROM messages m WHERE m.id < ? AND m.kind IN (1, 2, 3) AND ` +
				scope.String() + like.String() + ` ORDER BY m.id DESC LIMIT ?`
			args = append([]any{int64(last)}, scopeArgs...)
		}
		args = append(append(args, likeArgs...), n+1-len(out))
		older, err := s.query(ctx, q, args...)
		if err != nil {
			return out, false, err
		}
		out = append(out, older...)
	}
	if len(out) > n {
		out, more = out[:n], true
	}
	return out, more, nil
}

// maxTrigrams bounds the trigrams a word asks the index for: beyond a few,
// each narrows the candidates little and costs a doclist to read.
const maxTrigrams = 6

// trigrams returns the index's terms for a search word, as FTS5 strings:
// its trigrams (at most maxTrigrams, spread over it, the first and the
// last always), or for a two-letter non-ASCII word (회의) the pair the
// pairs column holds ("회의 "). The index has no positions (schema step 4),
// so a message holding them all is only a candidate; the caller's LIKE
// keeps those holding the word. Shorter words narrow nothing: nil.
func trigrams(t string) []string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	rs := []rune(t)
	switch {
	case len(rs) == 2 && nonASCIIWord(t):
		return []string{quote(strings.ToLower(t) + " ")}
	case len(rs) < 3:
		return nil
	}
	n := len(rs) - 2 // trigrams in the word
	k := min(n, maxTrigrams)
	out := make([]string, 0, k)
	seen := make(map[string]bool, k)
	for j := range k {
		i := 0
		if k > 1 {
			i = j * (n - 1) / (k - 1)
		}
		g := string(rs[i : i+3])
		if !seen[g] {
			seen[g] = true
			out = append(out, quote(g))
		}
	}
	return out
}

func prefixed(p string) string {
	fs := strings.Split(cols, ", ")
	for i := range fs {
		fs[i] = p + fs[i]
	}
	return strings.Join(fs, ", ")
}

// nonASCIIWord reports whether t is made of letters outside ASCII (Hangul,
// kana, Cyrillic…): the words the pairs column indexes.
func nonASCIIWord(t string) bool {
	for _, r := range t {
		if r <= unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
