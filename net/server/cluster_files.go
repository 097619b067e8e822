package server

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/multichat/multichat/net/wire"
)

// Files between users of different servers. The transfer stays where its
// sender is (the sender's server keeps the transfer and its legs, as for
// its own users); only the legs' traffic crosses NATS, on the ordered
// event stream of each server:
//
//	sender's server                          recipient's server
//	foffer  (one per offer, listing the remote recipients) → FileOffered to each, under an id of its own
//	                                    ← faccept (file-accept: nickname, offset)
//	fchunk  (one per chunk, to that recipient's server)   → FileChunk, queued as any relayed chunk
//	                                    ← fack     (written to the recipient up to n bytes)
//	fend / fabort (the leg ended, or the transfer)         → FileEnd / FileAbort / FileInterrupted
//	                                    ← fout     (declined, canceled, or its connection ended)
//
// The sender's acknowledgement window (maxUnacked) bounds what is in NATS
// for one leg, as it bounds a recipient's outbox: a recipient's server
// acknowledges a chunk once its writer has written it, so a slow recipient
// slows its sender and nothing piles up in NATS or on either server. A
// recipient whose connection ends leaves the transfer (the sender's client
// offers the file again to resume, as after its own reconnect).

// File event kinds (cmsg.K).
const (
	ckFileOffer  = "foffer"
	ckFileAccept = "faccept"
	ckFileChunk  = "fchunk"
	ckFileAck    = "fack"
	ckFileEnd    = "fend"
	ckFileAbort  = "fabort"
	ckFileOut    = "fout"
)

// fileArgs are a file event's fields besides cmsg's.
type fileArgs struct {
	ID          uint64   `json:"id"`                    // the transfer's id on the sender's server
	Size        uint64   `json:"size,omitempty"`        // foffer
	Name        string   `json:"name,omitempty"`        // foffer
	Key         []byte   `json:"key,omitempty"`         // foffer, faccept
	Rcpts       []string `json:"rcpts,omitempty"`       // foffer: the recipients on other servers
	Bytes       uint64   `json:"b,omitempty"`           // faccept: offset; fack: written up to
	Data        []byte   `json:"x,omitempty"`           // fchunk
	SHA         []byte   `json:"sha,omitempty"`         // fend
	Interrupted bool     `json:"interrupted,omitempty"` // fabort: the sender's connection ended
}

// remoteFile is a transfer of another server's user offered to users here.
type remoteFile struct {
	id     uint64 // the id the recipients here know it by
	origin *peerServer
	oid    uint64 // its id on the sender's server
	key    [wire.FileKeySize]byte
	size   uint64
	rcpts  map[string]*leg // FoldKey(nick) → its leg here (to set once accepted)
}

// clusterFiles is the hub's state of files across servers (in clusterHub).
type clusterFiles struct {
	byID     map[uint64]*remoteFile
	byOrigin map[string]*remoteFile // origin id + "/" + oid
}

func originKey(p *peerServer, oid uint64) string { return fmt.Sprintf("%s/%d", p.id, oid) }

// publishFile publishes a file event for server to (its id).
func (h *hub) publishFile(kind, to, nick string, a fileArgs) {
	b, _ := json.Marshal(a)
	h.publish(cmsg{K: kind, Server: to, Nick: nick, Args: b})
}

// ---- the sender's server ----

// clusterFileOffer tells the other servers of an offer to some of their
// users (one event, whatever the number of recipients).
func (h *hub) clusterFileOffer(tr *transfer, offered wire.FileOffered) {
	var rcpts []string
	for _, r := range tr.rcpts {
		if r.c != nil && r.c.peer != nil {
			rcpts = append(rcpts, r.nick)
		}
	}
	if len(rcpts) == 0 {
		return
	}
	slices.Sort(rcpts)
	b, _ := json.Marshal(fileArgs{ID: tr.id, Size: tr.size, Name: tr.name, Key: tr.key[:], Rcpts: rcpts})
	h.publish(cmsg{K: ckFileOffer, Nick: offered.From, Room: offered.Room, To: offered.To, Time: offered.Time, Args: b})
}

// remoteChunk sends a chunk of leg l, whose recipient is on another server,
// to that server. It runs on the sender's reader (chunks do not pass
// through the hub) and publishes on the same NATS connection as the hub, so
// the leg's end, which the hub publishes after the reader handed it the
// file-end, follows its chunks. data is encoded before it returns.
func (h *hub) remoteChunk(l *leg, data []byte) {
	a, _ := json.Marshal(fileArgs{ID: l.tr.id, Data: data})
	b, _ := json.Marshal(cmsg{K: ckFileChunk, Server: l.to.peer.id, Nick: l.r.nick, Args: a})
	h.cl.node.Publish(b)
}

// remoteLegEnd tells the recipient's server of leg l that it ended: the
// whole file went (sha set) or it failed (reason).
func (h *hub) remoteLegEnd(l *leg, sha []byte, reason string) {
	if l.to.peer == nil {
		return
	}
	if sha != nil {
		h.publishFile(ckFileEnd, l.to.peer.id, l.r.nick, fileArgs{ID: l.tr.id, SHA: sha})
		return
	}
	b, _ := json.Marshal(fileArgs{ID: l.tr.id})
	h.publish(cmsg{K: ckFileAbort, Server: l.to.peer.id, Nick: l.r.nick, Text: reason, Args: b})
}

// remoteTransferEnd tells the servers of tr's remote recipients still
// taking part that it ended (m: FileAbort or FileInterrupted).
func (h *hub) remoteTransferEnd(tr *transfer, r *recipient, m wire.Message) {
	if r.c == nil || r.c.peer == nil || r.state == rDone {
		return
	}
	a := fileArgs{ID: tr.id}
	var reason string
	switch m := m.(type) {
	case wire.FileAbort:
		reason = m.Reason
	case wire.FileInterrupted:
		reason, a.Interrupted = m.Reason, true
	}
	b, _ := json.Marshal(a)
	h.publish(cmsg{K: ckFileAbort, Server: r.c.peer.id, Nick: r.nick, Text: reason, Args: b})
}

// fileFromRecipient applies what a recipient on server p did: accepted,
// acknowledged chunks, or left the transfer.
func (h *hub) fileFromRecipient(p *peerServer, m cmsg, a fileArgs) {
	tr := h.files[a.ID]
	if tr == nil {
		return
	}
	r := tr.rcpts[wire.FoldKey(m.Nick)]
	if r == nil || r.c == nil || r.c.peer != p {
		return
	}
	switch m.K {
	case ckFileAccept:
		var key [wire.FileKeySize]byte
		copy(key[:], a.Key)
		h.fileAccept(r.c, wire.FileAccept{ID: tr.id, Offset: a.Bytes, Key: key})
	case ckFileAck:
		if r.leg != nil {
			r.leg.ack(a.Bytes)
		}
	case ckFileOut:
		if r.state != rDone {
			h.recipientOut(r, tr, m.Text)
		}
	}
}

// ---- the recipients' server ----

// remoteFileOffered hands an offer of server p's user to the recipients
// here.
func (h *hub) remoteFileOffered(p *peerServer, m cmsg, a fileArgs) {
	rf := &remoteFile{origin: p, oid: a.ID, size: a.Size, rcpts: map[string]*leg{}}
	copy(rf.key[:], a.Key)
	var to []*conn
	for _, nick := range a.Rcpts {
		if c := h.members[wire.FoldKey(nick)]; c != nil && c.peer == nil && c.state == stateMember {
			to = append(to, c)
			rf.rcpts[c.fold] = nil
		}
	}
	if len(to) == 0 {
		return
	}
	h.nextID++
	rf.id = h.nextID
	cf := h.cl.files()
	cf.byID[rf.id] = rf
	cf.byOrigin[originKey(p, a.ID)] = rf
	frame := wire.Encode(wire.FileOffered{ID: rf.id, Time: m.Time, From: m.Nick, Room: m.Room, To: m.To,
		Name: a.Name, Size: a.Size, Key: rf.key})
	for _, c := range to {
		h.push(c, frame)
	}
	h.log.Info("file offered from another server", "id", rf.id, "from", m.Nick, "server", p.info.Name,
		"recipients", len(to), "size", a.Size)
}

// remoteFileAccept forwards a recipient's file-accept to the sender's
// server; it reports whether m.ID names a transfer of another server.
func (h *hub) remoteFileAccept(c *conn, m wire.FileAccept) bool {
	rf := h.remoteFileFor(c, m.ID)
	if rf == nil {
		return false
	}
	switch {
	case m.Key != rf.key:
		h.sendError(c, wire.CodeFileOffset, 0, fmt.Sprintf("transfer %d is another file", m.ID))
		return true
	case m.Offset > rf.size:
		h.sendError(c, wire.CodeFileOffset, 0, fmt.Sprintf("offset %d is past the file's %d bytes", m.Offset, rf.size))
		return true
	}
	if old := rf.rcpts[c.fold]; old != nil {
		old.close(true)
	}
	l := &leg{id: rf.id, to: c, sent: m.Offset, acked: m.Offset}
	origin, oid, nick, node := rf.origin.id, rf.oid, c.nick, h.cl.node
	l.onAck = func(bytes uint64) { // on c's writer: straight to NATS, not through the hub
		a, _ := json.Marshal(fileArgs{ID: oid, Bytes: bytes})
		b, _ := json.Marshal(cmsg{K: ckFileAck, Server: origin, Nick: nick, Args: a})
		node.Publish(b)
	}
	rf.rcpts[c.fold] = l
	h.publishFile(ckFileAccept, origin, c.nick, fileArgs{ID: oid, Bytes: m.Offset, Key: m.Key[:]})
	return true
}

// remoteFileAbort forwards a recipient's decline or cancel to the sender's
// server; it reports whether m.ID names a transfer of another server.
func (h *hub) remoteFileAbort(c *conn, m wire.FileAbort) bool {
	rf := h.remoteFileFor(c, m.ID)
	if rf == nil {
		return false
	}
	h.remoteRecipientOut(rf, c, wire.VisibleText(m.Reason))
	return true
}

// remoteRecipientOut takes c out of rf and tells the sender's server.
func (h *hub) remoteRecipientOut(rf *remoteFile, c *conn, reason string) {
	if l := rf.rcpts[c.fold]; l != nil {
		l.close(true)
	}
	delete(rf.rcpts, c.fold)
	b, _ := json.Marshal(fileArgs{ID: rf.oid})
	h.publish(cmsg{K: ckFileOut, Server: rf.origin.id, Nick: c.nick, Text: reason, Args: b})
	h.forgetRemoteFileIfDone(rf)
}

// remoteFilesLeave takes c, who is leaving, out of the other servers'
// transfers.
func (h *hub) remoteFilesLeave(c *conn) {
	if h.cl == nil || h.cl.rfiles == nil {
		return
	}
	for _, rf := range h.cl.rfiles.byID {
		if _, ok := rf.rcpts[c.fold]; ok {
			h.remoteRecipientOut(rf, c, c.nick+"'s connection ended")
		}
	}
}

// remoteFileFor finds the transfer of another server offered to c as id.
func (h *hub) remoteFileFor(c *conn, id uint64) *remoteFile {
	if h.cl == nil || h.cl.rfiles == nil || c.peer != nil {
		return nil
	}
	rf := h.cl.rfiles.byID[id]
	if rf == nil {
		return nil
	}
	if _, ok := rf.rcpts[c.fold]; !ok {
		return nil
	}
	return rf
}

// fileToRecipient applies what the sender's server p says of a leg to a
// recipient here: a chunk, the end, or an abort.
func (h *hub) fileToRecipient(p *peerServer, m cmsg, a fileArgs) {
	rf := h.cl.files().byOrigin[originKey(p, a.ID)]
	if rf == nil {
		return
	}
	fold := wire.FoldKey(m.Nick)
	l, ok := rf.rcpts[fold]
	if !ok {
		return
	}
	switch m.K {
	case ckFileChunk:
		if l == nil || l.to.state != stateMember || l.sent+uint64(len(a.Data)) > rf.size {
			return
		}
		l.mu.Lock()
		l.sent += uint64(len(a.Data))
		sent := l.sent
		l.mu.Unlock()
		buf := chunkFrames.Get().(*[]byte)
		*buf = wire.AppendFrame((*buf)[:0], wire.FileChunk{ID: rf.id, Data: a.Data})
		t := &ticket{l: l, bytes: sent, buf: buf}
		t.n.Store(1)
		l.to.out.pushBulk(outFrame{b: *buf, t: t})
		return
	case ckFileEnd:
		if l != nil {
			var sum [32]byte
			copy(sum[:], a.SHA)
			h.afterChunks(l.to, wire.Encode(wire.FileEnd{ID: rf.id, SHA256: sum}))
		}
	case ckFileAbort:
		if c := h.members[fold]; c != nil && c.peer == nil {
			if a.Interrupted {
				h.afterChunks(c, wire.Encode(wire.FileInterrupted{ID: rf.id, Reason: m.Text}))
			} else {
				h.afterChunks(c, wire.Encode(wire.FileAbort{ID: rf.id, Reason: m.Text}))
			}
		}
		if l != nil {
			l.close(true)
		}
	}
	delete(rf.rcpts, fold)
	h.forgetRemoteFileIfDone(rf)
}

func (h *hub) forgetRemoteFileIfDone(rf *remoteFile) {
	if len(rf.rcpts) == 0 {
		delete(h.cl.rfiles.byID, rf.id)
		delete(h.cl.rfiles.byOrigin, originKey(rf.origin, rf.oid))
	}
}

// remoteFilesGone ends the transfers of server p's users (it stopped or
// died) for the recipients here.
func (h *hub) remoteFilesGone(p *peerServer) {
	if h.cl.rfiles == nil {
		return
	}
	for _, rf := range h.cl.rfiles.byID {
		if rf.origin != p {
			continue
		}
		for fold, l := range rf.rcpts {
			if l != nil {
				l.close(true)
			}
			if c := h.members[fold]; c != nil && c.peer == nil {
				h.pushMsg(c, wire.FileInterrupted{ID: rf.id, Reason: "the sender's server " + p.info.Name + " is gone"})
			}
		}
		clear(rf.rcpts)
		h.forgetRemoteFileIfDone(rf)
	}
}

// files returns the state of files across servers, made on first use.
func (ch *clusterHub) files() *clusterFiles {
	if ch.rfiles == nil {
		ch.rfiles = &clusterFiles{byID: map[uint64]*remoteFile{}, byOrigin: map[string]*remoteFile{}}
	}
	return ch.rfiles
}

// remoteFile applies a file event of server p; it reports whether m was
// one.
func (h *hub) remoteFileEvent(p *peerServer, m cmsg) bool {
	switch m.K {
	case ckFileOffer, ckFileAccept, ckFileChunk, ckFileAck, ckFileEnd, ckFileAbort, ckFileOut:
	default:
		return false
	}
	if m.K != ckFileOffer && m.Server != h.cl.node.ID() {
		return true // between two other servers
	}
	var a fileArgs
	if err := json.Unmarshal(m.Args, &a); err != nil {
		h.log.Warn("cluster: undecodable file event", "kind", m.K, "from", p.info.Name, "err", err)
		return true
	}
	switch m.K {
	case ckFileOffer:
		h.remoteFileOffered(p, m, a)
	case ckFileAccept, ckFileAck, ckFileOut:
		h.fileFromRecipient(p, m, a)
	default:
		h.fileToRecipient(p, m, a)
	}
	return true
}
