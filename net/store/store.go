// Package store is MultiChat's history: every message, announcement and
// room event the server assigns an id, kept in one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode. Writes never wait: Append hands a record
// to a bounded queue and the store's own goroutine writes queued records in
// batched transactions; a full queue or a failing disk costs history, never
// chat, and is counted. Reads (recent messages, what a client missed, older
// pages, search) are plain blocking calls for the server's history reader.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Kind says what a record is.
type Kind uint8

const (
	KindChat    Kind = 1 // a room message
	KindPrivate Kind = 2 // a private message
	KindNotice  Kind = 3 // an announcement (kept in the lobby's conversation)
	KindJoined  Kind = 4 // From joined Room
	KindLeft    Kind = 5 // From left Room; Text says why
	KindKicked  Kind = 6 // From was removed by the admin; Text says why
)

// IsMessage reports whether records of this kind are messages (replayed,
// missed, searched) rather than events of a room's story.
func (k Kind) IsMessage() bool { return k == KindChat || k == KindPrivate || k == KindNotice }

// Record is one stored entry.
type Record struct {
	ID   uint64
	Time int64 // Unix milliseconds
	Kind Kind
	Conv string // RoomConv or PrivateConv
	Room string // room name as shown; "" for private messages
	From string
	To   string // private messages: the recipient's nickname
	Text string
	Ref  uint32 // the sender's reference
	// FromParty and ToParty identify the two parties of a private message:
	// their device identities (the server's choice of key, see
	// net/server), so that private history follows the device, not whoever
	// takes the nickname later.
	FromParty string
	ToParty   string
	// Away marks a private message kept for ToParty, who was offline: it
	// waits in the away table until Away hands it over.
	Away bool
}

// RoomConv is the conversation key of the room whose fold key is key.
func RoomConv(key string) string { return "#" + key }

// PrivateConv is the conversation key of the private messages between two
// parties, in either order.
func PrivateConv(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "@" + a + "\n" + b
}

// Options tune a store. Zero fields take their defaults.
type Options struct {
	QueueSize   int           // records waiting to be written (65536)
	BatchWindow time.Duration // how long a batch gathers before it is written (50 ms; at most 100 ms)
	MaxBatch    int           // records per transaction (4096)
	Logger      *slog.Logger
	// KeepDays prunes records older than that many days in the background
	// (0 keeps everything).
	KeepDays int
}

func (o Options) defaults() Options {
	if o.QueueSize <= 0 {
		o.QueueSize = 1 << 16
	}
	if o.BatchWindow <= 0 {
		o.BatchWindow = 50 * time.Millisecond
	}
	o.BatchWindow = min(o.BatchWindow, 100*time.Millisecond)
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Status is the store's health and size.
type Status struct {
	Path      string
	Size      int64  // bytes on disk (database and its WAL)
	Stored    uint64 // records written since Open
	NotStored uint64 // records lost since Open: queue full or the disk failing
	Backlog   int    // records not yet in the search index
	Err       error  // why records are not being stored; nil when healthy
}

// Store is an open history database.
type Store struct {
	path string
	o    Options
	db   *sql.DB
	log  *slog.Logger

	// The queue: Append adds to pend under qmu and wakes the writer (wake,
	// capacity 1) only when pend was empty or reaches MaxBatch, so that
	// the writer wakes about once a batch, not once a record.
	qmu     sync.Mutex
	pend    []Record
	wake    chan struct{}
	flushCh chan chan struct{}
	stopCh  chan struct{}
	done    chan struct{}
	closed  atomic.Bool

	maxID     uint64 // highest id stored when opened
	stored    atomic.Uint64
	notStored atomic.Uint64
	indexed   atomic.Uint64 // highest id in the search index
	lastID    atomic.Uint64 // highest id written
	queued    atomic.Uint64 // records accepted by Append
	written   atomic.Uint64 // of those, written or failed by the writer

	report atomic.Pointer[func(Status)]

	keepDays atomic.Int64 // Options.KeepDays, changed by SetKeepDays
	pruneNow atomic.Bool  // SetKeepDays asks for a prune at the next tick

	mu   sync.Mutex
	err  error // current failure
	size int64
}

// File is the database's file name inside the data directory.
const File = "history.db"

// Open opens (creating if needed) the database at path, brings its schema up
// to date and starts the writer. It fails with a plain-words error when the
// file cannot be written, is locked by another server, is not a database or
// comes from a newer MultiChat (ErrNewerSchema).
func Open(path string, o Options) (*Store, error) {
	o = o.defaults()
	// synchronous(NORMAL) in WAL mode: a commit is durable against a
	// process crash (kill -9) once it returns. A power loss or OS crash may
	// undo the commits since the WAL was last synced to disk (at each
	// checkpoint, every 1000 pages, about 4 MB, of WAL), never corrupt the
	// file. temp_store(MEMORY) keeps the statement journal of the
	// multi-row INSERT in memory; in a temporary file it cost a write
	// system call per page touched (12 % of the writer's CPU).
	prag := []string{"busy_timeout(1000)", "locking_mode(EXCLUSIVE)", "journal_mode(WAL)",
		"synchronous(NORMAL)", "foreign_keys(OFF)", "temp_store(MEMORY)"}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + url.Values{
		"_pragma": prag,
		"_txlock": {"immediate"},
	}.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, explain(path, err)
	}
	// One connection: the database is locked to this server (exclusive
	// locking mode), so a second server on the same file is refused.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := migrate(db, path); err != nil {
		db.Close()
		if errors.Is(err, ErrNewerSchema) {
			return nil, err
		}
		return nil, explain(path, err)
	}
	// Was the last server's stop clean? Then mark the file in use, which
	// takes the write lock now: another server on this file fails here.
	var clean int64
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'clean'`).Scan(&clean); err != nil {
		db.Close()
		return nil, explain(path, err)
	}
	if _, err := db.Exec(`UPDATE meta SET value = 0 WHERE key = 'clean'`); err != nil {
		db.Close()
		return nil, explain(path, err)
	}
	s := &Store{path: path, o: o, db: db, log: o.Logger,
		wake: make(chan struct{}, 1), flushCh: make(chan chan struct{}),
		stopCh: make(chan struct{}), done: make(chan struct{})}
	var maxID sql.NullInt64
	var indexed int64
	if err := db.QueryRow(`SELECT max(id) FROM messages`).Scan(&maxID); err != nil {
		db.Close()
		return nil, explain(path, err)
	}
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'indexed'`).Scan(&indexed); err != nil {
		db.Close()
		return nil, explain(path, err)
	}
	s.maxID = uint64(maxID.Int64)
	s.lastID.Store(s.maxID)
	if clean == 0 {
		// The last server was killed: messages it had numbered may have
		// been lost with its last batch, and clients may have seen their
		// ids. New ids start past any it can have given.
		s.maxID += uint64(o.QueueSize + o.MaxBatch)
	}
	s.indexed.Store(uint64(indexed))
	s.keepDays.Store(int64(max(o.KeepDays, 0)))
	s.size = s.fileSize()
	go s.run()
	return s, nil
}

// Problem is what went wrong with the database file, as DBError says it.
type Problem int

const (
	ProblemOther    Problem = iota // anything else (Err says what)
	ProblemInUse                   // another MultiChat server has it open
	ProblemReadOnly                // it cannot be written: read-only or no permission
	ProblemDiskFull                // the disk holding it is full
	ProblemDamaged                 // damaged or not a database: move it aside
	ProblemDiskIO                  // the disk failed reading or writing it
)

// DBError is a SQLite failure in words for the server window and log; a
// window can word Problem in its own language (Error is the English).
type DBError struct {
	Problem Problem
	Path    string
	Err     error
}

func (e *DBError) Error() string {
	switch e.Problem {
	case ProblemInUse:
		return fmt.Sprintf("the history database %s is in use by another MultiChat server", e.Path)
	case ProblemReadOnly:
		return fmt.Sprintf("cannot write the history database %s (read-only or no permission): %v", e.Path, e.Err)
	case ProblemDiskFull:
		return fmt.Sprintf("the disk holding the history database %s is full", e.Path)
	case ProblemDamaged:
		return fmt.Sprintf("the history database %s is damaged or not a database; move it aside to start a new one: %v", e.Path, e.Err)
	case ProblemDiskIO:
		return fmt.Sprintf("cannot write the history database %s (disk error): %v", e.Path, e.Err)
	}
	return fmt.Sprintf("history database %s: %v", e.Path, e.Err)
}

func (e *DBError) Unwrap() error { return e.Err }

// explain turns a SQLite failure into a DBError.
func explain(path string, err error) error {
	e := &DBError{Path: path, Err: err}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xFF {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			e.Problem = ProblemInUse
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH:
			e.Problem = ProblemReadOnly
		case sqlite3.SQLITE_FULL:
			e.Problem = ProblemDiskFull
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			e.Problem = ProblemDamaged
		case sqlite3.SQLITE_IOERR:
			e.Problem = ProblemDiskIO
		}
	}
	return e
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// MaxID is the highest id stored when the database was opened (after a
// server that was killed, past any id it can have given): the server's ids
// continue from it, so they are unique and increase across restarts.
func (s *Store) MaxID() uint64 { return s.maxID }

// Append queues r to be written. It never blocks: when the queue is full or
// the store is closed it counts r as not stored and returns false.
func (s *Store) Append(r Record) bool {
	if s.closed.Load() {
		s.notStored.Add(1)
		return false
	}
	s.qmu.Lock()
	n := len(s.pend)
	if n >= s.o.QueueSize {
		s.qmu.Unlock()
		s.notStored.Add(1)
		return false
	}
	s.pend = append(s.pend, r)
	s.queued.Add(1) // under qmu, with the record: written never passes queued
	s.qmu.Unlock()
	if n == 0 || n+1 == s.o.MaxBatch {
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return true
}

// take returns what is queued, leaving spare (emptied) as the new queue.
func (s *Store) take(spare []Record) []Record {
	s.qmu.Lock()
	out := s.pend
	s.pend = spare[:0]
	s.qmu.Unlock()
	return out
}

// queuedNow is how many records wait in the queue.
func (s *Store) queuedNow() int {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.pend)
}

// Flush waits until every record appended before the call is written (or
// failed to be), or ctx is done.
func (s *Store) Flush(ctx context.Context) error {
	if s.written.Load() == s.queued.Load() && !s.closed.Load() {
		// Every record queued so far is written (or failed): no need to
		// wake the writer, which may be busy with a batch or the index.
		return nil
	}
	done := make(chan struct{})
	select {
	case s.flushCh <- done:
	case <-s.done:
		return errors.New("the history store is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes everything queued, stops the writer and closes the database.
// Safe to call twice.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		<-s.done
		return nil
	}
	close(s.stopCh)
	<-s.done
	_, err := s.db.Exec(`UPDATE meta SET value = 1 WHERE key = 'clean'`)
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// SetReport sets f (nil: none) to be called from the store's goroutine when
// its health changes (failing, recovered) and, while records are not being
// stored, at most every few seconds with the count.
func (s *Store) SetReport(f func(Status)) {
	if f == nil {
		s.report.Store(nil)
		return
	}
	s.report.Store(&f)
}

// Status reports the store's health and size.
func (s *Store) Status() Status {
	s.mu.Lock()
	err, size := s.err, s.size
	s.mu.Unlock()
	backlog := int(s.lastID.Load()) - int(s.indexed.Load())
	return Status{Path: s.path, Size: size, Stored: s.stored.Load(), NotStored: s.notStored.Load(),
		Backlog: max(backlog, 0), Err: err}
}

func (s *Store) fileSize() int64 {
	var n int64
	for _, p := range []string{s.path, s.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// ErrClosed is returned by reads after Close.
var ErrClosed = errors.New("the history store is closed")

// escapeLike quotes % _ and \ for a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
