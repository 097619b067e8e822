package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/multichat/multichat/net/store"
	"github.com/multichat/multichat/net/wire"
)

// Moderation: bans (by device, address and optionally nickname), mutes,
// lecture mode, pinned topics and the audit log of the administrator's
// actions. The hub owns all of it; the store (Config.Moderation) only keeps
// bans and the audit log across restarts, written by a goroutine of its own
// so that the hub never waits for the disk. PROTOCOL.md, "Moderation".

// ModerationStore keeps bans and the audit log (net/store's Store). The hub
// reads the bans and the last audit entries once, when Run begins, and
// writes each change from a goroutine of its own.
type ModerationStore interface {
	Bans(ctx context.Context, now int64) ([]store.Ban, error)
	PutBan(ctx context.Context, b store.Ban) error
	DeleteBan(ctx context.Context, id int64) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
	Audit(ctx context.Context, n int) ([]store.AuditEntry, error)
}

// Moderation commands.

// Ban bans a user for Reason until Until (zero: for good). Nick names an
// online user (their device and address are banned; they are kicked) or an
// offline one (the device still holding the nickname, and the nickname).
// Addr bans an address alone (Nick empty) or as well. ByNick also bans the
// nickname and its look-alikes. Loopback addresses are never banned: every
// client on the server's own computer shares them.
type Ban struct {
	Nick   string
	Addr   netip.Addr
	Until  time.Time
	Reason string
	ByNick bool
}

// Unban lifts the ban with ID (BanInfo.ID).
type Unban struct{ ID int64 }

// Mute stops an online user from sending (they still read) until Until
// (zero: until Unmute). The mute follows their device across reconnects.
type Mute struct {
	Nick   string
	Until  time.Time
	Reason string
}

// Unmute ends a mute early.
type Unmute struct{ Nick string }

// Lecture turns lecture mode on or off in Room ("" : every room): only the
// administrator's announcements are posted; users' messages there are
// refused. Private messages still go.
type Lecture struct {
	Room   string
	On     bool
	Reason string
}

// SetTopic pins Text to Room ("" : the lobby), shown under the
// conversation's title in every client; an empty Text unpins it. It is
// the same topic an operator of the room sets (roomops.go).
type SetTopic struct {
	Room string
	Text string
}

func (Ban) isCommand()      {}
func (Unban) isCommand()    {}
func (Mute) isCommand()     {}
func (Unmute) isCommand()   {}
func (Lecture) isCommand()  {}
func (SetTopic) isCommand() {}

// Moderation events.

// BanInfo is one ban as the window lists it.
type BanInfo struct {
	ID      int64
	Name    string     // who was banned (nickname as shown), or the address
	Device  string     // the device key in hex ("" : none)
	Addr    netip.Addr // zero: none
	Nick    string     // the banned nickname ("" : the nickname is not banned)
	Reason  string
	Created time.Time
	Until   time.Time // zero: never ends
	By      string
}

// What says what the ban covers, in words: "device 1a2b3c4d, 192.0.2.7,
// nickname bob".
func (b BanInfo) What() string {
	var parts []string
	if b.Device != "" {
		parts = append(parts, "device "+b.Device[:min(8, len(b.Device))])
	}
	if b.Addr.IsValid() {
		parts = append(parts, b.Addr.String())
	}
	if b.Nick != "" {
		parts = append(parts, "nickname "+b.Nick)
	}
	return strings.Join(parts, ", ")
}

// Bans is the list of bans in force, sent when Run begins and after every
// change.
type Bans struct {
	List []BanInfo
	At   time.Time
}

// Audited reports an action just taken (and stored).
type Audited struct{ Entry Audit }

// AuditLog carries the last actions of earlier runs, when Run begins (Err:
// why they could not be read).
type AuditLog struct {
	Entries []Audit
	Err     error
}

// MuteChanged reports a mute that began (On) or ended.
type MuteChanged struct {
	Nick  string
	On    bool
	Until time.Time
	At    time.Time
}

// LectureChanged reports lecture mode turned on or off in Room ("" : every
// room).
type LectureChanged struct {
	Room string
	On   bool
	At   time.Time
}

// TopicChanged reports the topic pinned to Room (Text "" : none), by the
// administrator (By "admin", or "" in events made before operators) or an
// operator of the room (By: their nickname).
type TopicChanged struct {
	Room string
	Text string
	By   string
	At   time.Time
}

func (Bans) isEvent()           {}
func (Audited) isEvent()        {}
func (AuditLog) isEvent()       {}
func (MuteChanged) isEvent()    {}
func (LectureChanged) isEvent() {}
func (TopicChanged) isEvent()   {}

// AuditShown is how many earlier actions AuditLog carries.
const AuditShown = 1000

// DefaultBanReason is the reason given when the admin gives none.
const DefaultBanReason = wire.ReasonBanned

// EndOfDay is the "today" choice of a ban or mute: midnight after t, in
// t's time zone.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// UntilText says when something ends, for people: "until 14:30", "until
// 3 Dec 14:30", or "for good" (zero).
func UntilText(until, now time.Time) string {
	switch {
	case until.IsZero():
		return "for good"
	case until.Year() == now.Year() && until.YearDay() == now.YearDay():
		return "until " + until.Format("15:04")
	}
	return "until " + until.Format("2 Jan 15:04")
}

const modQueue = 1024 // store writes waiting; past it they are reported lost

// ban is a ban in force.
type ban struct {
	info   BanInfo
	device [32]byte
	hasDev bool
	keys   [2]string // the banned nickname's skeleton keys, when ByNick
}

func (b *ban) active(now time.Time) bool { return b.info.Until.IsZero() || now.Before(b.info.Until) }

// mute is a user's mute, kept by device (or fold key for gateway users).
type mute struct {
	until  time.Time
	reason string
	nick   string
	origin string // the cluster server it was made on ("" : this one)
}

// moderation is the hub's moderation state.
type moderation struct {
	st       ModerationStore
	bans     map[int64]*ban
	byDevice map[[32]byte]*ban
	byAddr   map[netip.Addr]*ban
	byNick   map[string]*ban // skeleton key → ban
	lastBan  int64
	mutes    map[string]*mute      // muteKey → mute
	all      string                // lecture mode in every room: its reason ("" : off)
	lectures map[string]string     // room key → reason of its lecture mode
	topics   map[string]wire.Topic // room key → topic
	work     chan func(context.Context) error
	done     chan struct{}
}

// now is the hub's clock for bans, mutes and the audit log.
func (h *hub) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

// startModeration loads the bans and the earlier audit log and starts the
// store writer.
func (h *hub) startModeration(ctx context.Context) {
	m := &h.mod
	m.st = h.cfg.Moderation
	m.bans = map[int64]*ban{}
	m.mutes = map[string]*mute{}
	m.lectures = map[string]string{}
	m.topics = map[string]wire.Topic{}
	m.reindex()
	if m.st == nil {
		return
	}
	load, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	now := h.now()
	saved, err := m.st.Bans(load, now.UnixMilli())
	if err != nil {
		h.failed("bans", cmdErr(ProblemBansUnread, "", "the bans could not be read: %w", err))
	}
	for _, sb := range saved {
		b := banFrom(sb)
		m.bans[b.info.ID] = b
		m.lastBan = max(m.lastBan, b.info.ID)
	}
	m.reindex()
	entries, err := m.st.Audit(load, AuditShown)
	log := AuditLog{Err: err, Entries: make([]Audit, 0, len(entries))}
	for _, e := range entries {
		log.Entries = append(log.Entries, auditFrom(time.UnixMilli(e.Time), e.Action, e.Target, e.Reason, e.Detail))
	}
	h.emit(log)
	if len(m.bans) > 0 {
		h.emitBans()
	}
	m.work = make(chan func(context.Context) error, modQueue)
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		for f := range m.work {
			c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := f(c); err != nil {
				h.failed("moderation", cmdErr(ProblemNotSaved, "", "saving to the database: %w", err))
			}
			cancel()
		}
	}()
}

// stopModeration waits until every change is written (the store is closed
// after Run returns).
func (h *hub) stopModeration() {
	if h.mod.work == nil {
		return
	}
	close(h.mod.work)
	<-h.mod.done
}

// save hands a store write to the writer; it never blocks. It reports
// whether the write was queued.
func (h *hub) save(what string, f func(ModerationStore, context.Context) error) bool {
	m := &h.mod
	if m.work == nil {
		return false
	}
	select {
	case m.work <- func(ctx context.Context) error { return f(m.st, ctx) }:
		return true
	default:
		h.failed("moderation", cmdErr(ProblemNotSaved, what, "the database is too slow: %s not saved", what))
		return false
	}
}

func banFrom(sb store.Ban) *ban {
	b := &ban{info: BanInfo{ID: sb.ID, Reason: sb.Reason, Created: time.UnixMilli(sb.Created), By: sb.By, Nick: sb.Nick}}
	if sb.Until != 0 {
		b.info.Until = time.UnixMilli(sb.Until)
	}
	if len(sb.Device) == 32 {
		copy(b.device[:], sb.Device)
		b.hasDev = true
		b.info.Device = hex.EncodeToString(sb.Device)
	}
	if a, err := netip.ParseAddr(sb.Addr); err == nil {
		b.info.Addr = a
	}
	b.info.Name = cmpOr(sb.Name, sb.Nick, sb.Addr, b.info.Device)
	if sb.Nick != "" {
		b.keys = wire.SkeletonKeys(sb.Nick)
	}
	return b
}

// cmpOr returns the first non-empty string.
func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (b *ban) record() store.Ban {
	sb := store.Ban{ID: b.info.ID, Name: b.info.Name, Nick: b.info.Nick, Reason: b.info.Reason, Created: b.info.Created.UnixMilli(),
		By: b.info.By}
	if b.hasDev {
		sb.Device = b.device[:]
	}
	if b.info.Addr.IsValid() {
		sb.Addr = b.info.Addr.String()
	}
	if !b.info.Until.IsZero() {
		sb.Until = b.info.Until.UnixMilli()
	}
	return sb
}

// reindex rebuilds the lookup maps from bans (after an unban or an expiry:
// two bans may share a device, an address or a nickname).
func (m *moderation) reindex() {
	m.byDevice = make(map[[32]byte]*ban, len(m.bans))
	m.byAddr = make(map[netip.Addr]*ban)
	m.byNick = make(map[string]*ban)
	ids := make([]int64, 0, len(m.bans))
	for id := range m.bans {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the newest ban wins a key
	for _, id := range ids {
		m.index(m.bans[id])
	}
}

func (m *moderation) index(b *ban) {
	if b.hasDev {
		m.byDevice[b.device] = b
	}
	if b.info.Addr.IsValid() {
		m.byAddr[b.info.Addr] = b
	}
	if b.info.Nick != "" {
		for _, k := range b.keys {
			m.byNick[k] = b
		}
	}
}

// banned returns the ban that keeps out a device, address or nickname (by
// its wire.SkeletonKeys; nil: not checked), if any, and whether it found
// bans that have ended (to be pruned).
func (m *moderation) banned(device [32]byte, ip netip.Addr, keys *[2]string, now time.Time) (found *ban, ended bool) {
	if len(m.bans) == 0 {
		return nil, false
	}
	check := func(b *ban) bool {
		if b == nil {
			return false
		}
		if b.active(now) {
			found = b
			return true
		}
		ended = true
		return false
	}
	if device != ([32]byte{}) && check(m.byDevice[device]) || check(m.byAddr[ip.Unmap()]) {
		return found, ended
	}
	if len(m.byNick) > 0 && keys != nil {
		for _, k := range keys {
			if check(m.byNick[k]) {
				return found, ended
			}
		}
	}
	return nil, ended
}

// admit checks a hello against the bans: its device and address, and its
// nickname once keys (its skeleton keys, which the hello computes anyway)
// are known. It refuses a banned one and returns false.
func (h *hub) admit(c *conn, m wire.Hello, keys *[2]string) bool {
	now := h.now()
	dev := m.Device
	if c.gateway {
		dev = [32]byte{}
	}
	if keys != nil && len(h.mod.byNick) == 0 {
		return true // the device and address were checked already
	}
	b, ended := h.mod.banned(dev, c.addr.Addr(), keys, now)
	if ended {
		h.pruneBans(now)
	}
	if b == nil {
		return true
	}
	r := wire.Refused{Code: wire.RefuseBanned, Text: b.info.Reason}
	if !b.info.Until.IsZero() {
		r.Until = b.info.Until.UnixMilli()
	}
	h.refuseHello(c, m.Nick, r, Refused{Code: wire.RefuseBanned, Until: b.info.Until, BanReason: b.info.Reason,
		Reason: fmt.Sprintf("banned %s: %s", UntilText(b.info.Until, now), b.info.Reason)})
	return false
}

// pruneBans forgets the bans that have ended.
func (h *hub) pruneBans(now time.Time) {
	m := &h.mod
	n := len(m.bans)
	for id, b := range m.bans {
		if !b.active(now) {
			delete(m.bans, id)
			h.save("ban end", func(st ModerationStore, ctx context.Context) error { return st.DeleteBan(ctx, id) })
			h.log.Info("ban ended", "id", id, "name", b.info.Name)
		}
	}
	if len(m.bans) != n {
		m.reindex()
		h.emitBans()
	}
}

func (h *hub) emitBans() {
	list := make([]BanInfo, 0, len(h.mod.bans))
	for _, b := range h.mod.bans {
		list = append(list, b.info)
	}
	slices.SortFunc(list, func(a, b BanInfo) int { return int(a.ID - b.ID) })
	h.emit(Bans{List: list, At: time.Now()})
}

// audit records an administrator action in the store, then reports it as
// an Audited event: what the window shows is on disk (a server killed
// afterwards still has it), or an Error said why not.
func (h *hub) audit(e Audit) {
	e.Time = h.now()
	q := h.ev
	if !h.save("audit entry", func(st ModerationStore, ctx context.Context) error {
		err := st.AppendAudit(ctx, store.AuditEntry{Time: e.Time.UnixMilli(), Action: string(e.Action), Target: e.Target,
			Reason: e.Reason, Detail: e.storeDetail()})
		q.push(Audited{Entry: e})
		return err
	}) {
		h.emit(Audited{Entry: e})
	}
}

// reasonOr checks an admin's reason (trimmed; def when empty).
func (h *hub) reasonOr(op, reason, def string) (string, bool) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = def
	}
	if _, err := wire.CheckText(reason, h.cfg.MaxText); err != nil {
		h.failed(op, fmt.Errorf("reason: %w", err))
		return "", false
	}
	return reason, true
}

func (h *hub) ban(cmd Ban) {
	now := h.now()
	reason, ok := h.reasonOr("ban", cmd.Reason, DefaultBanReason)
	if !ok {
		return
	}
	if !cmd.Until.IsZero() && !cmd.Until.After(now) {
		h.failed("ban", cmdErr(ProblemEndsBefore, "", "the ban would end before it begins"))
		return
	}
	b := &ban{info: BanInfo{ID: h.mod.lastBan + 1, Reason: reason, Created: now, Until: cmd.Until, By: "admin"}}
	setDev := func(d [32]byte) {
		if d != ([32]byte{}) {
			b.device, b.hasDev, b.info.Device = d, true, hex.EncodeToString(d[:])
		}
	}
	setAddr := func(a netip.Addr) {
		if a = a.Unmap(); a.IsValid() && !a.IsLoopback() && !a.IsUnspecified() {
			b.info.Addr = a
		}
	}
	byNick := cmd.ByNick
	switch {
	case cmd.Nick != "":
		if c := h.members[wire.FoldKey(cmd.Nick)]; c != nil {
			b.info.Name = c.nick
			if !c.gateway {
				setDev(c.device)
			}
			setAddr(c.addr.Addr())
		} else {
			b.info.Name = cmd.Nick
			if bd := h.binds.holder(wire.SkeletonKeys(cmd.Nick), now); bd != nil {
				b.info.Name = bd.Nick
				setDev(bd.Device)
			}
			byNick = true // offline: no address is known; the nickname is what is left
		}
		setAddr(cmd.Addr)
	case cmd.Addr.IsValid():
		if a := cmd.Addr.Unmap(); a.IsLoopback() || a.IsUnspecified() {
			h.failed("ban", cmdErr(ProblemThisComputer, a.String(), "%s is this computer: every local client shares it; ban the user instead", a))
			return
		}
		setAddr(cmd.Addr)
		b.info.Name = b.info.Addr.String()
	default:
		h.failed("ban", cmdErr(ProblemNoTarget, "", "name a user or an address to ban"))
		return
	}
	if !b.hasDev && !b.info.Addr.IsValid() {
		byNick = true // a gateway user on this computer: only the nickname identifies them
	}
	if byNick {
		if err := wire.CheckNick(b.info.Name); err != nil {
			h.failed("ban", fmt.Errorf("nickname: %w", err))
			return
		}
		b.info.Nick = b.info.Name
		b.keys = wire.SkeletonKeys(b.info.Name)
	}
	h.mod.lastBan = b.info.ID
	h.mod.bans[b.info.ID] = b
	h.mod.index(b)
	rec := b.record()
	h.save("ban", func(st ModerationStore, ctx context.Context) error { return st.PutBan(ctx, rec) })
	when := UntilText(b.info.Until, now)
	h.audit(Audit{Action: AuditBan, Target: b.info.Name, Reason: reason,
		Args: AuditArgs{Until: b.info.Until, Device: b.info.Device, Addr: b.info.Addr, Nick: b.info.Nick}})
	h.log.Info("ban", "name", b.info.Name, "what", b.info.What(), "until", b.info.Until, "reason", reason)
	h.emit(Notice{Text: fmt.Sprintf("banned %s %s (%s): %s", b.info.Name, when, b.info.What(), reason), At: time.Now(), Typed: true})
	h.emitBans()
	h.clusterBan(b)
	h.enforceBan(b, reason, when, now)
}

// enforceBan removes everyone online here that ban b covers (the members of
// other servers are removed by their own server, which gets the ban too).
func (h *hub) enforceBan(b *ban, reason, when string, now time.Time) {
	var out []*conn
	for _, c := range h.members {
		if c.peer != nil {
			continue
		}
		dev := c.device
		if c.gateway {
			dev = [32]byte{}
		}
		if found, _ := h.mod.banned(dev, c.addr.Addr(), &c.skels, now); found == b {
			out = append(out, c)
		}
	}
	for _, c := range out {
		h.remove(c, fmt.Sprintf("%s (banned %s)", reason, when), now)
	}
}

func (h *hub) unban(id int64) {
	b := h.mod.bans[id]
	if b == nil {
		h.failed("unban", cmdErr(ProblemNoSuchBan, fmt.Sprint(id), "there is no ban %d (it may have ended)", id))
		return
	}
	delete(h.mod.bans, id)
	h.mod.reindex()
	h.save("unban", func(st ModerationStore, ctx context.Context) error { return st.DeleteBan(ctx, id) })
	h.audit(Audit{Action: AuditUnban, Target: b.info.Name, Reason: b.info.Reason,
		Args: AuditArgs{Until: b.info.Until, Device: b.info.Device, Addr: b.info.Addr, Nick: b.info.Nick}})
	h.log.Info("unban", "name", b.info.Name, "id", id)
	h.emit(Notice{Text: fmt.Sprintf("unbanned %s (%s)", b.info.Name, b.info.What()), At: time.Now(), Typed: true})
	h.emitBans()
	h.clusterUnban(b)
}

// muteKey is what a mute follows: the device, or the nickname for users
// without one (gateways).
func muteKey(c *conn) string {
	if !c.gateway && c.via == "" && c.device != ([32]byte{}) {
		return string(c.device[:])
	}
	return "nick:" + c.fold
}

// target finds the online user a command (op) names and checks its reason
// (def when empty); it reports failures and returns nil.
func (h *hub) target(op, nick, reason, def string) (*conn, string) {
	c := h.members[wire.FoldKey(nick)]
	if c == nil {
		h.failed(op, cmdErr(ProblemNoSuchUser, nick, "%w: %q", ErrNoSuchUser, nick))
		return nil, ""
	}
	reason, ok := h.reasonOr(op, reason, def)
	if !ok {
		return nil, ""
	}
	return c, reason
}

func (h *hub) mute(cmd Mute) {
	now := h.now()
	c, reason := h.target("mute", cmd.Nick, cmd.Reason, wire.ReasonMuted)
	if c == nil {
		return
	}
	if !cmd.Until.IsZero() && !cmd.Until.After(now) {
		h.failed("mute", cmdErr(ProblemEndsBefore, "", "the mute would end before it begins"))
		return
	}
	mu := &mute{until: cmd.Until, reason: reason, nick: c.nick}
	h.mod.mutes[muteKey(c)] = mu
	c.muted = mu
	h.pushMsg(c, restriction(wire.RestrictMute, true, "", mu.until, reason))
	when := "until unmuted"
	if !mu.until.IsZero() {
		when = UntilText(mu.until, now)
	}
	h.audit(Audit{Action: AuditMute, Target: c.nick, Reason: reason, Args: AuditArgs{Until: mu.until}})
	h.emit(Notice{Text: fmt.Sprintf("muted %s %s: %s", c.nick, when, reason), At: time.Now(), Typed: true})
	h.emit(MuteChanged{Nick: c.nick, On: true, Until: mu.until, At: time.Now()})
	h.clusterMute(muteKey(c), mu)
}

func (h *hub) unmute(nick string) {
	c := h.members[wire.FoldKey(nick)]
	var key string
	if c != nil {
		key = muteKey(c)
	} else {
		for k, mu := range h.mod.mutes {
			if wire.FoldKey(mu.nick) == wire.FoldKey(nick) {
				key = k
			}
		}
	}
	mu := h.mod.mutes[key]
	if mu == nil {
		h.failed("unmute", cmdErr(ProblemNotMuted, nick, "%s is not muted", nick))
		return
	}
	h.audit(Audit{Action: AuditUnmute, Target: mu.nick})
	h.endMute(key, mu, c)
	h.clusterUnmute(key, mu)
}

// endMute lifts a mute (early or at its end); c is its user if online.
func (h *hub) endMute(key string, mu *mute, c *conn) {
	delete(h.mod.mutes, key)
	if c == nil {
		for _, m := range h.members {
			if m.muted == mu {
				c = m
			}
		}
	}
	if c != nil {
		c.muted = nil
		h.pushMsg(c, restriction(wire.RestrictMute, false, "", time.Time{}, ""))
	}
	h.emit(Notice{Text: fmt.Sprintf("%s may speak again", mu.nick), At: time.Now(), Typed: true})
	h.emit(MuteChanged{Nick: mu.nick, At: time.Now()})
}

// liftMutes ends the mutes whose time is up and returns how long until the
// next one ends (negative: none).
func (h *hub) liftMutes() time.Duration {
	if len(h.mod.mutes) == 0 {
		return -1
	}
	now := h.now()
	next := time.Duration(-1)
	for k, mu := range h.mod.mutes {
		switch {
		case mu.until.IsZero():
		case !now.Before(mu.until):
			h.endMute(k, mu, nil)
		case next < 0 || mu.until.Sub(now) < next:
			next = mu.until.Sub(now)
		}
	}
	return next
}

func restriction(kind wire.RestrictKind, on bool, room string, until time.Time, reason string) wire.Restriction {
	r := wire.Restriction{Kind: kind, On: on, Room: room, Reason: reason}
	if !until.IsZero() {
		r.Until = until.UnixMilli()
	}
	return r
}

// silenced refuses a say, private or file offer from a muted user, or a
// say in a room in lecture mode (r nil for the others), and reports
// whether it did.
func (h *hub) silenced(c *conn, r *room, ref uint32) bool {
	if mu := c.muted; mu != nil {
		if mu.until.IsZero() || h.now().Before(mu.until) {
			e := wire.Error{Code: wire.CodeMuted, Ref: ref, Text: "you are muted: " + mu.reason}
			if !mu.until.IsZero() {
				e.Until = mu.until.UnixMilli()
				e.Text = fmt.Sprintf("you are muted %s: %s", UntilText(mu.until, h.now()), mu.reason)
			}
			h.pushMsg(c, e)
			return true
		}
		h.endMute(muteKey(c), mu, c)
	}
	if r != nil && (h.mod.all != "" || len(h.mod.lectures) > 0 && h.mod.lectures[r.key] != "") {
		h.sendError(c, wire.CodeLecture, ref,
			fmt.Sprintf("lecture mode in “%s”: only the administrator's announcements are posted", r.name))
		return true
	}
	return false
}

func (h *hub) lecture(cmd Lecture) {
	if h.ln == nil {
		h.failed("lecture", ErrNotRunning)
		return
	}
	reason, ok := h.reasonOr("lecture", cmd.Reason, wire.ReasonLecture)
	if !ok {
		return
	}
	target, name := h.lobby, ""
	if cmd.Room != "" {
		if target = h.roomNamed(cmd.Room); target == nil {
			h.failed("lecture", cmdErr(ProblemNoSuchRoom, cmd.Room, "there is no room “%s”", cmd.Room))
			return
		}
		name = target.name
	}
	if !cmd.On {
		reason = ""
	}
	if name == "" {
		h.mod.all = reason
	} else if cmd.On {
		h.mod.lectures[target.key] = reason
	} else {
		delete(h.mod.lectures, target.key)
	}
	h.broadcast(target, wire.Encode(restriction(wire.RestrictLecture, cmd.On, name, time.Time{}, reason)))
	where := "every room"
	if name != "" {
		where = "“" + name + "”"
	}
	state := map[bool]string{true: "on", false: "off"}[cmd.On]
	h.audit(Audit{Action: AuditLecture, Target: name, Reason: reason, Args: AuditArgs{On: cmd.On}})
	h.emit(Notice{Text: fmt.Sprintf("lecture mode %s in %s", state, where), At: time.Now(), Typed: true})
	h.emit(LectureChanged{Room: name, On: cmd.On, At: time.Now()})
}

func (h *hub) setTopic(cmd SetTopic) {
	if h.ln == nil {
		h.failed("topic", ErrNotRunning)
		return
	}
	r := h.lobby
	if cmd.Room != "" {
		if r = h.roomNamed(cmd.Room); r == nil {
			h.failed("topic", cmdErr(ProblemNoSuchRoom, cmd.Room, "there is no room “%s”", cmd.Room))
			return
		}
	}
	text := strings.TrimSpace(cmd.Text)
	if text != "" {
		if _, err := wire.CheckText(text, h.cfg.MaxText); err != nil {
			h.failed("topic", err)
			return
		}
	}
	now := time.Now()
	h.pinTopic(r, text, "admin", now)
	h.clusterTopic(r, text, "admin", now)
	h.audit(Audit{Action: AuditTopic, Target: r.name, Detail: text})
	if text == "" {
		h.emit(Notice{Text: fmt.Sprintf("topic of “%s” removed", r.name), At: time.Now(), Typed: true})
	} else {
		h.emit(Notice{Text: fmt.Sprintf("topic of “%s”: %s", r.name, text), At: time.Now(), Typed: true})
	}
}

// pinTopic sets r's topic (text "" : none), set by the administrator (by
// "admin") or an operator of the room (by: their nickname), and tells its
// members and the window. The administrator's and the operators' topic is
// one topic: each replaces the other.
func (h *hub) pinTopic(r *room, text, by string, at time.Time) {
	t := wire.Topic{Time: at.UnixMilli(), Room: r.name, Text: text, By: by}
	if text == "" {
		delete(h.mod.topics, r.key)
	} else {
		h.mod.topics[r.key] = t
	}
	h.broadcast(r, wire.Encode(t))
	h.emit(TopicChanged{Room: r.name, Text: text, By: by, At: time.Now()})
}

// entered tells c, who just joined r (the lobby: just connected), what
// moderation applies there: its mute, lecture mode, the topic.
func (h *hub) entered(c *conn, r *room) {
	if r == h.lobby {
		if mu := h.mod.mutes[muteKey(c)]; mu != nil {
			c.muted = mu
			h.pushMsg(c, restriction(wire.RestrictMute, true, "", mu.until, mu.reason))
		}
		if h.mod.all != "" {
			h.pushMsg(c, restriction(wire.RestrictLecture, true, "", time.Time{}, h.mod.all))
		}
	}
	if reason := h.mod.lectures[r.key]; reason != "" {
		h.pushMsg(c, restriction(wire.RestrictLecture, true, r.name, time.Time{}, reason))
	}
	if t, ok := h.mod.topics[r.key]; ok {
		t.Room = r.name
		h.pushMsg(c, t)
	}
}

// refuseHello refuses a hello with r (the connection closes); ev says why
// to the window (its Reason and facts).
func (h *hub) refuseHello(c *conn, nick string, r wire.Refused, ev Refused) {
	h.pushForce(c, wire.Encode(r))
	h.log.Info("connection refused", "addr", c.addr, "nick", clip(nick), "reason", r.Code.String(), "detail", ev.Reason)
	ev.Nick, ev.Addr, ev.At = clip(nick), c.addr, time.Now()
	h.emit(ev)
	h.releaseNick(c, true)
	h.drop(c, wire.LeftProtocol, closeGraceful, "refused")
}
