package store

import (
	"context"
	"slices"
)

// Ban is a ban the administrator set: a device, an address and/or a
// nickname, with a reason and an end. The server keeps its bans in memory
// and writes each change here, so that they survive a restart.
type Ban struct {
	ID      int64
	Name    string // who was banned, as the list shows it
	Device  []byte // the device's Ed25519 key (32 bytes), or nil
	Addr    string // an IP address, or ""
	Nick    string // a nickname, or ""
	Reason  string
	Created int64 // Unix milliseconds
	Until   int64 // Unix milliseconds; 0: never ends
	By      string
}

// AuditEntry is one administrator action: kick, ban, unban, mute, unmute,
// lecture, announce, topic, password, start, stop, release.
type AuditEntry struct {
	ID     int64
	Time   int64 // Unix milliseconds
	Action string
	Target string
	Reason string
	Detail string // net/server's: free text, or a JSON object of the action's facts (net/server/audit.go)
}

// Bans returns the bans that have not ended at now (Unix milliseconds),
// oldest first.
func (s *Store) Bans(ctx context.Context, now int64) ([]Ban, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, device, addr, nick, reason, created, until, by FROM bans
		WHERE until = 0 OR until > ? ORDER BY id`, now)
	if err != nil {
		return nil, explain(s.path, err)
	}
	defer rows.Close()
	var out []Ban
	for rows.Next() {
		var b Ban
		if err := rows.Scan(&b.ID, &b.Name, &b.Device, &b.Addr, &b.Nick, &b.Reason, &b.Created, &b.Until, &b.By); err != nil {
			return out, explain(s.path, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return out, explain(s.path, err)
	}
	return out, nil
}

// PutBan stores b (replacing the ban with its id, if any). Bans that ended
// before b was made are deleted on the way.
func (s *Store) PutBan(ctx context.Context, b Ban) error {
	if err := s.exec(ctx, `DELETE FROM bans WHERE until > 0 AND until <= ?`, b.Created); err != nil {
		return err
	}
	return s.exec(ctx, `INSERT OR REPLACE INTO bans(id, name, device, addr, nick, reason, created, until, by)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.ID, b.Name, b.Device, b.Addr, b.Nick, b.Reason, b.Created, b.Until, b.By)
}

// DeleteBan removes the ban with id (unban, or a ban that ended).
func (s *Store) DeleteBan(ctx context.Context, id int64) error {
	return s.exec(ctx, `DELETE FROM bans WHERE id = ?`, id)
}

// AppendAudit stores one administrator action. It is written at once (not
// batched with the messages): a server killed right after still has it.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	return s.exec(ctx, `INSERT INTO audit(time, action, target, reason, detail) VALUES(?, ?, ?, ?, ?)`,
		e.Time, e.Action, e.Target, e.Reason, e.Detail)
}

// Audit returns the last n administrator actions, oldest first.
func (s *Store) Audit(ctx context.Context, n int) ([]AuditEntry, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, action, target, reason, detail FROM audit
		ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, explain(s.path, err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.Time, &e.Action, &e.Target, &e.Reason, &e.Detail); err != nil {
			return out, explain(s.path, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return out, explain(s.path, err)
	}
	slices.Reverse(out)
	return out, nil
}

func (s *Store) exec(ctx context.Context, q string, args ...any) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return explain(s.path, err)
	}
	return nil
}
