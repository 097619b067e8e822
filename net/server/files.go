package server

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multichat/multichat/net/wire"
)

const (
	// maxFilesPerUser bounds the transfers one user has open at once
	// (offered and not yet answered by every recipient, or streaming).
	maxFilesPerUser = 16
	// maxUnacked is how far a sender may run ahead of a leg's
	// acknowledgements. Well-behaved senders keep at most 8 chunks
	// unacknowledged; one that goes past this has the leg aborted, so the
	// recipient's outbox stays bounded.
	maxUnacked = 16 * wire.MaxChunk
	// ackEvery is how often a leg's acknowledgement is sent while more of
	// it is on its way to the recipient: one per two chunks, a quarter of
	// the client's window.
	ackEvery = 2 * wire.MaxChunk
)

// SetFiles changes the file policy while the server runs: Off refuses new
// offers (transfers under way finish); MaxSize (>0) is the largest file.
type SetFiles struct {
	Off     bool
	MaxSize int64
}

func (SetFiles) isCommand() {}

// transfer is a file offered to a room or a user. The server never holds the
// file: nothing is relayed before a recipient accepts (file-accept); then
// the sender streams a leg to that recipient alone, from the offset it asks
// for, and each chunk is encoded once, queued to that recipient, and
// forgotten once its writer has written it; then the sender gets a FileAck.
// Recipients are known by nickname, so that one who reconnects resumes.
type transfer struct {
	id    uint64
	from  *conn
	name  string
	size  uint64
	room  string // room display name; "" for a private transfer
	key   [wire.FileKeySize]byte
	rcpts map[string]*recipient // by wire.FoldKey(nick)
}

type rstate uint8

const (
	rOffered   rstate = iota // asked, no answer yet
	rReceiving               // accepted: a leg streams to it
	rAway                    // disconnected before the end; may come back and resume
	rDone                    // received, declined or canceled: nothing more
)

type recipient struct {
	nick  string
	c     *conn // nil while away
	state rstate
	leg   *leg
}

// leg is one recipient's stream of a transfer. The hub opens and ends it;
// the sender's reader relays its chunks (chunkReader) without the hub.
type leg struct {
	id uint64
	tr *transfer
	r  *recipient
	to *conn

	mu       sync.Mutex // guards what follows; taken by the sender's reader, the recipient's writer and the hub
	sent     uint64     // the file offset relayed up to
	acked    uint64
	closed   bool               // no more chunks are relayed (ended, failed or abandoned)
	canceled bool               // no more acknowledgements either (abandoned)
	onAck    func(bytes uint64) // set: acknowledgements go there (a leg of another server's transfer)
}

// ack reports to the sender that the recipient has been written the file up
// to bytes: every ackEvery bytes, and whenever all that was relayed is
// written (the sender may be waiting for it). It runs on the recipient's
// writer.
func (l *leg) ack(bytes uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.canceled || bytes <= l.acked || (bytes < l.sent && bytes-l.acked < ackEvery) {
		return
	}
	l.acked = bytes
	if l.onAck != nil {
		l.onAck(bytes)
		return
	}
	l.tr.from.out.pushForce(wire.Encode(wire.FileAck{ID: l.id, Bytes: bytes}))
}

func (l *leg) sentBytes() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent
}

// close stops relaying; with cancel, acknowledgements stop too (the leg is
// abandoned).
func (l *leg) close(cancel bool) {
	l.mu.Lock()
	l.closed = true
	l.canceled = l.canceled || cancel
	l.mu.Unlock()
}

// cancel abandons every leg of tr (the server stops).
func (tr *transfer) cancel() {
	for _, r := range tr.rcpts {
		if r.leg != nil {
			r.leg.close(true)
		}
	}
}

// relay is a sender's open legs by leg id: the hub adds and removes them,
// the sender's reader looks them up.
type relay struct {
	mu   sync.Mutex
	legs map[uint64]*leg
}

func (r *relay) add(l *leg) {
	r.mu.Lock()
	if r.legs == nil {
		r.legs = make(map[uint64]*leg)
	}
	r.legs[l.id] = l
	r.mu.Unlock()
}

func (r *relay) remove(l *leg) {
	r.mu.Lock()
	delete(r.legs, l.id)
	r.mu.Unlock()
}

func (r *relay) find(id uint64) *leg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.legs[id]
}

// chunkReader is the part of a connection's reader that relays file chunks.
// A chunk frame is read into a pooled buffer (into) and forwarded from it to
// the leg's recipient with the transfer's id in place of the leg's (relay):
// no copy, no allocation but the ticket, and no trip through the hub, so a
// file streams beside chat without delaying it.
type chunkReader struct {
	c    *conn
	buf  *[]byte // the frame being read, from chunkFrames
	read bool    // the frame just read is a chunk in buf
	last *leg    // the leg of the last chunk
}

// into gives a chunk frame's payload a pooled buffer with room for the
// header before it; other frames (and malformed chunks, which fail to
// decode) use the wire.Reader's own.
func (cr *chunkReader) into(t wire.Type, n int) []byte {
	if t != wire.TypeFileChunk || n < 8 || n > 8+wire.MaxChunk {
		return nil
	}
	if cr.buf == nil {
		cr.buf = chunkFrames.Get().(*[]byte)
	}
	cr.read = true
	return (*cr.buf)[wire.HeaderSize : wire.HeaderSize+n]
}

// relay forwards the chunk frame just read into cr.buf (payload p). A chunk
// of a leg that is not open (it just ended: declined, recipient gone) is
// dropped without a word; one that breaks the leg's rules (past the offered
// size, too far ahead of the acknowledgements) fails the leg, as if the
// sender had aborted it. It reports false if the hub has let go of the
// connection.
func (cr *chunkReader) relay(p []byte) bool {
	cr.read = false
	id := binary.BigEndian.Uint64(p)
	l := cr.last
	if l == nil || l.id != id {
		if l = cr.c.relay.find(id); l == nil {
			cr.done()
			return true
		}
		cr.last = l
	}
	n := uint64(len(p) - 8)
	fault := ""
	l.mu.Lock()
	switch {
	case l.closed:
	case l.sent+n > l.tr.size:
		fault = fmt.Sprintf("more than the %d bytes offered", l.tr.size)
	case l.sent-l.acked > maxUnacked:
		fault = fmt.Sprintf("more than %d bytes sent ahead of acknowledgements", maxUnacked)
	default:
		l.sent += n
		if l.to.peer != nil { // a recipient on another server: its server writes the chunk
			l.mu.Unlock()
			cr.c.h.remoteChunk(l, p[8:])
			return true
		}
		t := &ticket{l: l, bytes: l.sent, buf: cr.buf}
		l.mu.Unlock()
		t.n.Store(1)
		cr.buf = nil
		frame := (*t.buf)[:wire.HeaderSize+len(p)]
		binary.BigEndian.PutUint32(frame, uint32(1+len(p)))
		frame[4] = byte(wire.TypeFileChunk)
		binary.BigEndian.PutUint64(frame[wire.HeaderSize:], l.tr.id)
		l.to.out.pushBulk(outFrame{b: frame, t: t})
		return true
	}
	closed := l.closed
	l.closed = true
	l.mu.Unlock()
	cr.done()
	if closed {
		return true
	}
	return cr.c.deliver(inbound{c: cr.c, m: wire.FileAbort{ID: l.id, Reason: fault}})
}

// done gives back the buffer of a chunk that is not relayed (an idle
// connection holds none).
func (cr *chunkReader) done() {
	if cr.buf != nil {
		chunkFrames.Put(cr.buf)
		cr.buf = nil
	}
}

// ticket follows one chunk to the recipient's writer, which acknowledges it
// once written (or releases it when the frame is discarded). Then the
// chunk's frame buffer goes back to chunkFrames: a relayed file allocates
// no frame per chunk.
type ticket struct {
	n     atomic.Int32
	l     *leg
	bytes uint64  // the file offset after this chunk
	buf   *[]byte // the frame's buffer, from chunkFrames
}

func (t *ticket) release() {
	if t.n.Add(-1) == 0 {
		t.l.ack(t.bytes)
		chunkFrames.Put(t.buf)
	}
}

// chunkFrames holds buffers for relayed file-chunk frames.
var chunkFrames = sync.Pool{New: func() any {
	b := make([]byte, 0, wire.HeaderSize+8+wire.MaxChunk)
	return &b
}}

func (h *hub) setFiles(cmd SetFiles) {
	h.cfg.FilesOff = cmd.Off
	if cmd.MaxSize > 0 {
		h.cfg.MaxFileSize = cmd.MaxSize
	}
	h.log.Info("file policy", "off", cmd.Off, "max", h.cfg.MaxFileSize)
}

func (h *hub) fileOffer(c *conn, m wire.FileOffer) {
	reject := func(code wire.ErrorCode, text string) { h.sendError(c, code, m.Ref, text) }
	if h.cfg.FilesOff {
		reject(wire.CodeFilesOff, "this server does not relay files")
		return
	}
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
	tr := &transfer{from: c, name: m.Name, size: m.Size, key: m.Key, rcpts: map[string]*recipient{}}
	var toNick string
	add := func(r *conn) { tr.rcpts[wire.FoldKey(r.nick)] = &recipient{nick: r.nick, c: r} }
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
		add(to)
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
			if mem != c {
				add(mem)
			}
		}
		if len(tr.rcpts) == 0 {
			reject(wire.CodeFileRejected, fmt.Sprintf("nobody else is in “%s”", r.name))
			return
		}
	}
	now := time.Now()
	h.nextID++
	tr.id = h.nextID
	h.files[tr.id] = tr
	c.files++
	offered := wire.FileOffered{ID: tr.id, Time: now.UnixMilli(), From: c.nick, Room: tr.room, To: toNick,
		Name: tr.name, Size: tr.size, Key: tr.key}
	frame := wire.Encode(offered)
	for _, r := range tr.rcpts {
		h.push(r.c, frame)
	}
	h.clusterFileOffer(tr, offered)
	offered.Ref = m.Ref
	h.pushMsg(c, offered)
	where := "room " + tr.room
	if tr.room == "" {
		where = toNick
	}
	h.log.Info("file offered", "id", tr.id, "from", c.nick, "to", where, "name", tr.name, "size", tr.size)
	h.emit(Notice{Text: fmt.Sprintf("%s offers %q (%d bytes) to %s", c.nick, tr.name, tr.size, where), At: now,
		News: FileOfferNews{From: c.nick, Name: tr.name, Size: tr.size, Room: tr.room, To: toNick}})
}

// fileAccept starts a leg: recipient c wants the file from m.Offset.
func (h *hub) fileAccept(c *conn, m wire.FileAccept) {
	if h.remoteFileAccept(c, m) {
		return
	}
	tr := h.files[m.ID]
	var r *recipient
	if tr != nil {
		r = tr.rcpts[wire.FoldKey(c.nick)]
	}
	switch {
	case r == nil:
		h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("no transfer %d is offered to you", m.ID))
		return
	case m.Key != tr.key:
		h.sendError(c, wire.CodeFileOffset, 0, fmt.Sprintf("transfer %d is another file", m.ID))
		return
	case m.Offset > tr.size:
		h.sendError(c, wire.CodeFileOffset, 0, fmt.Sprintf("offset %d is past the file's %d bytes", m.Offset, tr.size))
		return
	case r.state == rDone:
		h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("transfer %d is already over for you", m.ID))
		return
	}
	if r.leg != nil { // accepted again (reconnected before the old connection was noticed gone)
		h.dropLeg(r.leg)
	}
	h.nextID++
	l := &leg{id: h.nextID, tr: tr, r: r, to: c, sent: m.Offset, acked: m.Offset}
	r.c, r.state, r.leg = c, rReceiving, l
	h.legs[l.id] = l
	tr.from.relay.add(l)
	h.pushMsg(tr.from, wire.FileSend{ID: tr.id, Leg: l.id, Offset: m.Offset, To: c.nick})
	h.log.Info("file accepted", "id", tr.id, "leg", l.id, "by", c.nick, "offset", m.Offset)
}

// senderLeg finds leg id of a transfer sent by c. A leg that just ended
// (declined, recipient gone) may still get chunks in flight: they are
// dropped without a word.
func (h *hub) senderLeg(c *conn, id uint64) *leg {
	l := h.legs[id]
	if l == nil || l.tr.from != c {
		return nil
	}
	return l
}

func (h *hub) fileEnd(c *conn, m wire.FileEnd) {
	l := h.senderLeg(c, m.ID)
	if l == nil {
		return
	}
	tr := l.tr
	if sent := l.sentBytes(); sent != tr.size {
		h.failLeg(l, fmt.Sprintf("ended after %d of %d bytes", sent, tr.size))
		return
	}
	l.close(false)
	h.afterChunks(l.to, wire.Encode(wire.FileEnd{ID: tr.id, SHA256: m.SHA256}))
	h.remoteLegEnd(l, m.SHA256[:], "")
	delete(h.legs, l.id)
	c.relay.remove(l)
	l.r.state, l.r.leg = rDone, nil
	h.pushMsg(c, wire.FileStatus{ID: tr.id, Leg: l.id, Nick: l.r.nick, State: wire.RecipientReceived})
	h.log.Info("file relayed", "id", tr.id, "from", c.nick, "to", l.r.nick, "name", tr.name, "size", tr.size)
	h.emit(Notice{Text: fmt.Sprintf("%s's file %q (%d bytes) relayed to %s", c.nick, tr.name, tr.size, l.r.nick), At: time.Now(),
		News: FileRelayNews{From: c.nick, Name: tr.name, Size: tr.size, To: l.r.nick}})
	h.closeIfAnswered(tr)
}

func (h *hub) fileAbort(c *conn, m wire.FileAbort) {
	if h.remoteFileAbort(c, m) {
		return
	}
	reason := wire.VisibleText(m.Reason)
	if tr := h.files[m.ID]; tr != nil {
		if tr.from == c {
			h.abortTransfer(tr, "canceled by the sender")
			return
		}
		if r := tr.rcpts[wire.FoldKey(c.nick)]; r != nil && r.state != rDone {
			h.recipientOut(r, tr, reason)
			return
		}
	}
	if l := h.senderLeg(c, m.ID); l != nil {
		h.failLeg(l, reason)
		return
	}
	h.sendError(c, wire.CodeNoTransfer, 0, fmt.Sprintf("no transfer %d of yours", m.ID))
}

// recipientOut records that r declined (before accepting) or canceled, and
// tells the sender.
func (h *hub) recipientOut(r *recipient, tr *transfer, reason string) {
	state, legID := wire.RecipientDeclined, uint64(0)
	if r.leg != nil {
		state, legID = wire.RecipientCanceled, r.leg.id
		h.dropLeg(r.leg)
	}
	r.state = rDone
	h.pushMsg(tr.from, wire.FileStatus{ID: tr.id, Leg: legID, Nick: r.nick, State: state, Reason: reason})
	h.log.Info("file refused", "id", tr.id, "by", r.nick, "reason", reason)
	h.closeIfAnswered(tr)
}

// failLeg ends a leg the sender broke (or gave up on): the recipient is told
// and is done with the transfer.
func (h *hub) failLeg(l *leg, reason string) {
	h.dropLeg(l)
	h.afterChunks(l.to, wire.Encode(wire.FileAbort{ID: l.tr.id, Reason: reason}))
	h.remoteLegEnd(l, nil, reason)
	l.r.state = rDone
	h.pushMsg(l.tr.from, wire.FileStatus{ID: l.tr.id, Leg: l.id, Nick: l.r.nick, State: wire.RecipientCanceled, Reason: reason})
	h.closeIfAnswered(l.tr)
}

// afterChunks queues a frame that ends a leg (end, abort, interrupted) to
// its recipient, once the leg is closed: behind the chunks still queued
// (the sender's reader queues them as bulk, which the writer takes after
// other frames), or as usual if the writer has taken them all.
func (h *hub) afterChunks(to *conn, frame []byte) {
	if to.peer != nil {
		return // a member of another server: that server writes to it
	}
	if !to.out.pushBehindBulk(outFrame{b: frame}) {
		h.push(to, frame)
	}
}

func (h *hub) dropLeg(l *leg) {
	l.close(true)
	delete(h.legs, l.id)
	l.tr.from.relay.remove(l)
	if l.r.leg == l {
		l.r.leg = nil
	}
}

// closeIfAnswered ends tr once every recipient is done with it.
func (h *hub) closeIfAnswered(tr *transfer) {
	for _, r := range tr.rcpts {
		if r.state != rDone {
			return
		}
	}
	h.pushMsg(tr.from, wire.FileClosed{ID: tr.id})
	h.forget(tr)
}

// abortTransfer ends tr for everyone still taking part.
func (h *hub) abortTransfer(tr *transfer, reason string) {
	h.endTransfer(tr, wire.FileAbort{ID: tr.id, Reason: reason})
	h.log.Info("file aborted", "id", tr.id, "from", tr.from.nick, "name", tr.name, "reason", reason)
}

// endTransfer ends every leg of tr, tells every recipient still taking part
// (m), and forgets tr.
func (h *hub) endTransfer(tr *transfer, m wire.Message) {
	frame := wire.Encode(m)
	for _, r := range tr.rcpts {
		switch {
		case r.leg != nil:
			h.dropLeg(r.leg)
			h.remoteTransferEnd(tr, r, m)
			h.afterChunks(r.c, frame)
		case r.c != nil && r.state != rDone:
			h.remoteTransferEnd(tr, r, m)
			h.push(r.c, frame)
		}
	}
	h.forget(tr)
}

func (h *hub) forget(tr *transfer) {
	delete(h.files, tr.id)
	tr.from.files--
}

// filesLeave ends c's part in transfers when c goes. What c was sending is
// interrupted (recipients keep what arrived: a new offer of the same file
// resumes); what c was receiving waits for c to come back.
func (h *hub) filesLeave(c *conn) {
	h.remoteFilesLeave(c)
	if len(h.files) == 0 {
		return
	}
	key := wire.FoldKey(c.nick)
	for _, tr := range h.files {
		if tr.from == c {
			h.endTransfer(tr, wire.FileInterrupted{ID: tr.id, Reason: c.nick + "'s connection ended"})
			h.log.Info("file interrupted", "id", tr.id, "from", c.nick, "name", tr.name)
			continue
		}
		r := tr.rcpts[key]
		if r == nil || r.c != c || r.state == rDone {
			continue
		}
		legID := uint64(0)
		if r.leg != nil {
			legID = r.leg.id
			h.dropLeg(r.leg)
		}
		r.c, r.state = nil, rAway
		h.pushMsg(tr.from, wire.FileStatus{ID: tr.id, Leg: legID, Nick: r.nick, State: wire.RecipientAway,
			Reason: c.nick + "'s connection ended"})
	}
}
