package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema's numbered steps; migrations[i] takes the
// database from version i to i+1 (PRAGMA user_version). A database whose
// version is higher than len(migrations) was written by a newer MultiChat:
// it is refused, never touched.
var migrations = []string{
	// 1: messages, their conversation index, private parties, the search
	// index (trigram: substrings in any script, case-insensitive).
	`CREATE TABLE messages(
		id        INTEGER PRIMARY KEY, -- the server's message id
		time      INTEGER NOT NULL,    -- Unix milliseconds
		kind      INTEGER NOT NULL,    -- Kind
		conv      TEXT NOT NULL,       -- conversation key (RoomConv / PrivateConv)
		room      TEXT NOT NULL,       -- room name as shown ('' for private messages)
		sender    TEXT NOT NULL,       -- nickname as shown
		recipient TEXT NOT NULL,       -- private: the recipient's nickname
		text      TEXT NOT NULL,       -- message, announcement, or the reason of a leave or kick
		ref       INTEGER NOT NULL,    -- the sender's reference (Say.Ref), for matching lost echoes
		-- The two parties of a private message: today wire.FoldKey of the
		-- nicknames; once devices have identities (issue #10), device ids.
		from_party TEXT NOT NULL,
		to_party   TEXT NOT NULL
	);
	CREATE INDEX messages_conv ON messages(conv, id);
	CREATE INDEX messages_from_party ON messages(from_party, id) WHERE kind = 2;
	CREATE INDEX messages_to_party ON messages(to_party, id) WHERE kind = 2;
	CREATE VIRTUAL TABLE search USING fts5(text, pairs, content='', contentless_delete=1,
		tokenize='trigram case_sensitive 0');
	CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
	INSERT INTO meta VALUES('indexed', 0);
	INSERT INTO meta VALUES('clean', 1); -- 0 while a server has the file open`,
	// 2: the directory of parties (which device last held each nickname)
	// and the private messages waiting for a party that was offline.
	`CREATE TABLE parties(
		nick_key TEXT PRIMARY KEY, -- wire.FoldKey of the nickname
		nick     TEXT NOT NULL,    -- the nickname as its holder wrote it
		party    TEXT NOT NULL,    -- the device that last held it
		seen     INTEGER NOT NULL  -- Unix milliseconds of that device's last arrival under it
	) WITHOUT ROWID;
	CREATE TABLE away(
		id    INTEGER PRIMARY KEY, -- a private message (messages.id) not yet delivered
		party TEXT NOT NULL        -- to this party
	);
	CREATE INDEX away_party ON away(party, id);`,
	// 3: moderation (moderation.go): bans, and the audit log of the
	// administrator's actions. IF NOT EXISTS: steps added on other branches
	// at the same time may come in either order.
	`CREATE TABLE IF NOT EXISTS bans(
		id      INTEGER PRIMARY KEY, -- the server's ban id
		name    TEXT NOT NULL,       -- who was banned, as the list shows it
		device  BLOB,                -- the banned device's Ed25519 key (32 bytes), or NULL
		addr    TEXT NOT NULL,       -- the banned IP address, or ''
		nick    TEXT NOT NULL,       -- the banned nickname as typed, or ''
		reason  TEXT NOT NULL,
		created INTEGER NOT NULL,    -- Unix milliseconds
		until   INTEGER NOT NULL,    -- Unix milliseconds; 0: never ends
		by      TEXT NOT NULL        -- who banned ('admin', 'console')
	);
	CREATE TABLE IF NOT EXISTS audit(
		id     INTEGER PRIMARY KEY AUTOINCREMENT,
		time   INTEGER NOT NULL, -- Unix milliseconds
		action TEXT NOT NULL,    -- kick, ban, unban, mute, unmute, lecture, announce, topic, password, start, stop, release
		target TEXT NOT NULL,    -- nickname, address, room, or ''
		reason TEXT NOT NULL,
		detail TEXT NOT NULL     -- what else: the ban's end, the mute's end, the address
	);
	CREATE INDEX IF NOT EXISTS audit_time ON audit(time);`,
	// 4: the search index without positions (detail=none): a third of the
	// size and a third less CPU to index than step 1's. A search splits
	// each word into its trigrams and asks the index for the messages that
	// hold them all; LIKE then keeps those that hold the word itself (as it
	// always did). The index is rebuilt from the messages in the
	// background, as the writer indexes new ones; until it catches up,
	// searches scan what it does not cover.
	`DROP TABLE search;
	CREATE VIRTUAL TABLE search USING fts5(text, pairs, content='', contentless_delete=1, detail=none,
		tokenize='trigram case_sensitive 0');
	UPDATE meta SET value = 0 WHERE key = 'indexed';`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// ErrNewerSchema is returned by Open for a database written by a newer
// MultiChat; the file is left as it is.
var ErrNewerSchema = errors.New("the history database was written by a newer version of MultiChat")

func migrate(db *sql.DB, path string) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (schema %d; this version reads up to %d): %s is left untouched; "+
			"run the newer MultiChat or point -data elsewhere", ErrNewerSchema, v, len(migrations), path)
	}
	for ; v < len(migrations); v++ {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("schema step %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
