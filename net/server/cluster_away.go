package server

import (
	"encoding/json"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// Private messages to someone offline, in a cluster: the server that keeps
// one (privateAway) publishes it, and every other server with history keeps
// a copy for the same party, so that the recipient gets it whichever server
// it reconnects to. The server that hands them over says so, and the others
// mark their copies delivered. Each server learns which device holds a
// nickname from the other servers' joins too, so a message can be kept for
// someone who has only ever been on another server.
//
// Known limits: a server that is down when a message is kept never gets its
// copy (the recipient gets it from any other); a message kept on one server
// within moments of the recipient's messages being handed over on another
// may be handed over twice, or wait on one server for the next connection.

const (
	ckAway      = "away"      // a private message kept for an offline party
	ckDelivered = "delivered" // the messages kept for a party were handed over
)

// awayArgs are the parties of a kept private message.
type awayArgs struct {
	From string `json:"f"`
	To   string `json:"t"`
}

// clusterAway tells the other servers of a private message kept here for
// an offline party.
func (h *hub) clusterAway(rec store.Record) {
	if h.cl == nil {
		return
	}
	a, _ := json.Marshal(awayArgs{From: rec.FromParty, To: rec.ToParty})
	h.publish(cmsg{K: ckAway, Nick: rec.From, To: rec.To, Text: rec.Text, Time: rec.Time, Args: a})
}

// clusterDelivered tells the other servers that what they keep for party
// was handed over here.
func (h *hub) clusterDelivered(party string) {
	if h.cl != nil {
		h.publish(cmsg{K: ckDelivered, To: party})
	}
}

// remoteSeen records which device holds the nickname of c, a user of
// another server, as arrived does for a user of this one.
func (h *hub) remoteSeen(c *conn, now time.Time) {
	if h.hist == nil || c.via != "" {
		return
	}
	if p, ok := h.dir[c.fold]; !ok || p.Party != c.party || p.Nick != c.nick {
		p = store.Party{NickKey: c.fold, Nick: c.nick, Party: c.party, Seen: now.UnixMilli()}
		h.dir[c.fold] = p
		h.hist.SetParty(p)
	}
}

// remoteAway applies ckAway and ckDelivered; it reports whether m was one.
func (h *hub) remoteAway(p *peerServer, m cmsg) bool {
	switch m.K {
	case ckAway:
	case ckDelivered:
		if h.hist != nil && h.waiting[m.To] > 0 {
			delete(h.waiting, m.To)
			h.hist.Delivered(m.To, h.nextID)
		}
		return true
	default:
		return false
	}
	var a awayArgs
	if err := json.Unmarshal(m.Args, &a); err != nil || a.To == "" {
		h.log.Warn("cluster: undecodable private message kept for someone offline", "from", p.info.Name, "err", err)
		return true
	}
	h.nextID++
	rec := store.Record{ID: h.nextID, Time: m.Time, Kind: store.KindPrivate, Conv: store.PrivateConv(a.From, a.To),
		From: m.Nick, To: m.To, Text: m.Text, FromParty: a.From, ToParty: a.To}
	// The recipient came here meanwhile: it gets the message now.
	if to := h.members[wire.FoldKey(m.To)]; to != nil && to.peer == nil && to.party == a.To {
		h.push(to, wire.Encode(wire.PrivMsg{ID: rec.ID, Time: rec.Time, From: m.Nick, To: to.nick, Text: m.Text}))
		h.keep(rec, nil)
		h.clusterDelivered(a.To)
		return true
	}
	if h.hist == nil {
		return true
	}
	rec.Away = true
	if h.hist.Append(rec) {
		h.waiting[a.To]++
	}
	return true
}
