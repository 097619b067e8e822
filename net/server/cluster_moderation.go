package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// Bans and mutes in a cluster: every server keeps every ban and mute, so
// that one made on any server's window or console applies to the user
// wherever they are connected now and wherever they connect next. The
// server that made it publishes it once; each other server adds it to its
// own list (and its own database, so that it survives a restart), removes
// or silences its own users it covers, and tells its window. The other
// servers' users are never removed here: their own server does it, and
// everyone sees the usual [kick] and leave.
//
// A ban is known across the servers by when it was made and what it covers
// (the ids are each server's own). A server that was down when a ban, unban,
// mute or unmute was made catches up from the others' snapshots, which list
// the bans and mutes made on each (a snapshot replaces what the receiver
// holds from that server); each server ends bans and mutes at their end
// time by itself.

// Event kinds (cmsg.K) of the moderation; Args holds the ban (store.Ban) or
// the mute (clusterMute).
const (
	ckBan    = "ban"
	ckUnban  = "unban"
	ckMute   = "mute"
	ckUnmute = "unmute"
)

// muteArgs is a mute between servers; cmsg.Nick is the user's nickname and
// cmsg.Dev its device ("" when the mute follows the nickname).
type muteArgs struct {
	Until  int64  `json:"u,omitempty"` // unix ms; 0: until unmuted
	Reason string `json:"r,omitempty"`
}

// clusterBan tells the other servers of a ban made here.
func (h *hub) clusterBan(b *ban) {
	if h.cl == nil {
		return
	}
	a, _ := json.Marshal(b.record())
	h.publish(cmsg{K: ckBan, Args: a})
}

// clusterUnban tells the other servers that a ban was lifted here.
func (h *hub) clusterUnban(b *ban) {
	if h.cl == nil {
		return
	}
	a, _ := json.Marshal(b.record())
	h.publish(cmsg{K: ckUnban, Args: a})
}

// clusterMute tells the other servers of a mute made here (key: muteKey).
func (h *hub) clusterMute(key string, mu *mute) {
	if h.cl == nil {
		return
	}
	a, _ := json.Marshal(muteArgs{Until: unixMilliOrZero(mu.until), Reason: mu.reason})
	h.publish(cmsg{K: ckMute, Nick: mu.nick, Dev: muteDevice(key), Args: a})
}

// clusterUnmute tells the other servers that a mute was lifted here.
func (h *hub) clusterUnmute(key string, mu *mute) {
	if h.cl != nil {
		h.publish(cmsg{K: ckUnmute, Nick: mu.nick, Dev: muteDevice(key)})
	}
}

// muteDevice is the device a mute key names (nil for a nickname's).
func muteDevice(key string) []byte {
	if len(key) == 32 {
		return []byte(key)
	}
	return nil
}

// remoteMuteKey is the mute key of a mute event.
func remoteMuteKey(m cmsg) string {
	if len(m.Dev) == 32 {
		return string(m.Dev)
	}
	return "nick:" + wire.FoldKey(m.Nick)
}

func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// sameBan reports whether a ban here is the one another server describes.
func sameBan(b *ban, sb store.Ban) bool {
	r := b.record()
	return r.Created == sb.Created && r.Addr == sb.Addr && r.Nick == sb.Nick && r.Name == sb.Name &&
		string(r.Device) == string(sb.Device)
}

// remoteModeration applies a ban, unban, mute or unmute made on server p;
// it reports whether m was one.
func (h *hub) remoteModeration(p *peerServer, m cmsg) bool {
	switch m.K {
	case ckBan, ckUnban:
		var sb store.Ban
		if err := json.Unmarshal(m.Args, &sb); err != nil {
			h.log.Warn("cluster: undecodable ban", "from", p.info.Name, "err", err)
			return true
		}
		if m.K == ckBan {
			h.remoteBan(p, sb)
		} else {
			h.remoteUnban(p, sb)
		}
	case ckMute:
		var a muteArgs
		if err := json.Unmarshal(m.Args, &a); err != nil {
			h.log.Warn("cluster: undecodable mute", "from", p.info.Name, "err", err)
			return true
		}
		h.remoteMute(p, m, a)
	case ckUnmute:
		key := remoteMuteKey(m)
		if mu := h.mod.mutes[key]; mu != nil {
			h.audit(Audit{Action: AuditUnmute, Target: mu.nick, Args: AuditArgs{Server: p.info.Name}})
			h.endMute(key, mu, nil)
		}
	default:
		return false
	}
	return true
}

func (h *hub) remoteBan(p *peerServer, sb store.Ban) {
	for _, b := range h.mod.bans {
		if sameBan(b, sb) {
			return
		}
	}
	now := h.now()
	b := banFrom(sb)
	if !b.active(now) {
		return
	}
	b.info.ID = h.mod.lastBan + 1
	b.info.By = remoteBy(p)
	sb.ID, sb.By = b.info.ID, b.info.By
	h.mod.lastBan = b.info.ID
	h.mod.bans[b.info.ID] = b
	h.mod.index(b)
	h.save("ban", func(st ModerationStore, ctx context.Context) error { return st.PutBan(ctx, sb) })
	when := UntilText(b.info.Until, now)
	h.audit(Audit{Action: AuditBan, Target: b.info.Name, Reason: b.info.Reason, Args: AuditArgs{Until: b.info.Until,
		Device: b.info.Device, Addr: b.info.Addr, Nick: b.info.Nick, Server: p.info.Name}})
	h.log.Info("ban from another server", "name", b.info.Name, "what", b.info.What(), "server", p.info.Name)
	h.emit(Notice{Text: fmt.Sprintf("banned %s %s on %s (%s): %s", b.info.Name, when, p.info.Name, b.info.What(),
		b.info.Reason), At: time.Now(), Typed: true})
	h.emitBans()
	h.enforceBan(b, b.info.Reason, when, now)
}

// remoteBy is how a ban made on server p is shown ("by") here.
func remoteBy(p *peerServer) string { return "admin on " + p.info.Name }

// modSnapshot is the bans and mutes made on a server, in its snapshot.
type modSnapshot struct {
	Bans  []store.Ban `json:"b,omitempty"`
	Mutes []cmsg      `json:"m,omitempty"` // as ckMute events
}

// modSnapshot lists the bans and mutes made on this server that are in
// force.
func (h *hub) modSnapshot() *modSnapshot {
	s := &modSnapshot{}
	now := h.now()
	for _, b := range h.mod.bans {
		if b.info.By == "admin" && b.active(now) {
			s.Bans = append(s.Bans, b.record())
		}
	}
	for key, mu := range h.mod.mutes {
		if mu.origin == "" {
			a, _ := json.Marshal(muteArgs{Until: unixMilliOrZero(mu.until), Reason: mu.reason})
			s.Mutes = append(s.Mutes, cmsg{K: ckMute, Nick: mu.nick, Dev: muteDevice(key), Args: a})
		}
	}
	return s
}

// syncModeration makes the bans and mutes held here from server p what its
// snapshot lists: those missed are added, those lifted meanwhile go.
func (h *hub) syncModeration(p *peerServer, s *modSnapshot) {
	if s == nil {
		s = &modSnapshot{}
	}
	for _, sb := range s.Bans {
		h.remoteBan(p, sb) // a no-op for a ban held already
	}
	now := h.now()
	for id, b := range h.mod.bans {
		if b.info.By == remoteBy(p) && b.active(now) && !slices.ContainsFunc(s.Bans, func(sb store.Ban) bool { return sameBan(b, sb) }) {
			h.remoteUnban(p, b.record())
			h.log.Info("ban lifted on another server meanwhile", "id", id, "server", p.info.Name)
		}
	}
	listed := map[string]bool{}
	for _, m := range s.Mutes {
		key := remoteMuteKey(m)
		listed[key] = true
		if h.mod.mutes[key] != nil {
			continue
		}
		var a muteArgs
		if json.Unmarshal(m.Args, &a) == nil {
			h.remoteMute(p, m, a)
		}
	}
	for key, mu := range h.mod.mutes {
		if mu.origin == p.id && !listed[key] {
			h.endMute(key, mu, nil)
		}
	}
}

func (h *hub) remoteUnban(p *peerServer, sb store.Ban) {
	for id, b := range h.mod.bans {
		if !sameBan(b, sb) {
			continue
		}
		delete(h.mod.bans, id)
		h.mod.reindex()
		h.save("unban", func(st ModerationStore, ctx context.Context) error { return st.DeleteBan(ctx, id) })
		h.audit(Audit{Action: AuditUnban, Target: b.info.Name, Reason: b.info.Reason, Args: AuditArgs{Until: b.info.Until,
			Device: b.info.Device, Addr: b.info.Addr, Nick: b.info.Nick, Server: p.info.Name}})
		h.emit(Notice{Text: fmt.Sprintf("unbanned %s on %s (%s)", b.info.Name, p.info.Name, b.info.What()),
			At: time.Now(), Typed: true})
		h.emitBans()
		return
	}
}

func (h *hub) remoteMute(p *peerServer, m cmsg, a muteArgs) {
	now := h.now()
	mu := &mute{reason: a.Reason, nick: m.Nick, origin: p.id}
	if a.Until != 0 {
		if mu.until = time.UnixMilli(a.Until); !mu.until.After(now) {
			return
		}
	}
	key := remoteMuteKey(m)
	h.mod.mutes[key] = mu
	when := "until unmuted"
	if !mu.until.IsZero() {
		when = UntilText(mu.until, now)
	}
	for _, c := range h.members {
		if c.peer == nil && c.state == stateMember && muteKey(c) == key {
			c.muted = mu
			h.pushMsg(c, restriction(wire.RestrictMute, true, "", mu.until, mu.reason))
		}
	}
	h.audit(Audit{Action: AuditMute, Target: mu.nick, Reason: mu.reason, Args: AuditArgs{Until: mu.until, Server: p.info.Name}})
	h.emit(Notice{Text: fmt.Sprintf("muted %s %s on %s: %s", mu.nick, when, p.info.Name, mu.reason), At: time.Now(), Typed: true})
	h.emit(MuteChanged{Nick: mu.nick, On: true, Until: mu.until, At: time.Now()})
}
