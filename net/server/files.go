package server

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

const (
	// maxFilesPerUser bounds the transfers one user sends at once.
	maxFilesPerUser = 4
	// maxUnacked is how far a sender may run ahead of its acknowledgements.
	// Well-behaved senders keep at most 4 chunks unacknowledged; one that
	// goes past this has its transfer aborted, so recipients' outboxes stay
	// bounded.
	maxUnacked = 8 * wire.MaxChunk
)

// transfer is a file being relayed. The server never holds the file: each
// chunk is encoded once, queued to every recipient, and forgotten once their
// writers have written it; then the sender gets a FileAck.
type transfer struct {
	id   uint64
	from *conn
	name string
	size uint64
	room string // room display name; "" for a private transfer

	// hub owned
	to   []*conn // recipients still taking part
	sent uint64  // bytes relayed

	mu       sync.Mutex // guards acked and canceled; taken by writers
	acked    uint64
	canceled bool
}

func (tr *transfer) private() bool { return tr.room == "" }

// ack reports to the sender that every recipient has been sent bytes bytes.
// It runs on whichever writer released the chunk last.
func (tr *transfer) ack(bytes uint64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.canceled || bytes <= tr.acked {
		return
	}
	tr.acked = bytes
	tr.from.out.pushForce(wire.Encode(wire.FileAck{ID: tr.id, Bytes: bytes}))
}

func (tr *transfer) ackedBytes() uint64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.acked
}

// cancel stops acknowledgements (the transfer is abandoned).
func (tr *transfer) cancel() {
	tr.mu.Lock()
	tr.canceled = true
	tr.mu.Unlock()
}

// ticket follows one chunk: one count per outbox it was queued to, plus the
// hub's own while it queues. Whoever brings it to zero acknowledges.
type ticket struct {
	n     atomic.Int32
	tr    *transfer
	bytes uint64 // the transfer's total after this chunk
}

func (t *ticket) release() {
	if t.n.Add(-1) == 0 {
		t.tr.ack(t.bytes)
	}
}

func (h *hub) fileOffer(c *conn, m wire.FileOffer) {
	reject := func(code wire.ErrorCode, text string) { h.sendError(c, code, m.Ref, text) }
	if err := wire.CheckFileName(m.Name); err != nil {
		reject(nameCode(err, wire.CodeFileRejected), err.Error())
		return
	}
	if m.Size > uint64(h.cfg.MaxFileSize) {
		reject(wire.CodeFileRejected, fmt.Sprintf("%d bytes is over the limit of %d", m.Size, h.cfg.MaxFileSize))
		return
	}
	if (m.Room == "") == (m.To == "") {
		reject(wire.CodeFileRejected, "a file goes to a room or to a user: name exactly one")
		return
	}
	if c.files >= maxFilesPerUser {
		reject(wire.CodeFileRejected, fmt.Sprintf("at most %d transfers at once", maxFilesPerUser))
		return
	}
	tr := &transfer{from: c, name: m.Name, size: m.Size}
	var toNick string
	if m.To != "" {
		to := h.members[wire.FoldKey(m.To)]
		if to == nil {
			reject(wire.CodeNoSuchUser, fmt.Sprintf("“%s” is not online", clip(m.To)))
			return
		}
		if to == c {
			reject(wire.CodeFileRejected, "you cannot send a file to yourself")
			return
		}
		if to.peer != nil {
			reject(wire.CodeRemoteUnavailable, fmt.Sprintf("“%s” is on another server; files go only to people on this server for now", to.nick))
			return
		}
		tr.to = []*conn{to}
		toNick = to.nick
	} else {
		r := h.roomNamed(m.Room)
		if r == nil {
			reject(wire.CodeNoSuchRoom, fmt.Sprintf("there is no room “%s”", clip(m.Room)))
			return
		}
		if !c.in(r) {
			reject(wire.CodeNotInRoom, fmt.Sprintf("you are not in “%s”", r.name))
			return
		}
		tr.room = r.name
		for _, mem := range r.members {
			if mem != c && mem.peer == nil { // those on other servers do not get it
				tr.to = append(tr.to, mem)
			}
		}
	}
	now := time.Now()
	h.nextID++
	tr.id = h.nextID
	h.files[tr.id] = tr
	c.files++
	offered := wire.FileOffered{ID: tr.id, Time: now.UnixMilli(), From: c.nick, Room: tr.room, To: toNick,
		Name: tr.name, Size: tr.size}
	frame := wire.Encode(offered)
	for _, r := range tr.to {
		h.push(r, frame)
	}
	offered.Ref = m.Ref
	h.pushMsg(c, offered)
	where := "room " + tr.room
	if tr.private() {
		where = toNick
	}
	h.log.Info("file offered", "id", tr.id, "from", c.nick, "to", where, "name", tr.name, "size", tr.size)
	h.emit(Notice{Text: fmt.Sprintf("%s sends %q (%d bytes) to %s", c.nick, tr.name, tr.size, where), At: now})
}

// senderTransfer finds transfer id sent by c, or answers CodeNoTransfer.
func (h *hub) senderTransfer(c *conn, id uint64) *transfer {
	tr := h.files[id]
	if tr == nil || tr.from != c {
		h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("you are sending no transfer %d", id))
		return nil
	}
	return tr
}

func (h *hub) fileChunk(c *conn, m wire.FileChunk) {
	tr := h.senderTransfer(c, m.ID)
	if tr == nil {
		return
	}
	n := uint64(len(m.Data))
	if tr.sent+n > tr.size {
		h.abortTransfer(tr, fmt.Sprintf("more than the %d bytes offered", tr.size), true)
		return
	}
	if tr.sent-tr.ackedBytes() > maxUnacked {
		h.abortTransfer(tr, fmt.Sprintf("more than %d bytes sent ahead of acknowledgements", maxUnacked), true)
		return
	}
	tr.sent += n
	frame := wire.Encode(m)
	t := &ticket{tr: tr, bytes: tr.sent}
	t.n.Store(1)
	for _, r := range tr.to {
		t.n.Add(1) // released when written, or when discarded
		h.stage(r, outFrame{b: frame, t: t}, true)
	}
	t.release()
}

func (h *hub) fileEnd(c *conn, m wire.FileEnd) {
	tr := h.senderTransfer(c, m.ID)
	if tr == nil {
		return
	}
	if tr.sent != tr.size {
		h.abortTransfer(tr, fmt.Sprintf("ended after %d of %d bytes", tr.sent, tr.size), true)
		return
	}
	frame := wire.Encode(m)
	for _, r := range tr.to {
		h.push(r, frame)
	}
	h.forget(tr)
	h.log.Info("file relayed", "id", tr.id, "from", c.nick, "name", tr.name, "size", tr.size, "recipients", len(tr.to))
	h.emit(Notice{Text: fmt.Sprintf("%s's file %q (%d bytes) relayed", c.nick, tr.name, tr.size), At: time.Now()})
}

func (h *hub) fileAbort(c *conn, m wire.FileAbort) {
	tr := h.files[m.ID]
	switch {
	case tr == nil:
		h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("no transfer %d", m.ID))
	case tr.from == c:
		h.abortTransfer(tr, "canceled by the sender", false)
	case slices.Contains(tr.to, c):
		h.recipientGone(tr, c, "declined by "+c.nick)
	default:
		h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("transfer %d is not yours", m.ID))
	}
}

// abortTransfer ends tr: recipients get FileAbort, and so does the sender
// when toSender (it did not end the transfer itself).
func (h *hub) abortTransfer(tr *transfer, reason string, toSender bool) {
	tr.cancel()
	frame := wire.Encode(wire.FileAbort{ID: tr.id, Reason: reason})
	for _, r := range tr.to {
		h.push(r, frame)
	}
	if toSender {
		h.push(tr.from, frame)
	}
	h.forget(tr)
	h.log.Info("file aborted", "id", tr.id, "from", tr.from.nick, "name", tr.name, "reason", reason)
}

// recipientGone takes c out of tr. A private transfer, or one nobody is
// left to receive, is aborted.
func (h *hub) recipientGone(tr *transfer, c *conn, reason string) {
	tr.to = slices.DeleteFunc(tr.to, func(r *conn) bool { return r == c })
	if tr.private() || len(tr.to) == 0 {
		h.abortTransfer(tr, reason, true)
	}
}

func (h *hub) forget(tr *transfer) {
	delete(h.files, tr.id)
	tr.from.files--
}

// filesLeave ends c's part in transfers when c goes.
func (h *hub) filesLeave(c *conn) {
	if len(h.files) == 0 {
		return
	}
	var mine, theirs []*transfer
	for _, tr := range h.files {
		if tr.from == c {
			mine = append(mine, tr)
		} else if slices.Contains(tr.to, c) {
			theirs = append(theirs, tr)
		}
	}
	for _, tr := range mine {
		h.abortTransfer(tr, "the sender left", false)
	}
	for _, tr := range theirs {
		h.recipientGone(tr, c, c.nick+" left")
	}
}
