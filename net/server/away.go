package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// Private history belongs to devices, and a private message to someone
// offline waits for their device: see PROTOCOL.md, "Private history and
// offline delivery". The hub keeps the directory (which device last held
// each nickname) and the count of messages waiting for each party in
// memory, loaded from the store when Run begins; the store keeps both.

// MaxAway bounds the private messages waiting for one offline party.
const MaxAway = 1000

// partyOf is the party c's private messages belong to: its device key, or
// for a gateway user (no device) its nickname.
func partyOf(c *conn) string {
	if c.gateway {
		return "nick:" + c.fold
	}
	return hex.EncodeToString(c.device[:])
}

// loadDirectory reads the directory and the waiting counts from the store.
func (h *hub) loadDirectory(ctx context.Context) {
	h.dir, h.waiting = map[string]store.Party{}, map[string]int{}
	if h.hist == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, histTime)
	defer cancel()
	ps, waiting, err := h.hist.Directory(ctx)
	if err != nil {
		h.log.Warn("history: cannot load who held which nickname; private messages to offline users "+
			"wait only for those seen from now on", "err", err)
		return
	}
	for _, p := range ps {
		h.dir[p.NickKey] = p
	}
	h.waiting = waiting
}

// partyNamed is the party of the conversation with nick: its holder's if
// online, else the device that last held it, else (a gateway user, or
// nobody known) the nickname's.
func (h *hub) partyNamed(nick string) string {
	fold := wire.FoldKey(nick)
	if c := h.members[fold]; c != nil {
		return c.party
	}
	if p, ok := h.dir[fold]; ok {
		return p.Party
	}
	return "nick:" + fold
}

// arrived records which device holds c's nickname and hands c the private
// messages kept for its device while it was away.
func (h *hub) arrived(c *conn, now time.Time) {
	if h.hist == nil || c.gateway {
		return
	}
	if p, ok := h.dir[c.fold]; !ok || p.Party != c.party || p.Nick != c.nick {
		p = store.Party{NickKey: c.fold, Nick: c.nick, Party: c.party, Seen: now.UnixMilli()}
		h.dir[c.fold] = p
		h.hist.SetParty(p)
	}
	if h.waiting[c.party] == 0 {
		return
	}
	req := histReq{c: c, kind: wire.HistAway, party: c.party, upTo: h.nextID, n: MaxMissed}
	select {
	case h.histQ <- req:
		delete(h.waiting, c.party)
	default:
		// The reader is busy: they stay waiting for the next connection.
		h.log.Warn("history busy: private messages kept for a user wait for their next connection", "nick", c.nick)
	}
}

// privateAway keeps a private message for m.To, who is offline, if the
// server knows their device and its history works; it reports whether it
// answered (kept, or refused with a reason).
func (h *hub) privateAway(c *conn, m wire.Private) bool {
	if h.hist == nil {
		return false
	}
	p, ok := h.dir[wire.FoldKey(m.To)]
	if !ok || h.hist.Status().Err != nil {
		return false
	}
	if code, err := wire.CheckText(m.Text, h.cfg.MaxText); err != nil {
		h.sendError(c, code, m.Ref, err.Error())
		return true
	}
	if h.waiting[p.Party] >= MaxAway {
		h.sendError(c, wire.CodeAwayFull, m.Ref, fmt.Sprintf(
			"“%s” is offline and already has %d messages waiting; try again when they are online", p.Nick, MaxAway))
		return true
	}
	now := time.Now()
	h.nextID++
	msg := wire.PrivMsg{ID: h.nextID, Time: now.UnixMilli(), From: c.nick, To: p.Nick, Text: m.Text, Ref: m.Ref}
	rec := store.Record{ID: msg.ID, Time: msg.Time, Kind: store.KindPrivate,
		Conv: store.PrivateConv(c.party, p.Party), From: c.nick, To: p.Nick, Text: m.Text, Ref: m.Ref,
		FromParty: c.party, ToParty: p.Party, Away: true}
	if !h.hist.Append(rec) {
		h.sendError(c, wire.CodeNoSuchUser, m.Ref, fmt.Sprintf(
			"“%s” is not online, and the server cannot keep the message for them now", p.Nick))
		return true
	}
	h.waiting[p.Party]++
	h.clusterAway(rec)
	h.push(c, wire.Encode(msg))
	h.pushMsg(c, wire.Queued{ID: msg.ID, Ref: m.Ref, To: p.Nick})
	h.log.Debug("private message kept for an offline user", "from", c.nick, "to", p.Nick) // never the text
	h.emit(Message{From: c.nick, To: p.Nick, Private: true, At: now})
	return true
}

// awayAnswered hands c what was kept for it. If the read failed or c has
// left meanwhile, the messages wait for the next connection.
func (h *hub) awayAnswered(res histRes) bool {
	if res.req.kind != wire.HistAway {
		return false
	}
	if res.err != nil || res.req.c.state != stateMember {
		if res.err != nil {
			h.log.Warn("history: cannot read the private messages kept for a user; they wait for "+
				"the next connection", "nick", res.req.c.nick, "err", res.err)
		}
		h.waiting[res.req.party] = max(h.waiting[res.req.party], 1)
		return true
	}
	if len(res.recs) == 0 {
		return true
	}
	h.hist.Delivered(res.req.party, res.req.upTo)
	h.clusterDelivered(res.req.party)
	entries := make([]wire.Entry, len(res.recs))
	for i, r := range res.recs {
		entries[i] = entryOf(r)
	}
	h.sendHistory(res.req.c, wire.History{Kind: wire.HistAway, Earlier: uint32(res.earlier)}, entries)
	return true
}
