package server

import (
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

// leg is one recipient's stream of a transfer.
type leg struct {
	id   uint64
	tr   *transfer
	r    *recipient
	to   *conn
	sent uint64 // the file offset relayed up to (hub owned)

	mu       sync.Mutex // guards acked and canceled; taken by writers
	acked    uint64
	canceled bool
	onAck    func(bytes uint64) // set: acknowledgements go there (a leg of another server's transfer)
}

// ack reports to the sender that the recipient has been written the file up
// to bytes. It runs on the recipient's writer.
func (l *leg) ack(bytes uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.canceled || bytes <= l.acked {
		return
	}
	l.acked = bytes
	if l.onAck != nil {
		l.onAck(bytes)
		return
	}
	l.tr.from.out.pushForce(wire.Encode(wire.FileAck{ID: l.id, Bytes: bytes}))
}

func (l *leg) ackedBytes() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acked
}

// cancel stops acknowledgements (the leg is abandoned).
func (l *leg) cancel() {
	l.mu.Lock()
	l.canceled = true
	l.mu.Unlock()
}

// cancel abandons every leg of tr.
func (tr *transfer) cancel() {
	for _, r := range tr.rcpts {
		if r.leg != nil {
			r.leg.cancel()
		}
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
	h.emit(Notice{Text: fmt.Sprintf("%s offers %q (%d bytes) to %s", c.nick, tr.name, tr.size, where), At: now})
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

func (h *hub) fileChunk(c *conn, m wire.FileChunk) {
	l := h.senderLeg(c, m.ID)
	if l == nil {
		return
	}
	n := uint64(len(m.Data))
	if l.sent+n > l.tr.size {
		h.failLeg(l, fmt.Sprintf("more than the %d bytes offered", l.tr.size))
		return
	}
	if l.sent-l.ackedBytes() > maxUnacked {
		h.failLeg(l, fmt.Sprintf("more than %d bytes sent ahead of acknowledgements", maxUnacked))
		return
	}
	l.sent += n
	if h.remoteChunk(l, m.Data) {
		return
	}
	buf := chunkFrames.Get().(*[]byte)
	*buf = wire.AppendFrame((*buf)[:0], wire.FileChunk{ID: l.tr.id, Data: m.Data})
	t := &ticket{l: l, bytes: l.sent, buf: buf}
	t.n.Store(1)
	h.stage(l.to, outFrame{b: *buf, t: t}, true)
}

func (h *hub) fileEnd(c *conn, m wire.FileEnd) {
	l := h.senderLeg(c, m.ID)
	if l == nil {
		return
	}
	tr := l.tr
	if l.sent != tr.size {
		h.failLeg(l, fmt.Sprintf("ended after %d of %d bytes", l.sent, tr.size))
		return
	}
	h.pushMsg(l.to, wire.FileEnd{ID: tr.id, SHA256: m.SHA256})
	h.remoteLegEnd(l, m.SHA256[:], "")
	delete(h.legs, l.id)
	l.r.state, l.r.leg = rDone, nil
	h.pushMsg(c, wire.FileStatus{ID: tr.id, Leg: l.id, Nick: l.r.nick, State: wire.RecipientReceived})
	h.log.Info("file relayed", "id", tr.id, "from", c.nick, "to", l.r.nick, "name", tr.name, "size", tr.size)
	h.emit(Notice{Text: fmt.Sprintf("%s's file %q (%d bytes) relayed to %s", c.nick, tr.name, tr.size, l.r.nick), At: time.Now()})
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
	h.pushMsg(l.to, wire.FileAbort{ID: l.tr.id, Reason: reason})
	h.remoteLegEnd(l, nil, reason)
	l.r.state = rDone
	h.pushMsg(l.tr.from, wire.FileStatus{ID: l.tr.id, Leg: l.id, Nick: l.r.nick, State: wire.RecipientCanceled, Reason: reason})
	h.closeIfAnswered(l.tr)
}

func (h *hub) dropLeg(l *leg) {
	l.cancel()
	delete(h.legs, l.id)
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
		if r.leg != nil {
			h.dropLeg(r.leg)
		}
		h.remoteTransferEnd(tr, r, m)
		if r.c != nil && r.state != rDone {
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
