package store

import (
	"database/sql"
	"slices"
	"strings"
	"time"
	"unicode"
)

const (
	// insertRows is how many records one INSERT statement carries.
	insertRows = 64
	// indexSlice bounds the records indexed for search in one transaction,
	// so that indexing never holds up writes for long.
	indexSlice = 256
	// failPause is how long the writer waits after a failed write before it
	// tries again (records arriving meanwhile wait in the queue).
	failPause = time.Second
	// reportEvery bounds how often a failing store reports its count.
	reportEvery = 5 * time.Second
	tick        = 250 * time.Millisecond
	pruneEvery  = time.Hour
	// Search indexing (about 15 000 messages/s here) waits for a quiet
	// moment, so that it never slows writing down, unless more than
	// forceIndex messages wait for it: searches scan what is not indexed.
	quiet      = 100 * time.Millisecond
	forceIndex = 100_000
)

const insertCols = `(id, time, kind, conv, room, sender, recipient, text, ref, from_party, to_party)`

// run is the writer goroutine: it gathers queued records into batches,
// writes each in one transaction, indexes what is written for search when
// the queue is quiet, and prunes old records.
func (s *Store) run() {
	defer close(s.done)
	w := &writer{s: s}
	defer w.close()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	window := time.NewTimer(time.Hour)
	window.Stop()
	var windowC <-chan time.Time
	var batch []Record
	lastPrune := time.Time{}
	lastRecv := time.Now()
	for {
		backlog := s.lastID.Load() - min(s.indexed.Load(), s.lastID.Load())
		idle := len(batch) == 0 && backlog > 0 && !w.failing() &&
			(len(s.q) == 0 && time.Since(lastRecv) >= quiet || backlog > forceIndex)
		var idleC chan struct{}
		if idle {
			idleC = closedCh
		}
		select {
		case r := <-s.q:
			lastRecv = time.Now()
			batch = append(batch, r)
			if len(batch) >= s.o.MaxBatch {
				batch = w.write(batch)
				windowC = nil
			} else if windowC == nil {
				window.Reset(s.o.BatchWindow)
				windowC = window.C
			}
			continue
		case <-windowC:
			windowC = nil
			batch = w.write(batch)
		case done := <-s.flushCh:
			batch = w.write(s.drain(batch))
			close(done)
			if len(s.q) == 0 {
				lastRecv = time.Time{} // a reader waits: index now if behind
			}
		case <-s.stopCh:
			w.write(s.drain(batch))
			s.tell(w, true)
			return
		case <-ticker.C:
			s.tell(w, false)
			due := time.Since(lastPrune) >= pruneEvery || s.pruneNow.Swap(false)
			if kd := s.keepDays.Load(); kd > 0 && due && !w.failing() {
				lastPrune = time.Now()
				w.prune(time.Now().AddDate(0, 0, -int(kd)))
			}
		case <-idleC:
			w.index()
		}
		if !(windowC != nil) && len(batch) > 0 {
			window.Reset(s.o.BatchWindow)
			windowC = window.C
		}
	}
}

var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// drain appends everything queued now to batch.
func (s *Store) drain(batch []Record) []Record {
	for {
		select {
		case r := <-s.q:
			batch = append(batch, r)
		default:
			return batch
		}
	}
}

// writer is the writer goroutine's state.
type writer struct {
	s          *Store
	pausedTill time.Time
	reported   error  // the failure last reported
	reportedN  uint64 // NotStored when last reported
	reportedAt time.Time
	shapes     []rowShape  // with their prepared statements
	side       []*sql.Stmt // insertSide's statements (prepared when first needed)
	args       []any       // reused for each INSERT's parameters
	taken      []bool      // reused: which records of a batch are written
}

func (w *writer) close() {
	for _, st := range w.side {
		st.Close()
	}
	for _, sh := range w.shapes {
		for _, st := range sh.ins {
			st.Close()
		}
	}
}

func (w *writer) failing() bool {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.err != nil
}

func (w *writer) setErr(err error) {
	w.s.mu.Lock()
	w.s.err = err
	w.s.mu.Unlock()
}

// write writes batch in one transaction (in MaxBatch slices) and returns the
// emptied slice. A failure counts the records as not stored.
func (w *writer) write(batch []Record) []Record {
	s := w.s
	all := batch
	for len(batch) > 0 {
		n := min(len(batch), s.o.MaxBatch)
		if time.Now().Before(w.pausedTill) {
			// Failing: the disk gets a rest; what waits is not stored.
			s.notStored.Add(uint64(len(batch)))
			break
		}
		if err := w.insert(batch[:n]); err != nil {
			s.notStored.Add(uint64(n))
			err = explain(s.path, err)
			if !w.failing() {
				s.log.Error("history: cannot store messages; chat goes on without history", "err", err)
			}
			w.setErr(err)
			w.pausedTill = time.Now().Add(failPause)
			s.tell(w, false)
		} else {
			last, stored := s.lastID.Load(), uint64(0)
			for i := range batch[:n] {
				if batch[i].Kind < kindDelivered { // directory entries and deliveries are not messages
					last, stored = max(last, batch[i].ID), stored+1
				}
			}
			s.stored.Add(stored)
			s.lastID.Store(last)
			if w.failing() {
				s.log.Info("history: storing messages again", "not stored", s.notStored.Load())
				w.setErr(nil)
				s.tell(w, false)
			}
		}
		batch = batch[n:]
	}
	s.written.Add(uint64(len(all)))
	clear(all) // the records' strings can be collected
	return all[:0]
}

// A rowShape is one way of writing a record as a row of the multi-row
// INSERT. Room messages, nearly all of what is written, leave out what is
// constant for them (kind, recipient, parties): fewer parameters to bind,
// fewer strings copied into the driver, per row.
type rowShape struct {
	values string // the row's VALUES tuple
	fits   func(*Record) bool
	args   func([]any, *Record) []any
	// ins[k] is the prepared INSERT of 1<<k rows, up to insertRows: a
	// batch's remainder is written with a few of them rather than a
	// statement compiled afresh for each batch.
	ins []*sql.Stmt
}

var shapes = []rowShape{{
	values: `(?,?,1,?,?,?,'',?,?,'','')`,
	fits:   func(r *Record) bool { return r.Kind == KindChat && r.To == "" && r.FromParty == "" && r.ToParty == "" },
	args: func(a []any, r *Record) []any {
		return append(a, int64(r.ID), r.Time, r.Conv, r.Room, r.From, r.Text, int64(r.Ref))
	},
}, {
	values: `(?,?,?,?,?,?,?,?,?,?,?)`,
	fits:   func(*Record) bool { return true },
	args: func(a []any, r *Record) []any {
		return append(a, int64(r.ID), r.Time, int64(r.Kind), r.Conv, r.Room, r.From, r.To, r.Text,
			int64(r.Ref), r.FromParty, r.ToParty)
	},
}}

func insertSQL(values string, rows int) string {
	return `INSERT OR IGNORE INTO messages` + insertCols + ` VALUES` +
		strings.TrimSuffix(strings.Repeat(values+`,`, rows), ",")
}

// insert writes recs in one transaction: multi-row INSERTs of insertRows
// rows, each record in the first shape that fits it (rows need not go in
// id order: the id is the key).
func (w *writer) insert(recs []Record) error {
	if w.shapes == nil {
		w.shapes = slices.Clone(shapes)
	}
	for i := range w.shapes {
		sh := &w.shapes[i]
		for rows := 1 << len(sh.ins); rows <= insertRows; rows = 1 << len(sh.ins) {
			// Prepared outside the transaction: the pool has one connection.
			st, err := w.s.db.Prepare(insertSQL(sh.values, rows))
			if err != nil {
				return err
			}
			sh.ins = append(sh.ins, st)
		}
	}
	if err := w.prepareSide(); err != nil {
		return err
	}
	tx, err := w.s.db.Begin()
	if err != nil {
		return err
	}
	taken := append(w.taken[:0], make([]bool, len(recs))...)
	w.taken = taken
	if err := w.insertSide(tx, recs, taken); err != nil {
		tx.Rollback()
		return err
	}
	for i := range w.shapes {
		if err := w.insertShape(tx, &w.shapes[i], recs, taken); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// insertShape writes the records not yet taken that fit sh.
func (w *writer) insertShape(tx *sql.Tx, sh *rowShape, recs []Record, taken []bool) error {
	perRow := strings.Count(sh.values, "?")
	args, n := w.args[:0], 0
	flush := func() error {
		// n rows, as statements of 1<<k rows, largest first.
		for k, done := len(sh.ins)-1, 0; done < n; k-- {
			rows := 1 << k
			if n-done < rows {
				continue
			}
			if _, err := tx.Stmt(sh.ins[k]).Exec(args[done*perRow : (done+rows)*perRow]...); err != nil {
				return err
			}
			done += rows
		}
		clear(args)
		args, n = args[:0], 0
		return nil
	}
	for i := range recs {
		if taken[i] || !sh.fits(&recs[i]) {
			continue
		}
		taken[i] = true
		args = sh.args(args, &recs[i])
		if n++; n == insertRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	err := flush()
	w.args = args
	return err
}

// pairs returns the text's adjacent letter pairs outside ASCII, each
// followed by a space: the search index's second column, which lets a
// two-letter Korean (or other non-Latin) query such as 회의 be found through
// the trigram index as "회의 ".
func pairs(text string) string {
	var b strings.Builder
	var prev rune
	for _, r := range text {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			if prev != 0 {
				b.WriteRune(unicode.ToLower(prev))
				b.WriteRune(unicode.ToLower(r))
				b.WriteByte(' ')
			}
			prev = r
		} else {
			prev = 0
		}
	}
	return b.String()
}

// index adds the next slice of written messages to the search index.
func (w *writer) index() {
	s := w.s
	from := s.indexed.Load()
	err := func() error {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		rows, err := tx.Query(`SELECT id, kind, text FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
			int64(from), indexSlice)
		if err != nil {
			return err
		}
		type row struct {
			id   int64
			text string
		}
		var todo []row
		last := int64(from)
		for rows.Next() {
			var r row
			var kind int
			if err := rows.Scan(&r.id, &kind, &r.text); err != nil {
				rows.Close()
				return err
			}
			last = r.id
			if Kind(kind).IsMessage() {
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if last == int64(from) {
			// Nothing written past the mark (records were lost): caught up.
			s.indexed.Store(s.lastID.Load())
			return nil
		}
		st, err := tx.Prepare(`INSERT INTO search(rowid, text, pairs) VALUES(?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range todo {
			if _, err := st.Exec(r.id, r.text, pairs(r.text)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE meta SET value = ? WHERE key = 'indexed'`, last); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		s.indexed.Store(uint64(last))
		return nil
	}()
	if err != nil {
		s.log.Warn("history: search indexing failed", "err", explain(s.path, err))
		w.pausedTill = time.Now().Add(failPause)
		w.setErr(explain(s.path, err))
	}
}

// prune deletes records older than cutoff, in slices, from the table and the
// search index.
func (w *writer) prune(cutoff time.Time) {
	s := w.s
	total := 0
	for range 10000 {
		n, err := w.pruneSlice(cutoff.UnixMilli())
		total += n
		if err != nil {
			s.log.Warn("history: pruning failed", "err", explain(s.path, err))
			break
		}
		if n == 0 {
			break
		}
	}
	if total > 0 {
		s.log.Info("history: pruned old messages", "removed", total, "older than", cutoff.Format(time.DateOnly))
		s.tell(w, true)
	}
}

func (w *writer) pruneSlice(cutoff int64) (int, error) {
	s := w.s
	tx, err := s.db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Ids increase with time: the oldest rows come first by id.
	rows, err := tx.Query(`SELECT id, kind FROM messages WHERE id <= (SELECT max(id) FROM
		(SELECT id, time FROM messages ORDER BY id LIMIT 2000) WHERE time < ?) AND time < ? ORDER BY id`, cutoff, cutoff)
	if err != nil {
		return 0, err
	}
	var ids []int64
	var indexed []int64
	for rows.Next() {
		var id int64
		var kind int
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
		if Kind(kind).IsMessage() && uint64(id) <= s.indexed.Load() {
			indexed = append(indexed, id)
		}
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, rows.Err()
	}
	for _, id := range indexed {
		if _, err := tx.Exec(`DELETE FROM search WHERE rowid = ?`, id); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		if _, err := tx.Exec(`DELETE FROM messages WHERE id = ?`, id); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(`DELETE FROM away WHERE id = ?`, id); err != nil {
			return 0, err
		}
	}
	return len(ids), tx.Commit()
}

// report tells Options.Report about a change of health, or (while records
// are lost) the count every reportEvery; force reports regardless.
func (s *Store) tell(w *writer, force bool) {
	s.mu.Lock()
	s.size = s.fileSize()
	err := s.err
	s.mu.Unlock()
	n := s.notStored.Load()
	changed := (err == nil) != (w.reported == nil) || (err != nil && w.reported != nil && err.Error() != w.reported.Error())
	due := n != w.reportedN && time.Since(w.reportedAt) >= reportEvery
	if !force && !changed && !due {
		return
	}
	if n != w.reportedN && err == nil && !changed {
		s.log.Warn("history: messages not stored (the store's queue was full)", "not stored", n)
	}
	w.reported, w.reportedN, w.reportedAt = err, n, time.Now()
	if f := s.report.Load(); f != nil {
		(*f)(s.Status())
	}
}
