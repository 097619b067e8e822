package store

import (
	"context"
	"database/sql"
	"slices"
)

// The directory of parties and the away table: which device last held each
// nickname (so that a private message to someone offline can be kept for
// the right device), and the private messages kept for a party that was
// offline until it next connects.

// kindParty marks a queued directory entry rather than a message: Conv is
// the nickname's fold key, From the nickname, FromParty the device, Time
// its arrival. Never stored in messages.
const kindParty Kind = 0xFF

// kindDelivered marks a queued delivery: the private messages kept for
// party FromParty with ids up to ID are no longer waiting.
const kindDelivered Kind = 0xFE

// Party is one entry of the directory.
type Party struct {
	NickKey string // wire.FoldKey of the nickname
	Nick    string
	Party   string // the device that last held the nickname
	Seen    int64  // Unix milliseconds of its last arrival under it
}

// SetParty records (through the writer's queue, never blocking) that party
// holds the nickname nick, whose fold key is nickKey, as of seen.
func (s *Store) SetParty(p Party) bool {
	return s.Append(Record{Kind: kindParty, Conv: p.NickKey, From: p.Nick, FromParty: p.Party, Time: p.Seen})
}

// Directory returns every party of the directory and, by party, how many
// private messages wait for it.
func (s *Store) Directory(ctx context.Context) ([]Party, map[string]int, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT nick_key, nick, party, seen FROM parties`)
	if err != nil {
		return nil, nil, explain(s.path, err)
	}
	var ps []Party
	for rows.Next() {
		var p Party
		if err := rows.Scan(&p.NickKey, &p.Nick, &p.Party, &p.Seen); err != nil {
			rows.Close()
			return nil, nil, explain(s.path, err)
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, explain(s.path, err)
	}
	waiting := map[string]int{}
	rows, err = s.db.QueryContext(ctx, `SELECT party, count(*) FROM away GROUP BY party`)
	if err != nil {
		return nil, nil, explain(s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var party string
		var n int
		if err := rows.Scan(&party, &n); err != nil {
			return nil, nil, explain(s.path, err)
		}
		waiting[party] = n
	}
	if err := rows.Err(); err != nil {
		return nil, nil, explain(s.path, err)
	}
	return ps, waiting, nil
}

// Delivered records (through the writer's queue, never blocking) that the
// private messages kept for party with ids up to upTo were handed over.
func (s *Store) Delivered(party string, upTo uint64) bool {
	return s.Append(Record{Kind: kindDelivered, FromParty: party, ID: upTo})
}

// Away returns the private messages kept for party while it was offline,
// with ids up to upTo: the newest n of them, oldest first, with earlier the
// count of those left out (they stay in the private history). They wait
// until Delivered says they were handed over.
func (s *Store) Away(ctx context.Context, party string, upTo uint64, n int) (recs []Record, earlier int, err error) {
	if err := s.Flush(ctx); err != nil {
		return nil, 0, err
	}
	if s.closed.Load() {
		return nil, 0, ErrClosed
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM away WHERE party = ? AND id <= ?`,
		party, int64(upTo)).Scan(&total); err != nil {
		return nil, 0, explain(s.path, err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	out, err := s.query(ctx, `SELECT `+prefixed("m.")+` FROM away a JOIN messages m ON m.id = a.id`+
		` WHERE a.party = ? AND a.id <= ? ORDER BY a.id DESC LIMIT ?`, party, int64(upTo), n)
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(out)
	for i := range out {
		out[i].Away = true
	}
	return out, max(total-len(out), 0), nil
}

// sideSQL are insertSide's statements: a directory entry, an away mark.
var sideSQL = []string{
	`INSERT INTO parties(nick_key, nick, party, seen) VALUES(?, ?, ?, ?) ON CONFLICT(nick_key)
		DO UPDATE SET nick = excluded.nick, party = excluded.party, seen = excluded.seen`,
	`INSERT OR IGNORE INTO away(id, party) VALUES(?, ?)`,
	`DELETE FROM away WHERE party = ? AND id <= ?`,
}

// prepareSide prepares insertSide's statements, outside any transaction
// (the pool has one connection).
func (w *writer) prepareSide() error {
	for len(w.side) < len(sideSQL) {
		st, err := w.s.db.Prepare(sideSQL[len(w.side)])
		if err != nil {
			return err
		}
		w.side = append(w.side, st)
	}
	return nil
}

// insertSide writes what a batch carries besides message rows: directory
// entries and deliveries (taken: they are not messages) and the away marks
// of private messages kept for an offline party.
func (w *writer) insertSide(tx *sql.Tx, recs []Record, taken []bool) error {
	for i := range recs {
		r := &recs[i]
		var err error
		switch {
		case r.Kind == kindParty:
			taken[i] = true
			_, err = tx.Stmt(w.side[0]).Exec(r.Conv, r.From, r.FromParty, r.Time)
		case r.Kind == kindDelivered:
			taken[i] = true
			_, err = tx.Stmt(w.side[2]).Exec(r.FromParty, int64(r.ID))
		case r.Away:
			_, err = tx.Stmt(w.side[1]).Exec(int64(r.ID), r.ToParty)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
